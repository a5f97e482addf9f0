"""Lots and expiry: the expiring and expired lists, FEFO candidates, mark expired (to a
hold with reason expired) and write off (an expire posting with a reference)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_lot, receive
from warehouse import ledger, transfers
from warehouse.availability import expiry, holds, reservations
from warehouse.availability.models import HoldReason, HoldStatus
from warehouse.core.columns import utcnow
from warehouse.core.errors import InsufficientStock, InvalidPosting
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType, Posting


@pytest.fixture
def lots(site):
    today = utcnow().date()
    site.today = today
    site.a1, site.a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    site.old = make_lot(site.glue, "OLD", today - timedelta(days=3))
    site.last_day = make_lot(site.glue, "TODAY", today)
    site.soon = make_lot(site.glue, "SOON", today + timedelta(days=5))
    site.late = make_lot(site.glue, "LATE", today + timedelta(days=60))
    receive(site.glue, site.a1, 8, lot=site.old)
    receive(site.glue, site.a2, 2, lot=site.last_day)
    receive(site.glue, site.a2, 4, lot=site.soon)
    receive(site.glue, site.a1, 9, lot=site.late)
    receive(site.glue, site.bin(site.north, "S-01-01"), 1, lot=site.soon)
    return site


def test_a_lot_is_good_on_its_expiry_date_and_expired_the_day_after(app, lots):
    assert not expiry.is_expired(lots.last_day, lots.today)
    assert expiry.is_expired(lots.last_day, lots.today + timedelta(days=1))
    assert not expiry.is_expired(None) and not expiry.is_expired(make_lot(lots.glue, "UNDATED"))


def test_the_expiring_and_expired_lists(app, lots):
    soon = expiry.expiring(7)
    assert [(s.sku, s.lot.code, s.bin.code, s.on_hand, s.held) for s in soon] == [
        ("GLUE-50", "TODAY", "A-01-02", 2, 0),
        ("GLUE-50", "SOON", "A-01-02", 4, 0),
        ("GLUE-50", "SOON", "S-01-01", 1, 0),
    ]
    assert [s.lot.code for s in expiry.expiring(7, location_id=lots.north.id)] == ["SOON"]
    assert [s.lot.code for s in expiry.expiring(0)] == ["TODAY"]
    assert soon[1].days_left(lots.today) == 5 and soon[1].expiry == lots.soon.expiry_date

    assert [(s.lot.code, s.on_hand, s.available) for s in expiry.expired()] == [("OLD", 8, 8)]
    assert [s.lot.code for s in expiry.expired(today=lots.today + timedelta(days=6))] == [
        "OLD",
        "TODAY",
        "SOON",
        "SOON",
    ]
    with pytest.raises(InvalidPosting):
        expiry.expiring(-1)


def test_fefo_candidates_match_transfer_allocation_order_and_skip_expired_lots(app, lots):
    receive(lots.glue, lots.a1, 9, lot=lots.soon)  # the same lot in two bins: fullest first
    keys = [(b.lot.code, b.bin.code) for b in expiry.fefo_candidates(lots.glue.id, lots.main.id)]
    assert keys == [("TODAY", "A-01-02"), ("SOON", "A-01-01"), ("SOON", "A-01-02"), ("LATE", "A-01-01")]
    transfer = transfers.create(lots.main.id, lots.north.id, actor_id=None)
    line = transfers.add_line(transfer.id, lots.glue, 3)
    allocated = [(b.lot.code, b.bin.code) for b in transfers.allocation_candidates(line, lots.main.id)]
    assert allocated == keys  # the same order, and the expired lot left out there too
    assert transfers.available_at(lots.glue.id, lots.main.id) == 2 + 9 + 4 + 9
    assert transfers.available_at(lots.glue.id, lots.main.id, lots.old.id) == 0
    assert transfers.available_for(transfers.get(transfer.id)) == {line.id: 24}


def test_mark_expired_holds_the_available_units_and_write_off_destroys_them(app, lots):
    reservations.reserve(lots.glue, lots.main, 1, ("order", "1"), actor_id=None, bin=lots.a1, lot=lots.late)
    with pytest.raises(InsufficientStock):  # expired units are never reserved
        reservations.reserve(lots.glue, lots.main, 1, ("order", "2"), actor_id=None, lot=lots.old)
    with pytest.raises(expiry.NotExpired, match="has not expired"):
        expiry.mark_expired(lots.glue, lots.a1, lots.late, actor_id=None)

    hold = expiry.mark_expired(lots.glue, lots.a1, lots.old, actor_id=None, key="m1")
    again = expiry.mark_expired(lots.glue, lots.a1, lots.old, actor_id=None, key="m1")

    assert again.id == hold.id
    assert (hold.reason, hold.qty, hold.status) == (HoldReason.EXPIRED, 8, HoldStatus.ACTIVE)
    assert ledger.balance(lots.glue.id, lots.a1.id, lots.old.id) == (8, 0, 8)
    assert [(h.id, h.lot.code) for h in expiry.expired_holds()] == [(hold.id, "OLD")]
    with pytest.raises(expiry.NotExpired, match="none available"):
        expiry.mark_expired(lots.glue, lots.a1, lots.old, actor_id=None)

    done = expiry.write_off(hold.id, actor_id=None, reference=("destruction", "CERT-981"))

    assert (done.status, done.qty_open) == (HoldStatus.WRITTEN_OFF, 0)
    assert ledger.balance(lots.glue.id, lots.a1.id, lots.old.id) == (0, 0, 0)
    posting = db.session.get(Posting, done.close_posting_id)
    assert (posting.type, posting.reference_type, posting.reference_id) == (
        MovementType.EXPIRE,
        "destruction",
        "CERT-981",
    )
    assert [(m.qty, m.held_delta) for m in posting.movements] == [(-8, -8)]
    assert expiry.expired() == [] and expiry.expired_holds() == []
    with pytest.raises(holds.HoldClosed, match="written off already"):
        expiry.write_off(hold.id, actor_id=None, reference=("destruction", "CERT-981"))


def test_only_expired_holds_are_written_off_and_a_reference_is_required(app, lots):
    quality = holds.place(lots.glue, lots.a1, 2, HoldReason.QUALITY, lot=lots.late, actor_id=None)
    with pytest.raises(holds.HoldClosed, match="only expired holds"):
        expiry.write_off(quality.id, actor_id=None, reference=("destruction", "X"))
    expired = expiry.mark_expired(lots.glue, lots.a1, lots.old, actor_id=None)
    with pytest.raises(InvalidPosting, match="type:id"):
        expiry.write_off(expired.id, actor_id=None, reference=("destruction", ""))
    assert db.session.scalar(select(Posting).where(Posting.type == MovementType.EXPIRE)) is None
    assert ledger.balance(lots.glue.id, lots.a1.id, lots.old.id) == (8, 0, 8)
