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
from warehouse.availability.models import Backorder, BackorderStatus, Reservation
from warehouse.core.errors import InsufficientStock
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
