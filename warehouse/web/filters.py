"""WTForms field filters that normalise scanner and keyboard input."""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value):
    """Strip surrounding whitespace and control characters a scanner may append (CR, LF,
    TAB). GS1 group separators are handled by the scan resolver, not here."""
    if value is None:
        return None
    return _CONTROL.sub("", value).strip()
