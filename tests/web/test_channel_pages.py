"""The /channels pages through the real client: the matrix shows the API's figures, its
filters, the drill-down as an htmx partial or a page of its own, the admin's setup forms
(bad input refused, writing nothing), and the role checks."""

import re

import pytest
from sqlalchemy import func, select

from tests.api.conftest import Api, user
from tests.conftest import csrf_token
from tests.factories import receive
from warehouse import accounts
from warehouse.availability import channels, reservations
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.core.extensions import db

HX = {"HX-Request": "true"}
ROW = re.compile(r'<tr data-sku="([^"]+)">(.*?)</tr>', re.S)
ATP = re.compile(r'data-atp="([^"]+)">(\d+)<')


@pytest.fixture
def selling(site):
    """warehouse-main: BOLT-M8 40, NUT-M8 5; web (buffer 5) and retail (share 50%) sell
    there, 4 BOLT-M8 reserved on retail."""
    receive(site.bolt, site.bin(site.main, "A-01-01"), 30)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    receive(site.nut, site.bin(site.main, "A-01-01"), 5)
    channels.create("web", "Web shop", actor_id=None)
    retail = channels.create("retail", "Stores", actor_id=None)
    channels.set_rule("web", "warehouse-main", buffer=5, actor_id=None)
    channels.set_rule("retail", "warehouse-main", share_percent=50, actor_id=None)
    reservations.reserve(site.bolt, site.main, 4, ("order", "r-1"), actor_id=None, channel=retail)
    return site


def supervisors_api(client) -> Api:
    """The API as a supervisor's token sees it (beside the signed-in page)."""
    return Api(client, accounts.create_token(user("supervisor"), name="test"))


def atp_cells(html: str) -> dict[str, dict[str, int]]:
    return {sku: {code: int(n) for code, n in ATP.findall(row)} for sku, row in ROW.findall(html)}


def test_the_matrix_shows_the_apis_atp_and_filters_by_sku_and_channel(client, auth, selling):
    auth.login("supervisor")
    page = client.get("/channels?location=warehouse-main")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'href="/channels"' in html  # the nav link
    api = supervisors_api(client).get("/api/inventory/channel-location", location="warehouse-main")
    from_api = {row["sku"]: row["atp"] for row in api.get_json()["data"]}
    assert (
        atp_cells(html)
        == from_api
        == {"BOLT-M8": {"retail": 16, "web": 31}, "NUT-M8": {"retail": 2, "web": 0}}
    )
    assert (
        'href="/channels/drilldown?sku=BOLT-M8&amp;location=warehouse-main"' in html
    )  # works without scripts
    assert 'hx-get="/channels/drilldown?sku=BOLT-M8&amp;location=warehouse-main"' in html

    searched = client.get("/channels?location=warehouse-main&search=nut&channel=web", headers=HX)
    partial = searched.get_data(as_text=True)
    assert "<html" not in partial and 'id="channel-matrix"' in partial
    assert atp_cells(partial) == {"NUT-M8": {"web": 0}}
    north = client.get("/channels?location=service-north").get_data(as_text=True)
    assert atp_cells(north) == {} and "No SKUs match" in north
    bad = client.get("/channels?location=nowhere&page=0")
    assert bad.status_code == 200 and "Fix the filter" in bad.get_data(as_text=True)


def test_the_drilldown_is_a_partial_for_htmx_and_a_page_without_scripts(client, auth, selling):
    auth.login("supervisor")
    path = "/channels/drilldown?sku=BOLT-M8&location=warehouse-main"
    partial = client.get(path, headers=HX).get_data(as_text=True)
    api = supervisors_api(client).get(
        "/api/inventory/channel-location/drilldown", sku="BOLT-M8", location="warehouse-main"
    )
    place = api.get_json()["locations"][0]
    assert "<html" not in partial and 'data-location="warehouse-main"' in partial
    assert dict((code, int(n)) for code, n in ATP.findall(partial)) == {
        c["channel"]: c["atp"] for c in place["channels"]
    }
    assert f'data-figure="free">{place["free"]}<' in partial
    assert 'href="/channels/drilldown?sku=BOLT-M8"' in partial  # the SKU at every location
    full = client.get(path).get_data(as_text=True)
    assert "<html" in full and "Back to the matrix" in full and 'data-atp="web">31<' in full
    missing = client.get("/channels/drilldown?sku=NOPE")
    assert missing.status_code == 404 and "No product with SKU or barcode" in missing.get_data(as_text=True)
    assert client.get("/channels/drilldown").status_code == 422


def _rows():
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Channel, ChannelLocation))


def test_an_admin_sets_up_channels_and_rules_and_bad_input_writes_nothing(client, auth, site):
    auth.login("admin")
    token = csrf_token(client, "/channels/setup")

    def post(path, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX)

    added = post("/channels/setup/new", code="Web", name="Web shop")
    assert added.status_code == 200 and "Channel web (Web shop) added" in added.get_data(as_text=True)
    refused = [
        (post("/channels/setup/new", code="web shop", name="Web"), 422, "A code is 1-32 letters"),
        (post("/channels/setup/new", code="WEB", name="Again"), 409, "Channel web exists already"),
        (
            post("/channels/setup/rule", channel="web", location="warehouse-main", buffer="5", share="150"),
            422,
            "1 to 100 percent",
        ),
        (
            post("/channels/setup/rule", channel="web", location="warehouse-main", buffer="lots"),
            422,
            "whole number",
        ),
        (
            post("/channels/setup/rule", channel="retail", location="warehouse-main"),
            422,
            "Not a valid choice",
        ),
        (post("/channels/setup/web/edit", name=""), 422, "Enter a name"),
        (post("/channels/setup/shop/edit", name="Shop"), 404, "No channel &#39;shop&#39;"),
    ]
    for answer, status, said in refused:
        assert answer.status_code == status and said in answer.get_data(as_text=True), said
    assert _rows() == (1, 0)

    set_ = post(
        "/channels/setup/rule", channel="web", location="warehouse-main", can_sell="y", buffer="5", share=""
    )
    assert "web sells from warehouse-main: buffer 5." in set_.get_data(as_text=True)
    rule = db.session.scalar(select(ChannelLocation))
    assert (rule.can_sell, rule.buffer, rule.share_percent) == (True, 5, None)
    again = post("/channels/setup/rule", channel="web", location="warehouse-main", buffer="2", share="40")
    assert "web does not sell from warehouse-main: buffer 2, share 40%." in again.get_data(as_text=True)
    page = client.get("/channels/setup").get_data(as_text=True)
    assert f'data-rule="{rule.id}"' in page and 'value="40"' in page
    edited = post("/channels/setup/web/edit", name="Online")  # the box unticked: inactive
    assert "Channel web saved: Online, inactive" in edited.get_data(as_text=True)
    removed = post(f"/channels/setup/rule/{rule.id}/remove")
    assert "web no longer sells from warehouse-main" in removed.get_data(as_text=True)
    assert _rows() == (1, 0) and channels.require("web").active is False


def test_operators_and_supervisors_are_kept_to_their_part(client, auth, site):
    auth.login("operator")
    assert client.get("/channels").status_code == 403
    assert 'href="/channels"' not in client.get("/stock").get_data(as_text=True)
    auth.logout()
    auth.login("supervisor")
    token = csrf_token(client, "/channels")
    assert client.get("/channels/setup").status_code == 403
    posted = client.post("/channels/setup/new", data={"csrf_token": token, "code": "web", "name": "Web"})
    assert posted.status_code == 403 and _rows() == (0, 0)
    assert "Set up channels" not in client.get("/channels").get_data(as_text=True)
