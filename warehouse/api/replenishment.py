"""Replenishment: the reorder report (what to order where, the same rows as the
/replenishment page) and the reorder policies behind it (read, and saved as a list).
The report's figures at a place that sums a bin being counted are withheld from an
operator's token (api/blind.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from warehouse.accounts import permissions as P
from warehouse.alerts import policies, replenishment
from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog import locations
from warehouse.counts.blind import blindfold_for

from . import blind, bp, examples, reads
from .spec import operation
from .stock_schemas import Blindable, Withheld
from .types import Body, LocationCode, Out, Page, PageMeta, Paging, Sku

MAX_POLICIES = 1000  # per PUT /api/replenishment/config
MAX_BODY = 1024 * 1024  # 1,000 policies fit with room to spare


class ReorderQuery(Paging):
    location: LocationCode | None = Field(None, description="a location code; all locations when left out")


class ReorderRowOut(Blindable):
    sku: str
    product_name: str
    location: str
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld
    inbound: int
    reorder_point: int
    reorder_qty: int
    max_level: int | None
    suggested_qty: int | None = Field(
        None, description="null when being_counted (it may be worked from on_hand)"
    )
    unit_cost: Decimal
    suggested_value: Decimal | None = Withheld


# Withheld behind a blindfold: the place's figures and what is worked from them (filling up
# to max_level gives on_hand away by subtraction).
_WITHHELD = ("on_hand", "reserved", "held", "available", "suggested_qty", "suggested_value")


@operation(
    bp,
    "GET",
    "/replenishment/reorder",
    summary="Reorder report",
    tag="replenishment",
    permission=P.REPLENISHMENT_READ,
    query=ReorderQuery,
    response=Page[ReorderRowOut],
)
def reorder_report(caller, query: ReorderQuery):
    """SKUs at or below their reorder point, with units inbound on transfers and the
    suggested quantity (reorder_qty, else up to max_level). Behind a blindfold, a row whose
    place sums a bin being counted has its figures null (being_counted)."""
    location_id = None
    if query.location:
        location_id = locations.require(query.location).id
    rows = replenishment.reorder_report(location_id)
    start = (query.page - 1) * query.limit
    shown = rows[start : start + query.limit]
    blindfold = blindfold_for(caller.role)
    places = blind.counted_places(blindfold, {r.product_id for r in shown})
    kept = [
        name for name in ReorderRowOut.model_fields if name not in {"location", "being_counted", *_WITHHELD}
    ]
    return Page[ReorderRowOut](
        data=[
            ReorderRowOut(
                location=r.location_code,
                **{name: getattr(r, name) for name in kept},
                **blind.shown(
                    blindfold,
                    (r.product_id, r.location_id) in places,
                    **{name: getattr(r, name) for name in _WITHHELD},
                ),
            )
            for r in shown
        ],
        meta=PageMeta(
            total=len(rows), page=query.page, limit=query.limit, has_more=start + query.limit < len(rows)
        ),
    )


# --- reorder policies -------------------------------------------------------------------

Figure = Annotated[int, Field(ge=0, le=policies.HIGH)]


class ConfigQuery(Paging):
    sku: Sku | None = Field(None, description="SKU (prefix match)")
    location: LocationCode | None = Field(None, description="a location code; all locations when left out")


class PolicyOut(Out):
    sku: str
    location: str
    reorder_point: int
    reorder_qty: int
    max_level: int | None
    lead_time_days: int
    safety_stock: int
    suggested_reorder_point: int | None = Field(
        description="average daily outbound of the last 90 days x lead time + safety stock, rounded up; "
        "null when the policy has no lead time"
    )


class PolicyIn(Body):
    """Figures left out keep the policy's value (a new policy: 0, no max level); max_level
    null clears it."""

    sku: Sku
    location: LocationCode
    reorder_point: Figure | None = None
    reorder_qty: Figure | None = None
    max_level: Figure | None = Field(None, description="at or above reorder_point; null: no max level")
    lead_time_days: Annotated[int, Field(ge=0, le=policies.MAX_LEAD_TIME_DAYS)] | None = None
    safety_stock: Figure | None = None


class ConfigIn(Body):
    items: list[PolicyIn] = Field(min_length=1, max_length=MAX_POLICIES, description="1 to 1,000 policies")


class ConfigOut(Out):
    saved: int
    items: list[PolicyOut]


@operation(
    bp,
    "GET",
    "/replenishment/config",
    summary="Reorder policies with a suggested reorder point",
    tag="replenishment",
    permission=P.REPLENISHMENT_READ,
    query=ConfigQuery,
    response=Page[PolicyOut],
    answer=examples.CONFIG_PAGE,
)
def list_config(caller, query: ConfigQuery):
    location_id = locations.require(query.location).id if query.location else None
    listed = reads.policies(query, location_id)
    return Page[PolicyOut](data=_rows(listed.rows), meta=listed.meta)


@operation(
    bp,
    "PUT",
    "/replenishment/config",
    summary="Save reorder policies by SKU and location (all or nothing)",
    tag="replenishment",
    permission=P.REPLENISHMENT_WRITE,
    body=ConfigIn,
    response=ConfigOut,
    max_body=MAX_BODY,
    example=examples.CONFIG_IN,
    answer=examples.CONFIG_OUT,
)
def save_config(caller, body: ConfigIn):
    """One transaction: every policy is saved, or none (422 policies_refused naming each
    refused item in details.items). The alerts of every policy saved are judged again."""
    specs = [
        policies.PolicySpec(item.sku, item.location, {n: getattr(item, n) for n in _given(item)})
        for item in body.items
    ]
    saved = policies.save(specs, actor_id=caller.user_id)
    rows = [(policy, spec.sku, spec.location) for policy, spec in zip(saved, specs, strict=True)]
    return ConfigOut(saved=len(saved), items=_rows(rows))


def _given(item: PolicyIn) -> list[str]:
    return [name for name in policies.FIGURES if name in item.model_fields_set]


def _rows(rows: list[tuple[ReorderPolicy, str, str]]) -> list[PolicyOut]:
    """The policies as the API shows them, with their suggestions in two queries."""
    found = replenishment.suggestions({(p.product_id, p.location_id) for p, _sku, _code in rows})
    return [
        PolicyOut(
            sku=sku,
            location=code,
            **{name: getattr(policy, name) for name in policies.FIGURES},
            suggested_reorder_point=_suggested(found.get((policy.product_id, policy.location_id)), policy),
        )
        for policy, sku, code in rows
    ]


def _suggested(suggestion: replenishment.Suggestion | None, policy: ReorderPolicy) -> int | None:
    # With no lead time the formula is the safety stock alone: a lead time left at 0 is
    # "not known yet", not "arrives at once", so no figure is better than a wrong one.
    if suggestion is None or not policy.lead_time_days:
        return None
    return suggestion.value
