"""Fixtures: an app on a real database for each test (SQLite always; PostgreSQL too when
TEST_DATABASE_URL is set), a test client, signing in as each role, and factories that seed
stock through the ledger so every fixture passes the audit.

The schema always comes from the Alembic migrations (as in production), built once per
session: SQLite copies a migrated template file over the worker's database before each
test; PostgreSQL truncates after each. The app itself is made once per engine and worker
process (create_app compiles some 700 URL rules, a quarter of a second that thousands of
tests would spend), and what a test may change on it is put back after the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from warehouse import accounts, create_app
from warehouse.accounts import users
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.reporting import rollups
from warehouse.web.context import SETTINGS

IN_CI = os.environ.get("CI") == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL")

# Fast hashes: tests sign in hundreds of times. Set where create_user reads it (the
# module, not the package's re-export, which would leave scrypt at 0.1 s a hash).
users.HASH_METHOD = "pbkdf2:sha256:1000"


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    _first_organisation(url)


# Every test works in this organisation unless it says otherwise (tenancy.acting_for).
ORG_ID = 1
_FIRST_ORGANISATION = "INSERT INTO organisations (code, name, active, created_at) VALUES ('acme', 'Acme', true, CURRENT_TIMESTAMP)"


def in_organisation(code: str):
    """Work inside the organisation with this code (the demo loads `demo` and `harbor`)."""
    from warehouse.accounts import organisations

    return tenancy.acting_for(organisations.by_code(code).id)


def _first_organisation(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text(_FIRST_ORGANISATION + " RETURNING id")).scalar_one() == ORG_ID
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated():
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests: set TEST_DATABASE_URL (.ci/run does).")
        pytest.skip(reason="PostgreSQL tests need TEST_DATABASE_URL (see README); .ci/run sets it.")
    url = _database_for_this_worker(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(url)
    return url


def _database_for_this_worker(url: str) -> str:
    """pytest-xdist runs tests in several processes: each gets its own PostgreSQL database
    (made from TEST_DATABASE_URL's), since the tests truncate every table after each case."""
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not re.fullmatch(r"gw\d+", worker):
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"  # an identifier cannot be a bound parameter
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _pg_reset(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        # TRUNCATE fires no row triggers, so the append-only ledger can be emptied here.
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO lots (id, product_id, code, expiry_date) VALUES (0, NULL, '', NULL)"))
        conn.execute(text(_FIRST_ORGANISATION))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """Each database test runs on both engines (PostgreSQL when TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        # One file per worker, so the worker's app keeps its URL; the engine's connections
        # were closed after the test before (the app fixture's teardown).
        path = tmp_path_factory.getbasetemp() / "test.db"
        for leftover in (path.with_name("test.db-wal"), path.with_name("test.db-shm")):
            leftover.unlink(missing_ok=True)
        # A new file renamed into place (a new inode): a connection some thread of the test
        # before still holds keeps the old file and cannot touch this one.
        fresh = path.with_name("test.db-new")
        shutil.copy(request.getfixturevalue("sqlite_template"), fresh)
        os.replace(fresh, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        yield url
        _pg_reset(url)


@pytest.fixture
def app(request, database_url):
    app = _app_for(database_url)
    config, settings = dict(app.config), app.extensions[SETTINGS]
    with app.app_context(), tenancy.acting_for(ORG_ID):
        try:
            yield app
        finally:
            app.config.clear()
            app.config.update(config)
            app.extensions[SETTINGS] = settings
            rollups.forget()  # they belong to the database the next test replaces
        db.session.remove()
        # Every scenario must leave a ledger that `flask verify-ledger` passes, in every
        # organisation it touched.
        if request.node.get_closest_marker("drift_expected") is None:
            from warehouse import ledger
            from warehouse.accounts import organisations

            with organisations.each() as each:
                drifts = {org.code: found for org in each if (found := ledger.verify())}
            db.session.remove()
            assert drifts == {}, f"ledger drift after {request.node.name}: {drifts}"
        db.engine.dispose()


_apps: dict[str, object] = {}


def _app_for(url: str):
    """The worker's app on this database URL, made on first use."""
    if url not in _apps:
        _apps[url] = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url)
    return _apps[url]


@pytest.fixture
def client(app):
    return app.test_client()


# --- system tools a test needs --------------------------------------------------------


def require(present: bool, what: str, install: str) -> None:
    """Skip, saying why, when a system tool is missing here; fail in CI, which installs it
    (.ci/run), so CI never skips a test."""
    if present:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test: {what} is missing ({install}; .ci/run installs it).")
    why = f"{what} is not installed here ({install}); CI installs it and fails instead of skipping."
    pytest.skip(reason=why)


def pdf_text(pdf: bytes, tmp_path) -> str:
    """A PDF's text as pdftotext lays it out (poppler-utils)."""
    require(shutil.which("pdftotext") is not None, "pdftotext", "apt-get install -y poppler-utils")
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# --- signing in --------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


class Auth:
    """Sign in as a role through the real sign-in form (CSRF token included)."""

    def __init__(self, client):
        self.client = client

    def login(self, role: str = "operator", password: str = PASSWORD):
        from warehouse.accounts.models import User

        if db.session.query(User).filter_by(username=role).first() is None:
            accounts.create_user(role, PASSWORD, role, badge_code=f"BADGE-{role.upper()}", pin="4321")
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"username": role, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_token(self.client, "/stock")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token as a browser gets it: from a rendered page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


# --- seeding stock through the ledger ---------------------------------------------------


@pytest.fixture
def site(app):
    """A small warehouse: two locations with bins and a few products, no stock yet."""
    from tests.factories import Warehouse

    return Warehouse.build()


def in_threads(app, n: int, work):
    """Run work(i) in n real threads released together, each with its own app context
    and session (its own database connection): how the race tests make requests collide.
    Returns (results by i, exceptions raised); the barrier times out rather than hang CI."""
    import threading

    results, errors = [None] * n, []
    start = threading.Barrier(n, timeout=60)

    def run(i):
        with app.app_context(), tenancy.acting_for(ORG_ID):
            start.wait()
            try:
                results[i] = work(i)
            except Exception as failure:  # noqa: BLE001 - reported by the caller
                errors.append(failure)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()
    return results, errors


def use_settings(app, **changes) -> None:
    """Change the app's Settings for the rest of a test (create_app built them from config)."""
    app.extensions[SETTINGS] = replace(app.extensions[SETTINGS], **changes)
