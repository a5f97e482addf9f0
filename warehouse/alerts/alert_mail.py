"""E-mail to the people named in an alert setting when one of its alerts is raised.

Alerts are raised inside posting transactions, where no one should wait on a mail
server, so a worker (`flask mail-alerts`, from cron like the webhook worker) sends them
afterwards:

1. due(): open alerts not mailed yet whose SKU x location setting has recipients and is
   not muted (an alert raised before recipients were added is mailed once they are),
   grouped by place.
2. A place's due alerts are claimed together by one guarded UPDATE (still due, not
   mailed) that counts the try and pushes `mail_next_at` out by LEASE, committed before
   the SMTP conversation. A second worker's UPDATE finds them no longer due, so one alert
   is never mailed by two workers at once, and one place gets one message.
3. One message to all of the setting's recipients naming every alert claimed there (low
   stock and reorder needed usually come together). Success sets `mailed_at`; a failure
   keeps the error and waits BACKOFF before the next try; after MAX_TRIES it stops (the
   alert stays on the alerts page either way).

LEASE is longer than the slowest conversation the timeouts allow (each socket operation
may take TIMEOUT: connect, EHLO, STARTTLS, AUTH, MAIL, one RCPT per recipient, DATA,
QUIT), so a slow server cannot let another worker send the same alert meanwhile. A worker
that dies between the server accepting the message and `mailed_at` being saved sends it
again after the lease: at least once, like most mail.

A password is only ever sent over TLS: MAIL_USERNAME needs MAIL_STARTTLS or MAIL_SSL.

The message is in English: recipients are e-mail addresses, not users, so no one's saved
language is known. Its texts are `msg(...)` and `compose` says them with `say`, ready for
a recipient whose language is known.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from itertools import groupby

from sqlalchemy import and_, func, or_, select, update

from warehouse import ledger
from warehouse.alerts.models import Alert, AlertKind, AlertSetting, AlertStatus, alert_text
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_TRIES = len(BACKOFF) + 1
TIMEOUT = 10.0  # seconds per socket operation with the mail server
LEASE = timedelta(minutes=30)  # > (8 + the most recipients 500 characters hold) x TIMEOUT
KIND_WORDS = {
    AlertKind.LOW_STOCK.value: msg("Low stock"),
    AlertKind.OUT_OF_STOCK.value: msg("Out of stock"),
    AlertKind.REORDER_NEEDED.value: msg("Reorder needed"),
    AlertKind.OVERSTOCK.value: msg("Overstock"),
}


class MailConfigError(ValueError):
    """The MAIL_* settings cannot work; the message says which to fix."""


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int = 25
    sender: str = "warehouse@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False  # implicit TLS (usually port 465)
    timeout: float = TIMEOUT

    @classmethod
    def from_config(cls, config) -> MailServer | None:
        """None when MAIL_SERVER is not set: alerts then live on the alerts page only.
        MailConfigError when the settings cannot work."""
        if not config.get("MAIL_SERVER"):
            return None
        port = str(config.get("MAIL_PORT") or ("465" if config.get("MAIL_SSL") else "25")).strip()
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise MailConfigError(f"MAIL_PORT must be a port number (1-65535), not {port[:20]!r}.")
        server = cls(
            host=config["MAIL_SERVER"],
            port=int(port),
            sender=config.get("MAIL_FROM") or "warehouse@localhost",
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            starttls=bool(config.get("MAIL_STARTTLS")),
            ssl=bool(config.get("MAIL_SSL")),
        )
        if server.username and not (server.starttls or server.ssl):
            raise MailConfigError(
                "MAIL_USERNAME is set but neither MAIL_STARTTLS=1 nor MAIL_SSL=1: "
                "the password would cross the network in clear. Turn one on."
            )
        return server


@dataclass(frozen=True)
class Pass:
    sent: int
    failed: int


@dataclass(frozen=True)
class Due:
    alert_id: int
    product_id: int
    location_id: int


@dataclass(frozen=True)
class Claimed:
    alert_id: int
    attempt: int
    kind: str
    sku: str
    product_name: str
    location: str
    message: str
    raised_at: datetime
    recipients: list[str]
    on_hand_now: int  # the place's stock when the message is sent (the alert's text has it when raised)
    available_now: int


def send_due(
    server: MailServer, *, now: datetime | None = None, limit: int = 100, base_url: str | None = None
) -> Pass:
    """Mail the due alerts (up to `limit`): one message per SKU x location, one try each.
    Counts messages."""
    sent = failed = 0
    for (product_id, location_id), _group in groupby(
        due(now or utcnow(), limit), key=lambda d: (d.product_id, d.location_id)
    ):
        claimed = _claim_place(product_id, location_id, now or utcnow())
        if not claimed:  # another worker has them, or they were closed or muted meanwhile
            continue
        ok, note = _send(server, compose(claimed, server.sender, base_url))
        for alert in claimed:
            _record(alert, ok, note, now or utcnow())
        sent, failed = sent + ok, failed + (not ok)
    return Pass(sent, failed)


def _due_filter(now: datetime):
    return and_(
        Alert.status == AlertStatus.OPEN,
        Alert.live_key.is_not(None),
        Alert.mailed_at.is_(None),
        Alert.mail_attempts < MAX_TRIES,
        or_(Alert.mail_next_at.is_(None), Alert.mail_next_at <= now),
    )


def _with_setting(query):
    return query.join(
        AlertSetting,
        and_(AlertSetting.product_id == Alert.product_id, AlertSetting.location_id == Alert.location_id),
    ).where(AlertSetting.recipients.is_not(None), AlertSetting.muted.is_(False))


def due(now: datetime, limit: int = 100) -> list[Due]:
    """The alerts to mail now, by place (SKU x location), oldest first within one."""
    rows = db.session.execute(
        _with_setting(select(Alert.id, Alert.product_id, Alert.location_id))
        .where(_due_filter(now))
        .order_by(Alert.product_id, Alert.location_id, Alert.id)
        .limit(limit)
    ).all()
    db.session.rollback()  # no read transaction held open while we talk to the mail server
    return [Due(*row) for row in rows]


def _claim_place(product_id: int, location_id: int, now: datetime) -> list[Claimed]:
    """Claim every due alert of one place in one guarded UPDATE; [] when none is left."""

    def run():
        wanted = _with_setting(select(Alert.id)).where(
            Alert.product_id == product_id, Alert.location_id == location_id, _due_filter(now)
        )
        claimed = db.session.execute(
            update(Alert)
            .where(Alert.id.in_(wanted.scalar_subquery()), _due_filter(now))
            .values(mail_attempts=Alert.mail_attempts + 1, mail_next_at=now + LEASE)
            .returning(Alert.id, Alert.mail_attempts)
            .execution_options(synchronize_session=False)
        ).all()
        if not claimed:
            return []
        attempt = dict(claimed)
        on_hand, available = db.session.execute(
            select(
                func.coalesce(func.sum(Balance.on_hand), 0), func.coalesce(func.sum(Balance.available), 0)
            ).where(Balance.product_id == product_id, Balance.location_id == location_id)
        ).one()
        rows = db.session.execute(
            _with_setting(
                select(
                    Alert.id,
                    Alert.kind,
                    Alert.message,
                    Alert.on_hand,
                    Alert.threshold,
                    Alert.raised_at,
                    Product.sku,
                    Product.name,
                    Location.code,
                    AlertSetting.recipients,
                )
                .join(Product, Product.id == Alert.product_id)
                .join(Location, Location.id == Alert.location_id)
            )
            .where(Alert.id.in_(attempt))
            .order_by(Alert.id)
        ).all()
        return [
            Claimed(
                row.id,
                attempt[row.id],
                row.kind.value,
                row.sku,
                row.name,
                row.code,
                alert_text(row.message, row.kind, row.sku, row.code, row.on_hand, row.threshold),
                row.raised_at,
                [r.strip() for r in row.recipients.split(",") if r.strip()],
                int(on_hand),
                int(available),
            )
            for row in rows
        ]

    return ledger.atomically(run)


def compose(
    alerts: list[Claimed], sender: str, base_url: str | None = None, say: Callable[[str], str] = str
) -> EmailMessage:
    """One message for the alerts of one SKU x location, its words said with `say`."""
    first = alerts[0]
    kinds = ", ".join(say(_kind(a)) for a in alerts).capitalize()
    message = EmailMessage()
    message["Subject"] = say(
        msg("[warehouse] {kinds}: {sku} at {location}", kinds=kinds, sku=first.sku, location=first.location)
    )
    message["From"] = sender
    message["To"] = ", ".join(first.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"alert-{first.alert_id}")
    where = msg(
        "{sku} ({name}) at {location}:", sku=first.sku, name=first.product_name, location=first.location
    )
    lines = [say(where), ""]
    lines += [say(_line(a, say)) for a in alerts]
    now = msg(
        "Now: on hand {on_hand}, available {available}.",
        on_hand=first.on_hand_now,
        available=first.available_now,
    )
    lines += ["", say(now)]
    if base_url:
        page = base_url.rstrip("/") + "/alerts"
        lines += ["", say(msg("See and acknowledge at {url}", url=page))]
    lines += ["", say(msg("You get this as a recipient of this SKU's alerts at this location."))]
    message.set_content("\n".join(lines) + "\n")
    return message


def _kind(alert: Claimed) -> str:
    return KIND_WORDS.get(alert.kind) or alert.kind.replace("_", " ").capitalize()


def _line(alert: Claimed, say: Callable[[str], str]) -> str:
    return msg(
        "- {kind}: {text} (alert #{alert}, raised {raised} UTC)",
        kind=say(_kind(alert)),
        text=say(alert.message),
        alert=alert.alert_id,
        raised=alert.raised_at.strftime("%Y-%m-%d %H:%M"),
    )


def _send(server: MailServer, message: EmailMessage) -> tuple[bool, str | None]:
    """(sent, note). Sent when the server took the message for at least one recipient (a
    retry would mail those again); the note names any refused address, or the error."""
    try:
        if server.ssl:
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with connection as smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ValueError) as failure:  # refused, timeout, DNS, TLS
        return False, f"{type(failure).__name__}: {failure}"[:300]
    if refused:
        return True, f"refused recipients: {', '.join(sorted(refused))}"[:300]
    return True, None


def _record(alert: Claimed, ok: bool, note: str | None, now: datetime) -> None:
    def run():
        if ok:
            values = dict(mailed_at=now, mail_error=note, mail_next_at=None)
        else:
            wait = BACKOFF[min(alert.attempt, len(BACKOFF)) - 1]
            values = dict(mail_error=note, mail_next_at=now + wait)
        db.session.execute(
            update(Alert)
            .where(Alert.id == alert.alert_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    ledger.atomically(run)
