"""Orders and their routing: where an order would go (a read), placing it (route and
promise every line in one command, converting a cart when named), reading, cancelling
and fulfilling it on shipment. The services are warehouse/availability/routing.py and
orders.py; the API only resolves codes, validates and shapes JSON.

Behind an operator's blindfold (warehouse/counts/blind.py) the figures that sum a bin
being counted are withheld (null, with `being_counted`), as the other answers do:

- a short line's ATP and shortfall (they sum every candidate location);
- a route's line quantity taken from a location where that SKU has a bin being counted,
  and every share of a split line when one of its shares is (the nearest location's share
  is its ATP, and the others give it away by subtraction from the line);
- an order's reservation rows in that bin, and its backorders where that SKU has a bin
  being counted (the line less its backorder is what was free there);
- a refusal of a promise that states "Available: N" or "Only N ... can be promised" at
  such a place: it says the bin is being counted instead (cf. api/reservations.py).
"""

from __future__ import annotations

import re

from warehouse.accounts import permissions as P
from warehouse.availability import channels, orders, routing
from warehouse.catalog import locations
from warehouse.core.errors import InsufficientStock, OrderCannotBeFilled
from warehouse.core.transactions import RaceLost
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.ledger import stock

from . import blind, bp, examples
from . import order_schemas as s
from .reservations import backorder_out, reservation_out
from .spec import operation


def _lines(items: list[s.OrderItem]):
    return [(stock.product_by_code(item.sku), item.quantity) for item in items]


def _place_args(body: s.RouteIn) -> dict:
    """What a route and an order share: the ship-to point, the channel, the override."""
    return dict(
        ship_to=(body.ship_to.latitude, body.ship_to.longitude) if body.ship_to else None,
        channel=channels.require(body.channel) if body.channel else None,
        fulfil_from=locations.require(body.fulfill_from) if body.fulfill_from else None,
    )


Counted = frozenset[tuple[str, str | None]]  # (sku, location code) totals summing a bin being counted


def _counted(blindfold: Blindfold, skus: dict[int, str], codes: dict[int, str], *, anywhere: bool) -> Counted:
    """(sku, location code) pairs of these products (ids to SKUs) whose totals at these
    locations (ids to codes) sum a bin being counted; with `anywhere`, at any other
    location too (code None: it counts for a short line, which sums everywhere). One
    query, none while nothing is being counted."""
    if not blindfold.counting:
        return frozenset()
    return frozenset(
        (skus[product_id], codes.get(location_id))
        for product_id, location_id in blindfold.counted_totals(skus)
        if anywhere or location_id in codes
    )


def route_out(payload: dict | None, blindfold: Blindfold, counted: Counted) -> s.RouteOut | None:
    """The route as answered: a leg's line quantity, and a short line's figures, withheld
    from a blind reader when they are or sum a bin being counted (noted to the others)."""
    if payload is None:
        return None
    legs_of: dict[str, set[str]] = {}  # sku: the locations its line was taken from
    for leg in payload["locations"]:
        for line in leg["lines"]:
            legs_of.setdefault(line["sku"], set()).add(leg["location"])

    def line_counted(sku: str, code: str) -> bool:
        # A split line's shares add up to the line: one withheld, all are.
        return (sku, code) in counted or (
            len(legs_of[sku]) > 1 and any((sku, other) in counted for other in legs_of[sku])
        )

    shown = dict(payload)
    shown["locations"] = [
        leg
        | {
            "lines": [
                s.RouteLine(
                    sku=line["sku"],
                    **blind.shown(
                        blindfold, line_counted(line["sku"], leg["location"]), quantity=line["quantity"]
                    ),
                )
                for line in leg["lines"]
            ]
        }
        for leg in payload["locations"]
    ]
    counted_skus = {sku for sku, _code in counted}
    shown["short"] = [
        s.ShortLine(
            sku=line["sku"],
            quantity=line["quantity"],
            **blind.shown(
                blindfold, line["sku"] in counted_skus, available=line["available"], short=line["short"]
            ),
        )
        for line in payload["short"]
    ]
    return s.RouteOut.model_validate(shown)


def _route_counted(blindfold: Blindfold, route: routing.Route) -> Counted:
    """What of a route sums a bin being counted, at its candidate locations."""
    skus = {p.id: p.sku for leg in route.legs for p, _q in leg.lines} | {
        sh.product.id: sh.product.sku for sh in route.short
    }
    codes = {place.location.id: place.location.code for place in route.candidates.places}
    return _counted(blindfold, skus, codes, anywhere=False)


_STATES_FIGURE = re.compile(r"\b(?:available:?|only) -?\d", re.IGNORECASE)


def _blind_refusal(refused: InsufficientStock, blindfold: Blindfold, reference: str) -> InsufficientStock:
    """A promise's refusal as the caller may read it: its "Available: N" or "Only N ...
    can be promised" is the free units (or the channel's ATP) at the location, so behind a
    blindfold, when that sums a bin being counted, the message says so instead of N (one
    query, only on this path and only while something is being counted). orders.place
    names the place (`refused.place`); a refusal without it is withheld to be safe."""
    if not blindfold or not _STATES_FIGURE.search(refused.message):
        return refused
    place = getattr(refused, "place", None)
    if place is None:
        where = "a line"
    else:
        product, location = place
        if (product.id, location.id) not in blindfold.counted_totals([product.id]):
            return refused
        where = f"{product.sku} at {location.code}"
    withheld = type(refused)(
        f"Order {reference}: {where} could not be promised. A bin there is being counted, so "
        "what can be promised is not shown until the count is submitted. Order fewer, "
        "choose another location or wait for stock."
    )
    withheld.place = place
    return withheld


@operation(
    bp,
    "POST",
    "/orders/route",
    summary="Where an order would be filled from (nearest, else fewest locations; reads only)",
    tag="orders",
    permission=P.INVENTORY_READ,
    body=s.RouteIn,
    response=s.RouteOut,
    reads=True,  # answers from the stock now: a retry is asked again, nothing is stored
    example=examples.ROUTE_IN,
    answer=examples.ROUTE_OUT,
)
def route(caller, body: s.RouteIn):
    """The location nearest the ship-to point whose ATP covers every line (`single`), else
    the fewest locations that together do (`split`, the least total distance among sets of
    that size), else what is short per line (`short`). Candidates: active locations with
    coordinates (on a channel: where its rule sells). `fulfill_from` makes one location the
    only candidate. Nothing is reserved: place the order with `POST /api/orders`."""
    args = _place_args(body)
    found = routing.route(
        _lines(body.items), args["ship_to"], channel=args["channel"], fulfil_from=args["fulfil_from"]
    )
    blindfold = blindfold_for(caller.role)
    return route_out(found.as_payload(), blindfold, _route_counted(blindfold, found))


@operation(
    bp,
    "POST",
    "/orders",
    summary="Place an order: route it and reserve every line (all or nothing)",
    tag="orders",
    permission=P.INVENTORY_WRITE,
    body=s.OrderIn,
    response=s.OrderOut,
    status=201,
    example=examples.ORDER_IN,
    answer=examples.ORDER_OUT,
)
def place(caller, body: s.OrderIn):
    """Routes the order as `POST /api/orders/route` does and reserves each line at its
    location on the channel, with no expiry (pending fulfilment), in one transaction: a
    refusal at any location reserves nothing anywhere. With `cart`, the cart's reservations
    become the order's (a lapsed one is released and reserved afresh; what the order does
    not take is released). Short lines of SKUs that allow backorders are reserved at the
    nearest location as far as its ATP goes and the rest queued as backorders; other short
    lines refuse the order (409 `order_cannot_be_filled`). Publishes `order.routed`."""
    args = _place_args(body)
    blindfold = blindfold_for(caller.role)
    try:
        placed = orders.place(
            body.reference, _lines(body.items), cart=body.cart, actor_id=caller.user_id, key=None, **args
        )
    except OrderCannotBeFilled as refused:
        route = getattr(refused, "route", None)
        if route is not None and blindfold.blind and _route_counted(blindfold, route):
            raise orders.cannot_fill(body.reference, route, figures=False) from refused
        raise
    except InsufficientStock as refused:
        raise _blind_refusal(refused, blindfold, body.reference) from refused
    except RaceLost as lost:  # a stale route: run again; when every attempt lost, withheld too
        if isinstance(lost.refusal, InsufficientStock):
            raise RaceLost(_blind_refusal(lost.refusal, blindfold, body.reference)) from lost
        raise
    return order_out(placed, blindfold)


@operation(
    bp,
    "GET",
    "/orders/<string:reference>",
    summary="An order: its reservations and backorders",
    tag="orders",
    permission=P.INVENTORY_READ,
    response=s.OrderOut,
)
def read(caller, reference: str):
    """Every reservation and backorder carrying `order:<reference>`, whatever its status
    (open, fulfilled, released; waiting, allocated, cancelled). 404 when none does."""
    return order_out(orders.read(reference), blindfold_for(caller.role))


@operation(
    bp,
    "POST",
    "/orders/<string:reference>/cancel",
    summary="Cancel an order: release its reservations, cancel its backorders",
    tag="orders",
    permission=P.INVENTORY_WRITE,
    response=s.OrderOut,
)
def cancel(caller, reference: str):
    """One transaction: every open reservation released, every waiting backorder taken out
    of its queue. 409 `order_closed` when nothing of it is open."""
    return order_out(orders.cancel(reference, actor_id=caller.user_id, key=None), blindfold_for(caller.role))


@operation(
    bp,
    "POST",
    "/orders/<string:reference>/fulfill",
    summary="Fulfil an order on shipment (all, or what is reserved at one location)",
    tag="orders",
    permission=P.INVENTORY_WRITE,
    body=s.FulfilIn,
    response=s.OrderOut,
    example=examples.ORDER_FULFIL_IN,
)
def fulfill(caller, reference: str, body: s.FulfilIn):
    """The sale: the order's reserved units (at `location`, or everywhere: send `{}`)
    leave stock in one fulfil posting; `shipped` says how many. Backorders keep waiting."""
    location = locations.require(body.location) if body.location else None
    done, shipped = orders.fulfil(reference, location=location, actor_id=caller.user_id, key=None)
    return order_out(done, blindfold_for(caller.role), shipped=shipped)


# --- the answer --------------------------------------------------------------------------


def order_out(order: orders.Order, blindfold: Blindfold, *, shipped: int | None = None) -> s.OrderOut:
    names = channels.codes_of({r.channel_id for r in order.reservations})
    # A placed order's lines (routed, short or backordered) are of products it holds rows
    # of, at locations it holds rows at.
    held = [*order.reservations, *order.backorders]
    counted = _counted(
        blindfold,
        {row.product_id: row.product.sku for row in held},
        {row.location_id: row.location.code for row in held},
        anywhere=True,
    )
    return s.OrderOut(
        reference=order.reference,
        status=order.status,
        route=route_out(order.route, blindfold, counted),
        from_cart=[s.FromCart(**row) for row in order.from_cart],
        reservations=[reservation_out(r, blindfold, names) for r in order.reservations],
        backorders=[
            backorder_out(b, blindfold, (b.product.sku, b.location.code) in counted) for b in order.backorders
        ],
        shipped=shipped,
    )
