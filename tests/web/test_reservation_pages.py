"""The reservations page through the real client: filters, release by reference with
htmx and without, refusals that write nothing, operators refused."""

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import receive
from warehouse.availability import reservations
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.core.extensions import db
from warehouse.ledger.models import Posting

HX = {"HX-Request": "true"}
R = ReservationStatus


@pytest.fixture
def reserved(site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    receive(site.nut, site.bin(site.main, "A-01-02"), 10)
    reservations.reserve(site.bolt, site.main, 3, ("order", "ord-1"), actor_id=None)
    reservations.reserve(site.nut, site.main, 2, ("order", "ord-1"), actor_id=None)
    reservations.reserve(site.bolt, site.main, 4, ("order", "ord-2"), actor_id=None, ttl=None)
    return site


@pytest.fixture
def supervisor(client, auth, reserved):
    auth.login("supervisor")
    token = csrf_token(client, "/reservations")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    return post


def _postings():
    return db.session.scalar(select(func.count()).select_from(Posting))


def _statuses(ref):
    db.session.expire_all()
    return [
        r.status
        for r in db.session.scalars(
            select(Reservation).where(Reservation.reference_id == ref).order_by(Reservation.id)
        )
    ]


def test_the_list_shows_active_reservations_with_one_release_button_per_reference(client, supervisor):
    page = client.get("/reservations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "HX-Request" in page.headers["Vary"]
    assert html.count('data-reservation="') == 3
    assert html.count("Release order:ord-1") == 1 and html.count("Release order:ord-2") == 1
    assert "no expiry" in html
    assert '<option value="active" selected>Active</option>' in html  # the filter shows its choices


def test_filters_narrow_the_rows_and_htmx_gets_only_the_rows(client, supervisor):
    for query, expected in [
        ("reference=order:ord-2", 1),
        ("reference=ord-1", 2),
        ("sku=NUT-M8", 1),
        ("location=service-north", 0),
        ("status=released", 0),
        ("status=any&sku=BOLT-M8", 2),
    ]:
        page = client.get(f"/reservations?{query}", headers=HX)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "<html" not in html and 'id="reservation-rows"' in html
        assert html.count('data-reservation="') == expected, query


def test_a_bad_filter_is_explained_never_a_500(client, supervisor):
    for query in ["status=bogus", "sku=" + "x" * 5000, "reference=" + "r" * 200]:
        page = client.get(f"/reservations?{query}")
        assert page.status_code == 200 and "Fix the filter" in page.get_data(as_text=True), query


def test_release_by_reference_from_the_page_once_even_when_double_tapped(client, supervisor):
    first = supervisor("/reservations/release?status=any", htmx=True, reference="order:ord-1", key="tap-1")
    again = supervisor("/reservations/release?status=any", htmx=True, reference="order:ord-1", key="tap-1")

    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "<html" not in html and 'data-result="ok"' in html
    assert "Released order:ord-1 (BOLT-M8, NUT-M8): 5 reserved units available again." in html
    assert again.status_code == 200 and ": 5 reserved units available" in again.get_data(
        as_text=True
    )  # the replay
    assert _statuses("ord-1") == [R.RELEASED, R.RELEASED] and _statuses("ord-2") == [R.ACTIVE]
    assert db.session.scalar(select(func.count()).select_from(Posting).where(Posting.type == "release")) == 1


def test_a_plain_post_gets_the_whole_page(client, supervisor):
    page = supervisor("/reservations/release", reference="order:ord-2")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert _statuses("ord-2") == [R.RELEASED]


def test_a_bad_release_writes_nothing(client, supervisor):
    before = _postings()
    for reference, status, message in [
        ("order:nope", 404, "No active reservation"),
        ("", 422, "Choose a reservation"),
        ("ord-1", 422, "type:id"),
        ("order:" + "x" * 5000, 422, "Nothing was released"),
    ]:
        page = supervisor("/reservations/release", htmx=True, reference=reference)
        assert (page.status_code, message in page.get_data(as_text=True)) == (status, True), reference
    assert _postings() == before and _statuses("ord-1") == [R.ACTIVE, R.ACTIVE]


def test_release_without_csrf_is_refused(client, supervisor):
    page = client.post("/reservations/release", data={"reference": "order:ord-1"})
    assert page.status_code == 400 and _statuses("ord-1") == [R.ACTIVE, R.ACTIVE]


def test_an_operator_is_refused_the_page_and_the_release(client, auth, reserved):
    auth.login("operator")
    token = csrf_token(client, "/stock")
    assert client.get("/reservations").status_code == 403
    page = client.post("/reservations/release", data={"csrf_token": token, "reference": "order:ord-1"})
    assert page.status_code == 403 and _statuses("ord-1") == [R.ACTIVE, R.ACTIVE]
