"""Analytics and stats over the API against known answers: the reporting tests' history
placed in the past (tests/reporting/test_analytics.py: closed days come from the rollups,
today from the ledger), then every figure of /api/analytics and /api/stats checked."""

from datetime import date

import pytest

from tests.api.conftest import error_code
from tests.factories import make_lot, receive
from tests.reporting.test_analytics import seed_history, seed_rules_alerts_transfers_counts
from warehouse import ledger
from warehouse.availability import expiry, reservations
from warehouse.catalog import locations
from warehouse.catalog.models import LocationType
from warehouse.ledger.models import MovementType


@pytest.fixture
def history(site):
    """Today = D. D-40: +100 BOLT main, +200 NUT main; D-10: 30 BOLT sold at main, +40 NUT
    north; D-3: -5 BOLT main (damaged), 20 NUT sold at main; D: +10 BOLT main. Costs BOLT
    2.50, NUT 0.25, GLUE 4.00. Live alerts: BOLT low at main (75, reorder point 80), GLUE low
    and out at main (0, reorder point 5)."""
    found = seed_history(site)
    seed_rules_alerts_transfers_counts(found)
    return found


def test_thirty_days_of_analytics_add_up_to_the_known_history(api, history):
    body = api.get("/api/analytics", period="30d").get_json()

    assert (body["period"], body["since"], body["location"]) == ("30d", history.day(29).isoformat(), None)
    assert body["overview"] == {
        "total_products": 3,
        "products_in_stock": 2,
        "units_on_hand": 295,
        "total_stock_value": "242.50",
        "low_stock_items": 2,
        "out_of_stock_items": 1,
    }
    trends = body["trends"]
    assert (trends["stock_in"], trends["stock_out"], trends["adjustments"]) == (50, 50, -5)
    busy = {
        s["day"]: (s["stock_in"], s["stock_out"], s["adjustments"])
        for s in trends["steps"]
        if any((s["stock_in"], s["stock_out"], s["adjustments"]))
    }
    assert busy == {
        history.day(10).isoformat(): (40, 30, 0),
        history.day(3).isoformat(): (0, 20, -5),
        history.day(0).isoformat(): (10, 0, 0),
    }
    assert len(trends["steps"]) == 30
    assert [
        (m["sku"], m["total_quantity"], m["movement_count"], m["total_value"]) for m in body["top_movers"]
    ] == [
        ("BOLT-M8", 30, 1, "75.00"),
        ("NUT-M8", 20, 1, "5.00"),
    ]
    assert body["top_movers"][0]["product_name"] == "Item BOLT-M8"
    assert [
        (a["sku"], a["current_stock"], a["reorder_point"], a["warehouse"], a["location"])
        for a in body["low_stock_alerts"]
    ] == [
        ("BOLT-M8", 75, 80, "Warehouse Main", "warehouse-main"),
        ("GLUE-50", 0, 5, "Warehouse Main", "warehouse-main"),
    ]


def test_a_longer_period_and_one_location_change_the_figures_they_should(api, history):
    year = api.get("/api/analytics", period="90d").get_json()["trends"]
    assert (year["stock_in"], year["stock_out"], year["adjustments"]) == (350, 50, -5)
    assert len(year["steps"]) == 13  # weeks ending today

    north = api.get("/api/analytics", period="30d", location="service-north").get_json()
    assert north["location"] == "service-north"
    assert (north["overview"]["units_on_hand"], north["overview"]["total_stock_value"]) == (40, "10.00")
    assert (north["overview"]["low_stock_items"], north["overview"]["total_products"]) == (0, 3)
    assert (north["trends"]["stock_in"], north["trends"]["stock_out"]) == (40, 0)
    assert north["top_movers"] == [] and north["low_stock_alerts"] == []


def test_stats_roll_up_units_value_and_units_sold_in_the_last_days(api, history):
    assert api.get("/api/stats").get_json() == {
        "days": 30,
        "location": None,
        "products_in_stock": 2,
        "units_on_hand": 295,
        "stock_value": "242.50",
        "units_sold": 50,
    }
    assert api.get("/api/stats", days=7).get_json()["units_sold"] == 20
    assert api.get("/api/stats", days=1).get_json()["units_sold"] == 0
    north = api.get("/api/stats", location="service-north").get_json()
    assert (north["units_on_hand"], north["units_sold"]) == (40, 0)


def test_a_fulfilled_reservation_counts_as_sold_and_as_stock_out(api, history):
    site = history.site
    reservations.reserve(site.bolt, site.main, 4, ("order", "ord-1"), actor_id=None)
    reservations.fulfill(("order", "ord-1"), actor_id=None)

    assert api.get("/api/stats", days=1).get_json()["units_sold"] == 4
    body = api.get("/api/analytics", period="7d").get_json()
    assert body["trends"]["stock_out"] == 24
    assert [(m["sku"], m["total_quantity"], m["movement_count"]) for m in body["top_movers"]] == [
        ("NUT-M8", 20, 1),
        ("BOLT-M8", 4, 1),
    ]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/analytics", {"period": "2w"}, 422),
        ("/api/analytics", {"location": "nowhere"}, 404),
        ("/api/analytics", {"warehouse_id": "99999"}, 422),  # no location with that id
        ("/api/stats", {"days": "0"}, 422),
        ("/api/stats", {"days": "366"}, 422),
        ("/api/stats", {"days": "ten"}, 422),
        ("/api/stats", {"location": "nowhere"}, 404),
    ],
)
def test_bad_filters_are_refused_with_a_reason(api, site, path, params, status):
    answer = api.get(path, **params)
    assert answer.status_code == status and answer.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/analytics", "/api/stats"])
def test_the_figures_are_the_dashboards_and_so_a_supervisors(api_as, site, path):
    for refused in (api_as("operator"), api_as("supervisor", scopes="transfers.read")):
        answer = refused.get(path)
        assert answer.status_code == 403 and error_code(answer) == "permission_denied"
    assert api_as("supervisor", scopes="inventory.read").get(path).status_code == 200
    assert api_as("admin").get(path).status_code == 200


def test_a_location_by_its_id_as_the_movements_api_names_it(api, history):
    main = history.site.main
    ours = api.get("/api/analytics", period="30d", location="warehouse-main").get_json()
    theirs = api.get("/api/analytics", period="30d", warehouse_id=str(main.id)).get_json()
    assert (
        theirs == ours and ours["overview"] != api.get("/api/analytics", period="30d").get_json()["overview"]
    )


def test_units_issued_to_a_department_leave_stock_but_are_not_sold(api, history):
    site = history.site
    a1 = site.bin(site.main, "A-01-01")
    issue = [ledger.Line.at(a1, site.bolt, qty=-3)]
    ledger.post(MovementType.FULFILL, issue, actor_id=None, reference=("stock_request", "SR-000001"))

    assert api.get("/api/stats", days=1).get_json()["units_sold"] == 0
    assert api.get("/api/analytics", period="7d").get_json()["trends"]["stock_out"] == 23


def test_expired_units_sent_for_destruction_leave_each_location_once(api, history):
    site = history.site
    cage = locations.create("cage", "Destruction cage", LocationType.DESTRUCTION)
    old = make_lot(site.glue, "L-OLD", date(2020, 1, 31))
    receive(site.glue, site.bin(site.main, "A-01-01"), 5, lot=old)

    def trends(location):
        return api.get("/api/analytics", period="7d", location=location).get_json()["trends"]

    main_before, cage_before = trends("warehouse-main"), trends("cage")
    hold = expiry.mark_expired(site.glue, site.bin(site.main, "A-01-01"), old, actor_id=None)
    sent = expiry.to_destruction(hold.id, cage, reference=("destruction", "CERT-1"), actor_id=None)
    expiry.write_off(sent.hold.id, actor_id=None)

    main_after, cage_after = trends("warehouse-main"), trends("cage")
    assert main_after["stock_out"] - main_before["stock_out"] == 5  # left main for the cage
    assert (cage_after["stock_in"], cage_after["stock_out"]) == (cage_before["stock_in"] + 5, 5)
