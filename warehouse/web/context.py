"""What the web pages and the API take from the app, not from the request: the Settings
that create_app built from the configuration (see warehouse/core/settings.py)."""

from flask import current_app

from warehouse.core.settings import Settings

SETTINGS = "warehouse.settings"  # key in app.extensions


def settings() -> Settings:
    return current_app.extensions[SETTINGS]
