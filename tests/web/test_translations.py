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
from warehouse.web.i18n import number

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


def test_a_domain_refusal_is_said_in_the_page_language_and_in_english_to_the_api(client, floor):
    accounts.set_language(operator(), "es")
    token = csrf_token(client, "/floor/")
    page = client.post("/floor/", data={"scan": "NOPE-404", "csrf_token": token})
    assert page.status_code == 422
    assert "Código desconocido NOPE-404" in page.get_data(as_text=True)


def test_numbers_on_pages_are_written_the_readers_way(app):
    def said(language, *args):
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # as every request does (the test's app context is shared)
            return number(*args)

    assert said("pl", 1234567) == "1\xa0234\xa0567"
    assert said("es", 1234.5, 2) == "1.234,50"
    assert said("en", 1234567) == "1,234,567"
