"""Request and response shapes of orders and their routing (warehouse/availability/
routing.py and orders.py). The reference document (sku-transactions.txt) names the manual
override `fulfillFromLocationId` and the body of a reserve `referenceId`; both are taken."""

from __future__ import annotations

from pydantic import Field

from . import aliases
from .aliases import PRODUCT_INV, SKU_TX, Alias
from .stock_schemas import PRODUCT_ALIAS, BackorderOut, ReservationOut
from .types import Blindable, Body, LocationCode, Out, Quantity, ReferenceId, Sku, Withheld, code


class OrderItem(Body):
    OTHER_NAMES = (PRODUCT_ALIAS,)

    sku: Sku
    quantity: Quantity


class ShipTo(Body):
    """Where the order goes, in degrees (WGS84), as a map shows it."""

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class RouteIn(Body):
    OTHER_NAMES = (
        Alias("shipTo", "ship_to", SKU_TX),
        aliases.location("fulfillFromLocationId", SKU_TX, ours="fulfill_from"),
    )

    items: list[OrderItem] = Field(min_length=1, max_length=100, description="a SKU repeated is added up")
    ship_to: ShipTo | None = Field(
        None, description="the delivery point; needed unless fulfill_from names the location"
    )
    channel: code(32) | None = Field(
        None, description="the selling channel's code: only where it sells, its ATP"
    )
    fulfill_from: LocationCode | None = Field(
        None, description="a manual override: this location only (or short)"
    )


class OrderIn(RouteIn):
    OTHER_NAMES = (
        *RouteIn.OTHER_NAMES,
        Alias(
            "order_id",
            "reference",
            PRODUCT_INV,
            convert=lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v,
            schema=aliases.ID_OR_CODE,
        ),
    )

    reference: ReferenceId = Field(description="the order id: its reservations carry order:<reference>")
    cart: ReferenceId | None = Field(
        None, description="a cart whose reservations (cart:<id>) become the order's instead of reserving anew"
    )


class FulfilIn(Body):
    OTHER_NAMES = (aliases.location("locationId", SKU_TX),)

    location: LocationCode | None = Field(
        None, description="ship what is reserved here only (default: everywhere)"
    )


class RouteLine(Blindable):
    sku: str
    quantity: int | None = Withheld  # from a location where the SKU has a bin being counted


class RouteLeg(Out):
    location: str
    name: str
    distance_km: float | None = Field(description="great-circle, to 0.1 km; null without a ship-to point")
    lines: list[RouteLine]


class ShortLine(Blindable):
    sku: str
    quantity: int = Field(description="ordered")
    available: int | None = Withheld  # the ATP of every candidate location together
    short: int | None = Withheld


class ShipToOut(Out):
    latitude: float
    longitude: float


class RouteOut(Out):
    kind: str = Field(description="single | split | short")
    channel: str | None
    ship_to: ShipToOut | None
    locations: list[RouteLeg]
    short: list[ShortLine]


class FromCart(Out):
    reservation_id: int
    sku: str
    location: str
    quantity: int


class OrderOut(Out):
    reference: str
    status: str = Field(description="open | fulfilled | cancelled")
    route: RouteOut | None = Field(description="where the order went: in the answer to placing it, else null")
    from_cart: list[FromCart] = Field(description="placing with a cart: the cart's reservations taken over")
    reservations: list[ReservationOut]
    backorders: list[BackorderOut]
    shipped: int | None = Field(None, description="fulfil: the units this shipment sold")
