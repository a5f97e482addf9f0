"""Transfers: the state machine as a truth table, every transition and refusal through the
service (a refusal writes nothing), reservations, picking, conservation of stock across a
transfer's whole life, and two people approving at once."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import ORG_ID
from tests.factories import Warehouse, make_location, make_lot, receive
from warehouse import ledger, transfers
from warehouse.availability.models import Hold
from warehouse.catalog.models import Bin, Location, LocationType, Lot, Product
from warehouse.core import tenancy
from warehouse.core.errors import (
    DomainError,
    InsufficientStock,
    InvalidPosting,
    PickRefused,
    TransferWrongState,
)
from warehouse.core.extensions import db
from warehouse.counts.models import CountRequest
from warehouse.inbound.models import PutawayTask
from warehouse.ledger.models import Balance, Movement, MovementType, Posting
from warehouse.transfers.models import (
    ReceiveReason,
    ShortReason,
    Transfer,
    TransferAllocation,
    TransferLine,
    TransferPick,
    TransferStatus,
)

S = TransferStatus


# --- helpers ----------------------------------------------------------------------------


@dataclass
class Floor:
    """The factories' warehouse plus a transit location, with the bins named."""

    site: Warehouse
    transit: Location

    @property
    def main(self) -> Location:
        return self.site.main

    @property
    def north(self) -> Location:
        return self.site.north

    @property
    def bolt(self) -> Product:
        return self.site.bolt

    @property
    def nut(self) -> Product:
        return self.site.nut

    @property
    def glue(self) -> Product:
        return self.site.glue

    @property
    def a1(self) -> Bin:
        return self.site.bin(self.main, "A-01-01")

    @property
    def a2(self) -> Bin:
        return self.site.bin(self.main, "A-01-02")

    @property
    def dock(self) -> Bin:
        return self.site.bin(self.main, "RCV-01")

    @property
    def north_storage(self) -> Bin:
        return self.site.bin(self.north, "S-01-01")


@pytest.fixture
def floor(site):
    return Floor(site, make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",)))


def snapshot():
    """Everything a transfer step may write: the ledger and the transfer's own rows."""

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
        ),
        transfers=rows(
            Transfer.id,
            Transfer.status,
            Transfer.version,
            Transfer.approved_at,
            Transfer.shipped_at,
            Transfer.received_at,
            Transfer.completed_at,
            Transfer.cancelled_at,
        ),
        lines=rows(
            TransferLine.id,
            TransferLine.transfer_id,
            TransferLine.product_id,
            TransferLine.lot_id,
            TransferLine.qty_requested,
            TransferLine.qty_picked,
            TransferLine.short_picked,
            TransferLine.short_reason,
            TransferLine.qty_received,
            TransferLine.qty_damaged,
            TransferLine.receive_reason,
            TransferLine.qty_missing,
            TransferLine.qty_found,
            TransferLine.qty_lost,
        ),
        holds=rows(Hold.id, Hold.product_id, Hold.bin_id, Hold.lot_id, Hold.qty_open, Hold.status),
        allocations=rows(
            TransferAllocation.id,
            TransferAllocation.line_id,
            TransferAllocation.bin_id,
            TransferAllocation.lot_id,
            TransferAllocation.qty,
        ),
        picks=rows(
            TransferPick.id,
            TransferPick.line_id,
            TransferPick.bin_id,
            TransferPick.lot_id,
            TransferPick.qty,
        ),
        count_requests=rows(CountRequest.id, CountRequest.bin_id, CountRequest.product_id),
        putaway_tasks=rows(PutawayTask.id, PutawayTask.product_id, PutawayTask.lot_id, PutawayTask.qty),
    )


def refused(error, step, *args, match=None, **kwargs):
    """Run a step that must be refused; prove it wrote nothing; return the error."""
    before = snapshot()
    with pytest.raises(error, match=match) as caught:
        step(*args, **kwargs)
    db.session.rollback()
    assert snapshot() == before
    return caught.value


def totals(product: Product, location: Location) -> tuple[int, int]:
    """(on_hand, reserved) of a product over every bin and lot of a location."""
    rows = db.session.execute(
        select(Balance.on_hand, Balance.reserved).where(
            Balance.product_id == product.id, Balance.location_id == location.id
        )
    ).all()
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def bin_balances(location: Location) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    """{(sku, bin code, lot code): (on_hand, reserved, held)} for one location."""
    rows = db.session.execute(
        select(Product.sku, Bin.code, Lot.code, Balance.on_hand, Balance.reserved, Balance.held)
        .join(Product, Product.id == Balance.product_id)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.location_id == location.id)
    )
    return {(sku, bin, lot): (o, r, h) for sku, bin, lot, o, r, h in rows if (o, r, h) != (0, 0, 0)}


def allocations(line: TransferLine) -> list[tuple[str, str, int]]:
    return [(a.bin.code, a.lot.code, a.qty) for a in line.allocations]


def reserve_postings() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Posting).where(Posting.type == MovementType.RESERVE)
    )


def draft(floor: Floor, *lines) -> Transfer:
    """A draft from main to north with (product, qty[, lot code]) lines."""
    transfer = transfers.create(floor.main.id, floor.north.id, actor_id=None)
    for product, qty, *lot in lines:
        transfers.add_line(transfer.id, product, qty, lot_code=lot[0] if lot else "")
    return transfers.get(transfer.id)


def approved(floor: Floor, *lines) -> Transfer:
    transfer = draft(floor, *lines)
    transfers.approve(transfer.id, actor_id=None)
    return transfers.get(transfer.id)


def pick_as_allocated(transfer: Transfer) -> None:
    """Pick every line exactly where approval reserved it."""
    for line in transfers.get(transfer.id).lines:
        for allocation in line.allocations:
            transfers.pick(
                transfer.id,
                allocation.bin,
                line.product,
                allocation.qty,
                actor_id=None,
                lot_code=allocation.lot.code or None,
            )


# --- the state machine ------------------------------------------------------------------

ALLOWED = {
    (S.DRAFT, S.APPROVED),
    (S.DRAFT, S.CANCELLED),
    (S.APPROVED, S.IN_TRANSIT),
    (S.APPROVED, S.CANCELLED),
    (S.IN_TRANSIT, S.RECEIVED),
    (S.RECEIVED, S.COMPLETED),
}


@pytest.mark.parametrize("current, target", list(itertools.product(S, S)), ids=lambda s: s.value)
def test_the_state_machine_allows_exactly_the_listed_moves(current, target):
    assert transfers.can_move(current, target) is ((current, target) in ALLOWED)


def test_the_truth_table_covers_every_status():
    assert set(transfers.TRANSITIONS) == set(S)
    assert len(list(itertools.product(S, S))) == 36


def in_state(floor: Floor, status: TransferStatus) -> Transfer:
    """A transfer of 3 bolts brought to `status` through the service. Approved ones are
    picked in full and in-transit ones counted in full, so every allowed next step works."""
    receive(floor.bolt, floor.a1, 10)
    transfer = draft(floor, (floor.bolt, 3))
    if status is S.DRAFT:
        return transfer
    transfers.approve(transfer.id, actor_id=None)
    pick_as_allocated(transfer)
    if status is S.CANCELLED:
        transfers.cancel(transfer.id, actor_id=None)
    if status in (S.APPROVED, S.CANCELLED):
        return transfers.get(transfer.id)
    transfers.ship(transfer.id, actor_id=None)
    transfers.count_received(transfer.id, floor.bolt, 3, actor_id=None)
    if status is S.IN_TRANSIT:
        return transfers.get(transfer.id)
    transfers.finish_receiving(transfer.id, actor_id=None)
    if status is S.COMPLETED:
        transfers.complete(transfer.id, actor_id=None)
    return transfers.get(transfer.id)


ACTIONS = {  # the service step that moves a transfer to each target
    S.APPROVED: transfers.approve,
    S.IN_TRANSIT: transfers.ship,
    S.RECEIVED: transfers.finish_receiving,
    S.COMPLETED: transfers.complete,
    S.CANCELLED: transfers.cancel,
}


@pytest.mark.parametrize("current, target", list(itertools.product(S, ACTIONS)), ids=lambda s: s.value)
def test_every_service_step_moves_exactly_as_the_table_says_and_a_refusal_writes_nothing(
    floor, current, target
):
    transfer = in_state(floor, current)
    assert transfer.status is current
    step = ACTIONS[target]

    if (current, target) in ALLOWED:
        step(transfer.id, actor_id=None)
        assert transfers.get(transfer.id).status is target
    else:
        error = refused(TransferWrongState, step, transfer.id, actor_id=None)
        assert transfer.number in error.message
        assert transfers.get(transfer.id).status is current
    assert ledger.verify() == []


# --- approve ----------------------------------------------------------------------------


def test_approving_more_than_the_source_has_is_refused_naming_sku_location_and_numbers(floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    receive(floor.bolt, floor.dock, 50)  # still arriving: not promised to anyone
    transfer = draft(floor, (floor.bolt, 20))

    refused(
        InsufficientStock,
        transfers.approve,
        transfer.id,
        actor_id=None,
        match=r"^Not enough BOLT-M8 at warehouse-main: available 14, requested 20\. ",
    )
    assert transfers.get(transfer.id).status is S.DRAFT


def test_approving_a_transfer_with_no_lines_is_refused(floor):
    transfer = transfers.create(floor.main.id, floor.north.id, actor_id=None)
    refused(InvalidPosting, transfers.approve, transfer.id, actor_id=None, match="has no lines")
    assert transfers.get(transfer.id).status is S.DRAFT


def test_approving_twice_is_refused_and_reserves_once(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 4))
    refused(TransferWrongState, transfers.approve, transfer.id, actor_id=None, match="cannot be approved now")
    assert reserve_postings() == 1
    assert totals(floor.bolt, floor.main) == (10, 4)


def test_lines_cannot_be_added_changed_or_removed_after_approval(floor):
    receive(floor.bolt, floor.a1, 10)
    receive(floor.nut, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 4))
    line = transfer.lines[0]
    refused(
        TransferWrongState, transfers.add_line, transfer.id, floor.nut, 1, match="only drafts can be edited"
    )
    refused(
        TransferWrongState, transfers.change_line, transfer.id, line.id, 2, match="only drafts can be edited"
    )
    refused(
        TransferWrongState, transfers.change_line, transfer.id, line.id, 0, match="only drafts can be edited"
    )


def test_a_draft_line_can_be_changed_and_removed(floor):
    transfer = draft(floor, (floor.bolt, 4), (floor.nut, 2))
    bolt_line, nut_line = transfer.lines
    transfers.change_line(transfer.id, bolt_line.id, 7)
    transfers.change_line(transfer.id, nut_line.id, 0)
    assert [(l.product.sku, l.qty_requested) for l in transfers.get(transfer.id).lines] == [("BOLT-M8", 7)]


def test_approve_reserves_exactly_the_requested_quantity_from_the_bins_with_most_available_first(floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    receive(floor.bolt, floor.dock, 50)
    transfer = approved(floor, (floor.bolt, 12))

    assert allocations(transfer.lines[0]) == [("A-01-02", "", 10), ("A-01-01", "", 2)]
    assert bin_balances(floor.main) == {
        ("BOLT-M8", "A-01-01", ""): (4, 2, 0),
        ("BOLT-M8", "A-01-02", ""): (10, 10, 0),
        ("BOLT-M8", "RCV-01", ""): (50, 0, 0),  # receiving bins are never allocated
    }
    assert reserve_postings() == 1
    assert ledger.verify() == []


def test_approve_reserves_expiring_lots_first_expiry_first_out_whatever_the_quantities(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    undated = make_lot(floor.glue, "UNDATED")
    receive(floor.glue, floor.a1, 20, lot=late)
    receive(floor.glue, floor.a2, 3, lot=early)
    receive(floor.glue, floor.a2, 20, lot=undated)
    receive(floor.glue, floor.dock, 5, lot=make_lot(floor.glue, "DOCK", date(2026, 1, 1)))

    transfer = approved(floor, (floor.glue, 25))

    assert allocations(transfer.lines[0]) == [
        ("A-01-02", "EARLY", 3),
        ("A-01-01", "LATE", 20),
        ("A-01-02", "UNDATED", 2),
    ]
    assert totals(floor.glue, floor.main) == (48, 25)
    assert ledger.verify() == []


def test_a_line_asking_for_a_lot_is_reserved_from_that_lot_only(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.glue, floor.a1, 5, lot=early)
    receive(floor.glue, floor.a2, 5, lot=late)

    transfer = approved(floor, (floor.glue, 4, "LATE"))
    assert allocations(transfer.lines[0]) == [("A-01-02", "LATE", 4)]

    other = draft(floor, (floor.glue, 2, "LATE"))
    refused(
        InsufficientStock,
        transfers.approve,
        other.id,
        actor_id=None,
        match="Not enough GLUE-50 at warehouse-main: available 1, requested 2",
    )


def test_two_lines_of_one_product_never_reserve_the_same_units_twice(floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    transfer = approved(floor, (floor.bolt, 7), (floor.bolt, 7))

    first, second = transfer.lines
    assert allocations(first) == [("A-01-02", "", 7)]
    assert allocations(second) == [("A-01-02", "", 3), ("A-01-01", "", 4)]
    assert bin_balances(floor.main) == {
        ("BOLT-M8", "A-01-01", ""): (4, 4, 0),
        ("BOLT-M8", "A-01-02", ""): (10, 10, 0),
    }
    assert ledger.verify() == []


def test_two_lines_of_one_product_wanting_more_than_there_is_are_refused_whole(floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    transfer = draft(floor, (floor.bolt, 8), (floor.bolt, 7))
    refused(
        InsufficientStock,
        transfers.approve,
        transfer.id,
        actor_id=None,
        match="Not enough BOLT-M8 at warehouse-main: available 6, requested 7",
    )


def test_approve_leaves_units_reserved_by_another_transfer_alone(floor):
    receive(floor.bolt, floor.a1, 10)
    approved(floor, (floor.bolt, 8))
    second = draft(floor, (floor.bolt, 3))
    refused(InsufficientStock, transfers.approve, second.id, actor_id=None, match="available 2, requested 3")
    third = approved(floor, (floor.bolt, 2))
    assert allocations(third.lines[0]) == [("A-01-01", "", 2)]
    assert ledger.balance(floor.bolt.id, floor.a1.id) == (10, 10, 0)


# --- cancel -----------------------------------------------------------------------------


def test_cancelling_an_approved_transfer_releases_every_reservation(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    receive(floor.glue, floor.a1, 6, lot=early)
    transfer = draft(floor, (floor.bolt, 12), (floor.glue, 5))
    before_approve = bin_balances(floor.main)

    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, floor.a2, floor.bolt, 3, actor_id=None)  # picked, not shipped
    assert totals(floor.bolt, floor.main) == (14, 12)
    transfers.cancel(transfer.id, actor_id=None)

    assert bin_balances(floor.main) == before_approve
    assert transfers.get(transfer.id).status is S.CANCELLED
    assert (
        db.session.scalar(select(Posting.type).order_by(Posting.id.desc()).limit(1)) is MovementType.RELEASE
    )
    assert ledger.verify() == []


def test_cancelling_a_draft_posts_nothing(floor):
    receive(floor.bolt, floor.a1, 4)
    transfer = draft(floor, (floor.bolt, 2))
    before = snapshot()["postings"]
    transfers.cancel(transfer.id, actor_id=None)
    assert snapshot()["postings"] == before
    assert transfers.get(transfer.id).cancelled_at is not None


def test_cancelling_after_shipping_is_refused(floor):
    transfer = in_state(floor, S.IN_TRANSIT)
    refused(
        TransferWrongState,
        transfers.cancel,
        transfer.id,
        actor_id=None,
        match="in transit: it cannot be cancelled",
    )


# --- pick -------------------------------------------------------------------------------


def test_picking_an_item_not_on_the_transfer_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    receive(floor.nut, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 4))
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.nut,
        1,
        actor_id=None,
        match="NUT-M8 is not on TR-",
    )


def test_picking_a_lot_other_than_the_one_the_line_asks_for_is_refused(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.glue, floor.a1, 5, lot=early)
    receive(floor.glue, floor.a1, 5, lot=late)
    transfer = approved(floor, (floor.glue, 2, "LATE"))
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.glue,
        1,
        actor_id=None,
        lot_code="EARLY",
        match=f"Wrong lot: {transfer.number} asks for lot LATE",
    )
    transfers.pick(transfer.id, floor.a1, floor.glue, 2, actor_id=None, lot_code="LATE")
    assert transfers.get(transfer.id).lines[0].qty_picked == 2


def test_picking_more_than_the_line_still_needs_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5))
    transfers.pick(transfer.id, floor.a1, floor.bolt, 3, actor_id=None)
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.bolt,
        3,
        actor_id=None,
        match="Over-pick: only 2 of BOLT-M8 left to pick",
    )


def test_picking_from_a_bin_of_another_location_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    receive(floor.bolt, floor.north_storage, 10)
    transfer = approved(floor, (floor.bolt, 5))
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.north_storage,
        floor.bolt,
        1,
        actor_id=None,
        match="S-01-01 is not at warehouse-main",
    )


def test_picking_units_reserved_for_another_transfer_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    receive(floor.bolt, floor.a2, 5)
    first = approved(floor, (floor.bolt, 8))  # A-01-01: 8 of 10
    second = approved(floor, (floor.bolt, 6))  # A-01-02: 5, A-01-01: 1
    assert allocations(first.lines[0]) == [("A-01-01", "", 8)]
    assert allocations(second.lines[0]) == [("A-01-02", "", 5), ("A-01-01", "", 1)]

    # A-01-01 can give the second transfer its own 1 plus the 1 nobody reserved: 2, not 3.
    refused(
        PickRefused,
        transfers.pick,
        second.id,
        floor.a1,
        floor.bolt,
        3,
        actor_id=None,
        match="Only 2 of BOLT-M8 can be picked from A-01-01 for this transfer",
    )
    transfers.pick(second.id, floor.a1, floor.bolt, 2, actor_id=None)
    refused(
        PickRefused,
        transfers.pick,
        second.id,
        floor.a1,
        floor.bolt,
        1,
        actor_id=None,
        match="Only 0 of BOLT-M8 can be picked from A-01-01",
    )
    # the first transfer still gets all it reserved
    transfers.pick(first.id, floor.a1, floor.bolt, 8, actor_id=None)


def test_a_lot_tracked_item_from_a_bin_with_two_lots_needs_its_lot_code(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.glue, floor.a1, 3, lot=early)
    receive(floor.glue, floor.a1, 3, lot=late)
    transfer = approved(floor, (floor.glue, 4))
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.glue,
        1,
        actor_id=None,
        match="A-01-01 holds 2 lots of GLUE-50: scan the item's GS1 label so the lot is known",
    )
    picked = transfers.pick(transfer.id, floor.a1, floor.glue, 1, actor_id=None, lot_code="EARLY")
    assert picked.pick.lot_id == early.id


def test_a_lot_tracked_item_from_a_bin_with_one_lot_takes_that_lot(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    receive(floor.glue, floor.a1, 3, lot=early)
    transfer = approved(floor, (floor.glue, 2))
    picked = transfers.pick(transfer.id, floor.a1, floor.glue, 2, actor_id=None)
    assert picked.pick.lot_id == early.id


def test_picking_an_unknown_lot_is_refused(floor):
    receive(floor.glue, floor.a1, 3, lot=make_lot(floor.glue, "EARLY", date(2027, 1, 31)))
    transfer = approved(floor, (floor.glue, 2))
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.glue,
        1,
        actor_id=None,
        lot_code="NOPE",
        match="No lot NOPE of GLUE-50",
    )


def test_picking_a_draft_or_a_shipped_transfer_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = draft(floor, (floor.bolt, 2))
    refused(
        TransferWrongState,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.bolt,
        1,
        actor_id=None,
        match="only approved transfers are picked",
    )
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, floor.a1, floor.bolt, 2, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)
    refused(TransferWrongState, transfers.pick, transfer.id, floor.a1, floor.bolt, 1, actor_id=None)


def test_a_replayed_pick_scan_records_once(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5))

    first = transfers.pick(transfer.id, floor.a1, floor.bolt, 2, actor_id=None, key="scan-1")
    before = snapshot()
    again = transfers.pick(transfer.id, floor.a1, floor.bolt, 2, actor_id=None, key="scan-1")

    assert (again.replayed, again.pick.id) == (True, first.pick.id)
    assert snapshot() == before
    assert transfers.get(transfer.id).lines[0].qty_picked == 2


def test_a_replay_of_the_scan_that_completed_the_line_is_a_replay_not_a_refusal(floor):
    """The answer to the last pick of a line was lost (Wi-Fi) and the scanner retries."""
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5))
    first = transfers.pick(transfer.id, floor.a1, floor.bolt, 5, actor_id=None, key="scan-last")
    before = snapshot()

    again = transfers.pick(transfer.id, floor.a1, floor.bolt, 5, actor_id=None, key="scan-last")

    assert (again.replayed, again.pick.id) == (True, first.pick.id)
    assert snapshot() == before


def test_a_replay_of_a_scan_never_counts_again_on_the_next_line_of_the_same_product(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5), (floor.bolt, 5))
    first = transfers.pick(transfer.id, floor.a1, floor.bolt, 5, actor_id=None, key="scan-1")
    before = snapshot()

    again = transfers.pick(transfer.id, floor.a1, floor.bolt, 5, actor_id=None, key="scan-1")

    assert (again.replayed, again.pick.id) == (True, first.pick.id)
    assert snapshot() == before
    assert [l.qty_picked for l in transfers.get(transfer.id).lines] == [5, 0]


# --- short pick -------------------------------------------------------------------------


def test_a_short_pick_closes_the_line_with_a_reason_and_asks_to_count_each_allocated_bin(floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    transfer = approved(floor, (floor.bolt, 12))
    line = transfer.lines[0]
    transfers.pick(transfer.id, floor.a2, floor.bolt, 9, actor_id=None)

    transfers.short_pick(transfer.id, line.id, ShortReason.NOT_FOUND, actor_id=None)

    line = transfers.get(transfer.id).lines[0]
    assert (line.short_picked, line.short_reason, line.qty_picked) == (True, ShortReason.NOT_FOUND, 9)
    requests = db.session.scalars(select(CountRequest).order_by(CountRequest.id)).all()
    assert sorted((r.bin.code, r.product.sku, r.reference_id) for r in requests) == [
        ("A-01-01", "BOLT-M8", transfer.number),
        ("A-01-02", "BOLT-M8", transfer.number),
    ]
    assert all(r.reason == "short pick (not_found)" for r in requests)
    # a short line is closed: no more picks on it, and the transfer can ship
    refused(
        PickRefused,
        transfers.pick,
        transfer.id,
        floor.a1,
        floor.bolt,
        1,
        actor_id=None,
        match="already picked in full",
    )


def test_a_short_pick_asks_for_one_count_per_bin_even_when_two_lots_were_allocated_there(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.glue, floor.a1, 3, lot=early)
    receive(floor.glue, floor.a1, 3, lot=late)
    transfer = approved(floor, (floor.glue, 5))
    assert allocations(transfer.lines[0]) == [("A-01-01", "EARLY", 3), ("A-01-01", "LATE", 2)]

    transfers.short_pick(transfer.id, transfer.lines[0].id, ShortReason.NOT_FOUND, actor_id=None)

    assert [r.bin.code for r in db.session.scalars(select(CountRequest))] == ["A-01-01"]


def test_short_picking_a_line_twice_asks_for_the_counts_once(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5))
    line_id = transfer.lines[0].id
    transfers.short_pick(transfer.id, line_id, ShortReason.NOT_FOUND, actor_id=None)
    before = snapshot()["count_requests"]
    try:  # a double tap may be refused or ignored, but must not queue a second count
        transfers.short_pick(transfer.id, line_id, ShortReason.NOT_FOUND, actor_id=None)
    except DomainError:
        db.session.rollback()
    assert snapshot()["count_requests"] == before


def test_short_picking_a_line_picked_in_full_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 5))
    transfers.pick(transfer.id, floor.a1, floor.bolt, 5, actor_id=None)
    refused(
        PickRefused,
        transfers.short_pick,
        transfer.id,
        transfer.lines[0].id,
        ShortReason.NOT_FOUND,
        actor_id=None,
        match="picked in full: nothing is short",
    )


def test_short_picking_outside_picking_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = draft(floor, (floor.bolt, 5))
    refused(
        TransferWrongState,
        transfers.short_pick,
        transfer.id,
        transfer.lines[0].id,
        ShortReason.NOT_FOUND,
        actor_id=None,
        match="not being picked",
    )


# --- ship -------------------------------------------------------------------------------


def test_shipping_moves_picked_units_into_transit_and_releases_every_reservation(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    receive(floor.glue, floor.a1, 5, lot=late)
    receive(floor.glue, floor.a2, 5, lot=early)
    transfer = approved(floor, (floor.bolt, 12), (floor.glue, 6))
    bolt_line = transfer.lines[0]
    transfers.pick(transfer.id, floor.a2, floor.bolt, 10, actor_id=None)
    transfers.pick(transfer.id, floor.a2, floor.glue, 5, actor_id=None, lot_code="EARLY")
    transfers.pick(transfer.id, floor.a1, floor.glue, 1, actor_id=None, lot_code="LATE")
    transfers.short_pick(transfer.id, bolt_line.id, ShortReason.NOT_FOUND, actor_id=None)

    posted = transfers.ship(transfer.id, actor_id=None)

    assert bin_balances(floor.main) == {
        ("BOLT-M8", "A-01-01", ""): (4, 0, 0),  # the short line's 2 are released too
        ("GLUE-50", "A-01-01", "LATE"): (4, 0, 0),
    }
    assert bin_balances(floor.transit) == {
        ("BOLT-M8", "TRANSIT", ""): (10, 0, 0),
        ("GLUE-50", "TRANSIT", "EARLY"): (5, 0, 0),
        ("GLUE-50", "TRANSIT", "LATE"): (1, 0, 0),
    }
    assert db.session.get(Posting, posted.posting_id).type is MovementType.TRANSFER_OUT
    shipped = transfers.get(transfer.id)
    assert shipped.status is S.IN_TRANSIT and shipped.shipped_at is not None
    assert [l.qty_shipped for l in shipped.lines] == [10, 6]
    assert ledger.verify() == []


def test_shipping_twice_is_refused(floor):
    transfer = in_state(floor, S.IN_TRANSIT)
    refused(TransferWrongState, transfers.ship, transfer.id, actor_id=None, match="cannot be shipped now")
    assert (
        db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.type == MovementType.TRANSFER_OUT)
        )
        == 1
    )


def test_shipping_with_lines_left_to_pick_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    receive(floor.nut, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 4), (floor.nut, 3))
    transfers.pick(transfer.id, floor.a1, floor.bolt, 4, actor_id=None)
    transfers.pick(transfer.id, floor.a1, floor.nut, 1, actor_id=None)
    refused(PickRefused, transfers.ship, transfer.id, actor_id=None, match="^Still to pick: NUT-M8\\.")


def test_shipping_with_nothing_picked_is_refused(floor):
    receive(floor.bolt, floor.a1, 10)
    transfer = approved(floor, (floor.bolt, 4))
    transfers.short_pick(transfer.id, transfer.lines[0].id, ShortReason.NOT_FOUND, actor_id=None)
    refused(PickRefused, transfers.ship, transfer.id, actor_id=None, match="Nothing was picked")
    assert transfers.get(transfer.id).status is S.APPROVED


def test_shipping_without_a_transit_location_is_refused(site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(transfer.id, site.bolt, 2)
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, site.bin(site.main, "A-01-01"), site.bolt, 2, actor_id=None)
    refused(InvalidPosting, transfers.ship, transfer.id, actor_id=None, match="no transit location")


# --- receive and complete ---------------------------------------------------------------


@pytest.mark.parametrize("status", [S.DRAFT, S.APPROVED])
def test_receiving_before_shipping_is_refused(floor, status):
    transfer = in_state(floor, status)
    line_id = transfer.lines[0].id
    refused(
        TransferWrongState,
        transfers.count_received,
        transfer.id,
        floor.bolt,
        1,
        actor_id=None,
        match="only transfers in transit are received",
    )
    refused(
        TransferWrongState,
        transfers.set_received,
        transfer.id,
        line_id,
        received=1,
        damaged=0,
        reason=ReceiveReason.OTHER,
        match="only transfers in transit are received",
    )
    refused(
        TransferWrongState,
        transfers.finish_receiving,
        transfer.id,
        actor_id=None,
        match="cannot be received now",
    )


def test_receiving_an_item_that_was_not_shipped_is_refused(floor):
    transfer = in_state(floor, S.IN_TRANSIT)
    refused(
        PickRefused,
        transfers.count_received,
        transfer.id,
        floor.nut,
        1,
        actor_id=None,
        match="NUT-M8 is not on",
    )


def test_completing_before_receiving_is_refused(floor):
    transfer = in_state(floor, S.IN_TRANSIT)
    refused(
        TransferWrongState, transfers.complete, transfer.id, actor_id=None, match="cannot be completed now"
    )


@pytest.mark.parametrize(
    "received, damaged, reason",
    [
        (2, 0, ReceiveReason.SHORT_SHIPPED),  # short
        (4, 0, ReceiveReason.OVER_SHIPPED),  # over
        (3, 1, ReceiveReason.DAMAGED_IN_TRANSIT),  # damaged
    ],
    ids=["short", "over", "damaged"],
)
def test_finishing_with_an_unexplained_difference_is_refused_then_allowed_with_a_reason(
    floor, received, damaged, reason
):
    transfer = in_state(floor, S.IN_TRANSIT)  # 3 bolts shipped and counted
    line_id = transfer.lines[0].id
    transfers.set_received(transfer.id, line_id, received=received, damaged=damaged, reason=None)

    refused(
        InvalidPosting,
        transfers.finish_receiving,
        transfer.id,
        actor_id=None,
        match="Say why BOLT-M8 differ from what was shipped",
    )
    assert transfers.get(transfer.id).status is S.IN_TRANSIT

    transfers.set_received(transfer.id, line_id, received=received, damaged=damaged, reason=reason)
    transfers.finish_receiving(transfer.id, actor_id=None)

    assert transfers.get(transfer.id).status is S.RECEIVED
    missing = max(3 - received, 0)
    assert totals(floor.bolt, floor.transit) == (missing, 0)  # short units stay, missing
    assert totals(floor.bolt, floor.north) == (received, 0)  # damaged ones arrive too, held
    assert bin_balances(floor.north) == {("BOLT-M8", "RCV-01", ""): (received, 0, damaged)}
    assert transfers.get(transfer.id).lines[0].qty_missing == missing
    assert ledger.verify() == []


def test_damaged_cannot_exceed_received(floor):
    transfer = in_state(floor, S.IN_TRANSIT)
    refused(
        InvalidPosting,
        transfers.set_received,
        transfer.id,
        transfer.lines[0].id,
        received=2,
        damaged=3,
        reason=ReceiveReason.DAMAGED_IN_TRANSIT,
        match="Damaged must be between",
    )


def test_finishing_twice_is_refused_and_posts_once(floor):
    transfer = in_state(floor, S.RECEIVED)
    refused(
        TransferWrongState,
        transfers.finish_receiving,
        transfer.id,
        actor_id=None,
        match="cannot be received now",
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(Posting).where(Posting.type == MovementType.TRANSFER_IN)
        )
        == 1
    )


# --- conservation -----------------------------------------------------------------------


def test_stock_is_conserved_across_the_whole_life_with_short_over_and_damaged_lines(floor):
    early = make_lot(floor.glue, "EARLY", date(2027, 1, 31))
    late = make_lot(floor.glue, "LATE", date(2028, 1, 31))
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    receive(floor.nut, floor.a1, 8)
    receive(floor.glue, floor.a1, 5, lot=late)
    receive(floor.glue, floor.a2, 3, lot=early)
    products = (floor.bolt, floor.nut, floor.glue)

    def where_it_is():
        return {
            p.sku: (totals(p, floor.main)[0], totals(p, floor.transit)[0], totals(p, floor.north)[0])
            for p in products
        }

    start = where_it_is()
    transfer = draft(floor, (floor.bolt, 10), (floor.nut, 5), (floor.glue, 4))
    assert ledger.verify() == []

    transfers.approve(transfer.id, actor_id=None)
    assert where_it_is() == start
    assert [totals(p, floor.main)[1] for p in products] == [10, 5, 4]
    assert ledger.verify() == []

    bolt_line, nut_line, glue_line = transfers.get(transfer.id).lines
    transfers.pick(transfer.id, floor.a2, floor.bolt, 8, actor_id=None)
    transfers.short_pick(transfer.id, bolt_line.id, ShortReason.NOT_FOUND, actor_id=None)  # 2 short
    transfers.pick(transfer.id, floor.a1, floor.nut, 5, actor_id=None)
    transfers.pick(transfer.id, floor.a2, floor.glue, 3, actor_id=None, lot_code="EARLY")
    transfers.pick(transfer.id, floor.a1, floor.glue, 1, actor_id=None, lot_code="LATE")
    assert where_it_is() == start  # picking moves no stock
    assert ledger.verify() == []

    transfers.ship(transfer.id, actor_id=None)
    shipped = where_it_is()
    picked = {"BOLT-M8": 8, "NUT-M8": 5, "GLUE-50": 4}
    for sku, qty in picked.items():
        source_loss = start[sku][0] - shipped[sku][0]
        transit_gain = shipped[sku][1] - start[sku][1]
        assert source_loss == transit_gain == qty, sku
    assert [totals(p, floor.main)[1] for p in products] == [0, 0, 0]
    assert ledger.verify() == []

    transfers.count_received(transfer.id, floor.bolt, 7, actor_id=None)  # 1 short in transit
    transfers.count_received(transfer.id, floor.nut, 6, actor_id=None)  # 1 over
    transfers.count_received(transfer.id, floor.glue, 4, actor_id=None)  # 1 of them damaged
    transfers.set_received(
        transfer.id, bolt_line.id, received=7, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.set_received(transfer.id, nut_line.id, received=6, damaged=0, reason=ReceiveReason.OVER_SHIPPED)
    transfers.set_received(
        transfer.id, glue_line.id, received=4, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT
    )
    assert where_it_is() == shipped  # counting moves no stock
    transfers.finish_receiving(transfer.id, actor_id=None)
    received = where_it_is()
    assert ledger.verify() == []

    lines = {l.product.sku: l for l in transfers.get(transfer.id).lines}
    for sku in picked:
        line = lines[sku]
        shortage = max(line.qty_picked - line.qty_received, 0)
        over = max(line.qty_received - line.qty_picked, 0)
        source_loss = start[sku][0] - received[sku][0]
        transit_gain = shipped[sku][1] - start[sku][1]
        destination_gain = received[sku][2] - start[sku][2]
        # every shipped unit is somewhere: at the destination (good or held) or still in transit
        assert source_loss == transit_gain == destination_gain + shortage - over, sku
        assert received[sku][1] == shortage == line.qty_missing, f"{sku} in transit"
    assert {sku: received[sku][2] for sku in picked} == {"BOLT-M8": 7, "NUT-M8": 6, "GLUE-50": 4}

    tasks = db.session.scalars(select(PutawayTask).where(PutawayTask.location_id == floor.north.id)).all()
    good = {}
    for task in tasks:
        assert task.from_bin.code == "RCV-01"
        good[task.product.sku] = good.get(task.product.sku, 0) + task.qty
    assert good == {"BOLT-M8": 7, "NUT-M8": 6, "GLUE-50": 3}  # no task for the held unit
    assert sorted((t.lot.code, t.qty) for t in tasks if t.product_id == floor.glue.id) == [("EARLY", 3)]
    assert bin_balances(floor.north) == {
        ("BOLT-M8", "RCV-01", ""): (7, 0, 0),
        ("NUT-M8", "RCV-01", ""): (6, 0, 0),
        ("GLUE-50", "RCV-01", "EARLY"): (3, 0, 0),
        ("GLUE-50", "RCV-01", "LATE"): (1, 0, 1),  # the damaged unit, on hold
    }
    assert bin_balances(floor.transit) == {("BOLT-M8", "TRANSIT", ""): (1, 0, 0)}  # missing

    refused(TransferWrongState, transfers.complete, transfer.id, actor_id=None, match="1 × BOLT-M8")
    done = transfers.resolve_missing(transfer.id, bolt_line.id, "lost", 1, actor_id=None)
    assert done.completed and done.still_missing == 0
    assert transfers.get(transfer.id).status is S.COMPLETED
    assert bin_balances(floor.transit) == {}
    assert ledger.verify() == []


# --- concurrency ------------------------------------------------------------------------


def race(app, n, work):
    """Run `work(i)` in n threads started together; return their outcomes and errors."""
    outcomes, errors = [], []
    start = threading.Barrier(n)

    def worker(i):
        with app.app_context(), tenancy.acting_for(ORG_ID):  # each thread has its own session and connection
            start.wait()
            try:
                work(i)
                outcomes.append("approved")
            except TransferWrongState:
                outcomes.append("wrong_state")
            except InsufficientStock:
                outcomes.append("insufficient")
            except Exception as unexpected:  # noqa: BLE001 - reported below
                errors.append(repr(unexpected))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end this thread's read snapshot (SQLite WAL) before reading again
    return sorted(outcomes), errors


def test_approving_one_draft_from_several_screens_at_once_reserves_once(app, floor):
    receive(floor.bolt, floor.a1, 4)
    receive(floor.bolt, floor.a2, 10)
    transfer = draft(floor, (floor.bolt, 12))

    outcomes, errors = race(app, 4, lambda _i: transfers.approve(transfer.id, actor_id=None))

    assert errors == []
    assert outcomes == ["approved", "wrong_state", "wrong_state", "wrong_state"]
    assert reserve_postings() == 1
    assert allocations(transfers.get(transfer.id).lines[0]) == [("A-01-02", "", 10), ("A-01-01", "", 2)]
    assert totals(floor.bolt, floor.main) == (14, 12)
    assert ledger.verify() == []


def test_two_transfers_racing_for_the_last_units_never_oversell(app, floor):
    receive(floor.bolt, floor.a1, 5)
    first = draft(floor, (floor.bolt, 5))
    second = draft(floor, (floor.bolt, 5))
    ids = [first.id, second.id]

    outcomes, errors = race(app, 2, lambda i: transfers.approve(ids[i], actor_id=None))

    assert errors == []
    assert outcomes == ["approved", "insufficient"]
    statuses = sorted(transfers.get(i).status.value for i in ids)
    assert statuses == ["approved", "draft"]
    loser = next(transfers.get(i) for i in ids if transfers.get(i).status is S.DRAFT)
    assert loser.lines[0].allocations == []
    assert reserve_postings() == 1
    assert ledger.balance(floor.bolt.id, floor.a1.id) == (5, 5, 0)
    assert ledger.verify() == []
