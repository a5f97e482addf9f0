"""Movements over a dashboard period, aggregated in the database per day, with the closed
days kept in memory.

Nothing here loads movements into Python: every figure is a grouped query, and only
aggregated rows (per day x location, per day x location x SKU) come back. Movement
queries are bounded by the period (`created_at >= since`, ix_stock_movements_created_at),
and the per-day aggregates of closed days are kept as in-memory rollups (see "rollups of
closed days" below), so a request reads the ledger for the last two days only.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import join as orm_join

from warehouse.catalog.models import Product
from warehouse.core import tenancy
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.money import money
from warehouse.ledger.models import Movement, MovementType
from warehouse.reporting.periods import PERIODS, Period, as_date

T = MovementType
# Stock entering or leaving a location for good; transit legs, put-away (bin to bin),
# reservations and holds are neither. Expired units sent to a destruction location leave
# their location (an expire line of -n) and enter the destruction location (+n), as a
# transfer's legs do; written off there, they leave it (-n). Only positive lines count in.
INBOUND = (T.INBOUND_PURCHASE, T.TRANSFER_IN, T.RETURN, T.EXPIRE)
OUTBOUND = (T.OUTBOUND_SALE, T.TRANSFER_OUT, T.FULFILL, T.EXPIRE)
ADJUSTING = (T.ADJUSTMENT, T.ADJUSTMENT_COUNT)
SOLD = (T.OUTBOUND_SALE, T.FULFILL)  # what a storefront calls sold ...
NOT_SOLD = "stock_request"  # ... but a stock request issued to a department is not a sale

m = Movement
p = Product


# --- movements over the period ----------------------------------------------------------


def _unindexed_type_in(types):
    """`type IN (...)` that no index serves: SQLite takes the first index an equality
    offers and would walk every sale in the ledger through ix_stock_movements_type; the
    created_at range is what bounds the work. PostgreSQL plans by statistics either way."""
    as_text = type_coerce(m.type, String)
    return (as_text + literal("", String)).in_([t.value for t in types])


def daily_rows(location_id: int | None, span: Period) -> list[tuple]:
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
        .select_from(orm_join(Movement, Product, p.id == m.product_id))
        .group_by(day, m.location_id)
    )
    return [
        (as_date(d), loc, int(i or 0), int(o or 0), int(a or 0), money(v))
        for d, loc, i, o, a, v in db.session.execute(_between(query, since, until))
    ]


def _pack_outbound(rows: list[tuple]) -> tuple[array, array, array, array]:
    """A day's outbound rows as four machine-integer arrays (locations, products, units,
    movements): about 24 bytes a row instead of 150 as tuples (a year at 1M movements:
    ~10 MB per process, not ~60)."""
    return (
        array("i", (r[1] for r in rows)),
        array("q", (r[2] for r in rows)),
        array("q", (r[3] for r in rows)),
        array("i", (r[4] for r in rows)),
    )


_OUTBOUND_COLUMNS = {"units": 2, "moves": 3}  # in a packed day; in a row one further on


def outbound_by_place(span: Period) -> Counter:
    """Units out per (location_id, product_id) over the period."""
    return _outbound_sums(span, "units")


def outbound_moves_by_place(span: Period) -> Counter:
    """Outbound movements per (location_id, product_id) over the period."""
    return _outbound_sums(span, "moves")


def _outbound_sums(span: Period, what: str) -> Counter:
    """Units or movements out per (location_id, product_id). The closed days' sum is kept
    too, per period start, so a request adds up only the open days' rows."""
    closed, cutoff = _closed_days("outbound", _outbound_rows, span, _pack_outbound)
    column, key = _OUTBOUND_COLUMNS[what], (what, span.first_day, cutoff)
    with _rollup_lock:
        sums = _kept().setdefault("outbound-sums", {})
        if key not in sums:
            for stale in [k for k in list(sums) if k[2] != cutoff]:
                del sums[stale]
            total = Counter()
            for packed in closed:
                for loc, pid, n in zip(packed[0], packed[1], packed[column]):
                    total[(loc, pid)] += n
            sums[key] = total
        result = Counter(sums[key])
    for row in _open_rows(_outbound_rows, span, cutoff):
        result[(row[1], row[2])] += row[column + 1]
    return result


def _outbound_rows(since: datetime, until: datetime | None) -> list[tuple]:
    """(day, location_id, product_id, units out, movements) of sales, transfers out,
    fulfilled and expired stock."""
    day = _day(m.created_at)
    query = (
        select(day, m.location_id, m.product_id, func.sum(-m.qty), func.count())
        .where(_unindexed_type_in(OUTBOUND), m.qty < 0)
        .group_by(day, m.location_id, m.product_id)
    )
    return [
        (as_date(d), loc, pid, int(n), int(k))
        for d, loc, pid, n, k in db.session.execute(_between(query, since, until))
    ]


def units_sold(location_id: int | None, span: Period) -> int:
    """Units sold over the period (sales and fulfilled reservations), per day from the
    rollups like the rest."""
    rows = _rolled_up("sold", _sold_rows, span)
    return sum(n for _day_, loc, n in rows if location_id is None or loc == location_id)


def _sold_rows(since: datetime, until: datetime | None) -> list[tuple]:
    """(day, location_id, units sold)."""
    day = _day(m.created_at)
    query = (
        select(day, m.location_id, func.sum(-m.qty))
        .where(_unindexed_type_in(SOLD), m.qty < 0)
        .where(or_(m.reference_type.is_(None), m.reference_type != NOT_SOLD))
        .group_by(day, m.location_id)
    )
    return [(as_date(d), loc, int(n)) for d, loc, n in db.session.execute(_between(query, since, until))]


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
# process and per organisation, and only the last two days are read from the ledger on
# every request. A year
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


def forget() -> None:
    """Drop every rollup kept (the tests replace the database under a running app)."""
    with _rollup_lock:
        _rollups.clear()


def _kept() -> dict:
    """This engine's rollups of the current organisation (each sees only its own days)."""
    return _rollups.setdefault(db.engine, {}).setdefault(tenancy.current(), {})


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
        kinds = _kept()
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
