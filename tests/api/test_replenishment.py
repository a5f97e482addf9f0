"""GET /api/replenishment/reorder: the reorder report's rows for integrations (an ERP
raising purchase orders), paged, per location, for tokens holding replenishment.read."""

from tests.factories import receive
from warehouse.alerts.models import ReorderPolicy
from warehouse.core.extensions import db


def _policy(site, product, point, qty, max_level=None):
    db.session.add(
        ReorderPolicy(
            product_id=product.id,
            location_id=site.main.id,
            reorder_point=point,
            reorder_qty=qty,
            max_level=max_level,
        )
    )
    db.session.commit()


def test_the_reorder_report_lists_what_is_at_or_below_its_reorder_point(api, stocked):
    receive(stocked.nut, stocked.bin(stocked.main, "A-01-02"), 3)
    _policy(stocked, stocked.nut, point=5, qty=0, max_level=50)  # 3 <= 5: fill up to 50
    response = api.get("/api/replenishment/reorder", location="warehouse-main")
    assert response.status_code == 200
    body = response.get_json()
    assert body["meta"] == {"total": 1, "page": 1, "limit": 20, "has_more": False}
    row = body["data"][0]
    assert (row["sku"], row["location"], row["reorder_point"], row["suggested_qty"]) == (
        "NUT-M8",
        "warehouse-main",
        5,
        50 - row["on_hand"] - row["inbound"],
    )


def test_an_unknown_location_is_404_and_a_narrowed_token_is_403(api, api_as, stocked):
    missing = api.get("/api/replenishment/reorder", location="nowhere")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    reader = api_as("supervisor", scopes="inventory.read")
    refused = reader.get("/api/replenishment/reorder")
    assert (
        refused.status_code == 403
        and refused.get_json()["error"]["details"]["permission"] == "replenishment.read"
    )
