"""Warehouse floor app. create_app() builds one app; tests build their own."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from warehouse import alerts, cli, ledger, stock_requests, transfers, web
from warehouse.availability import backorders
from warehouse.core import tenancy
from warehouse.core.engines import configure_engine
from warehouse.core.extensions import csrf, db, login_manager, migrate
from warehouse.core.settings import Settings
from warehouse.web.context import SETTINGS


def create_app(config_object="config.Config", **overrides) -> Flask:
    app = Flask(
        __name__, template_folder="../templates", static_folder="../static", instance_relative_config=True
    )
    app.config.from_object(config_object)
    app.config.update(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        tenancy.install(db.engine, db.session)  # every statement sees one organisation's rows

    # Alerts are judged inside every posting's transaction (and write the event outbox).
    ledger.after_posting(alerts.evaluate)
    # Backorders are served from units a posting frees, in its transaction; reserved units
    # a put-away carries take their reservation rows along.
    ledger.after_posting(backorders.follow_putaway)
    ledger.after_posting(backorders.on_posting)
    # A stock request follows its transfer (fulfilled when received), in the transfer's own
    # transaction, without transfers importing stock_requests (a package above it).
    transfers.after_move(stock_requests.follow_transfer)
    app.extensions[SETTINGS] = Settings.from_config(app.config)

    if hops := app.config.get("PROXY_HOPS", 0):  # the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    web.init_app(app)
    cli.init_app(app)
    return app
