"""The Alembic migrations (which build every test database, as in production) create
exactly the schema the models describe: a column added to a model without a migration,
or a migration that drifts from its model, fails here on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warehouse.core.extensions import db


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
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.factories import make_location, make_product
    from warehouse import create_app

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision="0005_stock_rules")
        location, product = make_location("warehouse-main"), make_product("BOLT-M8")
        db.session.execute(
            text(
                "INSERT INTO alerts (kind, product_id, location_id, live_key, status, on_hand, available, message, "
                "raised_at) VALUES ('low_stock', :p, :l, 'low_stock:1:1', 'open', 2, 2, 'low', '2026-11-01 08:00:00')"
            ),
            {"p": product.id, "l": location.id},
        )
        db.session.commit()

        upgrade()

        row = db.session.execute(text("SELECT mailed_at, mail_attempts FROM alerts")).one()
        assert (str(row.mailed_at), row.mail_attempts) == ("2026-11-01 08:00:00", 0)
        db.session.remove()
        db.engine.dispose()


def test_upgrading_carries_scan_ids_over_as_command_keys(tmp_path):
    """A receipt scan retried after the upgrade, with an id from before it, counts once."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.factories import make_location, make_product
    from warehouse import accounts, create_app
    from warehouse.inbound import receiving

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision="0007_commands")
        location, product = make_location("warehouse-main", bins=("RCV-01",)), make_product("BOLT-M8")
        operator = accounts.create_user("op", "long-enough-pw", "operator")
        receipt = receiving.start("PO-1", location_id=location.id, actor_id=operator.id)
        line = receiving.add(receipt.id, product, qty=1)
        db.session.execute(
            text("INSERT INTO receipt_scans (scan_id, receipt_id, line_id) VALUES ('scan-before', :r, :l)"),
            {"r": receipt.id, "l": line.id},
        )
        db.session.commit()

        upgrade()

        again = receiving.add(receipt.id, product, qty=1, actor_id=operator.id, key="scan-before")
        assert (again.id, again.qty) == (line.id, 1)
        db.session.remove()
        db.engine.dispose()


def test_upgrading_carries_form_keys_over_as_command_keys(tmp_path):
    """A New transfer form sent before the upgrade and again after it makes one draft."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from tests.factories import make_location
    from warehouse import accounts, create_app, transfers
    from warehouse.transfers.models import Transfer

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision="0008_scan_keys_as_commands")
        main, north = make_location("warehouse-main"), make_location("service-north")
        boss = accounts.create_user("boss", "long-enough-pw", "supervisor")
        draft = transfers.create(main.id, north.id, actor_id=boss.id)
        db.session.execute(
            text("UPDATE transfers SET request_key = :k WHERE id = :id"),
            {"k": f"{boss.id}:form-1", "id": draft.id},
        )
        db.session.commit()

        upgrade()

        again = transfers.create(main.id, north.id, actor_id=boss.id, key="form-1")
        assert again.id == draft.id
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
        db.session.remove()
        db.engine.dispose()


def test_upgrading_carries_stored_api_answers_over_as_commands(tmp_path):
    """An API write sent before the upgrade and retried after it with its Idempotency-Key
    gets the first answer and writes nothing; the key with another body is still refused."""
    import hashlib
    import json

    from flask_migrate import upgrade
    from sqlalchemy import text

    from warehouse import accounts, create_app

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision="0010_hold_keys_as_commands")
        user = accounts.create_user("shop", "long-enough-pw", "supervisor")
        token = accounts.create_token(user, name="shop")
        body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 3}
        body.update(reference_type="order", reference_id="ord-1")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        printed = hashlib.sha256(b"POST /api/stock/reserve\n" + canonical).hexdigest()
        db.session.execute(
            text(
                "INSERT INTO api_idempotency (user_id, key, fingerprint, status_code, response_body, created_at) "
                "VALUES (:u, 'order-1', :f, 201, '{\"first\": true}', '2026-12-01 08:00:00')"
            ),
            {"u": user.id, "f": printed},
        )
        # A reserve whose answer was never stored (pending row) but whose posting committed.
        lost_body = {**body, "reference_id": "ord-2"}
        lost_printed = hashlib.sha256(
            b"POST /api/stock/reserve\n"
            + json.dumps(lost_body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        derived = "api-" + hashlib.sha256(f"{user.id}:order-2".encode()).hexdigest()[:40]
        db.session.execute(
            text(
                "INSERT INTO api_idempotency (user_id, key, fingerprint, status_code, response_body, created_at) "
                "VALUES (:u, 'order-2', :f, 0, '', '2026-12-01 08:00:00')"
            ),
            {"u": user.id, "f": lost_printed},
        )
        db.session.execute(
            text(
                "INSERT INTO postings (type, idempotency_key, fingerprint, user_id, created_at) "
                "VALUES ('reserve', :k, 'x', :u, '2026-12-01 08:00:00')"
            ),
            {"k": f"reservation:reserve:{user.id}:{derived}", "u": user.id},
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
