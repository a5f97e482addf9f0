"""Two organisations on one installation, as `make run` loads them: Harbor Foods' operator
signs in on a phone, chooses a Harbor location, receives and puts away SKU-10001 (frozen
cod at Harbor; a box of bolts in the demo organisation, with the same bin codes), and
everywhere sees Harbor's stock only."""

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import scan, sign_in
from tests.conftest import in_organisation
from warehouse import ledger
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance

pytestmark = pytest.mark.browser


@pytest.fixture
def two_organisations(app):
    loaded = app.test_cli_runner().invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output
    with in_organisation("demo"):
        demo_units = db.session.scalar(select(func.sum(Balance.on_hand)))
    return demo_units


def test_a_harbor_operator_receives_and_puts_away_a_sku_demo_also_has_and_sees_only_harbor(
    phone, two_organisations
):
    phone.set_viewport_size({"width": 360, "height": 640})
    sign_in(phone, "harbor-operator", "demo-harbor-operator", lands_on="**/floor/")
    choices = phone.locator("select[name=location] option").all_inner_texts()
    assert any("Harbor cold store" in c for c in choices) and not any("Main warehouse" in c for c in choices)
    phone.select_option("select[name=location]", label=next(c for c in choices if "Harbor cold store" in c))
    phone.click("text=Start here")
    phone.wait_for_selector("text=Working at")

    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-HARBOR-7")
    # Harbor's SKU-10001 (GTIN 9506010200009, as its GS1 label prints it), lot and expiry.
    answer = scan(phone, "(01)09506010200009(17)270630(10)COD-77").inner_text()
    assert answer.endswith(" +1 SKU-10001 lot COD-77: now 1."), answer  # after the outcome's word
    assert scan(phone, "11").inner_text().endswith(" Count set: 11 x SKU-10001.")  # after the outcome's word
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("text=1 put-away task(s) ready")

    phone.goto(phone.base + "/floor/putaway")
    step = scan(phone, "(01)09506010200009(10)COD-77").inner_text()
    assert "take to " in step, step
    bin_code = step.split("take to ", 1)[1].split()[0].rstrip(".")
    assert (
        scan(phone, f"HC-{bin_code}").inner_text().endswith(f" Put away 11 SKU-10001 in {bin_code}.")
    )  # its label
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.goto(phone.base + "/floor/lookup")
    looked = scan(phone, "SKU-10001").inner_text()
    assert "Frozen cod" in looked and "bolt" not in looked.lower()

    db.session.rollback()  # see what the server committed
    with in_organisation("harbor"):
        cod = db.session.scalar(select(func.sum(Balance.on_hand)))
        assert ledger.verify() == []
    with in_organisation("demo"):  # demo's stock untouched
        assert db.session.scalar(select(func.sum(Balance.on_hand))) == two_organisations
    assert cod == sum(40 + 10 * i + 25 + 12 for i in range(6)) + 11  # the demo's stock and these 11
