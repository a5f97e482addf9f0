"""Available to promise per SKU x channel x location (warehouse/availability/atp.py):
the formula's truth table, the same figures read from a real ledger (held, reserved by
other channels, receiving bins, expired lots, lapsed carts), and reserves refused beyond a
channel's ATP with a message naming the channel."""

import json
from datetime import datetime, timedelta

import pytest

from tests.factories import make_lot, receive
from warehouse import ledger
from warehouse.availability import atp, holds, reservations
from warehouse.availability.atp import Stock
from warehouse.availability.models import Channel, ChannelLocation, HoldReason, Reservation
from warehouse.core.columns import utcnow
from warehouse.core.errors import ChannelAtpExceeded, InsufficientStock
from warehouse.core.extensions import db
from warehouse.integrations.models import OutboxEvent

T0 = datetime(2026, 12, 6, 9, 0, 0)


def _channel(code, active=True):
    channel = Channel(code=code, name=code.title(), active=active)
    db.session.add(channel)
    db.session.flush()
    return channel


def _rule(channel, location, *, can_sell=True, buffer=0, share=None):
    rule = ChannelLocation(
        channel_id=channel.id, location_id=location.id, can_sell=can_sell, buffer=buffer, share_percent=share
    )
    db.session.add(rule)
    db.session.commit()
    return rule


# --- the formula -------------------------------------------------------------------------
# free: what a reserve could take; sellable: on hand less held there; mine: reserved on
# this channel already. The share caps what the channel holds at once, of sellable - buffer.

WEB = Channel(id=1, code="web", name="Web", active=True)
TRUTH = [
    # free, sellable, mine, can_sell, buffer, share, ATP
    (10, 10, 0, True, 0, None, 10),  # no rule limits: everything free
    (10, 10, 0, True, 3, None, 7),  # the buffer is kept back
    (2, 10, 0, True, 3, None, 0),  # a buffer larger than what is free: 0, never negative
    (10, 10, 0, False, 0, None, 0),  # the rule says it does not sell from here
    (10, 10, 0, True, 0, 50, 5),  # half of sellable
    (10, 10, 4, True, 0, 50, 1),  # half, less what this channel already holds
    (10, 10, 6, True, 0, 50, 0),  # holding more than its share already: 0
    (4, 10, 0, True, 0, 50, 4),  # others hold 6: free is the limit, not the share
    (20, 20, 0, True, 4, 25, 4),  # 25% of (20 - 4)
    (0, 10, 0, True, 0, None, 0),  # others hold everything
    (7, 10, 0, True, 0, 100, 7),  # 100% is no cap
]


@pytest.mark.parametrize("free, sellable, mine, can_sell, buffer, share, expected", TRUTH)
def test_the_atp_formula(free, sellable, mine, can_sell, buffer, share, expected):
    stock = Stock(
        on_hand=sellable, free=free, sellable=sellable, reserved=sellable - free, by_channel={1: mine}
    )
    rule = ChannelLocation(channel_id=1, location_id=1, can_sell=can_sell, buffer=buffer, share_percent=share)
    assert atp.atp(stock, WEB, rule) == expected


def test_no_rule_or_an_inactive_channel_promises_nothing_and_no_channel_promises_what_is_free():
    stock = Stock(on_hand=10, free=8, sellable=10)
    rule = ChannelLocation(channel_id=1, location_id=1, can_sell=True, buffer=0, share_percent=None)
    assert atp.atp(stock, WEB, None) == 0
    assert atp.atp(stock, Channel(id=1, code="web", name="Web", active=False), rule) == 0
    assert atp.atp(stock, None, None) == 8


# --- the figures from the ledger -----------------------------------------------------------


@pytest.fixture
def shop(site):
    """BOLT-M8 at warehouse-main: 20 on a shelf (A-01-01), 5 more in the receiving bin.
    Channels web (buffer 2, half of sellable), retail (no limit), marketplace (not here)."""
    receive(site.bolt, site.bin(site.main, "A-01-01"), 20)
    receive(site.bolt, site.bin(site.main, "RCV-01"), 5)
    site.web, site.retail, site.market = _channel("web"), _channel("retail"), _channel("marketplace")
    _rule(site.web, site.main, buffer=2, share=50)
    _rule(site.retail, site.main)
    _rule(site.market, site.main, can_sell=False)
    return site


def _atp(site, channel, now=None):
    return atp.promisable(site.bolt, site.main.id, channel, now or utcnow())


def test_figures_and_atp_from_held_reserved_and_receiving_units(shop):
    holds.place(shop.bolt, shop.bin(shop.main, "A-01-01"), 3, HoldReason.QUALITY, actor_id=None)
    reservations.reserve(shop.bolt, shop.main, 4, ("order", "r-1"), actor_id=None, channel=shop.retail)
    reservations.reserve(shop.bolt, shop.main, 2, ("order", "w-1"), actor_id=None, channel=shop.web)
    reservations.reserve(shop.bolt, shop.main, 1, ("transfer", "TR-1"), actor_id=None)

    stock = atp.figures([shop.bolt.id], [shop.main.id])[(shop.bolt.id, shop.main.id)]

    assert (stock.on_hand, stock.held, stock.reserved) == (25, 3, 7)
    assert (stock.free, stock.sellable) == (10, 17)  # 20 - 3 held - 7 reserved; receiving left out
    assert stock.by_channel == {shop.retail.id: 4, shop.web.id: 2}
    assert stock.reserved_no_channel == 1
    assert _atp(shop, shop.retail) == 10
    assert _atp(shop, shop.web) == min(10 - 2, (17 - 2) * 50 // 100 - 2)  # 5: its share binds
    assert _atp(shop, shop.market) == 0
    assert _atp(shop, None) == 10


def test_expired_lots_are_not_promised(shop):
    today = utcnow().date()
    old = make_lot(shop.glue, "OLD", today - timedelta(days=1))
    good = make_lot(shop.glue, "GOOD", today + timedelta(days=30))
    receive(shop.glue, shop.bin(shop.main, "A-01-01"), 6, lot=old)
    receive(shop.glue, shop.bin(shop.main, "A-01-02"), 4, lot=good)

    stock = atp.figures([shop.glue.id], [shop.main.id])[(shop.glue.id, shop.main.id)]

    assert (stock.on_hand, stock.free) == (10, 4)
    assert atp.promisable(shop.glue, shop.main.id, shop.retail, utcnow()) == 4


def test_a_lapsed_cart_stops_counting_at_its_expiry_before_any_sweep(shop):
    cart = ("cart", "c-1")
    reservations.reserve(
        shop.bolt, shop.main, 15, cart, actor_id=None, channel=shop.retail, ttl=timedelta(minutes=60), now=T0
    )

    assert _atp(shop, shop.retail, T0 + timedelta(minutes=59)) == 5
    assert _atp(shop, shop.retail, T0 + timedelta(minutes=60)) == 20  # expired: free again, unswept

    # A reserve after the expiry takes the lapsed units: the cart is expired in its transaction.
    rows = reservations.reserve(
        shop.bolt,
        shop.main,
        18,
        ("order", "o-1"),
        actor_id=None,
        channel=shop.retail,
        now=T0 + timedelta(minutes=61),
    )
    assert sum(r.qty for r in rows) == 18
    db.session.expire_all()
    lapsed = db.session.scalars(db.select(Reservation).filter_by(reference_id="c-1")).one()
    assert (lapsed.status.value, lapsed.qty_open) == ("expired", 0)
    assert ledger.balance(shop.bolt.id, shop.bin(shop.main, "A-01-01").id) == (20, 18, 0)
    assert reservations.sweep(now=T0 + timedelta(hours=2)) == 0  # nothing left to tidy
    [expired] = [
        json.loads(e.payload)["data"]
        for e in db.session.scalars(db.select(OutboxEvent).where(OutboxEvent.type == "reservation.expired"))
    ]
    assert (expired["reference"], expired["quantity"], expired["channel_id"]) == (
        "cart:c-1",
        15,
        shop.retail.id,
    )


def test_a_reserve_beyond_a_channels_atp_is_refused_naming_the_channel_and_writes_nothing(shop):
    before = ledger.balance(shop.bolt.id, shop.bin(shop.main, "A-01-01").id)

    with pytest.raises(ChannelAtpExceeded) as refused:
        reservations.reserve(shop.bolt, shop.main, 10, ("order", "w-9"), actor_id=None, channel=shop.web)
    assert "channel web" in refused.value.message and "Only 9" in refused.value.message
    assert isinstance(refused.value, InsufficientStock)  # answered as a stock refusal (409)
    with pytest.raises(ChannelAtpExceeded, match="Channel marketplace does not sell from warehouse-main"):
        reservations.reserve(shop.bolt, shop.main, 1, ("order", "m-1"), actor_id=None, channel=shop.market)

    assert ledger.balance(shop.bolt.id, shop.bin(shop.main, "A-01-01").id) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Reservation)) == 0
    rows = reservations.reserve(shop.bolt, shop.main, 9, ("order", "w-9"), actor_id=None, channel=shop.web)
    assert [(r.qty, r.channel_id) for r in rows] == [(9, shop.web.id)]
    assert _atp(shop, shop.web) == 0 and _atp(shop, shop.retail) == 11
