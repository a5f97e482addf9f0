"""Organisations: two companies on one installation, each seeing and changing only its own
rows (warehouse/core/tenancy.py), and on PostgreSQL row-level security doing the same on
its own when the app's scoping is switched off."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import ORG_ID, PASSWORD, csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts, ledger, transfers
from warehouse.accounts import organisations
from warehouse.catalog.models import Location, Product
from warehouse.core import tenancy
from warehouse.core.errors import NoSuchOrganisation, OrganisationCodeTaken, OrganisationNotNamed
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance, Movement, MovementType


@pytest.fixture
def harbor(app):
    return organisations.create("harbor", "Harbor Foods")


def test_two_organisations_keep_the_same_codes_apart(app, site, harbor):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 7)
    with tenancy.acting_for(harbor.id):
        cold = make_location("warehouse-main")  # the same location, bin and SKU codes
        cod = make_product("BOLT-M8", gtin="9506000134352")
        receive(cod, next(b for b in cold.bins if b.code == "A-01-01"), 3)
        assert [p.name for p in db.session.scalars(select(Product))] == [cod.name]
        assert db.session.scalar(select(func.sum(Balance.on_hand))) == 3
        assert ledger.verify() == []
    assert db.session.scalar(select(func.sum(Balance.on_hand))) == 7
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 1


def test_numbers_count_per_organisation(app, site, harbor):
    first = transfers.create(site.main.id, site.north.id, actor_id=None)
    with tenancy.acting_for(harbor.id):
        a, b = make_location("cold"), make_location("depot")
        theirs = transfers.create(a.id, b.id, actor_id=None)
        assert theirs.number == "TR-000001" and transfers.by_number("TR-000001").id == theirs.id
    assert first.number == "TR-000001" and transfers.by_number("TR-000001").id == first.id
    assert transfers.create(site.main.id, site.north.id, actor_id=None).number == "TR-000002"


def test_a_service_called_with_no_organisation_refuses_to_run(app, site):
    shelf = site.bin(site.main, "A-01-01")
    line = ledger.Line(site.bolt.id, site.main.id, shelf.id, qty=1)
    with tenancy.without_organisation():
        with pytest.raises(Exception, match="No organisation is set"):
            db.session.scalars(select(Product)).all()
        with pytest.raises(Exception, match="No organisation"):  # a Core statement of the ledger
            ledger.post(MovementType.INBOUND_PURCHASE, [line], actor_id=None)
        with pytest.raises(Exception, match="No organisation"):  # an insert takes it as default
            make_location("nowhere")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 0


def test_a_core_statement_the_scoping_cannot_reach_is_refused(app, site):
    balances = Balance.__table__
    inner = select(balances.c.product_id)
    with pytest.raises(tenancy.UnscopedStatement, match="stock_balances"):
        db.session.connection().execute(
            select(Location.__table__.c.id).where(Location.__table__.c.id.in_(inner))
        )


def test_organisation_codes_are_checked_and_a_command_must_name_one_of_several(app, harbor):
    with pytest.raises(OrganisationCodeTaken):
        organisations.create("harbor", "Another")
    with pytest.raises(Exception, match="lower-case letters"):
        organisations.create("Bad Code!", "x")
    with pytest.raises(OrganisationNotNamed, match="acme, harbor"):
        organisations.named_or_only(None)
    with pytest.raises(NoSuchOrganisation):
        organisations.by_code("nobody")
    assert organisations.named_or_only("HARBOR").id == harbor.id


def test_the_cli_makes_organisations_and_puts_people_and_tokens_in_them(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-org", "harbor", "--name", "Harbor Foods"])
    assert made.exit_code == 0 and "Created organisation harbor" in made.output
    unnamed = runner.invoke(args=["create-user", "sam", "--role", "operator", "--password", PASSWORD])
    assert unnamed.exit_code != 0 and "--org" in unnamed.output
    named = runner.invoke(
        args=["create-user", "sam", "--org", "harbor", "--role", "operator", "--password", PASSWORD]
    )
    assert named.exit_code == 0 and "in harbor" in named.output
    elsewhere = runner.invoke(args=["create-token", "sam", "--org", "acme"])
    assert elsewhere.exit_code != 0 and "No user 'sam' in acme" in elsewhere.output
    token = runner.invoke(args=["create-token", "sam", "--org", "harbor"]).output.strip().splitlines()[-1]
    user, row = accounts.token_identity(token)
    assert user.org_id == row.org_id == organisations.by_code("harbor").id


def test_a_harbor_supervisor_sees_only_harbor_stock_of_a_sku_both_have(app, client, site, harbor):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 40)  # acme's BOLT-M8: 40
    with tenancy.acting_for(harbor.id):
        cold = make_location("warehouse-main")
        cod = make_product("BOLT-M8")
        cod.name = "Harbor cod fillet"
        receive(cod, next(b for b in cold.bins if b.code == "A-01-01"), 5)
        accounts.create_user("harbor-supervisor", PASSWORD, "supervisor")
    signed_in = client.post(
        "/login",
        data={
            "username": "harbor-supervisor",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert signed_in.status_code == 302
    page = client.get("/stock/sku/BOLT-M8").get_data(as_text=True)
    assert "Harbor cod fillet" in page and "Item BOLT-M8" not in page
    stock = client.get("/api/stock/BOLT-M8").get_json()
    assert (stock["product_name"], stock["totals"]["on_hand"]) == ("Harbor cod fillet", 5)


# --- PostgreSQL row-level security --------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_row_level_security_alone_hides_and_protects_other_organisations_rows(app, site, harbor):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 7)
    accounts.create_user("acme-op", PASSWORD, "operator")
    with tenancy.acting_for(harbor.id):
        make_product("HF-1")
    db.session.commit()
    scoped = [t.name for t in tenancy.scoped_tables()]

    with tenancy.acting_for(harbor.id), tenancy.without_app_scoping():
        run = db.session.execute
        role = run(
            text("SELECT current_user, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user")
        )
        assert tuple(role.one()) == (tenancy.APP_ROLE, False, False)
        # Reads: not one row of acme's in any org-scoped table (lots: the shared "no lot").
        for table in scoped:
            others = run(
                text(f"SELECT count(*) FROM {table} WHERE org_id IS DISTINCT FROM :h"), {"h": harbor.id}
            )
            assert others.scalar() == (1 if table == "lots" else 0), table
        assert db.session.scalars(select(Product.sku)).all() == ["HF-1"]  # ORM, unscoped by the app
        # Writes: updates and deletes of acme's rows touch nothing; an insert into acme fails.
        assert run(text("UPDATE products SET name = 'stolen' WHERE org_id = :a"), {"a": ORG_ID}).rowcount == 0
        assert run(text("DELETE FROM stock_balances WHERE org_id = :a"), {"a": ORG_ID}).rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            run(
                text(
                    "INSERT INTO products (org_id, sku, name, unit_cost, lot_tracked, expiry_tracked, active) "
                    "VALUES (:a, 'PLANTED', 'x', 0, false, false, true)"
                ),
                {"a": ORG_ID},
            )
        db.session.rollback()
        with pytest.raises(DBAPIError, match="row-level security"):  # moving a row into acme
            run(text("UPDATE products SET org_id = :a"), {"a": ORG_ID})
        db.session.rollback()

    names = db.session.scalars(select(Product.name).order_by(Product.sku)).all()
    assert "stolen" not in names and len(names) == 3
    assert db.session.scalar(select(func.sum(Balance.on_hand))) == 7


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_with_no_organisation_set_row_level_security_shows_nothing(app, site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 7)
    db.session.commit()
    with tenancy.without_organisation(), tenancy.without_app_scoping():
        for table in ("products", "stock_movements", "users", "commands"):
            assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    db.session.rollback()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_identifying_reads_people_of_every_organisation_but_changes_none(app, harbor):
    accounts.create_token(accounts.create_user("acme-op", PASSWORD, "operator"))
    with tenancy.acting_for(harbor.id):
        accounts.create_user("harbor-op", PASSWORD, "operator")
    db.session.commit()
    with tenancy.without_organisation(), tenancy.identifying(), tenancy.without_app_scoping():
        run = db.session.execute
        assert run(text("SELECT count(*) FROM users")).scalar() == 2  # whose is each: sign-in
        assert run(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert run(text("SELECT count(*) FROM products")).scalar() == 0  # nothing else
        assert run(text("UPDATE users SET active = false")).rowcount == 0
        assert run(text("DELETE FROM api_tokens")).rowcount == 0
    db.session.rollback()


# --- races and replays in two organisations at once ---------------------------------------


def test_two_organisations_racing_with_the_same_keys_and_codes_never_meet(app, site, harbor):
    """Both have BOLT-M8 with 10 units at warehouse-main; eight callers in each reserve 2
    units at once, each organisation using the same eight Idempotency-Keys: each sells out
    exactly (5 reserved, 3 refused), and a replay is answered from its own organisation."""
    from tests.conftest import in_threads

    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    tokens = {ORG_ID: accounts.create_token(accounts.create_user("acme-shop", PASSWORD, "supervisor"))}
    with tenancy.acting_for(harbor.id):
        cold = make_location("warehouse-main")
        receive(make_product("BOLT-M8"), next(b for b in cold.bins if b.code == "A-01-01"), 10)
        tokens[harbor.id] = accounts.create_token(accounts.create_user("harbor-shop", PASSWORD, "supervisor"))
    db.session.commit()
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 2, "reference_type": "order"}
    harbor_id = harbor.id  # read here: the threads must not touch this session's objects

    def reserve(i: int, key: str | None = None):
        org = ORG_ID if i % 2 else harbor_id
        headers = {"Authorization": f"Bearer {tokens[org]}", "Idempotency-Key": key or f"order-{i // 2}"}
        answer = app.test_client().post(
            "/api/stock/reserve", json={**body, "reference_id": f"o-{i // 2}"}, headers=headers
        )
        return org, answer.status_code, answer.get_json()

    results, errors = in_threads(app, 16, reserve)
    assert errors == []
    for org in (ORG_ID, harbor_id):
        statuses = sorted(status for who, status, _ in results if who == org)
        assert statuses == [201] * 5 + [409] * 3, (org, statuses)
        with tenancy.acting_for(org):
            assert db.session.scalar(select(func.sum(Balance.reserved))) == 10
            assert ledger.verify() == []
    first_acme = next(r for r in results if r[0] == ORG_ID and r[1] == 201)
    key = f"order-{results.index(first_acme) // 2}"
    again = reserve(results.index(first_acme), key)
    assert again[1:] == first_acme[1:]  # its own first answer, not harbor's with the same key


def test_an_api_call_that_names_another_organisation_is_answered_404(app, client, site, harbor):
    token = accounts.create_token(accounts.create_user("acme-shop", PASSWORD, "supervisor"))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 4)
    auth = {"Authorization": f"Bearer {token}"}
    for header in ("X-Organisation", "orgid"):
        for other in ("harbor", str(harbor.id), "nobody"):
            answer = client.get("/api/stock/BOLT-M8", headers={**auth, header: other})
            assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "organisation_not_found")
            assert "BOLT-M8" not in answer.get_data(as_text=True)
        own = client.get("/api/stock/BOLT-M8", headers={**auth, header: "acme"})
        assert own.status_code == 200 and own.get_json()["totals"]["on_hand"] == 4
    assert client.get("/api/stock/BOLT-M8", headers={**auth, "orgid": str(ORG_ID)}).status_code == 200
