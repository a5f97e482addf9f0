"""Blind means blind beyond /api/stock: the answers of products, alerts, the reorder report
and reservations withhold, for an operator's token, every figure that is or sums the
on-hand of a bin being counted, the same way /api/stock does (null quantity fields and
`"being_counted": true`; a supervisor's token gets the figures with the flag).

Who is blind is warehouse/counts/blind.py's rule (`blindfold_for`). Which (product,
location) totals sum a bin being counted is one query per answer, by the balances' bin
index (`Blindfold.counted_totals`), and none while nothing is being counted.

The answers' figures are nullable, with the flag, in their own schemas (types.Blindable:
ProductOut, InventoryOut, AlertOut, ReservationOut ...), so clients see one shape.
"""

from __future__ import annotations

from collections.abc import Iterable

from warehouse.counts.blind import Blindfold


def counted_places(blindfold: Blindfold, product_ids: Iterable[int]) -> frozenset[tuple[int, int]]:
    """(product, location) pairs of these products whose totals sum a bin being counted."""
    return blindfold.counted_totals(product_ids)


def sums_counted(places: frozenset[tuple[int, int]], product_id: int, location_id: int | None) -> bool:
    """Whether a product's figure (at one location, or summed over all) sums a bin being
    counted."""
    if location_id is not None:
        return (product_id, location_id) in places
    return any(product == product_id for product, _ in places)


def shown(blindfold: Blindfold, counted: bool, **figures) -> dict:
    """Figures as the caller may see them: with being_counted when they are or sum a bin
    being counted, null when the caller is blind to it."""
    if counted and blindfold.blind:
        return dict.fromkeys(figures) | {"being_counted": True}
    return figures | {"being_counted": counted}
