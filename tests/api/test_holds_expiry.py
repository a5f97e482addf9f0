"""Holds and expired stock over the API, as a supervisor works them on the holds and
expiry pages: hold units, list and release holds; list expired stock, mark a lot expired,
send the expired units to a destruction location under the destruction order, and write
them off once destroyed. Operators are refused (as on the pages), every refusal writes
nothing, and a retried call writes once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.api.conftest import Api, error_code
from tests.factories import make_lot, receive
from warehouse import accounts, counts, ledger
from warehouse.accounts import organisations
from warehouse.availability import expiry, holds
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog import locations
from warehouse.catalog.models import LocationType
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.ledger.models import Movement, MovementType

HOLD = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 3, "reason": "quality"}


def written() -> tuple[int, int, int]:
    """Movements, holds and stored commands: what a write adds."""
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Movement, Hold, Command))


def stock_of(api: Api, bin_code: str, sku: str = "BOLT-M8") -> dict:
    rows = api.get("/api/stock", sku=sku, bin=bin_code).get_json()["data"]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def expired_glue(stocked):
    """GLUE-50 lot L-OLD (expired 2020-01-31): 4 in A-01-01; lot L-NEW (2099): 6 there."""
    a1 = stocked.bin(stocked.main, "A-01-01")
    old = make_lot(stocked.glue, "L-OLD", date(2020, 1, 31))
    new = make_lot(stocked.glue, "L-NEW", date(2099, 12, 31))
    receive(stocked.glue, a1, 4, lot=old)
    receive(stocked.glue, a1, 6, lot=new)
    return old


def destruction_site(code: str = "destruction"):
    return locations.create(code, "Destruction cage", LocationType.DESTRUCTION)


# --- holds -------------------------------------------------------------------------------


def test_a_supervisor_holds_units_and_finds_them_in_the_list(api, stocked):
    placed = api.post("/api/holds", {**HOLD, "note": "scratched thread"})
    assert placed.status_code == 201, placed.get_json()
    hold = placed.get_json()
    assert hold["number"] == "HLD-000001"
    assert (hold["quantity"], hold["quantity_open"], hold["status"], hold["reason"]) == (
        3,
        3,
        "active",
        "quality",
    )
    assert "being_counted" not in hold
    bin_stock = stock_of(api, "A-01-01")
    assert (bin_stock["on_hand"], bin_stock["held"], bin_stock["available"]) == (30, 3, 27)

    listed = api.get("/api/holds", sku="BOLT-M8", locationId="warehouse-main", binId="A-01-01").get_json()
    assert [h["number"] for h in listed["data"]] == ["HLD-000001"]
    assert listed["meta"] == {"total": 1, "page": 1, "limit": 20, "has_more": False}
    assert api.get("/api/holds", bin="A-01-02").get_json()["data"] == []
    assert api.get("/api/holds", reason="damaged").get_json()["data"] == []
    assert api.get("/api/holds", status="released").get_json()["data"] == []


def test_a_hold_is_released_by_number_or_id_once(api, stocked):
    first = api.post("/api/holds", HOLD).get_json()
    second = api.post("/api/holds", {**HOLD, "quantity": 2}).get_json()
    by_number = api.post("/api/holds/release", {"number": first["number"]})
    assert by_number.status_code == 200, by_number.get_json()
    assert (by_number.get_json()["status"], by_number.get_json()["quantity_open"]) == ("released", 0)
    by_id = api.post("/api/holds/release", {"hold_id": second["id"]})
    assert by_id.get_json()["status"] == "released"
    assert stock_of(api, "A-01-01")["available"] == 30

    before = written()
    again = api.post("/api/holds/release", {"number": "hld-000001"})
    assert (again.status_code, error_code(again)) == (409, "hold_closed")
    assert "released already" in again.get_json()["error"]["message"]
    assert written() == before
    listed = api.get("/api/holds", status="any").get_json()["data"]
    assert [h["status"] for h in listed] == ["released", "released"]


def test_bad_hold_requests_are_refused_and_write_nothing(api, stocked):
    before = written()
    for quantity in (0, -1, 1_000_001, "5", 2.5):
        response = api.post("/api/holds", {**HOLD, "quantity": quantity})
        assert (response.status_code, error_code(response)) == (422, "validation_failed"), quantity
    too_many = api.post("/api/holds", {**HOLD, "quantity": 31})
    assert (too_many.status_code, error_code(too_many)) == (409, "insufficient_stock")
    assert api.post("/api/holds", {**HOLD, "sku": "NOPE"}).status_code == 404
    assert api.post("/api/holds", {**HOLD, "bin": "Z-99"}).status_code == 404
    lot_on_bolt = api.post("/api/holds", {**HOLD, "lot": "L-1"})
    assert lot_on_bolt.status_code == 422 and "not lot-tracked" in lot_on_bolt.get_json()["error"]["message"]
    assert api.post("/api/holds", {**HOLD, "reason": "bored"}).status_code == 422
    for named in ({}, {"hold_id": 1, "number": "HLD-000001"}, {"number": "HLD-" + "0" * 30}, {"hold_id": 0}):
        assert api.post("/api/holds/release", named).status_code == 422, named
    for named in (
        {"hold_id": 99},
        {"number": "HLD-000099"},
        {"number": "TR-000001"},
        {"number": "HLD-0000000001"},
    ):
        assert api.post("/api/holds/release", named).status_code == 404, named
    assert api.get("/api/holds", location="warehouse-main", locationId="service-north").status_code == 422
    assert api.get("/api/holds", status="open").status_code == 422
    assert written() == before


def test_operators_and_narrowed_tokens_are_refused_as_on_the_pages(api_as, stocked, expired_glue):
    operator = api_as("operator")
    hold = holds.place(
        stocked.bolt, stocked.bin(stocked.main, "A-01-01"), 1, HoldReason.QUALITY, actor_id=None
    )
    before = written()
    for response in (
        operator.get("/api/holds"),
        operator.post("/api/holds", HOLD),
        operator.post("/api/holds/release", {"hold_id": hold.id}),
        operator.get("/api/expiry/expired"),
        operator.post(
            "/api/expiry/mark-expired",
            {"sku": "GLUE-50", "location": "warehouse-main", "bin": "A-01-01", "lot": "L-OLD"},
        ),
        operator.post(
            "/api/expiry/mark-consumed", {"hold_id": hold.id, "reference_type": "x", "reference_id": "1"}
        ),
        operator.post("/api/expiry/transfer-destruction", {"hold_id": hold.id, "reference_id": "CERT-1"}),
    ):
        assert (response.status_code, error_code(response)) == (403, "permission_denied")
        assert response.get_json()["error"]["details"] == {"role": "supervisor"}
    reader = api_as("supervisor", scopes="inventory.read")
    assert reader.get("/api/holds").status_code == 200
    refused = reader.post("/api/holds/release", {"hold_id": hold.id})
    assert (
        refused.status_code == 403
        and refused.get_json()["error"]["details"]["permission"] == "inventory.write"
    )
    assert written() == before


def test_another_organisations_hold_is_not_found(api, stocked):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        from tests.factories import make_location, make_product

        dock = make_location("harbor-dock", bins=("H-01",))
        fish = make_product("FISH-1")
        receive(fish, dock.bins[0], 5)
        theirs = holds.place(fish, dock.bins[0], 2, HoldReason.RECALL, actor_id=None)
        their_id = theirs.id
    before = written()
    assert api.post("/api/holds/release", {"hold_id": their_id}).status_code == 404
    assert api.post("/api/holds/release", {"number": "HLD-000001"}).status_code == 404
    assert api.get("/api/holds", status="any").get_json()["data"] == []
    assert written() == before
    with tenancy.acting_for(harbor.id):
        assert db.session.get(Hold, their_id).status is HoldStatus.ACTIVE


def test_a_retried_hold_or_release_writes_once(api, stocked):
    key = {"Idempotency-Key": "hold-1"}
    first = api.post("/api/holds", HOLD, headers=key)
    before = written()
    retry = api.post("/api/holds", HOLD, headers=key)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (retry.status_code, retry.get_json()) == (first.status_code, first.get_json())
    assert written() == before
    release_key = {"Idempotency-Key": "release-1"}
    released = api.post("/api/holds/release", {"number": "HLD-000001"}, headers=release_key)
    replayed = api.post("/api/holds/release", {"number": "HLD-000001"}, headers=release_key)
    assert replayed.status_code == 200 and replayed.get_json() == released.get_json()
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 1


# --- expired stock ----------------------------------------------------------------------


def test_expired_stock_is_listed_oldest_first_and_marked_expired(api, stocked, expired_glue):
    listed = api.get("/api/expiry/expired").get_json()
    assert [(r["sku"], r["lot"], r["bin"], r["on_hand"], r["held"]) for r in listed["data"]] == [
        ("GLUE-50", "L-OLD", "A-01-01", 4, 0)
    ]
    assert listed["data"][0]["expiry_date"] == "2020-01-31" and listed["data"][0]["days_expired"] > 1000
    assert api.get("/api/expiry/expired", locationId="service-north").get_json()["data"] == []
    assert api.get("/api/expiry/expired", sku="BOLT-M8").get_json()["data"] == []

    body = {"sku": "GLUE-50", "location": "warehouse-main", "bin": "A-01-01", "lot": "L-OLD"}
    marked = api.post("/api/expiry/mark-expired", body)
    assert marked.status_code == 201, marked.get_json()
    assert (marked.get_json()["reason"], marked.get_json()["quantity"]) == ("expired", 4)
    assert api.get("/api/expiry/expired").get_json()["data"][0]["held"] == 4

    before = written()
    again = api.post("/api/expiry/mark-expired", body)
    assert (again.status_code, error_code(again)) == (409, "lot_not_expired")
    fresh = api.post("/api/expiry/mark-expired", {**body, "lot": "L-NEW"})
    assert (fresh.status_code, error_code(fresh)) == (409, "lot_not_expired")
    assert api.post("/api/expiry/mark-expired", {**body, "lot": "L-NONE"}).status_code == 404
    assert api.post("/api/expiry/mark-expired", {**body, "lot": ""}).status_code == 422
    assert written() == before


def test_expired_units_go_to_destruction_and_are_written_off_there(api, stocked, expired_glue):
    hold = api.post(
        "/api/expiry/mark-expired",
        {"sku": "GLUE-50", "location": "warehouse-main", "bin": "A-01-01", "lot": "L-OLD"},
    ).get_json()
    send = {"number": hold["number"], "reference_type": "destruction_order", "reference_id": "DO-77"}
    before = written()
    nowhere = api.post("/api/expiry/transfer-destruction", send)
    assert (nowhere.status_code, error_code(nowhere)) == (422, "not_a_destruction_location")
    not_one = api.post("/api/expiry/transfer-destruction", {**send, "location": "service-north"})
    assert (not_one.status_code, error_code(not_one)) == (422, "not_a_destruction_location")
    assert written() == before

    destruction_site()
    sent = api.post("/api/expiry/transfer-destruction", send)
    assert sent.status_code == 201, sent.get_json()
    answer = sent.get_json()
    assert (answer["moved"]["status"], answer["moved"]["quantity_open"]) == ("moved", 0)
    assert (answer["hold"]["location"], answer["hold"]["bin"], answer["hold"]["quantity_open"]) == (
        "destruction",
        "DESTRUCTION",
        4,
    )
    assert answer["hold"]["reference"] == answer["reference"] == "destruction_order:DO-77"
    moved = db.session.scalars(select(Movement).where(Movement.posting_id == answer["posting_id"])).all()
    assert sorted((m.type, m.qty, m.held_delta, m.reference_id) for m in moved) == [
        (MovementType.EXPIRE, -4, -4, "DO-77"),
        (MovementType.EXPIRE, 4, 4, "DO-77"),
    ]
    rows = api.get("/api/expiry/expired").get_json()["data"]
    assert [(r["location"], r["location_type"], r["on_hand"], r["held"]) for r in rows] == [
        ("destruction", "destruction", 4, 4)
    ]

    before = written()
    twice = api.post("/api/expiry/transfer-destruction", send)
    assert (twice.status_code, error_code(twice)) == (409, "hold_closed")
    further = api.post("/api/expiry/transfer-destruction", {**send, "number": answer["hold"]["number"]})
    assert (further.status_code, error_code(further)) == (409, "already_at_destruction")
    assert written() == before

    consumed = api.post("/api/expiry/mark-consumed", {"number": answer["hold"]["number"]})
    assert consumed.status_code == 200, consumed.get_json()
    assert (consumed.get_json()["status"], consumed.get_json()["quantity_open"]) == ("written_off", 0)
    last = db.session.scalars(select(Movement).order_by(Movement.id.desc())).first()
    assert (last.type, last.qty, last.reference_type, last.reference_id) == (
        MovementType.EXPIRE,
        -4,
        "destruction_order",
        "DO-77",
    )
    assert api.get("/api/expiry/expired").get_json()["data"] == []
    assert ledger.verify() == []


def test_consumed_in_place_needs_a_reference_and_an_expired_hold(api, stocked, expired_glue):
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    a1 = stocked.bin(stocked.main, "A-01-01")
    hold = expiry.mark_expired(stocked.glue, a1, expired_glue, actor_id=boss.id)
    quality = holds.place(stocked.bolt, a1, 2, HoldReason.QUALITY, actor_id=boss.id)
    before = written()
    unsaid = api.post("/api/expiry/mark-consumed", {"hold_id": hold.id})
    assert (unsaid.status_code, error_code(unsaid)) == (422, "invalid_posting")
    assert "destruction certificate" in unsaid.get_json()["error"]["message"]
    half = api.post("/api/expiry/mark-consumed", {"hold_id": hold.id, "reference_type": "destruction"})
    assert half.status_code == 422
    not_expired = api.post(
        "/api/expiry/mark-consumed",
        {"hold_id": quality.id, "reference_type": "destruction", "reference_id": "C-1"},
    )
    assert (not_expired.status_code, error_code(not_expired)) == (409, "not_an_expired_hold")
    assert written() == before
    done = api.post(
        "/api/expiry/mark-consumed",
        {"hold_id": hold.id, "reference_type": "destruction", "reference_id": "CERT-981"},
    )
    assert done.get_json()["status"] == "written_off"
    db.session.rollback()
    assert ledger.balance(stocked.glue.id, a1.id, expired_glue.id) == (0, 0, 0)


def test_a_retried_destruction_writes_once(api, stocked, expired_glue):
    destruction_site()
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    hold = expiry.mark_expired(
        stocked.glue, stocked.bin(stocked.main, "A-01-01"), expired_glue, actor_id=boss.id
    )
    key = {"Idempotency-Key": "destroy-1"}
    body = {"hold_id": hold.id, "location": "destruction", "reference_id": "CERT-981"}
    first = api.post("/api/expiry/transfer-destruction", body, headers=key)
    before = written()
    retry = api.post("/api/expiry/transfer-destruction", body, headers=key)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.get_json() == first.get_json()
    assert written() == before
    assert first.get_json()["reference"] == "destruction:CERT-981"


# --- blind counts ------------------------------------------------------------------------

COUNTED = 6173  # units of GLUE-50 lot L-OLD in A-01-02 while A-01-02 is being counted


def test_a_bin_being_counted_is_flagged_to_supervisors_and_closed_to_operators(api, api_as, stocked):
    a2 = stocked.bin(stocked.main, "A-01-02")
    old = make_lot(stocked.glue, "L-OLD", date(2020, 1, 31))
    receive(stocked.glue, a2, COUNTED, lot=old)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    hold = expiry.mark_expired(stocked.glue, a2, old, actor_id=boss.id)
    counts.create(stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)

    listed = api.get("/api/holds").get_json()["data"]
    assert [(h["quantity_open"], h["being_counted"]) for h in listed] == [(COUNTED, True)]
    expired_rows = api.get("/api/expiry/expired").get_json()["data"]
    assert [(r["on_hand"], r["being_counted"]) for r in expired_rows] == [(COUNTED, True)]
    operator = api_as("operator")
    for path in ("/api/holds", "/api/expiry/expired"):
        refused = operator.get(path)
        assert refused.status_code == 403 and str(COUNTED) not in refused.get_data(as_text=True)
    assert hold.qty == COUNTED
