"""The ledger audit (`flask verify-ledger`): every balance recomputed from its movements,
each disagreement reported as a `Drift`, with human labels for the keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from warehouse.catalog.models import Location
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance, Movement
from warehouse.ledger.refusals import describe

# --- audit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    key: tuple[int, int, int, int]  # product_id, location_id, bin_id, lot_id
    from_movements: tuple[int, int, int]  # on_hand, reserved, held
    in_balances: tuple[int, int, int]
    problem: str


def verify() -> list[Drift]:
    """Recompute every balance from the movements; return every key that disagrees.

    Checks that each balance equals the sum of its movements, that the last movement's
    *_after figures equal the balance, and that no balance exists without movements.
    """
    m = Movement
    sums = {
        tuple(r[:4]): tuple(int(x) for x in r[4:])
        for r in db.session.execute(
            select(
                m.product_id,
                m.location_id,
                m.bin_id,
                m.lot_id,
                func.sum(m.qty),
                func.sum(m.reserved_delta),
                func.sum(m.held_delta),
            ).group_by(m.product_id, m.location_id, m.bin_id, m.lot_id)
        )
    }
    last_ids = (
        select(func.max(m.id).label("id"))
        .group_by(m.product_id, m.location_id, m.bin_id, m.lot_id)
        .subquery()
    )
    lasts = {
        tuple(r[:4]): tuple(r[4:])
        for r in db.session.execute(
            select(
                m.product_id,
                m.location_id,
                m.bin_id,
                m.lot_id,
                m.balance_after,
                m.reserved_after,
                m.held_after,
            ).join(last_ids, last_ids.c.id == m.id)
        )
    }
    b = Balance
    stored = {
        tuple(r[:4]): tuple(r[4:])
        for r in db.session.execute(
            select(b.product_id, b.location_id, b.bin_id, b.lot_id, b.on_hand, b.reserved, b.held)
        )
    }
    drifts = []
    for key in sorted(set(sums) | set(stored)):
        expected, actual = sums.get(key, (0, 0, 0)), stored.get(key, (0, 0, 0))
        if expected != actual:
            drifts.append(Drift(key, expected, actual, "balance differs from sum of movements"))
        elif key in lasts and lasts[key] != actual:
            drifts.append(Drift(key, expected, actual, f"last movement says {lasts[key]}"))
    return drifts


def describe_keys(keys: Iterable[tuple[int, int, int, int]]) -> dict[tuple, str]:
    """Human labels "SKU @ location/bin lot X" for keys (the CLI's drift report)."""
    labels = {}
    for key in keys:
        product_id, location_id, bin_id, lot_id = key
        sku, bin_code, lot_code = describe(product_id, bin_id, lot_id)
        location = db.session.scalar(select(Location.code).where(Location.id == location_id))
        labels[key] = f"{sku} @ {location}/{bin_code}" + (f" lot {lot_code}" if lot_code else "")
    return labels
