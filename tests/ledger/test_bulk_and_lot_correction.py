"""Bulk adjustments by actual quantity (all lines or none, one posting per reason) and lot
corrections (units moved from a wrong lot to the right one in one posting), through the
ledger's own services."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_lot, receive
from tests.ledger.test_ledger import snapshot
from warehouse import accounts, ledger
from warehouse.availability import holds, reservations
from warehouse.availability.models import HoldReason
from warehouse.catalog.models import NO_LOT, Lot
from warehouse.core.errors import (
    AdjustmentsRefused,
    ExpiryRequired,
    InsufficientStock,
    LotNotTracked,
    NotFound,
    ReasonNotChosenByPeople,
    SameLot,
    TooManyLines,
)
from warehouse.core.extensions import db
from warehouse.ledger.adjustments import reason_of, reasons
from warehouse.ledger.bulk_adjustments import MAX_LINES, Actual, set_actual
from warehouse.ledger.lot_corrections import correct_lot
from warehouse.ledger.models import Balance, Movement, MovementType, Posting, ReasonCode


@pytest.fixture
def boss(app):
    return accounts.create_user("sam", "long-enough-pw", "supervisor")


@pytest.fixture
def stocked(site):
    """BOLT-M8: 30 in A-01-01, 10 in A-01-02 of warehouse-main; NUT-M8: 7 in A-01-01."""
    receive(site.bolt, site.bin(site.main, "A-01-01"), 30)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    receive(site.nut, site.bin(site.main, "A-01-01"), 7)
    return site


def line(sku, bin, actual, reason="physical_count", **more) -> Actual:
    return Actual(actual=actual, reason=reason, sku=sku, location_code="warehouse-main", bin_code=bin, **more)


def on_hand(product, bin, lot_id=NO_LOT) -> int:
    return ledger.balance(product.id, bin.id, lot_id)[0]


# --- bulk adjustments -------------------------------------------------------------------


def test_a_stocktake_sets_each_key_to_its_count_and_answers_every_line(stocked, boss):
    site = stocked
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")

    done = set_actual(
        [line("BOLT-M8", "A-01-01", 27), line("BOLT-M8", "A-01-02", 10), line("NUT-M8", "A-01-01", 9)],
        actor_id=boss.id,
        reference="ST-1",
    )

    assert [(d.before, d.after, d.adjustment) for d in done] == [(30, 27, -3), (10, 10, 0), (7, 9, 2)]
    assert (on_hand(site.bolt, a1), on_hand(site.bolt, a2), on_hand(site.nut, a1)) == (27, 10, 9)
    # One posting for the one reason, an adjustment_count with the stocktake as reference.
    assert done[0].posting_id == done[2].posting_id and done[1].posting_id is None
    posting = db.session.get(Posting, done[0].posting_id)
    assert (posting.type, posting.reason, posting.reference_id) == (
        MovementType.ADJUSTMENT_COUNT,
        ReasonCode.PHYSICAL_COUNT,
        "ST-1",
    )
    assert done[0].movement_id != done[2].movement_id and done[1].movement_id is None
    # A count that agreed was still a count: every key is marked counted.
    counted = db.session.scalars(select(Balance.last_counted_at).where(Balance.on_hand > 0))
    assert all(at is not None for at in counted)


def test_free_text_is_reason_other_with_the_text_as_note_and_each_reason_its_own_posting(stocked, boss):
    done = set_actual(
        [
            line("BOLT-M8", "A-01-01", 25, reason="Damaged goods removal"),
            line("NUT-M8", "A-01-01", 5, reason="Write-off"),
        ],
        actor_id=boss.id,
    )

    first, second = (db.session.get(Posting, d.posting_id) for d in done)
    assert (first.type, first.reason, first.note) == (
        MovementType.ADJUSTMENT,
        ReasonCode.OTHER,
        "Damaged goods removal",
    )
    assert (second.reason, second.note) == (ReasonCode.WRITE_OFF, None)


def test_one_refused_line_refuses_them_all_naming_each_and_writes_nothing(stocked, boss):
    site = stocked
    a1 = site.bin(site.main, "A-01-01")
    reservations.reserve(site.bolt, site.main, 8, ("order", "ord-1"), actor_id=boss.id, bin=a1)
    before = snapshot()

    with pytest.raises(AdjustmentsRefused) as refused:
        set_actual(
            [
                line("NUT-M8", "A-01-01", 3),  # fine on its own
                line("NOPE-1", "A-01-01", 3),
                line("BOLT-M8", "A-01-01", 2),  # 8 of its 30 are reserved
                line("NUT-M8", "Z-99", 1),
            ],
            actor_id=boss.id,
        )

    items = refused.value.details["items"]
    assert [(i["index"], i["code"]) for i in items] == [
        (1, "not_found"),
        (2, "insufficient_stock"),
        (3, "not_found"),
    ]
    assert "8 reserved and 0 held" in items[1]["message"] and "cannot be below 8" in items[1]["message"]
    assert "3 of 4 lines" in refused.value.message
    assert snapshot() == before


def test_a_key_listed_twice_is_refused_on_its_second_line(stocked, boss):
    with pytest.raises(AdjustmentsRefused) as refused:
        set_actual([line("BOLT-M8", "A-01-01", 3), line("BOLT-M8", "A-01-01", 4)], actor_id=boss.id)
    assert [(i["index"], i["code"]) for i in refused.value.details["items"]] == [
        (1, "stock_row_listed_twice")
    ]


def test_without_a_bin_the_one_bin_holding_the_product_is_taken_and_several_are_refused(stocked, boss):
    site = stocked
    done = set_actual([line("NUT-M8", "", 4)], actor_id=boss.id)
    assert (done[0].bin.code, on_hand(site.nut, site.bin(site.main, "A-01-01"))) == ("A-01-01", 4)

    with pytest.raises(AdjustmentsRefused) as refused:
        set_actual([line("BOLT-M8", "", 4)], actor_id=boss.id)
    assert "several bins" in refused.value.details["items"][0]["message"]


def test_products_and_places_may_be_named_by_id(stocked, boss):
    site = stocked
    done = set_actual(
        [
            Actual(
                actual=1, reason="found", product_id=site.nut.id, location_id=site.main.id, bin_code="A-01-02"
            )
        ],
        actor_id=boss.id,
    )
    assert (done[0].product.sku, done[0].bin.code, done[0].after) == ("NUT-M8", "A-01-02", 1)


def test_a_product_may_be_named_by_its_barcode_at_any_printed_length(stocked, boss):
    done = set_actual([line("09506000134352", "A-01-02", 12)], actor_id=boss.id)
    assert (done[0].product.sku, done[0].before, done[0].after) == ("BOLT-M8", 10, 12)


def test_a_new_lot_is_made_with_its_expiry_and_a_lot_where_none_belongs_is_refused(stocked, boss):
    site = stocked
    with pytest.raises(AdjustmentsRefused) as refused:
        set_actual(
            [line("GLUE-50", "A-01-01", 6, lot_code="G-1"), line("NUT-M8", "A-01-01", 6, lot_code="X")],
            actor_id=boss.id,
        )
    codes = [(i["index"], i["code"]) for i in refused.value.details["items"]]
    assert codes == [(0, ExpiryRequired.code), (1, LotNotTracked.code)]

    done = set_actual(
        [line("GLUE-50", "A-01-01", 6, lot_code="G-1", expiry=date(2027, 5, 31))], actor_id=boss.id
    )
    lot = db.session.scalar(select(Lot).where(Lot.code == "G-1"))
    assert (lot.expiry_date, done[0].after) == (date(2027, 5, 31), 6)
    assert on_hand(site.glue, site.bin(site.main, "A-01-01"), lot.id) == 6


def test_an_actual_of_zero_on_a_lot_never_seen_is_answered_and_makes_no_lot(stocked, boss):
    done = set_actual([line("GLUE-50", "A-01-01", 0, lot_code="NEVER")], actor_id=boss.id)
    assert (done[0].before, done[0].after, done[0].posting_id) == (0, 0, None)
    assert db.session.scalar(select(Lot).where(Lot.code == "NEVER")) is None


def test_a_reason_the_system_sets_is_refused_and_codes_are_read_loosely(stocked, boss):
    with pytest.raises(AdjustmentsRefused) as refused:
        set_actual([line("BOLT-M8", "A-01-01", 1, reason="opening_balance")], actor_id=boss.id)
    assert refused.value.details["items"][0]["code"] == ReasonNotChosenByPeople.code
    assert reason_of("Write-off") == (ReasonCode.WRITE_OFF, "")
    assert reason_of(" physical count ") == (ReasonCode.PHYSICAL_COUNT, "")
    assert reason_of("Physical count adjustment") == (ReasonCode.OTHER, "Physical count adjustment")
    offered = {r.code.value: r.chosen_by_people for r in reasons()}
    assert offered["opening_balance"] is False and offered["damaged"] is True
    assert set(offered) == {code.value for code in ReasonCode}


def test_too_many_lines_are_refused_before_anything_is_read(stocked, boss):
    with pytest.raises(TooManyLines):
        set_actual([line("BOLT-M8", "A-01-01", 1)] * (MAX_LINES + 1), actor_id=boss.id)


# --- lot corrections --------------------------------------------------------------------


@pytest.fixture
def glue(site):
    """GLUE-50 lot G-OLD: 10 in A-01-01 (really lot G-NEW); lot G-KEPT exists, empty."""
    g_old = make_lot(site.glue, "G-OLD", date(2030, 1, 31))
    make_lot(site.glue, "G-KEPT", date(2030, 2, 28))
    receive(site.glue, site.bin(site.main, "A-01-01"), 10, lot=g_old)
    return g_old


def correct(qty, right="G-NEW", **more):
    return correct_lot(
        sku="GLUE-50",
        location_code="warehouse-main",
        bin_code="A-01-01",
        wrong_lot="G-OLD",
        right_lot=right,
        qty=qty,
        **more,
    )


def test_a_lot_correction_moves_units_to_a_new_lot_in_one_posting(site, glue, boss):
    done = correct(4, actor_id=boss.id, expiry=date(2027, 6, 30), note="label misread")

    moved = list(db.session.scalars(select(Movement).where(Movement.posting_id == done.posted.posting_id)))
    assert sorted((m.lot.code, m.qty) for m in moved) == [("G-NEW", 4), ("G-OLD", -4)]
    assert {m.type for m in moved} == {MovementType.ADJUSTMENT}
    assert (done.on_hand(done.wrong), done.on_hand(done.right), done.right_lot_created) == (6, 4, True)
    assert done.right.expiry_date == date(2027, 6, 30)
    posting = db.session.get(Posting, done.posted.posting_id)
    assert (posting.reference_type, posting.reference_id) == ("lot_correction", "G-OLD")
    assert posting.note == "Lot correction at A-01-01: 4 moved from lot G-OLD to lot G-NEW. label misread"


def test_a_correction_to_a_known_lot_keeps_that_lot(site, glue, boss):
    done = correct(10, right="G-KEPT", actor_id=boss.id)
    assert (done.right_lot_created, done.on_hand(done.wrong), done.on_hand(done.right)) == (False, 0, 10)


def test_reserved_and_held_units_stay_on_their_lot_and_the_refusal_says_which(site, glue, boss):
    a1 = site.bin(site.main, "A-01-01")
    reservations.reserve(site.glue, site.main, 3, ("order", "ord-7"), actor_id=boss.id, bin=a1, lot=glue)
    holds.place(site.glue, a1, 2, HoldReason.QUALITY, lot=glue, actor_id=boss.id)
    before = snapshot()

    with pytest.raises(InsufficientStock) as refused:
        correct(6, actor_id=boss.id, expiry=date(2027, 6, 30))

    assert "Only 5 of lot G-OLD" in refused.value.message
    assert "3 are reserved and 2 held" in refused.value.message
    assert snapshot() == before
    assert correct(5, actor_id=boss.id, expiry=date(2027, 6, 30)).on_hand(glue) == 5


def test_corrections_that_make_no_sense_are_refused_and_write_nothing(site, glue, boss):
    before = snapshot()
    with pytest.raises(SameLot):
        correct(1, right="G-OLD", actor_id=boss.id)
    with pytest.raises(InsufficientStock, match="Only 10 of lot G-OLD"):
        correct(11, right="G-KEPT", actor_id=boss.id)
    with pytest.raises(ExpiryRequired):
        correct(1, right="G-NEW", actor_id=boss.id)  # an expiry-tracked product's new lot
    with pytest.raises(NotFound, match="No lot 'G-NONE'"):
        correct_lot(
            sku="GLUE-50",
            location_code="warehouse-main",
            bin_code="A-01-01",
            wrong_lot="G-NONE",
            right_lot="G-KEPT",
            qty=1,
            actor_id=boss.id,
        )
    with pytest.raises(NotFound):
        correct_lot(
            sku="GLUE-50",
            location_code="warehouse-main",
            bin_code="Z-99",
            wrong_lot="G-OLD",
            right_lot="G-KEPT",
            qty=1,
            actor_id=boss.id,
        )
    with pytest.raises(LotNotTracked):
        correct_lot(
            sku="BOLT-M8",
            location_code="warehouse-main",
            bin_code="A-01-01",
            wrong_lot="A",
            right_lot="B",
            qty=1,
            actor_id=boss.id,
        )
    assert snapshot() == before


def test_setting_a_new_key_while_receipts_create_it_lands_each_setting_on_its_actual(app, site, boss):
    """A key that does not exist yet is not locked when read: a receipt may create it
    before the setting posts. Each setting still ends the key at its actual (the request
    runs again when the key moved under it), whatever order the threads took."""
    from tests.conftest import in_threads

    a2, bolt, boss_id = site.bin(site.main, "A-01-02"), site.bolt, boss.id
    receipt = ledger.Line.at(a2, bolt, qty=3)  # 3 or 6 before a setting: never 10

    def work(i):
        if i % 2:
            return ledger.post(MovementType.INBOUND_PURCHASE, [receipt], actor_id=None)
        return set_actual([line("BOLT-M8", "A-01-02", 10)], actor_id=boss_id)

    _, errors = in_threads(app, 4, work)
    assert errors == []
    settings = db.session.scalars(
        select(Movement.balance_after).where(Movement.type == MovementType.ADJUSTMENT_COUNT)
    ).all()
    assert settings and set(settings) == {10}
    assert ledger.verify() == []
