"""Stock requests in numbers and the stock a requester looks at: the dashboard (counts by
status and by category), counts per category, the values a list can be filtered by, a
product search and the stock list of a location.

Figures of stock are blind for an operator's token while they sum a bin being counted
(null with being_counted: true), as everywhere else in the API."""

from __future__ import annotations

from warehouse import stock_requests
from warehouse.accounts import permissions as P
from warehouse.accounts.models import User
from warehouse.catalog import locations
from warehouse.core.errors import InvalidPosting
from warehouse.core.extensions import db
from warehouse.counts.blind import blindfold_for
from warehouse.stock_requests.models import RequestStatus

from . import bp, reads
from . import stock_request_schemas as s
from .spec import operation
from .stock_requests import TAG, request_filter
from .types import Page


@operation(
    bp,
    "GET",
    "/stock-requests/dashboard",
    summary="Stock requests counted by status and by category",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=s.RequestFilterQuery,
    response=s.DashboardOut,
)
def dashboard(caller, query: s.RequestFilterQuery):
    """A request's category is what its requester said the stock is for (replenishment,
    consumables, maintenance, project, other). Every status and category is listed, zeros
    included."""
    counted = stock_requests.dashboard(request_filter(caller, query))
    return s.DashboardOut(
        total=counted.total,
        by_status=counted.by_status,
        by_category=counted.by_category,
        pending_approvals=counted.by_status[RequestStatus.SUBMITTED.value],
        waiting_since=counted.waiting_since,
    )


@operation(
    bp,
    "GET",
    "/stock-requests/by-category",
    summary="Stock requests per category, each counted by status",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=s.RequestFilterQuery,
    response=s.ByCategoryOut,
)
def by_category(caller, query: s.RequestFilterQuery):
    counted = stock_requests.dashboard(request_filter(caller, query))
    return s.ByCategoryOut(
        data=[
            s.CategoryRow(category=category, total=counted.by_category[category], by_status=statuses)
            for category, statuses in counted.by_category_and_status.items()
        ]
    )


@operation(
    bp,
    "GET",
    "/stock-requests/filters",
    summary="The values the stock-request list can be filtered by",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    response=s.FiltersOut,
)
def filters(caller):
    options = stock_requests.filter_options()
    return s.FiltersOut(
        statuses=options.statuses,
        categories=options.categories,
        locations=[s.LocationChoice(code=l.code, name=l.name) for l in options.locations],
        departments=options.departments,
        requesters=options.requesters,
    )


@operation(
    bp,
    "GET",
    "/stock-requests/products/search",
    summary="Products to request: active SKUs by the start of a SKU, name or barcode",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=s.ProductSearchQuery,
    response=Page[s.ProductHit],
)
def search_products(caller, query: s.ProductSearchQuery):
    """`products.read` in the catalogue this replaces is `inventory.read` here, which every
    holder of `stockrequests.read` has by role; a token narrowed to stock requests alone
    may still find what to ask for."""
    place = locations.require(query.location) if query.location else None
    listed = reads.page_of(stock_requests.product_search(query.q), query.page, query.limit)
    free = stock_requests.available({p.id for p in listed.rows}, {place.id}) if place else {}
    shown = (
        stock_requests.figures(
            blindfold_for(caller.role), [(p.id, place.id, free.get((place.id, p.id), 0)) for p in listed.rows]
        )
        if place
        else [stock_requests.Figure(None) for _ in listed.rows]
    )
    data = [
        s.ProductHit(
            sku=p.sku,
            name=p.name,
            barcodes=[b.code for b in p.barcodes],
            location=place.code if place else None,
            available=figure.value,
            being_counted=figure.being_counted,
        )
        for p, figure in zip(listed.rows, shown, strict=True)
    ]
    return Page[s.ProductHit](data=data, meta=listed.meta)


@operation(
    bp,
    "GET",
    "/stock-requests/products/stocklist",
    summary="What a location holds, per SKU: on hand and available (default: the caller's location)",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=s.StocklistQuery,
    response=Page[s.StocklistRow],
)
def stocklist(caller, query: s.StocklistQuery):
    place = locations.require(query.location) if query.location else _own_location(caller)
    listed = reads.page_of(stock_requests.stocklist(place.id), query.page, query.limit, scalars=False)
    shown = stock_requests.figures(
        blindfold_for(caller.role), [(r[0], place.id, int(r[3])) for r in listed.rows]
    )
    data = [
        s.StocklistRow(
            sku=row[1],
            name=row[2],
            location=place.code,
            on_hand=on_hand.value,
            available=None if on_hand.value is None else int(row[4] or 0),  # hidden with the on-hand
            being_counted=on_hand.being_counted,
        )
        for row, on_hand in zip(listed.rows, shown, strict=True)
    ]
    return Page[s.StocklistRow](data=data, meta=listed.meta)


def _own_location(caller):
    user = db.session.get(User, caller.user_id)
    if user is None or user.location is None:
        raise InvalidPosting(
            "Name the location (?location=CODE): your user has no location of its own yet "
            "(it is chosen on the floor's home screen)."
        )
    return user.location
