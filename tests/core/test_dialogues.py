"""What an operator types into a scan box as a quantity, and the "press again to confirm"
window of a destructive button (warehouse/core/dialogues.py)."""

from datetime import datetime, timedelta

import pytest

from warehouse.core import clock, dialogues
from warehouse.core.dialogues import Typed, typed_quantity
from warehouse.core.errors import QuantityOutOfRange


@pytest.mark.parametrize(
    "typed, read",
    [
        ("5", Typed(5, False)),
        ("+5", Typed(5, False)),
        ("x5", Typed(5, True)),
        ("X 5", Typed(5, True)),
        ("*12", Typed(12, True)),
        ("1000000", Typed(1_000_000, False)),
        ("0", None),  # zero is a count only where zero means something (see below)
        ("12345678", None),  # 8 digits: a GTIN-8, not a quantity
        ("BOLT-M8", None),
        ("A-01-01", None),
    ],
)
def test_what_reads_as_a_quantity(typed, read):
    if read is None and typed == "0":
        with pytest.raises(QuantityOutOfRange, match="counts nothing"):
            typed_quantity(typed)
        assert typed_quantity(typed, zero_ok=True) == Typed(0, False)
        return
    assert typed_quantity(typed) == read


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-3", "below zero"),
        ("12.5", "not a whole number"),
        ("12,5", "not a whole number"),
        ("1,000", "as digits only: 1000"),
        ("9999999", "more than 1,000,000"),
        ("x99999999", "more than 1,000,000"),
        ("x0", "counts nothing"),
    ],
)
def test_a_quantity_that_cannot_be_right_says_what_is_wrong_with_it(typed, message):
    with pytest.raises(QuantityOutOfRange, match=message):
        typed_quantity(typed, zero_ok=True)


def at(seconds):
    start = datetime(2026, 12, 6, 12, 0, 0)
    return clock.backdated(lambda: start + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    "after, confirmed",
    [(0, False), (0.5, False), (1, True), (5, True), (10, True), (10.5, False), (60, False)],
)
def test_a_second_press_confirms_from_one_second_to_ten_after_the_first(after, confirmed):
    with at(0):
        state = {"confirm": dialogues.armed("empty:7")}
    with at(after):
        assert dialogues.confirms(state, "empty:7") is confirmed
        assert dialogues.confirms(state, "empty:8") is False  # another bin: never
        assert (dialogues.armed_now(state) == "empty:7") is (after <= 10)
        assert dialogues.ran_out(state, "empty:7") is (after > 10)


def test_an_unreadable_arming_confirms_nothing():
    for broken in ({"what": "empty:7"}, {"what": "empty:7", "since": "soon", "until": 3}, "junk"):
        assert dialogues.confirms({"confirm": broken}, "empty:7") is False
