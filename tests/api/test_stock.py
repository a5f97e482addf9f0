"""Stock endpoints: levels, one SKU, adjust, count, availability, movement history."""

from tests.api.conftest import error_code
from warehouse.alerts.models import ReorderPolicy
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, MovementType

ADJUST = {
    "sku": "BOLT-M8",
    "location": "warehouse-main",
    "bin": "A-01-01",
    "quantity": -4,
    "reason": "damaged",
    "reference": "INC-7",
}


def test_stock_rows_carry_every_field_and_page_meta(api, stocked):
    db.session.add(
        ReorderPolicy(
            product_id=stocked.bolt.id, location_id=stocked.main.id, reorder_point=50, reorder_qty=100
        )
    )
    db.session.commit()
    body = api.get("/api/stock", limit=2).get_json()
    assert body["meta"] == {"total": 3, "page": 1, "limit": 2, "has_more": True}
    first = body["data"][0]
    assert first == {
        **first,
        "sku": "BOLT-M8",
        "product_name": "Item BOLT-M8",
        "location": "service-north",
        "bin": "S-01-01",
        "lot": None,
        "on_hand": 5,
        "reserved": 0,
        "held": 0,
        "available": 5,
        "reorder_point": None,
        "reorder_qty": None,
        "last_counted_at": None,
    }
    assert first["last_movement_at"].endswith("Z")
    last_page = api.get("/api/stock", limit=2, page=2).get_json()
    assert last_page["meta"]["has_more"] is False
    assert [r["bin"] for r in last_page["data"]] == ["A-01-02"]
    assert last_page["data"][0]["reorder_point"] == 50


def test_stock_filters(api, stocked):
    db.session.add(
        ReorderPolicy(
            product_id=stocked.bolt.id, location_id=stocked.main.id, reorder_point=40, reorder_qty=100
        )
    )
    db.session.commit()
    assert api.get("/api/stock", location="warehouse-main").get_json()["meta"]["total"] == 2
    assert api.get("/api/stock", bin="S-01-01").get_json()["meta"]["total"] == 1
    assert api.get("/api/stock", sku="NUT").get_json()["meta"]["total"] == 0
    low = api.get("/api/stock", low_stock="true").get_json()["data"]
    assert {r["location"] for r in low} == {"warehouse-main"}  # 40 on hand <= reorder point 40
    api.post("/api/stock", {**ADJUST, "bin": "S-01-01", "location": "service-north", "quantity": -5})
    out = api.get("/api/stock", out_of_stock="true").get_json()["data"]
    assert [(r["bin"], r["on_hand"], r["available"]) for r in out] == [("S-01-01", 0, 0)]


def test_low_stock_follows_the_alert_threshold_override_like_the_alert_does(api, stocked):
    db.session.add(
        ReorderPolicy(
            product_id=stocked.bolt.id, location_id=stocked.main.id, reorder_point=10, reorder_qty=100
        )
    )
    db.session.commit()
    assert api.get("/api/stock", low_stock="true").get_json()["data"] == []  # 40 on hand > 10
    api.post("/api/alerts", {"sku": "BOLT-M8", "location": "warehouse-main", "low_stock_threshold": 40})
    low = api.get("/api/stock", low_stock="true").get_json()["data"]
    assert {(r["location"], r["bin"]) for r in low} == {
        ("warehouse-main", "A-01-01"),
        ("warehouse-main", "A-01-02"),
    }
    api.post("/api/stock", {**ADJUST, "bin": "S-01-01", "location": "service-north", "quantity": -1})
    api.post("/api/alerts", {"sku": "BOLT-M8", "location": "service-north", "low_stock_threshold": 4})
    low = api.get("/api/stock", low_stock="true").get_json()["data"]  # no policy at north: the override alone
    assert {r["location"] for r in low} == {"warehouse-main", "service-north"}
    live = {(a["kind"], a["location"]) for a in api.get("/api/alerts").get_json()["data"]}
    assert {("low_stock", "warehouse-main"), ("low_stock", "service-north")} <= live


def test_paging_limits_are_enforced(api, stocked):
    response = api.get("/api/stock", limit=101)
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["details"]["fields"]
    assert api.get("/api/stock", page=0).status_code == 422
    assert api.get("/api/stock", page="two").status_code == 422


def test_one_sku_has_totals_and_stock_by_location_and_bin(api, stocked):
    body = api.get("/api/stock/BOLT-M8").get_json()
    assert body["totals"] == {"on_hand": 45, "reserved": 0, "held": 0, "available": 45}
    main = next(l for l in body["by_location"] if l["location"] == "warehouse-main")
    assert main["on_hand"] == 40
    assert [(b["bin"], b["on_hand"]) for b in main["bins"]] == [("A-01-01", 30), ("A-01-02", 10)]


def test_an_unknown_sku_is_404(api, stocked):
    response = api.get("/api/stock/NOPE-1")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_adjust_answers_like_seed_000(api, stocked):
    response = api.post("/api/stock", ADJUST)
    assert response.status_code == 201
    body = response.get_json()
    assert body["previous_on_hand"] == 30 and body["new_on_hand"] == 26
    assert body["type"] == "adjustment" and body["recorded_at"].endswith("Z")
    assert db.session.get(Movement, body["movement_id"]).reference_id == "INC-7"


def test_adjust_that_would_go_negative_is_409_and_writes_nothing(api, stocked):
    before = db.session.query(Movement).count()
    response = api.post("/api/stock", {**ADJUST, "quantity": -31})
    assert response.status_code == 409
    assert error_code(response) == "insufficient_stock"
    assert "on hand 30, requested 31" in response.get_json()["error"]["message"]
    assert db.session.query(Movement).count() == before


def test_sales_and_purchases_carry_their_sign(api, stocked):
    sale = api.post("/api/stock", {**ADJUST, "type": "outbound_sale", "quantity": -3, "reason": "other"})
    assert sale.status_code == 201 and sale.get_json()["type"] == "outbound_sale"
    wrong = api.post("/api/stock", {**ADJUST, "type": "inbound_purchase", "quantity": -3})
    assert wrong.status_code == 422
    assert "positive" in wrong.get_json()["error"]["message"]


def test_bad_input_names_each_field_and_never_500s(api, stocked):
    response = api.post(
        "/api/stock", {"sku": "", "location": "x" * 5000, "bin": "A", "quantity": "5", "color": "red"}
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["details"]["fields"]
    assert {"sku", "location", "quantity", "color"} <= set(fields)
    assert api.post("/api/stock", {**ADJUST, "quantity": 0}).status_code == 422
    assert api.post("/api/stock", {**ADJUST, "quantity": 10**12}).status_code == 422
    assert api.post("/api/stock", {**ADJUST, "sku": "NOPE"}).status_code == 404
    assert api.post("/api/stock", {**ADJUST, "bin": "Z-99"}).status_code == 404
    malformed = api.client.post(
        "/api/stock", data="{not json", headers=api.headers({"Content-Type": "application/json"})
    )
    assert malformed.status_code == 400 and error_code(malformed) == "malformed_json"
    assert error_code(api.post("/api/stock")) == "body_required"
    assert api.post("/api/stock", [1, 2]).status_code == 422


def test_an_oversized_body_is_413(api, stocked):
    response = api.post("/api/stock", {**ADJUST, "note": "x" * 100_000})
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


def test_count_sets_on_hand_to_the_counted_quantity(api, stocked):
    response = api.post(
        "/api/stock/count",
        {
            "sku": "BOLT-M8",
            "location": "warehouse-main",
            "bin": "A-01-01",
            "counted_quantity": 27,
            "reference": "SPOT-1",
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["previous_on_hand"], body["on_hand"], body["variance"]) == (30, 27, -3)
    movement = db.session.get(Movement, body["movement_id"])
    assert movement.type is MovementType.ADJUSTMENT_COUNT and movement.qty == -3
    again = api.post(
        "/api/stock/count",
        {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "counted_quantity": 27},
    ).get_json()
    assert again["variance"] == 0 and again["movement_id"] is None


def test_count_without_a_bin_needs_the_product_in_one_bin_only(api, stocked):
    one = api.post("/api/stock/count", {"sku": "BOLT-M8", "location": "service-north", "counted_quantity": 6})
    assert one.status_code == 200 and one.get_json()["bin"] == "S-01-01"
    several = api.post(
        "/api/stock/count", {"sku": "BOLT-M8", "location": "warehouse-main", "counted_quantity": 6}
    )
    assert several.status_code == 422 and "name the bin" in several.get_json()["error"]["message"]


def test_count_is_for_supervisors(api_as, stocked):
    response = api_as("operator").post(
        "/api/stock/count", {"sku": "BOLT-M8", "location": "service-north", "counted_quantity": 6}
    )
    assert response.status_code == 403


def test_availability_check_per_item(api, stocked):
    response = api.post(
        "/api/availability/check",
        {
            "items": [
                {"sku": "BOLT-M8", "quantity": 40, "location": "warehouse-main"},
                {"sku": "BOLT-M8", "quantity": 46},
            ]
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [(i["available"], i["ok"]) for i in body["items"]] == [(40, True), (45, False)]
    assert body["ok"] is False
    assert api.post("/api/availability/check", {"items": []}).status_code == 422


def test_movement_history_with_balances_before_and_after(api, stocked):
    api.post("/api/stock", ADJUST)
    body = api.get("/api/movements", sku="BOLT-M8", location="warehouse-main", limit=1).get_json()
    assert body["meta"] == {"total": 3, "page": 1, "limit": 1, "has_more": True}
    newest = body["data"][0]
    assert (newest["balance_before"], newest["quantity"], newest["balance_after"]) == (30, -4, 26)
    assert newest["reason"] == "damaged" and newest["user"] == "supervisor"
    by_ref = api.get("/api/movements", reference="adjustment:INC-7").get_json()
    assert by_ref["meta"]["total"] == 1
    # Both parts match exactly, an empty one too: "adjustment:" is not "every adjustment".
    for half in ("adjustment:", ":INC-7", "INC-"):
        assert api.get("/api/movements", reference=half).get_json()["meta"]["total"] == 0, half
    by_type = api.get("/api/movements", type="inbound_purchase").get_json()
    assert by_type["meta"]["total"] == 3
    assert api.get("/api/movements", start_date="2999-01-01").get_json()["meta"]["total"] == 0
    assert api.get("/api/movements", end_date="9999-12-31").get_json()["meta"]["total"] == 4
    assert api.get("/api/movements", start_date="yesterday").status_code == 422
    assert api.get("/api/movements", sku="NOPE").status_code == 404
