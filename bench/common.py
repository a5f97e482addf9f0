"""What the benchmarks share: a timestamped log line, the demo catalog's barcodes, and a
live server and Chromium set up as the browser tests set them up (tests/browser/conftest.py),
so a figure is measured on the stack the tests check.

Each benchmark is run as a script (`python bench/<name>.py`) and puts the project's root on
`sys.path` before importing this module.
"""

import logging
import threading
import time
from collections.abc import Callable

from werkzeug.serving import make_server

from tests.browser.conftest import ARGS, CHROMIUM
from warehouse.demo import with_check_digit

__all__ = ["ARGS", "CHROMIUM", "demo_gtin", "log", "serve"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def demo_gtin(i: int) -> str:
    """GTIN-13 of demo product SKU-{10001 + i}."""
    return with_check_digit(f"950600{10000 + i:06d}")


def serve(app) -> tuple[str, Callable[[], None]]:
    """The app on a threaded werkzeug server at 127.0.0.1 (as the browser tests serve it),
    quiet: its base URL, and how to stop it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown
