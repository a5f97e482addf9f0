"""Reports a supervisor takes out of the building: stock valuation as of a date, movement
history, count variances. Each is a `Report` (title, the filters in words, columns, rows)
so the page, the CSV and the PDF show the same rows from one query; paper/report_files.py
turns it into a file. The reorder report belongs to replenishment.

Pages and PDFs stop at MAX_ROWS rows and say so; a CSV has every row (`cap=None`), and the
movement history, the one report that grows without bound, is streamed row by row.

Pure domain code: it reads no request. Filters arrive validated (dates, a location row).
Titles, filter labels, column names and worded cells are `msg(...)` (English in a CSV, the
reader's language on a page or a PDF); dates stay ISO and values stay values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import join as orm_join

from warehouse.accounts.models import User
from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core import pagers
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.money import money
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus
from warehouse.ledger import stock
from warehouse.ledger.models import AverageCost, Balance, Movement, MovementType

MAX_ROWS = 2000  # a page and a PDF stay readable; narrow the filters (or take the CSV) for more
STREAM_BATCH = 2000  # rows fetched at a time when a CSV streams the movement history

m = Movement
p = Product
# Words several reports share.
LOCATION, SKU, TYPE, FROM, TO = msg("Location"), msg("SKU"), msg("Type"), msg("From"), msg("To")
ALL, SYSTEM = msg("all"), msg("system")  # a filter left open; a movement no person made


@dataclass
class Report:
    title: str
    filters: list[tuple[str, str]]  # (label, value) printed in the heading
    columns: list[str]
    rows: Iterable[list] = field(default_factory=list)  # a list, or a stream for an uncapped CSV
    numeric: set[int] = field(default_factory=set)  # column indexes right-aligned
    total: list | None = None  # a closing row, when the report has one
    truncated: bool = False  # more rows matched than MAX_ROWS
    named: dict[int, type] = field(default_factory=dict)  # column index -> the enum its values name

    @property
    def heading(self) -> str:
        return " · ".join(f"{label}: {value}" for label, value in self.filters)


def _location(location: Location | None) -> str:
    return location.code if location else ALL


def end_of(day: date) -> datetime:
    """The first instant after `day` (reports include the whole day)."""
    return datetime.combine(day + timedelta(days=1), time.min)


# --- stock valuation --------------------------------------------------------------------


def valuation(
    as_of: date, location: Location | None = None, *, cap: int | None = MAX_ROWS, basis: str = "standard"
) -> Report:
    """Stock per location x SKU at the end of `as_of`, from the ledger, valued at the
    current unit cost (`basis` "standard": the product's; "average": the place's weighted
    average cost from costed receipts, ledger/costing.py, else the product's): the balances now, minus what moved after that day when it is in
    the past. Every balance is the sum of its movements (`flask verify-ledger`), so this is
    the sum of the movements stamped up to the end of the day; per key the stamps follow
    the ids (ledger._write), so it equals `ledger.stock_at`. It reads only the movements
    after the date (none for today), through the created_at index, instead of the last
    movement of every key in the ledger."""
    b = Balance
    now = select(b.product_id, b.location_id, func.sum(b.on_hand).label("on_hand"))
    # `+ 0`: no index serves these terms, so SQLite walks the created_at range instead of
    # grouping the whole ledger in key-index order (1.5 s at 1M movements for today).
    product_id, location_id = (m.product_id + 0).label("product_id"), (m.location_id + 0).label("location_id")
    later = select(product_id, location_id, func.sum(m.qty).label("moved")).where(
        m.created_at >= end_of(as_of)
    )
    if as_of >= utcnow().date():  # today or later: the balances are the answer
        later = later.where(false())
    if location is not None:
        now, later = now.where(b.location_id == location.id), later.where(m.location_id + 0 == location.id)
    now = now.group_by(b.product_id, b.location_id).subquery()
    later = later.group_by(product_id, location_id).subquery()
    qty = now.c.on_hand - func.coalesce(later.c.moved, 0)
    places = (
        now.outerjoin(
            later, and_(later.c.product_id == now.c.product_id, later.c.location_id == now.c.location_id)
        )
        .join(Product, p.id == now.c.product_id)
        .join(Location, Location.id == now.c.location_id)
    )
    cost = p.unit_cost
    if basis == "average":
        places = places.outerjoin(
            AverageCost,
            and_(AverageCost.product_id == now.c.product_id, AverageCost.location_id == now.c.location_id),
        )
        cost = func.coalesce(AverageCost.average, p.unit_cost)
    query = (
        select(Location.code, p.sku, p.name, qty, cost)
        .select_from(places)
        .where(qty > 0)
        .order_by(Location.code, p.sku)
    )
    report = Report(
        msg("Stock valuation"),
        [
            (msg("As of"), msg("{day} end of day (UTC)", day=as_of.isoformat())),
            (LOCATION, _location(location)),
            (msg("Valued at"), msg("weighted average cost") if basis == "average" else msg("standard cost")),
        ],
        [LOCATION, SKU, msg("Name"), msg("On hand"), msg("Unit cost"), msg("Value")],
        numeric={3, 4, 5},
    )
    units, total = 0, Decimal(0)
    for code, sku, name, on_hand, cost in db.session.execute(query):
        value = money(Decimal(on_hand) * Decimal(cost or 0))
        units, total = units + int(on_hand), total + value
        report.rows.append([code, sku, name, int(on_hand), money(cost, "0.0001"), value])
    _cap(report, cap)
    report.total = [msg("Total"), "", "", units, "", total]
    return report


# --- movement history -------------------------------------------------------------------


def movements(
    since: date,
    until: date,
    *,
    location: Location | None = None,
    product: Product | None = None,
    type: MovementType | None = None,
    cap: int | None = MAX_ROWS,
) -> Report:
    """Movements from `since` to `until` (whole days), oldest first. Uncapped, the rows
    are a stream read in batches (core.pagers.stream): a year of movements never sits in memory."""
    chosen = stock.MovementFilter(
        product_id=product.id if product is not None else None,
        location_id=location.id if location is not None else None,
        type=type,
        since=datetime.combine(since, time.min),
        until=end_of(until),
    )
    query = (
        select(
            m.id,
            m.created_at,
            m.type,
            p.sku,
            Location.code,
            Bin.code,
            Lot.code,
            m.qty,
            m.balance_after,
            m.reason,
            m.reference_type,
            m.reference_id,
            User.username,
        )
        .select_from(Movement)
        .join(Product, p.id == m.product_id)
        .join(Location, Location.id == m.location_id)
        .join(Bin, Bin.id == m.bin_id)
        .join(Lot, Lot.id == m.lot_id)
        .outerjoin(User, User.id == m.user_id)  # the organisation's criterion goes in its ON
        .where(*chosen.criteria())
        .order_by(m.id)
    )
    report = Report(
        msg("Movement history"),
        [
            (FROM, since.isoformat()),
            (TO, until.isoformat()),
            (LOCATION, _location(location)),
            (SKU, product.sku if product else ALL),
            (TYPE, type.value if type else ALL),
        ],
        [
            "#",
            msg("When (UTC)"),
            TYPE,
            SKU,
            LOCATION,
            msg("Bin"),
            msg("Lot"),
            msg("Qty"),
            msg("After"),
            msg("Reason / reference"),
            msg("By"),
        ],
        numeric={0, 7, 8},
        named={2: MovementType},
    )
    if cap is None:
        report.rows = map(_movement_row, pagers.stream(query, m.id, batch=STREAM_BATCH))
        return report
    report.rows = [_movement_row(row) for row in db.session.execute(query.limit(cap + 1))]
    _cap(report, cap)
    return report


def _movement_row(row) -> list:
    id, at, kind, sku, loc, bin_code, lot, qty, after, reason, ref_type, ref_id, user = row
    reference = " ".join(x for x in (reason.value if reason else "", ref_type or "", ref_id or "") if x)
    return [
        id,
        at.strftime("%Y-%m-%d %H:%M"),
        MovementType(kind).value,
        sku,
        loc,
        bin_code,
        lot or "",
        qty,
        after,
        reference,
        user or SYSTEM,
    ]


# --- count variances --------------------------------------------------------------------


def count_variances(
    since: date, until: date, *, location: Location | None = None, cap: int | None = MAX_ROWS
) -> Report:
    """Counted lines whose count differed from the ledger at the moment of counting,
    counted from `since` to `until` (whole days), with their status and value. A line
    replaced by a recount is left out, as on the dashboard."""
    variance = CountLine.counted_qty - CountLine.ledger_qty_at_count
    query = (
        select(
            CountBatch.serial,
            CountLine.counted_at,
            Location.code,
            Bin.code,
            p.sku,
            Lot.code,
            CountLine.ledger_qty_at_count,
            CountLine.counted_qty,
            variance,
            variance * p.unit_cost,
            CountLine.status,
        )
        .select_from(
            orm_join(CountLine, CountBatch, CountBatch.id == CountLine.batch_id)
            .join(Location, Location.id == CountBatch.location_id)
            .join(Bin, Bin.id == CountLine.bin_id)
            .join(Product, p.id == CountLine.product_id)
            .join(Lot, Lot.id == CountLine.lot_id)
        )
        .where(
            CountLine.counted_qty.is_not(None),
            CountLine.ledger_qty_at_count.is_not(None),
            CountLine.counted_qty != CountLine.ledger_qty_at_count,
            CountLine.status != CountLineStatus.RECOUNT,  # its recount stands for it
            CountLine.counted_at >= datetime.combine(since, time.min),
            CountLine.counted_at < end_of(until),
        )
        .order_by(CountLine.counted_at, CountLine.id)
    )
    if cap is not None:
        query = query.limit(cap + 1)
    if location is not None:
        query = query.where(CountBatch.location_id == location.id)
    report = Report(
        msg("Count variances"),
        [(FROM, since.isoformat()), (TO, until.isoformat()), (LOCATION, _location(location))],
        [
            msg("Batch"),
            msg("Counted (UTC)"),
            LOCATION,
            msg("Bin"),
            SKU,
            msg("Lot"),
            msg("Ledger"),
            msg("Counted"),
            msg("Variance"),
            msg("Value"),
            msg("Status"),
        ],
        numeric={6, 7, 8, 9},
        named={10: CountLineStatus},
    )
    accepted = Decimal(0)
    for serial, at, loc, bin_code, sku, lot, ledger_qty, counted, diff, value, status in db.session.execute(
        query
    ):
        value = money(value)
        status = CountLineStatus(status)
        if status is CountLineStatus.ACCEPTED:
            accepted += value
        report.rows.append(
            [
                f"CNT-{serial:06d}",
                at.strftime("%Y-%m-%d %H:%M"),
                loc,
                bin_code,
                sku,
                lot or "",
                ledger_qty,
                counted,
                diff,
                value,
                status.value,
            ]
        )
    _cap(report, cap)
    report.total = [msg("Accepted"), "", "", "", "", "", "", "", "", accepted, ""]
    return report


def _cap(report: Report, cap: int | None) -> None:
    if cap is not None and len(report.rows) > cap:
        report.rows, report.truncated = report.rows[:cap], True
