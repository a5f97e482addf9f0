"""Orders and routing over the API on the routing grid (tests/availability/test_routing.py):
where an order would go (a read), placing it (201, all or nothing, replayed by key),
reading, fulfilling and cancelling it; the reference documents' names; refusals with
messages that say what to do; who may; another organisation's order is a 404; an
operator does not see the figures of a bin being counted (a short line's ATP, a routed
share, a backorder, a refusal's "Available: N")."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, error_code, user
from tests.availability.test_routing import Grid
from tests.conftest import PASSWORD
from tests.factories import make_location
from warehouse import accounts, counts
from warehouse.accounts import organisations
from warehouse.availability import routing
from warehouse.availability.models import Reservation
from warehouse.catalog.models import LocationType
from warehouse.core import tenancy
from warehouse.core.extensions import db

SHIP_TO = {"latitude": 0.0, "longitude": 0.0}


@pytest.fixture
def grid(app) -> Grid:
    """BOLT-M8: 6 at east-1, 4 at east-2, 10 at far-10; NUT-M8: 4 at east-2."""
    world = Grid.build()
    world.stock(world.bolt, **{"east-1": 6, "east-2": 4, "far-10": 10})
    world.stock(world.nut, **{"east-2": 4})
    return world


def order(reference="ord-1", **extra) -> dict:
    return {
        "reference": reference,
        "items": [{"sku": "BOLT-M8", "quantity": 10}, {"sku": "NUT-M8", "quantity": 4}],
        "ship_to": SHIP_TO,
        **extra,
    }


def places(body: dict) -> list[tuple[str, float, list[tuple[str, int]]]]:
    return [
        (leg["location"], leg["distance_km"], [(line["sku"], line["quantity"]) for line in leg["lines"]])
        for leg in body["locations"]
    ]


def test_route_answers_where_an_order_would_go_and_reserves_nothing(api_as, grid):
    api = api_as("operator")  # inventory.read
    split = api.post("/api/orders/route", {k: v for k, v in order().items() if k != "reference"})
    assert split.status_code == 200, split.get_json()
    assert split.get_json()["kind"] == "split" and split.get_json()["ship_to"] == SHIP_TO
    assert places(split.get_json()) == [
        ("east-1", 111.2, [("BOLT-M8", 6)]),
        ("east-2", 222.4, [("BOLT-M8", 4), ("NUT-M8", 4)]),
    ]
    assert db.session.query(Reservation).count() == 0

    # The reference document's names: product_id, shipTo, fulfillFromLocationId (id or code).
    far = api.post(
        "/api/orders/route",
        {
            "items": [{"product_id": grid.bolt.id, "quantity": 3}],
            "shipTo": {"latitude": 0, "longitude": 0},
            "fulfillFromLocationId": grid.places["far-10"].id,
        },
    ).get_json()
    assert (far["kind"], places(far)) == ("single", [("far-10", 1112.0, [("BOLT-M8", 3)])])

    short = api.post("/api/orders/route", {"items": [{"sku": "NUT-M8", "quantity": 9}], "ship_to": SHIP_TO})
    assert short.get_json()["short"] == [{"sku": "NUT-M8", "quantity": 9, "available": 4, "short": 5}]
    assert short.headers.get("Idempotent-Replayed") is None


BAD_ROUTES = [  # body, status, code, what the message names
    ({"items": [{"sku": "BOLT-M8", "quantity": 1}]}, 422, "coordinates_invalid", "ship-to point"),
    (
        {"items": [{"sku": "BOLT-M8", "quantity": 1}], "ship_to": {"latitude": 91, "longitude": 0}},
        422,
        "validation_failed",
        "ship_to",
    ),
    ({"items": [{"sku": "NOPE", "quantity": 1}], "ship_to": SHIP_TO}, 404, "not_found", "NOPE"),
    (
        {"items": [{"sku": "BOLT-M8", "quantity": 1}], "ship_to": SHIP_TO, "channel": "tv"},
        404,
        "channel_not_found",
        "'tv'",
    ),
    ({"items": [], "ship_to": SHIP_TO}, 422, "validation_failed", "items"),
    (
        {"items": [{"sku": "BOLT-M8", "quantity": 1}], "ship_to": SHIP_TO, "shipTo": SHIP_TO},
        422,
        "validation_failed",
        "Send one of",
    ),
    (
        {"items": [{"sku": "BOLT-M8", "quantity": 1}], "ship_to": SHIP_TO, "fulfill_from": "transit"},
        422,
        "invalid_posting",
        "transit cannot fill orders",
    ),
]


def test_a_bad_route_request_says_what_to_fix(api, grid):
    make_location("transit", LocationType.TRANSIT, ("TRANSIT",))
    answers = []
    for body, *_expected in BAD_ROUTES:
        refused = api.post("/api/orders/route", body)
        answers.append((refused.status_code, error_code(refused), refused.get_data(as_text=True)))
    assert [(status, code) for status, code, _text in answers] == [(s, c) for _b, s, c, _says in BAD_ROUTES]
    assert [says in text for (_s, _c, text), (*_b, says) in zip(answers, BAD_ROUTES, strict=True)] == [
        True
    ] * len(BAD_ROUTES)


def test_placing_an_order_reserves_every_line_once_and_refuses_what_cannot_be_filled(api_as, grid):
    api = api_as("operator")  # inventory.write, as POST /api/stock/reserve
    key = {"Idempotency-Key": "place-1"}
    placed = api.post("/api/orders", order(), headers=key)
    assert placed.status_code == 201, placed.get_json()
    body = placed.get_json()
    assert (body["reference"], body["status"], body["route"]["kind"]) == ("ord-1", "open", "split")
    assert [(r["sku"], r["location"], r["quantity"], r["expires_at"]) for r in body["reservations"]] == [
        ("BOLT-M8", "east-1", 6, None),
        ("BOLT-M8", "east-2", 4, None),
        ("NUT-M8", "east-2", 4, None),
    ]
    again = api.post("/api/orders", order(), headers=key)
    assert (again.status_code, again.headers["Idempotent-Replayed"], again.get_json()) == (201, "true", body)
    assert db.session.query(Reservation).count() == 3

    taken = api.post("/api/orders", order(items=[{"sku": "BOLT-M8", "quantity": 1}]))
    assert (taken.status_code, error_code(taken)) == (409, "order_reference_taken")
    short = api.post("/api/orders", order("ord-2", items=[{"sku": "BOLT-M8", "quantity": 11}]))
    assert (short.status_code, error_code(short)) == (409, "order_cannot_be_filled")
    assert "BOLT-M8 1 short (ordered 11, 10 to promise)" in short.get_json()["error"]["message"]
    assert short.get_json()["error"]["details"]["short"] == [
        {"sku": "BOLT-M8", "quantity": 11, "available": 10, "short": 1}
    ]
    assert db.session.query(Reservation).count() == 3

    # The reference document's order_id for our reference; a narrowed token may not write.
    as_id = api.post(
        "/api/orders", {"order_id": 77, "items": [{"sku": "BOLT-M8", "quantity": 1}], "shipTo": SHIP_TO}
    )
    assert (as_id.status_code, as_id.get_json()["reference"]) == (201, "77")
    assert places(as_id.get_json()["route"]) == [("far-10", 1112.0, [("BOLT-M8", 1)])]
    reader = Api(api.client, accounts.create_token(user("operator"), name="r", scopes="inventory.read"))
    denied = reader.post("/api/orders", order("ord-3"))
    assert (denied.status_code, error_code(denied)) == (403, "permission_denied")


def test_an_order_is_read_fulfilled_and_cancelled_by_reference(api, grid):
    api.post("/api/orders", order())
    read = api.get("/api/orders/ord-1")
    assert read.status_code == 200 and read.get_json()["route"] is None
    assert [(r["location"], r["status"]) for r in read.get_json()["reservations"]] == [
        ("east-1", "active"),
        ("east-2", "active"),
        ("east-2", "active"),
    ]
    missing = api.get("/api/orders/ord-404")
    assert (missing.status_code, error_code(missing)) == (404, "order_not_found")

    shipped = api.post("/api/orders/ord-1/fulfill", {"locationId": grid.places["east-1"].id})
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["shipped"] == 6
    assert [r["status"] for r in shipped.get_json()["reservations"]] == ["fulfilled", "active", "active"]

    cancelled = api.post("/api/orders/ord-1/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.get_json()["status"], [r["status"] for r in cancelled.get_json()["reservations"]]) == (
        "fulfilled",
        ["fulfilled", "released", "released"],
    )
    closed = api.post("/api/orders/ord-1/cancel")
    assert (closed.status_code, error_code(closed)) == (409, "order_closed")
    assert "nothing is open to cancel" in closed.get_json()["error"]["message"]
    nothing = api.post("/api/orders/ord-1/fulfill", {})
    assert nothing.status_code == 404


def test_another_organisations_order_is_not_found(api, client, grid):
    api.post("/api/orders", order())
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        token = accounts.create_token(accounts.create_user("harbor-admin", PASSWORD, "admin"), name="probe")
    other = Api(client, token)
    assert other.get("/api/orders/ord-1").status_code == 404
    assert other.post("/api/orders/ord-1/cancel").status_code == 404
    assert other.post("/api/orders/ord-1/fulfill", {}).status_code == 404
    route = other.post(
        "/api/orders/route", {"items": [{"sku": "BOLT-M8", "quantity": 1}], "ship_to": SHIP_TO}
    )
    assert route.status_code == 404  # acme's SKU is not harbor's
    assert api.get("/api/orders/ord-1").get_json()["status"] == "open"


def test_an_operator_does_not_see_the_atp_of_a_bin_being_counted(api_as, grid):
    counts.create(
        grid.places["east-2"].id, counts.Selection(skus=("NUT-M8",)), actor_id=user("supervisor").id
    )
    body = {"items": [{"sku": "NUT-M8", "quantity": 9}], "ship_to": SHIP_TO}
    operator = api_as("operator").post("/api/orders/route", body).get_json()
    assert operator["short"] == [
        {"sku": "NUT-M8", "quantity": 9, "available": None, "short": None, "being_counted": True}
    ]
    supervisor = api_as("supervisor").post("/api/orders/route", body).get_json()
    assert supervisor["short"][0]["available"] == 4 and supervisor["short"][0]["being_counted"] is True
    refused = api_as("operator").post("/api/orders", {**body, "reference": "ord-5"})
    assert error_code(refused) == "order_cannot_be_filled"
    assert "4" not in refused.get_json()["error"]["message"] and "available" not in str(refused.get_json())


def count(grid: Grid, sku: str, location: str) -> None:
    """A count batch of one SKU's bins at a location, open: an operator is blind to them."""
    counts.create(grid.places[location].id, counts.Selection(skus=(sku,)), actor_id=user("supervisor").id)


def test_an_operator_does_not_see_a_routed_share_of_a_location_being_counted(api_as, grid):
    # Bolts split: east-1's share (6) is all it has, east-2's (4) the line less that.
    count(grid, "BOLT-M8", "east-1")
    body = {
        "items": [{"sku": "BOLT-M8", "quantity": 10}, {"sku": "NUT-M8", "quantity": 4}],
        "ship_to": SHIP_TO,
    }
    supervisor = api_as("supervisor").post("/api/orders/route", body).get_json()
    assert [leg["lines"][0] for leg in supervisor["locations"]] == [
        {"sku": "BOLT-M8", "quantity": 6, "being_counted": True},
        {"sku": "BOLT-M8", "quantity": 4, "being_counted": True},
    ]
    hidden = {"sku": "BOLT-M8", "quantity": None, "being_counted": True}
    operator = api_as("operator")
    for answer in (
        operator.post("/api/orders/route", body).get_json(),
        operator.post("/api/orders", {**body, "reference": "ord-6"}).get_json()["route"],
    ):
        assert [leg["lines"] for leg in answer["locations"]] == [
            [hidden],
            [hidden, {"sku": "NUT-M8", "quantity": 4}],
        ]


def test_an_operator_does_not_see_a_backorder_at_a_location_being_counted(api_as, grid):
    # 9 nuts from east-2, which has 4: 5 wait there, and 9 less 5 is what was free.
    grid.nut.allow_backorder = True
    db.session.commit()
    count(grid, "NUT-M8", "east-2")
    body = {"reference": "ord-8", "items": [{"sku": "NUT-M8", "quantity": 9}], "fulfill_from": "east-2"}
    placed = api_as("operator").post("/api/orders", body)
    assert placed.status_code == 201, placed.get_json()
    read = api_as("operator").get("/api/orders/ord-8").get_json()
    for answer in (placed.get_json(), read):
        assert [(b["quantity"], b["quantity_waiting"], b["being_counted"]) for b in answer["backorders"]] == [
            (None, None, True)
        ]
    seen = api_as("supervisor").get("/api/orders/ord-8").get_json()["backorders"]
    assert [(b["quantity"], b["quantity_waiting"], b["being_counted"]) for b in seen] == [(5, 5, True)]


def test_an_operator_is_refused_without_the_figures_of_a_location_being_counted(api_as, grid, monkeypatch):
    # Routing read 5 more bolts at east-1 than there are (stale every time): each promise
    # there is refused, "Available: 6" or, on a channel, "Only 6 ... can be promised".
    real = routing.candidates
    monkeypatch.setattr(
        routing,
        "candidates",
        lambda *a, **k: routing.Candidates(
            (found := real(*a, **k)).places, {place: n + 5 for place, n in found.by_place.items()}
        ),
    )
    Grid.channel(grid, "web", sells=("east-1",))
    count(grid, "BOLT-M8", "east-1")
    plain = {"items": [{"sku": "BOLT-M8", "quantity": 8}], "fulfill_from": "east-1"}
    for body, code, figure in (
        (plain, "insufficient_stock", "Available: 6"),
        ({**plain, "channel": "web"}, "channel_atp_exceeded", "Only 6 BOLT-M8"),
    ):
        seen = api_as("supervisor").post("/api/orders", {**body, "reference": "ord-s"})
        assert (seen.status_code, error_code(seen)) == (409, code)
        assert figure in seen.get_json()["error"]["message"]
        blind = api_as("operator").post("/api/orders", {**body, "reference": "ord-o"})
        assert (blind.status_code, error_code(blind)) == (409, code)
        message = blind.get_json()["error"]["message"]
        assert "6" not in message and "being counted" in message and "BOLT-M8 at east-1" in message
    assert db.session.query(Reservation).count() == 0
