"""Cycle counts over the API beyond the review: the ABC classes and batches of what is due
(as the /counts/abc page makes them), the blind count form an operator may read (not one
quantity in it), and cancelling a batch."""

import json
import re

import pytest

from tests.api.conftest import error_code, user
from tests.factories import make_lot, receive
from tests.ledger.test_ledger import snapshot
from warehouse import counts, ledger
from warehouse.ledger.models import MovementType

ABC = "/api/cycle-counts/abc"


@pytest.fixture
def sold(stocked):
    """Over the year BOLT-M8 sold 100 units (class A), NUT-M8 10 (class B), GLUE-50 none
    (class C); BOLT-M8 keeps 30 + 10 - 100 + 100 = 40 in warehouse-main, NUT-M8 5 in
    A-01-02, GLUE-50 none anywhere."""
    site = stocked
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    receive(site.bolt, a1, 100)
    receive(site.nut, a2, 15)
    ledger.post(MovementType.OUTBOUND_SALE, [ledger.Line.at(a1, site.bolt, qty=-100)], actor_id=None)
    ledger.post(MovementType.OUTBOUND_SALE, [ledger.Line.at(a2, site.nut, qty=-10)], actor_id=None)
    return site


def test_the_abc_classes_follow_the_outbound_value_and_say_what_is_due(api, sold):
    body = api.get(ABC, location="warehouse-main").get_json()

    assert body["location"] == "warehouse-main"
    rows = {r["sku"]: r for r in body["data"]}
    assert {sku: (r["abc_class"], r["outbound_value"], r["due"]) for sku, r in rows.items()} == {
        "BOLT-M8": ("A", "100.00", True),
        "NUT-M8": ("B", "10.00", True),
        "GLUE-50": ("C", "0.00", True),
    }
    assert rows["BOLT-M8"]["product_name"] == "Item BOLT-M8"
    assert body["classes"] == [
        {"abc_class": "A", "share": "0.8", "count_every_days": 30, "products": 1, "due": 1},
        {"abc_class": "B", "share": "0.15", "count_every_days": 90, "products": 1, "due": 1},
        {"abc_class": "C", "share": None, "count_every_days": 365, "products": 1, "due": 1},
    ]
    assert body["meta"] == {"total": 3, "page": 1, "limit": 20, "has_more": False}
    only_b = api.get(ABC, abc_class="B").get_json()
    assert [r["sku"] for r in only_b["data"]] == ["NUT-M8"] and only_b["location"] is None
    paged = api.get(ABC, limit=2, page=2).get_json()
    assert [r["sku"] for r in paged["data"]] == ["GLUE-50"] and paged["meta"]["total"] == 3


def test_a_product_counted_lately_is_not_due(api, sold):
    boss = user("supervisor")
    ledger_key = sold.bin(sold.main, "A-01-02")
    counts_batch = counts.create(sold.main.id, counts.Selection(skus=("NUT-M8",)), actor_id=boss.id)
    counter = user("operator", "cora")
    counts.record(counts_batch.id, ledger_key, sold.nut, set_to=5, actor_id=counter.id)
    counts.submit(counts_batch.id, actor_id=counter.id)
    counts.accept(counts_batch.id, [counts.get(counts_batch.id).lines[0].id], actor_id=boss.id)

    rows = {r["sku"]: r for r in api.get(ABC, location="warehouse-main").get_json()["data"]}
    assert rows["NUT-M8"]["due"] is False and rows["NUT-M8"]["last_counted_at"] is not None
    assert [r["sku"] for r in api.get(ABC, due="false").get_json()["data"]] == ["NUT-M8"]


def test_counting_what_is_due_makes_a_batch_per_class_with_stock_here(api, sold):
    made = api.post(ABC, {"location": "warehouse-main"})

    assert made.status_code == 201, made.get_json()
    batches = made.get_json()["batches"]
    # Class C is due too, but GLUE-50 holds no stock here: no batch for it.
    assert [b["selection"] for b in batches] == ["SKUs BOLT-M8; ABC class A", "SKUs NUT-M8; ABC class B"]
    assert [sorted({line["sku"] for line in b["lines"]}) for b in batches] == [["BOLT-M8"], ["NUT-M8"]]
    assert all(b["status"] == "open" for b in batches)


def test_a_class_with_nothing_due_here_is_refused_and_makes_no_batch(api, sold):
    before = snapshot(), api.get("/api/cycle-counts").get_json()["meta"]["total"]
    refused = api.post(ABC, {"location": "warehouse-main", "abc_class": "C"})
    assert refused.status_code == 422 and "Nothing" in refused.get_json()["error"]["message"]
    assert (snapshot(), api.get("/api/cycle-counts").get_json()["meta"]["total"]) == before
    assert api.post(ABC, {"location": "nowhere"}).status_code == 404
    assert api.post(ABC, {"location": "warehouse-main", "abc_class": "D"}).status_code == 422
    assert api.get(ABC, location="nowhere").status_code == 404


# --- the blind count form ---------------------------------------------------------------

ON_HAND = 4137  # GLUE-50 lot L-7 in A-01-02: the figure a counter must not learn
BOLT_ON_HAND = 2203  # BOLT-M8 in A-01-02
COUNTED = 3989  # what the counter typed so far for BOLT-M8


@pytest.fixture
def counting(stocked):
    """A count of warehouse-main's A-01-02 (BOLT-M8 and GLUE-50 lot L-7), BOLT-M8 counted
    once so far."""
    a2 = stocked.bin(stocked.main, "A-01-02")
    receive(stocked.bolt, a2, BOLT_ON_HAND - 10)  # 10 are there already
    receive(stocked.glue, a2, ON_HAND, lot=make_lot(stocked.glue, "L-7"))
    batch = counts.create(
        stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=user("supervisor").id
    )
    counts.record(batch.id, a2, stocked.bolt, set_to=COUNTED, actor_id=user("operator", "cora").id)
    return batch


def test_the_blind_form_lists_bins_and_items_and_no_quantity_anywhere(api_as, counting):
    answer = api_as("operator").get(f"/api/cycle-counts/{counting.id}/blind-form")

    assert answer.status_code == 200, answer.get_json()
    form = answer.get_json()
    assert (form["number"], form["location"], form["status"]) == (
        counting.number,
        "warehouse-main",
        "counting",
    )
    assert form["bins"] == [
        {
            "bin": "A-01-02",
            "barcode": "warehouse-main:A-01-02",
            "items": [
                {"sku": "BOLT-M8", "name": "Item BOLT-M8", "lot": None, "recount": False},
                {"sku": "GLUE-50", "name": "Item GLUE-50", "lot": "L-7", "recount": False},
            ],
        }
    ]
    numbers = {int(n) for n in re.findall(r"\d+", json.dumps(form))}
    assert {ON_HAND, BOLT_ON_HAND, COUNTED, BOLT_ON_HAND + ON_HAND} & numbers == set()
    assert not {"quantity", "on_hand", "counted", "expected", "variance"} & set(_keys(form))


def _keys(value) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in [k, *_keys(v)]]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def submitted(batch, site):
    """The rest of the batch counted (GLUE-50) and submitted by cora."""
    counter = user("operator", "cora")
    a2 = site.bin(site.main, "A-01-02")
    counts.record(batch.id, a2, site.glue, set_to=12, lot_code="L-7", actor_id=counter.id)
    counts.submit(batch.id, actor_id=counter.id)


def test_the_blind_form_marks_a_recount_and_is_404_for_an_unknown_batch(api, api_as, stocked, counting):
    submitted(counting, stocked)
    line = next(line for line in counts.get(counting.id).lines if line.product.sku == "BOLT-M8")
    counts.recount(counting.id, [line.id], actor_id=user("supervisor").id)

    form = api_as("operator").get(f"/api/cycle-counts/{counting.id}/blind-form").get_json()
    assert {i["sku"]: i["recount"] for i in form["bins"][0]["items"]} == {"BOLT-M8": True, "GLUE-50": False}
    assert api.get("/api/cycle-counts/999999/blind-form").status_code == 404
    narrowed = api_as("operator", scopes="transfers.read").get(f"/api/cycle-counts/{counting.id}/blind-form")
    assert narrowed.status_code == 403


# --- cancelling a batch -----------------------------------------------------------------


def test_cancelling_a_batch_sets_it_aside_and_shows_its_bins_to_operators_again(api, api_as, counting):
    operator = api_as("operator")
    hidden = operator.get("/api/stock", bin="A-01-02").get_json()["data"]
    assert all(row["on_hand"] is None for row in hidden)

    cancelled = api.patch(f"/api/cycle-counts/{counting.id}", {"status": "cancelled"})

    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    shown = operator.get("/api/stock", bin="A-01-02").get_json()["data"]
    assert sorted(row["on_hand"] for row in shown) == [BOLT_ON_HAND, ON_HAND]
    assert api.patch(f"/api/cycle-counts/{counting.id}", {"status": "cancelled"}).status_code == 200


def test_a_batch_in_review_is_not_cancelled_and_operators_may_not_cancel(api, api_as, stocked, counting):
    submitted(counting, stocked)
    line = counts.get(counting.id).lines[0]
    counts.reject(counting.id, [line.id], actor_id=user("supervisor").id)  # now in review
    path = f"/api/cycle-counts/{counting.id}"

    refused = api.patch(path, {"status": "cancelled"})
    assert refused.status_code == 409 and error_code(refused) == "count_refused"
    assert api.patch(path, {"status": "resolved"}).status_code == 422
    assert api_as("operator").patch(path, {"status": "cancelled"}).status_code == 403
    assert api.get(path).get_json()["status"] == "in_review"


def test_the_abc_endpoints_are_a_supervisors(api_as, sold):
    operator = api_as("operator")
    assert operator.get(ABC).status_code == 403
    assert operator.post(ABC, {"location": "warehouse-main"}).status_code == 403
    narrowed = api_as("supervisor", scopes="inventory.read")
    assert narrowed.get(ABC).status_code == 403
    assert api_as("supervisor", scopes="inventory.cyclecount").get(ABC).status_code == 200
