"""Blind means blind over the API: while A-01-02 is in a count batch that is open or
counting, an operator's token gets its figures, and every total that sums them, as null
with "being_counted": true; a supervisor's token gets the figures with the flag; once the
batch is submitted the flag is gone and the figures are back."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts

COUNTED = 4137  # BOLT-M8 in A-01-02, the bin being counted
NUT_COUNTED = 2203  # NUT-M8 in the same bin
ELSEWHERE = 1009  # BOLT-M8 in A-01-01, not being counted
MAIN_TOTAL = COUNTED + ELSEWHERE
SECRETS = (COUNTED, NUT_COUNTED, MAIN_TOTAL)
AVAILABILITY = {"items": [{"sku": "BOLT-M8", "quantity": 1}, {"sku": "BOLT-M8", "quantity": 5000}]}


@pytest.fixture
def counting(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    bins = {b.code: b for b in main.bins}
    bolt, nut = make_product("BOLT-M8"), make_product("NUT-M8")
    receive(bolt, bins["A-01-02"], COUNTED)
    receive(bolt, bins["A-01-01"], ELSEWHERE)
    receive(nut, bins["A-01-02"], NUT_COUNTED)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    batch = counts.create(main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    return dict(bins=bins, bolt=bolt, nut=nut, batch=batch)


def read_everything(api) -> dict[str, dict]:
    answers = {}
    for path, params in (
        ("/api/stock", {}),
        ("/api/stock", {"bin": "A-01-02"}),
        ("/api/stock/BOLT-M8", {}),
        ("/api/stock/NUT-M8", {}),
        ("/api/movements", {}),
        ("/api/movements", {"sku": "BOLT-M8"}),
    ):
        response = api.get(path, **params)
        assert response.status_code == 200, (path, response.get_json())
        answers[f"{path} {params}"] = response.get_json()
    response = api.post("/api/availability/check", AVAILABILITY)
    assert response.status_code == 200, response.get_json()
    answers["availability"] = response.get_json()
    return answers


def rows_in(answer: dict, bin_code: str) -> list[dict]:
    return [r for r in answer["data"] if r["bin"] == bin_code]


def test_an_operator_token_gets_no_figure_of_a_bin_being_counted(api_as, counting):
    answers = read_everything(api_as("operator"))

    for asked, answer in answers.items():
        text = json.dumps(answer)
        for secret in SECRETS:
            assert str(secret) not in text, f"{secret} in {asked}"
    for row in rows_in(answers["/api/stock {}"], "A-01-02"):
        assert row["being_counted"] is True
        assert (row["on_hand"], row["reserved"], row["held"], row["available"]) == (None, None, None, None)
    (elsewhere,) = rows_in(answers["/api/stock {}"], "A-01-01")
    assert elsewhere["on_hand"] == ELSEWHERE and "being_counted" not in elsewhere
    for movement in rows_in(answers["/api/movements {'sku': 'BOLT-M8'}"], "A-01-02"):
        assert movement["being_counted"] is True and movement["quantity"] is None
        assert movement["balance_after"] is None


def test_an_operator_token_gets_no_total_that_includes_the_bin(api_as, counting):
    answers = read_everything(api_as("operator"))

    sku = answers["/api/stock/BOLT-M8 {}"]
    assert sku["totals"] == {
        "on_hand": None,
        "reserved": None,
        "held": None,
        "available": None,
        "being_counted": True,
    }
    (main,) = sku["by_location"]
    assert main["on_hand"] is None and main["being_counted"] is True
    assert {b["bin"]: b["on_hand"] for b in main["bins"]} == {"A-01-01": ELSEWHERE, "A-01-02": None}
    items = answers["availability"]["items"]
    assert [(i["available"], i["being_counted"], i["ok"]) for i in items] == [
        (None, True, True),
        (None, True, True),
    ]


def test_a_supervisor_token_gets_the_figures_and_the_flag(api_as, counting):
    answers = read_everything(api_as("supervisor"))

    (row,) = [r for r in rows_in(answers["/api/stock {}"], "A-01-02") if r["sku"] == "BOLT-M8"]
    assert row["on_hand"] == COUNTED and row["being_counted"] is True
    sku = answers["/api/stock/BOLT-M8 {}"]
    assert sku["totals"]["on_hand"] == MAIN_TOTAL and sku["totals"]["being_counted"] is True
    (movement,) = rows_in(answers["/api/movements {'sku': 'BOLT-M8'}"], "A-01-02")
    assert movement["quantity"] == COUNTED and movement["being_counted"] is True
    assert [i["available"] for i in answers["availability"]["items"]] == [MAIN_TOTAL, MAIN_TOTAL]


def test_once_the_batch_is_submitted_an_operator_token_gets_the_figures_again(api_as, counting):
    operator = accounts.create_user("olly", "long-enough-pw", "operator")
    bin = counting["bins"]["A-01-02"]
    for product, qty in ((counting["bolt"], COUNTED), (counting["nut"], NUT_COUNTED)):
        counts.record(counting["batch"].id, bin, product, actor_id=operator.id, set_to=qty)
    counts.submit(counting["batch"].id, actor_id=operator.id)

    answers = read_everything(api_as("operator"))

    assert "being_counted" not in json.dumps(answers)
    assert answers["/api/stock/BOLT-M8 {}"]["totals"]["on_hand"] == MAIN_TOTAL
    assert {r["on_hand"] for r in rows_in(answers["/api/stock {}"], "A-01-02")} == {COUNTED, NUT_COUNTED}
    assert [i["available"] for i in answers["availability"]["items"]] == [MAIN_TOTAL, MAIN_TOTAL]
