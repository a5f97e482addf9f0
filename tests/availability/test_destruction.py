"""Expired units sent to a destruction location and written off there: a worked example
where the ledger names every unit's place at each step and `verify-ledger` finds no
drift; a destruction location is never worked (no reservations, not offered as a place).
And lot control's verdict at the edge of a lot's expiry date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_lot, receive
from warehouse import ledger
from warehouse.availability import expiry, holds, lot_control, reservations
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog import locations
from warehouse.catalog.models import LocationType
from warehouse.core.errors import (
    AlreadyAtDestruction,
    HoldClosed,
    LocationCannotHoldReservations,
    NotADestructionLocation,
    NotAnExpiredHold,
    ReferenceMalformed,
)
from warehouse.core.extensions import db

CERT = ("destruction", "CERT-981")


@pytest.fixture
def expired_lot(site):
    lot = make_lot(site.glue, "L-OLD", date(2020, 1, 31))
    receive(site.glue, site.bin(site.main, "A-01-01"), 5, lot=lot)
    return lot


def test_expired_units_travel_to_destruction_and_leave_the_ledger_there(site, expired_lot):
    a1 = site.bin(site.main, "A-01-01")
    cage = locations.create("cage", "Destruction cage", LocationType.DESTRUCTION)
    assert [(b.code, b.kind.value) for b in cage.bins] == [("DESTRUCTION", "staging")]
    into = cage.bins[0]

    hold = expiry.mark_expired(site.glue, a1, expired_lot, actor_id=None)
    sent = expiry.to_destruction(hold.id, expiry.destruction_location(), reference=CERT, actor_id=None)
    assert ledger.balance(site.glue.id, a1.id, expired_lot.id) == (0, 0, 0)
    assert ledger.balance(site.glue.id, into.id, expired_lot.id) == (5, 0, 5)
    assert (sent.source.status, sent.source.close_posting_id) == (HoldStatus.MOVED, sent.posting_id)
    assert (sent.hold.posting_id, sent.hold.reference, sent.hold.qty_open) == (
        sent.posting_id,
        "destruction:CERT-981",
        5,
    )
    assert [(s.location.code, s.held) for s in expiry.expired()] == [("cage", 5)]
    assert ledger.verify() == []

    done = expiry.write_off(sent.hold.id, actor_id=None)  # under the reference it was sent with
    assert done.status is HoldStatus.WRITTEN_OFF
    assert ledger.balance(site.glue.id, into.id, expired_lot.id) == (0, 0, 0)
    assert expiry.expired() == [] and expiry.expired_holds() == []
    assert ledger.verify() == []


def test_refusals_name_the_rule_and_move_nothing(site, expired_lot):
    a1 = site.bin(site.main, "A-01-01")
    hold = expiry.mark_expired(site.glue, a1, expired_lot, actor_id=None)
    with pytest.raises(NotADestructionLocation, match="no destruction location"):
        expiry.destruction_location()
    with pytest.raises(NotADestructionLocation, match="service-north is not"):
        expiry.to_destruction(hold.id, site.north, reference=CERT, actor_id=None)
    cage = locations.create("cage", "Cage", LocationType.DESTRUCTION)
    with pytest.raises(ReferenceMalformed):
        expiry.to_destruction(hold.id, cage, reference=("destruction", ""), actor_id=None)
    receive(site.bolt, a1, 3)
    quality = holds.place(site.bolt, a1, 1, HoldReason.QUALITY, actor_id=None)
    with pytest.raises(NotAnExpiredHold):
        expiry.to_destruction(quality.id, cage, reference=CERT, actor_id=None)
    assert ledger.balance(site.glue.id, a1.id, expired_lot.id) == (5, 0, 5)

    sent = expiry.to_destruction(hold.id, cage, reference=CERT, actor_id=None)
    with pytest.raises(HoldClosed, match="moved already"):
        expiry.to_destruction(hold.id, cage, reference=CERT, actor_id=None)
    with pytest.raises(AlreadyAtDestruction):
        expiry.to_destruction(sent.hold.id, cage, reference=CERT, actor_id=None)
    with pytest.raises(HoldClosed, match="cannot be released"):  # nobody works the cage
        holds.release(sent.hold.id, actor_id=None)
    assert ledger.balance(site.glue.id, cage.bins[0].id, expired_lot.id) == (5, 0, 5)
    locations.create("cage-2", "Cage 2", LocationType.DESTRUCTION)
    with pytest.raises(NotADestructionLocation, match="several"):
        expiry.destruction_location()
    db.session.rollback()
    assert db.session.scalars(select(Hold.status).order_by(Hold.id)).all() == [
        HoldStatus.MOVED,
        HoldStatus.ACTIVE,
        HoldStatus.ACTIVE,
    ]


def test_a_destruction_location_is_never_worked(site, expired_lot):
    cage = locations.create("cage", "Cage", LocationType.DESTRUCTION)
    assert not locations.workable(cage)
    assert "cage" not in [place.code for place in locations.places()]
    with pytest.raises(LocationCannotHoldReservations, match="destruction"):
        reservations.reserve(site.glue, cage, 1, ("order", "ord-1"), actor_id=None)


def test_a_lot_is_good_on_its_expiry_date_and_refused_the_day_after(site):
    today = date(2026, 12, 6)
    make_lot(site.glue, "L-EDGE", today)
    assert lot_control.check(site.glue, "L-EDGE", today=today).verdict == "ok"
    later = lot_control.check(site.glue, "L-EDGE", today=today + timedelta(days=1))
    assert [r.code for r in later.reasons] == ["lot_expired"]
