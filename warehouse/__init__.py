"""Warehouse floor app. create_app() builds one app; tests build their own."""
from flask import Flask

from .extensions import csrf, db, login_manager, migrate


def create_app(config_object="config.Config", **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_object(config_object)
    app.config.update(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from .engines import configure_engine

    with app.app_context():
        configure_engine(db.engine)

    from . import abc, alerts, cli, web  # noqa: F401  (alerts registers its posting listener)

    abc.configure(app.config.get("ABC_SHARES"), app.config.get("ABC_COUNT_EVERY_DAYS"))

    web.init_app(app)
    cli.init_app(app)
    return app
