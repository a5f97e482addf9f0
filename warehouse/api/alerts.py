"""Alerts: list (live by default), configure a SKU x location, acknowledge or resolve.

An alert's figures (and its text) at a place whose total sums a bin being counted are
withheld from an operator's token (api/blind.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse import alerts
from warehouse.accounts import permissions as P
from warehouse.alerts.models import Alert, AlertKind, AlertStatus
from warehouse.catalog import locations
from warehouse.catalog.models import Location, Product
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.ledger import stock

from . import blind, bp, examples, reads
from . import control_schemas as s
from .spec import operation
from .types import Page


def _out(a: Alert, blindfold: Blindfold, places: frozenset[tuple[int, int]]) -> s.AlertOut:
    """An alert's on_hand and available are its place's totals when raised (and its text
    says them): behind a blindfold they are withheld while that total sums a bin being
    counted, whatever the alert's status (nothing may have moved since)."""
    counted = (a.product_id, a.location_id) in places
    figures = blind.shown(blindfold, counted, on_hand=a.on_hand, available=a.available)
    withheld = counted and blindfold.blind
    return s.AlertOut(
        id=a.id,
        kind=a.kind,
        status=a.status,
        sku=a.product.sku,
        location=a.location.code,
        threshold=a.threshold,
        **figures,
        message=_withheld_message(a) if withheld else a.message,
        raised_at=a.raised_at,
        acknowledged_at=a.acknowledged_at,
        closed_at=a.closed_at,
    )


def _withheld_message(a: Alert) -> str:
    return (
        f"{a.product.sku} at {a.location.code}: {a.kind.value.replace('_', ' ')}. A bin here is being "
        "counted: the figures are back when the count is submitted."
    )


def _seen(caller, rows: list[Alert]) -> list[s.AlertOut]:
    """The alerts as this caller may see them, with one query for which places sum a bin
    being counted (none while nothing is)."""
    blindfold = blindfold_for(caller.role)
    places = blind.counted_places(blindfold, {a.product_id for a in rows})
    return [_out(a, blindfold, places) for a in rows]


@operation(
    bp,
    "GET",
    "/alerts",
    summary="Stock alerts, newest first",
    tag="alerts",
    permission=P.ALERTS_READ,
    query=s.AlertQuery,
    response=Page[s.AlertOut],
)
def list_alerts(caller, query: s.AlertQuery):
    q = (
        select(Alert)
        .join(Product, Product.id == Alert.product_id)
        .join(Location, Location.id == Alert.location_id)
        .options(joinedload(Alert.product), joinedload(Alert.location))
        .order_by(Alert.id.desc())
    )
    if query.status == "live":
        q = q.where(Alert.live_key.is_not(None))  # open or acknowledged (the domain's "live")
    elif query.status != "any":
        q = q.where(Alert.status == AlertStatus(query.status))
    if query.kind:
        q = q.where(Alert.kind == AlertKind(query.kind))
    if query.sku:
        q = q.where(Product.sku.startswith(query.sku, autoescape=True))
    if query.location:
        q = q.where(Location.code == query.location)
    listed = reads.page_of(q, query.page, query.limit)
    return Page[s.AlertOut](data=_seen(caller, listed.rows), meta=listed.meta)


@operation(
    bp,
    "PATCH",
    "/alerts",
    summary="Acknowledge or resolve an alert",
    tag="alerts",
    permission=P.ALERTS_WRITE,
    body=s.AlertPatch,
    response=s.AlertOut,
    example=examples.ALERT_PATCH,
)
def change_alert(caller, body: s.AlertPatch):
    action = alerts.acknowledge if body.status == "acknowledged" else alerts.resolve
    (shown,) = _seen(caller, [action(body.id, actor_id=caller.user_id)])
    return shown


@operation(
    bp,
    "POST",
    "/alerts",
    summary="Configure alerts for a SKU at a location (threshold, recipients, mute)",
    tag="alerts",
    permission=P.ALERTS_WRITE,
    body=s.AlertSettingIn,
    response=s.AlertSettingOut,
    example=examples.ALERT_SETTING_IN,
)
def configure_alerts(caller, body: s.AlertSettingIn):
    product = stock.product_by_code(body.sku)
    location = locations.require(body.location)
    setting = alerts.configure(
        product.id,
        location.id,
        threshold=body.low_stock_threshold,
        recipients=body.recipients,
        muted=body.muted,
        actor_id=caller.user_id,
    )
    return s.AlertSettingOut(
        sku=product.sku,
        location=location.code,
        low_stock_threshold=setting.low_stock_threshold,
        recipients=setting.recipients,
        muted=setting.muted,
    )
