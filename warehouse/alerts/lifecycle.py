"""Stock alerts in people's hands: a supervisor acknowledges or resolves a live alert
(guarded, so two people at once change it once), and the alert list, one alert and the
live count for the header badge are read here. Raising and clearing is rules.py.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.alerts.models import Alert, AlertKind, AlertStatus
from warehouse.catalog.models import Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import AlertRefused, NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

A = AlertStatus
LIVE = (A.OPEN, A.ACKNOWLEDGED)
# Whole sentences per status: a translator words each one for its own status.
ALREADY = {
    A.OPEN: msg("This alert is already open. Reload to see it."),
    A.ACKNOWLEDGED: msg("This alert is already acknowledged. Reload to see it."),
    A.RESOLVED: msg("This alert is already resolved. Reload to see it."),
    A.CLEARED: msg("This alert is already cleared. Reload to see it."),
}


# --- people: acknowledge and resolve -----------------------------------------------------


def get(alert_id: int) -> Alert:
    alert = db.session.get(
        Alert,
        alert_id,
        options=[joinedload(Alert.product), joinedload(Alert.location)],
        populate_existing=True,
    )
    if alert is None:
        raise NotFound(msg("No such alert. Reload the alerts page."))
    return alert


def acknowledge(alert_id: int, *, actor_id: int) -> Alert:
    """Someone has seen it; it stays live until the condition ends or it is resolved."""
    return _close_or_ack(alert_id, actor_id, A.ACKNOWLEDGED)


def resolve(alert_id: int, *, actor_id: int) -> Alert:
    """A person closes the alert. If the condition still holds, the next posting at that
    place raises a new one."""
    return _close_or_ack(alert_id, actor_id, A.RESOLVED)


def _close_or_ack(alert_id: int, actor_id: int, target: AlertStatus) -> Alert:
    allowed = [A.OPEN] if target is A.ACKNOWLEDGED else list(LIVE)
    now = utcnow()
    values = (
        dict(status=target, acknowledged_by=actor_id, acknowledged_at=now)
        if target is A.ACKNOWLEDGED
        else dict(status=target, live_key=None, closed_by=actor_id, closed_at=now)
    )

    def run():
        # Guarded: the WHERE carries the state, so a double click or two supervisors at
        # once change it once; the loser is told what happened.
        changed = db.session.execute(
            update(Alert).where(Alert.id == alert_id, Alert.status.in_(allowed)).values(**values)
        ).rowcount
        if changed != 1:
            alert = get(alert_id)
            raise AlertRefused(ALREADY[alert.status])

    ledger.atomically(run)
    return get(alert_id)


# --- reading -----------------------------------------------------------------------------


def open_count(location_id: int | None = None) -> int:
    """Live alerts (open or acknowledged), for the header badge: one COUNT."""
    query = select(func.count()).select_from(Alert).where(Alert.live_key.is_not(None))
    if location_id is not None:
        query = query.where(Alert.location_id == location_id)
    return db.session.scalar(query) or 0


def listing(
    *,
    status: AlertStatus | str | None = "live",
    kind: AlertKind | None = None,
    location_id: int | None = None,
    sku: str | None = None,
    limit: int = 200,
) -> list[Alert]:
    """Alerts newest first. status "live" means open or acknowledged; None means any."""
    query = (
        select(Alert)
        .options(joinedload(Alert.product), joinedload(Alert.location))
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    if status == "live":
        query = query.where(Alert.status.in_(LIVE))
    elif status:
        query = query.where(Alert.status == AlertStatus(status))
    if kind:
        query = query.where(Alert.kind == AlertKind(kind))
    if location_id is not None:
        query = query.where(Alert.location_id == location_id)
    if sku:
        query = query.join(Product, Product.id == Alert.product_id).where(
            Product.sku.istartswith(sku, autoescape=True)
        )
    return list(db.session.scalars(query))
