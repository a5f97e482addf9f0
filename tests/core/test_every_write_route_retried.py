"""Every write route of the app, sent twice, writes once.

A lost answer is retried: a handheld sends the same scan again with its scan id, a browser
posts a page's form again with the key minted when the form was rendered, an integration
sends the same API call again with its Idempotency-Key. For each URL rule that takes POST,
PUT, PATCH or DELETE, one case builds just the state the route needs, signs in the right
role and returns the request a browser (or an API client) would send. The test snapshots
every table, sends that request, snapshots again, sends it again byte for byte, and
snapshots a third time:

- the retry wrote nothing (after the retry == after the first);
- a route that writes really wrote the first time (so the assertion can fail), and a route
  that only looks something up or signs in or out wrote nothing either time;
- an API retry is answered as the first call was (status and body) and, for a write, says
  so with `Idempotent-Replayed: true` (the availability check only reads: nothing stored).

A guard test makes a new write route without a case here fail the suite.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import accounts, counts, create_app, transfers
from warehouse.accounts.models import User
from warehouse.alerts.models import Alert, AlertKind, ReorderPolicy
from warehouse.availability import expiry, holds, reservations
from warehouse.availability.models import HoldReason
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask
from warehouse.integrations import webhooks
from warehouse.setup import imports
from warehouse.transfers.models import ReceiveReason, ShortReason

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HX = {"HX-Request": "true"}

# Columns that change when a row is only read, left out of the snapshot: a bearer token's
# last_used_at is stamped when the token is looked up (at most once a minute), on every
# call, reads included. It says when the token was last seen, not what was written.
TOUCHED_BY_READS = {("api_tokens", "last_used_at")}


# --- the database, whole ---------------------------------------------------------------


def _kept(table) -> list:
    return [c for c in table.columns if (table.name, c.name) not in TOUCHED_BY_READS]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, as committed."""
    db.session.rollback()  # end the test's read transaction: see what was committed
    rows = {}
    for table in db.metadata.sorted_tables:
        query = select(*_kept(table)).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(query)]
    db.session.rollback()
    return rows


def changes(before: dict, after: dict) -> dict[str, list[str]]:
    """Per table that differs, row by primary key: added (+), removed (-), changed (~ with
    each changed column's old and new value)."""
    out = {}
    for table in db.metadata.sorted_tables:
        if before[table.name] == after[table.name]:
            continue
        names = [c.name for c in _kept(table)]
        key = [names.index(c.name) for c in table.primary_key.columns]

        def by_key(rows, names=names, key=key):
            return {tuple(row[i] for i in key): dict(zip(names, row, strict=True)) for row in rows}

        old, new = by_key(before[table.name]), by_key(after[table.name])
        out[table.name] = (
            [f"+ {new[k]}" for k in sorted(new.keys() - old.keys())]
            + [f"- {old[k]}" for k in sorted(old.keys() - new.keys())]
            + [
                f"~ {k}: " + str({c: (old[k][c], new[k][c]) for c in names if old[k][c] != new[k][c]})
                for k in sorted(old.keys() & new.keys())
                if old[k] != new[k]
            ]
        )
    return out


# --- requests as a browser or a client sends them ----------------------------------------


@dataclass(frozen=True)
class Call:
    """One request, sent as it is each time."""

    method: str
    path: str
    data: dict | None = None  # a form post
    body: dict | None = None  # an API call's JSON
    headers: dict = field(default_factory=dict)
    files: dict | None = None  # a multipart upload: field name -> (bytes, file name)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def send(self, client):
        raw = json.dumps(self.body) if self.body is not None else None
        data = self.data
        if self.files:  # a fresh stream each time: the same bytes again
            data = {**(data or {}), **{k: (io.BytesIO(b), n) for k, (b, n) in self.files.items()}}
        return client.open(
            self.path,
            method=self.method,
            data=raw if raw is not None else data,
            content_type="application/json" if raw is not None else None,
            headers=self.headers,
        )


@dataclass
class PageForm:
    action: str
    htmx: bool  # sent by htmx or scan.js (HX-Request), else a plain browser post
    scan: bool  # a floor scan form: scan.js adds a scan id to every scan
    fields: list[tuple[str, str]]

    def data(self, typed: dict) -> dict:
        """What the browser posts: the form's controls as rendered, then what was typed."""
        sent: dict[str, list[str]] = {}
        for name, value in self.fields:
            sent.setdefault(name, []).append(value)
        out = {name: values[0] if len(values) == 1 else values for name, values in sent.items()}
        for name, value in typed.items():
            out[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        return out


class Forms(HTMLParser):
    """The POST forms of a page, each with the successful controls a browser submits:
    inputs (checkboxes only when checked; never buttons), each select's chosen option (the
    first when none is marked) and textareas; disabled controls are left out."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: tuple[str, bool, list] | None = None
        self._option: list | None = None
        self._textarea: list | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                scan = "data-scan-form" in a
                self._form = PageForm(a.get("action") or "", scan or "hx-post" in a, scan, [])
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select[2].append(self._option)
        elif not name or "disabled" in a:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append((name, a.get("value") or default))
        elif tag == "select":
            self._select = (name, "multiple" in a, [])
        elif tag == "textarea":
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options = self._select
            values = [(value if value is not None else text.strip()) for value, _, text in options]
            chosen = [v for v, (_, selected, _) in zip(values, options, strict=True) if selected]
            if not multiple and not chosen and values:
                chosen = values[:1]
            self._form.fields.extend((name, v) for v in (chosen if multiple else chosen[-1:]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.fields.append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


# --- the world a case builds on ---------------------------------------------------------


class World:
    """The `site` warehouse (warehouse-main: RCV-01, A-01-01, A-01-02; service-north:
    RCV-01, S-01-01; BOLT-M8, NUT-M8, GLUE-50) plus what each case adds, the test client,
    and the ways a browser or an integration builds its request."""

    def __init__(self, client, auth, site):
        self.client, self.auth, self.site = client, auth, site
        self.main, self.north = site.main, site.north
        self.bolt, self.nut, self.glue = site.bolt, site.nut, site.glue
        self.a1, self.a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
        self.s1 = site.bin(site.north, "S-01-01")
        self._scans = 0

    # people

    def user(self, role: str, username: str | None = None) -> User:
        """A user of the role (named after it, as Auth.login makes them)."""
        username = username or role
        found = db.session.scalar(select(User).where(User.username == username))
        return found or accounts.create_user(
            username, PASSWORD, role, badge_code=f"BADGE-{username.upper()}", pin="4321"
        )

    def sign_in(self, role: str, at=None) -> User:
        user = self.user(role)
        response = self.auth.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if at is not None:
            accounts.set_location(user, at.id)
        return user

    def token(self, role: str = "supervisor") -> str:
        return accounts.create_token(self.user(role), name="retry test")

    # requests

    def page_forms(self, page) -> list[PageForm]:
        html = (self.client.get(page) if isinstance(page, str) else page).get_data(as_text=True)
        return Forms(html).forms

    def form(self, page, action: str, /, *, where: dict | None = None, **typed) -> Call:
        """The POST a browser sends from the form of `page` (a path to GET, or a response
        already shown) whose action is `action`, with `typed` filled in. `where` picks one
        of several such forms by the values it carries (e.g. the line of a short-pick)."""
        forms = self.page_forms(page)
        found = [f for f in forms if urlsplit(f.action).path == action]
        if where:
            wanted = {(k, str(v)) for k, v in where.items()}
            found = [f for f in found if wanted <= set(f.fields)]
        assert len(found) == 1, (
            f"{len(found)} forms posting to {action} on {page}: {[f.action for f in forms]}"
        )
        form = found[0]
        if form.scan:
            self._scans += 1
            typed.setdefault("scan_id", f"scan-{self._scans}")  # as scan.js sends each scan
        return Call("POST", form.action, data=form.data(typed), headers=HX if form.htmx else {})

    def scan(self, page, action: str, code: str, /, **typed) -> Call:
        return self.form(page, action, scan=code, **typed)

    def api(self, method: str, path: str, body: dict, role: str = "supervisor") -> Call:
        headers = {"Authorization": f"Bearer {self.token(role)}", "Idempotency-Key": f"retry-{method}-{path}"}
        return Call(method, path, body=body, headers=headers)

    # stock and workflows, built through the services

    def stocked(self, qty: int = 10):
        receive(self.bolt, self.a1, qty)

    def transit(self):
        make_location("transit", LocationType.TRANSIT, ("TRANSIT",))

    def draft(self, qty: int = 3) -> int:
        """A draft transfer warehouse-main -> service-north of `qty` BOLT-M8 (10 in stock)."""
        self.stocked()
        boss = self.user("supervisor")
        transfer = transfers.create(self.main.id, self.north.id, actor_id=boss.id)
        transfers.add_line(transfer.id, self.bolt, qty, actor_id=boss.id)
        return transfer.id

    def approved(self) -> int:
        transfer_id = self.draft()
        transfers.approve(transfer_id, actor_id=self.user("supervisor").id)
        return transfer_id

    def in_transit(self) -> int:
        transfer_id = self.approved()
        self.transit()
        picker = self.user("operator", "picker")
        transfers.pick(transfer_id, self.a1, self.bolt, 3, actor_id=picker.id)
        transfers.ship(transfer_id, actor_id=picker.id)
        return transfer_id

    def received(self) -> int:
        transfer_id = self.in_transit()
        receiver = self.user("operator", "receiver")
        transfers.count_received(transfer_id, self.bolt, 3, actor_id=receiver.id)
        transfers.finish_receiving(transfer_id, actor_id=receiver.id)
        return transfer_id

    def number(self, transfer_id: int) -> str:
        return transfers.get(transfer_id).number

    def line(self, transfer_id: int) -> int:
        return transfers.get(transfer_id).lines[0].id

    def count_batch(self) -> CountBatch:
        """An open count of BOLT-M8 at warehouse-main (10 in A-01-01): one line."""
        self.stocked()
        return counts.create(
            self.main.id, counts.Selection(skus=("BOLT-M8",)), actor_id=self.user("supervisor").id
        )

    def submitted_count(self, counted: int) -> tuple[int, int]:
        """(batch id, line id) of a count `cora` counted and submitted (10 expected)."""
        batch = self.count_batch()
        cora = self.user("operator", "cora")
        counts.record(batch.id, self.a1, self.bolt, set_to=counted, actor_id=cora.id)
        counts.submit(batch.id, actor_id=cora.id)
        return batch.id, counts.get(batch.id).lines[0].id

    def receipt(self, operator: User, *, lines: bool = False) -> int:
        receipt = receiving.start("PO-1", location_id=self.main.id, actor_id=operator.id)
        if lines:
            receiving.add(receipt.id, self.bolt, qty=4, actor_id=operator.id)
        return receipt.id

    def low_stock(self):
        """BOLT-M8 low at warehouse-main (3 on hand, reorder point 5): two live alerts."""
        db.session.add(ReorderPolicy(product_id=self.bolt.id, location_id=self.main.id, reorder_point=5))
        db.session.commit()
        receive(self.bolt, self.a1, 3)

    def alert(self, kind=AlertKind.LOW_STOCK) -> int:
        return db.session.scalar(select(Alert.id).where(Alert.kind == kind))

    def expired_glue(self):
        lot = make_lot(self.glue, "L-OLD", date(2020, 1, 31))
        receive(self.glue, self.a1, 4, lot=lot)
        return lot

    def reserved(self):
        self.stocked()
        reservations.reserve(self.bolt, self.main, 2, ("order", "ord-1"), actor_id=self.user("supervisor").id)

    def subscription(self) -> int:
        return webhooks.subscribe("https://example.com/hooks", actor_id=self.user("admin").id).id


# --- the cases: one per write endpoint --------------------------------------------------


@dataclass(frozen=True)
class Case:
    setup: Callable[[World], Call]
    writes: bool  # False: a lookup, a check, signing in or out: nothing is written either time


CASES: dict[str, Case] = {}


def case(endpoint: str, *, writes: bool = True):
    def register(setup):
        assert endpoint not in CASES, endpoint
        CASES[endpoint] = Case(setup, writes)
        return setup

    return register


# sign-in and out


@case("auth.login", writes=False)
def _(w):
    w.user("operator")
    return w.form("/login", "/login", username="operator", password=PASSWORD)


@case("auth.badge_login", writes=False)
def _(w):
    w.user("operator")
    return w.form("/login/badge", "/login/badge", badge="BADGE-OPERATOR", pin="4321")


@case("auth.logout", writes=False)
def _(w):
    w.sign_in("operator")
    return w.form("/stock", "/logout")


# stock


@case("stock.adjust")
def _(w):
    w.sign_in("supervisor")
    return w.form(
        "/adjust",
        "/adjust",
        sku="BOLT-M8",
        location="warehouse-main",
        bin="A-01-01",
        quantity=5,
        reason="found",
        reference="shelf check",
    )


# floor: home, look up, put away


@case("floor.choose_location")
def _(w):
    w.sign_in("operator")  # no location yet: the floor home asks for it
    return w.form("/floor/", "/floor/location", location=w.main.id)


@case("floor.choose_language")
def _(w):
    w.sign_in("operator", at=w.main)  # one tap on the floor home; a second tap sets it again
    return w.form("/floor/", "/floor/language", language="pl")


@case("floor.lookup", writes=False)
def _(w):
    w.stocked()
    w.sign_in("operator", at=w.main)
    return w.scan("/floor/lookup", "/floor/lookup", "BOLT-M8")


@case("floor.putaway_list", writes=False)
def _(w):
    operator = w.sign_in("operator", at=w.main)
    receiving.finish(w.receipt(operator, lines=True), actor_id=operator.id)
    return w.scan("/floor/putaway", "/floor/putaway", "BOLT-M8")


@case("floor.putaway_task")
def _(w):
    operator = w.sign_in("operator", at=w.main)
    receiving.finish(w.receipt(operator, lines=True), actor_id=operator.id)
    task_id = db.session.scalar(select(PutawayTask.id))
    page = w.client.get(f"/floor/putaway/{task_id}")  # opening the task may suggest a bin anew
    db.session.rollback()
    task = db.session.get(PutawayTask, task_id)
    return w.scan(page, f"/floor/putaway/{task_id}", task.suggested_bin.barcode)


@case("floor.home_scan")
def _(w):
    w.sign_in("operator", at=w.main)
    return w.scan("/floor/", "/floor/", "PO-78")  # a PO number starts its receipt


# floor: receiving


@case("floor.receive_start")
def _(w):
    w.sign_in("operator", at=w.main)
    return w.scan("/floor/receive", "/floor/receive", "PO-77")


@case("floor.receive_scan")
def _(w):
    receipt_id = w.receipt(w.sign_in("operator", at=w.main))
    return w.scan(f"/floor/receive/{receipt_id}", f"/floor/receive/{receipt_id}", "BOLT-M8")


@case("floor.receive_skip")
def _(w):
    receipt_id = w.receipt(w.sign_in("operator", at=w.main))
    url = f"/floor/receive/{receipt_id}"
    asks_lot = w.scan(url, url, "GLUE-50").send(w.client)  # lot-tracked: the screen asks for its lot
    assert "Skip this item" in asks_lot.get_data(as_text=True)
    return w.form(asks_lot, f"{url}/skip")


@case("floor.receive_finish")
def _(w):
    receipt_id = w.receipt(w.sign_in("operator", at=w.main), lines=True)
    return w.form(f"/floor/receive/{receipt_id}", f"/floor/receive/{receipt_id}/finish")


# floor: picking and receiving transfers


@case("floor.pick_start", writes=False)
def _(w):
    transfer_id = w.approved()
    w.sign_in("operator", at=w.main)
    return w.scan("/floor/pick", "/floor/pick", w.number(transfer_id))


@case("floor.pick")
def _(w):
    transfer_id = w.approved()
    w.sign_in("operator", at=w.main)
    url = f"/floor/pick/{transfer_id}"
    bin_scanned = w.scan(url, url, w.a1.barcode).send(w.client)  # the server holds the bin
    assert bin_scanned.status_code == 200, bin_scanned.get_data(as_text=True)[:500]
    return w.scan(bin_scanned, url, "BOLT-M8")


@case("floor.short_pick")
def _(w):
    transfer_id = w.approved()
    w.sign_in("operator", at=w.main)
    url = f"/floor/pick/{transfer_id}"
    return w.form(url, f"{url}/short", where={"line": w.line(transfer_id)}, reason="not_found")


@case("floor.ship")
def _(w):
    transfer_id = w.approved()
    w.transit()
    operator = w.sign_in("operator", at=w.main)
    transfers.pick(transfer_id, w.a1, w.bolt, 3, actor_id=operator.id)
    url = f"/floor/pick/{transfer_id}"
    return w.form(url, f"{url}/ship")


@case("floor.transfer_receive_start", writes=False)
def _(w):
    transfer_id = w.in_transit()
    w.sign_in("operator", at=w.north)
    return w.scan("/floor/transfer-receive", "/floor/transfer-receive", w.number(transfer_id))


@case("floor.transfer_receive")
def _(w):
    transfer_id = w.in_transit()
    w.sign_in("operator", at=w.north)
    url = f"/floor/transfer-receive/{transfer_id}"
    return w.scan(url, url, "BOLT-M8")


@case("floor.transfer_receive_line")
def _(w):
    transfer_id = w.in_transit()
    w.sign_in("operator", at=w.north)
    url = f"/floor/transfer-receive/{transfer_id}"
    return w.form(
        url,
        f"{url}/line",
        where={"line": w.line(transfer_id)},
        received=3,
        damaged=1,
        reason="damaged_in_transit",
    )


@case("floor.transfer_receive_finish")
def _(w):
    transfer_id = w.in_transit()
    operator = w.sign_in("operator", at=w.north)
    transfers.count_received(transfer_id, w.bolt, 3, actor_id=operator.id)
    url = f"/floor/transfer-receive/{transfer_id}"
    return w.form(url, f"{url}/finish")


# floor: counting


@case("floor.count_start", writes=False)
def _(w):
    batch = w.count_batch()
    w.sign_in("operator", at=w.main)
    return w.scan("/floor/count", "/floor/count", batch.number)


@case("floor.count")
def _(w):
    batch = w.count_batch()
    w.sign_in("operator", at=w.main)
    url = f"/floor/count/{batch.id}"
    bin_scanned = w.scan(url, url, w.a1.barcode).send(w.client)  # the server holds the bin
    assert bin_scanned.status_code == 200, bin_scanned.get_data(as_text=True)[:500]
    return w.scan(bin_scanned, url, "BOLT-M8")


@case("floor.count_bin_empty")
def _(w):
    batch = w.count_batch()
    w.sign_in("operator", at=w.main)
    url = f"/floor/count/{batch.id}"
    bin_scanned = w.scan(url, url, w.a1.barcode).send(w.client)  # shows the bin's "Bin empty"
    assert bin_scanned.status_code == 200, bin_scanned.get_data(as_text=True)[:500]
    return w.form(bin_scanned, f"{url}/empty")


@case("floor.count_submit")
def _(w):
    batch = w.count_batch()
    operator = w.sign_in("operator", at=w.main)
    counts.record(batch.id, w.a1, w.bolt, set_to=10, actor_id=operator.id)
    url = f"/floor/count/{batch.id}"
    return w.form(url, f"{url}/submit")


# transfer pages


@case("transfers.new")
def _(w):
    w.sign_in("supervisor")
    return w.form(
        "/transfers/new", "/transfers/new", from_location=w.main.id, to_location=w.north.id, note="retry"
    )


@case("transfers.add_line")
def _(w):
    w.stocked()
    boss = w.sign_in("supervisor")
    transfer_id = transfers.create(w.main.id, w.north.id, actor_id=boss.id).id
    url = f"/transfers/{transfer_id}"
    return w.form(url, f"{url}/lines", code="BOLT-M8", qty=2)


@case("transfers.change_line")
def _(w):
    transfer_id = w.draft()
    w.sign_in("supervisor")
    url, line_id = f"/transfers/{transfer_id}", w.line(transfer_id)
    return w.form(url, f"{url}/lines/{line_id}", qty=5)


@case("transfers.approve")
def _(w):
    transfer_id = w.draft()
    w.sign_in("supervisor")
    url = f"/transfers/{transfer_id}"
    return w.form(url, f"{url}/approve")


@case("transfers.cancel")
def _(w):
    transfer_id = w.approved()  # cancelling releases what approval reserved
    w.sign_in("supervisor")
    url = f"/transfers/{transfer_id}"
    return w.form(url, f"{url}/cancel")


@case("transfers.complete")
def _(w):
    transfer_id = w.received()
    w.sign_in("supervisor")
    url = f"/transfers/{transfer_id}"
    return w.form(url, f"{url}/complete")


def _received_one_missing(w: World) -> int:
    """A received transfer of 3 BOLT-M8 of which 2 arrived: 1 missing, still in transit."""
    transfer_id = w.in_transit()
    receiver = w.user("operator", "receiver")
    transfers.set_received(
        transfer_id, w.line(transfer_id), received=2, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.finish_receiving(transfer_id, actor_id=receiver.id)
    return transfer_id


@case("transfers.resolve_missing")
def _(w):
    transfer_id = _received_one_missing(w)
    w.sign_in("supervisor")
    url, line_id = f"/transfers/{transfer_id}", w.line(transfer_id)
    return w.form(url, f"{url}/lines/{line_id}/missing", outcome="lost", qty=1, note="not on the truck")


# count pages


@case("counts.new")
def _(w):
    w.stocked()
    w.sign_in("supervisor")
    return w.form("/counts", "/counts/new", location=w.main.id, skus="BOLT-M8")


@case("counts.from_requests")
def _(w):
    transfer_id = w.approved()
    transfers.short_pick(
        transfer_id, w.line(transfer_id), ShortReason.NOT_FOUND, actor_id=w.user("operator", "picker").id
    )
    w.sign_in("supervisor")
    return w.form("/counts", "/counts/from-requests", where={"location": w.main.id})


@case("counts.due")
def _(w):
    w.stocked()  # no outbound yet: every SKU is class C and due (never counted)
    w.sign_in("supervisor")
    return w.form(f"/counts/abc?location={w.main.id}", "/counts/abc/due", abc_class="C")


@case("counts.resolve")
def _(w):
    batch_id, line_id = w.submitted_count(9)  # one short: accepting posts the variance
    w.sign_in("supervisor")
    url = f"/counts/{batch_id}"
    return w.form(url, f"{url}/resolve", action="accept", line=[line_id])


@case("counts.auto_accept")
def _(w):
    batch_id, _line = w.submitted_count(10)  # as expected: within any tolerance
    w.sign_in("supervisor")
    url = f"/counts/{batch_id}"
    return w.form(url, f"{url}/auto-accept")


# reservations, holds and expiry pages


@case("reservations.release")
def _(w):
    w.reserved()
    w.sign_in("supervisor")
    return w.form("/reservations", "/reservations/release", where={"reference": "order:ord-1"})


@case("holds.new")
def _(w):
    w.stocked()
    w.sign_in("supervisor")
    return w.form(
        "/holds",
        "/holds/new",
        sku="BOLT-M8",
        location="warehouse-main",
        bin="A-01-01",
        qty=2,
        reason="quality",
        note="scratched",
    )


@case("holds.release")
def _(w):
    w.stocked()
    hold = holds.place(w.bolt, w.a1, 2, HoldReason.QUALITY, actor_id=w.user("supervisor").id)
    w.sign_in("supervisor")
    return w.form("/holds", f"/holds/{hold.id}/release")


@case("holds.dispose")
def _(w):
    w.stocked()
    hold = holds.place(w.bolt, w.a1, 2, HoldReason.DAMAGED, actor_id=w.user("supervisor").id)
    w.sign_in("supervisor")
    return w.form("/holds", f"/holds/{hold.id}/dispose", note="crushed")


@case("holds.mark_expired")
def _(w):
    w.expired_glue()
    w.sign_in("supervisor")
    return w.form("/holds/expiry", "/holds/expiry/mark")


@case("holds.write_off")
def _(w):
    lot = w.expired_glue()
    hold = expiry.mark_expired(w.glue, w.a1, lot, actor_id=w.user("supervisor").id)
    w.sign_in("supervisor")
    return w.form("/holds/expiry", f"/holds/{hold.id}/write-off", reference="destruction:CERT-981")


# alerts, webhooks, replenishment pages


@case("alerts.acknowledge")
def _(w):
    w.low_stock()
    w.sign_in("supervisor")
    return w.form("/alerts", f"/alerts/{w.alert()}/acknowledge")


@case("alerts.resolve")
def _(w):
    w.low_stock()
    w.sign_in("supervisor")
    return w.form("/alerts", f"/alerts/{w.alert()}/resolve")


@case("alerts.settings")
def _(w):
    w.stocked(3)
    w.sign_in("supervisor")
    return w.form(
        "/alerts/settings",
        "/alerts/settings",
        sku="BOLT-M8",
        location="warehouse-main",
        threshold=5,
        recipients="stock@example.com",
    )


@case("webhooks.add")
def _(w):
    w.sign_in("admin")
    return w.form("/webhooks", "/webhooks", url="https://example.com/hooks")


@case("webhooks.deactivate")
def _(w):
    subscription_id = w.subscription()
    w.sign_in("admin")
    return w.form("/webhooks", f"/webhooks/{subscription_id}/deactivate")


@case("webhooks.send_test")
def _(w):
    subscription_id = w.subscription()
    w.sign_in("admin")
    return w.form("/webhooks", f"/webhooks/{subscription_id}/test")


@case("setup.organisation")
def _(w):
    w.sign_in("admin")
    return w.form("/setup", "/setup/organisation", name="Acme Renamed")


@case("setup.product_new")
def _(w):
    w.sign_in("admin")
    return w.form(
        "/setup/products/new",
        "/setup/products/new",
        sku="WASHER-M8",
        name="Washer M8",
        barcodes="9506000134369",
    )


@case("setup.product_edit")
def _(w):
    w.sign_in("admin")
    return w.form(
        "/setup/products/BOLT-M8", "/setup/products/BOLT-M8", name="Hex bolt", barcodes="19506000134359 x 12"
    )


@case("setup.product_delete")
def _(w):
    make_product("SPARE-1")
    w.sign_in("admin")
    return w.form("/setup/products/SPARE-1", "/setup/products/SPARE-1/delete")


@case("setup.locations_page")
def _(w):
    w.sign_in("admin")
    return w.form("/setup/locations", "/setup/locations", code="east", name="East hall")


@case("setup.location")
def _(w):
    w.sign_in("admin")
    page = "/setup/locations/warehouse-main"
    return w.form(page, page, name="Main hall")


@case("setup.add_bins")
def _(w):
    w.sign_in("admin")
    page = "/setup/locations/warehouse-main"
    return w.form(page, f"{page}/bins", first="B-01-01", last="B-02-05")


@case("setup.bin_active")
def _(w):
    w.sign_in("admin")
    return w.form("/setup/locations/warehouse-main", f"/setup/bins/{w.a2.id}/active")


@case("setup.location_active")
def _(w):
    w.sign_in("admin")
    page = "/setup/locations/service-north"
    return w.form(page, f"{page}/active")


PRODUCTS_FILE = b"sku,name,gtin\nWASHER-M8,Washer M8,9506000134369\n"


@case("setup.imports_page")
def _(w):
    w.sign_in("admin")
    call = w.form("/setup/import", "/setup/import", kind="products")
    return Call(call.method, call.path, data=call.data, files={"file": (PRODUCTS_FILE, "washers.csv")})


@case("setup.import_begin")
def _(w):
    run = imports.start("products", "washers.csv", PRODUCTS_FILE, skip_bad_rows=False, actor_id=None)
    w.sign_in("admin")
    return w.form(f"/setup/import/{run.id}", f"/setup/import/{run.id}/begin")


@case("setup.import_step")
def _(w):
    run = imports.start("products", "washers.csv", PRODUCTS_FILE, skip_bad_rows=False, actor_id=None)
    imports.begin(run.id, actor_id=None)
    w.sign_in("admin")
    return w.form(f"/setup/import/{run.id}", f"/setup/import/{run.id}/step")


@case("setup.users_list")
def _(w):
    w.sign_in("admin")
    return w.form("/setup/users", "/setup/users", username="newbie", password="password-9", role="operator")


@case("setup.user_change")
def _(w):
    w.user("operator")
    w.sign_in("admin")
    return w.form("/setup/users/operator", "/setup/users/operator/password", password="another-pass-1")


@case("setup.user_active")
def _(w):
    w.user("operator")
    w.sign_in("admin")
    return w.form("/setup/users/operator", "/setup/users/operator/active")


@case("setup.policies_page")
def _(w):
    w.sign_in("admin")
    return w.form(
        "/setup/policies",
        "/setup/policies",
        sku="BOLT-M8",
        location="warehouse-main",
        reorder_point=5,
        reorder_qty=20,
    )


@case("setup.policy_apply")
def _(w):
    w.low_stock()  # reorder point 5
    policy = db.session.scalar(select(ReorderPolicy))
    policy.lead_time_days, policy.safety_stock = 30, 2  # no outbound: the suggestion is 2
    db.session.commit()
    w.sign_in("admin")
    return w.form("/setup/policies", "/setup/policies/apply")


@case("replenishment.apply")
def _(w):
    w.low_stock()
    w.sign_in("supervisor")
    return w.form("/replenishment", "/replenishment/apply", value=8)


# the API: every write with its Idempotency-Key


@case("api.stock_adjust")
def _(w):
    w.stocked()
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "quantity": 5,
        "reason": "found",
    }
    return w.api("POST", "/api/stock", body)


@case("api.stock_count")
def _(w):
    w.stocked()
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "counted_quantity": 7}
    return w.api("POST", "/api/stock/count", body)


@case("api.stock_availability", writes=False)
def _(w):
    w.stocked()
    return w.api("POST", "/api/availability/check", {"items": [{"sku": "BOLT-M8", "quantity": 2}]})


@case("api.reservations_reserve")
def _(w):
    w.stocked()
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "quantity": 2,
        "reference_type": "order",
        "reference_id": "ord-1",
    }
    return w.api("POST", "/api/stock/reserve", body)


@case("api.reservations_release")
def _(w):
    w.reserved()
    return w.api("POST", "/api/stock/release", {"reference_type": "order", "reference_id": "ord-1"})


@case("api.reservations_fulfill")
def _(w):
    w.reserved()
    return w.api("POST", "/api/stock/fulfill", {"reference_type": "order", "reference_id": "ord-1"})


@case("api.reservations_return_stock")
def _(w):
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "quantity": 1,
        "reference_type": "order",
        "reference_id": "ord-1",
        "reason": "customer return",
    }
    return w.api("POST", "/api/stock/return", body)


@case("api.transfers_create_transfer")
def _(w):
    w.stocked()
    body = {
        "from_location": "warehouse-main",
        "to_location": "service-north",
        "lines": [{"sku": "BOLT-M8", "quantity": 2}],
    }
    return w.api("POST", "/api/transfers", body)


@case("api.transfers_change_transfer")
def _(w):
    transfer_id = w.draft()
    return w.api("PATCH", f"/api/transfers/{transfer_id}", {"status": "approved"})


@case("api.transfers_resolve_missing")
def _(w):
    transfer_id = _received_one_missing(w)
    body = {"line_id": w.line(transfer_id), "outcome": "found", "quantity": 1}
    return w.api("POST", f"/api/transfers/{transfer_id}/missing", body)


@case("api.counts_create_count")
def _(w):
    w.stocked()
    return w.api("POST", "/api/cycle-counts", {"location": "warehouse-main", "skus": ["BOLT-M8"]})


@case("api.counts_resolve_count")
def _(w):
    batch_id, line_id = w.submitted_count(9)
    return w.api("POST", f"/api/cycle-counts/{batch_id}/resolve", {"accept": [line_id]})


@case("api.locations_create_location")
def _(w):
    body = {"code": "overflow", "name": "Overflow", "type": "warehouse", "bins": [{"code": "O-01"}]}
    return w.api("POST", "/api/locations", body, role="admin")


@case("api.alerts_configure_alerts")
def _(w):
    w.stocked(3)
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "low_stock_threshold": 5, "recipients": ""}
    return w.api("POST", "/api/alerts", body)


@case("api.alerts_change_alert")
def _(w):
    w.low_stock()
    return w.api("PATCH", "/api/alerts", {"id": w.alert(), "status": "acknowledged"})


@case("api.products_create_product")
def _(w):
    body = {
        "sku": "WASHER-M8",
        "name": "Washer M8",
        "barcodes": [{"code": "9506000134369"}, {"code": "CASE-W8", "pack_qty": 50}],
        "stock_quantity": 20,  # opening stock: one posting, once
        "location": "warehouse-main",
        "reorder_point": 5,
        "reorder_quantity": 40,
    }
    return w.api("POST", "/api/products", body, role="admin")


@case("api.products_change_product")
def _(w):
    body = {"name": "Hex bolt M8", "location": "warehouse-main", "reorder_point": 4}
    return w.api("PATCH", f"/api/products/{w.bolt.id}", body, role="admin")


@case("api.products_sync_products")
def _(w):
    body = {
        "items": [
            {"sku": "WASHER-M8", "name": "Washer M8"},
            {"sku": "BOLT-M8", "name": "Hex bolt M8"},
            {"sku": "NUT-M8", "barcodes": [{"code": "4006381333931"}]},
        ]
    }
    return w.api("PUT", "/api/products", body, role="admin")


@case("api.replenishment_save_config")
def _(w):
    w.stocked(3)
    body = {
        "items": [
            {"sku": "BOLT-M8", "location": "warehouse-main", "reorder_point": 5, "reorder_qty": 20},
            {"sku": "NUT-M8", "location": "service-north", "reorder_point": 2, "max_level": 10},
        ]
    }
    return w.api("PUT", "/api/replenishment/config", body)


# the API: adjustments, lot corrections, ABC counts, cancelling a count


@case("api.adjustments_adjust_to_actual")
def _(w):
    w.stocked()
    line = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "actual_quantity": 7}
    return w.api("POST", "/api/adjustments", {"adjustments": [{**line, "reason": "physical_count"}]})


@case("api.adjustments_correct_lot")
def _(w):
    receive(w.glue, w.a1, 4, lot=make_lot(w.glue, "G-OLD", date(2030, 1, 31)))
    body = {
        "sku": "GLUE-50",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "wrong_lot": "G-OLD",
        "right_lot": "G-NEW",
        "expiry": "2030-06-30",
        "quantity": 2,
    }
    return w.api("POST", "/api/adjustments/lot-correction", body)


@case("api.counts_count_due")
def _(w):
    w.stocked()  # no outbound yet: every SKU is class C and due (never counted)
    return w.api("POST", "/api/cycle-counts/abc", {"location": "warehouse-main"})


@case("api.counts_change_count")
def _(w):
    batch = w.count_batch()
    return w.api("PATCH", f"/api/cycle-counts/{batch.id}", {"status": "cancelled"})


# stock requests: the pages and the API (warehouse/stock_requests/)


def _stock_request(w: World, *, submitted: bool = True) -> int:
    """SR-000001: the operator asks 3 BOLT-M8 for service-north; 10 at warehouse-main. Only
    they change, submit or roll it back; a supervisor decides."""
    from warehouse import stock_requests

    w.stocked()
    olga = w.user("operator")
    request = stock_requests.create(
        location_id=w.north.id,
        department=None,
        lines=[stock_requests.LineIn(w.bolt, 3)],
        actor_id=olga.id,
    )
    if submitted:
        stock_requests.submit(request.id, actor_id=olga.id)
    return request.id


@case("stock_requests.new")
def _(w):
    w.sign_in("operator", at=w.north)
    return w.form("/stock-requests/new", "/stock-requests/new", department="Workshop")


@case("stock_requests.add_line")
def _(w):
    request_id = _stock_request(w, submitted=False)
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/lines", code="NUT-M8", qty=2)


@case("stock_requests.change_line")
def _(w):
    from warehouse import stock_requests

    request_id = _stock_request(w, submitted=False)
    line_id = stock_requests.get(request_id).lines[0].id
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/lines/{line_id}", qty=5)


@case("stock_requests.submit")
def _(w):
    request_id = _stock_request(w, submitted=False)
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/submit")


@case("stock_requests.rollback")
def _(w):
    request_id = _stock_request(w)
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/rollback")


@case("stock_requests.cancel")
def _(w):
    request_id = _stock_request(w)
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/cancel")


@case("stock_requests.comment")
def _(w):
    request_id = _stock_request(w)
    w.sign_in("operator")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/comments", text="Needed by Friday")


@case("stock_requests.approve")
def _(w):
    request_id = _stock_request(w)
    w.sign_in("supervisor")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/approve")  # as a transfer from the suggested source, preselected


@case("stock_requests.reject")
def _(w):
    request_id = _stock_request(w)
    w.sign_in("supervisor")
    url = f"/stock-requests/{request_id}"
    return w.form(url, f"{url}/reject", reason="Take them from the van")


@case("api.stock_requests_create_request")
def _(w):
    body = {"location": "service-north", "lines": [{"sku": "BOLT-M8", "quantity": 2}]}
    return w.api("POST", "/api/stock-requests", body, role="operator")


@case("api.stock_requests_change_request")
def _(w):
    request_id = _stock_request(w, submitted=False)
    return w.api(
        "PATCH",
        f"/api/stock-requests/{request_id}",
        {"lines": [{"sku": "NUT-M8", "quantity": 4}]},
        role="operator",
    )


@case("api.stock_requests_delete_request")
def _(w):
    request_id = _stock_request(w)
    return w.api("DELETE", f"/api/stock-requests/{request_id}", None)


@case("api.stock_requests_add_line")
def _(w):
    request_id = _stock_request(w, submitted=False)
    return w.api(
        "POST", f"/api/stock-requests/{request_id}/lines", {"sku": "NUT-M8", "quantity": 1}, role="operator"
    )


@case("api.stock_requests_comment")
def _(w):
    request_id = _stock_request(w)
    return w.api("POST", f"/api/stock-requests/{request_id}/comment", {"text": "Needed by Friday"})


@case("api.stock_requests_change_status")
def _(w):
    request_id = _stock_request(w, submitted=False)
    return w.api("POST", f"/api/stock-requests/{request_id}/status", {"status": "submitted"}, role="operator")


@case("api.stock_requests_submit")
def _(w):
    request_id = _stock_request(w, submitted=False)
    return w.api("POST", f"/api/stock-requests/{request_id}/submit", None, role="operator")


@case("api.stock_requests_rollback")
def _(w):
    request_id = _stock_request(w)
    return w.api("POST", f"/api/stock-requests/{request_id}/rollback", None, role="operator")


@case("api.stock_requests_approve")
def _(w):
    request_id = _stock_request(w)
    return w.api("POST", f"/api/stock-requests/{request_id}/approve", {"fulfil_as": "issue"})


@case("api.stock_requests_reject")
def _(w):
    request_id = _stock_request(w)
    return w.api("POST", f"/api/stock-requests/{request_id}/reject", {"reason": "Use the van's spares"})


# the API: holds, expired stock and its destruction, put-away, lot control (issue 16)

_HOLD = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 2, "reason": "quality"}


@case("api.holds_place_hold")
def _(w):
    w.stocked()
    return w.api("POST", "/api/holds", _HOLD)


@case("api.holds_release_hold")
def _(w):
    w.stocked()
    hold = holds.place(w.bolt, w.a1, 2, HoldReason.QUALITY, actor_id=w.user("supervisor").id)
    return w.api("POST", "/api/holds/release", {"hold_id": hold.id})


@case("api.expiry_mark_expired")
def _(w):
    w.expired_glue()
    body = {"sku": "GLUE-50", "location": "warehouse-main", "bin": "A-01-01", "lot": "L-OLD"}
    return w.api("POST", "/api/expiry/mark-expired", body)


@case("api.expiry_transfer_destruction")
def _(w):
    hold = expiry.mark_expired(w.glue, w.a1, w.expired_glue(), actor_id=w.user("supervisor").id)
    make_location("destruction", LocationType.DESTRUCTION, ("DESTRUCTION",))
    body = {"hold_id": hold.id, "reference_type": "destruction", "reference_id": "CERT-981"}
    return w.api("POST", "/api/expiry/transfer-destruction", body)


@case("api.expiry_mark_consumed")
def _(w):
    hold = expiry.mark_expired(w.glue, w.a1, w.expired_glue(), actor_id=w.user("supervisor").id)
    body = {"hold_id": hold.id, "reference_type": "destruction", "reference_id": "CERT-981"}
    return w.api("POST", "/api/expiry/mark-consumed", body)


@case("api.putaway_create_task")
def _(w):
    receive(w.bolt, w.site.bin(w.main, "RCV-01"), 4)  # on the dock with no task
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 4}
    return w.api("POST", "/api/putaway", body, role="operator")


@case("api.putaway_confirm_task")
def _(w):
    operator = w.user("operator")
    receiving.finish(w.receipt(operator, lines=True), actor_id=operator.id)
    task = db.session.scalar(select(PutawayTask))
    return w.api("POST", f"/api/putaway/{task.id}/confirm", {"bin": "A-01-01"}, role="operator")


@case("api.lot_control_validate_body", writes=False)
def _(w):
    w.expired_glue()
    return w.api("POST", "/api/lot-control/validate", {"sku": "GLUE-50", "lot": "L-OLD"}, role="operator")


# selling channels: the /channels setup page and the API (issue 17, warehouse/availability/channels.py)

from warehouse.availability import channels  # noqa: E402  (this block's own, kept beside its cases)


def _selling(w):
    """Channel web selling from warehouse-main (buffer 1), where 10 BOLT-M8 are."""
    w.stocked()
    channels.create("web", "Web shop", actor_id=None)
    return channels.set_rule("web", "warehouse-main", buffer=1, actor_id=None)


@case("channels.create")
def _(w):
    w.sign_in("admin")
    return w.form("/channels/setup", "/channels/setup/new", code="web", name="Web shop")


@case("channels.edit")
def _(w):
    _selling(w)
    w.sign_in("admin")
    return w.form("/channels/setup", "/channels/setup/web/edit", name="Online shop")


@case("channels.set_rule")
def _(w):
    _selling(w)
    w.sign_in("admin")
    return w.form("/channels/setup", "/channels/setup/rule", where={"location": "warehouse-main"}, buffer=4)


@case("channels.remove_rule")
def _(w):
    rule = _selling(w)
    w.sign_in("admin")
    return w.form("/channels/setup", f"/channels/setup/rule/{rule.id}/remove")


@case("api.channels_create_channel")
def _(w):
    return w.api("POST", "/api/channels", {"code": "web", "name": "Web shop"}, role="admin")


@case("api.channels_change_channel")
def _(w):
    _selling(w)
    return w.api("PATCH", "/api/channels/web", {"name": "Online shop", "active": False}, role="admin")


@case("api.channels_set_rule")
def _(w):
    _selling(w)
    body = {"channel": "web", "location": "service-north", "buffer": 2}
    return w.api("POST", "/api/inventory/availability", body, role="admin")


@case("api.channels_change_rule")
def _(w):
    rule = _selling(w)
    body = {"buffer": 3, "share_percent": 50}
    return w.api("POST", f"/api/inventory/availability/{rule.id}", body, role="admin")


@case("api.channels_remove_rule")
def _(w):
    rule = _selling(w)
    return w.api("DELETE", f"/api/inventory/availability/{rule.id}", None, role="admin")


@case("api.channels_check", writes=False)
def _(w):
    _selling(w)
    body = {"channel": "web", "items": [{"sku": "BOLT-M8", "quantity": 2}]}
    return w.api("POST", "/api/inventory/availability/check", body, role="operator")


# orders and routing (issue 17, helper "orders": warehouse/availability/routing.py, orders.py)

from warehouse.availability import orders  # noqa: E402  (this block's own, kept beside its cases)

ORDER_BODY = {
    "reference": "ord-9",
    "items": [{"sku": "BOLT-M8", "quantity": 2}],
    "ship_to": {"latitude": 52.1, "longitude": 5.1},
}


def _routable(w) -> None:
    """warehouse-main placed on the map near the ship-to point, 10 BOLT-M8 there."""
    w.stocked()
    w.main.latitude, w.main.longitude = 52.0, 5.0
    db.session.commit()


def _ordered(w) -> None:
    """Order ord-9: 2 BOLT-M8 reserved at warehouse-main, pending fulfilment."""
    _routable(w)
    orders.place("ord-9", [(w.bolt, 2)], ship_to=(52.1, 5.1), actor_id=w.user("supervisor").id, key=None)


@case("api.orders_route", writes=False)
def _(w):
    _routable(w)
    body = {k: v for k, v in ORDER_BODY.items() if k != "reference"}
    return w.api("POST", "/api/orders/route", body, role="operator")


@case("api.orders_place")
def _(w):
    _routable(w)
    return w.api("POST", "/api/orders", ORDER_BODY, role="operator")


@case("api.orders_cancel")
def _(w):
    _ordered(w)
    return w.api("POST", "/api/orders/ord-9/cancel", None)


@case("api.orders_fulfill")
def _(w):
    _ordered(w)
    return w.api("POST", "/api/orders/ord-9/fulfill", {"location": "warehouse-main"})


# --- the tests ---------------------------------------------------------------------------


def test_every_write_route_has_a_retry_case():
    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI="sqlite://")  # its URL map only
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & WRITE_METHODS}
    assert endpoints - set(CASES) == set(), "write routes without a case in CASES: add one"
    assert set(CASES) - endpoints == set(), "cases for routes that no longer exist: remove them"


@pytest.mark.parametrize("endpoint", sorted(CASES), ids=sorted(CASES))
def test_a_retried_request_writes_once(endpoint, app, client, auth, site):
    case_ = CASES[endpoint]
    call = case_.setup(World(client, auth, site))
    sent = f"{call.method} {call.path} {call.body if call.api else call.data} {call.headers}"

    before = snapshot()
    first = call.send(client)
    assert first.status_code < 400, f"{sent}: {first.status_code} {first.get_data(as_text=True)[:800]}"
    after_first = snapshot()
    retry = call.send(client)
    assert retry.status_code < 500, f"{sent}: retry {retry.status_code}"
    after_retry = snapshot()

    if case_.writes:
        assert after_first != before, f"{sent}: the first request wrote nothing, so this case proves nothing"
    else:
        assert after_first == before, (
            f"{sent}: a request that only reads wrote {changes(before, after_first)}"
        )
    assert after_retry == after_first, (
        f"{sent}: the retry ({retry.status_code}) wrote again: {changes(after_first, after_retry)}"
    )
    if call.api:
        replayed = retry.headers.get("Idempotent-Replayed")
        # A write is answered from what its first call stored; a check that only reads is
        # simply asked again (nothing stored), and with the stock unchanged answers the same.
        assert replayed == ("true" if case_.writes else None), f"{sent}: Idempotent-Replayed {replayed}"
        assert (retry.status_code, retry.get_data()) == (first.status_code, first.get_data())
