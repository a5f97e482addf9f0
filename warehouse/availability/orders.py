"""Orders by reference: placed (routed and promised in one command), read, cancelled,
fulfilled on shipment.

An order is not a table of its own: it is what carries its reference, `order:<reference>`,
the reservations (reservations/) and backorders (backorders.py) made for it.

Placing an order is ONE command (core/commands.py, keyed): a refusal anywhere writes
nothing, whichever location it was at.

1. **The cart** (`cart=`), when named: its reservations (`cart:<id>`) become the order's,
   kept where they are (same bins, lots and channel) with no expiry (pending fulfilment),
   up to each line's quantity, first reserved first. What the cart holds beyond the
   order (more units, other products) is released. A cart reservation whose time to live
   has passed is not converted: it is released (expired) and its line promised afresh.
2. **The route** of what is left (routing.py): one location, else the fewest together.
   Each allocated line is promised there on the order's channel, with no expiry. When a
   promise is refused because stock moved since the route was read (InsufficientStock,
   ChannelAtpExceeded), the command runs again from the start with a fresh route
   (RaceLost: core/transactions.atomically tries a few times, then gives the refusal).
3. **Short**: when no set of locations has every line, an order whose short lines are all
   of products that allow backorders is still taken: the lines that can be filled are
   routed as in 2, and each short line is promised whole at the nearest candidate location
   (its ATP reserved, the rest queued as a backorder there). Otherwise OrderCannotBeFilled
   names what is short, and nothing is written.
4. The `order.routed` event (integrations/events.py) says where the order went.

Locks (PostgreSQL): the command first takes every product of the order in product-id
order (atp.lock_product), then promises the plan by (product id, location id), so two
orders of the same products, whatever the order of their lines, never wait on each other
in opposite orders.

Cancelling takes the order's backorders out of their queues before releasing its
reservations: the release frees units, and a waiting backorder of the same order would
otherwise be served them at once (backorders.on_posting) and stay open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from warehouse.availability import atp, backorders, reservations, routing
from warehouse.availability.models import Backorder, BackorderStatus, Channel, Reservation, ReservationStatus
from warehouse.availability.reservations import sweeper
from warehouse.catalog.models import Location, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    InsufficientStock,
    OrderCannotBeFilled,
    OrderClosed,
    OrderNotFound,
    OrderReferenceTaken,
    ReferenceMalformed,
    ReservationChanged,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import RaceLost, serialise
from warehouse.integrations import events
from warehouse.ledger.references import check_reference

ORDER, CART = "order", "cart"
R, B = ReservationStatus, BackorderStatus


@dataclass(frozen=True)
class Order:
    """An order as its rows say: every reservation and backorder with its reference."""

    reference: str
    reservations: list[Reservation]
    backorders: list[Backorder]
    route: dict | None = None  # placing: where the lines went (routing.Route.as_payload)
    from_cart: list[dict] = field(default_factory=list)  # placing: the cart's rows taken over

    @property
    def status(self) -> str:
        """open (something reserved or waiting), fulfilled (nothing open, something
        shipped) or cancelled (nothing open, nothing shipped)."""
        if any(r.status is R.ACTIVE for r in self.reservations) or any(
            b.status is B.ON_BACKORDER for b in self.backorders
        ):
            return "open"
        return "fulfilled" if any(r.qty_fulfilled for r in self.reservations) else "cancelled"


# --- placing -----------------------------------------------------------------------------


def place(
    reference: str,
    lines: list[tuple[Product, int]],
    *,
    ship_to: tuple[float, float] | None = None,
    channel: Channel | None = None,
    fulfil_from: Location | None = None,
    cart: str | None = None,
    actor_id: int | None,
    key: str | None,
    now: datetime | None = None,
) -> Order:
    """Route and promise every line of an order (see the module), or refuse and write
    nothing. Checks first: the reference, the lines, the ship-to point (or `fulfil_from`);
    then, in the write: the key (a replay answers as the first call did), the reference
    not used yet, the cart, the route, each promise."""
    ref = check_reference((ORDER, reference))
    if "/" in ref[1]:  # it is read back in a URL path: /api/orders/<reference>
        raise ReferenceMalformed(
            msg(
                "An order reference has no '/': {reference}. Use e.g. ord-12345.", reference=repr(ref[1][:64])
            )
        )
    cart_ref = check_reference((CART, cart)) if cart is not None else None
    merged = routing.merge(lines)
    point = routing.ship_point(ship_to, fulfil_from)

    def work() -> Order:
        moment = now or utcnow()
        serialise(f"orders.place:{ref[1]}")  # two placings of one reference: the second sees the first
        for product_id in sorted(p.id for p, _q in merged):  # every order locks in one order
            atp.lock_product(product_id)
        _refuse_taken(ref)
        from_cart = _convert_cart(cart_ref, ref, merged, moment) if cart_ref else []
        taken: dict[int, int] = {}
        for row in from_cart:
            taken[row["product_id"]] = taken.get(row["product_id"], 0) + row["quantity"]
        left = [(p, q - taken.get(p.id, 0)) for p, q in merged if q > taken.get(p.id, 0)]
        route = _route_and_promise(ref, left, point, channel, fulfil_from, actor_id, moment) if left else None
        placed = read(ref[1], route=route.as_payload() if route else None, from_cart=_shown(from_cart))
        events.publish("order.routed", _event(placed, cart, channel))
        return placed

    return commands.run(
        "orders.place",
        work,
        key=key,
        actor_id=actor_id,
        request=[
            ref[1],
            [[p.id, q] for p, q in merged],
            list(point) if point else None,
            channel and channel.id,
            fulfil_from and fulfil_from.id,
            cart,
        ],
        remember=lambda placed: {"route": placed.route, "from_cart": placed.from_cart},
        recall=lambda stored: read(ref[1], route=stored["route"], from_cart=stored["from_cart"]),
    )


def _refuse_taken(ref: tuple[str, str]) -> None:
    used = db.session.scalar(
        select(Reservation.id).where(*_of(Reservation, ref)).limit(1)
    ) or db.session.scalar(select(Backorder.id).where(*_of(Backorder, ref)).limit(1))
    if used is not None:
        raise OrderReferenceTaken(
            msg(
                "Order {reference} has been placed already: read it by its reference, or place this one under another.",
                reference=ref[1],
            )
        )


def _of(model, ref: tuple[str, str]) -> list:
    return [model.reference_type == ref[0], model.reference_id == ref[1]]


def _route_and_promise(ref, lines, point, channel, fulfil_from, actor_id, moment) -> routing.Route:
    """Route the lines and promise each allocated part; the route taken."""
    found = routing.candidates(
        [p.id for p, _q in lines], point, channel=channel, fulfil_from=fulfil_from, now=moment
    )
    route = routing.decide(lines, found, ship_to=point, channel=channel)
    plan = [(leg.location, p, q) for leg in route.legs for p, q in leg.lines]
    if route.kind == "short":
        plan = _backorder_plan(ref, route, lines)
    for location, product, qty in sorted(plan, key=lambda part: (part[1].id, part[0].id)):
        try:
            reservations.promise(
                product, location, qty, ref, actor_id=actor_id, channel=channel, ttl=None, now=moment
            )
        except InsufficientStock as refused:  # stock moved since the route was read
            refused.place = (product, location)  # the API withholds its figure behind a blindfold
            raise RaceLost(refused) from refused
    return route


def _backorder_plan(ref, route: routing.Route, lines) -> list[tuple[Location, Product, int]]:
    """A short route is taken only when every short line's product allows backorders:
    the other lines routed among the same candidates, each short line at the nearest."""
    refused = [s for s in route.short if not s.product.allow_backorder]
    if refused or not route.candidates.places:
        raise cannot_fill(ref[1], route)
    short_ids = {s.product.id for s in route.short}
    filled = [(p, q) for p, q in lines if p.id not in short_ids]
    rest = routing.decide(filled, route.candidates) if filled else None
    nearest = route.candidates.places[0].location
    plan = [(leg.location, p, q) for leg in (rest.legs if rest else []) for p, q in leg.lines]
    return plan + [(nearest, s.product, s.quantity) for s in route.short]


def cannot_fill(reference: str, route: routing.Route, *, figures: bool = True) -> OrderCannotBeFilled:
    """OrderCannotBeFilled naming each short line of a short route, with the lines in
    `details` (without the figures for a caller who may not see them: `figures=False`
    when they sum a bin being counted)."""
    short = route.short
    if not route.candidates.places and route.channel:
        said = msg(
            "Order {reference} cannot be filled: no location with coordinates can fill it on this channel. "
            "Order less, choose another channel or location, or allow backorders for these SKUs.",
            reference=reference,
        )
    elif not route.candidates.places:
        said = msg(
            "Order {reference} cannot be filled: no location with coordinates can fill it. "
            "Order less, choose another channel or location, or allow backorders for these SKUs.",
            reference=reference,
        )
    else:
        # The short lines are a list of figures (the API's answer): they stay as written.
        lines = (
            "; ".join(
                f"{s.product.sku} {s.missing} short (ordered {s.quantity}, {s.promisable} to promise)"
                for s in short
            )
            if figures
            else "; ".join(f"{s.product.sku} short (ordered {s.quantity})" for s in short)
        )
        said = msg(
            "Order {reference} cannot be filled: {lines}. Order less, choose another channel or location, "
            "or allow backorders for these SKUs.",
            reference=reference,
            lines=lines,
        )
    error = OrderCannotBeFilled(said)
    error.details = {
        "short": [
            {"sku": s.product.sku, "quantity": s.quantity}
            | ({"available": s.promisable, "short": s.missing} if figures else {})
            for s in short
        ]
    }
    error.route = route
    return error


# --- the cart ----------------------------------------------------------------------------


def _convert_cart(cart_ref, ref, lines, moment: datetime) -> list[dict]:
    """The cart's live reservations taken over by the order (up to each line, first
    reserved first), the rest of the cart released; lapsed ones expired. The rows taken."""
    rows = _cart_rows(cart_ref)
    lapsed = [r for r in rows if r.expires_at is not None and r.expires_at <= moment]
    for product_id, location_id in sorted({(r.product_id, r.location_id) for r in lapsed}):
        sweeper.release_lapsed(product_id, location_id, moment)
    wanted = {p.id: q for p, q in lines}
    kept: dict[int, int] = {}  # row id -> units the order keeps
    for row in rows:
        if row in lapsed:
            continue
        n = min(row.qty_open, wanted.get(row.product_id, 0))
        if n:
            kept[row.id] = n
            wanted[row.product_id] -= n
    places = _trim(cart_ref, [r for r in rows if r not in lapsed], kept, moment)
    taken = [
        _take_over(row, cart_ref, ref)
        for row in _cart_rows(cart_ref)
        if (row.product_id, row.location_id) in places
    ]
    if _cart_rows(cart_ref):
        reservations.release(cart_ref, actor_id=None, now=moment)  # what the order does not take
    return taken


def _cart_rows(cart_ref) -> list[Reservation]:
    """The cart's active rows, locked (PostgreSQL) in id order, as every writer of
    reservation rows locks them."""
    return list(
        db.session.scalars(
            select(Reservation)
            .where(*_of(Reservation, cart_ref), Reservation.status == R.ACTIVE)
            .order_by(Reservation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _trim(cart_ref, live: list[Reservation], kept: dict[int, int], moment) -> set[tuple[int, int]]:
    """At each (product, location) where the order keeps some of the cart, release the
    units it does not keep: the release takes the newest rows first, which are exactly
    the ones not kept (kept rows are the oldest). The places where the order keeps some."""
    places: dict[tuple[int, int], list[int]] = {}
    for row in live:
        held = places.setdefault((row.product_id, row.location_id), [0, 0])
        held[0] += row.qty_open
        held[1] += kept.get(row.id, 0)
    keeping = {place for place, (_open, keep) in places.items() if keep}
    for product_id, location_id in sorted(keeping):
        spare = places[(product_id, location_id)][0] - places[(product_id, location_id)][1]
        if spare:
            reservations.release(
                cart_ref,
                product=db.session.get(Product, product_id),
                location=db.session.get(Location, location_id),
                qty=spare,
                actor_id=None,
                now=moment,
            )
    return keeping


def _take_over(row: Reservation, cart_ref, ref) -> dict:
    """One cart row becomes the order's, pending fulfilment (no expiry): a guarded UPDATE
    (still the cart's, active, with what we read open); the units stay reserved, so no
    posting: the ledger's reserve movement stays with the row (its posting)."""
    changed = db.session.execute(
        update(Reservation)
        .where(
            Reservation.id == row.id,
            Reservation.status == R.ACTIVE,
            Reservation.qty_open == row.qty_open,
            *_of(Reservation, cart_ref),
        )
        .values(reference_type=ref[0], reference_id=ref[1], expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise RaceLost(ReservationChanged(msg("The cart changed while the order was placed. Send it again.")))
    return {
        "reservation_id": row.id,
        "product_id": row.product_id,
        "sku": row.product.sku,
        "location": row.location.code,
        "quantity": row.qty_open,
    }


def _shown(from_cart: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "product_id"} for row in from_cart]


def _event(placed: Order, cart: str | None, channel: Channel | None) -> dict:
    return {
        "reference": f"{ORDER}:{placed.reference}",
        "channel": channel.code if channel is not None else None,
        "cart": f"{CART}:{cart}" if cart is not None else None,
        "route": placed.route,
        "from_cart": placed.from_cart,
        "backordered": [
            {"sku": b.product.sku, "location": b.location.code, "quantity": b.qty} for b in placed.backorders
        ],
    }


# --- reading, cancelling, fulfilling -----------------------------------------------------


def read(reference: str, *, route: dict | None = None, from_cart: list[dict] | None = None) -> Order:
    """The order's reservations and backorders (every status), or OrderNotFound."""
    ref = check_reference((ORDER, reference))
    rows = list(
        db.session.scalars(
            select(Reservation)
            .where(*_of(Reservation, ref))
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )
    waiting = backorders.of_reference(ref)
    if not rows and not waiting:
        raise OrderNotFound(
            msg(
                "No order {reference}: no reservation or backorder carries order:{reference}. Check the reference.",
                reference=ref[1],
            )
        )
    return Order(ref[1], rows, waiting, route=route, from_cart=from_cart or [])


def cancel(reference: str, *, actor_id: int | None, key: str | None, now: datetime | None = None) -> Order:
    """Take the order's backorders out of their queues, then release its reservations, in
    one command; refused (OrderClosed) when nothing of it is open."""

    def work() -> Order:
        order = read(reference)
        if order.status != "open":
            raise OrderClosed(
                msg(
                    "Order {reference} is {status}: nothing is open to cancel.",
                    reference=order.reference,
                    status=order.status,
                )
            )
        ref, moment = (ORDER, order.reference), now or utcnow()
        # The backorders first: the release frees units their queues would hand straight
        # back to this order's waiting backorders.
        backorders.cancel(ref, now=moment)
        if any(r.status is R.ACTIVE for r in order.reservations):
            reservations.release(ref, actor_id=actor_id, now=moment)
        return read(reference)

    return commands.run(
        "orders.cancel",
        work,
        key=key,
        actor_id=actor_id,
        request=[reference],
        remember=lambda _order: {},
        recall=lambda _stored: read(reference),
    )


def fulfil(
    reference: str,
    *,
    location: Location | None = None,
    actor_id: int | None,
    key: str | None,
    now: datetime | None = None,
) -> tuple[Order, int]:
    """The shipment: the order's reserved units (at `location`, or everywhere) sold, one
    fulfil posting (reservations.fulfill). The order and the units shipped."""

    def work() -> tuple[Order, int]:
        read(reference)
        shipped = reservations.fulfill((ORDER, reference), location=location, actor_id=actor_id, now=now)
        return read(reference), shipped.units

    return commands.run(
        "orders.fulfil",
        work,
        key=key,
        actor_id=actor_id,
        request=[reference, location and location.id],
        remember=lambda done: {"units": done[1]},
        recall=lambda stored: (read(reference), stored["units"]),
    )
