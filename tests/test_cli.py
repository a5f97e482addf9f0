"""The flask commands: demo, verify-ledger, create-user, create-token."""

import pytest
from sqlalchemy import func, select, text

from tests.conftest import in_organisation
from warehouse import accounts
from warehouse.accounts.models import ApiToken, User
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, Posting


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Location, Bin, Product, Lot, User, Posting, Movement)
    }


def test_demo_loads_a_realistic_warehouse_once_and_the_ledger_verifies(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    with in_organisation("demo"):
        counts = _counts()
        assert counts["Location"] == 4 and 55 <= counts["Bin"] <= 65 and counts["Product"] == 200
        # 200 receipts, 60 sales, 5 sold down or out, 1 overstock delivery, 1 transfer approved
        assert counts["Lot"] > 10 and counts["Posting"] == 267 and counts["Movement"] > 300
        assert (
            db.session.scalar(select(func.count()).select_from(Lot).where(Lot.expiry_date.is_not(None))) > 5
        )
        # Selling: three channels with rules at the two stocking locations, which have
        # coordinates for routing, and the sold-out SKU takes backorders.
        rules = db.session.execute(
            select(Channel.code, Location.code)
            .join(ChannelLocation, ChannelLocation.channel_id == Channel.id)
            .join(Location, Location.id == ChannelLocation.location_id)
        ).all()
        assert sorted(rules) == [
            ("marketplace", "warehouse-main"),
            ("retail", "service-north"),
            ("web", "service-north"),
            ("web", "warehouse-main"),
        ]
        placed = db.session.scalars(select(Location.code).where(Location.latitude.is_not(None))).all()
        assert sorted(placed) == ["service-north", "warehouse-main"]
        assert db.session.scalars(select(Product.sku).where(Product.allow_backorder)).all() == ["SKU-10109"]
    for username in ("operator", "supervisor", "admin"):
        assert f"demo    {username:<18} password demo-{username} " in first.output
        assert f"harbor  harbor-{username:<11} password demo-harbor-{username} " in first.output
    with in_organisation("harbor"):
        harbor = _counts()
        # Harbor Foods: two locations and transit, six lot- and expiry-tracked SKUs, two of
        # them with the SKU codes of demo's first two products.
        assert harbor["Location"] == 3 and harbor["Product"] == 6 and harbor["Posting"] == 6
        skus = set(db.session.scalars(select(Product.sku)))
        assert {"SKU-10001", "SKU-10002"} <= skus and all(
            p.lot_tracked and p.expiry_tracked for p in db.session.scalars(select(Product))
        )

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "0 new, 267 already there" in again.output
    assert "0 new, 6 already there" in again.output
    with in_organisation("demo"):
        assert _counts() == counts

    verified = runner.invoke(args=["verify-ledger"])
    assert verified.exit_code == 0 and "0 drifted keys" in verified.output


@pytest.mark.drift_expected
def test_verify_ledger_exits_non_zero_and_names_each_drifted_key(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    with in_organisation("demo"):  # PostgreSQL's row-level security applies to SQL text too
        db.session.execute(
            text(
                "UPDATE stock_balances SET on_hand = on_hand + 1 "
                "WHERE id = (SELECT MIN(id) FROM stock_balances WHERE org_id = (SELECT id FROM organisations "
                "WHERE code = 'demo'))"
            )
        )
        db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert (
        "1 key(s) disagree" in result.output
        and "SKU-" in result.output
        and "warehouse-main/" in result.output
    )


def test_create_user_with_a_password_or_a_prompt(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "dana", "--role", "supervisor", "--password", "s3cret-pass"])
    assert made.exit_code == 0 and "Created supervisor dana" in made.output
    prompted = runner.invoke(
        args=["create-user", "eli", "--role", "operator"], input="another-pass\nanother-pass\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert accounts.authenticate("eli", "another-pass", max_failures=5, window_minutes=15).username == "eli"
    duplicate = runner.invoke(args=["create-user", "dana", "--role", "admin", "--password", "s3cret-pass"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_role = runner.invoke(args=["create-user", "fay", "--role", "king", "--password", "s3cret-pass"])
    assert bad_role.exit_code == 2


def test_create_token_prints_the_token_alone_on_its_last_line_and_stores_a_hash(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-user", "erp", "--role", "operator", "--password", "s3cret-pass"])
    result = runner.invoke(args=["create-token", "erp"])
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and token.startswith("wh_") and " " not in token
    assert db.session.scalar(select(ApiToken.token_hash)) != token
    assert accounts.user_for_token(token).username == "erp"
    assert runner.invoke(args=["create-token", "nobody"]).exit_code == 1
