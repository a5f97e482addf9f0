"""Figures for the supervisor dashboard, aggregated in the database.

Nothing here loads movements into Python: every figure is a grouped query, and only
aggregated rows (per day x location, per day x location x SKU) come back. Movement
queries are bounded by the period (`created_at >= since`, ix_stock_movements_created_at),
and the per-day aggregates of closed days are kept as in-memory rollups (see "rollups of
closed days" below), so a request reads the ledger for the last two days only.

Stock value over time uses the ledger's point-in-time balances read backwards: the value
at the end of a day is today's value (stock_balances, equal to the sum of every movement
by `verify`) minus the value of the movements after that day. That touches only the
movements inside the period, where reading `balance_after` of the last movement per key
before each day would scan the whole history once per day. Values use each product's
current unit cost (the catalog keeps no cost history).
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce

from warehouse import alerts
from warehouse.alerts.models import Alert, AlertKind
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.money import money
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus
from warehouse.ledger.models import Balance, Movement, MovementType
from warehouse.transfers.models import Transfer, TransferStatus

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
WEEKLY_FROM = 60  # periods this long are charted per week: 53 bars, not 365 (page weight)
DEFAULT_PERIOD = "30d"
TOP_MOVERS = 10

T = MovementType
# Stock entering or leaving a location for good; transit legs, put-away (bin to bin),
# reservations and holds are neither.
INBOUND = (T.INBOUND_PURCHASE, T.TRANSFER_IN, T.RETURN)
OUTBOUND = (T.OUTBOUND_SALE, T.TRANSFER_OUT, T.FULFILL, T.EXPIRE)
ADJUSTING = (T.ADJUSTMENT, T.ADJUSTMENT_COUNT)
OPEN_TRANSFERS = (
    TransferStatus.DRAFT,
    TransferStatus.APPROVED,
    TransferStatus.IN_TRANSIT,
    TransferStatus.RECEIVED,
)

m = Movement.__table__.c
b = Balance.__table__.c
p = Product.__table__.c


@dataclass(frozen=True)
class Period:
    """Whole UTC days ending today: `first_day` 00:00 up to now."""

    name: str
    first_day: date
    last_day: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time.min)

    @property
    def days(self) -> list[date]:
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]

    @property
    def buckets(self) -> list[tuple[date, date]]:
        """(first, last) day of each chart step: days, or weeks ending today (the first
        week may be short) for long periods."""
        step = 7 if len(self.days) >= WEEKLY_FROM else 1
        ends = [self.last_day - timedelta(days=i) for i in range(0, len(self.days), step)]
        return [(max(end - timedelta(days=step - 1), self.first_day), end) for end in reversed(ends)]

    def bucket_of(self) -> dict[date, int]:
        """Day -> index of its bucket."""
        return {
            first + timedelta(days=i): k
            for k, (first, last) in enumerate(self.buckets)
            for i in range((last - first).days + 1)
        }


def period(name: str, today: date | None = None) -> Period:
    """The period called `name` (7d, 30d, 90d, 1y). Callers validate the name first."""
    today = today or utcnow().date()
    return Period(name, today - timedelta(days=PERIODS[name] - 1), today)


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
    daily = _daily(location_id, span)
    return Dashboard(
        period=span,
        location=location,
        tiles=tiles(location_id, span, daily),
        flows=_flows(daily, span),
        **_movers(location_id, span),
        values=_values(location_id, span, daily),
        count_days=count_trend(location_id, span),
    )


# --- tiles -------------------------------------------------------------------------------


def tiles(location_id: int | None, span: Period, daily: list[tuple] | None = None) -> Tiles:
    """The tiles; `daily` when the caller has read the period's daily rows already."""
    skus, units, value = stock_totals(location_id)
    low, out = stock_shortages(location_id)
    counted, exact, accepted = count_accuracy(location_id, span)
    daily = _daily(location_id, span) if daily is None else daily
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
        .select_from(Balance.__table__.join(Product.__table__, p.id == b.product_id))
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
            CountLine.__table__.join(CountBatch.__table__).join(
                Product.__table__, p.id == CountLine.product_id
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
        k = index.get(_as_date(d))
        if k is None:  # counted "in the future" (a clock ahead): not in this period
            continue
        step = steps.setdefault(k, CountDay(*buckets[k], 0, 0, Decimal(0)))
        step.counted, step.varied, step.value = (
            step.counted + int(n),
            step.varied + int(v or 0),
            step.value + money(value),
        )
    return [steps[k] for k in sorted(steps)]


# --- movements over the period ----------------------------------------------------------


def _unindexed_type_in(types):
    """`type IN (...)` that no index serves: SQLite takes the first index an equality
    offers and would walk every sale in the ledger through ix_stock_movements_type; the
    created_at range is what bounds the work. PostgreSQL plans by statistics either way."""
    as_text = type_coerce(m.type, String)
    return (as_text + literal("", String)).in_([t.value for t in types])


def _daily(location_id: int | None, span: Period) -> list[tuple]:
    """One row per day x location in the period: (day, location_id, units in, units out,
    net adjusted, value of the net on-hand change)."""
    rows = _rolled_up("daily", _daily_rows, span, version=_catalog_costs())
    return [row for row in rows if location_id is None or row[1] == location_id]


def _catalog_costs() -> tuple:
    """A fingerprint of every product's unit cost: the closed days' values are on hand
    moved x unit cost, so they are worth keeping only while the costs stay as they were.
    One aggregate over the catalog (a few thousand rows), not over the ledger."""
    cost = func.coalesce(p.unit_cost, 0)
    row = db.session.execute(
        select(func.count(p.id), func.coalesce(func.sum(cost), 0), func.coalesce(func.sum(cost * p.id), 0))
    ).one()
    return tuple(str(x) for x in row)


def _daily_rows(since: datetime, until: datetime | None) -> list[tuple]:
    day = _day(m.created_at)
    query = (
        select(
            day,
            m.location_id,
            func.sum(case((and_(m.type.in_(INBOUND), m.qty > 0), m.qty), else_=0)),
            func.sum(case((and_(m.type.in_(OUTBOUND), m.qty < 0), -m.qty), else_=0)),
            func.sum(case((m.type.in_(ADJUSTING), m.qty), else_=0)),
            func.sum(m.qty * p.unit_cost),
        )
        .select_from(Movement.__table__.join(Product.__table__, p.id == m.product_id))
        .group_by(day, m.location_id)
    )
    return [
        (_as_date(d), loc, int(i or 0), int(o or 0), int(a or 0), money(v))
        for d, loc, i, o, a, v in db.session.execute(_between(query, since, until))
    ]


def _pack_outbound(rows: list[tuple]) -> tuple[array, array, array]:
    """A day's outbound rows as three machine-integer arrays: about 20 bytes a row instead
    of 140 as tuples (a year at 1M movements: ~8 MB per process, not ~57)."""
    return (
        array("i", (r[1] for r in rows)),
        array("q", (r[2] for r in rows)),
        array("q", (r[3] for r in rows)),
    )


def _outbound_by_place(span: Period) -> Counter:
    """Units out per (location_id, product_id) over the period. The closed days' sum is
    kept too, per period start, so a request adds up only the open days' rows."""
    closed, cutoff = _closed_days("outbound", _outbound_rows, span, _pack_outbound)
    key = (span.first_day, cutoff)
    with _rollup_lock:
        sums = _rollups[db.engine].setdefault("outbound-sums", {})
        if key not in sums:
            for stale in [k for k in list(sums) if k[1] != cutoff]:
                del sums[stale]
            total = Counter()
            for locs, pids, units in closed:
                for loc, pid, n in zip(locs, pids, units):
                    total[(loc, pid)] += n
            sums[key] = total
        result = Counter(sums[key])
    for _day_, loc, pid, n in _open_rows(_outbound_rows, span, cutoff):
        result[(loc, pid)] += n
    return result


def _outbound_rows(since: datetime, until: datetime | None) -> list[tuple]:
    """(day, location_id, product_id, units out) of sales, transfers out, fulfilled and
    expired stock."""
    day = _day(m.created_at)
    query = (
        select(day, m.location_id, m.product_id, func.sum(-m.qty))
        .where(_unindexed_type_in(OUTBOUND), m.qty < 0)
        .group_by(day, m.location_id, m.product_id)
    )
    return [
        (_as_date(d), loc, pid, int(n))
        for d, loc, pid, n in db.session.execute(_between(query, since, until))
    ]


def _between(query, since: datetime, until: datetime | None):
    query = query.where(m.created_at >= since)
    return query if until is None else query.where(m.created_at < until)


def _day(column):
    """The UTC day of a timestamp. SQLite stores ISO text, whose first ten characters are
    the day: cheaper than parsing it with date() on every row."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 10)
    return func.date(column)


# --- rollups of closed days -------------------------------------------------------------
#
# Movements are append-only and stamped with the clock when they are posted, so a day that
# ended more than a day ago never changes (the extra day covers clock skew between hosts
# and long transactions): its per-day aggregates are kept in memory, per engine and per
# process, and only the last two days are read from the ledger on every request. A year
# of 1M movements then costs one scan, once per process (see docs/performance.md). Days
# older than ROLLUP_KEEP_DAYS are dropped. The one writer of the past is the demo history
# generator (`flask demo --history`, run from the CLI before a server starts).
#
# Values in a rollup are at the unit costs of the moment they were read: a rollup kept
# under a `version` (the catalog's cost fingerprint) is dropped when the version changes.
#
# gunicorn's gthread workers serve requests on several threads of one process: filling,
# pruning and reading the rollups happen under one lock (a cold fill holds it for its one
# query, so the other threads wait for its rows instead of scanning the ledger too).
# What leaves the lock is never changed again: a day's rows are replaced, not mutated.

ROLLUP_KEEP_DAYS = max(PERIODS.values()) + 7
_rollups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_rollup_lock = threading.RLock()


def _rolled_up(kind: str, read, span: Period, version=None) -> list:
    """Rows of `read(since, until)` for every day of the period: closed days from the
    rollup, the rest from the ledger."""
    closed, cutoff = _closed_days(kind, read, span, list, version)
    return [row for rows in closed for row in rows] + _open_rows(read, span, cutoff)


def _closed_days(kind: str, read, span: Period, pack, version=None) -> tuple[list, date]:
    """(the period's closed days as kept by `pack(rows)`, the first open day). Missing
    days are read once, in one query over the missing range. A rollup kept under another
    `version` is dropped and read again."""
    cutoff = utcnow().date() - timedelta(days=1)  # days before this are closed
    closed = [d for d in span.days if d < cutoff]
    with _rollup_lock:
        kinds = _rollups.setdefault(db.engine, {})
        if kinds.get((kind, "version"), version) != version:
            kinds.pop(kind, None)
        kinds[(kind, "version")] = version
        store = kinds.setdefault(kind, {})
        missing = [d for d in closed if d not in store]
        if missing:
            by_day: dict[date, list] = {d: [] for d in _days(missing[0], cutoff)}
            for row in read(datetime.combine(missing[0], time.min), datetime.combine(cutoff, time.min)):
                by_day.setdefault(row[0], []).append(row)
            store.update((d, pack(rows)) for d, rows in by_day.items())
            for old in [d for d in list(store) if d < cutoff - timedelta(days=ROLLUP_KEEP_DAYS)]:
                del store[old]
        return [store[d] for d in closed], cutoff


def _open_rows(read, span: Period, cutoff: date) -> list:
    return read(max(span.since, datetime.combine(cutoff, time.min)), None)


def _days(first: date, stop: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((stop - first).days)]


def _flows(daily: list[tuple], span: Period) -> list[DayFlow]:
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


def _movers(location_id: int | None, span: Period) -> dict[str, list[Mover]]:
    """SKUs that left most (sales, transfers out, fulfilled, expired), by units and by
    value (units x current unit cost), from the per-day outbound rollup."""
    units: dict[int, int] = {}
    for (loc, pid), n in _outbound_by_place(span).items():
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


def _values(location_id: int | None, span: Period, daily: list[tuple]) -> list[ValueSeries]:
    """Stock value at the end of every chart step of the period, per location: today's
    value minus the value moved after each day (see the module docstring)."""
    query = (
        select(b.location_id, func.sum(b.on_hand * p.unit_cost))
        .select_from(Balance.__table__.join(Product.__table__, p.id == b.product_id))
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
        Movement.__table__.join(last, last.c.id == m.id).join(Product.__table__, p.id == m.product_id)
    )
    return money(db.session.scalar(query))


# --- helpers -----------------------------------------------------------------------------


def _as_date(value) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
