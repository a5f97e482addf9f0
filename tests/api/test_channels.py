"""Selling channels over the API: an admin sets up channels and their rules (availability
records); a supervisor reads the ATP matrix, one SKU's drill-down and the summary; a
storefront checks quantities on a channel. Roles as on the /channels pages, refusals that
write nothing, retries that write once, another organisation's ids not found, and an
operator's check blind to a bin being counted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_code
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.accounts import organisations
from warehouse.availability import channels, reservations
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.core.models import Command

RULE = {"channel": "web", "location": "warehouse-main", "buffer": 5}


def written() -> tuple[int, int, int]:
    """Channels, rules and stored commands: what a setup write adds."""
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(t)) for t in (Channel, ChannelLocation, Command)
    )


@pytest.fixture
def admin(api_as):
    return api_as("admin")


@pytest.fixture
def selling(stocked):
    """stocked (warehouse-main: BOLT-M8 30 + 10; service-north: 5) with channels web (main,
    buffer 5) and retail (main and north, share 50%); 4 BOLT-M8 reserved on retail at main."""
    web = channels.create("web", "Web shop", actor_id=None)
    retail = channels.create("retail", "Stores", actor_id=None)
    channels.set_rule("web", "warehouse-main", buffer=5, actor_id=None)
    channels.set_rule("retail", "warehouse-main", share_percent=50, actor_id=None)
    channels.set_rule("retail", "service-north", share_percent=50, actor_id=None)
    reservations.reserve(stocked.bolt, stocked.main, 4, ("order", "r-1"), actor_id=None, channel=retail)
    return {"web": web, "retail": retail}


def test_an_admin_sets_up_channels_and_rules_and_a_retry_writes_once(admin, stocked):
    key = {"Idempotency-Key": "channel-1"}
    made = admin.post("/api/channels", {"code": "Web", "name": "Web shop"}, headers=key)
    assert made.status_code == 201 and made.get_json()["code"] == "web"
    before = written()
    replay = admin.post("/api/channels", {"code": "Web", "name": "Web shop"}, headers=key)
    assert (replay.status_code, replay.get_json(), replay.headers["Idempotent-Replayed"]) == (
        201,
        made.get_json(),
        "true",
    )
    assert written() == before

    rule = admin.post("/api/inventory/availability", {**RULE, "share_percent": 60}).get_json()
    assert {
        k: rule[k] for k in ("channel", "channel_name", "location", "can_sell", "buffer", "share_percent")
    } == {
        "channel": "web",
        "channel_name": "Web shop",
        "location": "warehouse-main",
        "can_sell": True,
        "buffer": 5,
        "share_percent": 60,
    }
    kept = admin.post(
        "/api/inventory/availability", {"channel": "web", "locationId": stocked.main.id, "buffer": 2}
    )
    assert (kept.get_json()["id"], kept.get_json()["buffer"], kept.get_json()["share_percent"]) == (
        rule["id"],
        2,
        60,
    )
    changed = admin.post(
        f"/api/inventory/availability/{rule['id']}", {"can_sell": False, "share_percent": None}
    )
    assert (changed.get_json()["can_sell"], changed.get_json()["share_percent"]) == (False, None)
    assert admin.get(f"/api/inventory/availability/{rule['id']}").get_json() == changed.get_json()
    north = admin.post(
        "/api/inventory/availability", {"channel": "web", "location": "service-north"}
    ).get_json()
    listed = admin.get("/api/inventory/availability", channel="web").get_json()
    assert [r["location"] for r in listed["data"]] == ["service-north", "warehouse-main"]
    assert listed["meta"]["total"] == 2
    assert [
        r["id"]
        for r in admin.get("/api/inventory/availability", locationId="service-north").get_json()["data"]
    ] == [north["id"]]

    gone = admin.client.delete(f"/api/inventory/availability/{north['id']}", headers=admin.headers())
    assert gone.status_code == 200 and gone.get_json() == {
        "id": north["id"],
        "channel": "web",
        "location": "service-north",
    }
    assert admin.get(f"/api/inventory/availability/{north['id']}").status_code == 404

    patched = admin.patch("/api/channels/WEB", {"name": "Online", "active": False}).get_json()
    assert (patched["code"], patched["name"], patched["active"]) == ("web", "Online", False)
    assert [c["code"] for c in admin.get("/api/channels", active="false").get_json()["data"]] == ["web"]
    assert admin.get("/api/channels", active="true").get_json()["data"] == []


def test_bad_setup_is_refused_with_its_rule_and_writes_nothing(admin, api_as, stocked):
    admin.post("/api/channels", {"code": "web", "name": "Web shop"})
    before = written()
    refused = [
        (admin.post("/api/channels", {"code": "WEB", "name": "Again"}), 409, "channel_code_taken"),
        (admin.post("/api/channels", {"code": "web shop", "name": "Web"}), 422, "validation_failed"),
        (admin.post("/api/channels", {"code": "b2b", "name": "   "}), 422, "channel_field_invalid"),
        (admin.post("/api/inventory/availability", {**RULE, "buffer": -1}), 422, "validation_failed"),
        (admin.post("/api/inventory/availability", {**RULE, "share_percent": 101}), 422, "validation_failed"),
        (admin.post("/api/inventory/availability", {**RULE, "channel": "retail"}), 404, "channel_not_found"),
        (admin.post("/api/inventory/availability", {**RULE, "location": "nowhere"}), 404, "not_found"),
        (
            admin.post("/api/inventory/availability", {**RULE, "location": "x", "locationId": 1}),
            422,
            "validation_failed",
        ),
        (admin.patch("/api/channels/retail", {"name": "Stores"}), 404, "channel_not_found"),
        (admin.post("/api/inventory/availability/999", {"buffer": 1}), 404, "not_found"),
        (
            api_as("supervisor").post("/api/channels", {"code": "b2b", "name": "B2B"}),
            403,
            "permission_denied",
        ),
        (api_as("supervisor").post("/api/inventory/availability", RULE), 403, "permission_denied"),
        (api_as("operator").get("/api/channels"), 403, "permission_denied"),
        (api_as("operator").get("/api/inventory/availability"), 403, "permission_denied"),
    ]
    for answer, status, code in refused:
        assert (answer.status_code, error_code(answer)) == (status, code), answer.get_json()
    assert written() == before


def test_a_supervisor_reads_the_matrix_drilldown_and_summary(api, api_as, stocked, selling):
    matrix = api.get("/api/inventory/channel-location", locationId=str(stocked.main.id)).get_json()
    assert (matrix["location"], [c["code"] for c in matrix["channels"]]) == (
        "warehouse-main",
        ["retail", "web"],
    )
    assert matrix["meta"] == {"total": 1, "page": 1, "limit": 50, "has_more": False}
    row = matrix["data"][0]
    # 40 on hand, 4 reserved: free 36; web 36 - 5; retail 50% of 40 less its own 4
    assert {k: row[k] for k in ("sku", "on_hand", "reserved", "held", "free", "atp")} == {
        "sku": "BOLT-M8",
        "on_hand": 40,
        "reserved": 4,
        "held": 0,
        "free": 36,
        "atp": {"retail": 16, "web": 31},
    }
    only = api.get(
        "/api/inventory/channel-location", location="warehouse-main", channels=f"{selling['web'].id}"
    )
    assert only.get_json()["data"][0]["atp"] == {"web": 31}
    assert (
        api.get("/api/inventory/channel-location", location="warehouse-main", search="nut").get_json()["data"]
        == []
    )

    drill = api.get("/api/inventory/channel-location/drilldown", productId=str(stocked.bolt.id)).get_json()
    assert [p["location"] for p in drill["locations"]] == ["service-north", "warehouse-main"]
    main = drill["locations"][1]
    assert (main["reserved"], main["reserved_no_channel"], main["free"]) == (4, 0, 36)
    assert [
        (c["channel"], c["can_sell"], c["buffer"], c["share_percent"], c["reserved"], c["atp"])
        for c in main["channels"]
    ] == [
        ("retail", True, 0, 50, 4, 16),
        ("web", True, 5, None, 0, 31),
    ]
    north = api.get(
        "/api/inventory/channel-location/drilldown", sku="BOLT-M8", location="service-north"
    ).get_json()
    assert [(c["channel"], c["rule_id"] is None, c["atp"]) for c in north["locations"][0]["channels"]] == [
        ("retail", False, 2),  # 50% of 5
        ("web", True, 0),  # no rule at north
    ]

    summary = api.get("/api/inventory/channel/summary").get_json()["channels"]
    assert [
        (c["code"], c["rules"], c["selling_locations"], c["reserved"], c["open_reservations"])
        for c in summary
    ] == [
        ("retail", 2, 2, 4, 1),
        ("web", 1, 1, 0, 0),
    ]

    for path in ("/api/inventory/channel-location", "/api/inventory/channel/summary"):
        refused = api_as("operator").get(path, location="warehouse-main")
        assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    bad = [
        (api.get("/api/inventory/channel-location"), 422),  # no location
        (api.get("/api/inventory/channel-location", location="warehouse-main", limit="201"), 422),
        (api.get("/api/inventory/channel-location", location="warehouse-main", channels="web,nope"), 404),
        (api.get("/api/inventory/channel-location", location="nowhere"), 404),
        (api.get("/api/inventory/channel-location/drilldown", sku="NOPE"), 404),
    ]
    assert [answer.status_code for answer, _ in bad] == [status for _, status in bad]


def test_the_check_answers_per_location_and_an_operator_is_blind_to_a_bin_being_counted(
    api, api_as, stocked, selling
):
    body = {
        "channel": "retail",
        "items": [{"sku": "BOLT-M8", "quantity": 18}, {"product_id": stocked.nut.id, "quantity": 1}],
    }
    checked = api.post("/api/inventory/availability/check", body, headers={"Idempotency-Key": "c-1"})
    assert checked.status_code == 200 and "Idempotent-Replayed" not in checked.headers
    answer = checked.get_json()
    assert (answer["channel"], answer["location"], answer["ok"]) == ("retail", None, False)
    bolt, nut = answer["items"]
    assert (bolt["atp"], bolt["ok"], bolt["locations"]) == (
        18,
        True,
        [{"location": "service-north", "atp": 2}, {"location": "warehouse-main", "atp": 16}],
    )
    assert (nut["sku"], nut["atp"], nut["ok"]) == ("NUT-M8", 0, False)
    at_main = api.post(
        "/api/inventory/availability/check", {**body, "locationId": "warehouse-main"}
    ).get_json()
    assert (at_main["location"], at_main["items"][0]["atp"], at_main["items"][0]["ok"]) == (
        "warehouse-main",
        16,
        False,
    )

    counts.create(
        stocked.main.id,
        counts.Selection(skus=("BOLT-M8",)),
        actor_id=accounts.create_user("boss", "pw-12345678", "supervisor").id,
    )
    blind = api_as("operator").post("/api/inventory/availability/check", body).get_json()["items"][0]
    assert (blind["atp"], blind["being_counted"], blind["ok"]) == (None, True, True)
    assert blind["locations"] == [
        {"location": "service-north", "atp": 2},
        {"location": "warehouse-main", "atp": None, "being_counted": True},
    ]
    seen = api.post("/api/inventory/availability/check", body).get_json()["items"][0]
    assert (seen["atp"], seen["being_counted"]) == (18, True)
    missing = api.post("/api/inventory/availability/check", {**body, "channel": "nope"})
    assert (missing.status_code, error_code(missing)) == (404, "channel_not_found")


def test_another_organisations_channels_and_rules_are_not_found(api, stocked, selling):
    rule_id = db.session.scalar(select(ChannelLocation.id).limit(1))
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        boss = accounts.create_user("harbor-boss", "pw-12345678", "admin")
        theirs = api.__class__(api.client, accounts.create_token(boss, name="probe"))
        dock = make_location("harbor-dock", bins=("H-01",))
        receive(make_product("FISH-1"), dock.bins[0], 5)
    before = written()
    assert theirs.get(f"/api/inventory/availability/{rule_id}").status_code == 404
    assert theirs.post(f"/api/inventory/availability/{rule_id}", {"buffer": 1}).status_code == 404
    assert (
        theirs.client.delete(f"/api/inventory/availability/{rule_id}", headers=theirs.headers()).status_code
        == 404
    )
    assert theirs.patch("/api/channels/web", {"active": False}).status_code == 404
    assert theirs.get("/api/inventory/channel-location", location="warehouse-main").status_code == 404
    assert theirs.get("/api/inventory/channel-location", locationId=str(stocked.main.id)).status_code == 422
    assert theirs.get("/api/channels").get_json()["data"] == []
    assert theirs.get("/api/inventory/availability").get_json()["data"] == []
    assert theirs.get("/api/inventory/channel/summary").get_json() == {"channels": []}
    assert (
        theirs.get("/api/inventory/channel-location", location="harbor-dock").get_json()["data"][0]["atp"]
        == {}
    )
    assert written() == before
