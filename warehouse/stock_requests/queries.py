"""Reading stock requests: one request, the filtered list, what waits for an approver, the
dashboard's counts, the values a list can be filtered by; and the stock a requester looks
at (products to ask for, what their location has).

"Available" here is the rule transfers and reservations allocate by: units free to promise
(on hand - reserved - held) outside receiving bins and never in expired lots, so what a
request is shown as available is what approving it can take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from warehouse.accounts.models import User
from warehouse.availability import expiry
from warehouse.catalog.models import Bin, BinKind, Location, Lot, Product, ProductBarcode
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts.blind import Blindfold
from warehouse.ledger.models import Balance
from warehouse.stock_requests.models import (
    RequestCategory,
    RequestStatus,
    StockRequest,
    StockRequestComment,
    StockRequestEvent,
    StockRequestLine,
)

S = RequestStatus
_LOADED = (
    joinedload(StockRequest.location),
    joinedload(StockRequest.source_location),
    joinedload(StockRequest.requester),
    joinedload(StockRequest.decider),
    joinedload(StockRequest.transfer),
    selectinload(StockRequest.lines).joinedload(StockRequestLine.product),
)


def get(request_id: int) -> StockRequest:
    request = db.session.get(StockRequest, request_id, options=_LOADED, populate_existing=True)
    if request is None:
        raise NotFound(msg("No stock request #{id}. Check the number.", id=request_id))
    return request


def serial_of(number: str) -> int | None:
    """The serial of SR-000123 (or 123); None when it is not one (ASCII digits only: "²"
    is a digit to str.isdigit but not to int)."""
    digits = number.strip().upper().removeprefix("SR-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        return None
    return int(digits)


def history(request_id: int) -> list[StockRequestEvent]:
    query = (
        select(StockRequestEvent)
        .options(joinedload(StockRequestEvent.user))
        .where(StockRequestEvent.request_id == request_id)
        .order_by(StockRequestEvent.id)
    )
    return list(db.session.scalars(query))


def comments(request_id: int) -> list[StockRequestComment]:
    query = (
        select(StockRequestComment)
        .options(joinedload(StockRequestComment.user))
        .where(StockRequestComment.request_id == request_id)
        .order_by(StockRequestComment.id)
    )
    return list(db.session.scalars(query))


# --- lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a list shows; every field narrows, None leaves it open. `number`
    matches SR-000012, 000012 or 12 exactly."""

    status: RequestStatus | None = None
    category: RequestCategory | None = None
    location_id: int | None = None
    department: str | None = None
    requested_by: int | None = None
    number: str | None = None

    def criteria(self) -> list:
        r, out = StockRequest, []
        if self.status:
            out.append(r.status == RequestStatus(self.status))
        if self.category:
            out.append(r.category == RequestCategory(self.category))
        if self.location_id is not None:
            out.append(r.location_id == self.location_id)
        if self.department:
            out.append(func.lower(r.department) == self.department.strip().lower())
        if self.requested_by is not None:
            out.append(r.requested_by == self.requested_by)
        if self.number is not None:
            serial = serial_of(self.number)
            out.append(r.serial == serial if serial is not None else false())
        return out


def listing(chosen: RequestFilter = RequestFilter()) -> Select:
    """Requests, newest first, with what a row shows loaded (page it with core.pagers)."""
    return select(StockRequest).options(*_LOADED).where(*chosen.criteria()).order_by(StockRequest.id.desc())


def pending(for_user_id: int) -> Select:
    """Submitted requests waiting for a decision this person may make (not their own, not
    one they submitted: four eyes), oldest first."""
    r = StockRequest
    return (
        select(r)
        .options(*_LOADED)
        .where(
            r.status == S.SUBMITTED,
            r.requested_by != for_user_id,
            or_(r.submitted_by.is_(None), r.submitted_by != for_user_id),
        )
        .order_by(r.submitted_at, r.id)
    )


@dataclass(frozen=True)
class Dashboard:
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_category_and_status: dict[str, dict[str, int]]
    waiting_since: datetime | None  # when the oldest submitted request was submitted
    total: int


def dashboard(chosen: RequestFilter = RequestFilter()) -> Dashboard:
    """Counts by status and by category (every value present, zeros included), in one
    grouped query, and the oldest request still waiting for a decision."""
    rows = db.session.execute(
        select(StockRequest.category, StockRequest.status, func.count())
        .where(*chosen.criteria())
        .group_by(StockRequest.category, StockRequest.status)
    ).all()
    grid = {c.value: {s.value: 0 for s in RequestStatus} for c in RequestCategory}
    for category, status, n in rows:
        grid[category.value][status.value] = n
    waiting = db.session.scalar(
        select(func.min(StockRequest.submitted_at)).where(
            StockRequest.status == S.SUBMITTED, *chosen.criteria()
        )
    )
    return Dashboard(
        by_status={s.value: sum(grid[c][s.value] for c in grid) for s in RequestStatus},
        by_category={c: sum(counts.values()) for c, counts in grid.items()},
        by_category_and_status=grid,
        waiting_since=waiting,
        total=sum(n for _c, _s, n in rows),
    )


@dataclass(frozen=True)
class FilterOptions:
    statuses: list[str]
    categories: list[str]
    locations: list[Location]  # that requests name
    departments: list[str]
    requesters: list[str]  # usernames


def filter_options() -> FilterOptions:
    """The values a list can be filtered by: every status and category, and the
    locations, departments and requesters the organisation's requests name."""
    located = select(StockRequest.location_id).where(StockRequest.location_id.is_not(None)).distinct()
    departments = select(StockRequest.department).where(StockRequest.department.is_not(None)).distinct()
    asked = select(StockRequest.requested_by).distinct()
    return FilterOptions(
        statuses=[s.value for s in RequestStatus],
        categories=[c.value for c in RequestCategory],
        locations=list(
            db.session.scalars(select(Location).where(Location.id.in_(located)).order_by(Location.code))
        ),
        departments=sorted(set(db.session.scalars(departments)), key=str.lower),
        requesters=list(
            db.session.scalars(select(User.username).where(User.id.in_(asked)).order_by(User.username))
        ),
    )


# --- stock a requester looks at ---------------------------------------------------------


def _free():
    """Units free to promise in one balance row, by the allocation rule (0 otherwise).
    Needs Balance joined to Bin and Lot."""
    promised = and_(Bin.kind != BinKind.RECEIVING, expiry.unexpired(), Balance.available > 0)
    return case((promised, Balance.available), else_=0)


def available(product_ids, location_ids) -> dict[tuple[int, int], int]:
    """(location id, product id) -> units available there, in one grouped query."""
    product_ids, location_ids = set(product_ids), set(location_ids)
    if not product_ids or not location_ids:
        return {}
    rows = db.session.execute(
        select(Balance.location_id, Balance.product_id, func.sum(_free()))
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.product_id.in_(product_ids), Balance.location_id.in_(location_ids))
        .group_by(Balance.location_id, Balance.product_id)
    )
    return {(loc, prod): int(units or 0) for loc, prod, units in rows}


def product_search(text: str) -> Select:
    """Active, stocked products whose SKU, name or one of whose barcodes starts with
    `text` (any case), by SKU."""
    text = (text or "").strip()
    by_barcode = select(ProductBarcode.product_id).where(
        ProductBarcode.code.istartswith(text, autoescape=True)
    )
    return (
        select(Product)
        .options(selectinload(Product.barcodes))  # each row shows its barcodes
        .where(
            Product.active.is_(True),
            Product.track_inventory.is_(True),
            or_(
                Product.sku.istartswith(text, autoescape=True),
                Product.name.istartswith(text, autoescape=True),
                Product.id.in_(by_barcode),
            ),
        )
        .order_by(Product.sku)
    )


def stocklist(location_id: int) -> Select:
    """Per SKU held at a location: (product id, SKU, name, on hand, available), by SKU.
    On hand counts every bin; available follows the allocation rule."""
    return (
        select(Product.id, Product.sku, Product.name, func.sum(Balance.on_hand), func.sum(_free()))
        .join(Balance, Balance.product_id == Product.id)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location_id)
        .group_by(Product.id, Product.sku, Product.name)
        .having(func.sum(Balance.on_hand) > 0)
        .order_by(Product.sku)
    )


@dataclass(frozen=True)
class Figure:
    """A quantity a reader may or may not see: None while it sums a bin being counted and
    the reader is blind (an operator: counts are blind)."""

    value: int | None
    being_counted: bool = False


def figures(blindfold: Blindfold, rows: list[tuple[int, int, int]]) -> list[Figure]:
    """(product id, location id, quantity) rows as a reader may see them: one query for
    the whole list, none while nothing is being counted."""
    counted = blindfold.counted_totals({product_id for product_id, _l, _q in rows})
    return [
        Figure(None if blindfold.blind and (p, l) in counted else qty, (p, l) in counted)
        for p, l, qty in rows
    ]
