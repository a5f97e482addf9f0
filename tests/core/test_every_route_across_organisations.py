"""Every route, asked by another organisation: nothing of the first is shown or changed.

The first organisation (`acme`, where every test starts) builds what a route works on,
exactly as the write-route retry cases do (tests/core/test_every_write_route_retried.py).
Then an admin of a second organisation, `harbor`, signs in (or sends a harbor API token)
and sends that same request, aimed at acme's ids, codes and numbers:

- writes: not one row of acme's changes (the snapshot is taken inside acme), and the
  answer is a refusal, never a server error;
- reads: every page and API read with an id, a code or a number of acme's in its path is
  a 404 (or a redirect away), and every list, page, report and PDF shows none of acme's
  SKUs, product names or location codes.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token, pdf_text
from tests.core.test_every_write_route_retried import CASES, Call, World, changes, snapshot
from warehouse import accounts, create_app
from warehouse.accounts import organisations
from warehouse.core import tenancy
from warehouse.core.extensions import db

# What only acme's rows carry (its products' names, its location codes; a bare SKU such
# as BOLT-M8 is also the count form's placeholder); a code that the asked path itself holds
# may be echoed in the refusal ("No location warehouse-main").
ACME_MARKERS = ("Item BOLT-M8", "Item NUT-M8", "Item GLUE-50", "service-north", "warehouse-main")


class Harbor:
    """The second organisation: its admin signed in on the test client, and a token."""

    def __init__(self, client):
        self.org = organisations.create("harbor", "Harbor Foods")
        with tenancy.acting_for(self.org.id):
            admin = accounts.create_user("harbor-admin", PASSWORD, "admin")
            self.token = accounts.create_token(admin, name="probe")
        self.client = client
        if client.get("/stock").status_code == 200:  # a case signed someone of acme in
            client.post("/logout", data={"csrf_token": csrf_token(client, "/stock")})
        signed_in = client.post(
            "/login",
            data={
                "username": "harbor-admin",
                "password": PASSWORD,
                "csrf_token": csrf_token(client, "/login"),
            },
        )
        assert signed_in.status_code == 302

    def aimed(self, call: Call) -> Call:
        """The same request, sent by harbor: its own session's CSRF token or its token."""
        if call.api:
            headers = {**call.headers, "Authorization": f"Bearer {self.token}", "Idempotency-Key": "probe-1"}
            return Call(call.method, call.path, body=call.body, headers=headers)
        data = dict(call.data or {})
        token = csrf_token(self.client, "/stock")
        if "csrf_token" in data:
            data["csrf_token"] = token
        headers = {**call.headers, "X-CSRFToken": token} if call.headers else call.headers
        return Call(call.method, call.path, data=data, headers=headers, files=call.files)


@pytest.mark.parametrize("endpoint", sorted(CASES), ids=sorted(CASES))
def test_a_write_from_another_organisation_changes_nothing(endpoint, app, client, auth, site):
    call = CASES[endpoint].setup(World(client, auth, site))
    harbor = Harbor(client)
    probe = harbor.aimed(call)
    sent = f"{probe.method} {probe.path} {probe.body if probe.api else probe.data}"

    before = acme_only(snapshot())  # acme's rows (the snapshot runs inside acme)
    answer = probe.send(client)
    after = acme_only(snapshot())

    assert answer.status_code < 500, f"{sent}: {answer.status_code}"
    assert after == before, f"{sent} ({answer.status_code}) changed acme's rows: {changes(before, after)}"


def acme_only(rows: dict) -> dict:
    """The snapshot without other organisations' own rows of `organisations` (a table no
    organisation scopes: harbor renaming itself is not a change to acme)."""
    return {**rows, "organisations": [r for r in rows["organisations"] if r[1] == "acme"]}


def _acme_world(client, auth, site) -> dict:
    """One of each thing acme has, by the ids, codes and numbers the routes take."""
    w = World(client, auth, site)
    transfer_id = w.received()
    batch_id, _line = w.submitted_count(9)
    w.low_stock()
    lot = w.expired_glue()
    from warehouse.availability import holds
    from warehouse.availability.models import HoldReason
    from warehouse.inbound import receiving
    from warehouse.inbound.models import PutawayTask

    boss = w.user("supervisor")
    hold = holds.place(w.glue, w.a1, 1, HoldReason.QUALITY, lot=lot, actor_id=boss.id)
    operator = w.user("operator")
    receipt_id = w.receipt(operator, lines=True)
    receiving.finish(receipt_id, actor_id=operator.id)
    task = db.session.scalar(db.select(PutawayTask))
    # stock requests: one submitted by an operator of acme
    from tests.core.test_every_write_route_retried import _stock_request

    stock_request = _stock_request(w)
    # selling channels: channel web's rule at warehouse-main (an availability record's id)
    from tests.core.test_every_write_route_retried import _selling

    channel_rule = _selling(w).id
    # orders: ord-9, 2 BOLT-M8 reserved at warehouse-main (read by its reference)
    from tests.core.test_every_write_route_retried import _ordered

    _ordered(w)
    return dict(
        transfer=transfer_id,
        count=batch_id,
        receipt=receipt_id,
        task=task.id,
        hold=hold.id,
        alert=w.alert(),
        webhook=w.subscription(),
        line=w.line(transfer_id),
        number=w.number(transfer_id),
        product=w.bolt.id,
        stock_request=stock_request,
        channel_rule=channel_rule,
        order="ord-9",
    )


def _path_with_acme_ids(rule, acme: dict) -> str | None:
    """The rule's path with acme's objects in it (None: a rule with no acme object)."""
    path = rule.rule
    first = path.strip("/").split("/")[1 if path.startswith("/api/") else 0]
    by_prefix = {
        "transfers": "transfer",
        "transfer-receive": "transfer",
        "pick": "transfer",
        "counts": "count",
        "cycle-counts": "count",
        "count": "count",
        "receive": "receipt",
        "putaway": "task",
        "holds": "hold",
        "alerts": "alert",
        "webhooks": "webhook",
        "products": "product",
        "stock-requests": "stock_request",
    }
    segments = path.strip("/").split("/")
    place = by_prefix.get(first) or by_prefix.get(segments[1] if len(segments) > 1 else "")
    out = []
    for part in segments:
        if part.startswith("<"):
            name = part.strip("<>").split(":")[-1]
            if name in ("sku",):
                out.append("BOLT-M8")
            elif name == "code":
                out.append("warehouse-main")
            elif name == "line_id":
                out.append(str(acme["line"]))
            elif name == "fmt":
                out.append("csv")
            elif name == "filename":
                return None
            elif name == "availability_id":
                out.append(str(acme["channel_rule"]))
            elif name == "reference":  # an order's reference
                out.append(acme["order"])
            elif place is None:
                return None
            else:
                out.append(str(acme[place]))
        else:
            out.append(part)
    return "/" + "/".join(out).replace(".<any(csv,pdf):fmt>", ".csv")


def _read_rules():
    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI="sqlite://")  # its URL map only
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint not in ("static", "assets.htmx")
        ),
        key=lambda r: r.rule,
    )


def test_every_read_from_another_organisation_shows_nothing_of_the_first(app, client, auth, site, tmp_path):
    acme = _acme_world(client, auth, site)
    harbor = Harbor(client)
    asked, leaks = 0, []
    for rule in _read_rules():
        if rule.arguments:
            path = _path_with_acme_ids(rule, acme)
            if path is None:
                continue
        else:
            path = rule.rule
        if rule.endpoint in ("auth.logout",):
            continue
        answer = client.get(
            path, headers={"Authorization": f"Bearer {harbor.token}"} if path.startswith("/api/") else {}
        )
        asked += 1
        body = (
            answer.get_data(as_text=True)
            if not answer.mimetype.endswith("pdf")
            else pdf_text(answer.data, tmp_path)
        )
        if answer.status_code >= 500:
            leaks.append(f"{path}: {answer.status_code}")
        if rule.arguments and 200 <= answer.status_code < 300 and rule.endpoint not in _LISTS_WITH_ARGUMENTS:
            leaks.append(f"{path}: {answer.status_code}, acme's object answered")
        shown = [m for m in ACME_MARKERS if m in body and m not in path]
        if shown:
            leaks.append(f"{path}: shows {shown}")
    assert asked > 40
    assert leaks == [], "\n".join(leaks)


# Routes whose path argument is a filter or a format, not an object: they answer 200 with
# harbor's own (empty) rows.
_LISTS_WITH_ARGUMENTS = {"dashboard.movements", "dashboard.valuation", "dashboard.variances"}
