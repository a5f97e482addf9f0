"""Blind cycle counts, domain side: the state machine as a truth table, creating a batch by
each kind of selection, counting (add / set, bin empty, unexpected items, lots), the
variance measured against the ledger at the instant of counting, resolving (accept once,
reject, recount, four eyes), tolerances per ABC class, ABC itself, and two scanners adding
to one line at once. Every refusal writes nothing; stock-changing tests end with a clean
ledger audit."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import ORG_ID
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import accounts, counts, ledger
from warehouse.accounts.models import User
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core import tenancy
from warehouse.core.columns import utcnow
from warehouse.core.errors import CountRefused, FourEyes, InvalidPosting
from warehouse.core.extensions import db
from warehouse.counts import Selection, Tolerance, abc
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus, CountStatus
from warehouse.ledger import Line
from warehouse.ledger.models import Balance, Movement, MovementType, Posting, ReasonCode

S, L = CountStatus, CountLineStatus
PASSWORD = "long-enough-pw"


# --- helpers ----------------------------------------------------------------------------


@dataclass
class Site:
    main: Location
    north: Location
    bolt: Product
    nut: Product
    pin: Product
    glue: Product  # lot- and expiry-tracked
    counter: User
    counter2: User
    boss: User
    boss2: User

    def bin(self, code: str, location: Location | None = None) -> Bin:
        return next(b for b in (location or self.main).bins if b.code == code)

    @property
    def a1(self) -> Bin:
        return self.bin("A-01-01")

    @property
    def a2(self) -> Bin:
        return self.bin("A-01-02")

    @property
    def b1(self) -> Bin:
        return self.bin("B-01-01")

    @property
    def dock(self) -> Bin:
        return self.bin("RCV-01")

    @property
    def north_bin(self) -> Bin:
        return self.bin("S-01-01", self.north)


@pytest.fixture
def wh(app):
    return Site(
        main=make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "B-01-01")),
        north=make_location("service-north", bins=("RCV-01", "S-01-01")),
        bolt=make_product("BOLT-M8", gtin="9506000134352"),
        nut=make_product("NUT-M8"),
        pin=make_product("PIN-3"),
        glue=make_product("GLUE-50", lot_tracked=True, expiry_tracked=True),
        counter=accounts.create_user("cora", PASSWORD, "operator"),
        counter2=accounts.create_user("carl", PASSWORD, "operator"),
        boss=accounts.create_user("sam", PASSWORD, "supervisor"),
        boss2=accounts.create_user("vic", PASSWORD, "supervisor"),
    )


def sell(product, bin, qty, lot=None):
    return ledger.post(MovementType.OUTBOUND_SALE, [Line.at(bin, product, lot, qty=-qty)], actor_id=None)


def snapshot():
    """Everything counting or resolving may write: the ledger and the count's own rows."""

    def rows(*columns):
        return [tuple(r) for r in db.session.execute(select(*columns).order_by(*columns))]

    return dict(
        postings=db.session.scalar(select(func.count()).select_from(Posting)),
        movements=db.session.scalar(select(func.count()).select_from(Movement)),
        balances=rows(
            Balance.product_id,
            Balance.bin_id,
            Balance.lot_id,
            Balance.on_hand,
            Balance.reserved,
            Balance.held,
            Balance.last_counted_at,
        ),
        lots=rows(Lot.id, Lot.product_id, Lot.code),
        batches=rows(
            CountBatch.id,
            CountBatch.status,
            CountBatch.version,
            CountBatch.submitted_at,
            CountBatch.resolved_at,
        ),
        lines=rows(
            CountLine.id,
            CountLine.batch_id,
            CountLine.bin_id,
            CountLine.product_id,
            CountLine.lot_id,
            CountLine.status,
            CountLine.unexpected,
            CountLine.counted_qty,
            CountLine.ledger_qty_at_count,
            CountLine.counted_by,
            CountLine.counted_at,
            CountLine.recount_of_id,
            CountLine.avoid_counter_id,
            CountLine.resolved_by,
            CountLine.resolved_at,
            CountLine.posting_id,
        ),
    )


def refused(error, step, *args, match=None, **kwargs):
    """Run a step that must be refused; prove it wrote nothing; return the error."""
    db.session.rollback()
    before = snapshot()
    with pytest.raises(error, match=match) as caught:
        step(*args, **kwargs)
    db.session.rollback()
    assert snapshot() == before
    return caught.value


def keys(batch) -> list[tuple[str, str, str]]:
    return [(l.bin.code, l.product.sku, l.lot.code) for l in counts.get(batch.id).lines]


def line_of(batch_id, product, bin, status=None) -> CountLine:
    found = [
        l
        for l in counts.get(batch_id).lines
        if l.product_id == product.id and l.bin_id == bin.id and (status is None or l.status is status)
    ]
    assert len(found) == 1, found
    return found[0]


def on_hand(product, bin, lot=None) -> int:
    return ledger.balance(product.id, bin.id, lot.id if lot else NO_LOT)[0]


def last_counted(product, bin, lot_id=NO_LOT):
    return db.session.scalar(
        select(Balance.last_counted_at).where(
            Balance.product_id == product.id, Balance.bin_id == bin.id, Balance.lot_id == lot_id
        )
    )


# --- the state machine ------------------------------------------------------------------

ALLOWED = {
    (S.OPEN, S.COUNTING),
    (S.OPEN, S.CANCELLED),
    (S.COUNTING, S.SUBMITTED),
    (S.COUNTING, S.CANCELLED),
    (S.SUBMITTED, S.IN_REVIEW),
    (S.SUBMITTED, S.CANCELLED),
    (S.IN_REVIEW, S.RESOLVED),
    (S.IN_REVIEW, S.COUNTING),  # a recount sends it back
}


@pytest.mark.parametrize("current, target", list(itertools.product(S, S)), ids=lambda s: s.value)
def test_state_machine_truth_table(current, target):
    assert counts.can_move(current, target) is ((current, target) in ALLOWED)


def test_resolved_and_cancelled_are_final():
    assert not any(counts.can_move(S.RESOLVED, t) or counts.can_move(S.CANCELLED, t) for t in S)


# --- creating a batch -------------------------------------------------------------------


def test_create_by_bin_pattern_takes_only_matching_bins(wh):
    receive(wh.bolt, wh.a1, 5)
    receive(wh.nut, wh.a2, 6)
    receive(wh.pin, wh.b1, 7)
    batch = counts.create(wh.main.id, Selection(bins_like="A-01-*"), actor_id=wh.boss.id)
    assert keys(batch) == [("A-01-01", "BOLT-M8", ""), ("A-01-02", "NUT-M8", "")]
    batch = counts.get(batch.id)
    assert batch.status is S.OPEN and batch.location_id == wh.main.id and batch.created_by == wh.boss.id
    assert batch.selection == "bins A-01-*"
    assert all(
        l.status is L.PENDING and l.counted_qty is None and l.ledger_qty_at_count is None for l in batch.lines
    )
    assert keys(counts.create(wh.main.id, Selection(bins_like="*-01-02"), actor_id=wh.boss.id)) == [
        ("A-01-02", "NUT-M8", "")
    ]


def test_bin_pattern_underscore_and_percent_are_literal(wh):
    receive(wh.bolt, wh.a1, 5)
    refused(InvalidPosting, counts.create, wh.main.id, Selection(bins_like="A_01-*"), actor_id=wh.boss.id)
    refused(InvalidPosting, counts.create, wh.main.id, Selection(bins_like="A%"), actor_id=wh.boss.id)


def test_create_by_skus(wh):
    receive(wh.bolt, wh.a1, 5)
    receive(wh.nut, wh.a1, 6)
    receive(wh.nut, wh.b1, 2)
    receive(wh.pin, wh.b1, 7)
    batch = counts.create(wh.main.id, Selection(skus=("NUT-M8",)), actor_id=wh.boss.id)
    assert keys(batch) == [("A-01-01", "NUT-M8", ""), ("B-01-01", "NUT-M8", "")]
    both = counts.create(
        wh.main.id, Selection(bins_like="B-*", skus=("NUT-M8", "PIN-3")), actor_id=wh.boss.id
    )
    assert keys(both) == [("B-01-01", "NUT-M8", ""), ("B-01-01", "PIN-3", "")]


def test_create_by_abc_class_uses_outbound_sales(wh):
    for product, bin, sold in ((wh.bolt, wh.a1, 80), (wh.nut, wh.a2, 15), (wh.pin, wh.b1, 5)):
        receive(product, bin, 100)
        sell(product, bin, sold)
    glue_lot = make_lot(wh.glue, "G-1")
    receive(wh.glue, wh.b1, 3, lot=glue_lot)  # never sold: class C
    by_class = {
        c: keys(counts.create(wh.main.id, Selection(abc_class=c), actor_id=wh.boss.id)) for c in "ABC"
    }
    assert by_class == {
        "A": [("A-01-01", "BOLT-M8", "")],
        "B": [("A-01-02", "NUT-M8", "")],
        "C": [("B-01-01", "GLUE-50", "G-1"), ("B-01-01", "PIN-3", "")],
    }


def test_create_by_days_since_last_count(wh):
    now = utcnow()
    receive(wh.bolt, wh.a1, 5)
    receive(wh.nut, wh.a2, 6)
    receive(wh.pin, wh.b1, 7)
    ledger.mark_counted(wh.bolt.id, wh.a1.id, NO_LOT, now - timedelta(days=10))
    ledger.mark_counted(wh.nut.id, wh.a2.id, NO_LOT, now - timedelta(days=100))
    db.session.commit()
    batch = counts.create(wh.main.id, Selection(not_counted_days=30), actor_id=wh.boss.id, now=now)
    assert keys(batch) == [("A-01-02", "NUT-M8", ""), ("B-01-01", "PIN-3", "")]  # pin: never counted
    assert keys(counts.create(wh.main.id, Selection(not_counted_days=5), actor_id=wh.boss.id, now=now)) == [
        ("A-01-01", "BOLT-M8", ""),
        ("A-01-02", "NUT-M8", ""),
        ("B-01-01", "PIN-3", ""),
    ]


def test_receiving_bins_other_locations_and_empty_keys_are_never_counted(wh):
    receive(wh.bolt, wh.dock, 9)  # still on the dock, waiting for put-away
    receive(wh.bolt, wh.a1, 5)
    receive(wh.nut, wh.a2, 4)
    sell(wh.nut, wh.a2, 4)  # a key that is now empty
    receive(wh.pin, wh.north_bin, 3)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    assert keys(batch) == [("A-01-01", "BOLT-M8", "")]
    assert counts.get(batch.id).selection == "whole location"
    refused(InvalidPosting, counts.create, wh.main.id, Selection(bins_like="RCV-*"), actor_id=wh.boss.id)


def test_nothing_matching_is_refused_and_makes_no_batch(wh):
    receive(wh.bolt, wh.a1, 5)
    refused(
        InvalidPosting,
        counts.create,
        wh.main.id,
        Selection(skus=("NOPE",)),
        actor_id=wh.boss.id,
        match="Nothing in stock matches",
    )
    refused(InvalidPosting, counts.create, wh.north.id, Selection(), actor_id=wh.boss.id)
    assert db.session.scalar(select(func.count()).select_from(CountBatch)) == 0


# --- counting ---------------------------------------------------------------------------


@pytest.fixture
def one_line(wh):
    """A batch over one key: 10 x BOLT-M8 in A-01-01."""
    receive(wh.bolt, wh.a1, 10)
    return counts.create(wh.main.id, Selection(skus=("BOLT-M8",)), actor_id=wh.boss.id)


def test_add_accumulates_and_set_replaces(wh, one_line):
    def counted():
        return line_of(one_line.id, wh.bolt, wh.a1).counted_qty

    counts.record(one_line.id, wh.a1, wh.bolt, add=1, actor_id=wh.counter.id)
    assert counts.get(one_line.id).status is S.COUNTING  # the first answer starts the count
    counts.record(one_line.id, wh.a1, wh.bolt, add=1, actor_id=wh.counter.id)
    assert counted() == 2
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=5, actor_id=wh.counter.id)
    assert counted() == 5
    counts.record(one_line.id, wh.a1, wh.bolt, add=3, actor_id=wh.counter.id)
    assert counted() == 8
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=0, actor_id=wh.counter.id)
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert (line.counted_qty, line.status, line.counted_by, line.ledger_qty_at_count) == (
        0,
        L.COUNTED,
        wh.counter.id,
        10,
    )
    assert len(counts.get(one_line.id).lines) == 1


@pytest.mark.parametrize(
    "amount",
    [
        dict(add=0),
        dict(add=-1),
        dict(set_to=-1),
        dict(set_to=counts.MAX_COUNT + 1),
        dict(add=counts.MAX_COUNT + 1),
        {},
    ],
)
def test_impossible_counts_are_refused(wh, one_line, amount):
    refused(InvalidPosting, counts.record, one_line.id, wh.a1, wh.bolt, actor_id=wh.counter.id, **amount)


def test_variance_is_against_the_ledger_at_count_time_even_after_a_sale(wh, one_line):
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=9, actor_id=wh.counter.id)  # 1 missing
    sell(wh.bolt, wh.a1, 3)  # picked after counting: not a variance
    counts.submit(one_line.id, actor_id=wh.counter.id)
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert (line.ledger_qty_at_count, line.variance) == (10, -1)

    counts.accept(one_line.id, [line.id], actor_id=wh.boss.id)
    assert on_hand(wh.bolt, wh.a1) == 10 - 3 - 1
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert line.status is L.ACCEPTED and line.resolved_by == wh.boss.id and line.posting_id
    posting = db.session.get(Posting, line.posting_id)
    assert (posting.type, posting.reason, posting.user_id) == (
        MovementType.ADJUSTMENT_COUNT,
        ReasonCode.PHYSICAL_COUNT,
        wh.boss.id,
    )
    assert [(m.product_id, m.bin_id, m.qty) for m in posting.movements] == [(wh.bolt.id, wh.a1.id, -1)]
    assert counts.get(one_line.id).status is S.RESOLVED
    assert ledger.verify() == []


def test_a_count_after_a_movement_uses_the_new_ledger_quantity(wh, one_line):
    sell(wh.bolt, wh.a1, 3)
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=7, actor_id=wh.counter.id)
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert (line.ledger_qty_at_count, line.variance) == (7, 0)
    receive(wh.bolt, wh.a1, 4)  # put away before the counter corrects the count
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=12, actor_id=wh.counter.id)
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert (line.ledger_qty_at_count, line.variance) == (11, 1)
    counts.submit(one_line.id, actor_id=wh.counter.id)
    counts.accept(one_line.id, [line.id], actor_id=wh.boss.id)
    assert on_hand(wh.bolt, wh.a1) == 12
    assert ledger.verify() == []


def test_a_line_without_variance_is_accepted_without_a_posting(wh, one_line):
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=10, actor_id=wh.counter.id)
    counts.submit(one_line.id, actor_id=wh.counter.id)
    postings = db.session.scalar(select(func.count()).select_from(Posting))
    line = line_of(one_line.id, wh.bolt, wh.a1)
    counts.accept(one_line.id, [line.id], actor_id=wh.boss.id)
    line = line_of(one_line.id, wh.bolt, wh.a1)
    assert line.status is L.ACCEPTED and line.posting_id is None
    assert db.session.scalar(select(func.count()).select_from(Posting)) == postings
    assert last_counted(wh.bolt, wh.a1) == line.counted_at
    assert ledger.verify() == []


def test_bin_empty_sets_the_bins_pending_lines_to_zero(wh):
    receive(wh.bolt, wh.a1, 4)
    receive(wh.nut, wh.a1, 6)
    receive(wh.pin, wh.a2, 2)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    counts.record(batch.id, wh.a1, wh.nut, set_to=5, actor_id=wh.counter.id)
    emptied = counts.bin_empty(batch.id, wh.a1, actor_id=wh.counter.id)
    assert [l.product_id for l in emptied] == [wh.bolt.id]
    bolt, nut, pin = (
        line_of(batch.id, p, b) for p, b in ((wh.bolt, wh.a1), (wh.nut, wh.a1), (wh.pin, wh.a2))
    )
    assert (bolt.status, bolt.counted_qty, bolt.ledger_qty_at_count, bolt.counted_by) == (
        L.COUNTED,
        0,
        4,
        wh.counter.id,
    )
    assert (nut.counted_qty, nut.ledger_qty_at_count) == (5, 6)  # already counted: untouched
    assert (pin.status, pin.counted_qty) == (L.PENDING, None)  # another bin
    counts.bin_empty(batch.id, wh.a2, actor_id=wh.counter.id)
    counts.submit(batch.id, actor_id=wh.counter.id)
    batch = counts.get(batch.id)
    counts.accept(batch.id, [l.id for l in batch.lines], actor_id=wh.boss.id)
    assert (on_hand(wh.bolt, wh.a1), on_hand(wh.nut, wh.a1), on_hand(wh.pin, wh.a2)) == (0, 5, 0)
    assert ledger.verify() == []


def test_unexpected_items_become_unexpected_lines(wh):
    receive(wh.bolt, wh.a1, 4)
    receive(wh.nut, wh.a2, 3)  # in stock elsewhere, not on this batch
    batch = counts.create(wh.main.id, Selection(bins_like="A-01-01"), actor_id=wh.boss.id)
    counts.record(batch.id, wh.a1, wh.bolt, set_to=4, actor_id=wh.counter.id)
    counts.record(batch.id, wh.a1, wh.pin, add=1, actor_id=wh.counter.id)  # never stocked here
    counts.record(batch.id, wh.a1, wh.pin, add=1, actor_id=wh.counter.id)
    counts.record(batch.id, wh.a2, wh.nut, set_to=2, actor_id=wh.counter.id)  # another bin, same location
    pin, nut = line_of(batch.id, wh.pin, wh.a1), line_of(batch.id, wh.nut, wh.a2)
    assert (pin.unexpected, pin.counted_qty, pin.ledger_qty_at_count, pin.variance) == (True, 2, 0, 2)
    assert (nut.unexpected, nut.ledger_qty_at_count, nut.variance) == (True, 3, -1)
    assert not line_of(batch.id, wh.bolt, wh.a1).unexpected
    counts.submit(batch.id, actor_id=wh.counter.id)
    counts.accept(batch.id, [pin.id, nut.id], actor_id=wh.boss.id)
    assert (on_hand(wh.pin, wh.a1), on_hand(wh.nut, wh.a2)) == (2, 2)
    assert last_counted(wh.pin, wh.a1) is not None
    assert ledger.verify() == []


def test_a_lot_tracked_item_in_a_bin_with_two_lots_needs_its_lot(wh):
    l1, l2 = make_lot(wh.glue, "L-1"), make_lot(wh.glue, "L-2")
    receive(wh.glue, wh.a1, 3, lot=l1)
    receive(wh.glue, wh.a1, 4, lot=l2)
    receive(wh.glue, wh.a2, 5, lot=l1)
    batch = counts.create(wh.main.id, Selection(skus=("GLUE-50",)), actor_id=wh.boss.id)
    refused(
        CountRefused,
        counts.record,
        batch.id,
        wh.a1,
        wh.glue,
        add=1,
        actor_id=wh.counter.id,
        match="lot-tracked",
    )
    line = counts.record(batch.id, wh.a1, wh.glue, set_to=2, lot_code="L-2", actor_id=wh.counter.id)
    assert (line.lot_id, line.ledger_qty_at_count, line.unexpected) == (l2.id, 4, False)
    only = counts.record(batch.id, wh.a2, wh.glue, add=1, actor_id=wh.counter.id)  # one lot there
    assert (only.lot_id, only.ledger_qty_at_count) == (l1.id, 5)
    refused(
        InvalidPosting,
        counts.record,
        batch.id,
        wh.a1,
        wh.glue,
        add=1,
        lot_code="L-NEW",
        actor_id=wh.counter.id,
        match="expiry",
    )  # a new lot of an expiry-tracked item


def test_submit_is_refused_while_bins_are_pending(wh):
    receive(wh.bolt, wh.a1, 4)
    receive(wh.nut, wh.a2, 3)
    receive(wh.pin, wh.b1, 3)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    refused(CountRefused, counts.submit, batch.id, actor_id=wh.counter.id)  # open: nothing counted
    counts.record(batch.id, wh.a1, wh.bolt, set_to=4, actor_id=wh.counter.id)
    error = refused(CountRefused, counts.submit, batch.id, actor_id=wh.counter.id)
    assert "A-01-02, B-01-01" in error.message and "A-01-01" not in error.message
    counts.bin_empty(batch.id, wh.a2, actor_id=wh.counter.id)
    counts.record(batch.id, wh.b1, wh.pin, add=1, actor_id=wh.counter.id)
    submitted = counts.submit(batch.id, actor_id=wh.counter.id)
    assert submitted.status is S.SUBMITTED and submitted.submitted_at is not None


def test_resolving_before_submit_is_refused(wh, one_line):
    line = line_of(one_line.id, wh.bolt, wh.a1)
    for resolve in (counts.accept, counts.reject, counts.recount):
        refused(CountRefused, resolve, one_line.id, [line.id], actor_id=wh.boss.id)  # open
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=9, actor_id=wh.counter.id)
    for resolve in (counts.accept, counts.reject, counts.recount):
        refused(
            CountRefused,
            resolve,
            one_line.id,
            [line.id],
            actor_id=wh.boss.id,
            match="submit it before review",
        )  # counting


def test_counting_in_a_bin_of_another_location_is_refused(wh, one_line):
    receive(wh.bolt, wh.north_bin, 2)
    refused(
        CountRefused,
        counts.record,
        one_line.id,
        wh.north_bin,
        wh.bolt,
        add=1,
        actor_id=wh.counter.id,
        match="not at warehouse-main",
    )
    refused(CountRefused, counts.bin_empty, one_line.id, wh.north_bin, actor_id=wh.counter.id)
    assert counts.get(one_line.id).status is S.OPEN


def test_counting_is_closed_once_submitted(wh, one_line):
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=9, actor_id=wh.counter.id)
    counts.submit(one_line.id, actor_id=wh.counter.id)
    refused(
        CountRefused,
        counts.record,
        one_line.id,
        wh.a1,
        wh.bolt,
        add=1,
        actor_id=wh.counter.id,
        match="counting is closed",
    )
    refused(CountRefused, counts.bin_empty, one_line.id, wh.a1, actor_id=wh.counter.id)


# --- resolving --------------------------------------------------------------------------


@pytest.fixture
def submitted(wh):
    """Two counted lines, both off by some units, submitted by the counter."""
    receive(wh.bolt, wh.a1, 10)
    receive(wh.nut, wh.a2, 20)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    counts.record(batch.id, wh.a1, wh.bolt, set_to=8, actor_id=wh.counter.id)
    counts.record(batch.id, wh.a2, wh.nut, set_to=21, actor_id=wh.counter.id)
    counts.submit(batch.id, actor_id=wh.counter.id)
    return batch


def test_reject_posts_nothing(wh, submitted):
    bolt = line_of(submitted.id, wh.bolt, wh.a1)
    before = snapshot()
    counts.reject(submitted.id, [bolt.id], actor_id=wh.boss.id)
    after = snapshot()
    assert {k: after[k] for k in ("postings", "movements", "balances")} == {
        k: before[k] for k in ("postings", "movements", "balances")
    }
    bolt = line_of(submitted.id, wh.bolt, wh.a1)
    assert (bolt.status, bolt.resolved_by, bolt.posting_id) == (L.REJECTED, wh.boss.id, None)
    assert last_counted(wh.bolt, wh.a1) is None  # a rejected count is no count
    assert counts.get(submitted.id).status is S.IN_REVIEW  # the nut is still to resolve
    counts.reject(submitted.id, [line_of(submitted.id, wh.nut, wh.a2).id], actor_id=wh.boss.id)
    assert counts.get(submitted.id).status is S.RESOLVED
    assert (on_hand(wh.bolt, wh.a1), on_hand(wh.nut, wh.a2)) == (10, 20)
    assert ledger.verify() == []


def test_accepting_twice_posts_once(wh, submitted):
    bolt = line_of(submitted.id, wh.bolt, wh.a1)
    counts.accept(submitted.id, [bolt.id], actor_id=wh.boss.id)
    assert counts.get(submitted.id).status is S.IN_REVIEW
    for actor in (wh.boss, wh.boss2):
        refused(
            CountRefused,
            counts.accept,
            submitted.id,
            [bolt.id],
            actor_id=actor.id,
            match="accepted: nothing to resolve",
        )
        refused(CountRefused, counts.reject, submitted.id, [bolt.id], actor_id=actor.id)
    counts.accept(submitted.id, [line_of(submitted.id, wh.nut, wh.a2).id], actor_id=wh.boss.id)
    assert counts.get(submitted.id).status is S.RESOLVED
    refused(CountRefused, counts.accept, submitted.id, [bolt.id], actor_id=wh.boss.id)  # resolved batch
    assert (on_hand(wh.bolt, wh.a1), on_hand(wh.nut, wh.a2)) == (8, 21)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Movement).where(Movement.type == MovementType.ADJUSTMENT_COUNT)
        )
        == 2
    )
    assert ledger.verify() == []


def test_accepting_both_lines_in_one_call_is_one_step(wh, submitted):
    batch = counts.get(submitted.id)
    counts.accept(batch.id, [l.id for l in batch.lines], actor_id=wh.boss.id)
    assert counts.get(batch.id).status is S.RESOLVED and counts.get(batch.id).resolved_at is not None
    assert (on_hand(wh.bolt, wh.a1), on_hand(wh.nut, wh.a2)) == (8, 21)
    assert ledger.verify() == []


def test_a_line_of_another_batch_is_refused(wh, submitted):
    receive(wh.pin, wh.b1, 1)
    other = counts.create(wh.main.id, Selection(skus=("PIN-3",)), actor_id=wh.boss.id)
    foreign = counts.get(other.id).lines[0].id
    from warehouse.core.errors import NotFound

    refused(NotFound, counts.accept, submitted.id, [foreign], actor_id=wh.boss.id)


@pytest.mark.parametrize(
    "resolve", [counts.accept, counts.reject, counts.recount], ids=["accept", "reject", "recount"]
)
def test_four_eyes_the_counter_cannot_resolve_their_own_line(wh, resolve):
    receive(wh.bolt, wh.a1, 10)
    receive(wh.nut, wh.a2, 20)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    counts.record(batch.id, wh.a1, wh.bolt, set_to=8, actor_id=wh.counter.id)
    counts.record(batch.id, wh.a2, wh.nut, set_to=19, actor_id=wh.boss.id)  # the supervisor counted this one
    counts.submit(batch.id, actor_id=wh.counter.id)
    bolt, nut = line_of(batch.id, wh.bolt, wh.a1), line_of(batch.id, wh.nut, wh.a2)
    refused(FourEyes, resolve, batch.id, [nut.id], actor_id=wh.boss.id, match="You counted")
    # one of the lines is the resolver's own: the other is not resolved either
    refused(FourEyes, resolve, batch.id, [bolt.id, nut.id], actor_id=wh.boss.id)
    refused(FourEyes, resolve, batch.id, [bolt.id], actor_id=wh.counter.id)
    resolve(batch.id, [nut.id], actor_id=wh.boss2.id)
    assert ledger.verify() == []


def test_a_recount_replaces_the_line_and_is_accepted_against_its_own_count(wh, one_line):
    counts.record(one_line.id, wh.a1, wh.bolt, set_to=8, actor_id=wh.counter.id)  # ledger 10
    counts.submit(one_line.id, actor_id=wh.counter.id)
    first = line_of(one_line.id, wh.bolt, wh.a1)
    counts.recount(one_line.id, [first.id], actor_id=wh.boss.id)

    batch = counts.get(one_line.id)
    assert batch.status is S.COUNTING
    old = line_of(batch.id, wh.bolt, wh.a1, L.RECOUNT)
    new = line_of(batch.id, wh.bolt, wh.a1, L.PENDING)
    assert (old.id, old.counted_qty, old.resolved_by, old.posting_id) == (first.id, 8, wh.boss.id, None)
    assert (new.recount_of_id, new.avoid_counter_id, new.counted_qty, new.unexpected) == (
        first.id,
        wh.counter.id,
        None,
        False,
    )
    assert [e.items for e in counts.bins_to_count(batch)] == [
        [("BOLT-M8", "Item BOLT-M8", "", None, "recount")]
    ]
    assert (
        counts.bins_to_count(batch, wh.counter.id)[0].items[0][4].startswith("recount: you counted it first")
    )
    assert on_hand(wh.bolt, wh.a1) == 10  # nothing posted for the replaced line

    refused(CountRefused, counts.submit, batch.id, actor_id=wh.counter.id)  # the recount is pending
    # the first counter may not recount it, by scan or by "bin empty"
    refused(
        FourEyes,
        counts.record,
        batch.id,
        wh.a1,
        wh.bolt,
        set_to=8,
        actor_id=wh.counter.id,
        match="a colleague must recount it",
    )
    refused(FourEyes, counts.bin_empty, batch.id, wh.a1, actor_id=wh.counter.id)
    assert line_of(batch.id, wh.bolt, wh.a1, L.PENDING).counted_qty is None
    sell(wh.bolt, wh.a1, 2)  # ledger 8 when the recount is made
    counts.record(batch.id, wh.a1, wh.bolt, set_to=7, actor_id=wh.counter2.id)
    counts.submit(batch.id, actor_id=wh.counter2.id)
    recounted = line_of(batch.id, wh.bolt, wh.a1, L.COUNTED)
    assert recounted.id == new.id and (recounted.ledger_qty_at_count, recounted.variance) == (8, -1)
    counts.accept(batch.id, [recounted.id], actor_id=wh.boss.id)
    assert counts.get(batch.id).status is S.RESOLVED
    assert on_hand(wh.bolt, wh.a1) == 7
    assert ledger.verify() == []


def test_last_counted_at_is_set_on_accepted_lines_only(wh, submitted):
    bolt, nut = line_of(submitted.id, wh.bolt, wh.a1), line_of(submitted.id, wh.nut, wh.a2)
    counts.accept(submitted.id, [bolt.id], actor_id=wh.boss.id)
    counts.reject(submitted.id, [nut.id], actor_id=wh.boss.id)
    assert last_counted(wh.bolt, wh.a1) == line_of(submitted.id, wh.bolt, wh.a1).counted_at
    assert last_counted(wh.nut, wh.a2) is None
    assert ledger.verify() == []


# --- tolerances and ABC -----------------------------------------------------------------


def test_within_tolerance_follows_each_lines_abc_class(wh):
    receive(wh.bolt, wh.a1, 110)
    sell(wh.bolt, wh.a1, 10)  # the only seller: class A, ledger 100
    receive(wh.nut, wh.a2, 100)  # class C
    receive(wh.nut, wh.b1, 100)
    receive(wh.pin, wh.b1, 50)
    batch = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id)
    counts.record(batch.id, wh.a1, wh.bolt, set_to=99, actor_id=wh.counter.id)  # A: -1 is too much
    counts.record(batch.id, wh.a2, wh.nut, set_to=98, actor_id=wh.counter.id)  # C: -2 = 2% of 100
    counts.record(batch.id, wh.b1, wh.nut, set_to=97, actor_id=wh.counter.id)  # C: -3 > 2%, > 1 unit
    counts.record(batch.id, wh.b1, wh.pin, set_to=51, actor_id=wh.counter.id)  # C: +1 unit
    batch = counts.get(batch.id)

    def within(tolerances=counts.DEFAULT_TOLERANCES):
        return sorted((l.bin.code, l.product.sku) for l in counts.within_tolerance(batch, tolerances))

    assert within() == [("A-01-02", "NUT-M8"), ("B-01-01", "PIN-3")]
    strict_c = {"A": Tolerance(1, Decimal(0)), "B": Tolerance(0, Decimal(0)), "C": Tolerance(0, Decimal(0))}
    assert within(strict_c) == [("A-01-01", "BOLT-M8")]
    loose_c = {**strict_c, "C": Tolerance(0, Decimal(3))}
    assert within(loose_c) == [
        ("A-01-01", "BOLT-M8"),
        ("A-01-02", "NUT-M8"),
        ("B-01-01", "NUT-M8"),
        ("B-01-01", "PIN-3"),
    ]
    counts.bin_empty(batch.id, wh.b1, actor_id=wh.counter.id)
    counts.submit(batch.id, actor_id=wh.counter.id)
    counts.accept(
        batch.id, [l.id for l in counts.within_tolerance(counts.get(batch.id))], actor_id=wh.boss.id
    )
    assert counts.within_tolerance(counts.get(batch.id)) == []  # only counted, unresolved lines
    assert ledger.verify() == []


def test_abc_classes_split_outbound_value_80_15_5(wh):
    extra = [make_product(f"SKU-{n}") for n in range(3)]
    bins = [wh.a1, wh.a2, wh.b1, wh.a1, wh.a2, wh.b1]
    products = [wh.bolt, wh.nut, wh.pin, *extra]
    wh.pin.unit_cost = Decimal(2)  # value counts units x cost: 5 units x 2 = 10
    db.session.commit()
    for product, bin, units in zip(products, bins, (50, 30, 5, 6, 4, 0)):
        receive(product, bin, 60)
        if units:
            sell(product, bin, units)
    receive(wh.glue, wh.a1, 9, lot=make_lot(wh.glue, "G"))
    # a big seller at another location does not count here
    receive(wh.nut, wh.north_bin, 1000)
    sell(wh.nut, wh.north_bin, 1000)
    receive(wh.bolt, wh.a2, 5)
    ledger.post(
        MovementType.ADJUSTMENT, [Line.at(wh.a2, wh.bolt, qty=-5)], actor_id=None, reason=ReasonCode.DAMAGED
    )  # not outbound
    now = utcnow() + timedelta(seconds=5)
    classes = abc.classify(now, location_id=wh.main.id)
    by_sku = {p.sku: classes[p.id] for p in [*products, wh.glue]}
    # values 50, 30, 10, 6, 4 of 100: A while the share before is under 80%, B under 95%
    assert by_sku == {
        "BOLT-M8": "A",
        "NUT-M8": "A",
        "PIN-3": "B",
        "SKU-0": "B",
        "SKU-1": "C",
        "SKU-2": "C",
        "GLUE-50": "C",
    }
    assert abc.outbound_value(now, wh.main.id)[wh.pin.id] == Decimal(10)
    assert abc.classify(now, location_id=wh.north.id)[wh.nut.id] == "A"
    # sales older than a year no longer count: everything is C
    assert set(abc.classify(now + timedelta(days=400), location_id=wh.main.id).values()) == {"C"}


def test_abc_due_today_picks_never_counted_and_overdue(wh):
    now = utcnow() + timedelta(seconds=5)
    for product, bin, sold in ((wh.bolt, wh.a1, 80), (wh.nut, wh.a2, 15), (wh.pin, wh.b1, 0)):
        receive(product, bin, 100)
        if sold:
            sell(product, bin, sold)
    glue_lot = make_lot(wh.glue, "G-1")
    receive(wh.glue, wh.b1, 3, lot=glue_lot)
    ledger.mark_counted(wh.bolt.id, wh.a1.id, NO_LOT, now - timedelta(days=40))  # A every 30: due
    ledger.mark_counted(wh.nut.id, wh.a2.id, NO_LOT, now - timedelta(days=40))  # B every 90: not due
    ledger.mark_counted(wh.glue.id, wh.b1.id, glue_lot.id, now - timedelta(days=400))  # C every 365: due
    db.session.commit()  # pin: never counted, due
    due = abc.due_today(now, location_id=wh.main.id)
    assert [(r.product.sku, r.abc) for r in due] == [("BOLT-M8", "A"), ("PIN-3", "C"), ("GLUE-50", "C")]
    assert due[1].last_counted_at is None
    ledger.mark_counted(wh.bolt.id, wh.a1.id, NO_LOT, now - timedelta(days=1))
    db.session.commit()
    assert "BOLT-M8" not in [r.product.sku for r in abc.due_today(now, location_id=wh.main.id)]


# --- concurrency ------------------------------------------------------------------------


def test_two_scanners_adding_to_one_line_lose_no_scan(app, wh):
    receive(wh.bolt, wh.a1, 30)
    batch_id = counts.create(wh.main.id, Selection(), actor_id=wh.boss.id).id
    bin_id, product_id = wh.a1.id, wh.bolt.id
    users = [wh.counter.id, wh.counter2.id]
    errors = []
    start = threading.Barrier(2)

    def worker(user_id):
        with app.app_context(), tenancy.acting_for(ORG_ID):  # each thread has its own session and connection
            bin, product = db.session.get(Bin, bin_id), db.session.get(Product, product_id)
            start.wait()
            for _ in range(10):
                try:
                    counts.record(batch_id, bin, product, add=1, actor_id=user_id)
                except Exception as unexpected:  # noqa: BLE001 - reported below
                    errors.append(repr(unexpected))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    db.session.rollback()  # end this thread's read snapshot before reading again
    assert errors == []
    batch = counts.get(batch_id)
    assert [(l.counted_qty, l.ledger_qty_at_count, l.status) for l in batch.lines] == [(20, 30, L.COUNTED)]
    assert batch.version >= 20
