"""Holds and expiry pages through the real client: place, release, mark expired, write
off; htmx regions and plain pages; bad input and wrong roles write nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_lot, receive
from warehouse import accounts, ledger
from warehouse.accounts.models import User
from warehouse.availability import expiry, holds, reservations
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType, Posting

HX = {"HX-Request": "true"}


@pytest.fixture
def shelf(site):
    site.a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, site.a1, 10)
    today = utcnow().date()
    site.old = make_lot(site.glue, "OLD", today - timedelta(days=2))
    site.soon = make_lot(site.glue, "SOON", today + timedelta(days=3))
    receive(site.glue, site.a1, 6, lot=site.old)
    receive(site.glue, site.a1, 4, lot=site.soon)
    return site


@pytest.fixture
def supervisor(client, auth, shelf):
    auth.login("supervisor")
    token = csrf_token(client, "/holds")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    return post


def _postings():
    return db.session.scalar(select(func.count()).select_from(Posting))


def _holds():
    return db.session.scalar(select(func.count()).select_from(Hold))


GOOD = dict(
    sku="BOLT-M8",
    location="warehouse-main",
    bin="A-01-01",
    lot="",
    qty="4",
    reason="quality",
    note="scratched",
    key="form-1",
)


def test_a_supervisor_puts_stock_on_hold_and_it_is_not_available(client, supervisor, shelf):
    page = supervisor("/holds/new", htmx=True, **GOOD)
    again = supervisor("/holds/new", htmx=True, **GOOD)  # a double submit

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" not in html and 'id="holds"' in html
    assert "HLD-000001: 4 × BOLT-M8 on hold at A-01-01" in html and 'data-hold="1"' in html
    assert again.status_code == 200 and _holds() == 1
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 4)
    stock_page = client.get("/stock?sku=BOLT-M8").get_data(as_text=True)
    assert 'data-label="Held" class="num">4<' in stock_page
    assert 'data-label="Available" class="num strong">6<' in stock_page


def test_holding_a_lot_by_its_code(client, supervisor, shelf):
    page = supervisor(
        "/holds/new", **{**GOOD, "sku": "GLUE-50", "lot": "SOON", "qty": "4", "reason": "recall"}
    )
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert ledger.balance(shelf.glue.id, shelf.a1.id, shelf.soon.id) == (4, 0, 4)


BAD_HOLDS = [
    ({"qty": "0"}, 422, "Quantity must be 1 to"),
    ({"qty": "-3"}, 422, "Quantity must be 1 to"),
    ({"qty": "99999999999"}, 422, "Quantity must be 1 to"),
    ({"qty": "ten"}, 422, "whole number"),
    ({"qty": ""}, 422, "Enter how many"),
    ({"qty": "11"}, 409, "available 10, requested 11"),
    ({"sku": "NOPE-1"}, 404, "No product"),
    ({"bin": "Z-99"}, 404, "No bin Z-99"),
    ({"location": "atlantis"}, 422, "Not a valid choice"),
    ({"reason": "boredom"}, 422, "Not a valid choice"),
    ({"note": "x" * 5000}, 422, "under 500"),
    ({"sku": "x" * 5000}, 422, "Nothing was held"),
    ({"lot": "L1"}, 422, "not lot-tracked"),
    ({"sku": "GLUE-50", "lot": ""}, 422, "lot-tracked"),
    ({"sku": "GLUE-50", "lot": "NOPE"}, 404, "No lot NOPE"),
]


def test_bad_input_is_explained_and_writes_nothing(client, supervisor):
    before = _postings()
    for change, status, message in BAD_HOLDS:  # one test, many cases: setup is the slow part
        page = supervisor("/holds/new", htmx=True, **{**GOOD, "key": "", **change})
        assert (page.status_code, message in page.get_data(as_text=True)) == (status, True), change
    assert (_postings(), _holds()) == (before, 0)


def test_release_from_the_page_and_a_second_release_is_refused(client, supervisor, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 3, HoldReason.DAMAGED, actor_id=None)
    page = supervisor(f"/holds/{hold.id}/release", htmx=True)
    assert page.status_code == 200 and "released: 3 × BOLT-M8 available again" in page.get_data(as_text=True)
    again = supervisor(f"/holds/{hold.id}/release", htmx=True)
    assert again.status_code == 409 and "released already" in again.get_data(as_text=True)
    assert supervisor("/holds/99999/release").status_code == 404
    assert supervisor("/holds/99999999999999/release").status_code == 404
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 0)


def test_the_list_filters_and_htmx_gets_only_the_rows(client, supervisor, shelf):
    kept = holds.place(shelf.bolt, shelf.a1, 1, HoldReason.DAMAGED, actor_id=None)
    gone = holds.place(shelf.bolt, shelf.a1, 1, HoldReason.QUALITY, actor_id=None)
    holds.release(gone.id, actor_id=None)
    page = client.get("/holds", headers=HX)
    html = page.get_data(as_text=True)
    assert 'id="hold-rows"' in html and "<html" not in html and "HX-Request" in page.headers["Vary"]
    assert f'data-hold="{kept.id}"' in html and f'data-hold="{gone.id}"' not in html
    assert client.get("/holds?status=any").get_data(as_text=True).count("data-hold=") == 2
    full = client.get("/holds?reason=damaged").get_data(as_text=True)
    assert '<option value="active" selected>Active</option>' in full
    assert '<option value="damaged" selected>Damaged</option>' in full
    assert client.get("/holds?status=any&reason=quality").get_data(as_text=True).count("data-hold=") == 1
    assert "Fix the filter" in client.get("/holds?status=nonsense").get_data(as_text=True)


def test_the_expiry_page_lists_marks_and_writes_off(client, supervisor, shelf):
    page = client.get("/holds/expiry?days=7")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-lot="OLD"' in html and 'data-lot="SOON"' in html
    assert "Expired (1)" in html and "Expiring within 7 days (1)" in html
    assert "Expiring within 1 day (0)" in client.get("/holds/expiry?days=1").get_data(as_text=True)

    ids = dict(product_id=shelf.glue.id, bin_id=shelf.a1.id, lot_id=shelf.old.id)
    marked = supervisor("/holds/expiry/mark", htmx=True, key="m-1", **ids)
    double = supervisor("/holds/expiry/mark", htmx=True, key="m-1", **ids)
    assert marked.status_code == 200 and "on hold as expired" in marked.get_data(as_text=True)
    assert double.status_code == 200 and _holds() == 1
    hold = db.session.scalar(select(Hold))
    assert (hold.reason, hold.qty) == (HoldReason.EXPIRED, 6)
    assert supervisor("/holds/expiry/mark", htmx=True, **ids).status_code == 409  # nothing left

    refused = supervisor(f"/holds/{hold.id}/write-off", htmx=True, reference="no colon here")
    assert refused.status_code == 422 and "type:id" in refused.get_data(as_text=True)
    done = supervisor(f"/holds/{hold.id}/write-off", htmx=True, reference="destruction:CERT-9")
    assert done.status_code == 200 and "written off: 6 × GLUE-50" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Hold, hold.id).status is HoldStatus.WRITTEN_OFF
    assert ledger.balance(shelf.glue.id, shelf.a1.id, shelf.old.id) == (0, 0, 0)
    expire = db.session.scalar(select(Posting).where(Posting.type == MovementType.EXPIRE))
    assert (expire.reference_type, expire.reference_id) == ("destruction", "CERT-9")


def test_a_bad_mark_writes_nothing(client, supervisor):
    before = _postings()
    for data, status in [
        (dict(product_id="x", bin_id="1", lot_id="1"), 422),
        (dict(product_id="99999999999", bin_id="1", lot_id="1"), 422),
        (dict(product_id="999", bin_id="999", lot_id="999"), 404),
    ]:
        assert supervisor("/holds/expiry/mark", htmx=True, **data).status_code == status, data
    assert _postings() == before


def test_a_bad_expiry_filter_is_explained(client, supervisor):
    for query in ("days=-1", "days=lots", "days=99999999"):
        page = client.get(f"/holds/expiry?{query}")
        assert page.status_code == 200 and "Fix the filter" in page.get_data(as_text=True)


def test_an_operator_is_refused_every_hold_route_and_csrf_is_required(app, client, auth, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 1, HoldReason.DAMAGED, actor_id=None)
    auth.login("operator")
    token = csrf_token(client, "/stock")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("holds.")]
    assert len(rules) >= 6
    for rule in rules:
        path = rule.build({"id": hold.id}, append_unknown=False)[1]
        method = "POST" if "POST" in rule.methods else "GET"
        answer = client.open(path, method=method, data={"csrf_token": token, **GOOD})
        assert answer.status_code == 403, path
    auth.logout()
    auth.login("supervisor")
    before = _postings()
    assert client.post("/holds/new", data=GOOD).status_code == 400
    assert client.post(f"/holds/{hold.id}/release").status_code == 400
    assert _postings() == before and expiry.expired_holds() == []


def test_the_floor_look_up_shows_reserved_held_and_available(client, auth, shelf):
    holds.place(shelf.bolt, shelf.a1, 2, HoldReason.DAMAGED, actor_id=None)
    reservations.reserve(shelf.bolt, shelf.main, 3, ("order", "1"), actor_id=None)
    auth.login("operator")
    accounts.set_location(db.session.scalar(select(User).where(User.username == "operator")), shelf.main.id)
    token = csrf_token(client, "/stock")
    for scan in ("BOLT-M8", "warehouse-main:A-01-01"):
        html = client.post("/floor/lookup", data={"csrf_token": token, "scan": scan}).get_data(as_text=True)
        assert "on hand 10 · reserved 3 · held 2 · available 5" in html, scan


def test_write_off_from_the_page_and_a_second_one_is_refused(client, supervisor, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 3, HoldReason.DAMAGED, actor_id=None)
    page = client.get("/holds").get_data(as_text=True)
    assert f'action="/holds/{hold.id}/dispose"' in page

    done = supervisor(f"/holds/{hold.id}/dispose", htmx=True, note="crushed", key="k-1")
    assert done.status_code == 200
    assert "written off: 3 × BOLT-M8 taken off A-01-01 (damaged)" in done.get_data(as_text=True)
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (7, 0, 0)
    posting = db.session.scalar(select(Posting).where(Posting.type == MovementType.ADJUSTMENT))
    assert (posting.reason.value, posting.note) == ("damaged", f"{holds.number(hold)} written off: crushed.")

    count = _postings()
    again = supervisor(f"/holds/{hold.id}/dispose", note="crushed", key="k-2")  # another key
    assert again.status_code == 409 and "written off already" in again.get_data(as_text=True)
    assert _postings() == count
    assert ledger.verify() == []


def test_a_bad_write_off_writes_nothing(client, supervisor, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 3, HoldReason.QUALITY, actor_id=None)
    expired = expiry.mark_expired(shelf.glue, shelf.a1, shelf.old, actor_id=None)
    count = _postings()

    long_note = supervisor(f"/holds/{hold.id}/dispose", note="x" * 301)
    assert long_note.status_code == 422 and "under 300 characters" in long_note.get_data(as_text=True)
    refused = supervisor(f"/holds/{expired.id}/dispose")
    assert refused.status_code == 409 and "expiry page" in refused.get_data(as_text=True)
    assert supervisor("/holds/999999/dispose").status_code == 404
    assert _postings() == count
    assert f'action="/holds/{expired.id}/dispose"' not in client.get("/holds").get_data(as_text=True)
