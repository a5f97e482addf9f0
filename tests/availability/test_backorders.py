"""Backorders (warehouse/availability/backorders.py): a SKU that allows them keeps taking
orders when out of stock; stock that arrives serves the queue first come first served in
the arriving posting's transaction; a replayed receipt serves nobody twice; put-away
carries the reserved units and their rows; SKUs without backorders refuse as before."""

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.factories import receive
from warehouse import accounts, ledger
from warehouse.availability import backorders, reservations
from warehouse.availability.models import Backorder, BackorderStatus, Channel, ChannelLocation, Reservation
from warehouse.core.errors import ChannelAtpExceeded, InsufficientStock
from warehouse.core.extensions import db
from warehouse.inbound import putaway, receiving
from warehouse.integrations.models import OutboxEvent
from warehouse.ledger.models import Posting

B = BackorderStatus


@pytest.fixture
def clerk(site):
    return accounts.create_user("clerk", PASSWORD, "operator")


@pytest.fixture
def backorderable(site):
    site.bolt.allow_backorder = True
    db.session.commit()
    return site


def _order(site, n, qty=1, key=None):
    return reservations.promise(
        site.bolt, site.main, qty, ("order", f"ord-{n}"), actor_id=None, ttl=None, key=key
    )


def _floor_receipt(site, clerk, qty, key=None):
    receipt = receiving.start("PO-77", location_id=site.main.id, actor_id=clerk.id, key=key)
    receiving.add(receipt.id, site.bolt, qty=qty)
    return receiving.finish(receipt.id, actor_id=clerk.id)


def _queue():
    db.session.expire_all()
    return [
        (b.reference_id, b.qty_open, b.status)
        for b in db.session.scalars(select(Backorder).order_by(Backorder.id))
    ]


def _reserved(reference_id):
    return db.session.scalar(
        select(func.coalesce(func.sum(Reservation.qty_open), 0)).where(
            Reservation.reference_id == reference_id
        )
    )


def _events(type):
    return [
        json.loads(p)["data"]
        for p in db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == type))
    ]


def test_a_queue_of_five_is_served_first_come_first_served_by_a_floor_receipt_of_three(backorderable, clerk):
    site = backorderable
    promised = [_order(site, n) for n in range(1, 6)]
    assert all(p.rows == [] and p.backordered == 1 for p in promised)
    assert [backorders.position(p.backorders[0]) for p in promised] == [1, 2, 3, 4, 5]

    finished = _floor_receipt(site, clerk, 3)

    assert _queue() == [
        ("ord-1", 0, B.ALLOCATED),
        ("ord-2", 0, B.ALLOCATED),
        ("ord-3", 0, B.ALLOCATED),
        ("ord-4", 1, B.ON_BACKORDER),
        ("ord-5", 1, B.ON_BACKORDER),
    ]
    assert [_reserved(f"ord-{n}") for n in range(1, 6)] == [1, 1, 1, 0, 0]
    receiving_bin = receiving.receiving_bin(site.main.id)
    assert ledger.balance(site.bolt.id, receiving_bin.id) == (3, 3, 0)  # reserved where they landed
    served = _events("stock.backorder_allocated")
    assert [(e["reference"], e["quantity"], e["still_waiting"]) for e in served] == [
        ("order:ord-1", 1, 0),
        ("order:ord-2", 1, 0),
        ("order:ord-3", 1, 0),
    ]
    (task,) = finished.tasks
    assert task.qty == 3


def test_a_replayed_receipt_serves_nobody_twice(backorderable):
    site = backorderable
    for n in range(1, 6):
        _order(site, n)
    shelf = site.bin(site.main, "A-01-01")

    receive(site.bolt, shelf, 3, key="asn-1")
    postings = db.session.scalar(select(func.count()).select_from(Posting))
    receive(site.bolt, shelf, 3, key="asn-1")  # the same delivery sent again

    assert [open for _, open, _ in _queue()] == [0, 0, 0, 1, 1]
    assert ledger.balance(site.bolt.id, shelf.id) == (3, 3, 0)
    assert postings == 4  # the receipt and one reserve per backorder served
    assert db.session.scalar(select(func.count()).select_from(Posting)) == postings


def test_an_order_larger_than_stock_reserves_what_there_is_and_queues_the_rest(backorderable):
    site = backorderable
    receive(site.bolt, site.bin(site.main, "A-01-01"), 2)

    promised = _order(site, 1, qty=5, key="cart-checkout-1")
    again = _order(site, 1, qty=5, key="cart-checkout-1")  # a double tap

    assert (promised.reserved, promised.backordered) == (2, 3)
    assert ([r.id for r in again.rows], [b.id for b in again.backorders]) == (
        [r.id for r in promised.rows],
        [b.id for b in promised.backorders],
    )
    assert _queue() == [("ord-1", 3, B.ON_BACKORDER)]

    # A later order queues behind it even when a unit comes back: the queue is served first.
    receive(site.bolt, site.bin(site.main, "A-01-01"), 1)
    late = _order(site, 2, qty=1)
    assert (late.reserved, late.backordered) == (0, 1)
    assert _queue() == [("ord-1", 2, B.ON_BACKORDER), ("ord-2", 1, B.ON_BACKORDER)]
    assert _reserved("ord-1") == 3


def test_put_away_carries_reserved_units_and_the_order_ships_from_the_shelf(backorderable, clerk):
    site = backorderable
    _order(site, 1, qty=2)
    (task,) = _floor_receipt(site, clerk, 5).tasks
    shelf = task.suggested_bin

    putaway.confirm(task.id, shelf, actor_id=clerk.id)

    receiving_bin = receiving.receiving_bin(site.main.id)
    assert ledger.balance(site.bolt.id, receiving_bin.id) == (0, 0, 0)
    assert ledger.balance(site.bolt.id, shelf.id) == (5, 2, 0)
    db.session.expire_all()
    assert [(r.bin_id, r.qty_open) for r in db.session.scalars(select(Reservation))] == [(shelf.id, 2)]
    reservations.fulfill(("order", "ord-1"), actor_id=None)
    assert ledger.balance(site.bolt.id, shelf.id) == (3, 0, 0)


def test_a_cancelled_backorder_leaves_the_queue_and_a_sku_without_backorders_refuses(backorderable, site):
    _order(site, 1)
    _order(site, 2)
    cancelled = backorders.cancel(("order", "ord-1"))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 1)

    assert [b.status for b in cancelled] == [B.CANCELLED]
    assert _queue() == [("ord-1", 0, B.CANCELLED), ("ord-2", 0, B.ALLOCATED)]

    with pytest.raises(InsufficientStock):
        reservations.promise(site.nut, site.main, 1, ("order", "ord-3"), actor_id=None)
    assert _queue()[-1][0] == "ord-2"


def test_a_cart_never_backorders_and_a_channel_that_does_not_sell_here_takes_nothing(backorderable):
    site = backorderable
    web = Channel(code="web", name="Web")
    db.session.add(web)
    db.session.commit()

    with pytest.raises(InsufficientStock):
        reservations.promise(site.bolt, site.main, 1, ("cart", "c-1"), actor_id=None)  # a TTL: a cart
    with pytest.raises(ChannelAtpExceeded, match="Channel web does not sell from warehouse-main"):
        reservations.promise(site.bolt, site.main, 1, ("order", "o-1"), actor_id=None, ttl=None, channel=web)

    assert _queue() == []


def test_a_channels_buffer_holds_while_its_backorders_are_served(backorderable):
    site = backorderable
    web, retail = Channel(code="web", name="Web"), Channel(code="retail", name="Retail")
    db.session.add_all([web, retail])
    db.session.flush()
    db.session.add_all(
        [
            ChannelLocation(channel_id=web.id, location_id=site.main.id, buffer=5),
            ChannelLocation(channel_id=retail.id, location_id=site.main.id),
        ]
    )
    db.session.commit()
    shelf = site.bin(site.main, "A-01-01")
    receive(site.bolt, shelf, 5)

    web_order = reservations.promise(
        site.bolt, site.main, 3, ("order", "w-1"), actor_id=None, ttl=None, channel=web
    )
    reservations.promise(site.bolt, site.main, 1, ("order", "r-1"), actor_id=None, ttl=None, channel=retail)

    assert (web_order.reserved, web_order.backordered) == (0, 3)  # ATP 0: all 5 are its buffer
    assert _reserved("w-1") == 0  # the retail order served nobody out of web's buffer
    receive(site.bolt, shelf, 6)  # free 10: web may have 10 - 5
    assert _reserved("w-1") == 3 and _queue() == [("w-1", 0, B.ALLOCATED)]
    assert ledger.balance(site.bolt.id, shelf.id) == (11, 4, 0)


def test_cancelling_an_order_does_not_hand_its_units_to_its_own_backorder(backorderable):
    site = backorderable
    receive(site.bolt, site.bin(site.main, "A-01-01"), 2)
    _order(site, 1, qty=5)  # 2 reserved, 3 waiting

    reservations.release(("order", "ord-1"), actor_id=None)

    assert _reserved("ord-1") == 0
    assert _queue() == [("ord-1", 0, B.CANCELLED)]
    assert ledger.balance(site.bolt.id, site.bin(site.main, "A-01-01").id) == (2, 0, 0)
