"""What reserving, closing, returning and the sweeper share: limits, errors, keys, and the
replay loop (a retried request finds its first posting and is answered from it)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select

from warehouse import ledger
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.core.errors import (
    DomainError,
    IdempotencyKeyReused,
    KeyTooLong,
    QuantityOutOfRange,
    ReservationChanged,
)
from warehouse.core.extensions import db
from warehouse.core.settings import Settings
from warehouse.ledger.models import MovementType, Posting

log = logging.getLogger(__name__)
MAX_QTY = 1_000_000
MAX_TTL = timedelta(days=366)
RETURNS_LOCATION = "returns"
R = ReservationStatus
_rows = Reservation.__table__


# When a caller names no TTL. The doors pass the configured one (Settings.reservation_ttl).
DEFAULT_TTL = Settings().reservation_ttl


class _Retry(Exception):
    """Internal: a guarded UPDATE or a balance lost a race; run the whole step again."""


class _Replayed(Exception):
    """Internal: the ledger found this key's posting; roll back our row changes."""

    def __init__(self, posting_id: int):
        self.posting_id = posting_id


def _check_qty(qty, verb: str) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(f"{verb} 1 to {MAX_QTY:,} units.")


def _ledger_key(verb: str, key: str | None, actor_id: int | None) -> str | None:
    """The posting's idempotency key: namespaced by verb and caller (one caller's key never
    finds another's reservation); a long key is hashed to fit the column."""
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= 255:
        raise KeyTooLong("An idempotency key is 1-255 characters.")
    if len(key) > 80:
        key = "#" + hashlib.sha256(key.encode()).hexdigest()
    return f"reservation:{verb}:{actor_id or 0}:{key}"


# --- the shared run loop -----------------------------------------------------------------


def earlier_posting(ledger_key: str, type: MovementType, reference, note: str) -> int | None:
    """The posting made earlier with this key, if any; refused if it was another change
    (another verb, reference or request; postings from before notes recorded the request
    have none and are checked by the replay)."""
    row = db.session.execute(
        select(Posting.id, Posting.type, Posting.reference_type, Posting.reference_id, Posting.note).where(
            Posting.idempotency_key == ledger_key
        )
    ).first()
    if row is None:
        return None
    if (
        row.type != type
        or (row.reference_type, row.reference_id) != tuple(reference)
        or (row.note is not None and row.note != note)
    ):
        raise IdempotencyKeyReused(
            "This request key was already used for a different change. Use a new key for a new request."
        )
    return row.id


def _run(work, earlier, replay, attempts: int = 4):
    """Run `work` in one write transaction; start again when it lost a race (nothing it
    wrote is kept). `earlier()` finds this request's posting by its key (refusing a key
    used for other content): a concurrent first attempt that won answers with its result."""
    last = None
    for _attempt in range(attempts):
        try:
            return ledger.atomically(work)
        except _Replayed as done:
            return ledger.atomically(replay, done.posting_id)
        except _Retry as lost:
            last = lost
        except DomainError:
            # A concurrent twin with the same key may have won after our first look and
            # changed what we read: we computed other lines (the ledger calls that key
            # reuse) or found too little. If the key's posting is this same request, its
            # result is our answer; if it is other content, _earlier refuses it.
            if (done := ledger.atomically(earlier)) is not None:
                return ledger.atomically(replay, done)
            raise
    if last is not None and isinstance(last.__cause__, DomainError):
        raise last.__cause__
    raise ReservationChanged("The reservation changed while saving. Reload and try again.")
