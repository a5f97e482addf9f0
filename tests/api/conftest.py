"""API fixtures: users per role, tokens (optionally narrowed), a client that sends them,
and a small stocked warehouse seeded through the ledger."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.factories import Warehouse, receive
from warehouse import accounts
from warehouse.accounts.models import User
from warehouse.core.extensions import db


def user(role: str, username: str | None = None) -> User:
    username = username or role
    found = db.session.query(User).filter_by(username=username).first()
    return found or accounts.create_user(username, PASSWORD, role)


class Api:
    """The Flask test client with a bearer token and JSON in and out."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path, **params):
        return self.client.get(path, query_string=params, headers=self.headers())

    def post(self, path, body=None, headers=None, **kw):
        return self.client.post(path, json=body, headers=self.headers(headers), **kw)

    def patch(self, path, body=None, headers=None):
        return self.client.patch(path, json=body, headers=self.headers(headers))


@pytest.fixture
def token_for(app):
    def make(role: str = "supervisor", scopes: str | None = None, username: str | None = None) -> str:
        return accounts.create_token(user(role, username), name="test", scopes=scopes)

    return make


@pytest.fixture
def api_as(client, token_for):
    def make(role: str = "supervisor", scopes: str | None = None) -> Api:
        return Api(client, token_for(role, scopes))

    return make


@pytest.fixture
def api(api_as):
    return api_as("supervisor")


@pytest.fixture
def stocked(app):
    """warehouse-main: BOLT-M8 30 in A-01-01 and 10 in A-01-02; service-north: 5 in S-01-01;
    a transit location for transfers."""
    from tests.factories import make_location
    from warehouse.catalog.models import LocationType

    site = Warehouse.build()
    make_location("TRANSIT", LocationType.TRANSIT, ("TRANSIT",))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 30)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    receive(site.bolt, site.bin(site.north, "S-01-01"), 5)
    return site


def error_code(response) -> str:
    return response.get_json()["error"]["code"]
