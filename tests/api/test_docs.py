"""The OpenAPI document and the docs page: for signed-in people and tokens only, built
from the validating models."""

import re

import pytest

from warehouse.api.stock_schemas import AdjustIn


def test_the_document_needs_a_token_or_a_session_like_everything_else(app, token_for):
    client = app.test_client()  # nobody signed in
    refused = client.get("/api/openapi.json")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "authentication_required"
    assert client.get("/api/docs").status_code == 401  # people sign in first
    with_token = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token_for('operator')}"})
    assert with_token.status_code == 200 and with_token.get_json()["openapi"].startswith("3.")


@pytest.fixture
def client(client, auth):
    auth.login("operator")
    return client


def test_the_document_lists_every_endpoint_of_the_issue(client, app):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    expected = {
        ("get", "/api/stock"),
        ("get", "/api/stock/{sku}"),
        ("post", "/api/stock"),
        ("post", "/api/stock/reserve"),
        ("post", "/api/stock/release"),
        ("post", "/api/stock/fulfill"),
        ("post", "/api/stock/return"),
        ("post", "/api/stock/count"),
        ("post", "/api/availability/check"),
        ("get", "/api/movements"),
        ("get", "/api/locations"),
        ("post", "/api/locations"),
        ("get", "/api/locations/{code}/bins"),
        ("get", "/api/transfers"),
        ("post", "/api/transfers"),
        ("get", "/api/transfers/{transfer_id}"),
        ("patch", "/api/transfers/{transfer_id}"),
        ("get", "/api/alerts"),
        ("post", "/api/alerts"),
        ("patch", "/api/alerts"),
        ("get", "/api/cycle-counts"),
        ("post", "/api/cycle-counts"),
        ("get", "/api/cycle-counts/{batch_id}"),
        ("post", "/api/cycle-counts/{batch_id}/resolve"),
    }
    listed = {(m, p) for p, methods in doc["paths"].items() for m in methods}
    assert expected <= listed


def test_request_schemas_are_the_validating_models(client, app):
    doc = client.get("/api/openapi.json").get_json()
    adjust = doc["paths"]["/api/stock"]["post"]
    ref = adjust["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    # Our fields, and the reference documents' names for some of them (each an alternative).
    assert set(schema["properties"]) == set(AdjustIn.model_fields) | {a.name for a in AdjustIn.OTHER_NAMES}
    assert schema["properties"]["notes"]["description"].startswith("Alternative to `note`")
    assert schema["additionalProperties"] is False
    assert "Idempotency-Key" in {p["name"] for p in adjust["parameters"]}
    assert {"401", "403", "409", "413", "422"} <= set(adjust["responses"])
    limit = next(p for p in doc["paths"]["/api/stock"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["maximum"], limit["schema"]["default"]) == (100, 20)


def test_the_docs_page_is_readable_html_without_a_cdn(client, app):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "POST /api/stock/reserve" in re.sub(r"<[^>]+>", "", html).replace("  ", " ")
    assert "inventory.write" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_every_operation_with_a_body_shows_an_example_of_it(client, api):
    doc = api.get("/api/openapi.json").get_json()
    bare = [
        f"{method.upper()} {path}"
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
        and "example" not in operation["requestBody"]["content"]["application/json"]
    ]
    assert bare == []
