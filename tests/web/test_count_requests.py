"""Count requests from the floor (a short pick asks for the bin to be counted) reach the
supervisor's counts page, and "Count these" turns one location's requests into a batch."""

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import receive
from warehouse import counts
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch, CountRequest, CountRequestStatus

HX = {"HX-Request": "true"}


@pytest.fixture
def requested(site):
    """Two open requests at warehouse-main (BOLT-M8 in two bins), one at service-north."""
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    receive(site.bolt, a1, 4)
    for bin_, location in ((a1, site.main), (a2, site.main), (site.bin(site.north, "S-01-01"), site.north)):
        db.session.add(
            CountRequest(
                location_id=location.id,
                bin_id=bin_.id,
                product_id=site.bolt.id,
                reason="short pick (not_found)",
                reference_type="transfer",
                reference_id="TR-000001",
            )
        )
    db.session.commit()
    return site


def open_requests():
    return db.session.scalar(
        select(func.count()).select_from(CountRequest).where(CountRequest.status == CountRequestStatus.OPEN)
    )


def test_the_counts_page_lists_open_requests_by_location(client, auth, requested):
    auth.login("supervisor")
    html = client.get("/counts").get_data(as_text=True)
    assert html.count('data-request="') == 3
    assert 'data-location="warehouse-main"' in html and "Count these (2)" in html
    assert "short pick (not_found)" in html and "transfer:TR-000001" in html


def test_count_these_makes_one_batch_of_the_locations_requests_and_closes_them(client, auth, requested):
    auth.login("supervisor")
    token = csrf_token(client, "/counts")
    response = client.post(
        "/counts/from-requests", data={"csrf_token": token, "location": requested.main.id, "key": "k1"}
    )
    assert response.status_code == 303
    batch = db.session.scalar(select(CountBatch))
    assert response.headers["Location"].endswith(f"/counts/{batch.id}")
    assert sorted((l.bin.code, l.product.sku) for l in batch.lines) == [
        ("A-01-01", "BOLT-M8"),
        ("A-01-02", "BOLT-M8"),
    ]  # A-01-02 has no stock: counted to find
    assert open_requests() == 1  # service-north's is still open

    again = client.post(
        "/counts/from-requests",
        data={  # a double submit: the same batch
            "csrf_token": token,
            "location": requested.main.id,
            "key": "k1",
        },
    )
    assert again.status_code == 303 and db.session.scalar(select(func.count()).select_from(CountBatch)) == 1


@pytest.mark.parametrize("location", ["", "abc", "99999999999", "424242"])
def test_a_bad_or_empty_location_is_a_message_and_writes_nothing(client, auth, requested, location):
    auth.login("supervisor")
    token = csrf_token(client, "/counts")
    response = client.post(
        "/counts/from-requests", headers=HX, data={"csrf_token": token, "location": location}
    )
    assert response.status_code in (404, 422)
    assert 'data-result="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CountBatch)) == 0 and open_requests() == 3


def test_operators_cannot_make_batches_from_requests(client, auth, requested):
    auth.login("operator")
    token = csrf_token(client, "/stock")
    response = client.post("/counts/from-requests", data={"csrf_token": token, "location": requested.main.id})
    assert response.status_code == 403 and open_requests() == 3


def test_two_supervisors_cannot_both_take_the_same_requests(requested, app):
    from warehouse import accounts

    boss = accounts.create_user("boss", "pw-long-enough-1", "supervisor")
    counts.create_from_requests(requested.main.id, actor_id=boss.id)
    from warehouse.core.errors import InvalidPosting

    with pytest.raises(InvalidPosting, match="No open count requests"):
        counts.create_from_requests(requested.main.id, actor_id=boss.id)
    assert db.session.scalar(select(func.count()).select_from(CountBatch)) == 1
