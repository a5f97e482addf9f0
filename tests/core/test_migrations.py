"""The Alembic migrations (which build every test database, as in production) create
exactly the schema the models describe: a column added to a model without a migration,
or a migration that drifts from its model, fails here on both engines."""

import importlib.util
import os
import threading
import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from warehouse import create_app
from warehouse.core import tenancy
from warehouse.core.extensions import db

# The rows an installation had before an upgrade are written as SQL of that revision's
# schema: today's models describe today's tables, not the ones being upgraded.
NOW = "2026-12-01 08:00:00"


def _old_app(tmp_path, revision: str):
    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    ctx = app.app_context()
    ctx.push()
    upgrade(revision=revision)
    return app, ctx


def _sql(statement: str, **params) -> int | None:
    return db.session.execute(text(statement + " RETURNING id"), params).scalar()


def _old_site() -> dict:
    """A location with a receiving bin, a product and a supervisor, as rows of an old schema."""
    location = _sql(
        "INSERT INTO locations (code, name, type, active) VALUES ('warehouse-main', 'Main', 'warehouse', 1)"
    )
    north = _sql(
        "INSERT INTO locations (code, name, type, active) VALUES ('service-north', 'North', 'service_center', 1)"
    )
    bin_id = _sql(
        "INSERT INTO bins (location_id, code, barcode, kind, active) VALUES (:l, 'RCV-01', 'BIN-RCV-01', 'receiving', 1)",
        l=location,
    )
    product = _sql(
        "INSERT INTO products (sku, name, unit_cost, lot_tracked, expiry_tracked, active) "
        "VALUES ('BOLT-M8', 'Bolt', 0.1, 0, 0, 1)"
    )
    from werkzeug.security import generate_password_hash

    user = _sql(
        "INSERT INTO users (username, password_hash, role, active, created_at) VALUES ('boss', :h, 'supervisor', 1, :t)",
        h=generate_password_hash("long-enough-pw"),
        t=NOW,
    )
    return dict(location=location, north=north, bin=bin_id, product=product, user=user)


def _main_organisation() -> int:
    return db.session.execute(text("SELECT id FROM organisations WHERE code = 'main'")).scalar_one()


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrading_to_alert_mail_marks_earlier_alerts_mailed(tmp_path):
    """Recipients saved before alert e-mail existed must not get every old open alert on
    the first `flask mail-alerts` run."""
    app, ctx = _old_app(tmp_path, "0005_stock_rules")
    site = _old_site()
    db.session.execute(
        text(
            "INSERT INTO alerts (kind, product_id, location_id, live_key, status, on_hand, available, message, "
            "raised_at) VALUES ('low_stock', :p, :l, 'low_stock:1:1', 'open', 2, 2, 'low', :t)"
        ),
        {"p": site["product"], "l": site["location"], "t": NOW},
    )
    db.session.commit()

    upgrade()

    row = db.session.execute(text("SELECT mailed_at, mail_attempts FROM alerts")).one()
    assert (str(row.mailed_at), row.mail_attempts) == (NOW, 0)
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def test_upgrading_carries_scan_ids_over_as_command_keys(tmp_path):
    """A receipt scan retried after the upgrade, with an id from before it, counts once."""
    from warehouse.catalog.models import Product
    from warehouse.inbound import receiving

    app, ctx = _old_app(tmp_path, "0007_commands")
    site = _old_site()
    receipt = _sql(
        "INSERT INTO receipts (reference, location_id, status, version, user_id, created_at) "
        "VALUES ('PO-1', :l, 'open', 1, :u, :t)",
        l=site["location"],
        u=site["user"],
        t=NOW,
    )
    line = _sql(
        "INSERT INTO receipt_lines (receipt_id, product_id, lot_id, qty) VALUES (:r, :p, 0, 1)",
        r=receipt,
        p=site["product"],
    )
    db.session.execute(
        text("INSERT INTO receipt_scans (scan_id, receipt_id, line_id) VALUES ('scan-before', :r, :l)"),
        {"r": receipt, "l": line},
    )
    db.session.commit()

    upgrade()

    with tenancy.acting_for(_main_organisation()):
        product = db.session.get(Product, site["product"])
        again = receiving.add(receipt, product, qty=1, actor_id=site["user"], key="scan-before")
        assert (again.id, again.qty) == (line, 1)
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def test_upgrading_carries_form_keys_over_as_command_keys(tmp_path):
    """A New transfer form sent before the upgrade and again after it makes one draft."""
    from warehouse import transfers
    from warehouse.transfers.models import Transfer

    app, ctx = _old_app(tmp_path, "0008_scan_keys_as_commands")
    site = _old_site()
    draft = _sql(
        "INSERT INTO transfers (from_location_id, to_location_id, status, version, created_by, created_at, "
        "request_key) VALUES (:a, :b, 'draft', 0, :u, :t, :k)",
        a=site["location"],
        b=site["north"],
        u=site["user"],
        t=NOW,
        k=f"{site['user']}:form-1",
    )
    db.session.commit()

    upgrade()

    with tenancy.acting_for(_main_organisation()):
        again = transfers.create(site["location"], site["north"], actor_id=site["user"], key="form-1")
        assert again.id == draft and again.number == f"TR-{draft:06d}"
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def test_upgrading_carries_stored_api_answers_over_as_commands(tmp_path):
    """An API write sent before the upgrade and retried after it with its Idempotency-Key
    gets the first answer and writes nothing; the key with another body is still refused."""
    import hashlib
    import json

    app, ctx = _old_app(tmp_path, "0010_hold_keys_as_commands")
    site = _old_site()
    token = "wh_" + "t" * 43
    db.session.execute(
        text(
            "INSERT INTO api_tokens (user_id, token_hash, prefix, name, created_at) VALUES (:u, :h, :p, 'shop', :t)"
        ),
        {"u": site["user"], "h": hashlib.sha256(token.encode()).hexdigest(), "p": token[:10], "t": NOW},
    )
    user_id = site["user"]
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 3}
    body.update(reference_type="order", reference_id="ord-1")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    printed = hashlib.sha256(b"POST /api/stock/reserve\n" + canonical).hexdigest()
    db.session.execute(
        text(
            "INSERT INTO api_idempotency (user_id, key, fingerprint, status_code, response_body, created_at) "
            "VALUES (:u, 'order-1', :f, 201, '{\"first\": true}', :t)"
        ),
        {"u": user_id, "f": printed, "t": NOW},
    )
    # A reserve whose answer was never stored (pending row) but whose posting committed.
    lost_body = {**body, "reference_id": "ord-2"}
    lost_printed = hashlib.sha256(
        b"POST /api/stock/reserve\n" + json.dumps(lost_body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    derived = "api-" + hashlib.sha256(f"{user_id}:order-2".encode()).hexdigest()[:40]
    db.session.execute(
        text(
            "INSERT INTO api_idempotency (user_id, key, fingerprint, status_code, response_body, created_at) "
            "VALUES (:u, 'order-2', :f, 0, '', :t)"
        ),
        {"u": user_id, "f": lost_printed, "t": NOW},
    )
    db.session.execute(
        text(
            "INSERT INTO postings (type, idempotency_key, fingerprint, user_id, created_at) "
            "VALUES ('reserve', :k, 'x', :u, :t)"
        ),
        {"k": f"reservation:reserve:{user_id}:{derived}", "u": user_id, "t": NOW},
    )
    db.session.commit()

    upgrade()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "order-1"}
    again = client.post("/api/stock/reserve", json=body, headers=headers)
    assert (again.status_code, again.get_json(), again.headers.get("Idempotent-Replayed")) == (
        201,
        {"first": True},
        "true",
    )
    other = client.post("/api/stock/reserve", json={**body, "quantity": 4}, headers=headers)
    assert (other.status_code, other.get_json()["error"]["code"]) == (422, "idempotency_key_reused")
    lost = client.post(
        "/api/stock/reserve", json=lost_body, headers={**headers, "Idempotency-Key": "order-2"}
    )
    assert (lost.status_code, lost.get_json()["error"]["code"]) == (409, "answer_lost")
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def test_upgrading_to_organisations_gives_every_existing_row_to_main(tmp_path):
    """An installation with data upgrades into one organisation, `main`, that owns all of
    it; printed numbers keep their value (TR-000001 is still TR-000001); its people still
    sign in and see their stock; and a second organisation may reuse its SKU."""
    from warehouse.accounts import organisations
    from warehouse.ledger import verify

    app, ctx = _old_app(tmp_path, "0011_api_keys_as_commands")
    site = _old_site()
    transfer = _sql(
        "INSERT INTO transfers (from_location_id, to_location_id, status, version, created_by, created_at) "
        "VALUES (:a, :b, 'draft', 0, :u, :t)",
        a=site["location"],
        b=site["north"],
        u=site["user"],
        t=NOW,
    )
    db.session.commit()

    upgrade()

    main = _main_organisation()
    for table in ("locations", "bins", "products", "users", "transfers"):
        owners = db.session.execute(text(f"SELECT DISTINCT org_id FROM {table}")).scalars().all()
        assert owners == [main], table
    assert db.session.execute(text("SELECT org_id FROM lots WHERE id = 0")).scalar() is None
    assert (
        db.session.execute(text("SELECT serial FROM transfers WHERE id = :t"), {"t": transfer}).scalar()
        == transfer
    )
    client = app.test_client()
    assert client.post("/login", data={"username": "boss", "password": "long-enough-pw"}).status_code in (
        302,
        400,
    )
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        from tests.factories import make_product

        assert make_product("BOLT-M8").org_id == harbor.id  # the same SKU, another organisation
        assert verify() == []
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def test_an_empty_installation_upgrades_with_no_organisation(tmp_path):
    app, ctx = _old_app(tmp_path, "0012_organisations")
    assert db.session.execute(text("SELECT count(*) FROM organisations")).scalar() == 0
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def _migration(name: str):
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_databases_of_one_cluster_migrating_at_once_both_get_the_apps_role(pg_migrated):
    """Roles belong to the whole PostgreSQL cluster. When two databases migrate at once (two
    installations, or the test workers), both find the app's role missing and both make
    it: the second waits for the first, and must then carry on rather than fail."""
    role = f"warehouse_race_{os.getpid()}"  # not the app's own: this test makes and drops it
    statements = _migration("0012_organisations").role_for_the_app(role)
    engine = create_engine(pg_migrated)
    first = engine.connect()
    first_migration = first.begin()
    first.execute(text(f"CREATE ROLE {role} NOLOGIN"))  # made, not yet committed
    failed = []

    def second_migration():
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        except Exception as error:  # noqa: BLE001 - what the second migration met
            failed.append(error)

    second = threading.Thread(target=second_migration)
    second.start()
    try:
        with engine.connect() as watch:  # until the second is waiting for the first
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            while second.is_alive() and not watch.execute(text(waiting)).scalar():
                time.sleep(0.05)
        first_migration.commit()
        second.join()
        assert failed == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_has_role(current_user, :r, 'MEMBER')"), {"r": role}).scalar()
    finally:
        first.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        engine.dispose()
