"""A NUL character in a page's form, query or sign-in is a 400 with a message that says
what to do, and nothing is written, on both engines."""

from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token
from tests.factories import receive
from warehouse.core.extensions import db
from warehouse.ledger.models import Posting

HX = {"HX-Request": "true"}


def postings() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Posting))


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_posted(client, auth, site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 12)
    auth.login("supervisor")
    before = postings()
    form = {
        "csrf_token": csrf_token(client, "/adjust"),
        "key": "nul-form-1",
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "quantity": "-1",
        "reason": "damaged",
        "reference": "",
        "note": "dropped\x00",
    }
    response = client.post("/adjust", data=form, headers=HX)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert postings() == before


def test_a_nul_in_a_page_query_is_refused(client, auth, site):
    auth.login("operator")
    response = client.get("/stock?sku=BOLT%00")
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_a_nul_in_the_sign_in_form_is_refused(client, site):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "username": "operator\x00", "password": PASSWORD}
    )
    assert response.status_code == 400
