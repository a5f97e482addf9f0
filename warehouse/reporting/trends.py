"""Chart series of the dashboard: units in and out per step, top movers, stock value over
time, and stock value at an instant.

Stock value over time uses the ledger's point-in-time balances read backwards: the value
at the end of a day is today's value (stock_balances, equal to the sum of every movement
by `verify`) minus the value of the movements after that day. That touches only the
movements inside the period, where reading `balance_after` of the last movement per key
before each day would scan the whole history once per day. Values use each product's
current unit cost (the catalog keeps no cost history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import join as orm_join

from warehouse.catalog.models import Location, Product
from warehouse.core.extensions import db
from warehouse.core.money import money
from warehouse.ledger.models import Balance, Movement
from warehouse.reporting.periods import Period
from warehouse.reporting.rollups import outbound_by_place

TOP_MOVERS = 10

m = Movement
b = Balance
p = Product


@dataclass
class DayFlow:
    """Units moved in one chart step (a day, or a week from `day` to `until`)."""

    day: date
    until: date
    units_in: int = 0
    units_out: int = 0
    adjusted: int = 0  # net units added (+) or removed (-) by adjustments


@dataclass
class Mover:
    product_id: int
    sku: str
    name: str
    units: int
    value: Decimal


@dataclass
class ValueSeries:
    location_id: int
    code: str
    points: list[tuple[date, Decimal]]  # value at the end of each chart step's last day


def day_flows(daily: list[tuple], span: Period) -> list[DayFlow]:
    """Every step of the period (quiet ones as zeros), locations added up."""
    flows = [DayFlow(first, last) for first, last in span.buckets]
    index = span.bucket_of()
    for day, _loc, units_in, units_out, adjusted, _value in daily:
        k = index.get(day)
        if k is not None:
            flow = flows[k]
            flow.units_in += units_in
            flow.units_out += units_out
            flow.adjusted += adjusted
    return flows


def top_movers(location_id: int | None, span: Period) -> dict[str, list[Mover]]:
    """SKUs that left most (sales, transfers out, fulfilled, expired), by units and by
    value (units x current unit cost), from the per-day outbound rollup."""
    units: dict[int, int] = {}
    for (loc, pid), n in outbound_by_place(span).items():
        if location_id is None or loc == location_id:
            units[pid] = units.get(pid, 0) + n
    if not units:
        return {"movers_by_units": [], "movers_by_value": []}
    by_units = sorted(units, key=lambda pid: -units[pid])
    catalog = {
        pid: (sku, name, cost)
        for pid, sku, name, cost in db.session.execute(
            select(p.id, p.sku, p.name, p.unit_cost).where(p.id.in_(list(units)))
        )
    }
    movers = [
        Mover(
            pid,
            catalog[pid][0],
            catalog[pid][1],
            units[pid],
            money(Decimal(units[pid]) * Decimal(catalog[pid][2] or 0)),
        )
        for pid in by_units
    ]
    return {
        "movers_by_units": sorted(movers, key=lambda x: (-x.units, x.sku))[:TOP_MOVERS],
        "movers_by_value": sorted(movers, key=lambda x: (-x.value, x.sku))[:TOP_MOVERS],
    }


def value_series(location_id: int | None, span: Period, daily: list[tuple]) -> list[ValueSeries]:
    """Stock value at the end of every chart step of the period, per location: today's
    value minus the value moved after each day (see the module docstring)."""
    query = (
        select(b.location_id, func.sum(b.on_hand * p.unit_cost))
        .select_from(orm_join(Balance, Product, p.id == b.product_id))
        .group_by(b.location_id)
    )
    if location_id is not None:
        query = query.where(b.location_id == location_id)
    now_value = {loc: money(v) for loc, v in db.session.execute(query)}
    deltas: dict[int, dict[date, Decimal]] = {}
    for day, loc, *_units, value in daily:
        deltas.setdefault(loc, {})[day] = value
    codes = dict(
        db.session.execute(
            select(Location.id, Location.code).where(Location.id.in_(set(now_value) | set(deltas)))
        ).all()
    )
    ends = {last for _first, last in span.buckets}
    series = []
    for loc in sorted(codes, key=codes.get):
        value, points = now_value.get(loc, Decimal(0)), []
        for day in reversed(span.days):
            if day in ends:
                points.append((day, value))
            value -= deltas.get(loc, {}).get(day, Decimal(0))
        series.append(ValueSeries(loc, codes[loc], points[::-1]))
    return series


def value_at(instant: datetime, location_id: int | None = None) -> Decimal:
    """Stock value at an instant from the ledger's point-in-time balances (the last
    movement per key at or before it, by id), at current unit costs."""
    last = select(func.max(m.id).label("id")).where(m.created_at <= instant)
    if location_id is not None:
        last = last.where(m.location_id == location_id)
    last = last.group_by(m.product_id, m.location_id, m.bin_id, m.lot_id).subquery()
    query = select(func.coalesce(func.sum(m.balance_after * p.unit_cost), 0)).select_from(
        orm_join(Movement, last, last.c.id == m.id).join(Product, p.id == m.product_id)
    )
    return money(db.session.scalar(query))
