"""Stock conditions: low stock, out of stock, reorder needed and overstock rules, their
e-mail, and replenishment suggestions."""

from warehouse.alerts.alert_settings import (
    MAX_THRESHOLD,
    configure,
    setting_for,
    settings,
)
from warehouse.alerts.lifecycle import (
    acknowledge,
    get,
    listing,
    open_count,
    resolve,
)
from warehouse.alerts.rules import (
    evaluate,
    inbound_units,
    judge,
)
from warehouse.core.errors import AlertRefused, InvalidAlertSetting

__all__ = [
    "AlertRefused",
    "InvalidAlertSetting",
    "MAX_THRESHOLD",
    "acknowledge",
    "configure",
    "evaluate",
    "get",
    "inbound_units",
    "judge",
    "listing",
    "open_count",
    "resolve",
    "setting_for",
    "settings",
]
