"""flask create-token with --name and --scopes, and flask revoke-token."""

from tests.api.conftest import Api, user
from warehouse.accounts.models import ApiToken
from warehouse.core.extensions import db


def test_create_a_narrowed_named_token_then_revoke_it(app, client, stocked):
    user("supervisor")
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "create-token",
            "supervisor",
            "--name",
            "storefront",
            "--scopes",
            "inventory.read,inventory.write",
        ]
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    row = db.session.query(ApiToken).one()
    assert (row.name, row.scopes) == ("storefront", "inventory.read inventory.write")
    api = Api(client, token)
    assert api.get("/api/stock").status_code == 200
    assert (
        api.post(
            "/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 1}
        ).status_code
        == 403
    )
    revoked = runner.invoke(args=["revoke-token", token[:10]])
    assert revoked.exit_code == 0 and "Revoked 1" in revoked.output
    assert api.get("/api/stock").status_code == 401
    again = runner.invoke(args=["revoke-token", token[:10]])
    assert again.exit_code != 0 and "No live token" in again.output


def test_unknown_scopes_are_refused_by_the_command(app):
    user("operator")
    result = app.test_cli_runner().invoke(args=["create-token", "operator", "--scopes", "stock.everything"])
    assert result.exit_code != 0 and "stock.everything" in result.output
    assert db.session.query(ApiToken).count() == 0
