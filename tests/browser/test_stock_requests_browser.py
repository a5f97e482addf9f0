"""Stock requests in a real browser at phone size (360 px): an operator asks through the
pages (htmx swaps, no page reload for a line), a supervisor approves on a phone; no page
scrolls sideways and every target is big enough for a thumb."""

import pytest
from sqlalchemy import select

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.browser.test_phone_pages import SMALL_TARGETS
from tests.conftest import PASSWORD
from tests.factories import make_location, receive
from warehouse import accounts
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.stock_requests.models import StockRequest

pytestmark = [pytest.mark.browser, ONE_ENGINE]


@pytest.fixture
def people(app, site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 12)
    olga = accounts.create_user("olga", PASSWORD, "operator")
    accounts.set_location(olga, site.north.id)
    accounts.create_user("sam", PASSWORD, "supervisor")
    return site


def fits(phone, path=None):
    if path:
        phone.goto(phone.base + path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, phone.url
    assert phone.evaluate(SMALL_TARGETS) == [], phone.url


def test_an_operator_asks_on_a_phone_and_a_supervisor_approves_on_one(phone, people):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    fits(phone, "/stock-requests")
    fits(phone, "/stock-requests/new")
    phone.fill("#department", "Workshop")
    phone.click("text=Create draft")
    phone.wait_for_selector('#stock-request[data-status="draft"]')
    # The draft's page is a new document: its search input listens once htmx has read the
    # page (on load); typing before that, on a slow machine, sent no search at all.
    phone.wait_for_load_state("load")
    fits(phone)

    phone.evaluate("window.sameDocument = true")  # survives an htmx swap, not a reload
    phone.fill("#sku-q", "bolt")
    phone.wait_for_selector("#product-results li")
    phone.fill("#product-results input[name=qty]", "5")
    phone.click("text=Add BOLT-M8")
    phone.wait_for_selector('#request-lines [role=status][data-result="ok"]')
    assert phone.evaluate("window.sameDocument") is True
    fits(phone)
    phone.click("text=Submit for approval")
    phone.wait_for_selector('#stock-request[data-status="submitted"]')
    fits(phone)

    phone.click("text=Sign out")
    sign_in(phone, "sam", PASSWORD)
    fits(phone, "/stock-requests/approvals")
    phone.click("text=SR-000001")
    phone.wait_for_selector("[data-suggestion=warehouse-main]")
    phone.wait_for_load_state("load")  # htmx (a deferred script) is ready
    fits(phone)
    phone.evaluate("window.sameDocument = true")
    phone.click("#request-decide button.primary")
    outcome = phone.wait_for_selector('#stock-request [role=status][data-result="ok"]')
    assert "approved as TR-000001 from warehouse-main" in outcome.inner_text()
    assert phone.evaluate("window.sameDocument") is True
    fits(phone)
    db.session.rollback()  # see what the browser's requests committed
    assert db.session.scalar(select(StockRequest.status).where(StockRequest.serial == 1)).value == "approved"
    assert phone.outside_requests == []
