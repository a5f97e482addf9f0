"""Locations, transfers through every state, and cycle counts (supervisor view)."""

from tests.api.conftest import error_code, user
from warehouse import counts
from warehouse.catalog.models import Bin
from warehouse.core.extensions import db
from warehouse.counts.models import CountLine


def new_transfer(api, qty=6):
    return api.post(
        "/api/transfers",
        {
            "from_location": "warehouse-main",
            "to_location": "service-north",
            "note": "top up",
            "lines": [{"sku": "BOLT-M8", "quantity": qty}],
        },
    )


def test_locations_list_and_bins(api, stocked):
    body = api.get("/api/locations", limit=2).get_json()
    assert body["meta"] == {"total": 3, "page": 1, "limit": 2, "has_more": True}
    assert [l["code"] for l in body["data"]] == ["TRANSIT", "service-north"]
    bins = api.get("/api/locations/warehouse-main/bins").get_json()
    assert [b["code"] for b in bins["data"]] == ["A-01-01", "A-01-02", "RCV-01"]
    assert api.get("/api/locations/nowhere/bins").status_code == 404
    assert api.get("/api/locations", type="transit").get_json()["meta"]["total"] == 1


def test_adding_a_location_with_its_bins_and_refusing_a_duplicate(api_as, stocked):
    admin = api_as("admin")
    body = {
        "code": "dealer-7",
        "name": "Dealer 7",
        "type": "dealer",
        "bins": [{"code": "D-1", "kind": "storage"}, {"code": "RCV", "kind": "receiving"}],
    }
    assert admin.post("/api/locations", body).status_code == 201
    assert {b.code for b in db.session.query(Bin).join(Bin.location).filter_by(code="dealer-7")} == {
        "D-1",
        "RCV",
    }
    again = admin.post("/api/locations", body)
    assert again.status_code == 422 and "exists already" in again.get_json()["error"]["message"]
    twice = admin.post("/api/locations", {**body, "code": "dealer-8", "bins": [{"code": "X"}, {"code": "X"}]})
    assert twice.status_code == 422


def test_a_transfer_end_to_end(api, stocked):
    created = new_transfer(api)
    assert created.status_code == 201
    transfer = created.get_json()
    assert transfer["status"] == "draft" and transfer["number"].startswith("TR-")
    path = f"/api/transfers/{transfer['id']}"
    assert api.patch(path, {"status": "approved"}).get_json()["status"] == "approved"
    shipped = api.patch(path, {"status": "in_transit"}).get_json()
    assert shipped["status"] == "in_transit" and shipped["lines"][0]["quantity_picked"] == 6
    line_id = shipped["lines"][0]["id"]
    received = api.patch(
        path,
        {
            "status": "received",
            "lines": [
                {
                    "line_id": line_id,
                    "quantity_received": 6,
                    "quantity_damaged": 1,
                    "reason": "damaged_in_transit",
                }
            ],
        },
    )
    assert received.status_code == 200
    assert received.get_json()["lines"][0]["quantity_damaged"] == 1
    assert api.patch(path, {"status": "completed"}).get_json()["status"] == "completed"
    north = api.get("/api/stock", location="service-north", bin="RCV-01").get_json()["data"]
    assert (north[0]["on_hand"], north[0]["held"], north[0]["available"]) == (6, 1, 5)  # damaged: held
    history = api.get("/api/movements", reference=f"transfer:{transfer['number']}").get_json()
    assert {m["type"] for m in history["data"]} == {"reserve", "transfer_out", "transfer_in"}


def _received_short(api, arrived=4):
    """6 shipped, `arrived` of them received: the rest missing, still in transit."""
    transfer = new_transfer(api).get_json()
    path = f"/api/transfers/{transfer['id']}"
    api.patch(path, {"status": "approved"})
    line_id = api.patch(path, {"status": "in_transit"}).get_json()["lines"][0]["id"]
    received = api.patch(
        path,
        {
            "status": "received",
            "lines": [{"line_id": line_id, "quantity_received": arrived, "reason": "short_shipped"}],
        },
    ).get_json()
    return transfer["id"], line_id, received


def test_missing_units_show_and_are_resolved_over_the_api(api, stocked):
    transfer_id, line_id, received = _received_short(api)
    assert received["status"] == "received" and received["units_missing"] == 2
    assert received["lines"][0]["quantity_missing"] == 2
    path = f"/api/transfers/{transfer_id}"
    asked = api.patch(path, {"status": "completed"})
    assert asked.status_code == 409 and "found or lost" in asked.get_json()["error"]["message"]

    found = api.post(f"{path}/missing", {"line_id": line_id, "outcome": "found", "quantity": 1})
    assert found.status_code == 200
    line = found.get_json()["lines"][0]
    assert (line["quantity_missing"], line["quantity_found"], found.get_json()["status"]) == (
        1,
        1,
        "received",
    )
    lost = api.post(f"{path}/missing", {"line_id": line_id, "outcome": "lost", "quantity": 1, "note": "gone"})
    body = lost.get_json()
    assert (body["status"], body["units_missing"], body["lines"][0]["quantity_lost"]) == ("completed", 0, 1)
    transit = api.get("/api/stock", location="TRANSIT").get_json()["data"]
    assert sum(row["on_hand"] for row in transit) == 0


def test_a_bad_missing_resolution_is_refused_and_writes_nothing(api, api_as, stocked):
    transfer_id, line_id, _ = _received_short(api, arrived=5)
    path = f"/api/transfers/{transfer_id}/missing"
    for body, status in [
        ({"line_id": line_id, "outcome": "lost", "quantity": -1}, 422),
        ({"line_id": line_id, "outcome": "lost", "quantity": 0}, 422),
        ({"line_id": line_id, "outcome": "lost", "quantity": "one"}, 422),
        ({"line_id": line_id, "outcome": "stolen", "quantity": 1}, 422),
        ({"line_id": line_id, "outcome": "lost", "quantity": 2}, 422),  # 1 missing
        ({"line_id": 999999, "outcome": "lost", "quantity": 1}, 404),
    ]:
        assert api.post(path, body).status_code == status, body
    assert (
        api.post(
            "/api/transfers/999999/missing", {"line_id": line_id, "outcome": "lost", "quantity": 1}
        ).status_code
        == 404
    )
    after = api.get(f"/api/transfers/{transfer_id}").get_json()
    assert (after["status"], after["units_missing"]) == ("received", 1)
    operator = api_as("operator")
    assert operator.post(path, {"line_id": line_id, "outcome": "lost", "quantity": 1}).status_code == 403
    assert api.get(f"/api/transfers/{transfer_id}").get_json()["units_missing"] == 1


def test_a_wrong_state_is_409_and_a_missing_transfer_404(api, stocked):
    transfer = new_transfer(api).get_json()
    response = api.patch(f"/api/transfers/{transfer['id']}", {"status": "completed"})
    assert response.status_code == 409
    assert error_code(response) == "transfer_wrong_state"
    assert api.get("/api/transfers/999999").status_code == 404
    assert api.get("/api/transfers/99999999999").status_code == 404
    lines = api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved", "lines": []})
    assert lines.status_code == 422


def test_approving_more_than_available_is_409_and_reserves_nothing(api, stocked):
    transfer = new_transfer(api, qty=41).get_json()
    response = api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved"})
    assert response.status_code == 409
    assert api.get(f"/api/transfers/{transfer['id']}").get_json()["status"] == "draft"


def test_a_transfer_with_a_bad_line_is_not_created_at_all(api, stocked):
    response = api.post(
        "/api/transfers",
        {
            "from_location": "warehouse-main",
            "to_location": "service-north",
            "lines": [{"sku": "BOLT-M8", "quantity": 1}, {"sku": "NOPE", "quantity": 1}],
        },
    )
    assert response.status_code == 404
    assert api.get("/api/transfers").get_json()["meta"]["total"] == 0


def test_cancel_releases_and_listing_filters_by_status(api, stocked):
    transfer = new_transfer(api).get_json()
    api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved"})
    assert (
        api.patch(f"/api/transfers/{transfer['id']}", {"status": "cancelled"}).get_json()["status"]
        == "cancelled"
    )
    assert api.get("/api/stock/BOLT-M8").get_json()["totals"]["reserved"] == 0
    assert api.get("/api/transfers", status="cancelled").get_json()["meta"]["total"] == 1
    assert api.get("/api/transfers", status="draft").get_json()["meta"]["total"] == 0


def test_transfers_need_their_permissions(api_as, stocked):
    operator = api_as("operator")
    assert operator.get("/api/transfers").status_code == 200
    assert new_transfer(operator).status_code == 403


def test_cycle_count_batch_review_and_resolve(api, stocked):
    created = api.post("/api/cycle-counts", {"location": "warehouse-main", "bins_like": "A-01-*"})
    assert created.status_code == 201
    batch = created.get_json()
    assert batch["line_count"] == 2 and batch["status"] == "open"
    counter = user("operator")
    bin = db.session.query(Bin).filter_by(code="A-01-01", location_id=stocked.main.id).one()
    counts.record(batch["id"], bin, stocked.bolt, actor_id=counter.id, set_to=28)
    other = db.session.query(Bin).filter_by(code="A-01-02", location_id=stocked.main.id).one()
    counts.record(batch["id"], other, stocked.bolt, actor_id=counter.id, set_to=10)
    counts.submit(batch["id"], actor_id=counter.id)
    detail = api.get(f"/api/cycle-counts/{batch['id']}").get_json()
    by_bin = {l["bin"]: l for l in detail["lines"]}
    assert (by_bin["A-01-01"]["ledger_quantity_at_count"], by_bin["A-01-01"]["variance"]) == (30, -2)
    ids = [by_bin["A-01-01"]["id"], by_bin["A-01-02"]["id"]]
    resolved = api.post(f"/api/cycle-counts/{batch['id']}/resolve", {"accept": ids})
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert api.get("/api/stock", bin="A-01-01").get_json()["data"][0]["on_hand"] == 28
    assert api.get("/api/cycle-counts").get_json()["data"][0]["status"] == "resolved"
    assert api.post(f"/api/cycle-counts/{batch['id']}/resolve", {"accept": ids}).status_code == 409


def test_cycle_counts_refusals(api, api_as, stocked):
    assert api.post("/api/cycle-counts", {"location": "warehouse-main", "skus": ["NOPE"]}).status_code == 422
    assert api.post("/api/cycle-counts", {"location": "nowhere"}).status_code == 404
    assert api.post("/api/cycle-counts/1/resolve", {"accept": []}).status_code == 422
    assert api.get("/api/cycle-counts/424242").status_code == 404
    assert api_as("operator").get("/api/cycle-counts").status_code == 403  # counters stay blind
    assert db.session.query(CountLine).count() == 0
