"""CSV cells a spreadsheet cannot run.

Excel, LibreOffice and Google Sheets run a cell that starts with =, +, - or @ as a formula
(tab and carriage return too, ahead of one): a product name, a reference or a reason
typed as `=HYPERLINK(...)` would become a live link or worse in whoever opens the export.
Such text is prefixed with ' (OWASP's "CSV injection" advice): the sheet shows it as text.
Numbers are left alone, so a negative quantity stays a number.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` as it may go into a CSV cell: text a spreadsheet would run gets a ' first."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
