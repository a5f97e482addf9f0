"""The clock the ledger and the counts service stamp their rows with.

It is the real UTC time, except inside `backdated(...)`, which only the demo history uses
to post *at* a past instant (movements are append-only, so the past cannot be written any
other way). Nothing else ever moves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from warehouse.core.columns import utcnow as real_utcnow

_instant_of: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Naive UTC now, or the backdated instant while `backdated` is in force."""
    return _instant_of() if _instant_of else real_utcnow()


@contextmanager
def backdated(instant_of: Callable[[], datetime]) -> Iterator[None]:
    """Stamp with `instant_of()` until the block ends; always restored."""
    global _instant_of
    saved, _instant_of = _instant_of, instant_of
    try:
        yield
    finally:
        _instant_of = saved
