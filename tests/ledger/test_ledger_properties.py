"""Property: any sequence of receipts, issues, reservations, releases, holds and bin moves
keeps every balance equal to the sum of its movements and never negative. A Python model
says which operations must be refused; the ledger must agree with it step by step."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_location, make_product
from warehouse import ledger
from warehouse.core.errors import InsufficientStock
from warehouse.ledger import Line
from warehouse.ledger.models import MovementType

OPS = st.lists(
    st.tuples(
        st.sampled_from(["receive", "issue", "reserve", "release", "hold", "unhold", "move"]),
        st.integers(0, 1),  # which product
        st.integers(0, 2),  # which bin
        st.integers(0, 2),  # target bin for moves
        st.integers(1, 30),  # quantity
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def shelf(app):
    location = make_location("prop-wh", bins=("B-1", "B-2", "B-3"))
    return location.bins, [make_product("P-1"), make_product("P-2")]


def _lines(op, product, bins, src, dst, qty):
    at = lambda b, **kw: Line.at(bins[b], product, **kw)  # noqa: E731
    return {
        "receive": (MovementType.INBOUND_PURCHASE, [at(src, qty=qty)]),
        "issue": (MovementType.OUTBOUND_SALE, [at(src, qty=-qty)]),
        "reserve": (MovementType.RESERVE, [at(src, reserved=qty)]),
        "release": (MovementType.RELEASE, [at(src, reserved=-qty)]),
        "hold": (MovementType.HOLD, [at(src, held=qty)]),
        "unhold": (MovementType.HOLD_RELEASE, [at(src, held=-qty)]),
        "move": (
            MovementType.PUTAWAY,
            [at(src, qty=-qty), at(dst, qty=qty)] if src != dst else [at(src, qty=qty)],
        ),
    }[op]


def _model_allows(model, lines):
    trial = dict(model)
    for line in lines:
        on_hand, reserved, held = trial.get(line.key, (0, 0, 0))
        after = (on_hand + line.qty, reserved + line.reserved, held + line.held)
        if min(after) < 0 or after[1] + after[2] > after[0]:
            return None
        trial[line.key] = after
    return trial


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_operations_keep_balances_equal_to_their_movements(shelf, ops):
    bins, products = shelf
    model = {}
    for line in [Line.at(b, p) for b in bins for p in products]:
        model[line.key] = ledger.balance(line.product_id, line.bin_id)
    for op, p, src, dst, qty in ops:
        type, lines = _lines(op, products[p], bins, src, dst, qty)
        expected = _model_allows(model, lines)
        if expected is None:
            with pytest.raises(InsufficientStock):
                ledger.post(type, lines, actor_id=None)
        else:
            ledger.post(type, lines, actor_id=None)
            model = expected
    for key, (on_hand, reserved, held) in model.items():
        assert ledger.balance(key[0], key[2]) == (on_hand, reserved, held)
        assert min(on_hand, reserved, held) >= 0 and reserved + held <= on_hand
    assert ledger.verify() == []
