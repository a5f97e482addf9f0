"""The webhook admin page through the real client: admins add a subscription (the secret is
shown once), send a test, deactivate, and see deliveries with their attempts; supervisors
and operators get 403; a missing CSRF token 400; bad input a message and no write."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.integrations import webhooks
from warehouse.integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

HX = {"HX-Request": "true"}


@pytest.fixture
def admin(client, auth, app):
    auth.login("admin")
    token = csrf_token(client, "/webhooks")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    return post


def subscriptions():
    db.session.rollback()
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def test_adding_a_subscription_shows_its_secret_once(client, admin):
    response = admin(
        "/webhooks", htmx=True, url="https://erp.example.com/in", event_types=["stock.low", "stock.out"]
    )
    html = response.get_data(as_text=True)
    [sub] = subscriptions()
    assert response.status_code == 200 and "<html" not in html
    assert sub.secret in html and sub.event_types == "stock.low,stock.out"
    assert sub.secret not in client.get("/webhooks").get_data(as_text=True)  # once


def test_send_test_then_deactivate(client, admin):
    sub = webhooks.subscribe("http://127.0.0.1:9/hook", actor_id=None, allow_private=True)
    response = admin(f"/webhooks/{sub.id}/test", htmx=True)
    assert response.status_code == 200 and "Test event queued" in response.get_data(as_text=True)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.uuid in response.get_data(as_text=True)
    webhooks.deliver_due(timeout=1, allow_private=True)  # nobody listens on port 9: one failed attempt
    page = client.get("/webhooks").get_data(as_text=True)
    assert "no answer" in page and re.search(r"next try \d{4}-", page)
    plain = admin(f"/webhooks/{sub.id}/deactivate")
    assert plain.status_code == 200 and "<html" in plain.get_data(as_text=True)
    assert subscriptions()[0].active is False
    again = admin(f"/webhooks/{sub.id}/deactivate", htmx=True)
    assert again.status_code == 409 and "already inactive" in again.get_data(as_text=True)
    refused = admin(f"/webhooks/{sub.id}/test", htmx=True)
    assert (
        refused.status_code == 409
        and db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    )


BAD = [
    (dict(url=""), "Enter the address"),
    (dict(url="ftp://files.example.com"), "http://"),
    (dict(url="not a url"), "http://"),
    (dict(url="https://x.example.com/" + "a" * 5000), "under 500"),
    (dict(url="https://x.example.com", event_types=["stock.gone"]), "not a valid choice"),
]


def test_bad_subscriptions_are_explained_and_write_nothing(client, admin):
    for data, message in BAD:
        response = admin("/webhooks", htmx=True, **data)
        assert 400 <= response.status_code < 500, data
        assert message in response.get_data(as_text=True), data
        assert subscriptions() == []


def test_unknown_subscriptions_are_404(client, admin):
    assert admin("/webhooks/12345/test").status_code == 404
    assert admin("/webhooks/99999999999999/deactivate").status_code == 404


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_only_admins_may_use_the_page(client, auth, app, role):
    sub = webhooks.subscribe("https://erp.example.com/in", actor_id=None, allow_private=True)
    auth.login(role)
    token = csrf_token(client, "/stock")
    assert client.get("/webhooks").status_code == 403
    assert (
        client.post("/webhooks", data={"csrf_token": token, "url": "https://evil.example.com"}).status_code
        == 403
    )
    assert client.post(f"/webhooks/{sub.id}/deactivate", data={"csrf_token": token}).status_code == 403
    assert [s.url for s in subscriptions()] == ["https://erp.example.com/in"] and subscriptions()[0].active


def test_a_post_without_csrf_is_refused(client, admin):
    response = client.post("/webhooks", data={"url": "https://erp.example.com/in"}, headers=HX)
    assert response.status_code == 400 and subscriptions() == []


def test_deliveries_and_attempts_load_in_a_fixed_number_of_queries(client, admin, app):
    from sqlalchemy import event

    sub = webhooks.subscribe("http://127.0.0.1:9/hook", actor_id=None, allow_private=True)
    for _ in range(5):
        webhooks.send_test(sub.id, actor_id=None)
    now = utcnow()
    for d in db.session.scalars(select(WebhookDelivery)).all():
        db.session.add(
            WebhookAttempt(delivery_id=d.id, at=now, status_code=500, error="HTTP 500", duration_ms=3)
        )
    db.session.commit()
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        html = client.get("/webhooks").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert html.count("HTTP 500") == 5
    assert len([s for s in seen if "webhook_attempts" in s]) == 1
