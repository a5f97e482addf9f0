"""Alert pages through the real client: the list and its filters, acknowledge and resolve
(htmx gets the row, a plain post the whole page), settings, the header badge, and the
refusals: operators get 403, a missing CSRF token 400, bad input a message and no write."""

import pytest
from sqlalchemy import event, select

from tests.conftest import csrf_token
from tests.factories import receive
from warehouse.alerts.models import Alert, AlertKind, AlertSetting, AlertStatus, ReorderPolicy
from warehouse.core.extensions import db

HX = {"HX-Request": "true"}


@pytest.fixture
def low(site):
    """BOLT-M8 low at warehouse-main (3 on hand, reorder point 5): low_stock + reorder_needed."""
    db.session.add(ReorderPolicy(product_id=site.bolt.id, location_id=site.main.id, reorder_point=5))
    db.session.commit()
    receive(site.bolt, site.bin(site.main, "A-01-01"), 3)
    return site


@pytest.fixture
def supervisor(client, auth, low):
    auth.login("supervisor")
    token = csrf_token(client, "/alerts")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    return post


def the_alert(kind=AlertKind.LOW_STOCK):
    db.session.rollback()
    return db.session.scalar(select(Alert).where(Alert.kind == kind))


def test_the_list_shows_live_alerts_and_the_badge_counts_them(client, supervisor):
    html = client.get("/alerts").get_data(as_text=True)
    assert (
        "BOLT-M8" in html
        and "<strong>Low stock</strong>" in html
        and "<strong>Reorder needed</strong>" in html
    )
    assert 'data-alert-count="2"' in html
    assert '<option value="low_stock"' in html and '<option value="warehouse-main"' in html
    assert 'data-alert-count="2"' in client.get("/stock").get_data(as_text=True)  # every page's header


def test_filters_narrow_the_list_and_htmx_gets_only_the_rows(client, supervisor):
    response = client.get("/alerts?kind=reorder_needed&location=warehouse-main&sku=BOLT", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert (
        "<html" not in html and 'data-kind="reorder_needed"' in html and 'data-kind="low_stock"' not in html
    )
    assert "No alerts match" in client.get("/alerts?sku=NUT").get_data(as_text=True)
    assert "No alerts match" in client.get("/alerts?status=resolved").get_data(as_text=True)


def test_bad_filters_are_explained_not_500(client, supervisor):
    for query in ["status=nonsense", "kind=fire", "location=nowhere", "sku=" + "x" * 5000]:
        response = client.get(f"/alerts?{query}")
        assert response.status_code == 200, query
        assert "Fix the filter" in response.get_data(as_text=True), query


def test_acknowledge_then_resolve_with_htmx_swaps_the_row(client, supervisor):
    alert = the_alert()
    response = supervisor(f"/alerts/{alert.id}/acknowledge", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="alert-{alert.id}"')
    assert 'data-status="acknowledged"' in html and "Acknowledge</button>" not in html
    assert the_alert().status is AlertStatus.ACKNOWLEDGED
    # the header badge is outside the row: it comes along as an out-of-band swap
    assert '<span id="alert-badge" hx-swap-oob="true">' in html and 'data-alert-count="2"' in html
    other = the_alert(AlertKind.REORDER_NEEDED)
    resolved = supervisor(f"/alerts/{other.id}/resolve", htmx=True).get_data(as_text=True)
    assert 'hx-swap-oob="true">&nbsp;<span class="badge" data-alert-count="1"' in resolved
    again = supervisor(f"/alerts/{alert.id}/acknowledge", htmx=True)
    assert again.status_code == 409 and "already acknowledged" in again.get_data(as_text=True)
    plain = supervisor(f"/alerts/{alert.id}/resolve")
    assert plain.status_code == 200 and "<html" in plain.get_data(as_text=True)
    assert the_alert().status is AlertStatus.RESOLVED and the_alert().live_key is None
    assert "data-alert-count" not in plain.get_data(as_text=True)  # both closed: no badge


def test_unknown_alerts_are_404(client, supervisor):
    assert supervisor("/alerts/999999/resolve").status_code == 404
    assert supervisor("/alerts/99999999999999/resolve").status_code == 404


def test_operators_are_refused_everywhere_and_see_no_badge(client, auth, low):
    auth.login("operator")
    alert = the_alert()
    assert client.get("/alerts").status_code == 403
    assert client.get("/alerts/settings").status_code == 403
    token = csrf_token(client, "/stock")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 403
    assert "data-alert-count" not in client.get("/stock").get_data(as_text=True)
    assert the_alert().status is AlertStatus.OPEN


def test_a_post_without_csrf_is_refused_and_changes_nothing(client, supervisor):
    alert = the_alert()
    response = client.post(f"/alerts/{alert.id}/acknowledge", headers=HX)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert the_alert().status is AlertStatus.OPEN


def test_a_setting_is_saved_and_applied_at_once(client, supervisor, low):
    response = supervisor(
        "/alerts/settings",
        htmx=True,
        sku="BOLT-M8",
        location="warehouse-main",
        threshold="",
        recipients="ops@example.com",
        muted="y",
    )
    assert response.status_code == 200 and "Saved the alert setting" in response.get_data(as_text=True)
    setting = db.session.scalar(select(AlertSetting))
    assert (setting.low_stock_threshold, setting.recipients, setting.muted) == (None, "ops@example.com", True)
    response = supervisor("/alerts/settings", sku="BOLT-M8", location="warehouse-main", threshold="2")
    assert response.status_code == 200
    assert the_alert() is not None and the_alert().status is AlertStatus.CLEARED  # 3 > 2: no longer low


def test_the_settings_page_says_whether_recipients_are_mailed(client, supervisor, app):
    app.config["MAIL_SERVER"] = ""
    assert 'data-mail="off"' in client.get("/alerts/settings").get_data(as_text=True)
    app.config["MAIL_SERVER"] = "smtp.example.com"
    page = client.get("/alerts/settings").get_data(as_text=True)
    assert 'data-mail="off"' not in page and "mailed when an alert is raised" in page


BAD_SETTINGS = [
    (dict(sku="NOPE-1", location="warehouse-main"), "No product"),
    (dict(sku="BOLT-M8", location="nowhere"), "Not a valid choice"),
    (dict(sku="", location="warehouse-main"), "Enter or scan the SKU"),
    (dict(sku="BOLT-M8", location="warehouse-main", threshold="-3"), "whole number"),
    (dict(sku="BOLT-M8", location="warehouse-main", threshold="abc"), "whole number"),
    (dict(sku="BOLT-M8", location="warehouse-main", threshold="99999999999"), "whole number"),
    (dict(sku="BOLT-M8", location="warehouse-main", recipients="x" * 5000), "under 500"),
    (dict(sku="BOLT-M8", location="warehouse-main", recipients="not-an-address"), "Not an e-mail"),
    (dict(sku="B" * 5000, location="warehouse-main"), "Field cannot be longer"),
]


def test_bad_settings_are_explained_and_write_nothing(client, supervisor):
    for data, message in BAD_SETTINGS:
        response = supervisor("/alerts/settings", htmx=True, **data)
        assert 400 <= response.status_code < 500, data
        assert message in response.get_data(as_text=True), data
        assert db.session.scalar(select(AlertSetting)) is None


def test_the_badge_costs_one_count_on_full_pages_and_nothing_on_partials(client, supervisor, app):
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        client.get("/stock")
        full = [s for s in seen if "FROM alerts" in s]
        seen.clear()
        client.get("/alerts?kind=low_stock", headers=HX)
        partial = [s for s in seen if "count(" in s.lower() and "FROM alerts" in s]
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(full) == 1 and "count(" in full[0].lower()
    assert partial == []
