"""What the kinds share: judging each row on its own, keeping what went wrong."""

from __future__ import annotations

from collections.abc import Callable

from warehouse.core.errors import DomainError


def judged(rows: list, judge: Callable) -> list[str | None]:
    """`judge(row)` for each row: None when it passes, else the message of the rule it broke."""
    out: list[str | None] = []
    for row in rows:
        try:
            judge(row)
            out.append(None)
        except DomainError as error:
            out.append(error.message)
    return out
