"""Webhooks against a REAL local HTTP receiver (http.server in a thread) that checks every
signature: fan-out from the outbox, signed delivery, retries with backoff under a failing
receiver, the same delivery id on every retry, nothing lost when the worker was down, and
the issue's done-when: a transfer pick + ship that drops a SKU below its reorder point
reaches the receiver as a signed stock.low event."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import ORG_ID, in_threads
from tests.factories import make_location, receive
from warehouse import ledger, transfers
from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog.models import LocationType
from warehouse.core import tenancy
from warehouse.core.columns import utcnow
from warehouse.core.errors import InvalidSubscription, WebhookRefused
from warehouse.core.extensions import db
from warehouse.integrations import events, webhooks
from warehouse.integrations.models import DeliveryStatus, OutboxEvent, WebhookAttempt, WebhookDelivery
from warehouse.integrations.webhooks import BACKOFF, MAX_ATTEMPTS, delivery, guarded_http
from warehouse.ledger import Line
from warehouse.ledger.models import MovementType

D = DeliveryStatus


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what arrives and verifies signatures
    with the subscription's secret. `answers` is the status code to send next (default 204)."""

    def __init__(self):
        self.got, self.answers, self.secret, self.on_post = [], [], None, None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                receiver.got.append(
                    dict(
                        event=self.headers["X-Warehouse-Event"],
                        delivery=self.headers["X-Warehouse-Delivery"],
                        signed_ok=hmac.compare_digest(expected, self.headers["X-Warehouse-Signature"]),
                        content_type=self.headers["Content-Type"],
                        body=json.loads(body),
                    )
                )
                if receiver.on_post:  # a test's hook, run while the worker waits for the answer
                    receiver.on_post(receiver.got[-1])
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(receiver):
    subscription = webhooks.subscribe(receiver.url, "*", actor_id=None, allow_private=True)
    receiver.secret = subscription.secret
    return subscription


def deliveries():
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def attempts(delivery_id):
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )


def publish(type="stock.out", **data):
    ledger.atomically(events.publish, type, data or {"sku": "BOLT-M8"})


# --- subscriptions -----------------------------------------------------------------------


def test_a_subscription_gets_a_long_random_secret_and_can_be_deactivated_once(app):
    one = webhooks.subscribe(
        "https://erp.example.com/hook", "stock.low, stock.out", actor_id=None, allow_private=True
    )
    two = webhooks.subscribe("https://erp.example.com/hook2", "", actor_id=None, allow_private=True)
    assert len(one.secret) == 64 and one.secret != two.secret
    assert (one.event_types, two.event_types) == ("stock.low,stock.out", "*")
    webhooks.deactivate(one.id)
    assert [s.id for s in webhooks.subscriptions(active_only=True)] == [two.id]
    with pytest.raises(WebhookRefused):
        webhooks.deactivate(one.id)


def test_bad_urls_are_refused(app):
    for url in [
        "",
        "ftp://x.example.com",
        "http://",
        "javascript:alert(1)",
        "https://x.example.com/" + "a" * 500,
        "http://[::1/x",
        "https://x.example.com:99999/h",
        "https://x.example.com:port/h",
        "http://a\x00b.example.com/x",
        "http://a b.example.com/x",
        "http://x.example.com/\nHost: y",
    ]:
        with pytest.raises(InvalidSubscription, match="http"):
            webhooks.subscribe(url, actor_id=None, allow_private=True)
    assert webhooks.subscriptions() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:10.0.0.1]/hook",
        "http://localhost:5000/hook",
        "https://api.localhost/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://[64:ff9b::a00:1]/hook",
        "http://[2002:a00:1::1]/hook",
        "http://[fd00::1]/hook",
        "http://0x7f000001/x",
        "http://2130706433/x",
        "http://127.1/x",
        "http://0177.0.0.1/x",
    ],
)
def test_local_and_private_receivers_are_refused_unless_allowed(app, url):
    with pytest.raises(InvalidSubscription, match="local or private address"):
        webhooks.subscribe(url, actor_id=None)
    assert webhooks.subscriptions() == []
    assert webhooks.subscribe(url, actor_id=None, allow_private=True).url == url


def test_public_receivers_are_accepted_with_private_addresses_refused(app):
    for url in [
        "https://erp.example.com/hooks",
        "http://93.184.215.14:8080/hook",
        "https://[2606:4700::1111]/h",
    ]:
        assert webhooks.subscribe(url, actor_id=None).url == url


def test_a_receiver_whose_address_turns_private_gets_nothing(app, hooked, receiver):
    """Checked at the connection's peer, not only at subscribe time: a name that resolves
    (or re-resolves) to a private address is refused when the POST would be sent."""
    publish()
    webhooks.dispatch()
    [tried] = webhooks.deliver_due(timeout=2)
    assert not tried.ok and tried.status_code is None
    assert tried.error.endswith(
        "127.0.0.1 has no public address: not sent (see WEBHOOK_ALLOW_PRIVATE_ADDRESSES)"
    )
    assert receiver.got == []
    [d] = deliveries()
    assert d.status is D.PENDING and "not sent" in attempts(d.id)[0].error  # retried later, as any failure


def test_the_guarded_connection_delivers_to_an_address_it_judges_public(app, hooked, receiver, monkeypatch):
    """The guarded path end to end (resolve, keep public, connect, POST), with 127.0.0.1
    standing in for a public address: this machine has no internet to post to."""
    monkeypatch.setattr(guarded_http, "is_public", lambda address: address == "127.0.0.1")
    publish()
    webhooks.dispatch()
    [tried] = webhooks.deliver_due(timeout=2)
    assert tried.ok and tried.status_code == 204
    assert [got["signed_ok"] for got in receiver.got] == [True]


def test_unknown_event_types_are_refused(app):
    with pytest.raises(InvalidSubscription, match="Unknown event type"):
        webhooks.subscribe("https://x.example.com", "stock.low,stock.gone", actor_id=None, allow_private=True)


# --- dispatch and delivery ---------------------------------------------------------------


def test_an_event_reaches_the_receiver_signed_with_its_delivery_id(hooked, receiver):
    publish("stock.out", sku="BOLT-M8", on_hand=0)
    assert webhooks.run_pass(allow_private=True) == (1, 1, 0)
    [delivery] = deliveries()
    [got] = receiver.got
    assert got["signed_ok"] and got["content_type"] == "application/json"
    assert (got["event"], got["delivery"]) == ("stock.out", delivery.uuid)
    assert got["body"]["type"] == "stock.out" and got["body"]["data"] == {"sku": "BOLT-M8", "on_hand": 0}
    assert (delivery.status, delivery.attempts) == (D.DELIVERED, 1)
    assert [a.status_code for a in attempts(delivery.id)] == [204]
    assert webhooks.run_pass(allow_private=True) == (0, 0, 0)  # nothing is sent twice
    assert len(receiver.got) == 1


def test_one_pass_drains_a_backlog_larger_than_a_batch(hooked, receiver):
    backlog = webhooks.BATCH * 2 + 7
    for n in range(backlog):
        publish("stock.out", sku=f"SKU-{n}")
    assert webhooks.run_pass(allow_private=True) == (backlog, backlog, 0)
    assert len({got["delivery"] for got in receiver.got}) == backlog


def test_a_subscription_only_gets_the_types_it_asked_for(receiver, hooked):
    low_only = webhooks.subscribe(receiver.url, "stock.low", actor_id=None, allow_private=True)
    publish("stock.out")
    publish("stock.low")
    webhooks.dispatch()
    pairs = sorted((d.subscription_id, d.event.type) for d in deliveries())
    assert pairs == sorted([(hooked.id, "stock.out"), (hooked.id, "stock.low"), (low_only.id, "stock.low")])


def test_dispatching_again_never_makes_a_second_delivery_id(hooked, receiver):
    publish()
    webhooks.dispatch()
    [first] = deliveries()
    # A crashed dispatcher may leave the event looking undispatched: fan it out again.
    db.session.execute(OutboxEvent.__table__.update().values(dispatched_at=None))
    db.session.commit()
    assert webhooks.dispatch() == 0
    assert [d.uuid for d in deliveries()] == [first.uuid]


def test_a_failing_receiver_gets_retries_with_backoff_and_the_same_delivery_id(hooked, receiver):
    receiver.answers = [500, 500, 503]
    start = utcnow()
    publish()
    webhooks.dispatch(now=start)
    [delivery] = deliveries()
    tries = [t.ok for t in webhooks.deliver_due(now=start, allow_private=True)]
    assert tries == [False]
    assert (
        webhooks.deliver_due(now=start + BACKOFF[0] - timedelta(seconds=1), allow_private=True) == []
    )  # not due yet
    [d] = deliveries()
    assert d.next_attempt_at == start + BACKOFF[0] and d.status is D.PENDING
    moment = start + BACKOFF[0]
    assert [t.ok for t in webhooks.deliver_due(now=moment, allow_private=True)] == [False]
    moment += BACKOFF[1]
    assert [t.ok for t in webhooks.deliver_due(now=moment, allow_private=True)] == [False]
    moment += BACKOFF[2]
    assert [t.ok for t in webhooks.deliver_due(now=moment, allow_private=True)] == [True]
    assert {g["delivery"] for g in receiver.got} == {delivery.uuid}
    assert all(g["signed_ok"] for g in receiver.got) and len(receiver.got) == 4
    assert [g["body"] for g in receiver.got].count(receiver.got[0]["body"]) == 4  # same bytes each time
    [d] = deliveries()
    assert (d.status, d.attempts) == (D.DELIVERED, 4)
    recorded = attempts(d.id)
    assert [a.status_code for a in recorded] == [500, 500, 503, 204]
    assert "HTTP 500" in recorded[0].error and recorded[-1].error is None
    assert [a.at for a in recorded] == [start, start + BACKOFF[0], start + BACKOFF[0] + BACKOFF[1], moment]


def test_after_the_last_try_a_delivery_is_failed(hooked, receiver):
    receiver.answers = [500] * MAX_ATTEMPTS
    moment = utcnow()
    publish()
    webhooks.dispatch(now=moment)
    for n in range(MAX_ATTEMPTS):
        assert len(webhooks.deliver_due(now=moment, allow_private=True)) == 1
        moment += BACKOFF[n] if n < len(BACKOFF) else timedelta(0)
    [d] = deliveries()
    assert (d.status, d.attempts, len(attempts(d.id))) == (D.FAILED, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert webhooks.deliver_due(now=moment + timedelta(days=30), allow_private=True) == []


def test_an_unreachable_receiver_is_recorded_without_a_status_code(app):
    sub = webhooks.subscribe("http://127.0.0.1:9/nothing-listens-here", actor_id=None, allow_private=True)
    assert sub.id
    publish()
    webhooks.dispatch()
    [tried] = webhooks.deliver_due(timeout=2, allow_private=True)
    assert not tried.ok and tried.status_code is None and tried.error
    [d] = deliveries()
    [a] = attempts(d.id)
    assert a.status_code is None and a.error


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(hooked, receiver):
    publish()
    webhooks.dispatch()
    [d] = deliveries()
    now = utcnow()
    assert delivery._claim(d.id, 0, now) is not None  # worker 1 claims, then (say) dies
    assert (
        webhooks.deliver_one(d.id, 0, now=now, allow_private=True) is None
    )  # worker 2 read the same row: loses
    assert webhooks.deliver_due(now=now, allow_private=True) == []  # leased, not due
    assert receiver.got == []
    later = webhooks.deliver_due(now=now + webhooks.LEASE, allow_private=True)  # the lease ran out: retried
    assert [t.uuid for t in later] == [d.uuid] and len(receiver.got) == 1


def test_racing_workers_send_each_delivery_once(hooked, receiver, app):
    for n in range(6):
        publish("stock.out", n=n)
    webhooks.dispatch()
    results, errors = in_threads(
        app, 3, lambda _i: [t.uuid for t in webhooks.deliver_due(allow_private=True)]
    )
    assert errors == []
    sent = [uuid for worker in results for uuid in worker]
    assert len(sent) == 6 == len(set(sent)) == len(receiver.got)
    assert sorted(g["delivery"] for g in receiver.got) == sorted(sent)


def test_events_wait_in_the_outbox_while_no_worker_runs(hooked, receiver, site):
    """A crash between posting and delivery loses nothing: the posting's events are in the
    outbox (committed with it); a later pass delivers them."""
    a1 = site.bin(site.main, "A-01-01")
    receive(site.nut, a1, 1)
    ledger.post(MovementType.OUTBOUND_SALE, [Line.at(a1, site.nut, qty=-1)], actor_id=None)
    db.session.remove()  # the "crash": the app goes away before any worker pass
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        == 1
    )
    assert webhooks.run_pass(allow_private=True) == (1, 1, 0)
    assert [g["event"] for g in receiver.got] == ["stock.out"]


def test_a_new_subscription_gets_events_from_when_it_was_added_not_the_backlog(app, receiver):
    publish("stock.out", sku="OLD-1")  # raised while nobody subscribed, no worker ran
    subscription = webhooks.subscribe(receiver.url, "*", actor_id=None, allow_private=True)
    receiver.secret = subscription.secret
    publish("stock.out", sku="NEW-1")
    with time_machine.travel(utcnow() - timedelta(hours=1), tick=True):  # a server whose clock runs behind
        publish("stock.out", sku="NEW-2")
    assert webhooks.run_pass(allow_private=True) == (2, 2, 0)
    assert [g["body"]["data"]["sku"] for g in receiver.got] == ["NEW-1", "NEW-2"]


def test_a_test_event_goes_to_its_subscription_only(hooked, receiver):
    other = webhooks.subscribe("http://127.0.0.1:9/other", actor_id=None, allow_private=True)
    delivery = webhooks.send_test(hooked.id, actor_id=None)
    assert webhooks.run_pass(allow_private=True) == (0, 1, 0)
    assert [(g["event"], g["delivery"]) for g in receiver.got] == [("webhook.test", delivery.uuid)]
    assert [d.subscription_id for d in deliveries()] == [hooked.id]
    webhooks.deactivate(other.id)
    with pytest.raises(WebhookRefused):
        webhooks.send_test(other.id, actor_id=None)
    [(shown, tries)] = webhooks.recent_deliveries()
    assert shown.uuid == delivery.uuid and [a.status_code for a in tries] == [204]


def test_a_transfer_pick_and_ship_below_the_reorder_point_sends_a_signed_stock_low(hooked, receiver, site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    db.session.add(ReorderPolicy(product_id=site.bolt.id, location_id=site.main.id, reorder_point=5))
    db.session.commit()
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 8)
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(transfer.id, site.bolt, 4)
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, a1, site.bolt, 4, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)  # 4 left at warehouse-main: below 5

    webhooks.run_pass(allow_private=True)
    lows = [g for g in receiver.got if g["event"] == "stock.low"]
    assert len(lows) == 1 and lows[0]["signed_ok"]
    data = lows[0]["body"]["data"]
    assert (data["sku"], data["location"], data["on_hand"], data["reorder_point"]) == (
        "BOLT-M8",
        "warehouse-main",
        4,
        5,
    )
    statuses = [
        g["body"]["data"]["to_status"] for g in receiver.got if g["event"] == "transfer.status_changed"
    ]
    assert statuses == ["approved", "in_transit"]


def test_the_cli_runs_one_pass_by_default(hooked, receiver, app):
    publish("stock.low", sku="NUT-M8")
    result = app.test_cli_runner().invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0, result.output
    assert "1 new deliveries, 1 delivered, 0 failed" in result.output
    assert [g["event"] for g in receiver.got] == ["stock.low"] and receiver.got[0]["signed_ok"]
    bad = app.test_cli_runner().invoke(args=["deliver-webhooks", "--loop", "--interval", "0"])
    assert bad.exit_code == 2  # refused before looping: the interval is at least 0.1 s


# --- a slow pass and the clock -----------------------------------------------------------


class SlowClock:
    """A controllable clock: every POST the receiver gets "takes" `step` of it."""

    def __init__(self, start, step):
        self.now, self.step = start, step

    def __call__(self):
        return self.now


def test_a_slow_pass_leases_and_backs_off_from_the_moment_it_claims_not_from_its_start(hooked, receiver, app):
    """Cron starts a new pass every minute while an earlier pass may still be sending: the
    later pass must not claim a delivery the earlier one claimed and is about to send."""
    start = utcnow()
    clock = SlowClock(start, timedelta(seconds=70))
    publish("stock.out", n=1)
    publish("stock.out", n=2)
    webhooks.dispatch(now=start)
    later_pass = []

    def on_post(got):
        clock.now += clock.step  # this POST took a while
        if len(receiver.got) == 2 and not later_pass:  # the first pass is sending its 2nd
            later_pass.append(None)
            with app.app_context(), tenancy.acting_for(ORG_ID):  # cron's next pass starts meanwhile
                later_pass[0] = webhooks.deliver_due(now=clock, allow_private=True)
                db.session.remove()

    receiver.on_post = on_post
    receiver.answers = [204, 500]
    first_pass = webhooks.deliver_due(now=clock, allow_private=True)

    assert [t.ok for t in first_pass] == [True, False]
    assert later_pass == [[]]  # nothing was due: the second delivery was leased
    assert len(receiver.got) == 2 and len({g["delivery"] for g in receiver.got}) == 2
    _, second = deliveries()
    [tried] = attempts(second.id)
    # Tried (and recorded) after the first POST, and retried BACKOFF after its answer.
    assert tried.at == start + 2 * clock.step
    assert second.next_attempt_at == start + 2 * clock.step + BACKOFF[0] > clock.now


def test_a_worker_never_leases_for_less_than_its_timeout(hooked, receiver):
    publish()
    webhooks.dispatch()
    [d] = deliveries()
    now = utcnow()
    assert delivery._claim(d.id, 0, now, delivery._lease(600.0)) is not None
    assert webhooks.deliver_due(now=now + webhooks.LEASE, allow_private=True) == []  # still inside its 600 s
    [d] = deliveries()
    assert d.next_attempt_at >= now + timedelta(seconds=600)
