"""Weighted average cost per SKU x location, kept by the postings themselves.

A line that brings units in with a cost (a purchase received at its invoice price) moves
its place's average: the units already there at the old average and the new ones at
their cost,

    new average = (on hand before x old average + units in x their cost) / on hand after

in the posting's transaction, so the average can never disagree with the stock it
values. Units moved from one location to another in one posting (a transfer's legs
through transit, expired units sent for destruction) carry the average of the place
they left (`costs_of`), so moving stock never changes what it is worth. Units that leave,
or arrive from nowhere without a cost (a count, a return, a found unit), do not change
it. A place that never had a costed receipt is valued at the product's standard cost
(`products.unit_cost`), which is also the "old average" of its first one.

Concurrency: the place's row is locked before the on-hand is read, so two receipts into
one place take turns and the second sees the first's units (PostgreSQL reads a fresh
snapshot per statement; SQLite has one writer). The first receipt of a place inserts its
row; a second one racing it waits on the unique key, finds the row and goes again.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warehouse.catalog.models import Product
from warehouse.core.clock import utcnow
from warehouse.core.extensions import db
from warehouse.ledger.models import AverageCost, Balance

COST_PLACES = Decimal("0.0001")
MAX_COST = Decimal("99999999.9999")  # Numeric(12, 4)

costs = AverageCost.__table__
balances = Balance.__table__

_ON_HAND = select(func.coalesce(func.sum(balances.c.on_hand), 0)).where(
    balances.c.product_id == bindparam("product_id"), balances.c.location_id == bindparam("location_id")
)
_LOCK = (
    select(costs.c.average)
    .where(costs.c.product_id == bindparam("product_id"), costs.c.location_id == bindparam("location_id"))
    .with_for_update()
)
_STANDARD = select(Product.__table__.c.unit_cost).where(Product.__table__.c.id == bindparam("product_id"))
_SET = (
    update(costs)
    .where(costs.c.product_id == bindparam("k_product"), costs.c.location_id == bindparam("k_location"))
    .values(average=bindparam("average"), updated_at=bindparam("at"))
)


def costs_of(conn, lines) -> dict[tuple, Decimal]:
    """The cost per unit of each line (by key) that brings units in with one: as given, or,
    when the same posting takes the product out of another location, that location's
    average (its standard cost before it has one). Empty, without a query, for the
    postings that do neither (a pick, a reservation, a put-away within a location)."""
    leaving: dict[int, int] = {}
    for line in lines:
        if line.qty < 0:
            leaving.setdefault(line.product_id, line.location_id)
    found, sources = {}, {}
    for line in lines:
        if line.qty <= 0:
            continue
        if line.cost is not None:
            found[line.key] = line.cost
            continue
        source = leaving.get(line.product_id)
        if source is not None and source != line.location_id:
            if (line.product_id, source) not in sources:
                sources[line.product_id, source] = _average_or_standard(conn, line.product_id, source)
            found[line.key] = sources[line.product_id, source]
    return found


def _average_or_standard(conn, product_id: int, location_id: int) -> Decimal:
    place = dict(product_id=product_id, location_id=location_id)
    average = conn.execute(select(costs.c.average).where(*_at(place))).scalar()
    if average is not None:
        return Decimal(average)
    return Decimal(conn.execute(_STANDARD, place).scalar_one() or 0)


def _at(place: dict) -> list:
    return [costs.c.product_id == place["product_id"], costs.c.location_id == place["location_id"]]


def keep_averages(conn, lines, line_costs: dict[tuple, Decimal]) -> None:
    """Move the average of every place these lines (already applied to the balances)
    bring costed units into (`line_costs`, from `costs_of`). Called by the ledger's
    write, inside its transaction."""
    moved, valued = defaultdict(int), defaultdict(lambda: [0, Decimal(0)])
    for line in lines:
        place = (line.product_id, line.location_id)
        moved[place] += line.qty
        if line.key in line_costs:
            valued[place][0] += line.qty
            valued[place][1] += line.qty * line_costs[line.key]
    for (product_id, location_id), (units_in, value_in) in sorted(valued.items()):
        place = dict(product_id=product_id, location_id=location_id)
        for _attempt in range(2):
            old = conn.execute(_LOCK, place).scalar()
            after = conn.execute(_ON_HAND, place).scalar_one()
            before = max(after - moved[product_id, location_id], 0)
            standard = Decimal(conn.execute(_STANDARD, place).scalar_one() or 0)
            average = _weighted(before, Decimal(old) if old is not None else standard, units_in, value_in)
            if old is not None:
                conn.execute(
                    _SET, dict(k_product=product_id, k_location=location_id, average=average, at=utcnow())
                )
                break
            if _created(conn, place, average):
                break


def _weighted(before: int, old: Decimal, units_in: int, value_in: Decimal) -> Decimal:
    average = (before * old + value_in) / (before + units_in)
    return min(average.quantize(COST_PLACES, ROUND_HALF_UP), MAX_COST)


def _created(conn, place: dict, average: Decimal) -> bool:
    """Insert the place's first average; False when a concurrent posting made it first
    (then its row is there to lock)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(costs).values(**place, average=average, updated_at=utcnow()).on_conflict_do_nothing()
    return conn.execute(statement.returning(costs.c.id)).first() is not None


def average_cost(product_id: int, location_id: int) -> Decimal | None:
    """The place's weighted average cost, None before its first costed receipt."""
    return db.session.scalar(
        select(AverageCost.average).where(
            AverageCost.product_id == product_id, AverageCost.location_id == location_id
        )
    )
