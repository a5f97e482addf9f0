"""Configuration classes. DATABASE_URL picks the engine; SQLite under instance/ by default."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _default_sqlite_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'warehouse.db'}"


def _secret_key() -> str:
    """Read SECRET_KEY from the environment, else from instance/secret_key (made once).

    Never committed: instance/ is git-ignored. Gunicorn workers on one host share the file;
    several hosts must set SECRET_KEY explicitly.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_sqlite_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a handheld screen stays open a whole shift
    # The largest request body accepted at all (an import file is at most 20 MB); a bigger
    # upload is refused with 413 before it is read or spooled to disk.
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    # Sign-in throttling: this many failures per username (or badge) in the window.
    SIGN_IN_MAX_FAILURES = 5
    SIGN_IN_WINDOW_MINUTES = 15
    # ...and this many failures from one address, whatever names they try (a floor's
    # handhelds may share one address: keep it well above their typos).
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("SIGN_IN_MAX_FAILURES_PER_ADDRESS", "50"))
    # Reverse proxies in front that set X-Forwarded-For (0: none; the client talks to us).
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    PAGE_SIZE = 50
    # Cycle counting: ABC classes by share of 12 months' outbound value (A, B; C is the
    # rest), how often each class is due, and (optional) tolerances per class, e.g.
    # COUNT_TOLERANCES = {"B": {"units": 1, "percent": "2"}}.
    ABC_SHARES = (0.80, 0.15)
    ABC_COUNT_EVERY_DAYS = {"A": 30, "B": 90, "C": 365}
    # Reservations without an explicit TTL expire after this long (the API's ttl_seconds
    # overrides it; `flask sweep-reservations` releases what expired).
    RESERVATION_TTL_MINUTES = int(os.environ.get("RESERVATION_TTL_MINUTES", "60"))
    # Webhook receivers must have public addresses unless this is set (receivers on the
    # local network; see warehouse/webhooks.py for why).
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = os.environ.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "") in (
        "1",
        "true",
        "yes",
    )
    # Alert e-mail to the recipients of an alert setting (`flask mail-alerts` sends it).
    # Without MAIL_SERVER alerts stay on the alerts page and in webhooks only.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = os.environ.get("MAIL_PORT", "")  # 25, or 465 with MAIL_SSL
    MAIL_FROM = os.environ.get("MAIL_FROM", "warehouse@localhost")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_STARTTLS = os.environ.get("MAIL_STARTTLS", "") in ("1", "true", "yes")
    MAIL_SSL = os.environ.get("MAIL_SSL", "") in ("1", "true", "yes")  # implicit TLS, port 465
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "")  # for links in mail, e.g. https://wms.example.com


class ProductionConfig(Config):
    """Behind TLS: cookies only over HTTPS."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret"
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receivers in the tests listen on 127.0.0.1
