"""Put-away: received goods go from the receiving bin into storage. The suggestion, the
confirmation scan, reasons for another bin, partial confirmations, and a task that can
never move its goods twice, not even when several devices confirm it at once."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import ORG_ID, PASSWORD
from tests.factories import make_location, make_lot, receive
from warehouse import accounts, ledger
from warehouse.catalog.models import NO_LOT, Bin, Lot
from warehouse.core import tenancy
from warehouse.core.errors import AlreadyPutAway, InvalidPosting, NotFound, WrongBin
from warehouse.core.extensions import db
from warehouse.inbound import putaway, receiving
from warehouse.inbound.models import PutawayReason, PutawayTask, TaskStatus
from warehouse.ledger.models import Balance, Movement, MovementType, Posting


@pytest.fixture
def clerk(site):
    return accounts.create_user("clerk", PASSWORD, "operator")


@pytest.fixture
def east(site):
    """A location whose storage bins were made out of code order: B-03 first."""
    return make_location("dc-east", bins=("RCV-01", "B-03", "B-01", "B-02"))


def bin_at(location, code) -> Bin:
    return db.session.scalar(select(Bin).where(Bin.location_id == location.id, Bin.code == code))


def set_bin(location, code, **values) -> Bin:
    bin = bin_at(location, code)
    for name, value in values.items():
        setattr(bin, name, value)
    db.session.commit()
    return bin


def received(location, product, qty, actor, lot_code=None, expiry=None) -> PutawayTask:
    """Goods received through the receiving service: the put-away task it opened."""
    receipt = receiving.start(f"PO-{product.sku}", location_id=location.id, actor_id=actor.id)
    receiving.add(receipt.id, product, qty=qty, lot_code=lot_code, expiry=expiry)
    (task,) = receiving.finish(receipt.id, actor_id=actor.id).tasks
    return task


def snapshot():
    """Everything put-away can write, to prove a refusal changed nothing."""
    db.session.rollback()
    return (
        sorted(
            tuple(r)
            for r in db.session.execute(
                select(
                    PutawayTask.id,
                    PutawayTask.status,
                    PutawayTask.qty,
                    PutawayTask.to_bin_id,
                    PutawayTask.reason,
                    PutawayTask.posting_id,
                    PutawayTask.split_from_id,
                )
            )
        ),
        db.session.scalar(select(func.count()).select_from(Posting)),
        db.session.scalar(select(func.count()).select_from(Movement)),
        sorted(
            tuple(r)
            for r in db.session.execute(
                select(Balance.product_id, Balance.bin_id, Balance.lot_id, Balance.on_hand)
            )
        ),
    )


def putaway_postings():
    return db.session.scalar(
        select(func.count()).select_from(Posting).where(Posting.type == MovementType.PUTAWAY)
    )


# --- the suggestion ----------------------------------------------------------------------


def test_the_suggestion_is_the_first_empty_storage_bin_by_code(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)

    assert task.suggested_bin.code == "B-01"
    assert putaway.suggest_bin(east.id, site.bolt.id, NO_LOT, 10).code == "B-01"


def test_the_suggestion_prefers_a_bin_already_holding_the_same_sku(site, clerk, east):
    receive(site.bolt, bin_at(east, "B-03"), 5)

    task = received(east, site.bolt, 10, clerk)

    assert task.suggested_bin.code == "B-03"


def test_the_suggestion_prefers_a_bin_holding_the_same_lot_not_another_lot_of_the_sku(site, clerk, east):
    receive(site.glue, bin_at(east, "B-02"), 5, lot=make_lot(site.glue, "L0", date(2026, 1, 31)))
    receive(site.glue, bin_at(east, "B-03"), 5, lot=make_lot(site.glue, "L1", date(2027, 1, 31)))

    task = received(east, site.glue, 4, clerk, lot_code="L1", expiry=date(2027, 1, 31))

    assert task.suggested_bin.code == "B-03"


def test_a_bin_holding_only_another_lot_of_the_sku_is_not_suggested(site, clerk, east):
    receive(site.glue, bin_at(east, "B-01"), 5, lot=make_lot(site.glue, "L0", date(2026, 1, 31)))

    task = received(east, site.glue, 4, clerk, lot_code="L1", expiry=date(2027, 1, 31))

    assert task.suggested_bin.code == "B-02"


def test_a_bin_holding_another_product_is_not_empty(site, clerk, east):
    receive(site.nut, bin_at(east, "B-01"), 1)

    assert received(east, site.bolt, 10, clerk).suggested_bin.code == "B-02"


def test_an_empty_bin_too_small_for_the_quantity_is_skipped(site, clerk, east):
    set_bin(east, "B-01", capacity=9)

    assert received(east, site.bolt, 10, clerk).suggested_bin.code == "B-02"


def test_an_empty_bin_exactly_big_enough_is_suggested(site, clerk, east):
    set_bin(east, "B-01", capacity=10)

    assert received(east, site.bolt, 10, clerk).suggested_bin.code == "B-01"


@pytest.mark.parametrize("qty, suggested", [(3, "B-03"), (4, "B-01")])
def test_a_bin_holding_the_same_sku_is_suggested_only_while_it_has_room(site, clerk, east, qty, suggested):
    b3 = set_bin(east, "B-03", capacity=10)
    receive(site.bolt, b3, 5)
    receive(site.nut, b3, 2)  # the room left counts every product in the bin: 10 - 7 = 3

    assert received(east, site.bolt, qty, clerk).suggested_bin.code == suggested


def test_an_inactive_bin_is_never_suggested(site, clerk, east):
    set_bin(east, "B-01", active=False)

    assert received(east, site.bolt, 10, clerk).suggested_bin.code == "B-02"


def test_when_no_storage_bin_fits_the_task_opens_without_a_suggestion_not_the_dock(site, clerk, east):
    for code in ("B-01", "B-02", "B-03"):
        set_bin(east, code, capacity=5)

    task = received(east, site.bolt, 10, clerk)

    assert (task.status, task.suggested_bin_id) == (TaskStatus.OPEN, None)


def test_without_a_suggestion_any_storage_bin_is_accepted_without_a_reason(site, clerk, east):
    for code in ("B-01", "B-02", "B-03"):
        set_bin(east, code, capacity=5)
    task = received(east, site.bolt, 10, clerk)

    done = putaway.confirm(task.id, bin_at(east, "B-02"), actor_id=clerk.id)

    assert (done.task.status, done.task.to_bin.code, done.task.reason) == (TaskStatus.DONE, "B-02", None)


# --- confirming --------------------------------------------------------------------------


def test_confirming_the_suggested_bin_moves_the_goods_in_one_posting_and_closes_the_task(site, clerk, east):
    dock, b1 = bin_at(east, "RCV-01"), bin_at(east, "B-01")
    task = received(east, site.bolt, 10, clerk)

    done = putaway.confirm(task.id, b1, actor_id=clerk.id)

    assert (done.posted.replayed, done.rest) == (False, None)
    posting = db.session.get(Posting, done.posted.posting_id)
    assert (posting.type, posting.reference_type, posting.reference_id, posting.user_id) == (
        MovementType.PUTAWAY,
        "putaway_task",
        str(task.id),
        clerk.id,
    )
    assert sorted((m.bin_id, m.qty, m.balance_after, m.type) for m in posting.movements) == sorted(
        [(dock.id, -10, 0, MovementType.PUTAWAY), (b1.id, 10, 10, MovementType.PUTAWAY)]
    )
    assert putaway_postings() == 1

    db.session.expire_all()
    task = putaway.get(task.id)
    assert (task.status, task.qty, task.to_bin_id, task.posting_id, task.user_id, task.reason) == (
        TaskStatus.DONE,
        10,
        b1.id,
        posting.id,
        clerk.id,
        None,
    )
    assert task.done_at is not None
    assert ledger.balance(site.bolt.id, dock.id) == (0, 0, 0)
    assert ledger.balance(site.bolt.id, b1.id) == (10, 0, 0)
    assert ledger.verify() == []


def test_a_lot_is_put_away_with_its_lot(site, clerk, east):
    task = received(east, site.glue, 4, clerk, lot_code="L1", expiry=date(2027, 1, 31))
    lot = db.session.scalar(select(Lot).where(Lot.code == "L1"))

    putaway.confirm(task.id, bin_at(east, "B-01"), actor_id=clerk.id)

    assert ledger.balance(site.glue.id, bin_at(east, "B-01").id, lot.id) == (4, 0, 0)
    assert ledger.balance(site.glue.id, bin_at(east, "RCV-01").id, lot.id) == (0, 0, 0)
    assert ledger.verify() == []


def test_another_bin_without_a_reason_is_refused_naming_the_suggested_bin(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)
    before = snapshot()

    with pytest.raises(WrongBin) as refused:
        putaway.confirm(task.id, bin_at(east, "B-02"), actor_id=clerk.id)

    assert refused.value.message == (
        "B-02 is not the suggested bin B-01. Scan B-01, or choose a reason and scan B-02 again."
    )
    assert snapshot() == before


def test_another_bin_with_a_reason_is_allowed_and_the_reason_recorded(site, clerk, east):
    b2 = bin_at(east, "B-02")
    task = received(east, site.bolt, 10, clerk)

    done = putaway.confirm(task.id, b2, reason=PutawayReason.SUGGESTED_FULL, actor_id=clerk.id)

    assert (done.task.status, done.task.to_bin_id, done.task.reason) == (
        TaskStatus.DONE,
        b2.id,
        PutawayReason.SUGGESTED_FULL,
    )
    assert ledger.balance(site.bolt.id, b2.id) == (10, 0, 0)
    assert ledger.balance(site.bolt.id, bin_at(east, "B-01").id) == (0, 0, 0)
    assert ledger.verify() == []


def test_a_receiving_bin_is_refused_even_with_a_reason(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)
    before = snapshot()

    with pytest.raises(WrongBin, match="RCV-01 is a receiving bin, not storage"):
        putaway.confirm(task.id, bin_at(east, "RCV-01"), reason=PutawayReason.OTHER, actor_id=clerk.id)
    assert snapshot() == before


def test_a_bin_at_another_location_is_refused_even_with_a_reason(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)
    before = snapshot()

    with pytest.raises(WrongBin, match="A-01-01 is in another location"):
        putaway.confirm(
            task.id, site.bin(site.main, "A-01-01"), reason=PutawayReason.OTHER, actor_id=clerk.id
        )
    assert snapshot() == before


def test_an_inactive_storage_bin_is_refused_with_a_message_that_says_why(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)
    b2 = set_bin(east, "B-02", active=False)
    before = snapshot()

    with pytest.raises(WrongBin) as refused:
        putaway.confirm(task.id, b2, reason=PutawayReason.OTHER, actor_id=clerk.id)

    assert snapshot() == before
    # Not "B-02 is a storage bin, not storage": the operator must learn the bin is out of use.
    assert "not storage" not in refused.value.message


def test_confirming_part_of_a_task_splits_it_and_opens_a_task_for_the_rest(site, clerk, east):
    dock, b1 = bin_at(east, "RCV-01"), bin_at(east, "B-01")
    task = received(east, site.bolt, 10, clerk)

    done = putaway.confirm(task.id, b1, qty=4, actor_id=clerk.id)

    assert (done.task.id, done.task.status, done.task.qty, done.task.to_bin_id) == (
        task.id,
        TaskStatus.DONE,
        4,
        b1.id,
    )
    rest = done.rest
    assert (rest.status, rest.qty, rest.split_from_id, rest.receipt_id, rest.from_bin_id) == (
        TaskStatus.OPEN,
        6,
        task.id,
        task.receipt_id,
        dock.id,
    )
    assert (rest.product_id, rest.lot_id, rest.location_id) == (site.bolt.id, NO_LOT, east.id)
    assert rest.suggested_bin_id == b1.id  # now holds the same SKU and has room
    assert ledger.balance(site.bolt.id, dock.id) == (6, 0, 0)
    assert ledger.balance(site.bolt.id, b1.id) == (4, 0, 0)
    assert [t.id for t in putaway.open_tasks(east.id)] == [rest.id]

    finished = putaway.confirm(rest.id, b1, actor_id=clerk.id)

    assert (finished.task.status, finished.rest) == (TaskStatus.DONE, None)
    assert ledger.balance(site.bolt.id, dock.id) == (0, 0, 0)
    assert ledger.balance(site.bolt.id, b1.id) == (10, 0, 0)
    assert putaway_postings() == 2
    assert putaway.open_tasks(east.id) == []
    assert ledger.verify() == []


def test_after_a_partial_confirm_every_unit_left_at_the_dock_still_has_an_open_task(site, clerk, east):
    dock = bin_at(east, "RCV-01")
    task = received(east, site.bolt, 10, clerk)

    putaway.confirm(task.id, bin_at(east, "B-01"), qty=4, actor_id=clerk.id)

    waiting = sum(t.qty for t in putaway.open_tasks(east.id) if t.from_bin_id == dock.id)
    assert (ledger.balance(site.bolt.id, dock.id)[0], waiting) == (6, 6)


def test_confirming_a_task_twice_is_refused_and_moves_the_goods_once(site, clerk, east):
    b1 = bin_at(east, "B-01")
    task = received(east, site.bolt, 10, clerk)
    putaway.confirm(task.id, b1, actor_id=clerk.id)
    before = snapshot()

    with pytest.raises(AlreadyPutAway, match="Already put away to B-01"):
        putaway.confirm(task.id, b1, actor_id=clerk.id)
    with pytest.raises(AlreadyPutAway):
        putaway.confirm(task.id, bin_at(east, "B-02"), reason=PutawayReason.OTHER, actor_id=clerk.id)

    assert snapshot() == before
    assert putaway_postings() == 1
    assert ledger.balance(site.bolt.id, b1.id) == (10, 0, 0)
    assert ledger.verify() == []


@pytest.mark.parametrize("qty", [0, -1, 11])
def test_a_quantity_outside_one_to_the_tasks_quantity_is_refused(site, clerk, east, qty):
    task = received(east, site.bolt, 10, clerk)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="Put away 1 to 10 units"):
        putaway.confirm(task.id, bin_at(east, "B-01"), qty=qty, actor_id=clerk.id)
    assert snapshot() == before


def test_confirming_a_task_that_does_not_exist_is_refused(site, clerk, east):
    with pytest.raises(NotFound, match="No put-away task #999"):
        putaway.confirm(999, bin_at(east, "B-01"), actor_id=clerk.id)


@pytest.mark.parametrize("workers", [2, 4])
def test_devices_confirming_one_task_at_once_move_the_goods_exactly_once(app, site, clerk, east, workers):
    dock, b1 = bin_at(east, "RCV-01"), bin_at(east, "B-01")
    task_id, bin_id, actor_id = received(east, site.bolt, 10, clerk).id, b1.id, clerk.id
    outcomes, errors = [], []
    start = threading.Barrier(workers)

    def worker():
        with app.app_context(), tenancy.acting_for(ORG_ID):  # each thread has its own session and connection
            bin = db.session.get(Bin, bin_id)
            start.wait()
            try:
                putaway.confirm(task_id, bin, actor_id=actor_id)
                outcomes.append("moved")
            except AlreadyPutAway:
                outcomes.append("already")
            except Exception as unexpected:  # noqa: BLE001 - reported below
                errors.append(repr(unexpected))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    db.session.rollback()  # end this thread's read snapshot before reading again
    assert errors == []
    assert (outcomes.count("moved"), outcomes.count("already")) == (1, workers - 1)
    assert putaway_postings() == 1
    assert ledger.balance(site.bolt.id, dock.id) == (0, 0, 0)
    assert ledger.balance(site.bolt.id, b1.id) == (10, 0, 0)
    assert putaway.get(task_id).status is TaskStatus.DONE
    assert db.session.scalar(select(func.count()).select_from(PutawayTask)) == 1
    assert ledger.verify() == []


# --- the task list -----------------------------------------------------------------------


def test_open_tasks_lists_the_locations_open_tasks_oldest_first(site, clerk, east):
    first = received(east, site.bolt, 10, clerk)
    second = received(east, site.nut, 5, clerk)
    third = received(east, site.glue, 2, clerk, lot_code="L1", expiry=date(2027, 1, 31))
    elsewhere = received(site.main, site.bolt, 3, clerk)
    putaway.confirm(second.id, bin_at(east, "B-02"), reason=PutawayReason.CLOSER_BIN, actor_id=clerk.id)
    fourth = received(east, site.nut, 1, clerk)

    tasks = putaway.open_tasks(east.id)

    assert [t.id for t in tasks] == [first.id, third.id, fourth.id]
    assert [(t.product.sku, t.lot.code, t.from_bin.code) for t in tasks] == [
        ("BOLT-M8", "", "RCV-01"),
        ("GLUE-50", "L1", "RCV-01"),
        ("NUT-M8", "", "RCV-01"),
    ]
    assert [t.id for t in putaway.open_tasks(site.main.id)] == [elsewhere.id]


def test_the_task_for_a_scanned_item_is_its_oldest_open_task_of_that_lot(site, clerk, east):
    l1 = received(east, site.glue, 2, clerk, lot_code="L1", expiry=date(2027, 1, 31))
    l2 = received(east, site.glue, 3, clerk, lot_code="L2", expiry=date(2027, 2, 28))
    received(east, site.glue, 1, clerk, lot_code="L1", expiry=date(2027, 1, 31))

    assert putaway.task_for_item(east.id, site.glue.id).id == l1.id
    assert putaway.task_for_item(east.id, site.glue.id, l2.lot_id).id == l2.id
    with pytest.raises(NotFound, match="Nothing of this item"):
        putaway.task_for_item(east.id, site.bolt.id)


def test_beginning_a_task_suggests_again_from_the_stock_as_it_is_now(site, clerk, east):
    task = received(east, site.bolt, 10, clerk)
    assert task.suggested_bin.code == "B-01"
    receive(site.nut, bin_at(east, "B-01"), 1)  # someone filled B-01 since the receipt

    begun = putaway.begin(putaway.get(task.id))

    db.session.expire_all()
    assert begun.id == task.id
    assert putaway.get(task.id).suggested_bin.code == "B-02"
