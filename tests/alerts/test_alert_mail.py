"""Alert e-mail: a real SMTP server (aiosmtpd on 127.0.0.1) receives one message per
raised alert for the setting's recipients; muted settings and settings without
recipients send nothing; a failing server is retried with backoff and never twice at once."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import in_threads
from warehouse import alerts, ledger
from warehouse.alerts import alert_mail
from warehouse.alerts.alert_mail import BACKOFF, MAX_TRIES, MailServer
from warehouse.alerts.models import Alert, AlertKind, ReorderPolicy
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.ledger import Line
from warehouse.ledger.models import MovementType


class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message)."""

    def __init__(self):
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        self.got.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.server = MailServer(host="127.0.0.1", port=controller.port, sender="wms@example.com", timeout=5)
    yield inbox
    controller.stop()


@pytest.fixture
def low_bolts(site):
    """BOLT-M8 at warehouse-main, reorder point 5, recipients set; 8 on the shelf."""
    db.session.add(
        ReorderPolicy(product_id=site.bolt.id, location_id=site.main.id, reorder_point=5, reorder_qty=10)
    )
    db.session.commit()
    site.a1 = site.bin(site.main, "A-01-01")
    ledger.post(MovementType.INBOUND_PURCHASE, [Line.at(site.a1, site.bolt, qty=8)], actor_id=None)
    alerts.configure(site.bolt.id, site.main.id, recipients="ana@example.com, ben@example.com")
    return site


def sell(site, qty):
    ledger.post(MovementType.OUTBOUND_SALE, [Line.at(site.a1, site.bolt, qty=-qty)], actor_id=None)


def the_alert(kind=AlertKind.LOW_STOCK) -> Alert:
    db.session.expire_all()
    return db.session.scalar(select(Alert).where(Alert.kind == kind).order_by(Alert.id.desc()))


def test_a_raised_alert_is_mailed_once_to_every_recipient(low_bolts, smtp):
    assert (
        alert_mail.send_due(smtp.server, base_url="https://wms.example.com").sent == 0
    )  # nothing raised yet
    sell(low_bolts, 4)  # 4 left <= reorder point 5: the alerts are raised
    sell(low_bolts, 2)  # still low: the same alerts stay live, 2 left when the mail goes

    done = alert_mail.send_due(smtp.server, base_url="https://wms.example.com")

    assert (done.sent, done.failed) == (1, 0)  # one message for the place, both alerts in it
    [(to, message)] = smtp.got
    assert sorted(to) == ["ana@example.com", "ben@example.com"]
    assert message["Subject"] == "[warehouse] Low stock, reorder needed: BOLT-M8 at warehouse-main"
    assert message["From"] == "wms@example.com"
    body = message.get_content()
    assert (
        "- Low stock: " in body and "- Reorder needed: " in body and "https://wms.example.com/alerts" in body
    )
    assert "Now: on hand 2, available 2." in body  # the alert's own text has the 4 of when it was raised
    for kind in (AlertKind.LOW_STOCK, AlertKind.REORDER_NEEDED):
        alert = the_alert(kind)
        assert alert.mailed_at is not None and alert.mail_attempts == 1 and alert.mail_error is None
    sent_before = len(smtp.got)
    assert alert_mail.send_due(smtp.server).sent == 0  # never twice
    assert len(smtp.got) == sent_before


def test_muted_settings_and_places_without_recipients_send_nothing(low_bolts, smtp):
    alerts.configure(low_bolts.nut.id, low_bolts.main.id, threshold=100)  # a live low_stock, no one to tell
    ledger.post(MovementType.INBOUND_PURCHASE, [Line.at(low_bolts.a1, low_bolts.nut, qty=3)], actor_id=None)
    assert the_alert().product_id == low_bolts.nut.id
    sell(low_bolts, 4)
    alerts.configure(low_bolts.bolt.id, low_bolts.main.id, recipients="ana@example.com", muted=True)

    assert alert_mail.send_due(smtp.server).sent == 0
    assert smtp.got == []


def test_an_alert_raised_before_recipients_were_added_is_mailed_once_they_are(low_bolts, smtp):
    alerts.configure(low_bolts.bolt.id, low_bolts.main.id, recipients="")
    sell(low_bolts, 4)
    assert alert_mail.send_due(smtp.server).sent == 0
    alerts.configure(low_bolts.bolt.id, low_bolts.main.id, recipients="cy@example.com")
    assert alert_mail.send_due(smtp.server).sent == 1
    assert [to for to, _m in smtp.got] == [["cy@example.com"]]


def test_a_cleared_or_acknowledged_alert_is_not_mailed(low_bolts, smtp):
    sell(low_bolts, 4)
    ledger.post(MovementType.INBOUND_PURCHASE, [Line.at(low_bolts.a1, low_bolts.bolt, qty=20)], actor_id=None)
    assert the_alert().live_key is None  # cleared: back above the reorder point
    sell(low_bolts, 21)  # low again: low stock and reorder needed, both seen at once on the page
    for kind in (AlertKind.LOW_STOCK, AlertKind.REORDER_NEEDED):
        alerts.acknowledge(the_alert(kind).id, actor_id=None)
    assert alert_mail.send_due(smtp.server).sent == 0 and smtp.got == []


def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(low_bolts):
    bound = socket.socket()  # held, never listening: refused, and no other test can take the port
    bound.bind(("127.0.0.1", 0))
    dead = MailServer(host="127.0.0.1", port=bound.getsockname()[1], timeout=2)
    sell(low_bolts, 4)
    start = utcnow()

    assert alert_mail.send_due(dead, now=start).failed == 1
    alert = the_alert()
    assert (
        alert.mailed_at is None and alert.mail_attempts == 1 and "ConnectionRefusedError" in alert.mail_error
    )
    assert alert_mail.send_due(dead, now=start + BACKOFF[0] - timedelta(seconds=1)).failed == 0  # not due yet
    at = start
    for wait in BACKOFF:
        at += wait + timedelta(seconds=1)
        assert alert_mail.send_due(dead, now=at).failed == 1
    assert the_alert().mail_attempts == MAX_TRIES
    assert alert_mail.send_due(dead, now=at + timedelta(days=1)) == alert_mail.Pass(0, 0)  # given up


def test_racing_workers_never_mail_one_alert_twice(low_bolts, smtp, app):
    sell(low_bolts, 4)
    results, errors = in_threads(app, 4, lambda _i: alert_mail.send_due(smtp.server).sent)
    assert errors == []
    [(_to, message)] = smtp.got  # one message for the place, from whichever worker won
    mailed = sorted(int(n) for n in re.findall(r"alert #(\d+)", message.get_content()))
    assert mailed == sorted(the_alert(kind).id for kind in (AlertKind.LOW_STOCK, AlertKind.REORDER_NEEDED))
    assert sorted(results) == [0, 0, 0, 1]


@pytest.mark.parametrize(
    "settings, problem",
    [
        (dict(MAIL_PORT="smtp"), "MAIL_PORT must be a port number"),
        (dict(MAIL_PORT="70000"), "MAIL_PORT must be a port number"),
        (dict(MAIL_USERNAME="wms", MAIL_PASSWORD="secret"), "password would cross the network in clear"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_what_to_fix(app, settings, problem):
    app.config.update(
        {
            **dict(
                MAIL_SERVER="smtp.example.com",
                MAIL_PORT="",
                MAIL_USERNAME="",
                MAIL_STARTTLS=False,
                MAIL_SSL=False,
            ),
            **settings,
        }
    )
    with pytest.raises(alert_mail.MailConfigError, match=problem):
        MailServer.from_config(app.config)
    result = app.test_cli_runner().invoke(args=["mail-alerts"])
    assert result.exit_code == 2 and problem in result.output


def test_tls_settings_pick_the_port_and_allow_a_login(app):
    app.config.update(MAIL_SERVER="smtp.example.com", MAIL_PORT="", MAIL_USERNAME="wms", MAIL_SSL=True)
    assert MailServer.from_config(app.config).port == 465
    app.config.update(MAIL_SSL=False, MAIL_STARTTLS=True, MAIL_PORT="587")
    server = MailServer.from_config(app.config)
    assert (server.port, server.starttls, server.username) == (587, True, "wms")


def test_the_cli_says_when_mail_is_not_configured_and_sends_when_it_is(low_bolts, smtp, app):
    sell(low_bolts, 4)
    runner = app.test_cli_runner()
    app.config["MAIL_SERVER"] = ""
    result = runner.invoke(args=["mail-alerts"])
    assert result.exit_code == 0 and "MAIL_SERVER is not set" in result.output and smtp.got == []

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.server.port), MAIL_FROM="wms@example.com")
    result = runner.invoke(args=["mail-alerts"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    assert len(smtp.got) == 1
