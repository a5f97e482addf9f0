"""Entry point: `flask run` and `gunicorn app:app` find the app here.

WAREHOUSE_CONFIG picks the config class (config.ProductionConfig behind TLS: secure cookies).
"""

import os

from warehouse import create_app

app = create_app(os.environ.get("WAREHOUSE_CONFIG", "config.Config"))
