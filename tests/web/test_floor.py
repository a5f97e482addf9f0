"""Floor endpoints through the test client: each works as a plain form post (scripts off:
the whole page) and as an htmx request (only the step region), with Vary: HX-Request."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts
from warehouse.accounts.models import User
from warehouse.catalog.models import Location, LocationType, ProductBarcode
from warehouse.core.extensions import db
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask, Receipt
from warehouse.ledger.models import Movement

HX = {"HX-Request": "true"}


@pytest.fixture
def floor(app, client, auth):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    bolt = make_product("BOLT-M8", gtin="9506000134352")
    glue = make_product("GLUE-50", gtin="9506000100050", lot_tracked=True, expiry_tracked=True)
    auth.login("operator")
    accounts.set_location(db.session.scalar(select(User).where(User.username == "operator")), main.id)
    return main, bolt, glue


def post(client, path, htmx=False, **data):
    data.setdefault("csrf_token", csrf_token(client, "/floor/"))
    return client.post(path, data=data, headers=HX if htmx else {})


def assert_full_page(response):
    body = response.get_data(as_text=True)
    assert "<html" in body and "HX-Request" in response.headers["Vary"]
    return body


def assert_fragment(response):
    body = response.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="step"')
    assert "HX-Request" in response.headers["Vary"]
    return body


def test_floor_home_asks_for_the_location_once_then_shows_the_big_buttons(client, auth, app):
    make_location("warehouse-main")
    auth.login("operator")
    first = client.get("/floor/").get_data(as_text=True)
    assert "Start here" in first and "Put away" not in first
    assert client.get("/floor/receive").headers["Location"].endswith("/floor/")
    location_id = db.session.scalar(select(func.min(User.id)))  # any valid id will do below
    token = csrf_token(client, "/floor/")
    client.post("/floor/location", data={"location": 1, "csrf_token": token})
    home = client.get("/floor/").get_data(as_text=True)
    assert "Working at" in home and "Receive" in home and "Look up" in home and location_id


def test_the_location_choice_offers_warehouses_first_and_never_transit(client, auth, app):
    make_location("returns", LocationType.RETURNS, bins=("RET-01",))
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    make_location("warehouse-main")
    auth.login("operator")
    page = client.get("/floor/").get_data(as_text=True)
    offered = re.findall(r"<option[^>]*>([^<]+)</option>", page)
    assert offered == ["Warehouse Main (warehouse-main)", "Returns (returns)"]
    token = csrf_token(client, "/floor/")
    transit_id = db.session.scalar(select(Location.id).where(Location.code == "transit"))
    client.post("/floor/location", data={"location": transit_id, "csrf_token": token})
    assert db.session.scalar(select(User.location_id).where(User.username == "operator")) is None


@pytest.mark.parametrize("htmx", [False, True])
def test_look_up_shows_a_products_stock_or_a_bins_contents(client, floor, htmx):
    main, bolt, _ = floor
    receive(bolt, next(b for b in main.bins if b.code == "A-01-01"), 7)
    check = assert_fragment if htmx else assert_full_page
    by_gtin = check(post(client, "/floor/lookup", htmx, scan="9506000134352\r\n"))
    assert 'data-result="ok"' in by_gtin and "warehouse-main / A-01-01" in by_gtin
    by_bin = check(post(client, "/floor/lookup", htmx, scan="warehouse-main:A-01-01"))
    assert "BOLT-M8" in by_bin and "on hand 7" in by_bin
    unknown = post(client, "/floor/lookup", htmx, scan="NOPE-123")
    assert unknown.status_code == 404 and "Unknown code NOPE-123" in check(unknown)


@pytest.mark.parametrize("htmx", [False, True])
def test_receiving_by_scans_then_finishing_makes_put_away_tasks(client, floor, htmx):
    main, bolt, glue = floor
    check = assert_fragment if htmx else assert_full_page
    started = post(client, "/floor/receive", htmx, scan="PO-77", key="start-1")
    check(started)
    receipt = db.session.scalar(select(Receipt))
    assert receipt.reference == "PO-77"
    url = f"/floor/receive/{receipt.id}"

    post(client, url, htmx, scan="BOLT-M8")
    body = check(post(client, url, htmx, scan="9506000134352"))
    assert "+1 BOLT-M8: now 2." in body
    # A typed number sets the count of the item it follows, once.
    assert "Count set: 5 x BOLT-M8" in check(post(client, url, htmx, scan="5"))
    assert "Scan the item first" in check(post(client, url, htmx, scan="6"))

    # The screen itself remembers what it asked for: the page echoes nothing back.
    asks_lot = check(post(client, url, htmx, scan="GLUE-50"))
    assert "lot-tracked. Scan or type the lot" in asks_lot and "Scan or type the lot</label>" in asks_lot
    asks_expiry = check(post(client, url, htmx, scan="L-9"))
    assert "Type the expiry date of lot L-9" in asks_expiry
    assert "not a date" in check(post(client, url, htmx, scan="soon"))
    added = check(post(client, url, htmx, scan="2027-03-31"))
    assert "+1 GLUE-50 lot L-9: now 1." in added

    finished = check(post(client, f"{url}/finish", htmx))
    assert "2 put-away task(s) ready" in finished
    again = check(post(client, f"{url}/finish", htmx))
    assert "already finished" in again
    assert db.session.scalar(select(func.count()).select_from(PutawayTask)) == 2
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 2


def test_the_receive_start_is_idempotent_per_form(client, floor):
    post(client, "/floor/receive", scan="PO-1", key="same")
    post(client, "/floor/receive", scan="PO-1", key="same")
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1


@pytest.mark.parametrize(
    "scan, message, status",
    [
        ("", "Scan an item", 422),
        ("X" * 201, "too long", 422),
        ("NOPE", "Unknown code NOPE", 404),
        ("warehouse-main:A-01-01", "not an item", 422),
        ("0", "Scan the item first", 422),
        ("-3", "below zero", 422),
        ("12.5", "not a whole number", 422),
        ("9999999", "more than 1,000,000", 422),
        ("x0", "counts nothing", 422),
    ],
)
def test_bad_receive_scans_say_what_to_do_and_count_nothing(client, floor, scan, message, status):
    receipt = receiving.start("PO-9", location_id=floor[0].id, actor_id=1)
    response = post(client, f"/floor/receive/{receipt.id}", True, scan=scan)
    body = assert_fragment(response)
    assert message in body and 'data-result="error"' in body
    assert response.status_code == status
    assert receiving.get(receipt.id).lines == []


@pytest.mark.parametrize("htmx", [False, True])
def test_put_away_by_scanning_the_item_then_the_suggested_bin(client, floor, htmx):
    main, bolt, _ = floor
    receipt = receiving.start("PO-5", location_id=main.id, actor_id=1)
    receiving.add(receipt.id, bolt, qty=4)
    receiving.finish(receipt.id, actor_id=1)
    check = assert_fragment if htmx else assert_full_page

    listed = check(client.get("/floor/putaway", headers=HX if htmx else {}))
    assert "4 x BOLT-M8" in listed
    task_screen = check(post(client, "/floor/putaway", htmx, scan="9506000134352"))
    assert "take to A-01-01" in task_screen
    task = db.session.scalar(select(PutawayTask))

    wrong = post(client, f"/floor/putaway/{task.id}", htmx, scan="warehouse-main:A-01-02")
    assert wrong.status_code == 409 and "not the suggested bin A-01-01" in check(wrong)
    partial = check(post(client, f"/floor/putaway/{task.id}", htmx, scan="A-01-01", qty="3"))
    assert "Put away 3 BOLT-M8 in A-01-01. 1 left on a new task." in partial
    twice = check(post(client, f"/floor/putaway/{task.id}", htmx, scan="A-01-01", qty="3"))
    assert "Already put away" in twice and 'data-result="warn"' in twice
    rest = db.session.scalar(select(PutawayTask).where(PutawayTask.split_from_id == task.id))
    elsewhere = check(post(client, f"/floor/putaway/{rest.id}", htmx, scan="A-01-02", reason="closer_bin"))
    assert "Put away 1 BOLT-M8 in A-01-02." in elsewhere
    db.session.expire_all()
    assert db.session.get(PutawayTask, rest.id).reason.value == "closer_bin"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"scan": "A-01-01", "qty": "abc"}, "Not a valid integer"),
        ({"scan": "A-01-01", "qty": "0"}, "Enter 1 or more"),
        ({"scan": "A-01-01", "qty": "99"}, "Put away 1 to 4 units"),
        ({"scan": "BOLT-M8"}, "That is not a bin"),
        ({"scan": "A-01-01", "reason": "whim"}, "Not a valid choice"),
    ],
)
def test_bad_put_away_input_moves_nothing(client, floor, fields, message):
    main, bolt, _ = floor
    receipt = receiving.start("PO-6", location_id=main.id, actor_id=1)
    receiving.add(receipt.id, bolt, qty=4)
    receiving.finish(receipt.id, actor_id=1)
    task = db.session.scalar(select(PutawayTask))
    before = db.session.scalar(select(func.count()).select_from(Movement))
    body = assert_fragment(post(client, f"/floor/putaway/{task.id}", True, **fields))
    assert message in body and 'data-result="error"' in body
    assert db.session.scalar(select(func.count()).select_from(Movement)) == before


def test_floor_screens_need_sign_in(client):
    assert client.get("/floor/putaway").status_code == 302
    assert client.get("/floor/receive", headers=HX).headers["HX-Redirect"].startswith("/login")


def test_a_retried_scan_request_counts_once(client, floor):
    receipt = receiving.start("PO-R", location_id=floor[0].id, actor_id=1)
    for _ in range(2):  # the same request, sent again after the Wi-Fi dropped its answer
        post(client, f"/floor/receive/{receipt.id}", True, scan="BOLT-M8", scan_id="scan-abc")
    post(client, f"/floor/receive/{receipt.id}", True, scan="BOLT-M8", scan_id="scan-def")
    assert receiving.get(receipt.id).lines[0].qty == 2


def test_a_short_numeric_sku_is_an_item_not_a_count(client, floor):
    make_product("500")
    receipt = receiving.start("PO-N", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    post(client, url, True, scan="BOLT-M8")
    line = receiving.get(receipt.id).lines[0]
    assert line.qty == 1
    body = assert_fragment(post(client, url, True, scan="500"))
    assert "+1 500: now 1." in body
    assert {l.product.sku: l.qty for l in receiving.get(receipt.id).lines} == {"BOLT-M8": 1, "500": 1}


def test_the_lot_prompt_refuses_a_product_barcode_and_takes_a_gs1_lot(client, floor):
    _, _, glue = floor
    receipt = receiving.start("PO-L", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    assert "Scan or type the lot" in assert_fragment(post(client, url, True, scan="GLUE-50"))
    wrong = assert_fragment(post(client, url, True, scan="9506000100050"))
    assert "is a product or bin code, not a lot" in wrong
    right = assert_fragment(post(client, url, True, scan="(01)09506000100050(17)271231(10)L-7"))
    assert "+1 GLUE-50 lot L-7: now 1." in right


def test_receiving_an_expired_lot_is_counted_with_a_warning_to_set_it_aside(client, floor):
    _, _, glue = floor
    receipt = receiving.start("PO-X", location_id=floor[0].id, actor_id=1)
    body = assert_fragment(
        post(client, f"/floor/receive/{receipt.id}", True, scan="(01)09506000100050(17)200131(10)OLD-1")
    )
    assert 'data-result="warn"' in body
    assert "Lot OLD-1 expired on 2020-01-31: set it aside" in body
    assert receiving.get(receipt.id).lines[0].qty == 1


def test_a_gs1_lot_on_an_untracked_item_is_ignored_with_a_warning(client, floor):
    receipt = receiving.start("PO-G", location_id=floor[0].id, actor_id=1)
    body = assert_fragment(
        post(client, f"/floor/receive/{receipt.id}", True, scan="(01)09506000134352(10)X1")
    )
    assert 'data-result="warn"' in body and "lot on the label ignored" in body


def test_operators_only_see_receipts_and_tasks_of_their_location(client, floor):
    north = make_location("service-north")
    theirs = receiving.start("PO-N", location_id=north.id, actor_id=1)
    receiving.add(theirs.id, floor[1], qty=1)
    assert post(client, f"/floor/receive/{theirs.id}", True, scan="BOLT-M8").status_code == 404
    assert post(client, f"/floor/receive/{theirs.id}/finish", True).status_code == 404
    receiving.finish(theirs.id, actor_id=1)
    task = db.session.scalar(select(PutawayTask))
    assert client.get(f"/floor/putaway/{task.id}").status_code == 404
    assert client.get("/floor/putaway/99999999999999999999").status_code == 404


def test_an_item_scanned_with_an_unknown_lot_opens_no_task(client, floor):
    main, _, glue = floor
    receipt = receiving.start("PO-U", location_id=main.id, actor_id=1)
    receiving.add(receipt.id, glue, qty=1, lot_code="LOT-A", expiry=date(2027, 1, 31))
    receiving.finish(receipt.id, actor_id=1)
    body = assert_fragment(post(client, "/floor/putaway", True, scan="(01)09506000100050(10)LOT-ZZ"))
    assert "No lot LOT-ZZ of GLUE-50" in body


def test_a_case_barcode_receives_its_pack_even_when_the_lot_is_asked_first(client, floor):
    main, bolt, glue = floor
    db.session.add_all(
        [
            ProductBarcode(product_id=bolt.id, code="19506000134359", pack_qty=12),
            ProductBarcode(product_id=glue.id, code="19506000100057", pack_qty=6),
        ]
    )
    db.session.commit()
    receipt = receiving.start("PO-C", location_id=main.id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    assert "+12 BOLT-M8: now 12." in assert_fragment(post(client, url, True, scan="19506000134359"))
    asks_lot = assert_fragment(post(client, url, True, scan="19506000100057"))
    assert "GLUE-50 is lot-tracked" in asks_lot
    asks_expiry = post(client, url, True, scan="L-1")
    assert "Type the expiry date of lot L-1" in assert_fragment(asks_expiry)
    added = post(client, url, True, scan="2027-01-31")
    assert "+6 GLUE-50 lot L-1: now 6." in assert_fragment(added)


def test_a_deactivated_product_is_not_received_and_the_floor_says_why(client, floor):
    main, bolt, _ = floor
    bolt.active = False
    db.session.commit()
    receipt = receiving.start("PO-X", location_id=main.id, actor_id=1)
    refused = post(client, f"/floor/receive/{receipt.id}", True, scan="9506000134352")
    assert "BOLT-M8 is inactive and cannot be received. Call a supervisor." in assert_fragment(refused)
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 0
    assert receiving.get(receipt.id).lines == []


def test_fields_a_page_echoes_back_are_ignored_the_server_holds_the_dialogue(client, floor):
    """An old page (or a crafted post) that says "this answers the lot of GLUE-50" is read as
    what the screen really waits for: an item."""
    _, _, glue = floor
    receipt = receiving.start("PO-E", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    body = assert_fragment(post(client, url, True, scan="L-9", awaiting="lot", product=glue.id, units=6))
    assert "Unknown code L-9" in body and receiving.get(receipt.id).lines == []


def test_x5_makes_the_next_item_count_five_then_resets(client, floor):
    receipt = receiving.start("PO-X5", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    assert "Next item counts 5" in assert_fragment(post(client, url, True, scan="x5"))
    assert "+5 BOLT-M8: now 5." in assert_fragment(post(client, url, True, scan="BOLT-M8"))
    assert "+1 BOLT-M8: now 6." in assert_fragment(post(client, url, True, scan="BOLT-M8"))


def test_each_operator_has_their_own_dialogue_on_one_receipt(client, floor, auth):
    """Two operators on one receipt: one is asked for a lot, the other's scans are items."""
    receipt = receiving.start("PO-2OP", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    assert "Scan or type the lot" in assert_fragment(post(client, url, True, scan="GLUE-50"))
    auth.login("supervisor")
    accounts.set_location(db.session.scalar(select(User).where(User.username == "supervisor")), floor[0].id)
    assert "+1 BOLT-M8: now 1." in assert_fragment(post(client, url, True, scan="BOLT-M8"))


def test_a_put_away_scan_sent_twice_gets_its_first_answer_and_moves_once(client, floor):
    main, bolt, _ = floor
    receipt = receiving.start("PO-P2", location_id=main.id, actor_id=1)
    receiving.add(receipt.id, bolt, qty=4)
    receiving.finish(receipt.id, actor_id=1)
    task = db.session.scalar(select(PutawayTask))
    client.get(f"/floor/putaway/{task.id}")  # opening the task suggests its bin
    moved = db.session.scalar(select(func.count()).select_from(Movement))
    for _ in range(2):  # the answer was lost on the way back: the handheld sends it again
        body = assert_fragment(post(client, f"/floor/putaway/{task.id}", True, scan="A-01-01", scan_id="p-1"))
        assert "Put away 4 BOLT-M8 in A-01-01." in body and 'data-result="ok"' in body
    assert db.session.scalar(select(func.count()).select_from(Movement)) == moved + 2  # out of RCV, into A
    later = assert_fragment(post(client, f"/floor/putaway/{task.id}", True, scan="A-01-01", scan_id="p-2"))
    assert "Already put away" in later and 'data-result="warn"' in later


def test_skip_this_item_gives_up_on_a_lot_nobody_has_and_counts_nothing(client, floor):
    receipt = receiving.start("PO-SK", location_id=floor[0].id, actor_id=1)
    url = f"/floor/receive/{receipt.id}"
    asks = assert_fragment(post(client, url, True, scan="GLUE-50"))
    assert "Skip this item" in asks
    skipped = assert_fragment(post(client, f"{url}/skip", True, key="k-1"))
    assert "Skipped GLUE-50: nothing counted for it" in skipped and "Skip this item" not in skipped
    assert "+1 BOLT-M8: now 1." in assert_fragment(post(client, url, True, scan="BOLT-M8"))
    assert [(l.product.sku, l.qty) for l in receiving.get(receipt.id).lines] == [("BOLT-M8", 1)]
