"""A put-away task made by hand (putaway.create_task) covers units waiting in a receiving
bin that no open task covers, and no more: not twice, not held or reserved units, not
from a storage bin; two requests racing for the same units make one task."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import in_threads
from tests.factories import make_lot, receive
from warehouse.availability import holds
from warehouse.availability.models import HoldReason
from warehouse.catalog.models import Bin, Product
from warehouse.core.errors import (
    LotNotTracked,
    LotOfAnotherProduct,
    LotRequired,
    NotAReceivingBin,
    NothingWaitingToPutAway,
    QuantityOutOfRange,
)
from warehouse.core.extensions import db
from warehouse.inbound import putaway
from warehouse.inbound.models import PutawayTask


def tasks() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PutawayTask))


@pytest.fixture
def dock(site):
    """6 BOLT-M8 counted onto warehouse-main's RCV-01 with no task."""
    rcv = site.bin(site.main, "RCV-01")
    receive(site.bolt, rcv, 6)
    return rcv


def test_a_task_by_hand_suggests_a_bin_and_covers_only_what_waits(site, dock):
    task = putaway.create_task(site.bolt, dock, 4)
    assert (task.qty, task.from_bin_id, task.suggested_bin.code) == (4, dock.id, "A-01-01")
    assert putaway.waiting(dock, site.bolt.id, 0) == 2
    with pytest.raises(NothingWaitingToPutAway, match="Only 2 BOLT-M8 in RCV-01"):
        putaway.create_task(site.bolt, dock, 3)
    putaway.create_task(site.bolt, dock, 2)
    with pytest.raises(NothingWaitingToPutAway, match="No BOLT-M8 in RCV-01 waits"):
        putaway.create_task(site.bolt, dock, 1)
    assert tasks() == 2


def test_held_and_reserved_units_wait_for_their_own_decision(site, dock):
    holds.place(site.bolt, dock, 4, HoldReason.DAMAGED, actor_id=None)
    assert putaway.waiting(dock, site.bolt.id, 0) == 2
    with pytest.raises(NothingWaitingToPutAway):
        putaway.create_task(site.bolt, dock, 3)
    assert tasks() == 0


def test_the_checks_come_in_order_and_write_nothing(site, dock):
    a1 = site.bin(site.main, "A-01-01")
    lot = make_lot(site.glue, "L-1")
    refusals = (
        (QuantityOutOfRange, dict(bin=a1, qty=0)),  # the quantity before the bin
        (QuantityOutOfRange, dict(bin=dock, qty=1_000_001)),
        (NotAReceivingBin, dict(bin=a1, qty=1)),
        (LotOfAnotherProduct, dict(bin=dock, qty=1, lot=lot)),
    )
    for error, call in refusals:
        with pytest.raises(error):
            putaway.create_task(site.bolt, call["bin"], call["qty"], lot=call.get("lot"))
    with pytest.raises(LotRequired):
        putaway.create_task(site.glue, dock, 1)
    nut_lot = make_lot(site.nut, "N-1")
    with pytest.raises(LotNotTracked):
        putaway.create_task(site.nut, dock, 1, lot=nut_lot)
    assert tasks() == 0


def test_two_requests_racing_for_the_same_units_make_one_task(app, site, dock):
    product_id, bin_id = site.bolt.id, dock.id

    def make(_i):
        return putaway.create_task(db.session.get(Product, product_id), db.session.get(Bin, bin_id), 5).id

    made, errors = in_threads(app, 2, make)
    assert [type(e) for e in errors] == [NothingWaitingToPutAway]
    assert len([m for m in made if m]) == 1
    assert tasks() == 1
