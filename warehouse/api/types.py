"""Field types shared by the API schemas: bounded, printable, whole units, UTC on the wire."""

import re
from datetime import date, datetime, timezone
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from warehouse.ledger import MAX_LINE_QTY

from . import aliases

# No control characters (a NUL is refused by PostgreSQL; the rest is never meant).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def text(max_length: int, *, min_length: int = 0):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=PRINTABLE)]


def code(max_length: int):
    """A code typed or scanned (SKU, location, bin, lot): surrounding blanks dropped."""
    return Annotated[
        str, StringConstraints(min_length=1, max_length=max_length, strip_whitespace=True, pattern=PRINTABLE)
    ]


Sku = code(64)
LocationCode = code(30)
BinCode = code(32)
LotCode = Annotated[str, StringConstraints(max_length=64, strip_whitespace=True, pattern=PRINTABLE)]
ReferenceType = code(32)
ReferenceId = code(64)
ChannelCode = code(32)
Quantity = Annotated[int, Field(ge=1, le=1_000_000)]
SignedQuantity = Annotated[int, Field(ge=-MAX_LINE_QTY, le=MAX_LINE_QTY)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


def _utc(value: datetime) -> str:
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


# Stored naive UTC; sent as RFC 3339 with a Z so clients never guess the zone.
UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _whole_numbers(value):
    """2.0 is the integer 2 (JSON Schema's "integer" is any number without a fraction, and
    some JSON encoders write every number with a point); 2.5 and "2" stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


class Body(BaseModel):
    """A request body: unknown fields and loosely typed values ("5" for 5) are refused.
    `OTHER_NAMES`: the reference documents' names for its fields, also taken (aliases.py)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=aliases.document)
    OTHER_NAMES: ClassVar[tuple[aliases.Alias, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _integers_written_with_a_point(cls, data):
        return _whole_numbers(aliases.renamed(cls.OTHER_NAMES, data))


def _iso_date(value):
    """A day as the document says, YYYY-MM-DD: a bare number ("0") is not read as seconds
    since 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("Give the day as YYYY-MM-DD, e.g. 2026-12-06.")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Query(BaseModel):
    """Query-string parameters arrive as text and are converted; an unknown one is refused
    (a misspelt filter would otherwise silently list everything)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=aliases.document)
    OTHER_NAMES: ClassVar[tuple[aliases.Alias, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _other_names(cls, data):
        return aliases.renamed(cls.OTHER_NAMES, data)


class Paging(Query):
    page: int = Field(1, ge=1, le=100_000, description="1-based page number")
    limit: int = Field(20, ge=1, le=100, description="rows per page (at most 100)")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# While a bin is in a count batch that is open or counting, an operator's token gets its
# figures (and every total that sums them) as null, with "being_counted": true. The flag
# is left out of every other answer, so answers nobody withholds are as they were.
Withheld = Field(None, description="null when being_counted")


class Blindable(Out):
    being_counted: bool = Field(
        False,
        description="present (true) only while a bin here is in a count batch that is open or counting "
        "and the token is an operator's: the quantity fields are null until the count is submitted",
    )

    @model_serializer(mode="wrap")
    def _flag_only_when_withheld(self, handler):
        shown = handler(self)
        if not self.being_counted:
            shown.pop("being_counted", None)
        return shown


class PageMeta(Out):
    total: int
    page: int
    limit: int
    has_more: bool


T = TypeVar("T")


class Page(Out, Generic[T]):
    data: list[T]
    meta: PageMeta


class ErrorDetail(Out):
    code: str
    message: str
    details: dict | None = None


class ErrorBody(Out):
    error: ErrorDetail
