"""Alert settings per SKU x location: a low-stock threshold overriding the reorder point,
the e-mail recipients, and muting. Changing one judges that place again (rules.judge).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.alerts.models import AlertSetting
from warehouse.alerts.rules import judge
from warehouse.catalog.models import Location, Product
from warehouse.core.errors import InvalidAlertSetting, NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

MAX_THRESHOLD = 1_000_000_000
MAX_RECIPIENTS = 500


# --- settings per SKU x location ---------------------------------------------------------


def setting_for(product_id: int, location_id: int) -> AlertSetting | None:
    return db.session.scalar(
        select(AlertSetting).where(
            AlertSetting.product_id == product_id, AlertSetting.location_id == location_id
        )
    )


def settings(limit: int = 200) -> list[AlertSetting]:
    return list(
        db.session.scalars(
            select(AlertSetting)
            .options(joinedload(AlertSetting.product), joinedload(AlertSetting.location))
            .order_by(AlertSetting.id.desc())
            .limit(limit)
        )
    )


def configure(
    product_id: int,
    location_id: int,
    *,
    threshold: int | None = None,
    recipients: str = "",
    muted: bool = False,
    actor_id: int | None = None,
) -> AlertSetting:
    """Set the alert setting of one SKU at one location (made on first use), then judge
    that place again so the alerts follow the new setting at once."""
    if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
        raise InvalidAlertSetting(
            msg("Threshold must be 0 to {most:,}, or empty to use the reorder point.", most=MAX_THRESHOLD)
        )
    recipients = _clean_recipients(recipients)

    def run():
        if db.session.get(Product, product_id) is None or db.session.get(Location, location_id) is None:
            raise NotFound(msg("Choose a known SKU and location."))
        setting = setting_for(product_id, location_id)
        if setting is None:
            setting = AlertSetting(product_id=product_id, location_id=location_id)
            db.session.add(setting)
        setting.low_stock_threshold, setting.recipients, setting.muted = threshold, recipients or None, muted
        db.session.flush()
        judge({(product_id, location_id)})
        return setting

    return ledger.atomically(run)


def _clean_recipients(text: str) -> str:
    people = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    bad = [p for p in people if "@" not in p or " " in p or len(p) > 254]
    if bad:
        raise InvalidAlertSetting(
            msg("Not an e-mail address: {address}. Separate addresses with commas.", address=bad[0][:60])
        )
    joined = ", ".join(people)
    if len(joined) > MAX_RECIPIENTS:
        raise InvalidAlertSetting(
            msg("Too many recipients: keep the list under {most} characters.", most=MAX_RECIPIENTS)
        )
    return joined
