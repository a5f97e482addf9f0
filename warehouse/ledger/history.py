"""Stock read from the ledger: one key's balance now, and stock per key at any past
instant from the movements' *_after figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from warehouse.catalog.models import NO_LOT
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance, Movement

# --- reading -----------------------------------------------------------------------------


def balance(product_id: int, bin_id: int, lot_id: int = NO_LOT) -> tuple[int, int, int]:
    """(on_hand, reserved, held) for one key; zeros when the key has never had stock."""
    row = db.session.execute(
        select(Balance.on_hand, Balance.reserved, Balance.held).where(
            Balance.product_id == product_id, Balance.bin_id == bin_id, Balance.lot_id == lot_id
        )
    ).first()
    return tuple(row) if row else (0, 0, 0)


def stock_at(
    instant: datetime, *, product_id: int | None = None, location_id: int | None = None
) -> dict[tuple, tuple[int, int, int]]:
    """Stock per key as it was at `instant`: the *_after figures of the last movement per
    key at or before it. "Last" is by movement id (monotonic), not by timestamp."""
    m = Movement
    last = select(func.max(m.id).label("id")).where(m.created_at <= instant)
    if product_id is not None:
        last = last.where(m.product_id == product_id)
    if location_id is not None:
        last = last.where(m.location_id == location_id)
    last = last.group_by(m.product_id, m.location_id, m.bin_id, m.lot_id).subquery()
    rows = db.session.execute(
        select(
            m.product_id, m.location_id, m.bin_id, m.lot_id, m.balance_after, m.reserved_after, m.held_after
        ).join(last, last.c.id == m.id)
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows if any(r[4:])}
