"""Blind means blind over the API: while A-01-02 is in a count batch that is open or
counting, an operator's token gets its figures, and every total that sums them, as null
with "being_counted": true; a supervisor's token gets the figures with the flag; once the
batch is submitted the flag is gone and the figures are back.

Beyond /api/stock: products (with include=inventory), alerts, the reorder report, the
answers of reserve / release / fulfil and a refused reserve's message. The endpoints an
operator's token may not call at all are shown closed (403)."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.alerts import policies
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.core.extensions import db
from warehouse.ledger import adjustments

COUNTED = 4137  # BOLT-M8 in A-01-02, the bin being counted
NUT_COUNTED = 2203  # NUT-M8 in the same bin
ELSEWHERE = 1009  # BOLT-M8 in A-01-01, not being counted
MAIN_TOTAL = COUNTED + ELSEWHERE
SECRETS = (COUNTED, NUT_COUNTED, MAIN_TOTAL)
# BOLT-M8's policy at warehouse-main: low (and reorder needed) at 6000, filled up to 9000,
# so the reorder report's suggestion is 9000 - MAIN_TOTAL: the total by subtraction.
REORDER_POINT, MAX_LEVEL = 6000, 9000
SUGGESTED = MAX_LEVEL - MAIN_TOTAL
NUT_REORDER_POINT = 3000  # no max level: its suggestion is back up to the reorder point
NUT_SUGGESTED = NUT_REORDER_POINT - NUT_COUNTED
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


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def assert_no_secret(answers: dict, secrets=SECRETS) -> None:
    """No secret as a number anywhere in the answers (values or text); digits around it
    are another number, and a timestamp is a time (21:50:10 is not 50 units)."""
    for asked, answer in answers.items():
        text = TIMESTAMP.sub("<time>", json.dumps(answer))
        for secret in secrets:
            assert not re.search(rf"(?<!\d){secret}(?!\d)", text), f"{secret} in {asked}: {text}"


@pytest.fixture
def with_policies(counting):
    """Reorder policies that put BOLT-M8 and NUT-M8 at warehouse-main in the reorder report
    and raise their low-stock and reorder-needed alerts (whose text says the on-hand)."""
    boss = accounts.create_user("pat", "long-enough-pw", "supervisor")
    policies.save(
        [
            policies.PolicySpec(
                "BOLT-M8", "warehouse-main", {"reorder_point": REORDER_POINT, "max_level": MAX_LEVEL}
            ),
            policies.PolicySpec("NUT-M8", "warehouse-main", {"reorder_point": NUT_REORDER_POINT}),
        ],
        actor_id=boss.id,
    )
    return counting


def read_the_rest(api) -> dict[str, dict]:
    """Every other read of an operator's token that shows stock figures."""
    bolt_id = api.get("/api/products", search="BOLT-M8").get_json()["data"][0]["id"]
    answers = {}
    for path, params in (
        ("/api/products", {}),
        ("/api/products", {"include": "inventory"}),
        ("/api/products", {"include": "inventory", "location": "warehouse-main"}),
        (f"/api/products/{bolt_id}", {"include": "inventory"}),
        (f"/api/products/{bolt_id}", {"include": "inventory", "location": "warehouse-main"}),
        ("/api/alerts", {}),
        ("/api/alerts", {"status": "any"}),
        ("/api/replenishment/reorder", {}),
        ("/api/replenishment/reorder", {"location": "warehouse-main"}),
    ):
        response = api.get(path, **params)
        assert response.status_code == 200, (path, response.get_json())
        answers[f"{path} {params}"] = response.get_json()
    return answers


def by_sku(answer: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in answer["data"]:
        found.setdefault(row["sku"], []).append(row)
    return found


def test_an_operator_token_gets_no_figure_of_a_bin_being_counted(api_as, counting):
    answers = read_everything(api_as("operator"))

    assert_no_secret(answers)
    for row in rows_in(answers["/api/stock {}"], "A-01-02"):
        assert row["being_counted"] is True
        assert (row["on_hand"], row["reserved"], row["held"], row["available"]) == (None, None, None, None)
    (elsewhere,) = rows_in(answers["/api/stock {}"], "A-01-01")
    assert elsewhere["on_hand"] == ELSEWHERE and "being_counted" not in elsewhere
    for movement in rows_in(answers["/api/movements {'sku': 'BOLT-M8'}"], "A-01-02"):
        assert movement["being_counted"] is True and movement["quantity"] is None
        assert movement["balance_after"] is None


def test_an_operator_token_gets_no_note_of_a_movement_in_the_bin(api_as, app):
    """A count's note says what it counted and what the ledger had: in a bin being counted
    it is withheld with the figures (the note of a movement elsewhere is not)."""
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    bins, bolt = {b.code: b for b in main.bins}, make_product("BOLT-M8")
    receive(bolt, bins["A-01-02"], COUNTED - 7)
    receive(bolt, bins["A-01-01"], ELSEWHERE)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    adjustments.count_to(
        sku="BOLT-M8", location_code="warehouse-main", bin_code="A-01-02", counted=COUNTED, actor_id=boss.id
    )
    adjustments.count_to(
        sku="BOLT-M8",
        location_code="warehouse-main",
        bin_code="A-01-01",
        counted=ELSEWHERE + 1,
        actor_id=boss.id,
    )
    supervisor = api_as("supervisor").get("/api/movements", sku="BOLT-M8").get_json()
    assert any(str(COUNTED) in (m["note"] or "") for m in supervisor["data"])  # the note says it
    counts.create(main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)

    operator = api_as("operator").get("/api/movements", sku="BOLT-M8").get_json()

    assert_no_secret({"movements": operator}, secrets=(COUNTED,))
    (elsewhere,) = [m for m in rows_in(operator, "A-01-01") if m["type"] == "adjustment_count"]
    assert elsewhere["note"] == f"counted {ELSEWHERE + 1}, ledger had {ELSEWHERE}"


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


# --- products, alerts, the reorder report -----------------------------------------------------


def test_an_operator_token_gets_no_product_alert_or_reorder_figure_that_sums_the_bin(api_as, with_policies):
    answers = read_the_rest(api_as("operator"))

    assert_no_secret(answers, (*SECRETS, SUGGESTED, NUT_SUGGESTED))
    products = by_sku(answers["/api/products {'include': 'inventory'}"])
    for sku in ("BOLT-M8", "NUT-M8"):
        (product,) = products[sku]
        assert product["being_counted"] is True and product["stock_quantity"] is None
        inventory = product["inventory"]
        assert inventory["being_counted"] is True
        assert (
            inventory["quantity_on_hand"],
            inventory["quantity_reserved"],
            inventory["quantity_available"],
        ) == (
            None,
            None,
            None,
        )
        assert product["in_stock"] is True  # a yes/no, as the availability check's ok
    one = answers[f"/api/products/{products['BOLT-M8'][0]['id']} {{'include': 'inventory'}}"]
    assert one["stock_quantity"] is None and one["inventory"]["quantity_on_hand"] is None
    alerts = answers["/api/alerts {}"]["data"]
    assert {(a["sku"], a["kind"]) for a in alerts} >= {("BOLT-M8", "low_stock"), ("NUT-M8", "low_stock")}
    for alert in alerts:
        assert alert["being_counted"] is True and (alert["on_hand"], alert["available"]) == (None, None)
        assert "being counted" in alert["message"]
    (bolt,) = by_sku(answers["/api/replenishment/reorder {}"])["BOLT-M8"]
    assert bolt["being_counted"] is True
    assert [
        bolt[k] for k in ("on_hand", "reserved", "held", "available", "suggested_qty", "suggested_value")
    ] == [None] * 6
    assert (bolt["reorder_point"], bolt["max_level"]) == (REORDER_POINT, MAX_LEVEL)


def test_a_supervisor_token_gets_product_alert_and_reorder_figures_with_the_flag(api_as, with_policies):
    answers = read_the_rest(api_as("supervisor"))

    (bolt,) = by_sku(answers["/api/products {'include': 'inventory'}"])["BOLT-M8"]
    assert (bolt["stock_quantity"], bolt["being_counted"]) == (MAIN_TOTAL, True)
    assert (bolt["inventory"]["quantity_available"], bolt["inventory"]["being_counted"]) == (MAIN_TOTAL, True)
    low = [a for a in answers["/api/alerts {}"]["data"] if (a["sku"], a["kind"]) == ("BOLT-M8", "low_stock")]
    assert [(a["on_hand"], a["being_counted"]) for a in low] == [(MAIN_TOTAL, True)]
    assert str(MAIN_TOTAL) in low[0]["message"]
    (row,) = by_sku(answers["/api/replenishment/reorder {}"])["BOLT-M8"]
    assert (row["on_hand"], row["suggested_qty"], row["being_counted"]) == (MAIN_TOTAL, SUGGESTED, True)


def test_an_operator_token_sees_figures_that_do_not_sum_the_bin(api_as, counting):
    north = make_location("service-north", bins=("RCV-01", "S-01-01"))
    receive(counting["bolt"], north.bins[1], 7)
    washer = make_product("WASHER-M8")
    receive(washer, counting["bins"]["A-01-01"], 55)
    operator = api_as("operator")

    at_north = by_sku(operator.get("/api/products", include="inventory", location="service-north").get_json())
    (bolt,) = at_north["BOLT-M8"]
    assert bolt["stock_quantity"] == 7 and "being_counted" not in bolt
    assert bolt["inventory"]["quantity_on_hand"] == 7 and "being_counted" not in bolt["inventory"]
    (washer_row,) = by_sku(operator.get("/api/products", include="inventory").get_json())["WASHER-M8"]
    assert washer_row["stock_quantity"] == 55 and "being_counted" not in washer_row
    everywhere = by_sku(operator.get("/api/products").get_json())["BOLT-M8"][0]
    assert everywhere["stock_quantity"] is None and everywhere["being_counted"] is True


def test_once_the_batch_is_submitted_products_alerts_and_reorder_show_the_figures_again(
    api_as, with_policies
):
    operator = accounts.create_user("olly", "long-enough-pw", "operator")
    bin = with_policies["bins"]["A-01-02"]
    for product, qty in ((with_policies["bolt"], COUNTED), (with_policies["nut"], NUT_COUNTED)):
        counts.record(with_policies["batch"].id, bin, product, actor_id=operator.id, set_to=qty)
    counts.submit(with_policies["batch"].id, actor_id=operator.id)

    answers = read_the_rest(api_as("operator"))

    assert "being_counted" not in json.dumps(answers)
    (bolt,) = by_sku(answers["/api/products {'include': 'inventory'}"])["BOLT-M8"]
    assert (bolt["stock_quantity"], bolt["inventory"]["quantity_on_hand"]) == (MAIN_TOTAL, MAIN_TOTAL)
    low = [a for a in answers["/api/alerts {}"]["data"] if (a["sku"], a["kind"]) == ("NUT-M8", "low_stock")]
    assert [a["on_hand"] for a in low] == [NUT_COUNTED] and str(NUT_COUNTED) in low[0]["message"]
    (row,) = by_sku(answers["/api/replenishment/reorder {}"])["BOLT-M8"]
    assert (row["on_hand"], row["suggested_qty"]) == (MAIN_TOTAL, SUGGESTED)


# --- reservations -----------------------------------------------------------------------------


def reserve(api, quantity: int, reference: str, **where):
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "quantity": quantity,
        "reference_type": "order",
        "reference_id": reference,
        **where,
    }
    return api.post("/api/stock/reserve", body)


def key(answer: dict, bin_code: str) -> dict:
    (found,) = [k for k in answer["stock"] if k["bin"] == bin_code]
    return found


def test_an_operator_token_reserving_from_the_bin_gets_no_figure_of_it(api_as, counting):
    operator = api_as("operator")

    reserved = reserve(operator, 10, "ord-1")  # the fullest bin first: A-01-02
    assert reserved.status_code == 201, reserved.get_json()
    fulfilled = operator.post("/api/stock/fulfill", {"reference_type": "order", "reference_id": "ord-1"})
    assert fulfilled.status_code == 200, fulfilled.get_json()
    reserve(operator, 5, "ord-2")
    released = operator.post("/api/stock/release", {"reference_type": "order", "reference_id": "ord-2"})
    assert released.status_code == 200, released.get_json()
    answers = {
        "reserve": reserved.get_json(),
        "fulfill": fulfilled.get_json(),
        "release": released.get_json(),
    }

    # What the bin held after each step: none of it may show.
    assert_no_secret(answers, (*SECRETS, COUNTED - 10, COUNTED - 10 - 5, MAIN_TOTAL - 10))
    for done, answer in answers.items():
        stock = key(answer, "A-01-02")
        assert stock["being_counted"] is True, done
        assert (stock["on_hand"], stock["reserved"], stock["held"], stock["available"]) == (None,) * 4, done
        for row in answer["reservations"]:
            assert row["bin"] == "A-01-02" and row["being_counted"] is True, done
            assert (row["quantity"], row["quantity_open"], row["quantity_fulfilled"]) == (None,) * 3, done


def test_a_supervisor_token_reserving_from_the_bin_gets_its_figures_with_the_flag(api_as, counting):
    answer = reserve(api_as("supervisor"), 10, "ord-1").get_json()

    stock = key(answer, "A-01-02")
    assert (stock["on_hand"], stock["reserved"], stock["available"], stock["being_counted"]) == (
        COUNTED,
        10,
        COUNTED - 10,
        True,
    )
    (row,) = answer["reservations"]
    assert (row["quantity"], row["being_counted"]) == (10, True)


def test_a_refused_reserve_withholds_an_available_that_sums_the_bin_from_an_operator(api_as, counting):
    operator, supervisor = api_as("operator"), api_as("supervisor")

    refused = {
        "location": reserve(operator, MAIN_TOTAL + 1, "ord-1"),
        "bin": reserve(operator, COUNTED + 1, "ord-2", bin="A-01-02"),
    }
    for asked, response in refused.items():
        error = response.get_json()["error"]
        assert (response.status_code, error["code"]) == (409, "insufficient_stock"), asked
        assert "being counted" in error["message"], asked
    assert_no_secret({k: r.get_json() for k, r in refused.items()})
    # Another bin's available is no secret; a supervisor reads every figure.
    elsewhere = reserve(operator, ELSEWHERE + 1, "ord-3", bin="A-01-01").get_json()["error"]["message"]
    assert f"Available: {ELSEWHERE}" in elsewhere
    told = reserve(supervisor, MAIN_TOTAL + 1, "ord-4").get_json()["error"]["message"]
    assert f"Available: {MAIN_TOTAL}" in told


def test_a_channel_refusal_and_a_backorder_withhold_what_was_free_from_an_operator(api_as, counting):
    main = counting["bins"]["A-01-01"].location
    web = Channel(code="web", name="Web")
    db.session.add(web)
    db.session.flush()
    db.session.add(ChannelLocation(channel_id=web.id, location_id=main.id, buffer=9))
    counting["bolt"].allow_backorder = True
    db.session.commit()
    operator = api_as("operator")

    refused = reserve(operator, MAIN_TOTAL - 2, "ord-1", channel="web")  # ATP is MAIN_TOTAL - 9
    ordered = reserve(operator, MAIN_TOTAL + 50, "ord-2", ttl_seconds=None)

    error = refused.get_json()["error"]
    assert (refused.status_code, error["code"]) == (409, "channel_atp_exceeded")
    assert "being counted" in error["message"]
    (waiting,) = ordered.get_json()["backorders"]
    assert (waiting["quantity"], waiting["quantity_waiting"], waiting["being_counted"]) == (None, None, True)
    assert_no_secret(
        {"refused": refused.get_json(), "ordered": ordered.get_json()}, (*SECRETS, MAIN_TOTAL - 9, 50)
    )


def test_once_the_batch_is_submitted_a_refused_reserve_says_the_available_again(api_as, counting):
    operator = accounts.create_user("olly", "long-enough-pw", "operator")
    bin = counting["bins"]["A-01-02"]
    for product, qty in ((counting["bolt"], COUNTED), (counting["nut"], NUT_COUNTED)):
        counts.record(counting["batch"].id, bin, product, actor_id=operator.id, set_to=qty)
    counts.submit(counting["batch"].id, actor_id=operator.id)
    api = api_as("operator")

    message = reserve(api, MAIN_TOTAL + 1, "ord-1").get_json()["error"]["message"]
    answer = reserve(api, 10, "ord-2").get_json()

    assert f"Available: {MAIN_TOTAL}" in message
    assert key(answer, "A-01-02")["on_hand"] == COUNTED and "being_counted" not in json.dumps(answer)


# --- what an operator's token may not call at all -------------------------------------------


def test_the_answers_with_figures_an_operator_token_may_not_call_are_closed(api_as, with_policies):
    operator = api_as("operator")
    bolt_id = operator.get("/api/products", search="BOLT-M8").get_json()["data"][0]["id"]
    alert_id = operator.get("/api/alerts").get_json()["data"][0]["id"]
    returned = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "quantity": 1,
        "reference_type": "order",
        "reference_id": "ord-9",
        "reason": "customer return",
    }

    closed = {
        "POST /api/stock/return": operator.post("/api/stock/return", returned),
        "POST /api/products": operator.post("/api/products", {"sku": "NEW-1", "name": "New"}),
        "PATCH /api/products/{id}": operator.patch(f"/api/products/{bolt_id}", {"name": "Bolt"}),
        "PATCH /api/alerts": operator.patch("/api/alerts", {"id": alert_id, "status": "acknowledged"}),
        "POST /api/stock": operator.post(
            "/api/stock",
            {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-02", "quantity": 1},
        ),
        "POST /api/stock/count": operator.post(
            "/api/stock/count",
            {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-02", "counted_quantity": 1},
        ),
        "GET /api/cycle-counts/{id}": operator.get(f"/api/cycle-counts/{with_policies['batch'].id}"),
    }

    for asked, response in closed.items():
        assert (response.status_code, response.get_json()["error"]["code"]) == (403, "permission_denied"), (
            asked
        )
    assert_no_secret({k: r.get_json() for k, r in closed.items()})
