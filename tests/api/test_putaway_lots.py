"""Put-away tasks and lot control over the API.

Put-away is floor work (an operator's token may): the open tasks a receipt leaves, a task
by hand for units waiting in a receiving bin, and confirming a task into a bin with the
floor's rules (the suggested storage bin, or another with a reason; fewer than the task
leaves a task for the rest). Lot control answers one question with a verdict and its
reasons: is a lot required, does it exist, is it expired, is any of it held; it withholds
from an operator's token the figures of a bin being counted."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import accounts, counts
from warehouse.accounts import organisations
from warehouse.availability import expiry, holds
from warehouse.availability.models import HoldReason
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask, TaskStatus
from warehouse.ledger.models import Movement


def written() -> tuple[int, int, int]:
    """Movements, put-away tasks and stored commands: what a write adds."""
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(t)) for t in (Movement, PutawayTask, Command)
    )


def no_secret(answer, secret: int) -> None:
    text = json.dumps(answer)
    assert not re.search(rf"(?<!\d){secret}(?!\d)", text), text


@pytest.fixture
def delivered(stocked):
    """A receipt of 8 BOLT-M8 finished into warehouse-main's RCV-01: one open task."""
    operator = accounts.create_user("olga", "long-enough-pw", "operator")
    receipt = receiving.start("PO-1", location_id=stocked.main.id, actor_id=operator.id)
    receiving.add(receipt.id, stocked.bolt, qty=8, actor_id=operator.id)
    receiving.finish(receipt.id, actor_id=operator.id)
    return db.session.scalar(select(PutawayTask))


def bin_stock(api, bin_code: str) -> int:
    rows = api.get("/api/stock", sku="BOLT-M8", location="warehouse-main", bin=bin_code).get_json()["data"]
    return sum(r["on_hand"] for r in rows)


# --- put-away ----------------------------------------------------------------------------


def test_an_operator_lists_the_open_tasks_a_receipt_left(api_as, delivered):
    operator = api_as("operator")
    listed = operator.get("/api/putaway", locationId="warehouse-main").get_json()
    assert listed["meta"]["total"] == 1
    task = listed["data"][0]
    assert (task["sku"], task["from_bin"], task["quantity"], task["status"], task["receipt"]) == (
        "BOLT-M8",
        "RCV-01",
        8,
        "open",
        "RCV-000001",
    )
    assert task["suggested_bin"] == "A-01-01"  # holds BOLT-M8 already, no capacity set
    assert operator.get("/api/putaway", location="service-north").get_json()["data"] == []
    assert operator.get("/api/putaway", sku="NUT-M8").get_json()["data"] == []
    assert operator.get("/api/putaway", location="nowhere").status_code == 404
    assert (
        operator.get("/api/putaway", location="warehouse-main", locationId="service-north").status_code == 422
    )


def test_confirming_into_the_suggested_bin_moves_the_goods(api_as, delivered):
    operator = api_as("operator")
    done = operator.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01"})
    assert done.status_code == 200, done.get_json()
    answer = done.get_json()
    assert (answer["task"]["status"], answer["task"]["to_bin"], answer["task"]["quantity"]) == (
        "done",
        "A-01-01",
        8,
    )
    assert answer["rest"] is None
    assert (bin_stock(operator, "RCV-01"), bin_stock(operator, "A-01-01")) == (0, 38)
    assert operator.get("/api/putaway").get_json()["data"] == []

    before = written()
    again = operator.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01"})
    assert (again.status_code, error_code(again)) == (409, "already_put_away")
    assert written() == before


def test_a_partial_put_away_leaves_a_task_for_the_rest(api, delivered):
    done = api.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01", "quantity": 5}).get_json()
    assert done["task"]["quantity"] == 5
    assert (done["rest"]["quantity"], done["rest"]["status"], done["rest"]["from_bin"]) == (
        3,
        "open",
        "RCV-01",
    )
    assert [t["id"] for t in api.get("/api/putaway").get_json()["data"]] == [done["rest"]["id"]]
    assert (bin_stock(api, "RCV-01"), bin_stock(api, "A-01-01")) == (3, 35)


def test_the_floors_rules_refuse_a_wrong_bin_or_quantity_and_write_nothing(api, delivered):
    url = f"/api/putaway/{delivered.id}/confirm"
    before = written()
    other = api.post(url, {"bin": "A-01-02"})
    assert (other.status_code, error_code(other)) == (409, "wrong_bin")
    assert "not the suggested bin A-01-01" in other.get_json()["error"]["message"]
    receiving_bin = api.post(url, {"bin": "RCV-01", "reason": "other"})
    assert (receiving_bin.status_code, error_code(receiving_bin)) == (409, "wrong_bin")
    assert api.post(url, {"bin": "S-01-01"}).status_code == 404  # a bin of service-north, not here
    for quantity in (0, -2, 1_000_001, "3"):
        response = api.post(url, {"bin": "A-01-01", "quantity": quantity})
        assert (response.status_code, error_code(response)) == (422, "validation_failed"), quantity
    more = api.post(url, {"bin": "A-01-01", "quantity": 9})
    assert (more.status_code, error_code(more)) == (422, "invalid_posting")
    assert api.post(url, {"bin": "A-01-01", "reason": "lazy"}).status_code == 422
    assert api.post("/api/putaway/999999/confirm", {"bin": "A-01-01"}).status_code == 404
    assert api.post("/api/putaway/99999999999/confirm", {"bin": "A-01-01"}).status_code == 404
    assert written() == before
    with_reason = api.post(url, {"bin": "A-01-02", "reason": "closer_bin"})
    assert with_reason.get_json()["task"]["reason"] == "closer_bin"


def test_a_task_by_hand_covers_units_no_task_covers(api_as, stocked):
    rcv = stocked.bin(stocked.main, "RCV-01")
    receive(stocked.bolt, rcv, 7)  # counted onto the dock: no task
    operator = api_as("operator")
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 5}
    made = operator.post("/api/putaway", body)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["from_bin"], made.get_json()["quantity"], made.get_json()["receipt"]) == (
        "RCV-01",
        5,
        None,
    )

    before = written()
    too_many = operator.post("/api/putaway", {**body, "quantity": 3})
    assert (too_many.status_code, error_code(too_many)) == (409, "nothing_waiting_to_put_away")
    assert "Only 2 BOLT-M8 in RCV-01" in too_many.get_json()["error"]["message"]
    storage = operator.post("/api/putaway", {**body, "bin": "A-01-01", "quantity": 1})
    assert (storage.status_code, error_code(storage)) == (422, "not_a_receiving_bin")
    glue = operator.post("/api/putaway", {**body, "sku": "GLUE-50", "quantity": 1})
    assert glue.status_code == 422 and "lot-tracked" in glue.get_json()["error"]["message"]
    assert operator.post("/api/putaway", {**body, "lot": "L-9", "quantity": 1}).status_code == 404
    assert operator.post("/api/putaway", {**body, "bin": "Z-1", "quantity": 1}).status_code == 404
    for quantity in (0, -1, 1_000_001):
        assert operator.post("/api/putaway", {**body, "quantity": quantity}).status_code == 422
    assert written() == before
    assert operator.post("/api/putaway", {**body, "quantity": 2}).status_code == 201


def test_held_units_in_a_receiving_bin_wait_for_their_release_not_a_task(api, stocked):
    rcv = stocked.bin(stocked.main, "RCV-01")
    receive(stocked.bolt, rcv, 4)
    holds.place(stocked.bolt, rcv, 3, HoldReason.DAMAGED, actor_id=None)
    refused = api.post("/api/putaway", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 2})
    assert (refused.status_code, error_code(refused)) == (409, "nothing_waiting_to_put_away")
    assert (
        api.post("/api/putaway", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 1}).status_code
        == 201
    )


def test_a_narrowed_token_reads_but_does_not_put_away(api_as, delivered):
    reader = api_as("operator", scopes="inventory.read")
    assert reader.get("/api/putaway").status_code == 200
    before = written()
    refused = reader.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01"})
    assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    assert (
        reader.post(
            "/api/putaway", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 1}
        ).status_code
        == 403
    )
    assert written() == before


def test_another_organisations_task_is_not_found(api, delivered):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        dock = make_location("harbor-dock", bins=("RCV-01", "H-01"))
        fish = make_product("FISH-1")
        operator = accounts.create_user("hank", "long-enough-pw", "operator")
        receipt = receiving.start("PO-9", location_id=dock.id, actor_id=operator.id)
        receiving.add(receipt.id, fish, qty=2, actor_id=operator.id)
        receiving.finish(receipt.id, actor_id=operator.id)
        their_task = db.session.scalar(select(PutawayTask.id))
    before = written()
    assert api.post(f"/api/putaway/{their_task}/confirm", {"bin": "H-01"}).status_code == 404
    assert [t["id"] for t in api.get("/api/putaway").get_json()["data"]] == [delivered.id]
    assert written() == before
    with tenancy.acting_for(harbor.id):
        assert db.session.get(PutawayTask, their_task).status is TaskStatus.OPEN


def test_a_retried_confirm_or_new_task_writes_once(api, delivered, stocked):
    key = {"Idempotency-Key": "putaway-1"}
    first = api.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01", "quantity": 2}, headers=key)
    before = written()
    retry = api.post(f"/api/putaway/{delivered.id}/confirm", {"bin": "A-01-01", "quantity": 2}, headers=key)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.get_json() == first.get_json()
    assert written() == before
    receive(stocked.bolt, stocked.bin(stocked.main, "RCV-01"), 1)
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 1}
    made = api.post("/api/putaway", body, headers={"Idempotency-Key": "task-1"})
    again = api.post("/api/putaway", body, headers={"Idempotency-Key": "task-1"})
    assert (made.status_code, again.get_json()) == (201, made.get_json())
    assert db.session.scalar(select(func.count()).select_from(PutawayTask)) == 3  # done, rest, by hand


# --- lot control -------------------------------------------------------------------------


@pytest.fixture
def glue_lots(stocked):
    """GLUE-50 (lot- and expiry-tracked) in A-01-01: L-GOOD 10 (2099), L-OLD 4 (expired)."""
    a1 = stocked.bin(stocked.main, "A-01-01")
    good = make_lot(stocked.glue, "L-GOOD", date(2099, 12, 31))
    old = make_lot(stocked.glue, "L-OLD", date(2020, 1, 31))
    receive(stocked.glue, a1, 10, lot=good)
    receive(stocked.glue, a1, 4, lot=old)
    return dict(good=good, old=old, a1=a1)


def check(api, **params):
    response = api.get("/api/lot-control/validate", **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def codes(answer) -> list[tuple[str, str]]:
    return [(r["code"], r["severity"]) for r in answer["reasons"]]


def test_a_good_lot_is_ok_with_its_stock(api_as, glue_lots):
    operator = api_as("operator")
    answer = check(operator, sku="GLUE-50", lot="L-GOOD", location="warehouse-main")
    assert (answer["verdict"], answer["valid"], answer["reasons"]) == ("ok", True, [])
    assert (answer["lot_required"], answer["lot_exists"], answer["expired"], answer["on_hold"]) == (
        True,
        True,
        False,
        False,
    )
    assert (answer["expiry_date"], answer["on_hand"], answer["available"]) == ("2099-12-31", 10, 10)
    posted = operator.post(
        "/api/lot-control/validate", {"sku": "GLUE-50", "lot": "L-GOOD", "location": "warehouse-main"}
    )
    assert posted.status_code == 200 and posted.get_json() == answer
    by_alias = check(operator, sku="GLUE-50", lotId="L-GOOD", locationId="warehouse-main", binId="A-01-01")
    assert (by_alias["bin"], by_alias["on_hand"]) == ("A-01-01", 10)
    a1 = glue_lots["a1"]  # the catalogue names them by id
    by_ids = check(
        operator,
        sku="GLUE-50",
        lotId=str(glue_lots["good"].id),
        locationId=str(a1.location_id),
        binId=str(a1.id),
    )
    assert (by_ids["lot"], by_ids["location"], by_ids["bin"], by_ids["on_hand"]) == (
        "L-GOOD",
        "warehouse-main",
        "A-01-01",
        10,
    )
    assert check(operator, sku="BOLT-M8")["verdict"] == "ok"


def test_each_rule_says_why_a_lot_is_refused(api, glue_lots):
    assert codes(check(api, sku="GLUE-50")) == [("lot_required", "error")]
    assert codes(check(api, sku="BOLT-M8", lot="L-GOOD")) == [("lot_not_tracked", "error")]
    unknown = check(api, sku="GLUE-50", lot="L-NONE")
    assert (codes(unknown), unknown["lot_exists"]) == ([("lot_unknown", "error")], False)
    expired = check(api, sku="GLUE-50", lot="L-OLD")
    assert (expired["verdict"], codes(expired), expired["expired"]) == (
        "refused",
        [("lot_expired", "error")],
        True,
    )


def test_held_units_warn_and_a_lot_held_whole_is_refused(api, glue_lots, stocked):
    a1 = glue_lots["a1"]
    hold = holds.place(stocked.glue, a1, 3, HoldReason.QUARANTINE, lot=glue_lots["good"], actor_id=None)
    partly = check(api, sku="GLUE-50", lot="L-GOOD", location="warehouse-main")
    assert (partly["verdict"], partly["valid"], codes(partly)) == ("warning", True, [("lot_held", "warning")])
    assert (partly["held"], partly["available"], partly["on_hold"]) == (3, 7, True)
    assert [(h["number"], h["reason"], h["quantity_open"]) for h in partly["holds"]] == [
        (holds.number(hold), "quarantine", 3)
    ]
    assert check(api, sku="GLUE-50", lot="L-GOOD", location="service-north")["reasons"] == []
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    expiry.mark_expired(stocked.glue, a1, glue_lots["old"], actor_id=boss.id)
    whole = check(api, sku="GLUE-50", lot="L-OLD")
    assert codes(whole) == [("lot_expired", "error"), ("lot_held", "error")]


def test_bad_lot_questions_are_refused(api, glue_lots):
    before = written()
    assert api.get("/api/lot-control/validate", sku="NOPE", lot="L-1").status_code == 404
    assert api.get("/api/lot-control/validate", sku="GLUE-50", location="nowhere").status_code == 404
    assert (
        api.get("/api/lot-control/validate", sku="GLUE-50", location="warehouse-main", bin="Z-1").status_code
        == 404
    )
    assert api.get("/api/lot-control/validate", sku="GLUE-50", bin="A-01-01").status_code == 422
    assert api.get("/api/lot-control/validate", lot="L-GOOD").status_code == 422
    assert api.get("/api/lot-control/validate", sku="GLUE-50", lot="A", lotId="B").status_code == 422
    assert api.post("/api/lot-control/validate", {"sku": "GLUE-50", "bin": "A-01-01"}).status_code == 422
    assert api.post("/api/lot-control/validate", {"sku": "GLUE-50", "batch": "x"}).status_code == 422
    assert written() == before


def test_the_post_only_reads_and_a_key_stores_nothing(api, glue_lots):
    before = written()
    key = {"Idempotency-Key": "lot-1"}
    first = api.post("/api/lot-control/validate", {"sku": "GLUE-50", "lot": "L-GOOD"}, headers=key)
    second = api.post("/api/lot-control/validate", {"sku": "GLUE-50", "lot": "L-GOOD"}, headers=key)
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second.headers
    assert written() == before


LOT_COUNTED = 3389  # GLUE-50 lot L-GOOD in A-01-02 while A-01-02 is being counted


def test_a_lot_in_a_bin_being_counted_is_answered_without_its_figures_to_operators(
    api, api_as, glue_lots, stocked
):
    a2 = stocked.bin(stocked.main, "A-01-02")
    receive(stocked.glue, a2, LOT_COUNTED, lot=glue_lots["good"])
    holds.place(stocked.glue, a2, 11, HoldReason.QUALITY, lot=glue_lots["good"], actor_id=None)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    counts.create(stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    operator = api_as("operator")
    secrets = (LOT_COUNTED, LOT_COUNTED + 10, LOT_COUNTED - 11, LOT_COUNTED + 10 - 11)
    for params in ({}, {"location": "warehouse-main"}, {"location": "warehouse-main", "bin": "A-01-02"}):
        answer = check(operator, sku="GLUE-50", lot="L-GOOD", **params)
        assert answer["being_counted"] is True and answer["on_hand"] is None and answer["available"] is None
        assert answer["holds"][0]["quantity_open"] is None
        assert answer["verdict"] == "warning"  # the yes/no answers stay
        for secret in secrets:
            no_secret(answer, secret)
    elsewhere = check(operator, sku="GLUE-50", lot="L-GOOD", location="warehouse-main", bin="A-01-01")
    assert (elsewhere["on_hand"], "being_counted" in elsewhere) == (10, False)
    supervisor = check(api, sku="GLUE-50", lot="L-GOOD")
    assert (supervisor["on_hand"], supervisor["being_counted"]) == (LOT_COUNTED + 10, True)


def test_whether_a_held_lot_in_a_bin_being_counted_is_all_held_is_not_told_to_operators(
    api, api_as, glue_lots, stocked
):
    """All of the lot held in a bin being counted: a supervisor is told none of it is free
    (an error); an operator gets the same warning as when part of it is free, since the
    difference would say whether the bin holds more than the hold."""
    a2 = stocked.bin(stocked.main, "A-01-02")
    receive(stocked.glue, a2, 7, lot=glue_lots["good"])
    holds.place(stocked.glue, a2, 7, HoldReason.QUALITY, lot=glue_lots["good"], actor_id=None)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    counts.create(stocked.main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    asked = dict(sku="GLUE-50", lot="L-GOOD", location="warehouse-main", bin="A-01-02")
    assert codes(check(api, **asked)) == [("lot_held", "error")]
    operator = check(api_as("operator"), **asked)
    assert codes(operator) == [("lot_held", "warning")] and operator["verdict"] == "warning"
    assert "being counted" in operator["reasons"][0]["message"]
