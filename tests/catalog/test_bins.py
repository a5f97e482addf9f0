"""Adding bins to a location, one by one or by range (issue 14's first step)."""

import pytest
from sqlalchemy import func, select

from tests.factories import make_location
from warehouse.accounts import organisations
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind
from warehouse.core import tenancy
from warehouse.core.errors import BinCodeTaken, BinRangeInvalid
from warehouse.core.extensions import db


def test_a_range_makes_every_bin_between_its_ends_in_order():
    codes = locations.bin_range("A-01-01", "A-04-10")
    assert len(codes) == 40 and codes[:3] == ["A-01-01", "A-01-02", "A-01-03"] and codes[-1] == "A-04-10"
    assert locations.bin_range("a-1", "c-2") == ["A-1", "A-2", "B-1", "B-2", "C-1", "C-2"]
    assert locations.bin_range("R07", "R07") == ["R07"]


@pytest.mark.parametrize(
    "first, last, says",
    [
        ("A-01-01", "A-04", "not the same shape"),
        ("A-01", "A/04", "not the same shape"),
        ("A-01", "A-4", "do not match"),
        ("A-01", "01-01", "do not match"),
        ("AB-01", "AC-01", "do not match"),
        ("A-04", "A-01", "from low to high"),
        ("A-0001-01", "Z-0100-10", "at most 10,000"),
        ("", "", "not the same shape"),
    ],
)
def test_a_range_that_cannot_be_meant_is_refused_with_what_to_write(first, last, says):
    with pytest.raises(BinRangeInvalid, match=says):
        locations.bin_range(first, last)


def test_bins_of_a_range_are_added_with_their_labels_kind_and_capacity(app):
    main = make_location("warehouse-main")
    made = locations.add_bins(
        main.id, locations.bin_range("D-01-01", "D-04-10"), BinKind.STORAGE, capacity=200
    )
    assert len(made) == 40
    db.session.expire_all()
    added = db.session.scalars(select(Bin).where(Bin.location_id == main.id, Bin.code.like("D-0%"))).all()
    assert len(added) == 40 and {(b.kind, b.capacity) for b in added} == {(BinKind.STORAGE, 200)}
    assert {b.barcode for b in added} >= {"warehouse-main:D-01-01", "warehouse-main:D-04-10"}


def test_a_range_overlapping_existing_bins_adds_none_and_names_them(app):
    main = make_location("warehouse-main")  # has A-01-01 and A-01-02 among its bins
    before = db.session.scalar(select(func.count()).select_from(Bin))
    with pytest.raises(BinCodeTaken, match="A-01-01, A-01-02 exist already at warehouse-main"):
        locations.add_bins(main.id, locations.bin_range("A-01-01", "A-02-05"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Bin)) == before


@pytest.mark.parametrize("capacity", [0, -3, True, 2.5])
def test_a_capacity_that_is_not_a_positive_whole_number_is_refused(app, capacity):
    main = make_location("warehouse-main")
    with pytest.raises(BinRangeInvalid, match="whole number of units"):
        locations.add_bins(main.id, ["Z-01"], capacity=capacity)


def test_another_organisation_may_use_the_same_bin_codes_and_cannot_add_to_ours(app):
    main_id = make_location("warehouse-main").id
    harbor_id = organisations.create("harbor", "Harbor Foods").id
    db.session.remove()  # as a new request would: nothing of acme's in the session
    with tenancy.acting_for(harbor_id):
        cold = make_location("warehouse-main")
        assert len(locations.add_bins(cold.id, locations.bin_range("B-01", "B-05"))) == 5
        with pytest.raises(Exception, match="No such location"):
            locations.add_bins(main_id, ["X-01"])
    assert db.session.scalar(select(func.count()).select_from(Bin).where(Bin.code.like("B-0%"))) == 0
