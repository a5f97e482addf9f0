"""Request and response shapes of the JSON API for the supervisor's and the floor's stock
work beyond orders: holds, expired stock (and its destruction), put-away tasks, lot
control, the reservation list and where to pick a transfer (snake_case, as in the seeds).

Lists accept the endpoint catalogue's names as aliases of ours where they mean the same
thing (`locationId` for `location`, `binId` for `bin`, `lotId` for `lot`: codes, as every
place in this API is named); the answers keep one shape. Quantities that are or sum the
on-hand of a bin being counted are null for an operator's token (`being_counted`, see
warehouse/api/blind.py).

These models validate every request and are the source of /api/openapi.json.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from warehouse.availability.models import HoldReason
from warehouse.inbound.models import PutawayReason

from . import aliases
from .aliases import CATALOGUE
from .stock_schemas import Blindable, ReservationOut, Withheld
from .types import (
    BinCode,
    Body,
    Id,
    LocationCode,
    LotCode,
    Out,
    Paging,
    Quantity,
    Query,
    ReferenceId,
    ReferenceType,
    Sku,
    UtcDateTime,
    text,
)

HoldNumber = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Reference = text(97)  # type:id


# --- holds ------------------------------------------------------------------------------


class HoldQuery(Paging):
    OTHER_NAMES = (
        aliases.location("locationId", CATALOGUE),
        aliases.bin("binId", CATALOGUE),
        aliases.lot("lotId", CATALOGUE),
    )

    status: Literal["active", "released", "written_off", "moved", "any"] = Field(
        "active", description="moved: sent to a destruction location (a new hold holds them there)"
    )
    reason: HoldReason | None = None
    sku: Sku | None = None
    location: LocationCode | None = None
    bin: BinCode | None = None
    lot: LotCode | None = None
    reference: Reference | None = Field(None, description="type:id, e.g. transfer:TR-000012")


class HoldIn(Body):
    sku: Sku
    location: LocationCode
    bin: BinCode
    lot: LotCode = Field("", description="required for a lot-tracked SKU")
    quantity: Quantity = Field(description="units to hold: they must be available (not reserved or held)")
    reason: HoldReason
    note: text(500) = ""


class HoldNamed(Body):
    """A hold by its id or its number (HLD-000042): one of the two."""

    hold_id: Id | None = None
    number: HoldNumber | None = Field(None, description="HLD-000042")

    @model_validator(mode="after")
    def _one_of_the_two(self):
        if (self.hold_id is None) == (self.number is None):
            raise ValueError("Name the hold by hold_id or by number (HLD-000042), one of the two.")
        return self


class HoldOut(Blindable):
    id: int
    number: str
    sku: str
    location: str
    bin: str
    lot: str | None
    quantity: int | None = Field(None, description="held when placed; null when being_counted")
    quantity_open: int | None = Field(None, description="still held; null when being_counted")
    reason: HoldReason
    status: str
    note: str | None
    reference: str | None = Field(description="type:id: what the units came from or were sent under")
    created_at: UtcDateTime
    closed_at: UtcDateTime | None


# --- expiry ------------------------------------------------------------------------------


class ExpiredQuery(Paging):
    OTHER_NAMES = (aliases.location("locationId", CATALOGUE),)

    sku: Sku | None = None
    location: LocationCode | None = None


class ExpiredRow(Blindable):
    sku: str
    product_name: str
    lot: str
    expiry_date: date
    days_expired: int = Field(description="days since the expiry date (the lot is good ON its date)")
    location: str
    location_type: str
    bin: str
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld


class MarkExpiredIn(Body):
    sku: Sku
    location: LocationCode
    bin: BinCode
    lot: Annotated[LotCode, Field(min_length=1)]


class DestructionIn(HoldNamed):
    location: LocationCode | None = Field(
        None, description="a location of type destruction; left out: the organisation's only one"
    )
    reference_type: ReferenceType = "destruction"
    reference_id: ReferenceId = Field(description="the destruction order or certificate, e.g. CERT-981")


class ConsumedIn(HoldNamed):
    reference_type: ReferenceType | None = None
    reference_id: ReferenceId | None = Field(
        None,
        description="left out (with reference_type): the reference the hold was sent to destruction under",
    )

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.reference_type is None) != (self.reference_id is None):
            raise ValueError("Send reference_type and reference_id together, or neither.")
        return self


class DestructionOut(Out):
    moved: HoldOut = Field(description="the expired hold the units left (status moved)")
    hold: HoldOut = Field(description="the new expired hold at the destruction location")
    posting_id: int
    reference: str


# --- put-away ----------------------------------------------------------------------------


class PutawayQuery(Paging):
    OTHER_NAMES = (aliases.location("locationId", CATALOGUE),)

    location: LocationCode | None = None
    sku: Sku | None = None


class PutawayTaskOut(Out):
    id: int
    status: str
    location: str
    sku: str
    product_name: str
    lot: str | None
    from_bin: str
    quantity: int = Field(description="units to move")
    suggested_bin: str | None = Field(description="null: no storage bin fits; any storage bin with a reason")
    to_bin: str | None
    reason: str | None
    receipt: str | None = Field(description="the receipt (RCV-000001) the units arrived on, if any")
    created_at: UtcDateTime
    done_at: UtcDateTime | None


class PutawayIn(Body):
    sku: Sku
    location: LocationCode
    bin: BinCode | None = Field(None, description="the receiving bin; left out: the location's receiving bin")
    lot: LotCode = ""
    quantity: Quantity


class ConfirmIn(Body):
    bin: BinCode = Field(description="the storage bin the goods went into (code or label barcode)")
    quantity: Quantity | None = Field(
        None, description="left out: all of the task; fewer closes the task and opens one for the rest"
    )
    reason: PutawayReason | None = Field(None, description="needed when the bin is not the suggested one")


class ConfirmOut(Out):
    task: PutawayTaskOut
    rest: PutawayTaskOut | None = Field(description="the new task for what is left, after a partial put-away")
    posting_id: int


# --- lot control -------------------------------------------------------------------------


class LotCheckIn(Body):
    sku: Sku
    lot: LotCode = ""
    location: LocationCode | None = None
    bin: BinCode | None = Field(None, description="with location")

    @model_validator(mode="after")
    def _bin_with_location(self):
        if self.bin and not self.location:
            raise ValueError("A bin is named within its location: send location too.")
        return self


class LotCheckQuery(Query):
    OTHER_NAMES = (
        aliases.location("locationId", CATALOGUE),
        aliases.bin("binId", CATALOGUE),
        aliases.lot("lotId", CATALOGUE),
    )

    sku: Sku
    lot: LotCode | None = None
    location: LocationCode | None = None
    bin: BinCode | None = None

    @model_validator(mode="after")
    def _bin_with_location(self):
        if self.bin and not self.location:
            raise ValueError("A bin is named within its location: send location too.")
        return self


class LotReasonOut(Out):
    code: str = Field(description="lot_required, lot_not_tracked, lot_unknown, lot_expired, lot_held")
    severity: Literal["error", "warning"]
    message: str


class LotHoldOut(Blindable):
    number: str
    reason: HoldReason
    location: str
    bin: str
    quantity_open: int | None = Withheld


class LotCheckOut(Blindable):
    sku: str
    lot: str | None
    location: str | None
    bin: str | None
    verdict: Literal["ok", "warning", "refused"] = Field(
        description="refused: an error reason; warning: warnings only; ok: none"
    )
    valid: bool = Field(description="the verdict is not refused")
    lot_required: bool = Field(description="the SKU is lot-tracked")
    lot_exists: bool | None = Field(description="null when no lot was named")
    expiry_date: date | None
    expired: bool | None
    on_hold: bool = Field(description="units of the lot are on an active hold where asked")
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld
    holds: list[LotHoldOut]
    reasons: list[LotReasonOut]


# --- the reservation list ----------------------------------------------------------------

_ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


def _instant(value):
    """An RFC 3339 time (or a day), never a bare number read as seconds since 1970; with an
    offset, turned into UTC (times are stored as naive UTC)."""
    if isinstance(value, str) and not _ISO_INSTANT.fullmatch(value.strip()):
        raise ValueError("Give the time as RFC 3339, e.g. 2026-12-06T09:00:00Z.")
    return value


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError as e:
        raise ValueError("That time is out of range.") from e


Instant = Annotated[datetime, BeforeValidator(_instant)]


class ReservationQuery(Paging):
    OTHER_NAMES = (aliases.location("locationId", CATALOGUE),)

    status: Literal["active", "released", "expired", "fulfilled", "any"] = "active"
    sku: Sku | None = None
    location: LocationCode | None = None
    reference: Reference | None = Field(None, description="type:id (order:ord-12345) or just the id")
    expiring_before: Instant | None = Field(None, description="active rows whose TTL ends before this time")

    @model_validator(mode="after")
    def _utc(self):
        if self.expiring_before is not None:
            self.expiring_before = _as_utc(self.expiring_before)
        return self


class ReservationRow(ReservationOut):
    reference_type: str
    reference_id: str
    created_at: UtcDateTime
    closed_at: UtcDateTime | None


# --- where to pick a transfer ------------------------------------------------------------


class TransferBinsQuery(Query):
    transfer: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")] = Field(
        description="the transfer's number, TR-000001"
    )


class PickSourceOut(Blindable):
    bin: str
    lot: str | None
    expiry_date: date | None
    available: int | None = Field(None, description="free to anyone here; null when being_counted")
    allocated: int | None = Field(None, description="reserved here for this line at approval")
    picked: int | None = Field(None, description="picked here for this line so far")
    can_pick: int | None = Field(None, description="what the line may still take from here")


class LineBinsOut(Out):
    line_id: int
    sku: str
    lot: str | None
    quantity_requested: int
    quantity_picked: int
    to_pick: int = Field(description="left to pick (0 once short-picked, or when nothing is picked any more)")
    short_picked: bool
    bins: list[PickSourceOut]


class TransferBinsOut(Out):
    id: int
    number: str
    status: str
    from_location: str
    lines: list[LineBinsOut]
