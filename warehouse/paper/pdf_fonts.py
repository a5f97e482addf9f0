"""Fonts for printed documents (slips, pick lists, count sheets, reports).

Helvetica, built into every PDF reader, covers Latin-1 only: a product named in Greek or
Cyrillic, or with a euro sign, prints as boxes. DejaVu Sans covers those scripts, so it is
embedded when found (Debian's fonts-dejavu-core; `.ci/run` installs it). Without it the
documents fall back to Helvetica and still print, with boxes for what it cannot show.
"""

from __future__ import annotations

import os
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = [
    os.environ.get("PDF_FONT_DIR", ""),
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
]
FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@cache
def regular_and_bold() -> tuple[str, str]:
    """Font names to use: ("DejaVuSans", "DejaVuSans-Bold") when found, else Helvetica."""
    for folder in filter(None, FONT_DIRS):
        paths = [os.path.join(folder, name) for name in FILES]
        if all(os.path.isfile(path) for path in paths):
            for path in paths:
                name = os.path.basename(path)[:-4]
                pdfmetrics.registerFont(TTFont(name, path))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"
