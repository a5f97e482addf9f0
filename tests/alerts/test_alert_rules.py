"""Alerts, domain side: raised by postings once per kind x SKU x location (also when
postings race), cleared when the condition ends, acknowledged and resolved by people,
settings that override or mute; events written in the posting's own transaction."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from tests.conftest import in_threads
from tests.factories import make_location, receive
from warehouse import alerts, counts, ledger, transfers
from warehouse.alerts.models import Alert, AlertKind, AlertStatus, ReorderPolicy
from warehouse.catalog.models import LocationType
from warehouse.core.errors import AlertRefused, InsufficientStock, InvalidAlertSetting
from warehouse.core.extensions import db
from warehouse.integrations.models import OutboxEvent
from warehouse.ledger import Line
from warehouse.ledger.models import MovementType, ReasonCode

K, A = AlertKind, AlertStatus


@pytest.fixture
def wh(site):
    """BOLT-M8 at warehouse-main with reorder point 5 and max level 20."""
    db.session.add(
        ReorderPolicy(
            product_id=site.bolt.id, location_id=site.main.id, reorder_point=5, reorder_qty=10, max_level=20
        )
    )
    db.session.commit()
    site.a1, site.a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    return site


def sell(site, bin, qty, product=None, **kw):
    return ledger.post(
        MovementType.OUTBOUND_SALE, [Line.at(bin, product or site.bolt, qty=-qty)], actor_id=None, **kw
    )


def live(kind=None):
    query = select(Alert).where(Alert.live_key.is_not(None)).order_by(Alert.id)
    if kind:
        query = query.where(Alert.kind == kind)
    return list(db.session.scalars(query))


def kinds():
    return sorted(a.kind.value for a in live())


def outbox(type=None):
    query = select(OutboxEvent).order_by(OutboxEvent.id)
    if type:
        query = query.where(OutboxEvent.type == type)
    return [json.loads(e.payload) for e in db.session.scalars(query)]


# --- raising and clearing ---------------------------------------------------------------


def test_a_sale_below_the_reorder_point_raises_low_stock_once_with_a_stock_low_event(wh):
    receive(wh.bolt, wh.a1, 12)
    assert live() == []
    sell(wh, wh.a1, 6)  # 6 left, above 5
    assert live() == []
    sell(wh, wh.a1, 1)  # 5 left: at the reorder point
    sell(wh, wh.a1, 1)  # 4 left: still low, no second alert
    low = live(K.LOW_STOCK)
    assert len(low) == 1
    assert (low[0].on_hand, low[0].threshold, low[0].status) == (5, 5, A.OPEN)
    assert low[0].live_key == f"low_stock:{wh.bolt.id}:{wh.main.id}"
    [event_body] = outbox("stock.low")
    assert event_body["type"] == "stock.low"
    assert event_body["data"] == dict(
        alert_id=low[0].id,
        kind="low_stock",
        sku="BOLT-M8",
        product_id=wh.bolt.id,
        location="warehouse-main",
        location_id=wh.main.id,
        on_hand=5,
        available=5,
        reorder_point=5,
        threshold=5,
    )
    # The same alert as the storefront automation's trigger, with the same data.
    [automation] = outbox("inventory.low-stock")
    assert (automation["type"], automation["data"]) == ("inventory.low-stock", event_body["data"])


def test_low_stock_clears_when_restocked_and_a_new_drop_raises_a_new_alert(wh):
    receive(wh.bolt, wh.a1, 4)
    [first] = live(K.LOW_STOCK)
    receive(wh.bolt, wh.a2, 3)  # 7 in the location: above the reorder point
    db.session.expire_all()
    assert live(K.LOW_STOCK) == []
    cleared = db.session.get(Alert, first.id)
    assert (cleared.status, cleared.live_key) == (A.CLEARED, None)
    assert cleared.closed_at is not None
    sell(wh, wh.a2, 3)
    [second] = live(K.LOW_STOCK)
    assert second.id != first.id
    assert len(outbox("stock.low")) == 2


def test_out_of_stock_is_judged_on_available_over_all_bins_even_without_a_policy(wh):
    receive(wh.nut, wh.a1, 2)
    receive(wh.nut, wh.a2, 1)
    sell(wh, wh.a1, 2, wh.nut)
    assert live(K.OUT_OF_STOCK) == []  # one unit left in A-01-02
    ledger.post(MovementType.RESERVE, [Line.at(wh.a2, wh.nut, reserved=1)], actor_id=None)
    [out] = live(K.OUT_OF_STOCK)  # on hand 1, but all of it reserved
    assert (out.on_hand, out.available) == (1, 0)
    assert [e["data"]["alert_id"] for e in outbox("stock.out")] == [out.id]
    assert live(K.LOW_STOCK) == []  # no policy, no threshold: never low
    ledger.post(MovementType.RELEASE, [Line.at(wh.a2, wh.nut, reserved=-1)], actor_id=None)
    assert live(K.OUT_OF_STOCK) == []


def test_overstock_above_max_level_and_clears_below_it(wh):
    receive(wh.bolt, wh.a1, 20)
    assert kinds() == []
    receive(wh.bolt, wh.a2, 1)
    assert kinds() == ["overstock"]
    sell(wh, wh.a2, 1)
    assert kinds() == []


def test_reorder_needed_only_when_nothing_is_inbound(wh):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    receive(wh.bolt, wh.a1, 8)
    receive(wh.bolt, wh.bin(wh.north, "S-01-01"), 10)
    sell(wh, wh.a1, 4)  # 4 left, nothing on the way
    assert kinds() == ["low_stock", "reorder_needed"]
    inbound = transfers.create(wh.north.id, wh.main.id, actor_id=None)
    transfers.add_line(inbound.id, wh.bolt, 6)
    transfers.approve(inbound.id, actor_id=None)
    sell(wh, wh.a1, 1)  # judged again: 6 units are on their way
    assert kinds() == ["low_stock"]
    assert alerts.inbound_units({(wh.bolt.id, wh.main.id)}) == {(wh.bolt.id, wh.main.id): 6}


def test_approving_or_cancelling_a_transfer_judges_reorder_needed_at_its_destination(wh):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    north_bin = wh.bin(wh.north, "S-01-01")
    db.session.add(ReorderPolicy(product_id=wh.bolt.id, location_id=wh.north.id, reorder_point=3))
    db.session.commit()
    receive(wh.bolt, wh.a1, 10)
    receive(wh.bolt, north_bin, 2)
    north = lambda: sorted(a.kind.value for a in live() if a.location_id == wh.north.id)  # noqa: E731
    assert north() == ["low_stock", "reorder_needed"]
    t = transfers.create(wh.main.id, wh.north.id, actor_id=None)
    transfers.add_line(t.id, wh.bolt, 5)
    transfers.approve(t.id, actor_id=None)  # its posting is at warehouse-main only
    assert north() == ["low_stock"]  # 5 units on their way to service-north
    transfers.cancel(t.id, actor_id=None)
    assert north() == ["low_stock", "reorder_needed"]


def test_a_sku_with_a_policy_and_no_stock_at_a_place_is_judged_there_too(wh):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    db.session.add(ReorderPolicy(product_id=wh.nut.id, location_id=wh.north.id, reorder_point=2))
    db.session.commit()
    receive(wh.nut, wh.a1, 10)
    t = transfers.create(wh.main.id, wh.north.id, actor_id=None)
    transfers.add_line(t.id, wh.nut, 4)
    transfers.approve(t.id, actor_id=None)  # judges NUT-M8 at service-north, never stocked there
    north = lambda: sorted(a.kind.value for a in live() if a.location_id == wh.north.id)  # noqa: E731
    assert north() == ["low_stock", "out_of_stock"]  # 4 are on their way: no reorder needed
    transfers.cancel(t.id, actor_id=None)
    assert north() == ["low_stock", "out_of_stock", "reorder_needed"]
    assert sorted(a.kind.value for a in live() if a.location_id == wh.main.id) == []


def test_a_threshold_setting_overrides_the_reorder_point_and_is_applied_at_once(wh):
    receive(wh.bolt, wh.a1, 8)
    assert kinds() == []
    alerts.configure(wh.bolt.id, wh.main.id, threshold=10, recipients="a@example.com; b@example.com")
    [low] = live(K.LOW_STOCK)
    assert low.threshold == 10
    assert alerts.setting_for(wh.bolt.id, wh.main.id).recipients == "a@example.com, b@example.com"
    alerts.configure(wh.bolt.id, wh.main.id, threshold=None)
    assert kinds() == []  # back to the reorder point 5: 8 is fine


def test_a_muted_place_raises_nothing(wh):
    alerts.configure(wh.bolt.id, wh.main.id, muted=True)
    receive(wh.bolt, wh.a1, 2)
    sell(wh, wh.a1, 2)
    assert live() == [] and outbox("stock.low") == [] and outbox("stock.out") == []


def test_bad_thresholds_and_recipients_are_refused_and_write_nothing(wh):
    for bad in (-1, 1_000_000_001):
        with pytest.raises(InvalidAlertSetting, match="Threshold"):
            alerts.configure(wh.bolt.id, wh.main.id, threshold=bad)
    with pytest.raises(InvalidAlertSetting, match="Not an e-mail"):
        alerts.configure(wh.bolt.id, wh.main.id, recipients="bob")
    assert alerts.setting_for(wh.bolt.id, wh.main.id) is None


# --- people ------------------------------------------------------------------------------


def test_acknowledge_then_resolve_and_a_second_click_is_told_what_happened(wh, app):
    from warehouse import accounts

    sam = accounts.create_user("sam", "correct-horse-battery", "supervisor")
    receive(wh.bolt, wh.a1, 3)
    [low] = live(K.LOW_STOCK)
    assert alerts.open_count() == 2  # low_stock and reorder_needed
    acked = alerts.acknowledge(low.id, actor_id=sam.id)
    assert (acked.status, acked.acknowledged_by) == (A.ACKNOWLEDGED, sam.id)
    assert alerts.open_count() == 2  # acknowledged is still live
    with pytest.raises(AlertRefused, match="already acknowledged"):
        alerts.acknowledge(low.id, actor_id=sam.id)
    done = alerts.resolve(low.id, actor_id=sam.id)
    assert (done.status, done.live_key, done.closed_by) == (A.RESOLVED, None, sam.id)
    assert alerts.open_count() == 1
    assert alerts.open_count(location_id=wh.north.id) == 0
    with pytest.raises(AlertRefused, match="already resolved"):
        alerts.resolve(low.id, actor_id=sam.id)
    sell(wh, wh.a1, 1)  # still low: a new alert, since the old one was closed by a person
    assert len(live(K.LOW_STOCK)) == 1 and live(K.LOW_STOCK)[0].id != low.id


def test_listing_filters_by_status_kind_location_and_sku(wh):
    receive(wh.bolt, wh.a1, 3)
    receive(wh.nut, wh.a1, 1)
    sell(wh, wh.a1, 1, wh.nut)
    assert {a.kind for a in alerts.listing()} == {K.LOW_STOCK, K.REORDER_NEEDED, K.OUT_OF_STOCK}
    assert [a.product.sku for a in alerts.listing(kind=K.OUT_OF_STOCK)] == ["NUT-M8"]
    assert {a.kind for a in alerts.listing(sku="bolt")} == {K.LOW_STOCK, K.REORDER_NEEDED}
    assert alerts.listing(location_id=wh.north.id) == []
    assert alerts.listing(status=A.RESOLVED) == []
    assert len(alerts.listing(status=None)) == 3


# --- events and transactions -------------------------------------------------------------


def test_a_refused_posting_writes_no_alert_and_no_event(wh):
    receive(wh.bolt, wh.a1, 8)
    before = (len(outbox()), len(live()))
    with pytest.raises(InsufficientStock):
        ledger.post(
            MovementType.ADJUSTMENT,
            [Line.at(wh.a1, wh.bolt, qty=-4), Line.at(wh.a2, wh.bolt, qty=-1)],
            actor_id=None,
            reason=ReasonCode.DAMAGED,
        )
    db.session.rollback()
    assert (len(outbox()), len(live())) == before == (0, 0)


def test_an_adjustment_publishes_one_stock_adjusted_event_with_every_line(wh):
    receive(wh.bolt, wh.a1, 10)
    receive(wh.nut, wh.a2, 4)
    posted = ledger.post(
        MovementType.ADJUSTMENT,
        [Line.at(wh.a1, wh.bolt, qty=-2), Line.at(wh.a2, wh.nut, qty=3)],
        actor_id=None,
        reason=ReasonCode.FOUND,
        reference=("note", "n-1"),
    )
    [body] = outbox("stock.adjusted")
    assert body["data"]["posting_id"] == posted.posting_id
    assert body["data"]["reason"] == "found" and body["data"]["reference"] == "note:n-1"
    assert sorted(body["data"]["lines"], key=lambda l: l["sku"]) == [
        dict(
            sku="BOLT-M8",
            location="warehouse-main",
            bin="A-01-01",
            lot=None,
            qty=-2,
            on_hand_after=8,
            available_after=8,
        ),
        dict(
            sku="NUT-M8",
            location="warehouse-main",
            bin="A-01-02",
            lot=None,
            qty=3,
            on_hand_after=7,
            available_after=7,
        ),
    ]
    sell(wh, wh.a1, 1)
    assert len(outbox("stock.adjusted")) == 1  # sales are not adjustments


def test_transfer_steps_and_a_resolved_count_publish_their_events(wh):
    from warehouse import accounts

    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    receive(wh.bolt, wh.a1, 12)
    t = transfers.create(wh.main.id, wh.north.id, actor_id=None)
    transfers.add_line(t.id, wh.bolt, 2)
    transfers.approve(t.id, actor_id=None)
    transfers.pick(t.id, wh.a1, wh.bolt, 2, actor_id=None)
    transfers.ship(t.id, actor_id=None)
    moves = [(e["data"]["from_status"], e["data"]["to_status"]) for e in outbox("transfer.status_changed")]
    assert moves == [("draft", "approved"), ("approved", "in_transit")]
    assert outbox("transfer.status_changed")[0]["data"]["number"] == t.number

    counter = accounts.create_user("cat", "correct-horse-battery", "operator")
    boss = accounts.create_user("sam", "correct-horse-battery", "supervisor")
    batch = counts.create(wh.main.id, counts.Selection(skus=("BOLT-M8",)), actor_id=boss.id)
    counts.record(batch.id, wh.a1, wh.bolt, actor_id=counter.id, set_to=9)
    counts.submit(batch.id, actor_id=counter.id)
    assert outbox("count.resolved") == []
    counts.accept(batch.id, [line.id for line in counts.get(batch.id).lines], actor_id=boss.id)
    [resolved] = outbox("count.resolved")
    assert resolved["data"]["number"] == batch.number
    assert resolved["data"]["lines"] == {"accepted": 1, "rejected": 0, "recount": 0}
    [adjusted] = outbox("stock.adjusted")  # the count's adjustment_count posting
    assert adjusted["data"]["type"] == "adjustment_count" and adjusted["data"]["lines"][0]["qty"] == -1


# --- cost and concurrency ----------------------------------------------------------------


def test_the_listener_sends_the_same_number_of_statements_for_one_line_or_twenty(wh, app):
    bins = [wh.a1, wh.a2]
    for product in (wh.bolt, wh.nut):
        for b in bins:
            receive(product, b, 50)

    def statements_for(lines):
        seen = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            ledger.post(MovementType.OUTBOUND_SALE, lines, actor_id=None)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        # The ledger sends one guarded UPDATE per line; everything else must not grow.
        return len([s for s in seen if not s.lstrip().upper().startswith("UPDATE STOCK_BALANCES")])

    one = statements_for([Line.at(wh.a1, wh.bolt, qty=-1)])
    many = statements_for([Line.at(b, p, qty=-1) for p in (wh.bolt, wh.nut) for b in bins])
    assert one == many <= 6


def test_racing_postings_make_exactly_one_live_alert_per_kind(wh, app):
    workers = 8
    for n in range(workers):
        receive(wh.bolt, wh.a1 if n % 2 else wh.a2, 2)  # 16 units in two bins: not low yet
    db.session.query(ReorderPolicy).update({"reorder_point": 100, "max_level": None})
    db.session.commit()
    first_new = (db.session.scalar(select(func.max(Alert.id))) or 0) + 1
    low_events = len(outbox("stock.low"))
    _results, errors = in_threads(app, workers, lambda n: sell(wh, wh.a1 if n % 2 else wh.a2, 1))
    assert errors == []
    assert (
        db.session.scalar(
            select(func.count()).select_from(Alert).where(Alert.kind == K.LOW_STOCK, Alert.id >= first_new)
        )
        == 1
    )
    assert len(live(K.LOW_STOCK)) == 1
    assert len(outbox("stock.low")) == low_events + 1
    assert ledger.balance(wh.bolt.id, wh.a1.id)[0] + ledger.balance(wh.bolt.id, wh.a2.id)[0] == 8
