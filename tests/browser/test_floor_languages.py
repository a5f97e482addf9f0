"""The floor in Spanish and in Polish, in real Chromium at phone size: one tap on the floor
home switches the language, then an operator receives an item (PO, item, finish) and puts
it away, reading every answer in that language. The words are the catalogues'
(warehouse/translations): a change there is a change here."""

import pytest
from sqlalchemy import select

from tests.browser.conftest import ONE_ENGINE, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product
from warehouse import accounts
from warehouse.core.extensions import db
from warehouse.inbound.models import Receipt

pytestmark = [pytest.mark.browser, ONE_ENGINE]

# What each step says, as an operator reads it: {receipt} is the receipt's number.
SAID = {
    "es": {
        "tile": "Recepción",
        "started": "Recepción {receipt} del pedido (PO) PO-4711. Escanea el primer artículo.",
        "prompt": "Escanea un artículo (o escribe la cantidad del último, o x5 para el siguiente)",
        "counted": "+1 BOLT-M8: ahora 1.",
        "finish": "Terminar recepción",
        "finished": "Recibido {receipt}: 1 tarea de ubicación lista.",
        "put away now": "Ubicar ahora",
        "take it": "1 BOLT-M8: llévalo a A-01-01 y escanea el hueco.",
        "put away": "Ubicado en A-01-01: 1 uds. de BOLT-M8.",
        "nothing left": "Nada que ubicar.",
        "unknown": "Código desconocido NOPE-1. Escanea un albarán de traspaso (TR-), una hoja de recuento (CNT-), "
        "un número de pedido (PO) o un artículo para ubicar.",
    },
    "pl": {
        "tile": "Przyjęcie",
        "started": "Przyjęcie {receipt} do zamówienia (PO) PO-4711. Zeskanuj pierwszy towar.",
        "prompt": "Zeskanuj towar (lub wpisz ilość dla poprzedniego albo x5 dla następnego)",
        "counted": "+1 BOLT-M8: teraz 1.",
        "finish": "Zakończ przyjęcie",
        "finished": "Przyjęto {receipt}: 1 zadanie rozlokowania gotowe.",
        "put away now": "Rozlokuj teraz",
        "take it": "1 BOLT-M8: zanieś do A-01-01 i zeskanuj lokację.",
        "put away": "Rozlokowano 1 szt. BOLT-M8 do A-01-01.",
        "nothing left": "Nic do rozlokowania.",
        "unknown": "Nieznany kod NOPE-1. Zeskanuj dokument MM (TR-), arkusz spisu (CNT-), numer zamówienia (PO) "
        "lub towar do rozlokowania.",
    },
}


@pytest.fixture
def dock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01"))
    make_product("BOLT-M8", gtin="9506000134352")
    user = accounts.create_user("olga", PASSWORD, "operator")
    accounts.set_location(user, main.id)
    return main


def says(outcome, message):
    """The outcome ends with `message`, after its word (OK / Check / Error) and icon: the
    result is read without colour, and the icon is hidden from screen readers."""
    text = outcome.inner_text()
    assert text.endswith(" " + message), text
    assert outcome.get_attribute("role") == "status"
    assert outcome.locator(".result-word .result-icon").get_attribute("aria-hidden") == "true"


def page_language(phone):
    return phone.get_attribute("html", "lang")


@pytest.mark.parametrize("language", ["es", "pl"])
def test_an_operator_taps_a_language_then_receives_and_puts_away_in_it(phone, dock, language):
    said = SAID[language]
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    assert page_language(phone) == "en"

    with phone.expect_navigation():  # one tap
        phone.click(f'button[name="language"][value="{language}"]')
    assert page_language(phone) == language
    assert phone.get_attribute(f'button[name="language"][value="{language}"]', "aria-pressed") == "true"
    says(scan(phone, "NOPE-1"), said["unknown"])  # the home scan, refused in that language

    with phone.expect_navigation():
        phone.click(f'nav.tiles >> text="{said["tile"]}"')
    assert page_language(phone) == language
    started = scan(phone, "PO-4711")
    db.session.rollback()
    receipt = db.session.scalar(select(Receipt)).number
    says(started, said["started"].format(receipt=receipt))
    assert phone.inner_text("label.scan-label") == said["prompt"]

    says(scan(phone, "9506000134352"), said["counted"])
    phone.click(f'button:has-text("{said["finish"]}")')
    finished = said["finished"].format(receipt=receipt)
    says(phone.locator('[data-outcome][data-result="ok"]', has_text=finished), finished)  # waits for it

    with phone.expect_navigation():
        phone.click(f'a:has-text("{said["put away now"]}")')
    assert page_language(phone) == language
    says(scan(phone, "BOLT-M8"), said["take it"])
    says(scan(phone, "warehouse-main:A-01-01"), said["put away"])
    assert said["nothing left"] in phone.inner_text("#step")
    assert page_language(phone) == language
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # the longer words fit
