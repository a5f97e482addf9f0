"""The floor home's scan input opens what is scanned: a transfer slip (pick here, or
receive here), a count sheet, a PO number (its receipt starts, as on Receive), an item
waiting to be put away. Anything else says what to scan and changes nothing, as a plain
form post and with htmx (HX-Redirect). Choosing a location that cannot be worked says
why."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts, transfers
from warehouse.accounts import organisations
from warehouse.accounts.models import User
from warehouse.catalog.models import Location, LocationType
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask, Receipt
from warehouse.transfers.models import Transfer

HX = {"HX-Request": "true"}


@pytest.fixture
def floor(app, client, auth):
    """warehouse-main and service-north with stock; an approved transfer main -> north (TR
    to pick here), one in transit north -> main (to receive here), one still a draft; an
    open count of main and one of north; BOLT-M8 received at main and waiting to be put
    away. The operator works at main."""
    main = make_location("warehouse-main")
    north = make_location("service-north", LocationType.SERVICE_CENTER, ("RCV-01", "S-01-01"))
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    bolt, nut = make_product("BOLT-M8", gtin="9506000134352"), make_product("NUT-M8")
    a1 = next(b for b in main.bins if b.code == "A-01-01")
    s1 = next(b for b in north.bins if b.code == "S-01-01")
    receive(nut, a1, 10)
    receive(nut, s1, 10)
    boss = accounts.create_user("boss", PASSWORD, "supervisor")
    north_op = accounts.create_user("op-north", PASSWORD, "operator")
    accounts.set_location(north_op, north.id)

    def transfer(source, destination, product, qty):
        t = transfers.create(source.id, destination.id, actor_id=boss.id)
        transfers.add_line(t.id, product, qty)
        return t

    to_pick = transfer(main, north, nut, 2)
    transfers.approve(to_pick.id, actor_id=boss.id)
    to_receive = transfer(north, main, nut, 3)
    transfers.approve(to_receive.id, actor_id=boss.id)
    transfers.pick(to_receive.id, s1, nut, 3, actor_id=north_op.id)
    transfers.ship(to_receive.id, actor_id=north_op.id)
    draft = transfer(main, north, nut, 1)
    count_here = counts.create(main.id, counts.Selection(skus=("NUT-M8",)), actor_id=boss.id)
    count_there = counts.create(north.id, counts.Selection(), actor_id=boss.id)
    delivery = receiving.start("PO-1", location_id=main.id, actor_id=boss.id)
    receiving.add(delivery.id, bolt, qty=4, actor_id=boss.id)
    receiving.finish(delivery.id, actor_id=boss.id)
    auth.login("operator")
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    accounts.set_location(operator, main.id)
    return dict(
        main=main,
        north=north,
        to_pick=to_pick,
        to_receive=to_receive,
        draft=draft,
        count_here=count_here,
        count_there=count_there,
        task=db.session.scalar(select(PutawayTask).where(PutawayTask.product_id == bolt.id)),
    )


def scan(client, code, htmx=False):
    token = csrf_token(client, "/floor/")
    return client.post("/floor/", data={"scan": code, "csrf_token": token}, headers=HX if htmx else {})


def opened(response, htmx) -> str:
    """Where the scan led: HX-Redirect for htmx (a 302 would be swapped into the panel),
    a redirect for a plain form post."""
    if htmx:
        assert response.status_code == 204, response.get_data(as_text=True)
        return response.headers["HX-Redirect"]
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def error(response) -> str:
    body = response.get_data(as_text=True)
    assert 'data-result="error"' in body, body
    return body


def receipts() -> int:
    return db.session.scalar(select(func.count(Receipt.id)))


def test_the_home_has_one_scan_input_once_a_location_is_chosen(client, floor):
    body = client.get("/floor/").get_data(as_text=True)

    assert body.count('name="scan"') == 1 and 'action="/floor/"' in body
    assert "Working at" in body and "Look up" in body


@pytest.mark.parametrize("htmx", [False, True])
def test_a_transfer_slip_opens_picking_here_and_receiving_here(client, floor, htmx):
    pick = opened(scan(client, floor["to_pick"].number, htmx), htmx)
    receive_ = opened(scan(client, floor["to_receive"].number.lower(), htmx), htmx)

    assert pick.endswith(f"/floor/pick/{floor['to_pick'].id}")
    assert receive_.endswith(f"/floor/transfer-receive/{floor['to_receive'].id}")


@pytest.mark.parametrize("htmx", [False, True])
def test_a_count_sheet_of_this_location_opens_the_count(client, floor, htmx):
    target = opened(scan(client, floor["count_here"].number, htmx), htmx)

    assert target.endswith(f"/floor/count/{floor['count_here'].id}")


@pytest.mark.parametrize("htmx", [False, True])
def test_a_po_number_starts_its_receipt_as_on_the_receive_screen(client, floor, htmx):
    before = receipts()

    target = opened(scan(client, "PO-4711", htmx), htmx)

    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-4711"))
    assert receipts() == before + 1 and receipt.location_id == floor["main"].id
    assert target.endswith(f"/floor/receive/{receipt.id}")


def test_the_same_home_form_sent_twice_starts_one_receipt(client, floor):
    token = csrf_token(client, "/floor/")
    data = {"scan": "PO-4712", "csrf_token": token, "key": "home-form-1"}

    first = client.post("/floor/", data=data)
    again = client.post("/floor/", data=data)

    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count(Receipt.id)).where(Receipt.reference == "PO-4712")) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_an_item_waiting_to_be_put_away_opens_its_put_away(client, floor, htmx):
    target = opened(scan(client, "9506000134352", htmx), htmx)

    assert target.endswith(f"/floor/putaway/{floor['task'].id}")


def everything() -> tuple:
    """What a refused scan must leave as it was."""
    return (
        receipts(),
        db.session.scalar(select(func.count(PutawayTask.id))),
        sorted((t.id, t.status.value) for t in db.session.scalars(select(Transfer))),
    )


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    "code, status, says",
    [
        ("ZZZ-NOTHING", 404, "Unknown code ZZZ-NOTHING. Scan a transfer slip"),
        ("POTATO", 404, "Unknown code POTATO."),  # a word starting with PO is not a PO number
        ("NUT-M8", 404, "Nothing of this item is waiting to be put away here"),
        ("A-01-01", 422, "A-01-01 is a bin: to see what is in it, use Look up."),
        ("TR-999999", 404, "No transfer TR-999999. Check the slip."),
        ("CNT-999999", 404, "No count batch CNT-999999. Check the sheet."),
        ("", 422, "Scan a transfer slip (TR-), a count sheet (CNT-), a PO number or an item"),
        ("x" * 5000, 422, "That code is too long."),
    ],
)
def test_an_unknown_or_unusable_code_says_what_to_scan_and_changes_nothing(
    client, floor, htmx, code, status, says
):
    before = everything()

    response = scan(client, code, htmx)

    assert response.status_code == status
    assert says in error(response)
    assert "x" * 300 not in response.get_data(as_text=True)  # a huge scan is never echoed
    assert ("<html" in response.get_data(as_text=True)) is not htmx
    assert everything() == before


@pytest.mark.parametrize("htmx", [False, True])
def test_a_nul_in_the_scan_is_refused_and_changes_nothing(client, floor, htmx):
    before = everything()

    response = scan(client, "PO-\x00-1", htmx)

    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    assert everything() == before


def test_slips_that_are_not_for_here_say_why(client, floor):
    draft = error(scan(client, floor["draft"].number))
    there = error(scan(client, floor["count_there"].number))

    assert f"{floor['draft'].number} is draft (warehouse-main to service-north)" in draft
    assert "nothing to pick or receive for it here" in draft
    assert f"{floor['count_there'].number} is counted at another location" in there


def test_another_organisations_transfer_number_is_unknown_here(client, floor):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        theirs_main = make_location("warehouse-main")
        theirs_north = make_location("service-north")
        make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
        t = transfers.create(theirs_main.id, theirs_north.id, actor_id=None)
        serials = [t.serial]
        for _ in range(5):  # past acme's numbers, so the number is theirs alone
            serials.append(transfers.create(theirs_main.id, theirs_north.id, actor_id=None).serial)
    number = f"TR-{max(serials):06d}"
    before = everything()

    response = scan(client, number)

    assert response.status_code == 404 and f"No transfer {number}" in error(response)
    assert everything() == before


def test_without_a_location_the_home_scan_asks_for_one_first(client, floor):
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    db.session.execute(User.__table__.update().where(User.id == operator.id).values(location_id=None))
    db.session.commit()
    before = everything()

    for htmx in (False, True):
        response = scan(client, "PO-4711", htmx)
        assert response.status_code == 409
        assert "Choose where you are working first" in error(response)
    assert everything() == before
    assert 'name="scan"' not in client.get("/floor/").get_data(as_text=True)


# --- choosing a location ----------------------------------------------------------------


def choose(client, value):
    token = csrf_token(client, "/floor/")
    response = client.post("/floor/location", data={"location": value, "csrf_token": token})
    assert response.status_code == 302
    return client.get("/floor/").get_data(as_text=True)


def where(username="operator"):
    return db.session.scalar(select(User.location_id).where(User.username == username))


def test_choosing_a_workable_location_works(client, floor):
    choose(client, floor["north"].id)

    assert where() == floor["north"].id


def test_a_transit_location_cannot_be_chosen_and_the_page_says_why(client, floor):
    transit = db.session.scalar(select(Location).where(Location.code == "transit"))

    page = choose(client, transit.id)

    assert "transit is a transit location" in page and "Choose a warehouse or store" in page
    assert where() == floor["main"].id


def test_a_deactivated_location_cannot_be_chosen_and_the_page_says_why(client, floor):
    floor["north"].active = False
    db.session.commit()

    page = choose(client, floor["north"].id)

    assert "Service North (service-north) is deactivated" in page and "ask an admin" in page
    assert where() == floor["main"].id


@pytest.mark.parametrize("value", ["not-a-number", "99999", "99999999999999999999", "-1", ""])
def test_a_location_not_on_the_list_cannot_be_chosen_and_the_page_says_so(client, floor, value):
    page = choose(client, value)

    assert "not one of this warehouse&#39;s. Choose one from the list." in page
    assert where() == floor["main"].id


def test_another_organisations_location_cannot_be_chosen_and_is_not_named(client, floor):
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        theirs = make_location("harbor-freezer").id

    page = choose(client, theirs)

    assert "not one of this warehouse&#39;s" in page and "harbor-freezer" not in page
    assert where() == floor["main"].id
