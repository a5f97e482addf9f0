"""Reorder policies through the API: GET /api/replenishment/config lists them with a
suggested reorder point from the ledger's outbound; PUT saves a list by SKU and location,
all of it or nothing, every refused line named."""

from math import ceil

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from warehouse.alerts.models import Alert, AlertKind, ReorderPolicy
from warehouse.core.extensions import db

PATH = "/api/replenishment/config"


def put(api, items, headers=None, path=PATH):
    return api.client.put(path, json={"items": items}, headers=api.headers(headers))


def policies() -> dict[tuple[int, int], tuple]:
    db.session.rollback()  # see what the requests committed
    return {
        (p.product_id, p.location_id): (
            p.reorder_point,
            p.reorder_qty,
            p.max_level,
            p.lead_time_days,
            p.safety_stock,
        )
        for p in db.session.scalars(select(ReorderPolicy))
    }


def test_put_creates_and_updates_by_sku_and_location(api, stocked):
    first = put(
        api,
        [
            {
                "sku": "BOLT-M8",
                "location": "warehouse-main",
                "reorder_point": 20,
                "reorder_qty": 50,
                "max_level": 80,
            },
            {"sku": "NUT-M8", "location": "service-north", "reorder_point": 3},
        ],
    )
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["saved"] == 2
    assert body["items"][1] == {
        "sku": "NUT-M8",
        "location": "service-north",
        "reorder_point": 3,
        "reorder_qty": 0,
        "max_level": None,
        "lead_time_days": 0,
        "safety_stock": 0,
        "suggested_reorder_point": None,  # no lead time yet
    }
    # Figures left out keep theirs; max_level null clears it.
    again = put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", "safety_stock": 4, "max_level": None}])
    assert again.status_code == 200
    assert policies()[(stocked.bolt.id, stocked.main.id)] == (20, 50, None, 0, 4)
    assert len(policies()) == 2


def test_a_new_reorder_point_is_judged_at_once(api, stocked):
    """BOLT-M8 has 40 at warehouse-main: a reorder point of 40 makes it low stock now."""
    put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 40, "reorder_qty": 10}])
    db.session.rollback()
    kinds = set(db.session.scalars(select(Alert.kind).where(Alert.live_key.is_not(None))))
    assert AlertKind.LOW_STOCK in kinds
    put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 5}])
    db.session.rollback()
    assert not set(db.session.scalars(select(Alert.kind).where(Alert.live_key.is_not(None))))


def test_one_bad_line_saves_nothing_and_every_bad_line_is_named(api, stocked):
    put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 5, "max_level": 10}])
    before = policies()
    response = put(
        api,
        [
            {"sku": "NUT-M8", "location": "warehouse-main", "reorder_point": 2},  # fine on its own
            {"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 12},  # above the kept max 10
            {"sku": "NOPE-1", "location": "warehouse-main"},
            {"sku": "NUT-M8", "location": "nowhere"},
            {"sku": "NUT-M8", "location": "warehouse-main", "reorder_qty": 1},  # the first line's pair again
            {"sku": "GLUE-50", "location": "warehouse-main", "reorder_point": None},
        ],
    )
    assert (response.status_code, error_code(response)) == (422, "policies_refused")
    error = response.get_json()["error"]
    assert [(i["index"], i["code"]) for i in error["details"]["items"]] == [
        (1, "max_level_below_reorder_point"),
        (2, "not_found"),
        (3, "not_found"),
        (4, "policy_listed_twice"),
        (5, "policy_figure_out_of_range"),
    ]
    assert "max_level 10 is below reorder_point 12" in error["message"]
    assert policies() == before


def test_get_lists_policies_with_a_suggested_reorder_point(api, stocked):
    put(
        api,
        [
            {
                "sku": "BOLT-M8",
                "location": "warehouse-main",
                "reorder_point": 5,
                "lead_time_days": 7,
                "safety_stock": 3,
            },
            {"sku": "BOLT-M8", "location": "service-north", "reorder_point": 1},
            {"sku": "NUT-M8", "location": "warehouse-main", "reorder_point": 1},
        ],
    )
    sale = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "type": "outbound_sale"}
    for quantity in (-10, -4):
        assert api.post("/api/stock", {**sale, "quantity": quantity}).status_code == 201
    body = api.get(PATH).get_json()
    assert body["meta"] == {"total": 3, "page": 1, "limit": 20, "has_more": False}
    rows = {(r["sku"], r["location"]): r for r in body["data"]}
    assert [(r["sku"], r["location"]) for r in body["data"]] == [
        ("BOLT-M8", "service-north"),
        ("BOLT-M8", "warehouse-main"),
        ("NUT-M8", "warehouse-main"),
    ]
    assert rows["BOLT-M8", "warehouse-main"]["suggested_reorder_point"] == ceil(14 * 7 / 90) + 3
    assert rows["BOLT-M8", "service-north"]["suggested_reorder_point"] is None
    assert [r["location"] for r in api.get(PATH, sku="BOLT").get_json()["data"]] == [
        "service-north",
        "warehouse-main",
    ]
    assert [r["sku"] for r in api.get(PATH, location="warehouse-main").get_json()["data"]] == [
        "BOLT-M8",
        "NUT-M8",
    ]
    paged = api.get(PATH, limit=2, page=2).get_json()
    assert paged["meta"]["has_more"] is False and len(paged["data"]) == 1
    assert api.get(PATH, location="nowhere").status_code == 404
    assert api.get(PATH, colour="red").status_code == 422


def test_1001_policies_are_refused_saying_so(api, stocked):
    items = [{"sku": "BOLT-M8", "location": "warehouse-main"}] * 1001
    response = put(api, items)
    assert response.status_code == 422
    assert "at most 1000 items" in response.get_json()["error"]["details"]["fields"]["items"]
    assert policies() == {}


@pytest.mark.parametrize(
    "bad",
    [
        {"reorder_point": "5"},
        {"reorder_point": -1},
        {"reorder_point": 10**10},
        {"lead_time_days": 3651},
        {"safety_stock": 2.5},
        {"sku": "S" * 65},
        {"sku": ""},
        {"colour": "red"},
    ],
)
def test_bad_figures_are_refused(api, stocked, bad):
    response = put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", **bad}])
    assert (response.status_code, error_code(response)) == (422, "validation_failed")
    assert policies() == {}


def test_a_nul_is_refused(api, stocked):
    response = put(api, [{"sku": "BOLT\u0000", "location": "warehouse-main"}])
    assert (response.status_code, error_code(response)) == (400, "nul_character")


def test_a_replay_with_its_key_writes_once_and_answers_the_same(api, stocked):
    items = [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 8}]
    first = put(api, items, {"Idempotency-Key": "policies-1"})
    put(api, [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 9}])  # changed since
    again = put(api, items, {"Idempotency-Key": "policies-1"})
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert policies()[(stocked.bolt.id, stocked.main.id)][0] == 9  # the replay wrote nothing


def test_supervisors_and_admins_write_operators_read(api_as, stocked):
    items = [{"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 8}]
    operator = api_as("operator")
    refused = put(operator, items)
    assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    assert refused.get_json()["error"]["details"]["permission"] == "replenishment.write"
    assert operator.get(PATH).status_code == 200
    assert put(api_as("supervisor"), items).status_code == 200
    assert put(api_as("admin"), [{**items[0], "reorder_point": 9}]).status_code == 200
    assert put(api_as("supervisor", scopes="replenishment.read"), items).status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReorderPolicy)) == 1
