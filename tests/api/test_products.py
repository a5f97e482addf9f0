"""Products through the API: create (barcodes, a case pack, opening stock posted through the
ledger, a reorder policy), read with the inventory object and stock status, list and
search, change, sync a catalog in bulk, and every refusal named."""

import json

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from tests.factories import receive
from warehouse import accounts
from warehouse.accounts import organisations
from warehouse.accounts.models import User
from warehouse.alerts.models import ReorderPolicy
from warehouse.api import examples
from warehouse.api import product_schemas as s
from warehouse.api.spec import OPERATIONS
from warehouse.catalog.models import Product
from warehouse.catalog.scan import find_product_and_pack
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, MovementType, Posting, ReasonCode

EACH, CASE, OTHER = "4006381333931", "14006381333938", "4006381333948"  # right check digits
LAPTOP = {
    "sku": "LAPTOP-001",
    "name": "Premium Laptop",
    "unit_cost": "899.50",
    "barcodes": [{"code": EACH}, {"code": CASE, "pack_qty": 12}],
    "stock_quantity": 100,
    "location": "warehouse-main",
    "reorder_point": 20,
    "reorder_quantity": 50,
}
INVENTORY_FIELDS = {
    "quantity_on_hand",
    "quantity_reserved",
    "quantity_available",
    "reorder_point",
    "reorder_quantity",
    "last_counted_at",
    "last_movement_at",
}


@pytest.fixture
def admin(api_as):
    return api_as("admin")


def count(model) -> int:
    db.session.rollback()  # see what the requests committed
    return db.session.scalar(select(func.count()).select_from(model))


# --- create ------------------------------------------------------------------------------


def test_create_with_barcodes_a_case_pack_opening_stock_and_a_reorder_policy(admin, stocked):
    response = admin.post("/api/products", LAPTOP)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {
        **body,
        "sku": "LAPTOP-001",
        "name": "Premium Laptop",
        "unit_cost": "899.5000",
        "track_inventory": True,
        "allow_backorder": False,
        "lot_tracked": False,
        "active": True,
        "barcodes": [{"code": EACH, "pack_qty": 1}, {"code": CASE, "pack_qty": 12}],
        "stock_quantity": 100,
        "reorder_point": 20,
        "reorder_quantity": 50,
        "stock_status": "in_stock",
        "in_stock": True,
    }
    assert body["inventory"]["quantity_on_hand"] == 100 and body["inventory"]["last_movement_at"].endswith(
        "Z"
    )
    db.session.rollback()
    product = db.session.get(Product, body["id"])
    assert find_product_and_pack(CASE) == (product, 12)  # one scan of the case counts 12
    movement = db.session.scalar(select(Movement).where(Movement.product_id == product.id))
    assert (movement.type, movement.reason, movement.qty) == (
        MovementType.ADJUSTMENT_COUNT,
        ReasonCode.OPENING_BALANCE,
        100,
    )
    assert (movement.reference_type, movement.reference_id) == ("product", "LAPTOP-001")
    assert (movement.bin.code, movement.bin.kind.value) == ("RCV-01", "receiving")
    policy = db.session.scalar(select(ReorderPolicy).where(ReorderPolicy.product_id == product.id))
    assert (policy.location_id, policy.reorder_point, policy.reorder_qty) == (stocked.main.id, 20, 50)


def test_opening_stock_of_a_lot_tracked_product_needs_its_lot(admin, stocked):
    glue = {
        "sku": "EPOXY-1",
        "name": "Epoxy",
        "expiry_tracked": True,
        "stock_quantity": 6,
        "location": "warehouse-main",
        "bin": "A-01-02",
    }
    refused = admin.post("/api/products", glue)
    assert refused.status_code == 422 and "lot-tracked" in refused.get_json()["error"]["message"]
    no_expiry = admin.post("/api/products", {**glue, "lot": "L-1"})
    assert no_expiry.status_code == 422 and "expiry" in no_expiry.get_json()["error"]["message"]
    assert count(Product) == 3  # nothing of either was kept
    done = admin.post("/api/products", {**glue, "lot": "L-1", "expiry": "2027-03-31"})
    assert done.status_code == 201 and done.get_json()["lot_tracked"] is True
    db.session.rollback()
    movement = db.session.scalar(select(Movement).where(Movement.reference_id == "EPOXY-1"))
    assert (movement.bin.code, movement.lot.code, movement.lot.expiry_date.isoformat()) == (
        "A-01-02",
        "L-1",
        "2027-03-31",
    )


def test_create_refuses_stock_it_cannot_place(admin, stocked):
    untracked = admin.post(
        "/api/products",
        {
            "sku": "SVC-1",
            "name": "Setup",
            "track_inventory": False,
            "stock_quantity": 1,
            "location": "warehouse-main",
        },
    )
    assert (untracked.status_code, error_code(untracked)) == (422, "inventory_not_tracked")
    nowhere = admin.post("/api/products", {"sku": "X-1", "name": "X", "stock_quantity": 5})
    assert (
        nowhere.status_code == 422
        and "location is needed" in nowhere.get_json()["error"]["details"]["fields"]["body"]
    )
    unknown = admin.post("/api/products", {**LAPTOP, "location": "nowhere"})
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    no_bin = admin.post("/api/products", {**LAPTOP, "bin": "Z-99"})
    assert no_bin.status_code == 404 and "Z-99" in no_bin.get_json()["error"]["message"]
    lone_location = admin.post("/api/products", {"sku": "X-2", "name": "X", "location": "warehouse-main"})
    assert lone_location.status_code == 422
    assert count(Product) == 3 and count(Posting) == 3  # the stocked site's only


# --- read: inventory and stock status ---------------------------------------------------


def _get(api, product_id, **params):
    response = api.get(f"/api/products/{product_id}", **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_include_inventory_gives_the_reference_figures(admin, api, stocked):
    product_id = admin.post("/api/products", LAPTOP).get_json()["id"]
    reserve = {
        "sku": "LAPTOP-001",
        "location": "warehouse-main",
        "quantity": 5,
        "reference_type": "order",
        "reference_id": "ord-1",
    }
    admin.post(
        "/api/stock/count",
        {"sku": "LAPTOP-001", "location": "warehouse-main", "bin": "RCV-01", "counted_quantity": 45},
    )
    admin.post(
        "/api/stock",
        {
            "sku": "LAPTOP-001",
            "location": "warehouse-main",
            "bin": "A-01-01",
            "quantity": 5,
            "reason": "found",
        },
    )
    assert api.post("/api/stock/reserve", reserve).status_code == 201
    plain = _get(api, product_id)
    assert plain["inventory"] is None and plain["stock_quantity"] == 50
    body = _get(api, product_id, include="inventory")
    inventory = body["inventory"]
    assert set(inventory) == INVENTORY_FIELDS
    assert {k: inventory[k] for k in INVENTORY_FIELDS - {"last_counted_at", "last_movement_at"}} == {
        "quantity_on_hand": 50,
        "quantity_reserved": 5,
        "quantity_available": 45,
        "reorder_point": 20,
        "reorder_quantity": 50,
    }
    assert inventory["last_counted_at"].endswith("Z") and inventory["last_movement_at"].endswith("Z")
    assert (body["stock_status"], body["in_stock"]) == ("in_stock", True)
    north = _get(api, product_id, include="inventory", location="service-north")
    assert north["inventory"]["quantity_on_hand"] == 0 and north["inventory"]["reorder_point"] is None
    assert api.get(f"/api/products/{product_id}", location="nowhere").status_code == 404


def test_stock_status_in_each_of_the_four_states(admin, api, stocked):
    def make(sku, qty, backorder=False):
        body = {"sku": sku, "name": sku.title(), "allow_backorder": backorder, "location": "warehouse-main"}
        body |= {"reorder_point": 10, **({"stock_quantity": qty} if qty else {})}
        return admin.post("/api/products", body).get_json()["id"]

    plenty, few, none, backordered = make("P-1", 30), make("P-2", 10), make("P-3", 0), make("P-4", 0, True)
    read = {pid: _get(api, pid, include="inventory") for pid in (plenty, few, none, backordered)}
    states = {
        pid: (p["stock_status"], p["in_stock"], p["inventory"]["quantity_available"])
        for pid, p in read.items()
    }
    assert states == {
        plenty: ("in_stock", True, 30),  # available > 0, on hand above the reorder point
        few: ("low_stock", True, 10),  # on hand 10 <= reorder point 10, still available
        none: ("out_of_stock", False, 0),
        backordered: ("on_backorder", False, 0),
    }
    # Everything reserved: on hand (above the reorder point) but nothing available.
    admin.post(
        "/api/stock",
        {"sku": "P-3", "location": "warehouse-main", "bin": "A-01-01", "quantity": 12, "reason": "found"},
    )
    reserve = {
        "sku": "P-3",
        "location": "warehouse-main",
        "quantity": 12,
        "reference_type": "order",
        "reference_id": "o-9",
    }
    assert api.post("/api/stock/reserve", reserve).status_code == 201
    assert (_get(api, none)["stock_status"], _get(api, none)["stock_quantity"]) == ("out_of_stock", 12)
    listed = {p["sku"]: p["stock_status"] for p in api.get("/api/products", search="P-").get_json()["data"]}
    assert listed == {"P-1": "in_stock", "P-2": "low_stock", "P-3": "out_of_stock", "P-4": "on_backorder"}


# --- list and search -------------------------------------------------------------------


def test_the_list_pages_and_searches_sku_name_and_barcode(admin, api, stocked):
    for n in range(3):
        admin.post("/api/products", {"sku": f"CAB-{n}", "name": f"Cable {n}"})
    first = api.get("/api/products", limit=2).get_json()
    assert first["meta"] == {"total": 6, "page": 1, "limit": 2, "has_more": True}
    assert [p["sku"] for p in first["data"]] == ["BOLT-M8", "CAB-0"]
    assert [p["sku"] for p in api.get("/api/products", limit=2, page=3).get_json()["data"]] == [
        "GLUE-50",
        "NUT-M8",
    ]
    sku = lambda **q: [p["sku"] for p in api.get("/api/products", **q).get_json()["data"]]  # noqa: E731
    assert sku(search="cab") == ["CAB-0", "CAB-1", "CAB-2"]
    assert sku(search="Item NUT") == ["NUT-M8"]  # the name
    assert sku(search="9506000134352") == ["BOLT-M8"]  # the barcode, exactly
    assert sku(search="09506000134352") == ["BOLT-M8"]  # the same GTIN printed as 14 digits
    assert sku(search="950600013435") == []  # part of a barcode is not a barcode
    assert sku(search="%") == []  # a wildcard is a character like any other
    bolt = api.get("/api/products", search="BOLT").get_json()["data"][0]
    assert (bolt["stock_quantity"], bolt["inventory"]) == (45, None)
    with_inventory = api.get("/api/products", search="BOLT", include="inventory", location="service-north")
    assert with_inventory.get_json()["data"][0]["inventory"]["quantity_on_hand"] == 5
    admin.patch(f"/api/products/{bolt['id']}", {"active": False})
    assert "BOLT-M8" not in sku(active="true") and sku(active="false") == ["BOLT-M8"]
    assert api.get("/api/products", colour="red").status_code == 422  # unknown filters are refused


# --- change ------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_given_and_replaces_barcodes(admin, stocked):
    created = admin.post("/api/products", LAPTOP).get_json()
    path = f"/api/products/{created['id']}"
    response = admin.patch(
        path, {"name": "Laptop 14", "barcodes": [{"code": OTHER}], "allow_backorder": True}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["unit_cost"], body["allow_backorder"]) == ("Laptop 14", "899.5000", True)
    assert body["barcodes"] == [{"code": OTHER, "pack_qty": 1}]
    assert find_product_and_pack(EACH)[0] is None  # the barcodes were replaced
    policy = admin.patch(path, {"location": "warehouse-main", "reorder_point": 25}).get_json()
    assert (policy["reorder_point"], policy["reorder_quantity"]) == (25, 50)  # the quantity kept
    north = admin.patch(
        path, {"location": "service-north", "reorder_point": 3, "reorder_quantity": 9}
    ).get_json()
    assert (north["reorder_point"], north["reorder_quantity"]) == (28, 59)  # summed over locations
    assert admin.patch(path, {"reorder_point": 3}).status_code == 422  # where?
    gone = admin.patch(path, {"active": False}).get_json()
    assert gone["active"] is False and gone["name"] == "Laptop 14"
    assert admin.client.delete(path, headers=admin.headers()).status_code == 405  # deactivate instead


# --- bulk sync ---------------------------------------------------------------------------


def test_a_bulk_put_answers_one_line_per_item_and_writes_the_valid_ones(admin, stocked):
    bolt_name = "Item BOLT-M8"
    items = [
        {"sku": "NEW-1", "name": "New one", "barcodes": [{"code": OTHER}]},  # created
        {"sku": "BOLT-M8", "name": "Hex bolt M8"},  # updated
        {"sku": "NUT-M8", "name": "Item NUT-M8"},  # unchanged
        {"sku": "NEW-2", "name": "Taken", "barcodes": [{"code": "9506000134352"}]},  # BOLT-M8's barcode
        {"sku": "NEW-3"},  # a new product without a name
        {"sku": "NEW-4", "name": "Bad GTIN", "barcodes": [{"code": "4006381333930"}]},
        {"sku": "NEW-5", "name": "Empty case", "barcodes": [{"code": "CASE-5", "pack_qty": 0}]},
        {"sku": "NEW-6", "name": "A bin", "barcodes": [{"code": "warehouse-main:A-01-01"}]},
        {"sku": "new-1", "name": "Again"},  # the same SKU twice in one call
        {"sku": "NEW-7", "name": "Same barcode", "barcodes": [{"code": OTHER}]},  # NEW-1 took it above
    ]
    response = admin.client.put("/api/products", json={"items": items}, headers=admin.headers())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    lines = body["items"]
    assert [(l["sku"], l["status"], (l["error"] or {}).get("code")) for l in lines] == [
        ("NEW-1", "created", None),
        ("BOLT-M8", "updated", None),
        ("NUT-M8", "unchanged", None),
        ("NEW-2", "error", "barcode_taken"),
        ("NEW-3", "error", "product_field_invalid"),
        ("NEW-4", "error", "gtin_check_digit_wrong"),
        ("NEW-5", "error", "pack_quantity_invalid"),
        ("NEW-6", "error", "barcode_is_a_bin"),
        ("new-1", "error", "sku_listed_twice"),
        ("NEW-7", "error", "barcode_taken"),
    ]
    assert "BOLT-M8" in lines[3]["error"]["message"] and bolt_name in lines[3]["error"]["message"]
    assert "NEW-1" in lines[9]["error"]["message"]
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (1, 1, 1, 7)
    db.session.rollback()
    assert lines[0]["id"] == db.session.scalar(select(Product.id).where(Product.sku == "NEW-1"))
    assert lines[1]["id"] == stocked.bolt.id and lines[2]["id"] == stocked.nut.id
    assert all(l["id"] is None for l in lines[3:])
    assert count(Product) == 4  # the three of the site and NEW-1
    assert db.session.get(Product, stocked.bolt.id).name == "Hex bolt M8"


def test_an_atomic_bulk_put_writes_nothing_when_any_item_is_refused(admin, stocked):
    items = [{"sku": "NEW-1", "name": "New"}, {"sku": "NEW-2"}]
    response = admin.client.put("/api/products?atomic=true", json={"items": items}, headers=admin.headers())
    assert (response.status_code, error_code(response)) == (422, "products_refused")
    assert response.get_json()["error"]["details"]["items"] == [
        {
            "index": 1,
            "sku": "NEW-2",
            "code": "product_field_invalid",
            "message": "NEW-2 is a new product: give it a name.",
        }
    ]
    assert count(Product) == 3
    items[1]["name"] = "Two"
    done = admin.client.put("/api/products?atomic=true", json={"items": items}, headers=admin.headers())
    assert done.status_code == 200 and done.get_json()["created"] == 2


def test_a_bulk_put_takes_1000_items_and_refuses_1001_saying_so(admin, stocked):
    items = [{"sku": f"S-{n:04}", "name": f"Item {n}"} for n in range(1001)]
    refused = admin.client.put("/api/products", json={"items": items}, headers=admin.headers())
    assert refused.status_code == 422
    assert "at most 1000 items" in refused.get_json()["error"]["details"]["fields"]["items"]
    assert count(Product) == 3
    done = admin.client.put("/api/products", json={"items": items[:1000]}, headers=admin.headers())
    assert done.status_code == 200 and done.get_json()["created"] == 1000


def test_a_bulk_put_replayed_with_its_key_writes_once_and_answers_the_same(admin, stocked):
    items = [{"sku": "NEW-1", "name": "New"}, {"sku": "BOLT-M8", "name": "Renamed"}]
    headers = admin.headers({"Idempotency-Key": "sync-2026-11-22"})
    first = admin.client.put("/api/products", json={"items": items}, headers=headers)
    before = (count(Product), count(Posting))
    again = admin.client.put("/api/products", json={"items": items}, headers=headers)
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (count(Product), count(Posting)) == before
    # Without its key the same call is judged afresh: nothing left to change.
    fresh = admin.client.put("/api/products", json={"items": items}, headers=admin.headers()).get_json()
    assert [l["status"] for l in fresh["items"]] == ["unchanged", "unchanged"]
    other = admin.client.put("/api/products?atomic=true", json={"items": items}, headers=headers)
    assert (other.status_code, error_code(other)) == (422, "idempotency_key_reused")


def test_a_create_retried_with_its_key_posts_the_opening_stock_once(admin, stocked):
    headers = {"Idempotency-Key": "new-laptop"}
    first = admin.post("/api/products", LAPTOP, headers=headers)
    again = admin.post("/api/products", LAPTOP, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_data() == first.get_data() and again.headers["Idempotent-Replayed"] == "true"
    db.session.rollback()
    opening = select(func.count()).select_from(Movement).where(Movement.reason == ReasonCode.OPENING_BALANCE)
    assert db.session.scalar(opening) == 1


# --- refusals ----------------------------------------------------------------------------


def test_duplicates_name_the_product_that_has_the_sku_or_barcode(admin, stocked):
    sku = admin.post("/api/products", {"sku": "bolt-m8", "name": "Another"})
    assert (sku.status_code, error_code(sku)) == (422, "sku_taken")
    assert "Item BOLT-M8" in sku.get_json()["error"]["message"]
    barcode = admin.post(
        "/api/products", {"sku": "B-2", "name": "B", "barcodes": [{"code": "9506000134352"}]}
    )
    assert (barcode.status_code, error_code(barcode)) == (422, "barcode_taken")
    assert "BOLT-M8 (Item BOLT-M8)" in barcode.get_json()["error"]["message"]
    created = admin.post("/api/products", {"sku": "B-3", "name": "B"}).get_json()
    renamed = admin.patch(f"/api/products/{created['id']}", {"sku": "NUT-M8"})
    assert (renamed.status_code, error_code(renamed)) == (422, "sku_taken")


@pytest.mark.parametrize(
    ("barcode", "code"),
    [
        ({"code": "4006381333930"}, "gtin_check_digit_wrong"),
        ({"code": "CASE-1", "pack_qty": 0}, "pack_quantity_invalid"),
        ({"code": "CASE-1", "pack_qty": -3}, "pack_quantity_invalid"),
        ({"code": "A-01-01"}, "barcode_is_a_bin"),
        ({"code": "warehouse-main:A-01-01"}, "barcode_is_a_bin"),
        ({"code": "two words"}, "product_field_invalid"),
    ],
)
def test_barcode_rules_are_refused_by_name(admin, stocked, barcode, code):
    response = admin.post("/api/products", {"sku": "B-1", "name": "B", "barcodes": [barcode]})
    assert (response.status_code, error_code(response)) == (422, code), response.get_json()
    assert count(Product) == 3


def test_bad_input_is_refused_and_never_500s(admin, stocked):
    before = count(Product)
    nul = admin.post("/api/products", {"sku": "N-1", "name": "nul\u0000name"})
    assert (nul.status_code, error_code(nul)) == (400, "nul_character")
    big_nul = admin.client.put(
        "/api/products",
        json={"items": [{"sku": f"N-{n}", "name": "x" * 100} for n in range(600)] + [{"sku": "N\u0000"}]},
        headers=admin.headers(),
    )
    assert (big_nul.status_code, error_code(big_nul)) == (400, "nul_character")  # a body over 64 KiB too
    long = admin.post("/api/products", {"sku": "S" * 65, "name": "n" * 201})
    assert long.status_code == 422 and {"sku", "name"} <= set(long.get_json()["error"]["details"]["fields"])
    for field, value in (
        ("stock_quantity", "5"),
        ("unit_cost", "abc"),
        ("reorder_point", "ten"),
        ("active", "yes"),
    ):
        body = {**LAPTOP, field: value}
        response = admin.post("/api/products", body)
        assert response.status_code == 422 and field in response.get_json()["error"]["details"]["fields"], (
            field
        )
    for cost in (-1, 10**9, "1e400", 1.23456):
        assert admin.post("/api/products", {"sku": "C-1", "name": "C", "unit_cost": cost}).status_code == 422
    assert admin.post("/api/products", {"sku": "C-1", "name": "=HYPERLINK()"}).status_code == 422
    assert admin.post("/api/products", {"sku": "C-1", "name": "C", "colour": "red"}).status_code == 422
    assert admin.patch(f"/api/products/{stocked.bolt.id}", {"stock_quantity": 5}).status_code == 422
    assert admin.get("/api/products/99999999999").status_code == 404
    assert count(Product) == before


def test_another_organisations_product_is_not_found(admin, stocked):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        theirs = Product(sku="FISH-1", name="Fish")
        db.session.add(theirs)
        db.session.commit()
        their_id = theirs.id
    assert admin.get(f"/api/products/{their_id}").status_code == 404
    patched = admin.patch(f"/api/products/{their_id}", {"name": "Mine now"})
    assert (patched.status_code, error_code(patched)) == (404, "not_found")
    assert "FISH-1" not in admin.get("/api/products", search="FISH").get_data(as_text=True)
    synced = admin.client.put("/api/products", json={"items": [{"sku": "FISH-1"}]}, headers=admin.headers())
    assert synced.get_json()["items"][0]["status"] == "error"  # a new product here: it needs a name
    with tenancy.acting_for(harbor.id):
        assert db.session.get(Product, their_id).name == "Fish"


def test_writes_need_products_write_which_only_admins_hold(api_as, stocked):
    for role in ("operator", "supervisor"):
        caller = api_as(role)
        calls = (
            caller.post("/api/products", {"sku": "X-1", "name": "X"}),
            caller.patch(f"/api/products/{stocked.bolt.id}", {"name": "X"}),
            caller.client.put(
                "/api/products", json={"items": [{"sku": "X-1", "name": "X"}]}, headers=caller.headers()
            ),
        )
        for response in calls:
            assert (response.status_code, error_code(response)) == (403, "permission_denied"), role
            assert response.get_json()["error"]["details"]["permission"] == "products.write"
        assert caller.get("/api/products").status_code == 200  # reading is inventory.read
    narrowed = api_as("admin", scopes="inventory.read")
    assert narrowed.post("/api/products", {"sku": "X-1", "name": "X"}).status_code == 403
    assert count(Product) == 3


# --- the document ------------------------------------------------------------------------


def test_every_product_and_policy_endpoint_is_documented_with_valid_examples(client, auth):
    auth.login("operator")
    doc = client.get("/api/openapi.json").get_json()
    wanted = {
        ("get", "/api/products"),
        ("post", "/api/products"),
        ("put", "/api/products"),
        ("get", "/api/products/{product_id}"),
        ("patch", "/api/products/{product_id}"),
        ("get", "/api/replenishment/config"),
        ("put", "/api/replenishment/config"),
    }
    for method, path in wanted:
        operation = doc["paths"][path][method]
        answer = next(iter(operation["responses"].values()))["content"]["application/json"]
        assert "example" in answer, (method, path)
        if method != "get":
            assert "example" in operation["requestBody"]["content"]["application/json"], (method, path)
    for op in OPERATIONS:
        if op.example is not None:
            op.body.model_validate_json(json.dumps(op.example))
        if op.answer is not None:
            op.response.model_validate(op.answer)
    assert s.ProductOut.model_validate(examples.PRODUCT).inventory.quantity_available == 35


def test_a_sync_does_not_change_lot_tracking_of_a_product_with_stock(app, client, site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 3)
    admin = db.session.scalar(select(User).where(User.username == "admin")) or accounts.create_user(
        "admin", "admin-password-1", "admin"
    )
    token = accounts.create_token(admin, name="sync")
    answer = client.put(
        "/api/products",
        json={"items": [{"sku": "BOLT-M8", "lot_tracked": True}, {"sku": "NUT-M8", "lot_tracked": True}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    lines = {line["sku"]: line for line in answer.get_json()["items"]}
    assert lines["BOLT-M8"]["status"] == "error"
    assert lines["BOLT-M8"]["error"]["code"] == "tracking_locked_by_stock"
    assert lines["NUT-M8"]["status"] == "updated"
