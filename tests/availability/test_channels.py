"""Selling channels set up through the domain (warehouse/availability/channels.py): codes
and names, rules per channel x location, refusals that write nothing, replays that write
once; and the reads (channel_reads.py: matrix, drill-down, summary, check) that give
atp.py's figures and no others."""

import pytest
from sqlalchemy import event, func, select

from tests.factories import make_location, receive
from warehouse.availability import atp, channel_reads, channels, reservations
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog.models import LocationType
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    ChannelCodeTaken,
    ChannelFieldInvalid,
    ChannelNotFound,
    ChannelRuleInvalid,
    IdempotencyKeyReused,
    LocationNotOffered,
    NotFound,
)
from warehouse.core.extensions import db


def statements(read) -> int:
    """How many statements a read sends."""
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(seen)


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_channels_are_kept_by_lower_case_code_and_bad_ones_are_refused_writing_nothing(app):
    web = channels.create("Web", "Web shop", actor_id=None, key="form-1")
    again = channels.create("Web", "Web shop", actor_id=None, key="form-1")  # a double submit
    assert (web.code, web.name, web.active) == ("web", "Web shop", True) and again.id == web.id
    with pytest.raises(IdempotencyKeyReused):
        channels.create("retail", "Stores", actor_id=None, key="form-1")
    refusals = [
        (ChannelCodeTaken, ("WEB", "Another web")),
        (ChannelFieldInvalid, ("", "Empty code")),
        (ChannelFieldInvalid, ("web shop", "A space")),
        (ChannelFieldInvalid, ("x" * 33, "Too long")),
        (ChannelFieldInvalid, ("märkte", "Not ASCII")),
        (ChannelFieldInvalid, ("b2b", "   ")),
        (ChannelFieldInvalid, ("b2b", "x" * 101)),
    ]
    for error, (code, name) in refusals:
        with pytest.raises(error):
            channels.create(code, name, actor_id=None)
    assert _count(Channel) == 1

    renamed = channels.change("WEB", name="Online shop", active=False, actor_id=None)
    assert (renamed.name, renamed.active) == ("Online shop", False)
    assert channels.require(str(web.id)).code == "web" and channels.require(" web ").id == web.id
    with pytest.raises(ChannelNotFound, match="No channel 'shop'"):
        channels.change("shop", name="Shop", actor_id=None)
    with pytest.raises(ChannelFieldInvalid):
        channels.change("web", name="", actor_id=None)
    assert channels.require("web").name == "Online shop"


def test_a_rule_is_one_per_channel_and_location_changed_in_place_and_refused_when_bad(app, site):
    web = channels.create("web", "Web shop", actor_id=None)
    rule = channels.set_rule("web", "warehouse-main", buffer=2, share_percent=50, actor_id=None)
    assert (rule.can_sell, rule.buffer, rule.share_percent) == (True, 2, 50)
    kept = channels.set_rule("WEB", "warehouse-main", buffer=3, keep_share=True, actor_id=None)
    assert kept.id == rule.id and (kept.buffer, kept.share_percent) == (3, 50)
    cleared = channels.set_rule("web", "warehouse-main", can_sell=False, actor_id=None)
    assert cleared.id == rule.id and (cleared.can_sell, cleared.buffer, cleared.share_percent) == (
        False,
        3,
        None,
    )

    make_location("transit", LocationType.TRANSIT, ("TRANSIT",))
    refusals = [
        (ChannelRuleInvalid, dict(buffer=-1)),
        (ChannelRuleInvalid, dict(buffer=1_000_001)),
        (ChannelRuleInvalid, dict(share_percent=0)),
        (ChannelRuleInvalid, dict(share_percent=101)),
        (LocationNotOffered, dict(location="transit")),
        (NotFound, dict(location="nowhere")),
        (ChannelNotFound, dict(channel="retail")),
    ]
    for error, given in refusals:
        place, channel = given.pop("location", "service-north"), given.pop("channel", "web")
        with pytest.raises(error):
            channels.set_rule(channel, place, actor_id=None, **given)
    assert _count(ChannelLocation) == 1

    north = channels.set_rule("web", "service-north", actor_id=None)
    changed = channels.change_rule(north.id, buffer=7, share_percent=20, actor_id=None)
    assert (changed.id, changed.buffer, changed.share_percent, changed.can_sell) == (north.id, 7, 20, True)
    listed = channels.all_rules()
    assert [(r.channel.code, r.location.code) for r in listed] == [
        ("web", "service-north"),
        ("web", "warehouse-main"),
    ]
    assert db.session.scalars(channels.rules(location_id=site.north.id)).all() == [changed]

    gone = channels.remove_rule(north.id, actor_id=None, key="rm-1")
    assert channels.remove_rule(north.id, actor_id=None, key="rm-1") == gone  # the replay's answer
    assert gone == {"id": north.id, "channel": "web", "location": "service-north"}
    with pytest.raises(NotFound, match=f"No availability record #{north.id}"):
        channels.get_rule(north.id)
    assert _count(ChannelLocation) == 1 and web.id == listed[0].channel_id


@pytest.fixture
def selling(site):
    """warehouse-main: BOLT-M8 30 + 10, NUT-M8 5; service-north: BOLT-M8 5. Channels: web
    (main, buffer 5), retail (main, share 50%), market (no rule), b2b (inactive, main).
    Reserved at main: 4 BOLT-M8 on retail, 2 on no channel."""
    receive(site.bolt, site.bin(site.main, "A-01-01"), 30)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    receive(site.nut, site.bin(site.main, "A-01-01"), 5)
    receive(site.bolt, site.bin(site.north, "S-01-01"), 5)
    made = {
        code: channels.create(code, code.title(), actor_id=None)
        for code in ("web", "retail", "market", "b2b")
    }
    channels.set_rule("web", "warehouse-main", buffer=5, actor_id=None)
    channels.set_rule("retail", "warehouse-main", share_percent=50, actor_id=None)
    channels.set_rule("b2b", "warehouse-main", actor_id=None)
    channels.change("b2b", active=False, actor_id=None)
    reservations.reserve(site.bolt, site.main, 4, ("order", "r-1"), actor_id=None, channel=made["retail"])
    reservations.reserve(site.bolt, site.main, 2, ("transfer", "t-1"), actor_id=None)
    return made


def test_the_matrix_pages_a_locations_skus_with_each_channels_atp(site, selling):
    found = channel_reads.matrix(site.main)
    assert [c.code for c in found.channels] == ["b2b", "market", "retail", "web"]
    assert [r.sku for r in found.rows] == ["BOLT-M8", "NUT-M8"] and (found.total, found.has_more) == (
        2,
        False,
    )
    bolt = found.rows[0]
    assert (bolt.stock.on_hand, bolt.stock.reserved, bolt.stock.held, bolt.stock.free) == (40, 6, 0, 34)
    by_code = {c.code: bolt.atp[c.id] for c in found.channels}
    # web: 34 free - 5 buffer; retail: 50% of 40 is 20, 4 held already; market: no rule; b2b: inactive
    assert by_code == {"b2b": 0, "market": 0, "retail": 16, "web": 29}
    for channel in found.channels:  # atp.py's own reserve-time reading agrees
        assert atp.promisable(site.bolt, site.main.id, channel, utcnow()) == bolt.atp[channel.id]

    assert [r.sku for r in channel_reads.matrix(site.main, search="nut").rows] == ["NUT-M8"]
    assert [r.sku for r in channel_reads.matrix(site.main, search="ITEM BOLT").rows] == ["BOLT-M8"]
    second = channel_reads.matrix(
        site.main, channel_codes=["retail", str(selling["web"].id)], page=2, limit=1
    )
    assert [c.code for c in second.channels] == ["retail", "web"]
    assert [r.sku for r in second.rows] == ["NUT-M8"] and (second.total, second.has_more) == (2, False)
    assert channel_reads.matrix(site.north).rows[0].atp == {c.id: 0 for c in found.channels}  # no rules there
    one, both = (
        statements(lambda: channel_reads.matrix(site.main, limit=1)),
        statements(lambda: channel_reads.matrix(site.main)),
    )
    assert one == both <= 6  # a page is a fixed number of queries, whatever its size
    with pytest.raises(ChannelNotFound):
        channel_reads.matrix(site.main, channel_codes=["nope"])


def test_the_drilldown_summary_and_check_read_the_same_figures(site, selling):
    places = channel_reads.drilldown(site.bolt)
    assert [p.location.code for p in places] == ["service-north", "warehouse-main"]
    main = places[1]
    assert (main.stock.reserved, main.reserved_no_channel, main.stock.free) == (6, 2, 34)
    cells = {c.channel.code: (c.rule is not None, c.reserved, c.atp) for c in main.channels}
    assert cells == {
        "b2b": (True, 0, 0),
        "market": (False, 0, 0),
        "retail": (True, 4, 16),
        "web": (True, 0, 29),
    }
    assert [p.location.code for p in channel_reads.drilldown(site.glue)] == ["warehouse-main"]  # a rule there

    summary = {s.channel.code: s for s in channel_reads.summary()}
    retail = summary["retail"]
    assert (retail.rules, retail.selling_locations, retail.reserved, retail.open_reservations) == (1, 1, 4, 1)
    assert (summary["market"].rules, summary["web"].reserved, summary["b2b"].channel.active) == (0, 0, False)

    asked = [(site.bolt, 29), (site.nut, 1)]
    everywhere = channel_reads.check(asked, channel=selling["web"])
    assert [(c.atp, c.ok, [(p.code, n) for p, n in c.by_place]) for c in everywhere] == [
        (29, True, [("warehouse-main", 29)]),
        (0, False, [("warehouse-main", 0)]),  # 5 free, buffer 5
    ]
    north = channel_reads.check([(site.bolt, 1)], channel=selling["web"], location=site.north)
    assert (north[0].atp, north[0].ok) == (0, False)
