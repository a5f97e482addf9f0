"""Messages the domain says to people, in English, that a page can say in the reader's
language.

The domain knows nothing of requests or of who reads its words, so it cannot translate
them. It says them with `msg`:

    raise LotRequired(msg("{sku} is lot-tracked: scan the lot.", sku=product.sku))

A `Message` is a plain English `str` (the API answers it as it is: API messages stay
English, their codes stable), which also remembers its template and values. A page
translates the template and fills in the values in the reader's locale
(warehouse/web/i18n.py `translate`). `pybabel extract` finds every `msg("...")`
(warehouse/translations/babel.cfg); tests/web/test_translations.py fails on a domain
refusal or a floor step not said with `msg`.

Values are not translated (a SKU, a bin code), except named values: pass a status or a
reason as its enum (`status=transfer.status`), and English says "in transit" while a
page says the word of warehouse/web/words.py. Numbers formatted with `,` and dates are
written the reader's way on a page, and as `1,234` and ISO dates in English.
"""

from __future__ import annotations

from datetime import date
from enum import Enum


class Message(str):
    """An English sentence that remembers `template` and `params`, to be said again in
    another language."""

    template: str
    params: dict

    def __new__(cls, template: str, params: dict | None = None) -> Message:
        params = dict(params or {})
        english = {name: _english(value) for name, value in params.items()}
        self = super().__new__(cls, template.format(**english) if params else template)
        self.template, self.params = template, params
        return self

    def __reduce__(self):  # copy, deepcopy and pickle keep the template
        return (Message, (self.template, self.params))

    def stored(self) -> dict:
        """What a stored answer keeps (a scan's answer replayed later, maybe read in
        another language): the template and JSON-safe values."""
        return {"template": self.template, "params": {k: _storable(v) for k, v in self.params.items()}}

    @classmethod
    def from_stored(cls, stored: dict) -> Message:
        params = {k: _restored(v) for k, v in stored.get("params", {}).items()}
        return cls(stored["template"], params)


def msg(template: str, /, **params) -> Message:
    """`template` with `{name}` placeholders (`{qty:,}` for a grouped number)."""
    return Message(template, params)


def _english(value):
    """A named value (a status, a reason) in an English sentence: in_transit is "in transit"."""
    return str(value.value).replace("_", " ") if isinstance(value, Enum) else value


def _storable(value):
    if isinstance(value, Enum):
        return _english(value)
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def _restored(value):
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    return value
