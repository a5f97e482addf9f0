"""The language a page speaks, and saying the domain's messages in it.

A page is in the language the signed-in user chose (saved on the user, switched from the
floor home in one tap), else the best the browser's Accept-Language asks for, else
English. Catalogues live in warehouse/translations (`make translations` extracts and
updates them, `make setup` compiles them). The API and CSV exports stay English and
locale-neutral: they never call these.

In templates: `_("...")` and `{% trans %}` mark text; `|number`, `|day` and `|moment`
write numbers and dates the reader's way; `|word` names a status or reason (words.py); `|say` says a domain message (a
warehouse/core/i18n.py `Message`) in the page's language.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale, gettext, refresh
from flask_login import current_user

from warehouse import accounts
from warehouse.core.i18n import Message

from .words import word

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
NAMES = {"en": "English", "es": "Español", "pl": "Polski"}  # each in its own words
LANGUAGES = {code: NAMES[code] for code in accounts.LANGUAGES}  # what a user may choose
DEFAULT = "en"


def choose_locale() -> str:
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def language() -> str:
    """The page's language code, for `<html lang>`."""
    locale = get_locale()
    return locale.language if locale else DEFAULT


def translate(message: str | None) -> str | None:
    """A domain message in the page's language: a `Message` by its template, filled with
    its values written the reader's way; any other text as it is (it was written for
    this page already, or is a value)."""
    if not isinstance(message, Message):
        return message
    params = {name: _Local(value) for name, value in message.params.items()}
    try:
        return gettext(message.template).format(**params) if params else gettext(message.template)
    except (KeyError, IndexError, ValueError):  # a translation that names a value wrongly
        return str(message)


class _Local:
    """A value as the reader writes it: grouped numbers (`{qty:,}`), dates; anything else
    as it is."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, bool) or value is None:
            return format(value, spec)
        if isinstance(value, Enum):
            return word(value).lower()  # a status inside a sentence: "en tránsito"
        if isinstance(value, int | float | Decimal) and "," in spec:
            places = re.search(r"\.(\d+)", spec)  # {cost:,.2f} keeps its two places
            return number(value, int(places.group(1)) if places else None)
        if isinstance(value, datetime):
            return format_datetime(value, "short")
        if isinstance(value, date):
            return format_date(value, "medium")
        return format(value, spec)


def number(value, places: int | None = None) -> str:
    """`|number`: grouped the reader's way; `places` decimals when given (money)."""
    if value is None:
        return "—"
    if places is None:
        return format_decimal(value)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, format=pattern)


def signed(value, places: int = 2) -> str:
    """`|signed`: a variance with its sign (+1,234.50 / -3.00)."""
    text = number(abs(value), places)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def day(value: date | None, style: str = "medium") -> str:
    return format_date(value, style) if value else "—"


def moment(value: datetime | None, style: str = "short") -> str:
    return format_datetime(value, style) if value else "—"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=choose_locale)
    # flask-babel keeps the locale on `g`; requests made inside one app context (the test
    # client's, a CLI's) would all speak the first one's language.
    app.before_request(refresh)
    app.after_request(_vary)

    app.jinja_env.filters.update(
        say=translate, number=number, signed=signed, day=day, moment=moment, word=word
    )
    app.jinja_env.globals.update(language=language, LANGUAGES=LANGUAGES)


def _vary(response):
    """A page differs by the browser's language: no shared cache may give one reader's
    Spanish page to another."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response
