"""Request and response shapes of the JSON API for selling channels: channels, their rules
per location ("availability records" in the endpoint catalogue), the ATP matrix of a
location, one SKU's drill-down, the summary per channel and the check on a channel.

Queries and bodies take the endpoint catalogue's names as alternatives of ours
(`locationId` for `location`, `productId` / `product_id` for `sku`: an id or our code).
These models validate every request and are the source of /api/openapi.json.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from . import aliases
from .aliases import CATALOGUE, MOVEMENTS, PRODUCT_INV, SKU_TX
from .types import (
    Blindable,
    Body,
    LocationCode,
    Out,
    PageMeta,
    Paging,
    Quantity,
    Query,
    Sku,
    UtcDateTime,
    Withheld,
    text,
)

ChannelCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]+$")
]
ChannelCodes = Annotated[
    str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[A-Za-z0-9_-]+( ?, ?[A-Za-z0-9_-]+)*$")
]
Buffer = Annotated[int, Field(ge=0, le=1_000_000, description="units kept back from the channel")]
Share = Annotated[int, Field(ge=1, le=100, description="percent of the sellable stock it may hold reserved")]
LOCATION_ID = aliases.location("locationId", f"{SKU_TX}, {CATALOGUE}")


# --- channels ----------------------------------------------------------------------------


class ChannelQuery(Paging):
    active: bool | None = Field(None, description="true: active channels only; false: inactive only")


class ChannelIn(Body):
    code: ChannelCode = Field(description="1-32 letters, digits, '-' or '_'; stored lower-case")
    name: text(100, min_length=1)
    active: bool = True


class ChannelChange(Body):
    name: text(100, min_length=1) | None = Field(None, description="left out: kept")
    active: bool | None = Field(None, description="false: the channel promises nothing (its rules are kept)")


class ChannelOut(Out):
    id: int
    code: str
    name: str
    active: bool
    created_at: UtcDateTime


# --- rules: availability records --------------------------------------------------------------


class RuleQuery(Paging):
    OTHER_NAMES = (LOCATION_ID,)

    channel: ChannelCode | None = Field(None, description="a channel's code or id")
    location: LocationCode | None = None


class RuleIn(Body):
    """A channel's rule at a location, made or changed: fields left out keep the rule's
    value (a new rule sells, with buffer 0 and no share); `share_percent: null` removes
    the share."""

    OTHER_NAMES = (LOCATION_ID,)

    channel: ChannelCode = Field(description="the channel's code or id")
    location: LocationCode
    can_sell: bool | None = Field(None, description="whether the channel sells from this location")
    buffer: Buffer | None = None
    share_percent: Share | None = None


class RuleChange(Body):
    can_sell: bool | None = None
    buffer: Buffer | None = None
    share_percent: Share | None = Field(None, description="null removes the share; left out: kept")


class RuleGone(Out):
    id: int
    channel: str
    location: str


class RuleOut(Out):
    id: int
    channel: str
    channel_name: str
    location: str
    can_sell: bool
    buffer: int
    share_percent: int | None
    updated_at: UtcDateTime


# --- the matrix, the drill-down, the summary ------------------------------------------------


class MatrixQuery(Query):
    OTHER_NAMES = (LOCATION_ID,)

    location: LocationCode = Field(description="the location (code; `locationId`: its id or code)")
    search: text(100) | None = Field(None, description="part of the SKU or the name, any case")
    channels: ChannelCodes | None = Field(
        None, description="comma-separated channel codes or ids; left out: all"
    )
    page: int = Field(1, ge=1, le=100_000, description="1-based page number")
    limit: int = Field(50, ge=1, le=200, description="SKUs per page (at most 200)")


class MatrixChannel(Out):
    code: str
    name: str
    active: bool


class MatrixRowOut(Blindable):
    product_id: int
    sku: str
    name: str
    on_hand: int
    reserved: int
    held: int
    free: int = Field(description="what a reserve could take now (outside receiving bins and expired lots)")
    atp: dict[str, int] = Field(description="ATP per channel code")


class MatrixOut(Out):
    location: str
    location_name: str
    channels: list[MatrixChannel]
    data: list[MatrixRowOut]
    meta: PageMeta


class DrilldownQuery(Query):
    OTHER_NAMES = (
        aliases.product(f"{MOVEMENTS}, {PRODUCT_INV}"),
        aliases.product(CATALOGUE, "productId"),
        LOCATION_ID,
    )

    sku: Sku = Field(description="the SKU (or barcode); `productId` / `product_id`: its id")
    location: LocationCode | None = Field(None, description="one location; left out: every location it is at")


class ChannelAtPlaceOut(Out):
    channel: str
    name: str
    active: bool
    rule_id: int | None = Field(description="null: no rule, the channel does not sell from here")
    can_sell: bool
    buffer: int | None
    share_percent: int | None
    reserved: int = Field(description="reserved open on this channel here")
    atp: int


class PlaceOut(Blindable):
    location: str
    location_name: str
    on_hand: int
    reserved: int
    reserved_no_channel: int = Field(
        description="reserved by transfers, pages and calls that named no channel"
    )
    held: int
    free: int
    channels: list[ChannelAtPlaceOut]


class DrilldownOut(Out):
    product_id: int
    sku: str
    name: str
    locations: list[PlaceOut]


class ChannelSummaryOut(Out):
    code: str
    name: str
    active: bool
    rules: int = Field(description="locations it has a rule at")
    selling_locations: int = Field(description="locations its rules let it sell from")
    reserved: int = Field(description="units reserved open on it (carts past their TTL left out)")
    open_reservations: int
    backordered: int = Field(description="units waiting on backorder on it")


class SummaryOut(Out):
    channels: list[ChannelSummaryOut]


# --- the check ---------------------------------------------------------------------------


class CheckItem(Body):
    OTHER_NAMES = (aliases.product(f"{MOVEMENTS}, {PRODUCT_INV}"),)

    sku: Sku
    quantity: Quantity


class CheckIn(Body):
    OTHER_NAMES = (LOCATION_ID,)

    channel: ChannelCode = Field(description="the channel's code or id")
    location: LocationCode | None = Field(None, description="left out: every location the channel sells from")
    items: list[CheckItem] = Field(min_length=1, max_length=100)


class CheckPlace(Blindable):
    location: str
    atp: int | None = Withheld


class CheckResult(Blindable):
    sku: str
    quantity: int
    atp: int | None = Withheld
    ok: bool
    locations: list[CheckPlace]


class CheckOut(Out):
    channel: str
    location: str | None
    ok: bool
    items: list[CheckResult]
