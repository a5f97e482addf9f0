"""Orders (warehouse/availability/orders.py) on the routing grid (test_routing.py): placed
in one command across locations (a refusal anywhere writes nothing), replayed by key,
converting a cart (a lapsed cart row is released and promised afresh), cancelled (its
backorders first), fulfilled on shipment, a short line of a SKU that allows backorders
queued; a route gone stale placed again afresh; products locked in one order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.availability.test_routing import SHIP_TO, Grid, shelf
from tests.core.test_every_write_route_retried import snapshot
from warehouse import ledger
from warehouse.availability import atp, backorders, orders, reservations, routing
from warehouse.availability.models import Backorder, BackorderStatus, Reservation, ReservationStatus
from warehouse.core.errors import (
    ChannelAtpExceeded,
    IdempotencyKeyReused,
    OrderCannotBeFilled,
    OrderClosed,
    OrderNotFound,
    OrderReferenceTaken,
    ProductInactive,
)
from warehouse.core.extensions import db
from warehouse.core.transactions import ATTEMPTS
from warehouse.integrations.models import OutboxEvent

R, B = ReservationStatus, BackorderStatus
T0 = datetime(2026, 11, 22, 9, 0, 0)


@pytest.fixture
def grid(app) -> Grid:
    return Grid.build()


def routed() -> list[dict]:
    """The order.routed events published, oldest first (their data)."""
    rows = db.session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.type == "order.routed").order_by(OutboxEvent.id)
    )
    return [json.loads(payload)["data"] for payload in rows]


def reserved(world: Grid, product, code: str) -> int:
    return ledger.balance(product.id, shelf(world.places[code]).id)[1]


def rows_of(order: orders.Order) -> list[tuple[str, str, int, str]]:
    return [(r.product.sku, r.location.code, r.qty_open, r.status.value) for r in order.reservations]


def test_an_order_split_across_locations_is_reserved_whole_or_not_at_all(grid):
    grid.stock(grid.bolt, **{"east-1": 6, "east-2": 4})
    grid.stock(grid.nut, **{"east-2": 4})
    lines = [(grid.bolt, 10), (grid.nut, 4)]

    placed = orders.place("ord-1", lines, ship_to=SHIP_TO, actor_id=None, key="k-1", now=T0)

    assert placed.status == "open" and placed.route["kind"] == "split"
    assert rows_of(placed) == [
        ("BOLT-M8", "east-1", 6, "active"),
        ("BOLT-M8", "east-2", 4, "active"),
        ("NUT-M8", "east-2", 4, "active"),
    ]
    assert {r.expires_at for r in placed.reservations} == {None}  # pending fulfilment: no expiry
    assert (reserved(grid, grid.bolt, "east-1"), reserved(grid, grid.bolt, "east-2")) == (6, 4)
    event = routed()
    assert [e["reference"] for e in event] == ["order:ord-1"]
    assert [(leg["location"], leg["distance_km"]) for leg in event[0]["route"]["locations"]] == [
        ("east-1", 111.2),
        ("east-2", 222.4),
    ]

    # The same key again: the first answer, nothing written. Another request under it, or
    # the same reference again under a new key, is refused.
    before = snapshot()
    again = orders.place("ord-1", lines, ship_to=SHIP_TO, actor_id=None, key="k-1", now=T0)
    assert (rows_of(again), again.route) == (rows_of(placed), placed.route)
    with pytest.raises(IdempotencyKeyReused):
        orders.place("ord-1", [(grid.bolt, 9)], ship_to=SHIP_TO, actor_id=None, key="k-1")
    with pytest.raises(OrderReferenceTaken, match="ord-1 has been placed already"):
        orders.place("ord-1", [(grid.bolt, 1)], ship_to=SHIP_TO, actor_id=None, key="k-2")
    assert snapshot() == before

    # A refusal at the second location (its SKU was made inactive) takes back what the
    # first location had reserved in the same command.
    grid.stock(grid.bolt, **{"east-1": 6})
    grid.stock(grid.nut, **{"east-2": 4})
    grid.nut.active = False
    db.session.commit()
    before = snapshot()
    with pytest.raises(ProductInactive):
        orders.place("ord-2", [(grid.bolt, 6), (grid.nut, 4)], ship_to=SHIP_TO, actor_id=None, key="k-3")
    assert snapshot() == before


def test_a_short_order_is_refused_unless_its_short_skus_allow_backorders(grid):
    grid.stock(grid.bolt, **{"east-1": 1, "east-2": 3})
    grid.stock(grid.nut, **{"east-1": 5})
    before = snapshot()
    with pytest.raises(OrderCannotBeFilled) as refused:
        orders.place("ord-9", [(grid.bolt, 6), (grid.nut, 2)], ship_to=SHIP_TO, actor_id=None, key=None)
    assert "BOLT-M8 2 short (ordered 6, 4 to promise)" in refused.value.message
    assert refused.value.details == {"short": [{"sku": "BOLT-M8", "quantity": 6, "available": 4, "short": 2}]}
    assert snapshot() == before

    # Bolts may be backordered: the nuts are routed as usual, the bolts promised whole at
    # the nearest candidate, east-1: its one bolt reserved, the other 5 wait in its queue.
    grid.bolt.allow_backorder = True
    db.session.commit()
    placed = orders.place("ord-9", [(grid.bolt, 6), (grid.nut, 2)], ship_to=SHIP_TO, actor_id=None, key=None)
    assert placed.route["kind"] == "short" and placed.status == "open"
    # Promised in product order (the bolt was made first), whatever the order of the lines.
    assert rows_of(placed) == [("BOLT-M8", "east-1", 1, "active"), ("NUT-M8", "east-1", 2, "active")]
    assert [(b.product.sku, b.location.code, b.qty_open, b.status) for b in placed.backorders] == [
        ("BOLT-M8", "east-1", 5, B.ON_BACKORDER)
    ]
    assert routed()[-1]["backordered"] == [{"sku": "BOLT-M8", "location": "east-1", "quantity": 5}]


def test_a_cart_becomes_the_order_and_a_lapsed_cart_row_is_promised_afresh(grid):
    grid.stock(grid.bolt, **{"east-1": 5})
    grid.stock(grid.nut, **{"east-1": 5})
    cart = ("cart", "c-77")
    kept = reservations.reserve(
        grid.bolt, grid.places["east-1"], 3, cart, actor_id=None, ttl=timedelta(hours=1), now=T0
    )
    reservations.reserve(
        grid.nut, grid.places["east-1"], 2, cart, actor_id=None, ttl=timedelta(minutes=5), now=T0
    )
    at = T0 + timedelta(minutes=10)  # the nut row has lapsed, the bolt row has not

    placed = orders.place(
        "ord-5",
        [(grid.bolt, 2), (grid.nut, 2)],
        ship_to=SHIP_TO,
        cart="c-77",
        actor_id=None,
        key=None,
        now=at,
    )

    # The bolt row is the order's now (same row, no expiry), less the unit not ordered;
    # the lapsed nut row expired and the nuts were promised afresh.
    assert placed.from_cart == [
        {"reservation_id": kept[0].id, "sku": "BOLT-M8", "location": "east-1", "quantity": 2}
    ]
    assert [(r.id == kept[0].id, r.product.sku, r.qty_open, r.expires_at) for r in placed.reservations] == [
        (True, "BOLT-M8", 2, None),
        (False, "NUT-M8", 2, None),
    ]
    cart_rows = db.session.scalars(select(Reservation).where(Reservation.reference_id == "c-77")).all()
    assert [(r.product.sku, r.status) for r in cart_rows] == [("NUT-M8", R.EXPIRED)]
    assert (reserved(grid, grid.bolt, "east-1"), reserved(grid, grid.nut, "east-1")) == (2, 2)
    assert routed()[-1]["from_cart"] == placed.from_cart and routed()[-1]["cart"] == "cart:c-77"


def test_a_lapsed_cart_whose_stock_went_meanwhile_refuses_the_order(grid):
    grid.stock(grid.bolt, **{"east-1": 2})
    reservations.reserve(
        grid.bolt, grid.places["east-1"], 2, ("cart", "c-1"), actor_id=None, ttl=timedelta(minutes=5), now=T0
    )
    at = T0 + timedelta(minutes=6)
    reservations.reserve(
        grid.bolt, grid.places["east-1"], 2, ("cart", "c-2"), actor_id=None, now=at
    )  # took them
    before = snapshot()
    with pytest.raises(OrderCannotBeFilled, match="BOLT-M8 2 short"):
        orders.place("ord-6", [(grid.bolt, 2)], ship_to=SHIP_TO, cart="c-1", actor_id=None, key=None, now=at)
    assert snapshot() == before


def test_an_order_is_read_fulfilled_location_by_location_and_cancelled(grid):
    grid.stock(grid.bolt, **{"east-1": 6, "east-2": 4})
    grid.stock(grid.nut, **{"east-2": 4})
    grid.nut.allow_backorder = True
    db.session.commit()
    orders.place("ord-7", [(grid.bolt, 10), (grid.nut, 5)], ship_to=SHIP_TO, actor_id=None, key=None)
    read = orders.read("ord-7")
    assert [(b.qty_open, b.location.code) for b in read.backorders] == [(5, "east-1")]  # the nearest
    assert [(sku, code) for sku, code, _n, _s in rows_of(read)] == [
        ("BOLT-M8", "east-1"),
        ("BOLT-M8", "east-2"),
    ]
    with pytest.raises(OrderNotFound, match="No order ord-404"):
        orders.read("ord-404")

    done, shipped = orders.fulfil("ord-7", location=grid.places["east-1"], actor_id=None, key="ship-1")
    assert shipped == 6 and done.status == "open"
    assert [status for _sku, _code, _n, status in rows_of(done)] == ["fulfilled", "active"]
    assert ledger.balance(grid.bolt.id, shelf(grid.places["east-1"]).id)[0] == 0  # shipped: left stock
    assert (
        orders.fulfil("ord-7", location=grid.places["east-1"], actor_id=None, key="ship-1")[1] == 6
    )  # replay

    cancelled = orders.cancel("ord-7", actor_id=None, key="c-1")
    assert cancelled.status == "fulfilled"  # what shipped stays shipped; the rest is released
    assert [r.status for r in cancelled.reservations] == [R.FULFILLED, R.RELEASED]
    assert [b.status for b in cancelled.backorders] == [B.CANCELLED]
    assert reserved(grid, grid.bolt, "east-2") == 0
    with pytest.raises(OrderClosed, match="nothing is open to cancel"):
        orders.cancel("ord-7", actor_id=None, key="c-2")
    assert db.session.scalar(select(func.count()).select_from(Backorder)) == 1


def test_cancelling_an_order_cancels_its_backorders_before_releasing_what_it_holds(grid, monkeypatch):
    # The release frees 2 bolts at east-1; were the order's own backorder still waiting
    # there, its queue would hand them straight back to it and the order would stay open.
    grid.stock(grid.bolt, **{"east-1": 2})
    grid.bolt.allow_backorder = True
    db.session.commit()
    placed = orders.place("ord-11", [(grid.bolt, 5)], ship_to=SHIP_TO, actor_id=None, key=None)
    assert rows_of(placed) == [("BOLT-M8", "east-1", 2, "active")]
    assert [(b.qty_open, b.status) for b in placed.backorders] == [(3, B.ON_BACKORDER)]
    calls = []
    for module, name in ((backorders, "cancel"), (reservations, "release")):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k)
        )

    cancelled = orders.cancel("ord-11", actor_id=None, key=None)

    assert calls[:2] == ["cancel", "release"]
    assert cancelled.status == "cancelled"
    assert [(r.qty_open, r.status) for r in cancelled.reservations] == [(0, R.RELEASED)]
    assert [(b.qty_open, b.status) for b in cancelled.backorders] == [(0, B.CANCELLED)]
    assert reserved(grid, grid.bolt, "east-1") == 0


def stale(monkeypatch, *, times: int) -> list[routing.Candidates]:
    """Routing reads 5 more of everything than there is for the first `times` routes (as
    if a sale took them between the route and the promise); the candidates read."""
    real, read = routing.candidates, []

    def candidates(*args, **kwargs):
        found = real(*args, **kwargs)
        read.append(found)
        if len(read) > times:
            return found
        return routing.Candidates(found.places, {place: n + 5 for place, n in found.by_place.items()})

    monkeypatch.setattr(routing, "candidates", candidates)
    return read


def test_a_promise_refused_on_a_stale_route_places_the_order_again_on_a_fresh_one(grid, monkeypatch):
    grid.stock(grid.bolt, **{"east-1": 3, "east-2": 5})
    read = stale(monkeypatch, times=1)
    # The stale route sends all 5 to east-1, which has 3: that attempt is rolled back and
    # the next one routes to east-2.
    placed = orders.place("ord-12", [(grid.bolt, 5)], ship_to=SHIP_TO, actor_id=None, key=None)
    assert len(read) == 2 and rows_of(placed) == [("BOLT-M8", "east-2", 5, "active")]
    assert [e["route"]["locations"][0]["location"] for e in routed()] == ["east-2"]

    # Stale every time (a channel whose ATP at east-1 is 3): refused with the channel's
    # refusal after the last attempt, nothing written.
    web = grid.channel("web", sells=("east-1",))
    monkeypatch.undo()
    read = stale(monkeypatch, times=ATTEMPTS)
    before = snapshot()
    with pytest.raises(ChannelAtpExceeded, match="Only 3 BOLT-M8 at east-1"):
        orders.place("ord-13", [(grid.bolt, 4)], ship_to=SHIP_TO, channel=web, actor_id=None, key=None)
    assert len(read) == ATTEMPTS and snapshot() == before


def test_an_order_locks_its_products_then_promises_by_product_and_location(grid, monkeypatch):
    grid.stock(grid.bolt, **{"east-1": 6, "east-2": 4})
    grid.stock(grid.nut, **{"east-2": 4})
    locked, promised = [], []
    lock, promise = atp.lock_product, reservations.promise

    def spy_lock(product_id):
        locked.append(product_id)
        lock(product_id)

    def spy_promise(product, location, qty, *args, **kwargs):
        promised.append((product.sku, location.code, qty))
        return promise(product, location, qty, *args, **kwargs)

    monkeypatch.setattr(atp, "lock_product", spy_lock)
    monkeypatch.setattr(reservations, "promise", spy_promise)
    # Nuts first in the order, bolts split: two orders of these products lock and promise
    # in one order whatever the order of their lines.
    orders.place("ord-14", [(grid.nut, 4), (grid.bolt, 10)], ship_to=SHIP_TO, actor_id=None, key=None)
    assert locked[:2] == sorted([grid.bolt.id, grid.nut.id])
    assert promised == [("BOLT-M8", "east-1", 6), ("BOLT-M8", "east-2", 4), ("NUT-M8", "east-2", 4)]
