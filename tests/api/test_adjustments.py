"""Adjustments over the API: reason codes, bulk adjustments by actual quantity (50 lines,
all or nothing, a replay writes once), lot corrections, and the adjustment history with
each posting's note and the product's name."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from tests.factories import make_lot, make_product, receive
from tests.ledger.test_ledger import snapshot
from warehouse.availability import reservations
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, Posting

ADJUST = "/api/adjustments"
CORRECT = "/api/adjustments/lot-correction"


def bulk(lines, **more) -> dict:
    return {"adjustments": lines, **more}


def at_a1(sku, actual, reason="physical_count", **more) -> dict:
    return {
        "sku": sku,
        "location": "warehouse-main",
        "bin": "A-01-01",
        "actual_quantity": actual,
        "reason": reason,
        **more,
    }


def postings() -> int:
    return db.session.scalar(select(func.count()).select_from(Posting))


# --- reason codes ----------------------------------------------------------------------


def test_reason_codes_say_their_label_and_whether_a_person_may_choose_them(api, stocked):
    codes = {r["code"]: r for r in api.get(f"{ADJUST}/reason-codes").get_json()["data"]}
    assert codes["damaged"] == {
        "code": "damaged",
        "label": "Damaged",
        "description": "Units found damaged and taken out of stock.",
        "selectable": True,
    }
    assert codes["opening_balance"]["selectable"] is False
    assert {"physical_count", "found", "write_off", "received", "other"} <= set(codes)


# --- bulk by actual quantity ------------------------------------------------------------


@pytest.fixture
def fifty(stocked):
    """Fifty SKUs in warehouse-main A-01-01: ITEM-00 holds 10, ITEM-01 11, ... ITEM-49 59."""
    a1 = stocked.bin(stocked.main, "A-01-01")
    for i in range(50):
        receive(make_product(f"ITEM-{i:02d}"), a1, 10 + i)
    return stocked


def test_a_fifty_line_stocktake_posts_once_shows_in_the_history_and_a_replay_writes_nothing(api, fifty):
    # Every fifth line agrees with the ledger; the others found two more than it had.
    lines = [
        at_a1(f"ITEM-{i:02d}", 10 + i + (0 if i % 5 == 0 else 2), "Shelf recount, aisle A") for i in range(50)
    ]
    headers = {"Idempotency-Key": "stocktake-2026-12-06"}

    first = api.post(ADJUST, bulk(lines, reference="ST-7"), headers=headers)

    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["total_adjustments"], body["adjustments_processed"], body["unchanged"]) == (50, 40, 10)
    third = body["adjustments"][3]
    assert (third["quantity_before"], third["quantity_after"], third["adjustment"]) == (13, 15, 2)
    assert (third["reason"], third["note"], third["product_name"], third["type"]) == (
        "other",
        "Shelf recount, aisle A",
        "Item ITEM-03",
        "adjustment",
    )
    agreed = body["adjustments"][5]
    assert (agreed["adjustment"], agreed["id"], agreed["posting_id"]) == (0, None, None)
    history = api.get("/api/movements", type="adjustment", reference="adjustment:ST-7", limit=100).get_json()
    assert history["meta"]["total"] == 40
    assert {m["quantity"] for m in history["data"]} == {2}
    stock = api.get("/api/stock/ITEM-03").get_json()
    assert stock["totals"]["on_hand"] == 15

    before = snapshot()
    again = api.post(ADJUST, bulk(lines, reference="ST-7"), headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body
    assert snapshot() == before


def test_one_refused_line_refuses_the_whole_call_naming_its_index(api, stocked):
    a2 = stocked.bin(stocked.main, "A-01-02")
    reservations.reserve(stocked.bolt, stocked.main, 6, ("order", "ord-1"), actor_id=None, bin=a2)
    before = snapshot()

    answer = api.post(
        ADJUST,
        bulk(
            [
                at_a1("BOLT-M8", 31),
                {
                    "product_id": 999999,
                    "warehouse_id": stocked.main.id,
                    "actual_quantity": 1,
                    "reason": "found",
                },
                {**at_a1("BOLT-M8", 1), "bin": "A-01-02"},  # 6 of its 10 are reserved
            ]
        ),
    )

    assert answer.status_code == 422 and error_code(answer) == "adjustments_refused"
    items = answer.get_json()["error"]["details"]["items"]
    assert [(i["index"], i["code"]) for i in items] == [(1, "not_found"), (2, "insufficient_stock")]
    assert "Nothing was adjusted" in answer.get_json()["error"]["message"]
    assert snapshot() == before


def test_lines_name_the_product_and_place_by_id_and_a_lone_bin_needs_no_naming(api, stocked):
    answer = api.post(
        ADJUST,
        bulk(
            [
                {
                    "product_id": stocked.bolt.id,
                    "warehouse_id": stocked.north.id,
                    "actual_quantity": 2,
                    "reason": "damaged",
                }
            ]
        ),
    )
    assert answer.status_code == 200, answer.get_json()
    line = answer.get_json()["adjustments"][0]
    assert (line["sku"], line["location"], line["bin"], line["adjustment"]) == (
        "BOLT-M8",
        "service-north",
        "S-01-01",
        -3,
    )
    assert (line["reason"], line["type"], line["note"]) == ("damaged", "adjustment", None)


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"location": "warehouse-main", "actual_quantity": 1, "reason": "found"}], "adjustments.0"),
        ([{**at_a1("BOLT-M8", 1), "warehouse_id": 1}], "adjustments.0"),
        ([at_a1("BOLT-M8", "5")], "adjustments.0.actual_quantity"),
        ([at_a1("BOLT-M8", -1)], "adjustments.0.actual_quantity"),
        ([at_a1("BOLT-M8", 1, reason="")], "adjustments.0.reason"),
        ([], "adjustments"),
        ([at_a1("BOLT-M8", 1)] * 501, "adjustments"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_field_and_writes_nothing(api, stocked, lines, field):
    before = snapshot()
    answer = api.post(ADJUST, bulk(lines))
    assert answer.status_code == 422 and error_code(answer) == "validation_failed"
    assert field in answer.get_json()["error"]["details"]["fields"]
    assert snapshot() == before


def test_a_reason_the_system_sets_is_refused(api, stocked):
    answer = api.post(ADJUST, bulk([at_a1("BOLT-M8", 3, reason="opening_balance")]))
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"]["items"][0]["code"] == "reason_not_selectable"


# --- lot correction ---------------------------------------------------------------------


@pytest.fixture
def glue(stocked):
    """GLUE-50 booked as lot G-OLD: 10 in warehouse-main A-01-01."""
    lot = make_lot(stocked.glue, "G-OLD", date(2030, 1, 31))
    receive(stocked.glue, stocked.bin(stocked.main, "A-01-01"), 10, lot=lot)
    return lot


def correction(qty=4, **more) -> dict:
    return {
        "sku": "GLUE-50",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "wrong_lot": "G-OLD",
        "right_lot": "G-NEW",
        "expiry": "2030-06-30",
        "quantity": qty,
        "note": "label misread",
        **more,
    }


def test_a_lot_correction_is_one_posting_shown_in_the_movement_and_adjustment_history(api, glue):
    answer = api.post(CORRECT, correction())

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["wrong_lot"] == {"lot": "G-OLD", "expiry": "2030-01-31", "on_hand": 6}
    assert body["right_lot"] == {"lot": "G-NEW", "expiry": "2030-06-30", "on_hand": 4}
    assert (body["reference_type"], body["reference_id"], body["right_lot_created"]) == (
        "lot_correction",
        "G-OLD",
        True,
    )
    moved = api.get("/api/movements", reference="lot_correction:G-OLD").get_json()["data"]
    assert {m["posting_id"] for m in moved} == {body["posting_id"]}
    assert sorted((m["lot"], m["quantity"]) for m in moved) == [("G-NEW", 4), ("G-OLD", -4)]
    listed = api.get(ADJUST, reference="lot_correction:G-OLD").get_json()["data"]
    assert {m["note"] for m in listed} == {
        "Lot correction at A-01-01: 4 moved from lot G-OLD to lot G-NEW. label misread"
    }
    assert {m["product_name"] for m in listed} == {"Item GLUE-50"}


def test_a_correction_that_would_take_reserved_units_is_refused_saying_so(api, stocked, glue):
    a1 = stocked.bin(stocked.main, "A-01-01")
    reservations.reserve(stocked.glue, stocked.main, 7, ("order", "ord-9"), actor_id=None, bin=a1, lot=glue)
    before = snapshot()

    refused = api.post(CORRECT, correction(qty=4))

    assert refused.status_code == 409 and error_code(refused) == "insufficient_stock"
    assert "7 are reserved and 0 held" in refused.get_json()["error"]["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"right_lot": "G-OLD"}, 422, "same_lot"),
        ({"wrong_lot": "G-NONE"}, 404, "not_found"),
        ({"bin": "Z-99"}, 404, "not_found"),
        ({"sku": "NOPE-1"}, 404, "not_found"),
        ({"expiry": None}, 422, "invalid_posting"),  # a new lot of an expiry-tracked product
        ({"quantity": 11}, 409, "insufficient_stock"),
        ({"quantity": 0}, 422, "validation_failed"),
        ({"expiry": 20300630}, 422, "validation_failed"),
    ],
)
def test_a_lot_correction_that_cannot_be_is_refused_and_writes_nothing(api, glue, change, status, code):
    before = snapshot()
    answer = api.post(CORRECT, correction(**change))
    assert (answer.status_code, error_code(answer)) == (status, code), answer.get_json()
    assert snapshot() == before


# --- the history ------------------------------------------------------------------------


def test_the_adjustment_history_shows_only_adjustments_with_note_and_product_name(api, stocked):
    api.post(ADJUST, bulk([at_a1("BOLT-M8", 28, "Dropped a box")]))
    api.post(ADJUST, bulk([{**at_a1("BOLT-M8", 12), "bin": "A-01-02"}]))

    listed = api.get(ADJUST).get_json()
    assert listed["meta"]["total"] == 2  # the receipts that stocked the bins are not adjustments
    latest, earlier = listed["data"]
    assert (latest["type"], latest["reason"], latest["quantity"], latest["balance_after"]) == (
        "adjustment_count",
        "physical_count",
        2,
        12,
    )
    assert (earlier["note"], earlier["product_name"], earlier["quantity"]) == (
        "Dropped a box",
        "Item BOLT-M8",
        -2,
    )
    assert api.get(ADJUST, reason="other").get_json()["meta"]["total"] == 1
    assert api.get(ADJUST, type="adjustment_count", sku="BOLT-M8").get_json()["meta"]["total"] == 1
    assert api.get(ADJUST, location="nowhere").status_code == 404
    assert api.get(ADJUST, reason="typo").status_code == 422


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"{ADJUST}/reason-codes", None),
        ("get", ADJUST, None),
        ("post", ADJUST, bulk([at_a1("BOLT-M8", 1)])),
        ("post", CORRECT, correction()),
    ],
)
def test_adjusting_is_a_supervisors_and_a_narrowed_token_is_refused(api_as, stocked, method, path, body):
    before = postings()
    for caller in (api_as("operator"), api_as("supervisor", scopes="inventory.read inventory.write")):
        answer = caller.get(path) if method == "get" else caller.post(path, body)
        assert answer.status_code == 403 and error_code(answer) == "permission_denied"
    assert postings() == before
    assert api_as("supervisor", scopes="inventory.adjust").get(ADJUST).status_code == 200


def test_movements_of_the_adjustments_carry_the_user(api, stocked):
    api.post(ADJUST, bulk([at_a1("BOLT-M8", 29)]))
    assert db.session.scalar(select(Movement.user_id).order_by(Movement.id.desc()).limit(1)) is not None
    assert api.get(ADJUST).get_json()["data"][0]["user"] == "supervisor"
