"""The reservation list (the reservations page's filters, for a supervisor's token) and
where to pick a transfer (the pick screen's bins, for anyone who reads transfers).

Both withhold from an operator's token the figures of a bin being counted."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import accounts, counts, transfers
from warehouse.accounts import organisations
from warehouse.availability import reservations
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.ledger.models import Movement


def written() -> tuple[int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Movement, Command))


def no_secret(answer, secrets) -> None:
    text = json.dumps(answer)
    for secret in secrets:
        assert not re.search(rf"(?<!\d){secret}(?!\d)", text), f"{secret} in {text}"


# --- the reservation list ----------------------------------------------------------------


@pytest.fixture
def orders(api, stocked):
    """ord-1: 32 BOLT-M8 over two bins (a 10-minute TTL), ord-2: 3 (an hour), ord-3: 2 at service-north
    (released), web:cart-9: 1 (no TTL)."""
    for reference_id, qty, extra in (
        ("ord-1", 32, {"ttl_seconds": 600}),
        ("ord-2", 3, {"ttl_seconds": 3600}),
        ("ord-3", 2, {"location": "service-north"}),
    ):
        body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": qty}
        body |= {"reference_type": "order", "reference_id": reference_id, **extra}
        assert api.post("/api/stock/reserve", body).status_code == 201
    cart = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 1, "ttl_seconds": None}
    assert (
        api.post("/api/stock/reserve", cart | {"reference_type": "web", "reference_id": "cart-9"}).status_code
        == 201
    )
    assert (
        api.post("/api/stock/release", {"reference_type": "order", "reference_id": "ord-3"}).status_code
        == 200
    )


def references(answer) -> list[str]:
    return [f"{r['reference_type']}:{r['reference_id']}" for r in answer["data"]]


def test_a_supervisor_lists_active_reservations_newest_first(api, orders):
    active = api.get("/api/reservations").get_json()
    assert references(active) == ["web:cart-9", "order:ord-2", "order:ord-1", "order:ord-1"]
    newest = active["data"][0]
    assert (newest["sku"], newest["location"], newest["status"], newest["expires_at"]) == (
        "BOLT-M8",
        "warehouse-main",
        "active",
        None,
    )
    assert sorted((r["bin"], r["quantity_open"]) for r in active["data"] if r["reference_id"] == "ord-1") == [
        ("A-01-01", 30),
        ("A-01-02", 2),
    ]
    assert "being_counted" not in newest
    assert references(api.get("/api/reservations", status="released").get_json()) == ["order:ord-3"]
    assert len(api.get("/api/reservations", status="any").get_json()["data"]) == 5


def test_the_list_filters_by_reference_sku_location_and_expiry(api, orders):
    assert references(api.get("/api/reservations", reference="order:ord-2").get_json()) == ["order:ord-2"]
    assert references(api.get("/api/reservations", reference="cart-9").get_json()) == ["web:cart-9"]
    assert api.get("/api/reservations", sku="NUT-M8").get_json()["data"] == []
    north = api.get("/api/reservations", status="any", locationId="service-north").get_json()
    assert references(north) == ["order:ord-3"]
    soon = (datetime.utcnow() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert references(api.get("/api/reservations", expiring_before=soon).get_json()) == ["order:ord-1"] * 2
    in_paris = (datetime.utcnow() + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
    assert (
        references(api.get("/api/reservations", expiring_before=in_paris).get_json()) == ["order:ord-1"] * 2
    )
    paged = api.get("/api/reservations", limit=1, page=2).get_json()
    assert paged["meta"] == {"total": 4, "page": 2, "limit": 1, "has_more": True}
    assert references(paged) == ["order:ord-2"]


def test_bad_filters_are_refused(api, orders):
    for params in (
        {"status": "open"},
        {"expiring_before": "0"},
        {"expiring_before": "tomorrow"},
        {"limit": 0},
        {"limit": 101},
        {"page": 0},
        {"location": "warehouse-main", "locationId": "service-north"},
        {"orderId": "ord-1"},
    ):
        response = api.get("/api/reservations", **params)
        assert (response.status_code, error_code(response)) == (422, "validation_failed"), params
    assert api.get("/api/reservations", expiring_before="0001-01-01T00:00:00+01:00").status_code == 422


def test_the_list_is_a_supervisors_as_the_page_is(api_as, orders):
    operator = api_as("operator")
    refused = operator.get("/api/reservations")
    assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    narrowed = api_as("supervisor", scopes="inventory.write")
    assert narrowed.get("/api/reservations").status_code == 403
    assert api_as("supervisor", scopes="inventory.read").get("/api/reservations").status_code == 200


def test_another_organisations_reservations_are_not_listed(api, stocked):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        dock = make_location("harbor-dock", bins=("H-01",))
        fish = make_product("FISH-1")
        receive(fish, dock.bins[0], 5)
        reservations.reserve(fish, dock, 2, ("order", "ord-1"), actor_id=None)
    for params in ({}, {"reference": "order:ord-1"}, {"status": "any"}):
        assert api.get("/api/reservations", **params).get_json()["data"] == []


RESERVED_COUNTED = 5381  # BOLT-M8 in A-01-02 while it is being counted


def test_a_bin_being_counted_withholds_reserved_figures(api, stocked):
    a2 = stocked.bin(stocked.main, "A-01-02")
    receive(stocked.bolt, a2, RESERVED_COUNTED - 10)
    reservations.reserve(
        stocked.bolt, stocked.main, RESERVED_COUNTED, ("order", "big"), actor_id=None, bin=a2
    )
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    counts.create(stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    rows = api.get("/api/reservations").get_json()["data"]
    assert [(r["bin"], r["quantity"], r["being_counted"]) for r in rows] == [
        ("A-01-02", RESERVED_COUNTED, True)
    ]


# --- where to pick a transfer ------------------------------------------------------------


def draft(api, qty: int = 35, sku: str = "BOLT-M8", lot: str = "") -> dict:
    body = {"from_location": "warehouse-main", "to_location": "service-north"}
    body["lines"] = [{"sku": sku, "quantity": qty, **({"lot": lot} if lot else {})}]
    created = api.post("/api/transfers", body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def bins_of(answer, line: int = 0) -> list[tuple]:
    return [
        (b["bin"], b["lot"], b["available"], b["allocated"], b["picked"], b["can_pick"])
        for b in answer["lines"][line]["bins"]
    ]


def test_a_draft_shows_where_approval_would_take_stock(api_as, api, stocked):
    transfer = draft(api)
    operator = api_as("operator")  # the pick screen is an operator's
    answer = operator.get(f"/api/transfers/{transfer['id']}/bins").get_json()
    assert (answer["number"], answer["status"], answer["from_location"]) == (
        "TR-000001",
        "draft",
        "warehouse-main",
    )
    assert answer["lines"][0]["to_pick"] == 35
    assert bins_of(answer) == [("A-01-01", None, 30, 0, 0, 30), ("A-01-02", None, 10, 0, 0, 10)]
    by_number = operator.get("/api/transfers/bins", transfer="TR-000001")
    assert by_number.status_code == 200 and by_number.get_json() == answer
    assert operator.get("/api/transfers/bins", transfer="tr-1").get_json() == answer


def test_an_approved_transfer_shows_its_reserved_bins_first_then_picks(api, stocked):
    transfer = draft(api)
    api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved"})
    url = f"/api/transfers/{transfer['id']}/bins"
    assert bins_of(api.get(url).get_json()) == [
        ("A-01-01", None, 0, 30, 0, 30),
        ("A-01-02", None, 5, 5, 0, 10),  # free to anyone, plus what approval reserved there
    ]
    picker = accounts.create_user("pia", "long-enough-pw", "operator")
    transfers.pick(transfer["id"], stocked.bin(stocked.main, "A-01-02"), stocked.bolt, 4, actor_id=picker.id)
    answer = api.get(url).get_json()
    assert (answer["lines"][0]["quantity_picked"], answer["lines"][0]["to_pick"]) == (4, 31)
    assert bins_of(answer)[1] == ("A-01-02", None, 5, 5, 4, 6)
    transfers.short_pick(transfer["id"], transfer["lines"][0]["id"], "not_found", actor_id=picker.id)
    assert api.get(url).get_json()["lines"][0]["to_pick"] == 0


def test_lots_are_offered_first_expiry_first_never_expired(api, stocked):
    a1, a2 = stocked.bin(stocked.main, "A-01-01"), stocked.bin(stocked.main, "A-01-02")
    receive(stocked.glue, a1, 9, lot=make_lot(stocked.glue, "L-LATE", date(2099, 1, 1)))
    receive(stocked.glue, a2, 2, lot=make_lot(stocked.glue, "L-SOON", date(2098, 1, 1)))
    receive(stocked.glue, a2, 7, lot=make_lot(stocked.glue, "L-OLD", date(2020, 1, 1)))
    transfer = draft(api, qty=5, sku="GLUE-50")
    answer = api.get(f"/api/transfers/{transfer['id']}/bins").get_json()
    assert [(b["bin"], b["lot"], b["expiry_date"]) for b in answer["lines"][0]["bins"]] == [
        ("A-01-02", "L-SOON", "2098-01-01"),
        ("A-01-01", "L-LATE", "2099-01-01"),
    ]
    one_lot = draft(api, qty=1, sku="GLUE-50", lot="L-LATE")
    assert [
        b["lot"] for b in api.get(f"/api/transfers/{one_lot['id']}/bins").get_json()["lines"][0]["bins"]
    ] == ["L-LATE"]


def test_a_shipped_transfer_has_nothing_left_to_pick(api, stocked):
    transfer = draft(api, qty=3)
    api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved"})
    assert api.patch(f"/api/transfers/{transfer['id']}", {"status": "in_transit"}).status_code == 200
    answer = api.get(f"/api/transfers/{transfer['id']}/bins").get_json()
    assert (answer["status"], answer["lines"][0]["to_pick"], answer["lines"][0]["bins"]) == (
        "in_transit",
        0,
        [],
    )


def test_unknown_or_foreign_transfers_are_not_found(api, stocked):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        source, destination = make_location("harbor-a"), make_location("harbor-b")
        their_id = transfers.create(source.id, destination.id, actor_id=None).id
    before = written()
    assert api.get(f"/api/transfers/{their_id}/bins").status_code == 404
    assert api.get("/api/transfers/bins", transfer="TR-000001").status_code == 404
    assert api.get("/api/transfers/999999/bins").status_code == 404
    assert api.get("/api/transfers/99999999999/bins").status_code == 404
    for bad in ({}, {"transfer": ""}, {"transfer": "TR 1; drop"}, {"transfer": "x" * 21}, {"id": "1"}):
        response = api.get("/api/transfers/bins", **bad)
        assert (response.status_code, error_code(response)) == (422, "validation_failed"), bad
    assert api.get("/api/transfers/bins", transfer="NOPE-1").status_code == 404
    assert written() == before


def test_a_narrowed_token_needs_transfers_read(api_as, api, stocked):
    transfer = draft(api)
    refused = api_as("operator", scopes="inventory.read").get(f"/api/transfers/{transfer['id']}/bins")
    assert (refused.status_code, refused.get_json()["error"]["details"]["permission"]) == (
        403,
        "transfers.read",
    )


PICK_COUNTED = 2957  # BOLT-M8 in A-01-02 while A-01-02 is being counted


def test_a_source_bin_being_counted_shows_no_figures_to_an_operator(api_as, api, stocked):
    receive(stocked.bolt, stocked.bin(stocked.main, "A-01-02"), PICK_COUNTED - 10)
    transfer = draft(api, qty=100)
    api.patch(f"/api/transfers/{transfer['id']}", {"status": "approved"})  # 100 from A-01-02: the fullest
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    counts.create(stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    operator = api_as("operator")
    url = f"/api/transfers/{transfer['id']}/bins"
    answer = operator.get(url).get_json()
    counted = [b for b in answer["lines"][0]["bins"] if b["bin"] == "A-01-02"]
    assert counted == [
        {
            "bin": "A-01-02",
            "lot": None,
            "expiry_date": None,
            "available": None,
            "allocated": None,
            "picked": None,
            "can_pick": None,
            "being_counted": True,
        }
    ]
    assert bins_of(answer)[1] == ("A-01-01", None, 30, 0, 0, 30)
    no_secret(answer, (PICK_COUNTED, PICK_COUNTED - 100))
    seen = api.get(url).get_json()["lines"][0]["bins"][0]
    assert (seen["available"], seen["allocated"], seen["being_counted"]) == (PICK_COUNTED - 100, 100, True)
