"""Money as the reports and the dashboard show it: a Decimal rounded to the cent (unit
costs to four places), None counted as zero."""

from decimal import Decimal


def money(value, places: str = "0.01") -> Decimal:
    return Decimal(value or 0).quantize(Decimal(places))
