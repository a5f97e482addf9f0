"""Who may call the API: tokens, revocation, scopes, the browser session and its CSRF."""

from tests.api.conftest import Api, error_code, user
from tests.conftest import csrf_token
from warehouse import accounts
from warehouse.accounts.models import ApiToken, Role
from warehouse.core.extensions import db


def test_without_credentials_the_api_answers_401_json_not_a_redirect(client, stocked):
    response = client.get("/api/stock")
    assert response.status_code == 401
    assert error_code(response) == "authentication_required"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(client, stocked):
    response = Api(client, "wh_not-a-token").get("/api/stock")
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_revoked_token_stops_working(client, token_for, stocked):
    token = token_for("supervisor")
    assert Api(client, token).get("/api/stock").status_code == 200
    assert accounts.revoke_token(token[:10]) == 1
    response = Api(client, token).get("/api/stock")
    assert response.status_code == 401


def test_a_token_records_when_it_was_last_used(client, token_for, stocked):
    token = token_for("operator")
    assert db.session.query(ApiToken).one().last_used_at is None
    Api(client, token).get("/api/stock")
    db.session.remove()
    assert db.session.query(ApiToken).one().last_used_at is not None


def test_an_operator_reads_but_may_not_adjust(api_as, stocked):
    operator = api_as("operator")
    assert operator.get("/api/stock").status_code == 200
    response = operator.post(
        "/api/stock",
        {
            "sku": "BOLT-M8",
            "location": "warehouse-main",
            "bin": "A-01-01",
            "quantity": -1,
            "reason": "damaged",
        },
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["details"] == {"permission": "inventory.adjust"}


def test_a_token_narrowed_to_reading_cannot_write_though_its_user_could(api_as, stocked):
    narrowed = api_as("supervisor", scopes="inventory.read")
    assert narrowed.get("/api/stock/BOLT-M8").status_code == 200
    response = narrowed.post(
        "/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}
    )
    assert response.status_code == 403
    assert narrowed.get("/api/transfers").status_code == 403


def test_scopes_never_widen_a_role(api_as, stocked):
    operator = api_as("operator", scopes="inventory.read inventory.adjust")
    response = operator.post(
        "/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}
    )
    assert response.status_code == 403


def test_locations_are_added_by_admins_only(api_as, stocked):
    body = {"code": "dealer-x", "name": "Dealer X", "type": "dealer"}
    assert api_as("supervisor").post("/api/locations", body).status_code == 403
    response = api_as("admin").post("/api/locations", body)
    assert response.status_code == 201
    assert response.get_json()["bin_count"] == 2


def test_the_browser_session_reads_and_writes_with_the_csrf_header(client, auth, stocked):
    auth.login("supervisor")
    assert client.get("/api/stock").status_code == 200
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 2}
    refused = client.post("/api/stock", json=body)
    assert refused.status_code == 400
    assert error_code(refused) == "csrf_failed"
    token = csrf_token(client, "/stock")
    accepted = client.post("/api/stock", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert accepted.get_json()["new_on_hand"] == 32


def test_a_bearer_token_wins_over_a_session(client, auth, token_for, stocked):
    auth.login("supervisor")
    narrowed = token_for("operator", username="reader", scopes="inventory.read")
    response = Api(client, narrowed).post(
        "/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}
    )
    assert response.status_code == 403


def test_create_token_refuses_unknown_scopes(app):
    import pytest

    from warehouse.core.errors import InvalidPosting

    with pytest.raises(InvalidPosting, match="inventory.everything"):
        accounts.create_token(user("operator"), scopes="inventory.read inventory.everything")


def test_every_api_route_checks_a_permission_or_a_sign_in(app):
    from warehouse.api.spec import OPERATIONS

    documented = {op.endpoint for op in OPERATIONS}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in ("api.openapi", "api.docs_page"):  # any signed-in person or token
            assert view.required_role is Role.OPERATOR and not getattr(view, "public", False)
            continue
        assert rule.endpoint.removeprefix("api.") in documented
        assert view.required_permission


def test_a_wrong_method_or_path_answers_in_json_for_programs(api, stocked):
    wrong_method = api.client.delete("/api/stock", headers=api.headers())
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["message"].startswith("This endpoint does not take that method")
    missing = api.get("/api/no-such-thing")
    assert missing.status_code in (401, 404) and "error" in missing.get_json()
