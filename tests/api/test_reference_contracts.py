"""Integrators migrating from the systems this product replaces send the bodies their
documents show (docs/api.md, "The reference documents' names"): `notes`, `items`,
`order_id`, `locationId`, `warehouse_id`, `product_id`, `referenceType`/`referenceId`,
movement types in/out/adjustment_count and a free-text reason. Each is taken as our field
would be, the answer keeps our one shape, and a field sent under two names is refused."""

from sqlalchemy import func, select

from tests.api.conftest import error_code
from warehouse.alerts.models import ReorderPolicy
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, Posting, ReasonCode
from warehouse.transfers.models import Transfer


def _movements() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Movement))


def test_an_adjustment_as_the_inventory_module_sends_it(api, stocked):
    body = {  # inventory-module.txt, "Adjust Stock", with our bin
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "type": "adjustment_count",
        "quantity": -3,
        "reason": "Physical count discrepancy",
        "reference": "COUNT-2026-02-21",
    }
    response = api.post("/api/stock", body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert (answer["previous_on_hand"], answer["new_on_hand"], answer["type"]) == (30, 27, "adjustment")
    posting = db.session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    # A free-text reason is reason other, the text its note ...
    assert (posting.reason, posting.note) == (ReasonCode.OTHER, "Physical count discrepancy")
    # ... and an adjustment_count without a reason is one found by counting.
    del body["reason"]
    assert api.post("/api/stock", body).status_code == 201
    posting = db.session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    assert posting.reason is ReasonCode.PHYSICAL_COUNT


def test_a_movement_as_the_movements_api_sends_it(api, stocked):
    body = {  # inventory-movements-api.txt, "POST /api/inventory/movements", with our bin
        "product_id": stocked.bolt.id,
        "warehouse_id": stocked.main.id,
        "bin": "A-01-02",
        "movement_type": "in",
        "quantity": 50,
        "notes": "Received from Supplier ABC",
    }
    response = api.post("/api/stock", body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert (answer["sku"], answer["location"], answer["type"]) == (
        "BOLT-M8",
        "warehouse-main",
        "inbound_purchase",
    )
    assert (answer["previous_on_hand"], answer["new_on_hand"]) == (10, 60)
    out = {**body, "movement_type": "out", "quantity": 5, "notes": "Shipped for order #1234"}
    sold = api.post("/api/stock", out).get_json()  # an out of 5 removes 5, as documented
    assert (sold["type"], sold["quantity"], sold["new_on_hand"]) == ("outbound_sale", -5, 55)


def test_a_free_text_reason_is_reason_other_with_the_text_as_the_note(api, stocked):
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": -2}
    assert (
        api.post("/api/stock", {**body, "reason": "Damaged during inspection", "note": "DMG-1"}).status_code
        == 201
    )
    posting = db.session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    assert (posting.reason, posting.note) == (ReasonCode.OTHER, "Damaged during inspection. DMG-1")
    assert api.post("/api/stock", {**body, "reason": "damaged"}).status_code == 201  # a code stays a code
    posting = db.session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    assert (posting.reason, posting.note) == (ReasonCode.DAMAGED, None)


def test_a_transfer_type_points_to_the_transfers_endpoint_and_writes_nothing(api, stocked):
    before = _movements()
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "movement_type": "transfer",
        "quantity": 5,
    }
    response = api.post("/api/stock", body)
    assert response.status_code == 422 and "POST /api/transfers" in response.get_json()["error"]["message"]
    assert _movements() == before


def test_a_field_sent_under_two_names_is_refused_and_writes_nothing(api, stocked):
    before = _movements()
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}
    for extra in (
        {"locationId": "service-north"},
        {"product_id": stocked.bolt.id},
        {"notes": "x", "note": "y"},
    ):
        response = api.post("/api/stock", {**body, **extra})
        assert response.status_code == 422, extra
        assert "not 2" in response.get_json()["error"]["message"], response.get_json()
    assert _movements() == before


def test_an_unknown_product_or_location_id_is_refused_clearly(api, stocked):
    body = {"warehouse_id": stocked.main.id, "bin": "A-01-01", "quantity": 1}
    response = api.post("/api/stock", {**body, "product_id": 999_999})
    assert response.status_code == 422
    assert "No product with id 999999" in str(response.get_json()["error"])
    response = api.post("/api/stock", {**body, "product_id": 2**40})
    assert response.status_code == 422


def test_a_reservation_by_order_id_and_its_release_as_documented(api, stocked):
    body = {"product_id": stocked.bolt.id, "locationId": "warehouse-main", "quantity": 5, "order_id": 789}
    response = api.post("/api/stock/reserve", body)  # product-inventory.txt, "Reserve Stock"
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert (answer["reference_type"], answer["reference_id"], answer["quantity"]) == ("order", "789", 5)
    # sku-transactions.txt releases by its camelCase reference.
    release = {"sku": "BOLT-M8", "referenceType": "order", "referenceId": "789", "quantity": 3}
    released = api.post("/api/stock/release", release)
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["quantity"] == 3
    both = api.post("/api/stock/release", {**release, "order_id": 789})
    assert both.status_code == 422 and error_code(both) == "validation_failed"


def test_a_transfer_with_items_and_notes_as_the_inventory_module_sends_it(api, stocked):
    body = {  # inventory-module.txt, "Create Transfer"
        "from_location": "warehouse-main",
        "to_location": "service-north",
        "items": [{"sku": "BOLT-M8", "quantity": 10}, {"product_id": stocked.bolt.id, "quantity": 2}],
        "notes": "Restock service center for Q1",
    }
    response = api.post("/api/transfers", body)
    assert response.status_code == 201, response.get_json()
    transfer = db.session.get(Transfer, response.get_json()["id"])
    assert transfer.note == "Restock service center for Q1"
    assert sorted(line.qty_requested for line in transfer.lines) == [2, 10]
    assert "lines" in response.get_json() and "items" not in response.get_json()  # our one shape


def test_movement_history_filtered_by_their_names_and_types(api, stocked):
    api.post("/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": -1})
    ours = api.get("/api/movements", sku="BOLT-M8", location="warehouse-main").get_json()["meta"]["total"]
    theirs = api.get("/api/movements", product_id=str(stocked.bolt.id), warehouse_id=str(stocked.main.id))
    assert theirs.status_code == 200 and theirs.get_json()["meta"]["total"] == ours == 3
    received = api.get("/api/movements", movement_type="in").get_json()
    assert received["meta"]["total"] == 3 and {m["type"] for m in received["data"]} == {"inbound_purchase"}
    adjusted = api.get("/api/movements", movement_type="adjustment").get_json()
    assert adjusted["meta"]["total"] == 1
    assert api.get("/api/movements", movement_type="sideways").status_code == 422


def test_the_document_shows_each_other_name_as_an_alternative(client, api):
    doc = api.get("/api/openapi.json").get_json()
    reserve = doc["components"]["schemas"]["ReserveIn"]
    assert "order_id" in reserve["properties"] and "locationId" in reserve["properties"]
    assert "Alternative to `reference_id`" in reserve["properties"]["order_id"]["description"]
    # sku or product_id: exactly one of them, and neither is required on its own.
    assert {"oneOf": [{"required": ["sku"]}, {"required": ["product_id"]}]} in reserve["allOf"]
    assert "sku" not in reserve["required"]
    transfer = doc["components"]["schemas"]["TransferIn"]
    assert {"items", "notes"} <= set(transfer["properties"])


def test_movements_carry_the_product_name_the_note_and_the_cost(api, stocked):
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-02", "type": "inbound_purchase"}
    assert api.post("/api/stock", {**body, "quantity": 10, "note": "PO-77 from Acme"}).status_code == 201
    newest = api.get("/api/movements", sku="BOLT-M8", limit=1).get_json()["data"][0]
    assert (newest["product_name"], newest["note"]) == (stocked.bolt.name, "PO-77 from Acme")
    assert newest["cost_per_unit"] is None  # none was given


def test_stock_rows_carry_the_maximum_stock_level(api, stocked):
    policy = ReorderPolicy(
        product_id=stocked.bolt.id, location_id=stocked.main.id, reorder_point=5, max_level=120
    )
    db.session.add(policy)
    db.session.commit()
    rows = api.get("/api/stock", sku="BOLT-M8", location="warehouse-main").get_json()["data"]
    assert {r["max_stock_level"] for r in rows} == {120}
    north = api.get("/api/stock", sku="BOLT-M8", location="service-north").get_json()["data"]
    assert {r["max_stock_level"] for r in north} == {None}


def test_without_a_bin_the_one_bin_holding_the_sku_is_adjusted(api, stocked):
    body = {"sku": "BOLT-M8", "location": "service-north", "type": "adjustment_count", "quantity": -3}
    response = api.post("/api/stock", {**body, "reason": "Physical count discrepancy"})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["bin"], response.get_json()["new_on_hand"]) == ("S-01-01", 2)
    # In two bins at warehouse-main: which one is meant? Nothing is written.
    before = _movements()
    several = api.post("/api/stock", {**body, "location": "warehouse-main"})
    assert several.status_code == 422 and "name the bin" in several.get_json()["error"]["message"]
    assert _movements() == before
    # Units of a SKU that is in no bin there arrive in the receiving bin, to be put away.
    nut = {"sku": "NUT-M8", "location": "warehouse-main", "movement_type": "in", "quantity": 4}
    arrived = api.post("/api/stock", nut).get_json()
    assert (arrived["bin"], arrived["new_on_hand"]) == ("RCV-01", 4)
    waiting = api.get("/api/putaway", location="warehouse-main").get_json()["data"]
    assert [(t["id"], t["sku"], t["quantity"]) for t in waiting] == [
        (arrived["putaway_task_id"], "NUT-M8", 4)
    ]


def test_a_receipt_with_a_cost_per_unit_moves_the_average_cost(api, stocked):
    body = {  # inventory-movements-api.txt, "POST /api/inventory/movements", word for word
        "product_id": stocked.nut.id,
        "warehouse_id": stocked.main.id,
        "movement_type": "in",
        "quantity": 50,
        "reference_type": "purchase_order",
        "reference_id": "po_456",
        "notes": "Received from Supplier ABC",
        "cost_per_unit": 25.00,
    }
    response = api.post("/api/stock", body)
    assert response.status_code == 201, response.get_json()
    assert (
        api.post(
            "/api/stock", {**body, "quantity": 50, "cost_per_unit": 35, "reference_id": "po_457"}
        ).status_code
        == 201
    )
    newest = api.get("/api/movements", sku="NUT-M8", limit=1).get_json()["data"][0]
    assert (newest["cost_per_unit"], newest["note"]) == ("35.0000", "Received from Supplier ABC")
    assert newest["reason"] == "received"  # "in: Stock received"
    assert (newest["reference_type"], newest["reference_id"]) == ("purchase_order", "po_457")
    (row,) = api.get("/api/stock", sku="NUT-M8", location="warehouse-main").get_json()["data"]
    assert (row["on_hand"], row["average_cost"]) == (100, "30.0000")
    sale = {"sku": "NUT-M8", "location": "warehouse-main", "type": "out", "quantity": 5, "cost_per_unit": 30}
    refused = api.post("/api/stock", sale)
    assert refused.status_code == 422 and "units coming in" in refused.get_json()["error"]["message"]


def test_an_alert_threshold_as_the_inventory_module_names_it(api, stocked):
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "threshold": 50}
    response = api.post("/api/alerts", body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["low_stock_threshold"] == 50


def test_a_reason_the_system_sets_is_refused_by_name_or_by_code(api, stocked):
    before = _movements()
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 2}
    for reason in ("opening_balance", "Opening balance"):
        refused = api.post("/api/stock", {**body, "reason": reason})
        assert refused.status_code == 422 and "set by the system" in refused.get_json()["error"]["message"]
    assert _movements() == before
    written = api.post(
        "/api/stock", {**body, "reason": "Write-off", "quantity": -2}
    )  # a code, said as a word
    assert written.status_code == 201
    posting = db.session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    assert (posting.reason, posting.note) == (ReasonCode.WRITE_OFF, None)
