"""Alerts through the API: raised by postings, listed, acknowledged, resolved, configured."""

from tests.api.conftest import error_code
from warehouse.alerts.models import AlertSetting, ReorderPolicy
from warehouse.core.extensions import db


def low_on_bolts(api, stocked):
    db.session.add(
        ReorderPolicy(
            product_id=stocked.bolt.id, location_id=stocked.north.id, reorder_point=4, reorder_qty=20
        )
    )
    db.session.commit()
    api.post("/api/stock", {"sku": "BOLT-M8", "location": "service-north", "bin": "S-01-01", "quantity": -2})


def test_a_posting_below_the_reorder_point_raises_an_alert_the_api_lists(api, stocked):
    low_on_bolts(api, stocked)
    body = api.get("/api/alerts").get_json()
    assert body["meta"]["total"] >= 1
    low = next(a for a in body["data"] if a["kind"] == "low_stock")
    assert (low["sku"], low["location"], low["on_hand"], low["status"]) == (
        "BOLT-M8",
        "service-north",
        3,
        "open",
    )
    assert api.get("/api/alerts", kind="overstock").get_json()["meta"]["total"] == 0
    assert api.get("/api/alerts", location="warehouse-main").get_json()["meta"]["total"] == 0


def test_acknowledge_then_resolve_and_not_twice(api, stocked):
    low_on_bolts(api, stocked)
    alert = next(a for a in api.get("/api/alerts").get_json()["data"] if a["kind"] == "low_stock")
    acked = api.patch("/api/alerts", {"id": alert["id"], "status": "acknowledged"})
    assert acked.status_code == 200 and acked.get_json()["status"] == "acknowledged"
    resolved = api.patch("/api/alerts", {"id": alert["id"], "status": "resolved"}).get_json()
    assert resolved["status"] == "resolved" and resolved["closed_at"].endswith("Z")
    again = api.patch("/api/alerts", {"id": alert["id"], "status": "resolved"})
    assert again.status_code == 409
    assert api.get("/api/alerts", status="resolved").get_json()["meta"]["total"] == 1
    assert api.patch("/api/alerts", {"id": 424242, "status": "resolved"}).status_code == 404


def test_configure_a_threshold_and_recipients(api, stocked):
    response = api.post(
        "/api/alerts",
        {
            "sku": "BOLT-M8",
            "location": "warehouse-main",
            "low_stock_threshold": 50,
            "recipients": "a@example.com, b@example.com",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["low_stock_threshold"] == 50
    assert db.session.query(AlertSetting).one().recipients == "a@example.com, b@example.com"
    live = api.get("/api/alerts", sku="BOLT").get_json()["data"]
    assert any(a["kind"] == "low_stock" and a["location"] == "warehouse-main" for a in live)
    bad = api.post(
        "/api/alerts", {"sku": "BOLT-M8", "location": "warehouse-main", "recipients": "not-an-address"}
    )
    assert bad.status_code == 422


def test_operators_read_alerts_but_do_not_close_them(api_as, stocked):
    operator = api_as("operator")
    assert operator.get("/api/alerts").status_code == 200
    response = operator.patch("/api/alerts", {"id": 1, "status": "resolved"})
    assert response.status_code == 403 and error_code(response) == "permission_denied"
