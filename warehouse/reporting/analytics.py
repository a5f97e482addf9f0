"""Figures for the supervisor dashboard, aggregated in the database: the whole dashboard
(`dashboard`) and its tiles (stock totals, shortages, open transfers, count accuracy) and
count trend. The period's movement aggregates come from rollups.py, the chart series
from trends.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import join as orm_join

from warehouse import alerts
from warehouse.alerts.models import Alert, AlertKind
from warehouse.catalog.models import Location, Product
from warehouse.core.extensions import db
from warehouse.core.money import money
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus
from warehouse.ledger.models import Balance
from warehouse.reporting.periods import Period, as_date
from warehouse.reporting.rollups import daily_rows
from warehouse.reporting.trends import DayFlow, Mover, ValueSeries, day_flows, top_movers, value_series
from warehouse.transfers.models import Transfer, TransferStatus

OPEN_TRANSFERS = (
    TransferStatus.DRAFT,
    TransferStatus.APPROVED,
    TransferStatus.IN_TRANSIT,
    TransferStatus.RECEIVED,
)

b = Balance
p = Product


@dataclass
class Tiles:
    skus: int
    units: int
    value: Decimal
    low_stock: int
    out_of_stock: int
    open_alerts: int
    transfers: dict[str, int]  # open transfers by status
    lines_counted: int
    lines_exact: int
    accepted_variance_value: Decimal
    value_before: Decimal = Decimal(0)  # stock value at the end of the day before the period

    @property
    def accuracy(self) -> float | None:
        """Share of counted lines without a variance; None when nothing was counted."""
        return self.lines_exact / self.lines_counted if self.lines_counted else None


@dataclass
class CountDay:
    day: date  # first day of the chart step
    until: date  # last day of the chart step
    counted: int
    varied: int
    value: Decimal  # net variance value (counted - ledger) x unit cost


@dataclass
class Dashboard:
    period: Period
    location: Location | None
    tiles: Tiles
    flows: list[DayFlow] = field(default_factory=list)
    movers_by_units: list[Mover] = field(default_factory=list)
    movers_by_value: list[Mover] = field(default_factory=list)
    values: list[ValueSeries] = field(default_factory=list)
    count_days: list[CountDay] = field(default_factory=list)


def dashboard(location: Location | None, span: Period) -> Dashboard:
    """Everything the dashboard shows, for one location (or all) over the period."""
    location_id = location.id if location else None
    daily = daily_rows(location_id, span)
    return Dashboard(
        period=span,
        location=location,
        tiles=tiles(location_id, span, daily),
        flows=day_flows(daily, span),
        **top_movers(location_id, span),
        values=value_series(location_id, span, daily),
        count_days=count_trend(location_id, span),
    )


# --- tiles -------------------------------------------------------------------------------


def tiles(location_id: int | None, span: Period, daily: list[tuple] | None = None) -> Tiles:
    """The tiles; `daily` when the caller has read the period's daily rows already."""
    skus, units, value = stock_totals(location_id)
    low, out = stock_shortages(location_id)
    counted, exact, accepted = count_accuracy(location_id, span)
    daily = daily_rows(location_id, span) if daily is None else daily
    moved = sum((row[5] for row in daily), Decimal(0))
    return Tiles(
        skus,
        units,
        value,
        low,
        out,
        alerts.open_count(location_id),
        open_transfers(location_id),
        counted,
        exact,
        accepted,
        value_before=value - moved,
    )


def stock_totals(location_id: int | None) -> tuple[int, int, Decimal]:
    """(SKUs with stock, units on hand, on_hand x unit cost) from the current balances."""
    query = (
        select(
            func.count(func.distinct(b.product_id)),
            func.coalesce(func.sum(b.on_hand), 0),
            func.coalesce(func.sum(b.on_hand * p.unit_cost), 0),
        )
        .select_from(orm_join(Balance, Product, p.id == b.product_id))
        .where(b.on_hand > 0)
    )
    if location_id is not None:
        query = query.where(b.location_id == location_id)
    skus, units, value = db.session.execute(query).one()
    return int(skus), int(units), money(value)


def stock_shortages(location_id: int | None) -> tuple[int, int]:
    """(low, out): SKU x location pairs with a live low_stock / out_of_stock alert. The
    alerts judge those conditions after every posting (warehouse/alerts.py holds the one
    rule), so the tiles always agree with the alert list they link to."""
    query = select(
        func.coalesce(func.sum(case((Alert.kind == AlertKind.LOW_STOCK, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Alert.kind == AlertKind.OUT_OF_STOCK, 1), else_=0)), 0),
    ).where(Alert.live_key.is_not(None))  # live: open or acknowledged (alerts.py)
    if location_id is not None:
        query = query.where(Alert.location_id == location_id)
    low, out_count = db.session.execute(query).one()
    return int(low), int(out_count)


def open_transfers(location_id: int | None) -> dict[str, int]:
    """Transfers not yet completed or cancelled, by status (leaving or reaching the
    location), every open status present with 0 when there are none."""
    query = (
        select(Transfer.status, func.count(Transfer.id))
        .where(Transfer.status.in_(OPEN_TRANSFERS))
        .group_by(Transfer.status)
    )
    if location_id is not None:
        query = query.where(
            or_(Transfer.from_location_id == location_id, Transfer.to_location_id == location_id)
        )
    found = {status: int(n) for status, n in db.session.execute(query)}
    return {status.value: found.get(status, 0) for status in OPEN_TRANSFERS}


def _counted_lines(location_id: int | None):
    """Count lines that were counted (a recount's replaced line is left out: its recount
    stands for it)."""
    query = (
        select()
        .select_from(
            orm_join(CountLine, CountBatch, CountBatch.id == CountLine.batch_id).join(
                Product, p.id == CountLine.product_id
            )
        )
        .where(
            CountLine.counted_qty.is_not(None),
            CountLine.ledger_qty_at_count.is_not(None),
            CountLine.status != CountLineStatus.RECOUNT,
        )
    )
    if location_id is not None:
        query = query.where(CountBatch.location_id == location_id)
    return query


def count_accuracy(location_id: int | None, span: Period) -> tuple[int, int, Decimal]:
    """(lines counted in the period, of those without a variance, value of the variances
    accepted in the period)."""
    exact = CountLine.counted_qty == CountLine.ledger_qty_at_count
    accepted = and_(CountLine.status == CountLineStatus.ACCEPTED, CountLine.resolved_at >= span.since)
    variance_value = (CountLine.counted_qty - CountLine.ledger_qty_at_count) * p.unit_cost
    query = _counted_lines(location_id).add_columns(
        func.coalesce(func.sum(case((CountLine.counted_at >= span.since, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(CountLine.counted_at >= span.since, exact), 1), else_=0)), 0),
        func.coalesce(func.sum(case((accepted, variance_value), else_=0)), 0),
    )
    counted, exact_n, value = db.session.execute(query).one()
    return int(counted), int(exact_n), money(value)


def count_trend(location_id: int | None, span: Period) -> list[CountDay]:
    """Per chart step with counting in the period: lines counted, lines with a variance,
    net variance value."""
    day = func.date(CountLine.counted_at)
    varied = CountLine.counted_qty != CountLine.ledger_qty_at_count
    query = (
        _counted_lines(location_id)
        .add_columns(
            day,
            func.count(),
            func.sum(case((varied, 1), else_=0)),
            func.sum((CountLine.counted_qty - CountLine.ledger_qty_at_count) * p.unit_cost),
        )
        .where(CountLine.counted_at >= span.since)
        .group_by(day)
        .order_by(day)
    )
    buckets, index = span.buckets, span.bucket_of()
    steps: dict[int, CountDay] = {}
    for d, n, v, value in db.session.execute(query):
        k = index.get(as_date(d))
        if k is None:  # counted "in the future" (a clock ahead): not in this period
            continue
        step = steps.setdefault(k, CountDay(*buckets[k], 0, 0, Decimal(0)))
        step.counted, step.varied, step.value = (
            step.counted + int(n),
            step.varied + int(v or 0),
            step.value + money(value),
        )
    return [steps[k] for k in sorted(steps)]
