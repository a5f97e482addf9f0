"""Stock conditions: low stock, out of stock, reorder needed and overstock rules, their
e-mail, and replenishment suggestions."""

from warehouse.alerts.rules import (
    MAX_THRESHOLD,
    AlertRefused,
    InvalidAlertSetting,
    acknowledge,
    configure,
    evaluate,
    get,
    inbound_units,
    judge,
    listing,
    open_count,
    resolve,
    setting_for,
    settings,
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
