"""Sign-in, throttling, badge sign-in, the sign-in gate, CSRF and role checks."""

import pytest

from tests.conftest import PASSWORD, csrf_token
from warehouse import accounts
from warehouse.web.security import PUBLIC_ENDPOINTS


def test_operators_land_on_the_floor_and_supervisors_on_stock(client, auth):
    response = auth.login("operator")
    assert response.status_code == 302 and response.headers["Location"].endswith("/floor/")
    assert client.get("/stock").status_code == 200
    auth.logout()
    assert auth.login("supervisor").headers["Location"].endswith("/stock")


def test_a_wrong_password_is_refused_with_a_clear_message(client, auth):
    auth.login("operator")
    auth.logout()
    response = auth.login("operator", password="wrong-password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/stock").status_code == 302


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(client, auth):
    auth.login("operator")
    auth.logout()
    for _ in range(5):
        assert auth.login("operator", password="nope-nope").status_code == 401
    response = auth.login("operator", password=PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_guessing_across_many_usernames_from_one_address_is_throttled_too(client, app):
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 6
    accounts.create_user("real", PASSWORD, "operator")

    def sign_in(username, password, address="10.0.0.9"):
        token = csrf_token(client, "/login")
        return client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )

    for n in range(6):  # six names, one wrong guess each: no username reaches its own limit
        assert sign_in(f"guess-{n}", "nope-nope").status_code == 401
    refused = sign_in("real", PASSWORD)
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert sign_in("real", PASSWORD, address="10.0.0.10").status_code == 302  # another handheld


def test_badge_sign_in_asks_for_the_pin_after_the_scan(client, app):
    accounts.create_user("picker", PASSWORD, "operator", badge_code="BADGE-77", pin="4321")
    token = csrf_token(client, "/login/badge")
    step_one = client.post("/login/badge", data={"badge": "BADGE-77\r\n", "csrf_token": token})
    assert "Enter your PIN" in step_one.get_data(as_text=True)

    wrong = client.post("/login/badge", data={"badge": "BADGE-77", "pin": "0000", "csrf_token": token})
    assert wrong.status_code == 401 and "not recognised" in wrong.get_data(as_text=True)

    right = client.post("/login/badge", data={"badge": "BADGE-77", "pin": "4321", "csrf_token": token})
    assert right.status_code == 302
    assert client.get("/stock").status_code == 200


def test_pages_need_sign_in_and_htmx_requests_get_a_full_page_redirect(client):
    page = client.get("/stock")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    htmx = client.get("/stock", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and "/login" in htmx.headers["HX-Redirect"]


def test_a_form_post_without_a_csrf_token_is_refused(client, auth):
    auth.login("supervisor")
    response = client.post("/adjust", data={"sku": "X", "quantity": "1"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    htmx = client.post("/adjust", data={"sku": "X"}, headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    assert htmx.status_code == 400


def test_operators_cannot_adjust_stock(client, auth):
    auth.login("operator")
    assert client.get("/adjust").status_code == 403
    token = csrf_token(client, "/stock")
    assert client.post("/adjust", data={"csrf_token": token}).status_code == 403


def test_a_next_link_off_the_site_is_ignored_after_sign_in(client, auth):
    auth.login("operator")
    auth.logout()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "operator",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"].endswith("/floor/")


def test_every_route_is_public_by_intent_or_checks_a_role(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS or getattr(view, "public", False):
            continue
        if not hasattr(view, "required_role"):
            unguarded.append(rule.endpoint)
    assert unguarded == []


@pytest.mark.parametrize("path", ["/stock", "/movements", "/stock/sku/NOPE"])
def test_signed_out_visitors_see_no_stock(client, path):
    response = client.get(path)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "file",
    [
        "/static/app.css",
        "/sw.js",
        "/vendor/htmx/htmx.min.js",
        "/floor/camera-worker.js",
        "/vendor/zxing-wasm/reader/zxing_reader.wasm",
    ],
)
def test_a_file_answered_after_signing_in_does_not_sign_the_person_out(app, client, auth, file):
    """The sign-in page's files (and those its service worker fetches) may still be on their
    way when the person signs in. A file asked for with the signed-out cookie and answered
    after the sign-in must not put that cookie back: the next page would ask them to sign
    in again."""
    client.get("/login")
    signed_out = client.get_cookie("session").value
    on_its_way = app.test_client()  # the same browser, asking with the cookie it had then
    on_its_way.set_cookie("session", signed_out)
    with app.app_context():  # its own request: nothing loaded by the others is kept for it
        late_answer = on_its_way.get(file)
    assert late_answer.status_code == 200

    assert auth.login("operator").status_code == 302
    for cookie in late_answer.headers.getlist("Set-Cookie"):  # the late answer lands last
        name, _, value = cookie.partition(";")[0].partition("=")
        client.set_cookie(name, value)

    with app.app_context():  # whoever the cookie says, not who signed in a request ago
        assert client.get("/floor/").status_code == 200
