"""Stock requests through the API with tokens narrowed to each permission, and the floor
screens that move the transfer an approval makes.

The worked example first: service-north asks for 12 BOLT-M8; a supervisor approves it
into a transfer from warehouse-main; an operator there picks and ships it on the
handheld; an operator at service-north receives it; the request shows fulfilled."""

import json

import pytest
from sqlalchemy import func, select

from tests.api.conftest import Api, error_code, user
from tests.conftest import PASSWORD, csrf_token
from tests.factories import make_location, make_product
from warehouse import accounts, counts, ledger
from warehouse.catalog.models import NO_LOT, LocationType
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, MovementType, Posting
from warehouse.stock_requests.models import StockRequest, StockRequestEvent
from warehouse.transfers.models import Transfer

ASK = "stockrequests.read stockrequests.write"
DECIDE = "stockrequests.read stockrequests.approve"
HX = {"HX-Request": "true"}


@pytest.fixture
def people(client, stocked):
    """olga asks for service-north (an operator there), sam decides (a supervisor), piet
    picks at warehouse-main and rita receives at service-north (operators)."""
    olga, sam = user("operator", "olga"), user("supervisor", "sam")
    piet, rita = user("operator", "piet"), user("operator", "rita")
    accounts.set_location(olga, stocked.north.id)
    accounts.set_location(piet, stocked.main.id)
    accounts.set_location(rita, stocked.north.id)
    return dict(
        asker=Api(client, accounts.create_token(olga, name="ask", scopes=ASK)),
        decider=Api(client, accounts.create_token(sam, name="decide", scopes=DECIDE)),
        olga=olga,
        sam=sam,
        site=stocked,
    )


def new_request(api, qty=12, **extra):
    body = {"location": "service-north", "lines": [{"sku": "BOLT-M8", "quantity": qty}], **extra}
    created = api.post("/api/stock-requests", body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def submitted(api, qty=12, **extra):
    request = new_request(api, qty, **extra)
    answer = api.post(f"/api/stock-requests/{request['id']}/submit")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# --- the floor, as the handheld sends it -----------------------------------------------


def sign_in(client, username):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    token = csrf_token(client, "/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302


def scan(client, screen, code, n=[0]):  # noqa: B006 - one counter for unique scan ids
    n[0] += 1
    answer = client.post(
        screen,
        headers=HX,
        data={"csrf_token": csrf_token(client, screen), "scan": code, "scan_id": f"e2e-{n[0]}"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


def press(client, screen, action):
    answer = client.post(f"{screen}/{action}", headers=HX, data={"csrf_token": csrf_token(client, screen)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


# --- the worked example -----------------------------------------------------------------


def test_a_request_is_asked_approved_into_a_transfer_moved_on_the_floor_and_fulfilled(client, people):
    asker, decider = people["asker"], people["decider"]

    # olga asks for 12 BOLT-M8 for service-north and submits it.
    request = submitted(asker, 12, department="Workshop", category="maintenance")
    path = f"/api/stock-requests/{request['id']}"
    assert request["number"] == "SR-000001" and request["status"] == "submitted"
    assert request["requester"] == "Workshop at service-north" and request["suggestion"] is None

    # Her token may not decide; sam's may, and is told where to send it from and why.
    refused = asker.post(f"{path}/approve", {"fulfil_as": "transfer"})
    assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    suggestion = decider.get(path).get_json()["suggestion"]
    assert suggestion["source_location"] == "warehouse-main" and suggestion["units_available"] == 12
    assert "the most of what is asked available" in suggestion["why"]

    # sam approves: a transfer from the suggested source, approved (reserved) at once.
    approved = decider.post(f"{path}/approve", {"fulfil_as": "transfer"}).get_json()
    assert approved["status"] == "approved" and approved["source_location"] == "warehouse-main"
    transfer = approved["transfer"]
    assert transfer["status"] == "approved" and transfer["number"] == "TR-000001"

    # piet picks it at warehouse-main on the handheld and ships it.
    sign_in(client, "piet")
    pick = f"/floor/pick/{transfer['id']}"
    assert "Bin A-01-01. Scan the item." in scan(client, pick, "warehouse-main:A-01-01")
    scan(client, pick, "x12")
    assert "BOLT-M8" in scan(client, pick, "BOLT-M8")
    press(client, pick, "ship")
    assert asker.get(path).get_json()["transfer"]["status"] == "in_transit"
    assert asker.get(path).get_json()["status"] == "approved"  # on its way, not yet there

    # rita counts it in at service-north and finishes the receive.
    sign_in(client, "rita")
    arrive = f"/floor/transfer-receive/{transfer['id']}"
    scan(client, arrive, "x12")
    assert "12 of 12 shipped" in scan(client, arrive, "BOLT-M8")
    assert "Received TR-000001" in press(client, arrive, "finish")

    # The request followed its transfer: fulfilled, with every step in its history.
    done = asker.get(path).get_json()
    assert done["status"] == "fulfilled" and done["fulfilled_at"] is not None
    history = asker.get(f"{path}/status").get_json()["history"]
    assert [(h["from_status"], h["to_status"], h["by"]) for h in history] == [
        (None, "draft", "olga"),
        ("draft", "submitted", "olga"),
        ("submitted", "approved", "sam"),
        ("approved", "fulfilled", "rita"),
    ]
    assert (
        history[2]["note"] == "as TR-000001 from warehouse-main"
        and history[3]["note"] == "TR-000001 received"
    )
    site = people["site"]
    assert ledger.balance(site.bolt.id, site.bin(site.north, "RCV-01").id, NO_LOT) == (12, 0, 0)
    assert ledger.balance(site.bolt.id, site.bin(site.main, "A-01-01").id, NO_LOT) == (18, 0, 0)


# --- the requester's steps --------------------------------------------------------------


def _written() -> tuple[int, int, int, int]:
    """Requests, history rows, transfers, movements: what a refusal must leave alone."""
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (StockRequest, StockRequestEvent, Transfer, Movement)
    )


def test_a_draft_is_edited_then_submitted_and_rolled_back_before_a_decision(people):
    asker = people["asker"]
    request = new_request(asker, 3, note="for the van")
    path = f"/api/stock-requests/{request['id']}"
    added = asker.post(f"{path}/lines", {"sku": "9506000134352", "quantity": 1})  # BOLT-M8's barcode
    assert (added.status_code, error_code(added)) == (422, "sku_already_requested")
    assert "Change that line's quantity instead" in added.get_json()["error"]["message"]
    assert asker.post(f"{path}/lines", {"sku": "NUT-M8", "quantity": 4, "note": "M8"}).status_code == 201
    changed = asker.patch(path, {"category": "consumables", "location": None, "department": "Cleaning"})
    assert changed.status_code == 200, changed.get_json()
    changed = changed.get_json()
    assert (changed["category"], changed["location"], changed["requester"]) == (
        "consumables",
        None,
        "Cleaning",
    )
    assert [(l["sku"], l["quantity"]) for l in asker.get(f"{path}/lines").get_json()["data"]] == [
        ("BOLT-M8", 3),
        ("NUT-M8", 4),
    ]
    nobody = asker.patch(path, {"department": None})
    assert (nobody.status_code, error_code(nobody)) == (422, "requester_unnamed")

    assert asker.post(f"{path}/submit").get_json()["status"] == "submitted"
    frozen = asker.post(f"{path}/lines", {"sku": "GLUE-50", "quantity": 1})
    assert (frozen.status_code, error_code(frozen)) == (409, "stock_request_wrong_state")
    assert "Roll it back to draft first" in frozen.get_json()["error"]["message"]
    back = asker.post(f"{path}/rollback").get_json()
    assert back["status"] == "draft" and back["submitted_at"] is None
    replaced = asker.patch(path, {"lines": [{"sku": "NUT-M8", "quantity": 9}]}).get_json()
    assert [(l["sku"], l["quantity"]) for l in replaced["lines"]] == [("NUT-M8", 9)]
    status = asker.get(f"{path}/status").get_json()
    assert status["next"] == ["submitted", "cancelled"]
    assert [h["to_status"] for h in status["history"]] == ["draft", "submitted", "draft"]


def test_an_empty_draft_is_not_submitted_and_a_refusal_writes_nothing(people):
    asker = people["asker"]
    request = new_request(asker, 1)
    path = f"/api/stock-requests/{request['id']}"
    asker.patch(path, {"lines": []})
    before = _written()
    empty = asker.post(f"{path}/submit")
    assert (empty.status_code, error_code(empty)) == (422, "stock_request_empty")
    assert "Add at least one SKU" in empty.get_json()["error"]["message"]
    wrong = asker.post(f"{path}/rollback")
    assert (wrong.status_code, error_code(wrong)) == (409, "stock_request_wrong_state")
    assert _written() == before


def test_a_withdrawn_request_is_kept_as_cancelled_and_moves_no_further(people):
    asker = people["asker"]
    request = submitted(asker, 2)
    path = f"/api/stock-requests/{request['id']}"
    gone = asker.client.delete(path, headers=asker.headers())
    assert gone.status_code == 200 and gone.get_json()["status"] == "cancelled"
    again = asker.post(f"{path}/status", {"status": "submitted"})
    assert (again.status_code, error_code(again)) == (409, "stock_request_wrong_state")
    assert asker.get(path).get_json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lines": [{"sku": "BOLT-M8", "quantity": 0}], "location": "service-north"}, "lines.0.quantity"),
        ({"location": "service-north", "category": "snacks"}, "category"),
        ({"location": "service-north", "department": "x" * 101}, "department"),
        ({"location": "service-north", "lines": [{"sku": "BOLT-M8", "quantity": "5"}]}, "lines.0.quantity"),
    ],
)
def test_a_bad_request_body_names_the_field_and_writes_nothing(people, body, field):
    before = _written()
    answer = people["asker"].post("/api/stock-requests", body)
    assert (answer.status_code, error_code(answer)) == (422, "validation_failed")
    assert field in answer.get_json()["error"]["details"]["fields"]
    assert _written() == before


def test_who_asks_must_be_named_and_a_place_must_be_workable(people):
    asker = people["asker"]
    nobody = asker.post("/api/stock-requests", {"lines": []})
    assert (nobody.status_code, error_code(nobody)) == (422, "requester_unnamed")
    make_location("TRANSIT-2", LocationType.TRANSIT, ("T",))
    transit = asker.post("/api/stock-requests", {"location": "TRANSIT-2"})
    assert transit.status_code == 422 and "not transit" in transit.get_json()["error"]["message"]
    unknown = asker.post("/api/stock-requests", {"location": "nowhere"})
    assert unknown.status_code == 404


# --- deciding ---------------------------------------------------------------------------


def test_nobody_approves_their_own_request_and_nothing_is_written(client, people):
    own = Api(client, accounts.create_token(people["sam"], name="own"))  # sam asks too
    request = submitted(own, 2)
    before = _written()
    for step, body in (("approve", {"fulfil_as": "transfer"}), ("reject", {"reason": "mine"})):
        refused = own.post(f"/api/stock-requests/{request['id']}/{step}", body)
        assert (refused.status_code, error_code(refused)) == (403, "four_eyes")
        assert "someone else approves or rejects it" in refused.get_json()["error"]["message"]
    assert _written() == before
    pending = own.get("/api/stock-requests/pending-approvals").get_json()
    assert pending["meta"]["total"] == 0  # sam's own request does not wait for sam
    waiting = people["decider"].get("/api/stock-requests/pending-approvals").get_json()
    assert waiting["meta"]["total"] == 0  # the same person behind another token
    boss = Api(client, accounts.create_token(user("admin", "ada"), name="ada"))
    assert [r["number"] for r in boss.get("/api/stock-requests/pending-approvals").get_json()["data"]] == [
        request["number"]
    ]


def test_an_operators_token_cannot_approve_even_unnarrowed(client, people):
    request = submitted(people["asker"], 2)
    operator = Api(client, accounts.create_token(user("operator", "otto"), name="otto"))
    refused = operator.post(f"/api/stock-requests/{request['id']}/approve", {"fulfil_as": "issue"})
    assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    assert refused.get_json()["error"]["details"] == {"permission": "stockrequests.approve"}
    assert operator.get("/api/stock-requests/pending-approvals").status_code == 403


def test_a_double_approve_makes_one_transfer_and_a_replay_answers_the_first(people):
    asker, decider = people["asker"], people["decider"]
    request = submitted(asker, 5)
    path = f"/api/stock-requests/{request['id']}/approve"
    body = {"fulfil_as": "transfer", "source_location": "warehouse-main"}
    first = decider.post(path, body, headers={"Idempotency-Key": "approve-1"})
    replay = decider.post(path, body, headers={"Idempotency-Key": "approve-1"})
    assert first.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == first.get_data()
    twice = decider.post(path, body)
    assert (twice.status_code, error_code(twice)) == (409, "stock_request_wrong_state")
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_approving_from_a_source_without_the_stock_writes_nothing(people):
    request = submitted(people["asker"], 30)
    path = f"/api/stock-requests/{request['id']}/approve"
    make_location("east")
    before = _written()
    short = people["decider"].post(path, {"fulfil_as": "transfer", "source_location": "east"})
    assert (short.status_code, error_code(short)) == (409, "insufficient_stock")
    assert "Not enough BOLT-M8 at east" in short.get_json()["error"]["message"]
    same = people["decider"].post(path, {"fulfil_as": "transfer", "source_location": "service-north"})
    assert (same.status_code, error_code(same)) == (422, "invalid_posting")
    assert _written() == before
    assert people["asker"].get(f"/api/stock-requests/{request['id']}").get_json()["status"] == "submitted"


def test_an_issue_from_stock_posts_where_the_units_went_and_fulfils_at_once(people):
    request = submitted(people["asker"], 35, location=None, department="Maintenance")
    path = f"/api/stock-requests/{request['id']}"
    decider = people["decider"]
    no_place = decider.post(f"{path}/approve", {"fulfil_as": "transfer"})
    assert (no_place.status_code, error_code(no_place)) == (422, "no_destination")
    assert decider.get(path).get_json()["suggestion"]["source_location"] == "warehouse-main"

    done = decider.post(f"{path}/approve", {"fulfil_as": "issue"}).get_json()
    assert (done["status"], done["fulfilment"], done["source_location"]) == (
        "fulfilled",
        "issue",
        "warehouse-main",
    )
    assert done["issue_reference"] == "stock_request:SR-000001"
    moved = db.session.scalars(select(Movement).where(Movement.reference_id == "SR-000001")).all()
    assert {(m.type, m.reference_type, m.qty) for m in moved} == {
        (MovementType.FULFILL, "stock_request", -30),  # the fuller bin first
        (MovementType.FULFILL, "stock_request", -5),
    }
    posting = db.session.get(Posting, moved[0].posting_id)
    assert posting.note == "Issued from warehouse-main to Maintenance for SR-000001."
    history = people["asker"].get(f"{path}/status").get_json()["history"]
    assert [h["to_status"] for h in history][-2:] == ["approved", "fulfilled"]


def test_an_issue_larger_than_the_stock_is_refused_whole(people):
    request = submitted(people["asker"], 41, location=None, department="Maintenance")
    before = _written()
    short = people["decider"].post(
        f"/api/stock-requests/{request['id']}/approve",
        {"fulfil_as": "issue", "source_location": "warehouse-main"},
    )
    assert (short.status_code, error_code(short)) == (409, "insufficient_stock")
    assert "available 40, requested 41" in short.get_json()["error"]["message"]
    assert _written() == before


def test_a_rejection_needs_a_reason_and_is_final(people):
    request = submitted(people["asker"], 2)
    path = f"/api/stock-requests/{request['id']}"
    blank = people["decider"].post(f"{path}/reject", {"reason": "   "})
    assert (blank.status_code, error_code(blank)) == (422, "reason_required")
    no = people["decider"].post(f"{path}/reject", {"reason": "Use the van's spares first."}).get_json()
    assert (no["status"], no["reject_reason"], no["decided_by"]) == (
        "rejected",
        "Use the van's spares first.",
        "sam",
    )
    late = people["asker"].post(f"{path}/rollback")
    assert (late.status_code, error_code(late)) == (409, "stock_request_wrong_state")


def test_a_cancelled_transfer_sends_the_request_back_for_a_new_decision(client, people):
    request = submitted(people["asker"], 4)
    path = f"/api/stock-requests/{request['id']}"
    transfer = people["decider"].post(f"{path}/approve", {"fulfil_as": "transfer"}).get_json()["transfer"]
    boss = Api(client, accounts.create_token(people["sam"], name="transfers"))
    assert boss.patch(f"/api/transfers/{transfer['id']}", {"status": "cancelled"}).status_code == 200
    back = people["asker"].get(path).get_json()
    assert (back["status"], back["transfer"], back["fulfilment"]) == ("submitted", None, None)
    last = people["asker"].get(f"{path}/status").get_json()["history"][-1]
    assert (last["from_status"], last["to_status"], last["note"]) == (
        "approved",
        "submitted",
        "TR-000001 cancelled: decide again",
    )
    again = people["decider"].post(f"{path}/approve", {"fulfil_as": "issue"}).get_json()
    assert again["status"] == "fulfilled"


# --- comments, lists, numbers -----------------------------------------------------------


def test_comments_are_kept_in_order_in_any_status(client, people):
    request = submitted(people["asker"], 1)
    path = f"/api/stock-requests/{request['id']}"
    assert people["asker"].post(f"{path}/comment", {"text": "Needed by Friday"}).status_code == 201
    people["decider"].post(f"{path}/reject", {"reason": "Friday is fine from stock at north"})
    narrow = people["decider"].post(f"{path}/comment", {"text": "Ask again Monday"})
    assert narrow.status_code == 403  # a comment is a write: stockrequests.write
    sam = Api(client, accounts.create_token(people["sam"], name="all of sam's role"))
    assert sam.post(f"{path}/comment", {"text": "Ask again Monday"}).status_code == 201
    blank = people["asker"].post(f"{path}/comment", {"text": " "})
    assert (blank.status_code, error_code(blank)) == (422, "comment_empty")
    said = people["asker"].get(f"{path}/comments").get_json()["data"]
    assert [(c["by"], c["text"]) for c in said] == [("olga", "Needed by Friday"), ("sam", "Ask again Monday")]


def test_the_list_filters_and_the_dashboard_counts_by_status_and_category(people):
    asker, decider = people["asker"], people["decider"]
    submitted(asker, 1, category="maintenance")
    new_request(asker, 1, category="consumables", location=None, department="Cleaning")
    rejected = submitted(asker, 1)
    decider.post(f"/api/stock-requests/{rejected['id']}/reject", {"reason": "no"})

    def numbers(**query):
        return [r["number"] for r in asker.get("/api/stock-requests", **query).get_json()["data"]]

    assert numbers() == ["SR-000003", "SR-000002", "SR-000001"]
    assert numbers(status="submitted") == ["SR-000001"]
    assert numbers(category="consumables", department="cleaning") == ["SR-000002"]
    assert numbers(location="service-north", mine="true") == ["SR-000003", "SR-000001"]
    assert numbers(requested_by="sam") == [] and numbers(number="sr-000003") == ["SR-000003"]
    assert asker.get("/api/stock-requests", status="lost").status_code == 422

    board = asker.get("/api/stock-requests/dashboard").get_json()
    assert board["total"] == 3 and board["pending_approvals"] == 1 and board["waiting_since"]
    assert board["by_status"] == {
        "draft": 1,
        "submitted": 1,
        "approved": 0,
        "rejected": 1,
        "fulfilled": 0,
        "cancelled": 0,
    }
    assert board["by_category"]["maintenance"] == 1 and board["by_category"]["replenishment"] == 1
    rows = {r["category"]: r for r in asker.get("/api/stock-requests/by-category").get_json()["data"]}
    assert rows["replenishment"]["by_status"]["rejected"] == 1 and rows["project"]["total"] == 0
    options = asker.get("/api/stock-requests/filters").get_json()
    assert options["locations"] == [{"code": "service-north", "name": "Service North"}]
    assert options["departments"] == ["Cleaning"] and options["requesters"] == ["olga"]
    assert "fulfilled" in options["statuses"] and "maintenance" in options["categories"]


def test_the_product_search_finds_active_skus_by_sku_name_or_barcode(people):
    asker = people["asker"]
    gone = make_product("BOLT-OLD")
    gone.active = False
    db.session.commit()

    def found(q, **more):
        return [
            p["sku"] for p in asker.get("/api/stock-requests/products/search", q=q, **more).get_json()["data"]
        ]

    assert found("bolt") == ["BOLT-M8"]  # BOLT-OLD is inactive
    assert found("Item N") == ["NUT-M8"] and found("950600013") == ["BOLT-M8"]
    hit = asker.get("/api/stock-requests/products/search", q="BOLT", location="warehouse-main").get_json()
    assert (hit["data"][0]["available"], hit["data"][0]["location"]) == (40, "warehouse-main")
    assert asker.get("/api/stock-requests/products/search").status_code == 422  # q is required


def test_the_stocklist_is_the_callers_location_and_blind_while_counting(client, people):
    site, asker = people["site"], people["asker"]
    rows = asker.get("/api/stock-requests/products/stocklist").get_json()["data"]  # olga: north
    assert [(r["sku"], r["on_hand"], r["available"]) for r in rows] == [("BOLT-M8", 5, 5)]
    main = asker.get("/api/stock-requests/products/stocklist", location="warehouse-main").get_json()["data"]
    assert (main[0]["on_hand"], main[0]["being_counted"]) == (40, False)

    counts.create(site.main.id, counts.Selection(skus=("BOLT-M8",)), actor_id=people["sam"].id)
    blind = asker.get("/api/stock-requests/products/stocklist", location="warehouse-main").get_json()["data"]
    assert (blind[0]["on_hand"], blind[0]["available"], blind[0]["being_counted"]) == (None, None, True)
    searched = asker.get(
        "/api/stock-requests/products/search", q="BOLT", location="warehouse-main"
    ).get_json()
    assert (searched["data"][0]["available"], searched["data"][0]["being_counted"]) == (None, True)
    boss = Api(client, accounts.create_token(people["sam"], name="sees"))
    seen = boss.get("/api/stock-requests/products/stocklist", location="warehouse-main").get_json()["data"]
    assert (seen[0]["on_hand"], seen[0]["being_counted"]) == (40, True)

    nowhere = Api(client, accounts.create_token(user("operator", "newbie"), name="new", scopes=ASK))
    unplaced = nowhere.get("/api/stock-requests/products/stocklist")
    assert unplaced.status_code == 422 and "?location=" in unplaced.get_json()["error"]["message"]


def test_numbers_count_per_organisation_and_the_receive_is_the_only_stock_move(people):
    request = submitted(people["asker"], 3)
    assert request["number"] == "SR-000001"
    people["decider"].post(f"/api/stock-requests/{request['id']}/approve", {"fulfil_as": "transfer"})
    reserved = db.session.scalars(select(Movement).where(Movement.reference_id == "TR-000001")).all()
    assert {m.type for m in reserved} == {MovementType.RESERVE}  # approving reserves, moves nothing yet


def test_every_stock_request_endpoint_is_documented_with_valid_examples():
    from warehouse.api.spec import OPERATIONS

    ours = [op for op in OPERATIONS if op.rule.startswith("/stock-requests")]
    assert len(ours) == 21
    for op in ours:
        assert op.summary and op.tag == "stock requests" and op.permission.startswith("stockrequests."), (
            op.rule
        )
        if op.body is not None:
            assert op.example is not None, op.rule
            op.body.model_validate_json(json.dumps(op.example))
        if op.answer is not None:
            op.response.model_validate_json(json.dumps(op.answer))
    writes = {(op.method, op.rule) for op in ours if op.writes}
    assert len(writes) == 10


def test_an_approved_request_is_not_submitted_again_while_its_transfer_is_live(people):
    """Submitting again would leave the first transfer holding its reservation while a
    second decision made another: an approved request moves on only with its transfer."""
    asker, decider = people["asker"], people["decider"]
    path = f"/api/stock-requests/{submitted(asker, 5)['id']}"
    assert decider.post(f"{path}/approve", {"fulfil_as": "transfer"}).status_code == 200
    before = _written()
    for step in ("submit", "rollback"):
        refused = asker.post(f"{path}/{step}")
        assert (refused.status_code, error_code(refused)) == (409, "stock_request_wrong_state"), step
    by_status = asker.post(f"{path}/status", {"status": "submitted"})
    assert by_status.status_code == 409
    assert asker.get(f"{path}/status").get_json()["next"] == []
    assert _written() == before


def test_only_the_requester_changes_a_request_so_an_editor_cannot_approve_their_own_words(client, people):
    """A supervisor who could rewrite an operator's draft could then approve what they wrote
    themselves: only the person who asked changes, submits or rolls back a request."""
    asker = people["asker"]
    boss = Api(client, accounts.create_token(people["sam"], name="all of sam's"))
    path = f"/api/stock-requests/{new_request(asker, 2)['id']}"
    before = _written()
    for method, step, body in (
        ("patch", "", {"note": "make it 500"}),
        ("post", "/lines", {"sku": "NUT-M8", "quantity": 500}),
        ("post", "/submit", None),
    ):
        refused = getattr(boss, method)(f"{path}{step}", body)
        assert (refused.status_code, error_code(refused)) == (403, "not_the_requester"), step
        assert "Comment on it" in refused.get_json()["error"]["message"]
    assert _written() == before
    assert asker.post(f"{path}/submit").get_json()["status"] == "submitted"
    assert boss.post(f"{path}/approve", {"fulfil_as": "transfer"}).status_code == 200
