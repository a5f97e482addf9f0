"""Every worker's language: every text marked, every catalogue complete, and the page in
the language the user chose, else the one the browser asks for."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import refresh
from sqlalchemy import select

from tests import i18n_marks
from tests.conftest import csrf_token
from tests.factories import make_location, make_product
from warehouse import accounts
from warehouse.accounts.models import User
from warehouse.core.extensions import db
from warehouse.counts import counting
from warehouse.counts.models import CountBatch, CountStatus
from warehouse.web.i18n import number, translate

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "warehouse" / "translations"
LANGUAGES = ("es", "pl")
PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}|%\((\w+)\)[sd]")


def catalogue(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def test_every_template_and_domain_message_is_marked_for_translation():
    unmarked = i18n_marks.all_problems()
    assert unmarked == [], f"{len(unmarked)} unmarked (python -m tests.i18n_marks):\n" + "\n".join(
        unmarked[:40]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    untranslated, wrong = [], []
    for message in catalogue(language):
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        said = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(said):
            untranslated.append(ids[0])
            continue
        wanted = {name for match in PLACEHOLDER.findall(ids[-1]) for name in match if name}
        for text in said:
            if {name for match in PLACEHOLDER.findall(text) for name in match if name} != wanted:
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert untranslated == [], f"{len(untranslated)} untranslated in {language}: {untranslated[:20]}"
    assert wrong == [], f"placeholders differ in {language}: {wrong[:20]}"


def test_the_catalogues_hold_every_marked_message(tmp_path):
    """`make translations` was run after the last text was marked: nothing marked is
    missing from the catalogues (it would show in English)."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
        ]
        + ["-k", "msg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-k", "_p:1c,2"]
        + ["-o", str(template), "."],
        cwd=ROOT,
        check=True,
    )
    with open(template, "rb") as pot:
        marked = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(pot) if m.id}
    for language in LANGUAGES:
        held = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue(language) if m.id}
        missing = sorted(str(m) for m in marked - held)
        assert missing == [], f"run `make translations`: {language} lacks {missing[:20]}"


# --- the language a page speaks -------------------------------------------------------------


@pytest.fixture
def floor(app, client, auth):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01"))
    make_product("BOLT-M8", gtin="9506000134352")
    auth.login("operator")
    accounts.set_location(operator(), main.id)
    return main


def operator():
    return db.session.scalar(select(User).where(User.username == "operator"))


def lang_of(response):
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def test_the_browser_language_is_spoken_until_the_user_chooses(client, floor):
    assert lang_of(client.get("/floor/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})) == "pl"
    assert lang_of(client.get("/floor/", headers={"Accept-Language": "es-ES,es;q=0.9"})) == "es"
    assert lang_of(client.get("/floor/", headers={"Accept-Language": "de-DE,de;q=0.9"})) == "en"
    assert lang_of(client.get("/floor/")) == "en"


def test_one_tap_on_the_floor_home_switches_the_language_and_it_is_kept(client, floor):
    answer = client.post(
        "/floor/language", data={"language": "pl", "csrf_token": csrf_token(client, "/floor/")}
    )
    assert answer.status_code == 302
    assert operator().language == "pl"
    home = client.get("/floor/", headers={"Accept-Language": "es"})  # the choice wins
    assert lang_of(home) == "pl"
    body = home.get_data(as_text=True)
    assert "Przyjęcie" in body and "Receive" not in body.split('<nav class="tiles"')[1].split("</nav>")[0]
    assert 'value="pl" lang="pl" aria-pressed="true"' in body


def test_a_language_not_offered_is_refused_and_nothing_changes(client, floor):
    answer = client.post(
        "/floor/language",
        data={"language": "xx", "csrf_token": csrf_token(client, "/floor/")},
        follow_redirects=True,
    )
    assert "Choose one of the languages offered." in answer.get_data(as_text=True)
    assert operator().language is None


def test_a_domain_refusal_on_the_floor_is_said_in_the_users_language(client, floor):
    accounts.set_language(operator(), "es")
    token = csrf_token(client, "/floor/")
    page = client.post("/floor/", data={"scan": "NOPE-404", "csrf_token": token})
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "Código desconocido NOPE-404. Escanea un albarán de traspaso (TR-)" in body
    assert "Unknown code" not in body


def test_numbers_on_pages_are_written_the_readers_way(app):
    def said(language, *args):
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # as every request does (the test's app context is shared)
            return number(*args)

    assert said("pl", 1234567) == "1\xa0234\xa0567"
    assert said("es", 1234.5, 2) == "1.234,50"
    assert said("en", 1234567) == "1,234,567"


# --- the floor, in the reader's language -------------------------------------------------------


def test_a_replayed_scan_answers_in_the_language_of_whoever_reads_it_now(client, floor):
    """A scan's answer is stored once (warehouse/core/dialogues.py) and replayed for the same
    scan id: it keeps the message's template, so the replay is said in today's language and
    the scan is still applied once."""
    from warehouse.inbound import receiving

    receipt = receiving.start("PO-9", location_id=floor.id, actor_id=operator().id)
    page = f"/floor/receive/{receipt.id}"
    token = csrf_token(client, page)

    def scan_once_more():
        answer = client.post(
            page, data={"scan": "BOLT-M8", "scan_id": "scan-replayed-1", "csrf_token": token}
        )
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    accounts.set_language(operator(), "es")
    assert "+1 BOLT-M8: ahora 1." in scan_once_more()
    accounts.set_language(operator(), "pl")
    polish = scan_once_more()
    assert "+1 BOLT-M8: teraz 1." in polish and "ahora" not in polish
    assert lang_of(client.get(page)) == "pl"
    accounts.set_language(operator(), "en")
    assert "+1 BOLT-M8: now 1." in scan_once_more()
    assert [line.qty for line in receiving.get(receipt.id).lines] == [1]  # applied once


def test_a_floor_outcome_says_its_result_in_a_word_as_well_as_a_colour(client, floor):
    """OK / Check / Error before the message, its icon hidden from screen readers, in a
    region that is read out as it changes."""
    accounts.set_language(operator(), "es")
    page = client.post("/floor/", data={"scan": "NOPE-404", "csrf_token": csrf_token(client, "/floor/")})
    body = page.get_data(as_text=True)
    outcome = re.search(r'<div class="outcome scan-outcome"([^>]*)>(.*?)</div>', body, re.S)
    attributes, said = outcome.groups()
    assert 'role="status"' in attributes and 'aria-live="assertive"' in attributes
    assert 'data-result="error"' in attributes
    assert re.match(
        r'<span class="result-word" data-result="error"><span class="result-icon" aria-hidden="true">', said
    )
    assert said.endswith(
        " Código desconocido NOPE-404. Escanea un albarán de traspaso (TR-), una hoja de recuento (CNT-), "
        "un número de pedido (PO) o un artículo para ubicar."
    )


def test_a_user_who_chose_polish_still_gets_english_from_the_api(client, floor):
    """Integrators match codes and read English: the API never follows a user's language,
    even in that user's signed-in session (CSV exports: tests/web/test_stock_pages.py)."""
    accounts.set_language(operator(), "pl")
    assert lang_of(client.get("/floor/")) == "pl"
    refused = client.post(
        "/api/stock/reserve",
        json={"sku": "NOPE-404", "location": "warehouse-main", "quantity": 1, "reference": "order:o-1"},
        headers={"Accept-Language": "pl"},
    )
    error = refused.get_json()["error"]
    assert 400 <= refused.status_code < 500 and error["code"]
    assert re.fullmatch(r"[\x20-\x7e]+", error["message"]), error["message"]  # English, plain ASCII
    page = client.get("/floor/lookup", headers={"Accept-Language": "pl"})
    assert "Vary" in page.headers and "Accept-Language" in page.headers["Vary"]


def test_wtforms_own_messages_follow_the_page_language_on_filter_forms_too(client, floor):
    """List filters are plain WTForms forms (a GET needs no CSRF token): their built-in
    messages are translated as a FlaskForm's are."""
    accounts.set_language(operator(), "pl")
    page = client.get("/stock-requests?status=nonsense").get_data(as_text=True)
    assert "Nieprawidłowy wybór" in page and "Not a valid choice" not in page


def test_a_status_inside_a_refusal_is_said_in_the_readers_language(app):
    """A domain sentence names the status as a value; each page says it in its own words."""
    refusal = counting.counting_closed(CountBatch(serial=7, status=CountStatus.IN_REVIEW))
    said = {}
    for language in ("en", "es", "pl"):
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # as every request does (the test's app context is shared)
            said[language] = translate(refusal)
    assert said == {
        "en": "CNT-000007 is in review: counting is closed.",
        "es": "CNT-000007 está en estado «en revisión»: el recuento está cerrado.",
        "pl": "CNT-000007 ma status „w weryfikacji”: liczenie zamknięte.",
    }
