"""Web layer: blueprints by audience, the sign-in gate and error pages."""

from flask import Flask

from ..api import bp as api_bp
from . import assets, context, errors, headers, htmx, i18n, security
from .alerts import bp as alerts_bp
from .auth.views import bp as auth_bp
from .channels import bp as channels_bp
from .counts import bp as counts_bp
from .dashboard import bp as dashboard_bp
from .floor import bp as floor_bp
from .holds import bp as holds_bp
from .replenishment import bp as replenishment_bp
from .reservations import bp as reservations_bp
from .setup import bp as setup_bp
from .stock.views import bp as stock_bp
from .stock_requests import bp as stock_requests_bp
from .transfers import bp as transfers_bp
from .webhooks import bp as webhooks_bp


def init_app(app: Flask) -> None:
    headers.init_app(app)
    htmx.init_app(app)
    errors.init_app(app)  # first: its NUL guard runs before the sign-in gate
    security.init_app(app)
    context.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(assets.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(stock_bp)
    app.register_blueprint(floor_bp)
    app.register_blueprint(transfers_bp)
    app.register_blueprint(counts_bp)
    app.register_blueprint(stock_requests_bp)
    app.register_blueprint(channels_bp)
    for blueprint in (reservations_bp, holds_bp, alerts_bp, webhooks_bp, replenishment_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(setup_bp)
