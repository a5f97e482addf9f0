"""Input no field may hold, and methods a path does not take, through the API: a NUL
character anywhere is a 400 that says what to do and writes nothing (PostgreSQL refuses NUL
in text; SQLite would have stored it); a 405 names the methods the path takes."""

from sqlalchemy import func, select

from tests.api.conftest import error_code
from warehouse.core.extensions import db
from warehouse.ledger.models import Posting

ADJUST = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}


def postings() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Posting))


def test_a_nul_in_a_json_body_is_refused_and_writes_nothing(api, stocked):
    before = postings()
    for body in ({**ADJUST, "note": "fork\u0000lift"}, {**ADJUST, "reference": "\u0000"}):
        response = api.post("/api/stock", body, headers={"Idempotency-Key": "nul-1"})
        assert (response.status_code, error_code(response)) == (400, "nul_character")
        assert "NUL character" in response.get_json()["error"]["message"]
    raw = api.client.post(
        "/api/stock",
        data=b'{"sku": "BOLT-M8\x00"}',
        headers=api.headers({"Content-Type": "application/json"}),
    )
    assert raw.status_code == 400
    assert postings() == before
    assert api.post("/api/stock", {**ADJUST, "note": "forklift"}).status_code == 201  # the same, clean


def test_a_nul_in_a_query_is_refused(api, stocked):
    response = api.get("/api/stock", sku="BOLT\x00")
    assert (response.status_code, error_code(response)) == (400, "nul_character")
    assert api.get("/api/stock", sku="BOLT").status_code == 200


def test_a_nul_is_refused_before_sign_in_too(client, stocked):
    response = client.get("/api/stock?sku=%00")
    assert response.status_code == 400


def test_a_method_the_path_does_not_take_is_a_405_naming_the_ones_it_does(api, stocked):
    response = api.client.delete("/api/stock", headers=api.headers())
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert error_code(response) == "method_not_allowed"


def test_a_whole_number_written_with_a_point_is_the_integer_the_document_asks_for(api, stocked):
    """The document says "integer", which in JSON Schema is any number without a fraction."""
    done = api.post("/api/stock", {**ADJUST, "quantity": 2.0})
    assert done.status_code == 201 and done.get_json()["quantity"] == 2
    for bad in (2.5, "2", True):
        assert api.post("/api/stock", {**ADJUST, "quantity": bad}).status_code == 422, bad


def test_days_are_read_only_as_the_document_writes_them(api, stocked):
    for bad in ("0", "1", "20260101", "yesterday"):
        response = api.get("/api/movements", start_date=bad)
        assert response.status_code == 422, bad
    assert api.get("/api/movements", start_date="2026-01-01").status_code == 200


def test_an_idempotency_key_is_visible_ascii_without_spaces_as_the_document_says(api, stocked):
    for bad in ("order 1", "ordre-é", "tab\there"):
        response = api.post("/api/stock", ADJUST, headers={"Idempotency-Key": bad})
        assert (response.status_code, error_code(response)) == (400, "invalid_idempotency_key"), bad
    assert api.post("/api/stock", ADJUST, headers={"Idempotency-Key": "order-1_A.b~"}).status_code == 201
