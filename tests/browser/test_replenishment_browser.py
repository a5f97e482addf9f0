"""The reorder report on a real phone (360 px): it fits, and Apply swaps in place."""

import pytest

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.conftest import PASSWORD
from tests.web.test_replenishment_pages import points, shelves  # noqa: F401  (fixture)
from warehouse import accounts

pytestmark = [pytest.mark.browser, ONE_ENGINE]


def test_the_report_fits_a_360px_screen_and_apply_swaps_in_place(app, phone, shelves):  # noqa: F811
    accounts.create_user("sam", PASSWORD, "supervisor")
    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + "/replenishment")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.evaluate("window.sameDocument = true")
    row = phone.locator('tr[data-sku="BOLT-M8"]')
    row.locator('input[name="value"]').fill("15")
    row.locator("text=Apply").click()
    outcome = phone.wait_for_selector('#reorder-report [role=status][data-result="ok"]')
    assert "is now 15" in outcome.inner_text()
    assert phone.evaluate("window.sameDocument") is True
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.outside_requests == []
    assert (shelves.bolt.id, shelves.main.id, 15) in points()
