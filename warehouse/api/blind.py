"""Blind means blind beyond /api/stock: the answers of products, alerts, the reorder report
and reservations withhold, for an operator's token, every figure that is or sums the
on-hand of a bin being counted, the same way /api/stock does (null quantity fields and
`"being_counted": true`; a supervisor's token gets the figures with the flag).

Who is blind is warehouse/counts/blind.py's rule (`blindfold_for`). Which (product,
location) totals sum a bin being counted is one query per answer, by the balances' bin
index (`Blindfold.counted_totals`), and none while nothing is being counted.

The shapes below are the schemas' answers with their figures made nullable and the flag
added (the same names in the document, so clients see one ProductOut, one AlertOut...).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from warehouse.counts.blind import Blindfold

from . import control_schemas, product_schemas
from . import stock_schemas as s

Withheld = s.Withheld


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


# --- shapes ------------------------------------------------------------------------------


class InventoryOut(product_schemas.InventoryOut, s.Blindable):
    quantity_on_hand: int | None = Withheld
    quantity_reserved: int | None = Withheld
    quantity_available: int | None = Field(
        None, description="on hand - reserved - held; null when being_counted"
    )


class ProductOut(product_schemas.ProductOut, s.Blindable):
    stock_quantity: int | None = Field(None, description="units on hand; null when being_counted")
    inventory: InventoryOut | None = Field(None, description="with include=inventory (and on POST and PATCH)")


class AlertOut(control_schemas.AlertOut, s.Blindable):
    on_hand: int | None = Field(None, description="when raised; null when being_counted")
    available: int | None = Withheld
    message: str = Field(description="without the figures when being_counted")


class ReservationOut(s.ReservationOut, s.Blindable):
    """A reservation row in a bin being counted: how much it took from the bin gives the
    bin's available away when the reservation emptied it, so its quantities are withheld."""

    quantity: int | None = Withheld
    quantity_open: int | None = Withheld
    quantity_fulfilled: int | None = Withheld


class StockChangeOut(s.StockChangeOut):
    reservations: list[ReservationOut]
