"""Nothing vanishes on a transfer receive: damaged units land at the destination on a damage
hold, units short on arrival stay in transit as missing until a supervisor says found or
lost, and the ledger says where every shipped unit went (shipped = available + held +
written off + still in transit), with the audit empty at every step."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_location, make_lot, receive
from tests.transfers.test_transfers import Floor, S, approved, pick_as_allocated, refused
from warehouse import accounts, ledger, transfers
from warehouse.accounts import organisations
from warehouse.availability import holds
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog.models import LocationType
from warehouse.core import tenancy
from warehouse.core.errors import (
    HoldClosed,
    IdempotencyKeyReused,
    InvalidPosting,
    NoteTooLong,
    NotFound,
    QuantityOutOfRange,
    TransferWrongState,
)
from warehouse.core.extensions import db
from warehouse.inbound.models import PutawayTask
from warehouse.ledger.models import Balance, Movement, MovementType, Posting, ReasonCode
from warehouse.transfers.models import MissingOutcome, ReceiveReason


@pytest.fixture
def floor(site):
    return Floor(site, make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",)))


def shipped(floor, product, qty, **lot) -> int:
    """A transfer main -> north of `qty` units, picked as approval reserved and shipped."""
    transfer = approved(floor, (product, qty, *lot.values()))
    pick_as_allocated(transfer)
    transfers.ship(transfer.id, actor_id=None)
    return transfer.id


def received(floor, transfer_id, *, arrived, damaged, reason=ReceiveReason.SHORT_SHIPPED, key=None):
    line_id = transfers.get(transfer_id).lines[0].id
    transfers.set_received(transfer_id, line_id, received=arrived, damaged=damaged, reason=reason)
    return transfers.finish_receiving(transfer_id, actor_id=None, key=key)


def where(product, location) -> dict[str, int]:
    """A product's units at a location from the ledger's balances."""
    on_hand, reserved, held = db.session.execute(
        select(
            func.coalesce(func.sum(Balance.on_hand), 0),
            func.coalesce(func.sum(Balance.reserved), 0),
            func.coalesce(func.sum(Balance.held), 0),
        ).where(Balance.product_id == product.id, Balance.location_id == location.id)
    ).one()
    return {"on_hand": on_hand, "available": on_hand - reserved - held, "held": held}


def written_off(number: str) -> int:
    """Units the ledger took out of stock with the transfer as reference (lost, damaged)."""
    return -db.session.scalar(
        select(func.coalesce(func.sum(Movement.qty), 0)).where(
            Movement.reference_type == "transfer",
            Movement.reference_id == number,
            Movement.type == MovementType.ADJUSTMENT,
        )
    )


def accounted(floor, transfer_id) -> dict[str, int]:
    number = transfers.get(transfer_id).number
    north, transit = where(floor.bolt, floor.north), where(floor.bolt, floor.transit)
    return {
        "available": north["available"],
        "held": north["held"],
        "written_off": written_off(number),
        "in_transit": transit["on_hand"],
    }


def postings() -> int:
    return db.session.scalar(select(func.count()).select_from(Posting))


# --- the story of the issue: 5 shipped, 1 damaged, 1 missing ------------------------------


def test_five_shipped_one_damaged_one_missing_every_unit_is_somewhere(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 5)
    number = transfers.get(transfer_id).number

    done = received(floor, transfer_id, arrived=4, damaged=1)

    assert (done.units_good, done.units_damaged, done.units_missing) == (3, 1, 1)
    assert done.summary == (
        "3 good units in the receiving bin; 1 damaged on hold (HLD-000001); "
        "1 missing: a supervisor will resolve it"
    )
    assert accounted(floor, transfer_id) == {"available": 3, "held": 1, "written_off": 0, "in_transit": 1}
    assert sum(accounted(floor, transfer_id).values()) == 5
    dock = floor.site.bin(floor.north, "RCV-01")
    assert ledger.balance(floor.bolt.id, dock.id) == (4, 0, 1)
    (hold,) = holds.listing(reference=("transfer", number))
    assert (hold.reason, hold.qty_open, hold.bin_id, hold.reference) == (
        HoldReason.DAMAGED,
        1,
        dock.id,
        f"transfer:{number}",
    )
    assert hold.posting_id == done.posting_id  # held in the posting that landed it
    receive_posting = db.session.get(Posting, done.posting_id)
    assert (receive_posting.type, receive_posting.reference_id) == (MovementType.TRANSFER_IN, number)
    # put-away takes only the good units
    assert [(t.qty, t.from_bin_id) for t in db.session.scalars(select(PutawayTask))] == [(3, dock.id)]
    transfer = transfers.get(transfer_id)
    assert (transfer.status, transfer.units_missing, transfer.lines[0].qty_missing) == (S.RECEIVED, 1, 1)
    assert transfers.units_in_transit(transfer) == 1
    assert ledger.verify() == []

    refused(TransferWrongState, transfers.complete, transfer_id, actor_id=None, match="found or lost")

    lost = transfers.resolve_missing(
        transfer_id, transfer.lines[0].id, "lost", 1, actor_id=None, note="not on the truck"
    )
    assert (lost.outcome, lost.still_missing, lost.completed) == (MissingOutcome.LOST, 0, True)
    assert accounted(floor, transfer_id) == {"available": 3, "held": 1, "written_off": 1, "in_transit": 0}
    posting = db.session.get(Posting, lost.posting_id)
    assert (posting.type, posting.reason, posting.reference_id) == (
        MovementType.ADJUSTMENT,
        ReasonCode.WRITE_OFF,
        number,
    )
    assert posting.note == "Lost in transit: 1 × BOLT-M8 written off: not on the truck"
    transfer = transfers.get(transfer_id)
    assert (transfer.status, transfer.lines[0].qty_lost, transfer.lines[0].qty_missing) == (S.COMPLETED, 1, 0)

    holds.write_off(hold.id, actor_id=None, note="crushed")  # the damaged unit is scrapped
    assert accounted(floor, transfer_id) == {"available": 3, "held": 0, "written_off": 2, "in_transit": 0}
    assert ledger.verify() == []


def test_missing_units_found_later_land_in_the_receiving_bin_with_a_put_away_task(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 5)
    received(floor, transfer_id, arrived=3, damaged=0)
    line_id = transfers.get(transfer_id).lines[0].id

    first = transfers.resolve_missing(transfer_id, line_id, MissingOutcome.FOUND, 1, actor_id=None)
    assert (first.still_missing, first.completed) == (1, False)
    assert transfers.get(transfer_id).status is S.RECEIVED
    assert accounted(floor, transfer_id) == {"available": 4, "held": 0, "written_off": 0, "in_transit": 1}
    posting = db.session.get(Posting, first.posting_id)
    assert (posting.type, posting.reason) == (MovementType.TRANSFER_IN, ReasonCode.FOUND)
    assert sorted(t.qty for t in db.session.scalars(select(PutawayTask))) == [1, 3]

    second = transfers.resolve_missing(transfer_id, line_id, MissingOutcome.LOST, 1, actor_id=None)
    assert (second.still_missing, second.completed) == (0, True)
    line = transfers.get(transfer_id).lines[0]
    assert (line.qty_missing, line.qty_found, line.qty_lost) == (0, 1, 1)
    assert accounted(floor, transfer_id) == {"available": 4, "held": 0, "written_off": 1, "in_transit": 0}
    assert ledger.verify() == []


def test_nothing_arrived_everything_stays_in_transit_as_missing(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 2)
    before = postings()

    done = received(floor, transfer_id, arrived=0, damaged=0)

    assert (done.posting_id, done.units_missing) == (None, 2)
    assert postings() == before  # nothing moved
    assert accounted(floor, transfer_id) == {"available": 0, "held": 0, "written_off": 0, "in_transit": 2}
    transfers.resolve_missing(transfer_id, transfers.get(transfer_id).lines[0].id, "found", 2, actor_id=None)
    assert transfers.get(transfer_id).status is S.COMPLETED
    assert accounted(floor, transfer_id)["available"] == 2
    assert ledger.verify() == []


def test_lots_damaged_and_missing_follow_the_pick_order(floor):
    early, late = (
        make_lot(floor.glue, "EARLY", date(2027, 1, 31)),
        make_lot(floor.glue, "LATE", date(2028, 1, 31)),
    )
    receive(floor.glue, floor.a2, 3, lot=early)
    receive(floor.glue, floor.a1, 5, lot=late)
    transfer_id = shipped(floor, floor.glue, 4)  # EARLY 3, then LATE 1 (first expiry first)
    line_id = transfers.get(transfer_id).lines[0].id
    transfers.set_received(
        transfer_id, line_id, received=3, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT
    )
    transfers.finish_receiving(transfer_id, actor_id=None)

    dock = floor.site.bin(floor.north, "RCV-01")
    transit = floor.transit.bins[0]
    # good: EARLY 2; damaged: the next shipped unit, EARLY; missing: LATE 1
    assert ledger.balance(floor.glue.id, dock.id, early.id) == (3, 0, 1)
    assert ledger.balance(floor.glue.id, transit.id, late.id) == (1, 0, 0)
    (hold,) = db.session.scalars(select(Hold))
    assert (hold.lot_id, hold.qty) == (early.id, 1)

    transfers.resolve_missing(transfer_id, line_id, "found", 1, actor_id=None)
    assert ledger.balance(floor.glue.id, dock.id, late.id) == (1, 0, 0)
    assert ledger.balance(floor.glue.id, transit.id, late.id) == (0, 0, 0)
    assert ledger.verify() == []


# --- the damage hold: released or written off --------------------------------------------


def test_a_released_damage_hold_is_available_and_gets_a_put_away_task(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 3)
    received(floor, transfer_id, arrived=3, damaged=2, reason=ReceiveReason.DAMAGED_IN_TRANSIT)
    hold = db.session.scalar(select(Hold))
    number = transfers.get(transfer_id).number
    assert transfers.get(transfer_id).units_missing == 0
    transfers.complete(transfer_id, actor_id=None)  # nothing missing: the hold does not block it

    released = holds.release(hold.id, actor_id=None)

    assert released.status is HoldStatus.RELEASED
    assert where(floor.bolt, floor.north) == {"on_hand": 3, "available": 3, "held": 0}
    posting = db.session.get(Posting, released.close_posting_id)
    assert (posting.type, posting.reference_id, posting.note) == (
        MovementType.HOLD_RELEASE,
        number,
        f"{holds.number(hold)} released.",
    )
    assert sorted(t.qty for t in db.session.scalars(select(PutawayTask))) == [1, 2]
    assert ledger.verify() == []


def test_writing_off_a_damage_hold_names_the_reason_and_the_transfer(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 3)
    received(floor, transfer_id, arrived=3, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT)
    hold = db.session.scalar(select(Hold))

    gone = holds.write_off(hold.id, actor_id=None, note="crushed", key="form-1")
    again = holds.write_off(hold.id, actor_id=None, note="crushed", key="form-1")  # a double tap

    assert gone.status is again.status is HoldStatus.WRITTEN_OFF and again.id == gone.id
    posting = db.session.get(Posting, gone.close_posting_id)
    assert (posting.type, posting.reason, posting.reference_type, posting.reference_id) == (
        MovementType.ADJUSTMENT,
        ReasonCode.DAMAGED,
        "transfer",
        transfers.get(transfer_id).number,
    )
    assert posting.note == f"{holds.number(hold)} written off: crushed."
    assert where(floor.bolt, floor.north) == {"on_hand": 2, "available": 2, "held": 0}
    assert db.session.scalar(select(func.count()).where(Posting.type == MovementType.ADJUSTMENT)) == 1
    with pytest.raises(HoldClosed):
        holds.write_off(hold.id, actor_id=None)  # without the key: the hold is closed
    db.session.rollback()
    assert ledger.verify() == []


# --- replays --------------------------------------------------------------------------


def test_a_replayed_finish_and_a_replayed_resolution_write_once(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 5)
    first = received(floor, transfer_id, arrived=4, damaged=1, key="finish-1")
    again = transfers.finish_receiving(transfer_id, actor_id=None, key="finish-1")
    assert again.replayed and (again.posting_id, again.holds) == (first.posting_id, first.holds)
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 1

    line_id = transfers.get(transfer_id).lines[0].id
    count = postings()
    done = transfers.resolve_missing(transfer_id, line_id, "lost", 1, actor_id=None, key="form-9")
    replay = transfers.resolve_missing(transfer_id, line_id, "lost", 1, actor_id=None, key="form-9")
    assert replay.replayed and replay.posting_id == done.posting_id and replay.completed
    assert postings() == count + 1
    with pytest.raises(IdempotencyKeyReused):
        transfers.resolve_missing(transfer_id, line_id, "found", 1, actor_id=None, key="form-9")
    db.session.rollback()
    assert accounted(floor, transfer_id) == {"available": 3, "held": 1, "written_off": 1, "in_transit": 0}
    assert ledger.verify() == []


# --- refusals write nothing ---------------------------------------------------------------


@pytest.fixture
def one_missing(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 3)
    received(floor, transfer_id, arrived=2, damaged=0)
    floor.transfer_id, floor.line_id = transfer_id, transfers.get(transfer_id).lines[0].id
    return floor


@pytest.mark.parametrize(
    "qty, outcome, note, error, message",
    [
        (-1, "lost", None, QuantityOutOfRange, "Resolve 1 to"),
        (0, "found", None, QuantityOutOfRange, "Resolve 1 to"),
        (2, "lost", None, QuantityOutOfRange, "Only 1 of BOLT-M8 is missing on TR-000001: resolve 1 to 1"),
        ("1", "lost", None, QuantityOutOfRange, "Resolve 1 to"),
        (True, "lost", None, QuantityOutOfRange, "Resolve 1 to"),
        (1, "stolen", None, InvalidPosting, "found or lost"),
        (1, "lost", "x" * 301, NoteTooLong, "under 300"),
    ],
    ids=["negative", "zero", "over-missing", "text", "bool", "outcome", "long-note"],
)
def test_a_bad_resolution_is_refused_and_writes_nothing(one_missing, qty, outcome, note, error, message):
    refused(
        error,
        transfers.resolve_missing,
        one_missing.transfer_id,
        one_missing.line_id,
        outcome,
        qty,
        actor_id=None,
        note=note,
        match=message,
    )
    assert transfers.get(one_missing.transfer_id).lines[0].qty_missing == 1


def test_resolving_another_line_transfer_or_state_is_refused(one_missing):
    t, line = one_missing.transfer_id, one_missing.line_id
    refused(NotFound, transfers.resolve_missing, 999999, line, "lost", 1, actor_id=None)
    refused(NotFound, transfers.resolve_missing, t, 999999, "lost", 1, actor_id=None, match="No such line")
    transfers.resolve_missing(t, line, "lost", 1, actor_id=None)  # completes it
    refused(
        TransferWrongState,
        transfers.resolve_missing,
        t,
        line,
        "lost",
        1,
        actor_id=None,
        match="only a received transfer has missing units",
    )


def test_a_line_with_nothing_missing_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer_id = shipped(floor, floor.bolt, 3)
    received(floor, transfer_id, arrived=3, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT)
    line_id = transfers.get(transfer_id).lines[0].id
    refused(
        QuantityOutOfRange,
        transfers.resolve_missing,
        transfer_id,
        line_id,
        "found",
        1,
        actor_id=None,
        match="No BOLT-M8 is missing",
    )


def test_another_organisation_cannot_resolve_nor_write_off(one_missing):
    hold_id = holds.place(one_missing.bolt, one_missing.a1, 1, HoldReason.DAMAGED, actor_id=None).id
    harbor = organisations.create("harbor", "Harbor Foods")
    db.session.commit()
    with tenancy.acting_for(harbor.id):
        boss = accounts.create_user("harbor-boss", "long-enough-pw", "supervisor")
        with pytest.raises(NotFound):
            transfers.resolve_missing(
                one_missing.transfer_id, one_missing.line_id, "lost", 1, actor_id=boss.id
            )
        db.session.rollback()
        with pytest.raises(NotFound):
            holds.write_off(hold_id, actor_id=boss.id)
        db.session.rollback()
    assert transfers.get(one_missing.transfer_id).lines[0].qty_missing == 1
    assert db.session.get(Hold, hold_id, populate_existing=True).status is HoldStatus.ACTIVE
    assert ledger.verify() == []


def test_an_expired_hold_is_written_off_on_the_expiry_page_only(floor):
    lot = make_lot(floor.glue, "OLD", date(2020, 1, 1))
    receive(floor.glue, floor.a1, 2, lot=lot)
    hold = holds.place(floor.glue, floor.a1, 2, HoldReason.EXPIRED, lot=lot, actor_id=None)
    refused(HoldClosed, holds.write_off, hold.id, actor_id=None, match="expiry page")
