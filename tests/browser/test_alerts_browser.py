"""Alerts and webhooks in a real browser at phone size (360 px): the header badge counts
live alerts, Acknowledge swaps its row through htmx without a reload, and the alerts,
settings and webhook pages never scroll sideways."""

import pytest

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.conftest import PASSWORD
from tests.factories import receive
from warehouse import accounts
from warehouse.alerts.models import ReorderPolicy
from warehouse.core.extensions import db

pytestmark = [pytest.mark.browser, ONE_ENGINE]
WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def low(app, site):
    accounts.create_user("sam", PASSWORD, "supervisor")
    accounts.create_user("ada", PASSWORD, "admin")
    db.session.add(
        ReorderPolicy(product_id=site.bolt.id, location_id=site.main.id, reorder_point=5, max_level=50)
    )
    db.session.commit()
    receive(site.bolt, site.bin(site.main, "A-01-01"), 3)  # low_stock + reorder_needed
    return site


def test_a_supervisor_acknowledges_an_alert_on_a_phone(phone, low):
    sign_in(phone, "sam", PASSWORD)
    assert phone.inner_text("[data-alert-count]") == "2"
    phone.click("nav >> text=Alerts")
    phone.wait_for_url("**/alerts")
    assert phone.evaluate(WIDTH) <= 360
    phone.evaluate("window.sameDocument = true")
    row = phone.locator('tr[data-kind="low_stock"]')
    row.locator("button", has_text="Acknowledge").click()
    phone.wait_for_selector('tr[data-kind="low_stock"][data-status="acknowledged"]')
    assert "Acknowledged" in row.inner_text()
    assert phone.evaluate("window.sameDocument") is True  # swapped by htmx, no reload
    row.locator("button", has_text="Resolve").click()
    phone.wait_for_selector('tr[data-kind="low_stock"][data-status="resolved"]')
    phone.wait_for_selector('nav [data-alert-count="1"]')  # the badge follows without a reload
    assert phone.evaluate("window.sameDocument") is True
    phone.reload()
    assert phone.inner_text("[data-alert-count]") == "1"
    assert phone.evaluate(WIDTH) <= 360
    phone.goto(phone.base + "/alerts/settings")
    assert phone.evaluate(WIDTH) <= 360
    assert phone.outside_requests == []


def test_an_admin_adds_a_webhook_and_sees_its_secret_on_a_phone(phone, low):
    sign_in(phone, "ada", PASSWORD)
    phone.goto(phone.base + "/webhooks")
    phone.fill("#url", "https://erp.example.com/a-rather-long-path/that-might-overflow/webhooks/incoming")
    phone.check("input[value='stock.low']")
    phone.click("text=Add subscription")
    secret = phone.wait_for_selector("#new-secret").inner_text()
    assert len(secret) == 64
    phone.click("text=Send test")
    phone.wait_for_selector("text=Test event queued")
    assert phone.evaluate(WIDTH) <= 360
    assert phone.locator("[data-delivery]").count() == 1
