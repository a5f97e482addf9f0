"""Stock conditions: low stock, out of stock, reorder needed and overstock rules, their
e-mail, and replenishment suggestions."""

from warehouse.alerts.alert_settings import (
    MAX_THRESHOLD,
    InvalidAlertSetting,
    configure,
    setting_for,
    settings,
)
from warehouse.alerts.lifecycle import (
    AlertRefused,
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
