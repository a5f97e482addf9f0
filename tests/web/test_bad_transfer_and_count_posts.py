"""Probes of the transfer and cycle-count features through the real client: every POST
of /transfers, /counts, /floor/pick*, /floor/transfer-receive* and /floor/count* answered
with bad input (missing fields, wrong types, huge numbers, long or unicode text, ids of
other objects or of nothing), in the wrong state, or twice. Each must be a 4xx with a
message a person understands (floor screens: an error outcome), never a 500, and must
write nothing. The detail pages must not grow their SQL with their lines (no N+1).

TESTING propagates exceptions, so a would-be 500 fails here with its traceback."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from tests.conftest import PASSWORD, csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts, transfers
from warehouse.catalog.models import Location, LocationType
from warehouse.core import clock
from warehouse.core.extensions import db

HX = {"HX-Request": "true"}
HUGE = "99999999999999999999"
LONG = "x" * 5000
UNICODE = "Schraube Ø8 ✓ 中文 🔩"
TABLES = (
    "postings",
    "stock_movements",
    "stock_balances",
    "transfers",
    "transfer_lines",
    "transfer_allocations",
    "transfer_picks",
    "count_requests",
    "count_batches",
    "count_lines",
    "lots",
    "putaway_tasks",
    "products",
    "locations",
    "bins",
    "scan_dialogues",  # a refused scan leaves the screen's dialogue as it was
    "commands",  # ... and claims no key: sent again, it is judged afresh
)


# --- the world ---------------------------------------------------------------------------


def alternate(probes):
    """Each probe once, as a plain post and an htmx request in turn: both paths are covered
    without running every probe twice (the suite must stay fast)."""
    return [(*probe, i % 2 == 1) for i, probe in enumerate(probes)]


@pytest.fixture
def world(app, client):
    """warehouse-main (A-01-01: 10 BOLT, 3 NUT; A-01-02: 4 BOLT), service-north, transit;
    transfers main -> north in every state; a count batch of main counted by `cora` and
    submitted, one open. Nobody is signed in."""
    main = make_location("warehouse-main")
    north = make_location("service-north", LocationType.SERVICE_CENTER, ("RCV-01", "S-01-01"))
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    bolt = make_product("BOLT-M8", gtin="9506000134352")
    nut = make_product("NUT-M8")
    glue = make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    fancy = make_product("FANCY-1")
    fancy.name = UNICODE
    db.session.commit()
    a1 = next(b for b in main.bins if b.code == "A-01-01")
    a2 = next(b for b in main.bins if b.code == "A-01-02")
    s1 = next(b for b in north.bins if b.code == "S-01-01")
    receive(bolt, a1, 10)
    receive(bolt, a2, 4)
    receive(nut, a1, 3)
    receive(fancy, a2, 5)
    receive(bolt, s1, 2)

    boss = accounts.create_user("boss", PASSWORD, "supervisor")
    cora = accounts.create_user("cora", PASSWORD, "operator")
    op_main = accounts.create_user("op-main", PASSWORD, "operator")
    op_north = accounts.create_user("op-north", PASSWORD, "operator")
    accounts.set_location(op_main, main.id)
    accounts.set_location(op_north, north.id)
    accounts.set_location(cora, main.id)

    def draft(*lines, note=""):
        t = transfers.create(main.id, north.id, actor_id=boss.id, note=note)
        for product, qty in lines:
            transfers.add_line(t.id, product, qty)
        return t.id

    draft_id = draft((bolt, 2), (fancy, 1), note=UNICODE)
    empty_id = draft()
    approved_id = draft((bolt, 3))
    transfers.approve(approved_id, actor_id=boss.id)
    transit_id = draft((nut, 2))
    transfers.approve(transit_id, actor_id=boss.id)
    transfers.pick(transit_id, a1, nut, 2, actor_id=op_main.id)
    transfers.ship(transit_id, actor_id=op_main.id)
    done_id = draft((bolt, 1))
    transfers.approve(done_id, actor_id=boss.id)
    transfers.pick(done_id, a1, bolt, 1, actor_id=op_main.id)
    transfers.ship(done_id, actor_id=op_main.id)
    transfers.count_received(done_id, bolt, 1, actor_id=op_north.id)
    transfers.finish_receiving(done_id, actor_id=op_north.id)
    transfers.complete(done_id, actor_id=boss.id)
    back_id = transfers.create(north.id, main.id, actor_id=boss.id).id  # north -> main

    submitted = counts.create(main.id, counts.Selection(bins_like="A-01-01"), actor_id=boss.id)
    counts.record(submitted.id, a1, bolt, set_to=9, actor_id=cora.id)
    counts.record(submitted.id, a1, nut, set_to=3, actor_id=cora.id)
    counts.submit(submitted.id, actor_id=cora.id)
    open_batch = counts.create(main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    north_batch = counts.create(north.id, counts.Selection(), actor_id=boss.id)
    db.session.commit()

    def line_of(transfer_id, index=0):
        return sorted(l.id for l in transfers.get(transfer_id).lines)[index]

    def count_line(batch_id, index=0):
        return sorted(l.id for l in counts.get(batch_id).lines)[index]

    return dict(
        other_operator=cora.id,  # a queued scan of another sign-in
        main=main,
        north=north,
        bolt=bolt,
        nut=nut,
        glue=glue,
        fancy=fancy,
        a1=a1,
        a2=a2,
        s1=s1,
        boss=boss,
        cora=cora,
        draft=draft_id,
        empty=empty_id,
        approved=approved_id,
        transit=transit_id,
        done=done_id,
        back=back_id,
        submitted=submitted.id,
        open=open_batch.id,
        north_batch=north_batch.id,
        line_of=line_of,
        count_line=count_line,
        make_draft=draft,
    )


def sign_in(client, username):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


class Poster:
    def __init__(self, client, token_page):
        self.client, self.token = client, csrf_token(client, token_page)

    def __call__(self, path, htmx=False, **data):
        return self.client.post(path, data={"csrf_token": self.token, **data}, headers=HX if htmx else {})


@pytest.fixture
def boss(client, world):
    sign_in(client, "boss")
    return Poster(client, "/transfers")


@pytest.fixture
def op_main(client, world):
    sign_in(client, "op-main")
    return Poster(client, "/floor/")


@pytest.fixture
def op_north(client, world):
    sign_in(client, "op-north")
    return Poster(client, "/floor/")


def snapshot():
    """Every row of every table these features write: equal means nothing was written."""
    db.session.expire_all()
    return {t: db.session.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in TABLES}


def assert_refused(response, before, *, message=None, statuses=range(400, 500)):
    body = response.get_data(as_text=True)
    assert response.status_code in statuses, (response.status_code, body[:800])
    assert 'data-result="error"' in body or 'data-result="warn"' in body, body[:800]
    if message:
        assert message in body, body[:800]
    after = snapshot()
    changed = [t for t in TABLES if after[t] != before[t]]
    assert not changed, f"refused, yet wrote to {changed}"


def fill(value, world):
    """Placeholders in a probe's data: {draft}, {line:approved}, {cline:open}, {bin:a1} ..."""
    if not isinstance(value, str) or "{" not in value:
        return value

    def one(match):
        name = match.group(1)
        if name.startswith("line:"):
            return str(world["line_of"](world[name[5:]]))
        if name.startswith("cline:"):
            return str(world["count_line"](world[name[6:]]))
        if name.startswith("bin:"):
            return str(world[name[4:]].id)
        return str(getattr(world[name], "id", world[name]))

    return re.sub(r"\{([a-z_:0-9]+)\}", one, value)


def path_of(template, world):
    return template.format(
        **{
            k: (v if isinstance(v, int) else getattr(v, "id", v)) for k, v in world.items() if not callable(v)
        },
        line_draft=world["line_of"](world["draft"]),
        line_approved=world["line_of"](world["approved"]),
        line_transit=world["line_of"](world["transit"]),
        cline_submitted=world["count_line"](world["submitted"]),
    )


# --- supervisor transfer pages ----------------------------------------------------------

NEW_OK = {"from_location": "{main}", "to_location": "{north}", "note": ""}
TRANSFER_PROBES = [
    # path, data, expected status (None: any 4xx), message
    ("/transfers/new", {}, 422, "Choose where the stock leaves from"),
    ("/transfers/new", {**NEW_OK, "from_location": "abc"}, 422, None),
    ("/transfers/new", {**NEW_OK, "from_location": "-1"}, 422, None),
    ("/transfers/new", {**NEW_OK, "from_location": HUGE}, 422, None),
    ("/transfers/new", {**NEW_OK, "from_location": "1e9"}, 422, None),
    ("/transfers/new", {**NEW_OK, "to_location": "{transit_loc}"}, 422, None),
    ("/transfers/new", {**NEW_OK, "note": LONG}, 422, "under 500"),
    ("/transfers/new", {**NEW_OK, "key": "../../" + LONG}, 422, None),
    ("/transfers/{draft}/lines", {}, 422, "Enter or scan the SKU"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "abc"}, 422, "whole number"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "1e9"}, 422, "whole number"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "-1"}, 422, "Quantity must be"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "0"}, 422, "Quantity must be"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": HUGE}, 422, None),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "999999999999999"}, 422, "Quantity must be"),
    ("/transfers/{draft}/lines", {"code": LONG, "qty": "1"}, 422, None),
    ("/transfers/{draft}/lines", {"code": UNICODE, "qty": "1"}, 404, "No product"),
    ("/transfers/{draft}/lines", {"code": "NOPE", "qty": "1"}, 404, "No product"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "1", "lot": "L1"}, 422, "not lot-tracked"),
    ("/transfers/{draft}/lines", {"code": "GLUE-50", "qty": "1", "lot": UNICODE}, 404, "No lot"),
    ("/transfers/{draft}/lines", {"code": "BOLT-M8", "qty": "1", "lot": LONG}, 422, None),
    ("/transfers/{approved}/lines", {"code": "BOLT-M8", "qty": "1"}, 409, "only drafts"),
    ("/transfers/{done}/lines", {"code": "BOLT-M8", "qty": "1"}, 409, "only drafts"),
    ("/transfers/999999/lines", {"code": "BOLT-M8", "qty": "1"}, 404, "No transfer"),
    ("/transfers/{draft}/lines/{line_draft}", {}, 422, "Enter how many"),
    ("/transfers/{draft}/lines/{line_draft}", {"qty": "abc"}, 422, "whole number"),
    ("/transfers/{draft}/lines/{line_draft}", {"qty": "-1"}, 422, "Quantity must be"),
    ("/transfers/{draft}/lines/{line_draft}", {"qty": HUGE}, 422, None),
    ("/transfers/{draft}/lines/{line_draft}", {"qty": "1e9"}, 422, None),
    ("/transfers/{draft}/lines/{line_approved}", {"qty": "1"}, 404, "No such line"),  # another transfer's
    ("/transfers/{draft}/lines/999999", {"qty": "1"}, 404, "No such line"),
    ("/transfers/{approved}/lines/{line_approved}", {"qty": "1"}, 409, "only drafts"),
    ("/transfers/{empty}/approve", {}, 422, "no lines"),
    ("/transfers/{approved}/approve", {}, 409, "cannot be approved"),
    ("/transfers/{transit}/approve", {}, 409, "cannot be approved"),
    ("/transfers/{draft}/complete", {}, 409, "cannot be completed"),
    ("/transfers/{transit}/complete", {}, 409, "cannot be completed"),
    ("/transfers/{transit}/cancel", {}, 409, "cannot be cancelled"),
    ("/transfers/{done}/cancel", {}, 409, "cannot be cancelled"),
    ("/transfers/999999/approve", {}, 404, "No transfer"),
    ("/transfers/999999/cancel", {}, 404, "No transfer"),
    ("/transfers/999999/complete", {}, 404, "No transfer"),
]


@pytest.mark.parametrize("path, data, status, message, htmx", alternate(TRANSFER_PROBES))
def test_bad_transfer_posts_are_refused_and_write_nothing(
    client, world, boss, htmx, path, data, status, message
):
    world["transit_loc"] = _transit_id()
    data = {k: fill(v, world) for k, v in data.items()}
    before = snapshot()
    response = boss(path_of(path, world), htmx, **data)
    assert_refused(response, before, message=message, statuses=[status] if status else range(400, 500))


def _transit_id():
    return db.session.scalar(select(Location.id).where(Location.type == LocationType.TRANSIT))


def test_approving_more_than_is_free_refuses_the_whole_approval(client, world, boss):
    draft = world["make_draft"]((world["bolt"], 3), (world["nut"], 50))
    before = snapshot()
    assert_refused(boss(f"/transfers/{draft}/approve"), before, message="Not enough NUT-M8", statuses=[409])


def test_a_post_without_csrf_writes_nothing(client, world, boss):
    before = snapshot()
    for path in (
        f"/transfers/{world['draft']}/approve",
        f"/transfers/{world['draft']}/lines",
        f"/counts/{world['submitted']}/resolve",
        f"/counts/{world['submitted']}/auto-accept",
    ):
        response = client.post(
            path,
            data={
                "code": "BOLT-M8",
                "qty": "1",
                "action": "accept",
                "line": str(world["count_line"](world["submitted"])),
            },
        )
        assert_refused(response, before, statuses=[400])


def test_double_approve_posts_one_reservation(client, world, boss):
    draft = world["make_draft"]((world["bolt"], 1))
    assert boss(f"/transfers/{draft}/approve").status_code == 200
    before = snapshot()
    assert_refused(boss(f"/transfers/{draft}/approve"), before, statuses=[409])


def test_double_add_line_with_the_same_key_adds_it_once(client, world, boss):
    draft = world["draft"]
    first = boss(f"/transfers/{draft}/lines", code="NUT-M8", qty="1", key="k-1")
    assert first.status_code == 200
    before = snapshot()
    again = boss(f"/transfers/{draft}/lines", code="NUT-M8", qty="1", key="k-1")
    assert again.status_code < 500 and snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "?transfer=abc",
        "?transfer=-1",
        f"?transfer={HUGE}",
        "?transfer=999999",
        "?transfer=1&q=" + "x" * 300,
        "",
        "?transfer=1&q=%25_%5C",
    ],
)
def test_sku_search_never_500s(client, world, boss, query):
    response = client.get("/transfers/sku-search" + query)
    assert response.status_code < 500


@pytest.mark.parametrize("which", ["draft", "approved", "transit", "done"])
def test_slip_and_pick_list_print_unicode(client, world, boss, which):
    for kind in ("slip", "pick-list"):
        response = client.get(f"/transfers/{world[which]}/{kind}.pdf?size=letter")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/transfers/{world['draft']}/slip.pdf?size=" + LONG).status_code == 400


# --- floor: picking ----------------------------------------------------------------------

A1, A2 = ("warehouse-main:A-01-01",), ("warehouse-main:A-01-02",)
PICK_PROBES = [
    ("/floor/pick", {}, 404, "Nothing scanned"),
    ("/floor/pick", {"scan": "warehouse-main:A-01-01"}, 422, "not a transfer slip"),
    ("/floor/pick", {"scan": "TR-999999"}, 404, "No transfer"),
    ("/floor/pick", {"scan": LONG}, None, None),
    ("/floor/pick", {"scan": UNICODE}, None, None),
    ("/floor/pick", {"scan": "TR-{back}"}, 409, "nothing to pick"),  # its source is north
    ("/floor/pick", {"scan": "TR-{draft}"}, 409, "nothing to pick"),
    ("/floor/pick/{approved}", {}, 422, None),
    ("/floor/pick/{approved}", {"scan": "BOLT-M8"}, 422, "Scan the bin first"),
    ("/floor/pick/{approved}", {"scan": "BOLT-M8", "bin": "abc"}, 422, None),
    ("/floor/pick/{approved}", {"scan": "BOLT-M8", "bin": "-1"}, 422, "Scan the bin first"),
    ("/floor/pick/{approved}", {"scan": "BOLT-M8", "bin": HUGE}, 422, None),  # 500: OverflowError
    ("/floor/pick/{approved}", {"scan": "BOLT-M8", "bin": "{bin:s1}"}, 422, "Scan the bin first"),
    # The bin is scanned first ("_first": scans sent before the probe, outside the snapshot):
    # the pick screen holds it on the server. A typed quantity is typed into the scan box.
    ("/floor/pick/{approved}", {"_first": A1, "scan": "xabc"}, 404, "Unknown code"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "x-1"}, 422, "below zero"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "x1e9"}, 404, "Unknown code"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "x" + HUGE}, 422, "more than 1,000,000"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "x2.5"}, 422, "not a whole number"),
    ("/floor/pick/{approved}", {"_first": (*A1, "x50"), "scan": "BOLT-M8"}, 409, "Over-pick"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "NUT-M8"}, 409, "not on"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "7"}, 422, "Scan the item first"),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "(01)09506000134352(30)99999999"}, None, None),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "BOLT-M8", "scan_id": LONG}, 422, None),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "BOLT-M8", "seq": "-1"}, 422, None),
    ("/floor/pick/{approved}", {"_first": A1, "scan": "BOLT-M8", "seq": HUGE}, 422, None),
    (
        "/floor/pick/{approved}",
        {"_first": A1, "scan": "BOLT-M8", "operator": "{other_operator}"},
        409,
        "another sign-in",
    ),
    ("/floor/pick/{approved}", {"scan": "warehouse-main:A-01-01", "scan_id": LONG}, 422, None),
    ("/floor/pick/{approved}", {"scan": LONG}, 422, None),
    ("/floor/pick/{approved}/short", {}, 422, None),
    ("/floor/pick/{approved}/short", {"line": "abc", "reason": "not_found"}, 422, None),
    ("/floor/pick/{approved}/short", {"line": HUGE, "reason": "not_found"}, 422, None),
    ("/floor/pick/{approved}/short", {"line": "{line:approved}", "reason": "bogus"}, 422, None),
    ("/floor/pick/{approved}/short", {"line": "{line:approved}", "reason": LONG}, 422, None),
    ("/floor/pick/{approved}/short", {"line": "{line:draft}", "reason": "not_found"}, 404, "No such line"),
    ("/floor/pick/{approved}/short", {"line": "999999", "reason": "not_found"}, 404, "No such line"),
    ("/floor/pick/{draft}/short", {"line": "{line:draft}", "reason": "not_found"}, 409, "not being picked"),
    ("/floor/pick/{approved}/ship", {}, 409, "Still to pick"),
    ("/floor/pick/{draft}/ship", {}, 409, "cannot be shipped"),
    ("/floor/pick/{transit}/ship", {}, 409, "cannot be shipped"),
    ("/floor/pick/{done}/ship", {}, 409, "cannot be shipped"),
    ("/floor/pick/{draft}", {"_first": A1, "scan": "BOLT-M8"}, 409, "only approved"),
    ("/floor/pick/{transit}", {"_first": A1, "scan": "NUT-M8"}, 409, "only approved"),
]


@pytest.mark.parametrize("path, data, status, message, htmx", alternate(PICK_PROBES))
def test_bad_pick_posts_are_refused_and_write_nothing(
    client, world, op_main, htmx, path, data, status, message
):
    data = {k: fill(v, world) for k, v in data.items()}
    for code in data.pop("_first", ()):
        assert op_main(path_of(path, world), htmx, scan=code).status_code == 200
    before = snapshot()
    response = op_main(path_of(path, world), htmx, **data)
    assert_refused(response, before, message=message, statuses=[status] if status else range(400, 500))


@pytest.mark.parametrize(
    "path",
    [
        "/floor/pick/{back}",
        "/floor/pick/{back}/ship",
        "/floor/pick/999999",
        "/floor/transfer-receive/{transit}",
        "/floor/transfer-receive/{transit}/finish",
        "/floor/count/{north_batch}",
        "/floor/count/{north_batch}/empty",
        "/floor/count/999999/submit",
    ],
)
def test_another_locations_transfer_or_batch_is_404_on_the_floor(client, world, op_main, path):
    before = snapshot()
    response = op_main(
        path_of(path, world), scan="BOLT-M8", line="1", reason="not_found", bin=str(world["s1"].id)
    )
    assert_refused(response, before, statuses=[404])


def test_pick_then_double_ship_posts_once(client, world, op_main):
    url = f"/floor/pick/{world['approved']}"
    assert op_main(url, scan="warehouse-main:A-01-01").status_code == 200
    assert op_main(url, scan="x3").status_code == 200
    assert op_main(url, scan="BOLT-M8", scan_id="s-1").status_code == 200
    replay = snapshot()
    assert op_main(url, scan="BOLT-M8", scan_id="s-1").status_code == 200
    assert snapshot() == replay  # a retried scan is recorded once
    assert op_main(f"{url}/ship").status_code == 200
    before = snapshot()
    assert_refused(op_main(f"{url}/ship"), before, statuses=[409])


def test_a_bin_off_the_pick_list_is_a_warning_naming_the_listed_bins(client, world, op_main):
    url = f"/floor/pick/{world['approved']}"
    body = op_main(url, htmx=True, scan="warehouse-main:A-01-02").get_data(as_text=True)
    assert 'data-result="warn"' in body and "A-01-02 is not on the pick list (A-01-01)" in body
    listed = op_main(url, htmx=True, scan="warehouse-main:A-01-01").get_data(as_text=True)
    assert 'data-result="ok"' in listed and "Bin A-01-01. Scan the item." in listed


def test_double_short_pick_is_refused(client, world, op_main):
    url = f"/floor/pick/{world['approved']}/short"
    line = str(world["line_of"](world["approved"]))
    asked = op_main(url, line=line, reason="not_found")  # the first press asks
    assert asked.status_code == 200 and "Press Short again to confirm" in asked.get_data(as_text=True)
    with clock.backdated(lambda: datetime.utcnow() + timedelta(seconds=2)):  # a moment later
        shorted = op_main(url, line=line, reason="not_found")
    assert shorted.status_code == 200 and "A count of the bin is queued" in shorted.get_data(as_text=True)
    before = snapshot()
    assert_refused(
        op_main(url, line=line, reason="not_found"), before, message="already short", statuses=[409]
    )


# --- floor: receiving a transfer ---------------------------------------------------------

RECEIVE_PROBES = [
    ("/floor/transfer-receive", {}, None, None),
    ("/floor/transfer-receive", {"scan": "TR-{done}"}, 409, None),
    ("/floor/transfer-receive", {"scan": LONG}, None, None),
    ("/floor/transfer-receive/{transit}", {}, 422, None),
    ("/floor/transfer-receive/{transit}", {"scan": "NOPE"}, 404, "Unknown code"),
    ("/floor/transfer-receive/{transit}", {"scan": UNICODE}, 404, None),
    ("/floor/transfer-receive/{transit}", {"scan": "service-north:S-01-01"}, 422, "not an item"),
    ("/floor/transfer-receive/{transit}", {"scan": "BOLT-M8"}, 409, "not on"),
    ("/floor/transfer-receive/{transit}", {"scan": "x-5"}, 422, "below zero"),
    ("/floor/transfer-receive/{transit}", {"scan": "x" + HUGE}, 422, "more than 1,000,000"),
    ("/floor/transfer-receive/{transit}", {"scan": "5"}, 422, "Scan the item first"),
    ("/floor/transfer-receive/{transit}", {"scan": "0"}, 422, "counts nothing"),
    ("/floor/transfer-receive/{transit}", {"scan": "(01)09506000134352(30)99999999"}, None, None),
    ("/floor/transfer-receive/{transit}", {"scan": LONG}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {"line": "abc", "received": "1"}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {"line": HUGE, "received": "1"}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {"line": "{line:transit}", "received": "-1"}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {"line": "{line:transit}", "received": HUGE}, 422, None),
    ("/floor/transfer-receive/{transit}/line", {"line": "{line:transit}", "received": "1e9"}, 422, None),
    (
        "/floor/transfer-receive/{transit}/line",
        {"line": "{line:transit}", "received": "1", "damaged": "2", "reason": "other"},
        422,
        "Damaged must be",
    ),
    (
        "/floor/transfer-receive/{transit}/line",
        {"line": "{line:transit}", "received": "1", "reason": "bogus"},
        422,
        None,
    ),
    (
        "/floor/transfer-receive/{transit}/line",
        {"line": "{line:draft}", "received": "1"},
        404,
        "No such line",
    ),
    ("/floor/transfer-receive/{transit}/finish", {}, 422, "Say why NUT-M8"),  # nothing counted yet
]


@pytest.mark.parametrize("path, data, status, message, htmx", alternate(RECEIVE_PROBES))
def test_bad_transfer_receive_posts_are_refused_and_write_nothing(
    client, world, op_north, htmx, path, data, status, message
):
    data = {k: fill(v, world) for k, v in data.items()}
    before = snapshot()
    response = op_north(path_of(path, world), htmx, **data)
    assert_refused(response, before, message=message, statuses=[status] if status else range(400, 500))


def test_a_completed_transfer_cannot_be_received_again(client, world, op_north):
    before = snapshot()
    for path in ("", "/line", "/finish"):
        response = op_north(
            f"/floor/transfer-receive/{world['done']}{path}",
            scan="BOLT-M8",
            line=str(world["line_of"](world["done"])),
            received="1",
        )
        assert_refused(response, before, statuses=[409])


def test_double_finish_receiving_posts_once(client, world, op_north):
    url = f"/floor/transfer-receive/{world['transit']}"
    assert op_north(url, scan="x2").status_code == 200
    assert op_north(url, scan="NUT-M8").status_code == 200
    assert op_north(f"{url}/finish").status_code == 200
    # Refused: the transfer is received. The screen forgets NUT-M8 (its dialogue's only
    # write), so a number typed next is not taken as its count.
    assert op_north(url, scan="NUT-M8").status_code == 409
    before = snapshot()
    assert_refused(op_north(f"{url}/finish"), before, statuses=[409])
    assert_refused(op_north(url, scan="NUT-M8"), before, statuses=[409])


# --- supervisor count pages -------------------------------------------------------------

COUNT_PROBES = [
    ("/counts/new", {}, 422, "Choose the location"),
    ("/counts/new", {"location": "abc"}, 422, None),
    ("/counts/new", {"location": HUGE}, 422, None),
    ("/counts/new", {"location": "-1"}, 422, None),
    ("/counts/new", {"location": "{transit_loc}"}, 422, None),
    ("/counts/new", {"location": "{main}", "not_counted_days": "abc"}, 422, None),
    ("/counts/new", {"location": "{main}", "not_counted_days": "1e9"}, 422, None),
    ("/counts/new", {"location": "{main}", "not_counted_days": "-1"}, 422, "Days must be"),
    ("/counts/new", {"location": "{main}", "not_counted_days": HUGE}, 422, None),
    ("/counts/new", {"location": "{main}", "not_counted_days": "999999999999999"}, 422, "Days must be"),
    ("/counts/new", {"location": "{main}", "skus": LONG}, 422, None),
    ("/counts/new", {"location": "{main}", "skus": " ".join(f"S{i}" for i in range(300))}, 422, "At most"),
    ("/counts/new", {"location": "{main}", "bins_like": LONG}, 422, None),
    ("/counts/new", {"location": "{main}", "bins_like": UNICODE}, 422, "Nothing in stock"),
    ("/counts/new", {"location": "{main}", "skus": UNICODE}, 422, "Nothing in stock"),
    ("/counts/new", {"location": "{main}", "abc_class": "D"}, 422, None),
    ("/counts/new", {"location": "{main}", "bins_like": "%_\\"}, 422, "Nothing in stock"),
    ("/counts/abc/due", {}, 422, None),
    ("/counts/abc/due", {"location": "abc", "abc_class": "A"}, 422, None),
    ("/counts/abc/due", {"location": HUGE, "abc_class": "A"}, 422, None),
    ("/counts/abc/due", {"location": "{main}", "abc_class": "Z"}, 422, None),
    ("/counts/abc/due", {"location": "{north}", "abc_class": "A"}, None, None),
    ("/counts/{submitted}/resolve", {}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept"}, 422, "Tick at least one line"),
    ("/counts/{submitted}/resolve", {"action": "delete", "line": "{cline:submitted}"}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": "abc"}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": HUGE}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": "-1"}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": "1e9"}, 422, None),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": "999999"}, 404, "not on this batch"),
    ("/counts/{submitted}/resolve", {"action": "accept", "line": "{cline:open}"}, 404, "not on this batch"),
    ("/counts/{open}/resolve", {"action": "accept", "line": "{cline:open}"}, 409, "submit it before review"),
    ("/counts/{open}/resolve", {"action": "reject", "line": "{cline:open}"}, 409, "submit it before review"),
    ("/counts/999999/resolve", {"action": "accept", "line": "1"}, 404, "No count batch"),
    ("/counts/999999/auto-accept", {}, 404, "No count batch"),
]


@pytest.mark.parametrize("path, data, status, message, htmx", alternate(COUNT_PROBES))
def test_bad_count_posts_are_refused_and_write_nothing(
    client, world, boss, htmx, path, data, status, message
):
    world["transit_loc"] = _transit_id()
    data = {k: fill(v, world) for k, v in data.items()}
    before = snapshot()
    response = boss(path_of(path, world), htmx, **data)
    assert_refused(response, before, message=message, statuses=[status] if status else range(400, 500))


def test_resolving_a_resolved_line_twice_is_refused(client, world, boss):
    line = str(world["count_line"](world["submitted"]))
    assert boss(f"/counts/{world['submitted']}/resolve", action="accept", line=line).status_code == 200
    before = snapshot()
    for action in ("accept", "reject", "recount"):
        assert_refused(
            boss(f"/counts/{world['submitted']}/resolve", action=action, line=line), before, statuses=[409]
        )


def test_nobody_resolves_their_own_count(client, world):
    cora_boss = accounts.create_user("cora-boss", PASSWORD, "supervisor")
    batch = counts.create(world["main"].id, counts.Selection(bins_like="A-01-02"), actor_id=None)
    counts.record(batch.id, world["a2"], world["bolt"], set_to=1, actor_id=cora_boss.id)
    counts.record(batch.id, world["a2"], world["fancy"], set_to=5, actor_id=cora_boss.id)
    counts.submit(batch.id, actor_id=cora_boss.id)
    sign_in(client, "cora-boss")
    post = Poster(client, "/counts")
    before = snapshot()
    line = str(world["count_line"](batch.id))
    assert_refused(post(f"/counts/{batch.id}/resolve", action="accept", line=line), before, statuses=[403])
    response = post(f"/counts/{batch.id}/auto-accept")
    assert response.status_code == 200 and snapshot() == before


def test_auto_accept_on_an_open_batch_writes_nothing(client, world, boss):
    before = snapshot()
    response = boss(f"/counts/{world['open']}/auto-accept")
    assert response.status_code < 500 and snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "?min_value=abc",
        "?min_value=NaN",
        "?min_value=1e999",
        "?min_value=-1",
        f"?min_value={HUGE}",
        "?variances=2",
        "?variances=" + LONG,
    ],
)
def test_the_review_filters_never_500(client, world, boss, query):
    assert client.get(f"/counts/{world['submitted']}{query}").status_code == 200


@pytest.mark.parametrize("query", ["?location=abc", f"?location={HUGE}", "?location=-1", "?location=999999"])
def test_the_abc_report_never_500s(client, world, boss, query):
    assert client.get("/counts/abc" + query).status_code < 500


def test_count_sheet_prints_unicode(client, world, boss):
    batch = counts.create(world["main"].id, counts.Selection(skus=("FANCY-1",)), actor_id=None)
    response = client.get(f"/counts/{batch.id}/sheet.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


# --- floor: counting ---------------------------------------------------------------------

COUNT_FLOOR_PROBES = [
    ("/floor/count", {}, 422, None),
    ("/floor/count", {"scan": "CNT-{north_batch}"}, 422, None),
    ("/floor/count", {"scan": "CNT-999999999"}, 422, None),
    ("/floor/count", {"scan": LONG}, 422, None),
    ("/floor/count/{open}", {"scan": "BOLT-M8", "bin": HUGE}, 422, None),  # 500: OverflowError
    ("/floor/count/{open}", {"scan": "BOLT-M8", "bin": "abc"}, 422, None),
    (
        "/floor/count/{open}",
        {"scan": "BOLT-M8", "bin": "{bin:a2}"},
        422,
        "Scan the bin first",
    ),  # echoed: ignored
    ("/floor/count/{open}", {"scan": "service-north:S-01-01"}, 422, "not at"),
    (
        "/floor/count/{open}",
        {"scan": "5", "bin": "{bin:a2}", "product": HUGE},
        422,
        None,
    ),  # 500: OverflowError
    ("/floor/count/{open}", {"scan": "5", "bin": HUGE, "product": "{bolt}"}, 422, None),  # 500: OverflowError
    ("/floor/count/{open}", {"scan": "5", "bin": "{bin:a2}", "product": "abc"}, 422, None),
    ("/floor/count/{open}", {"_first": A2, "scan": "9999999"}, 422, "more than 1,000,000"),
    ("/floor/count/{open}", {"_first": (*A2, "BOLT-M8"), "scan": "-3"}, 422, "below zero"),
    ("/floor/count/{open}", {"_first": (*A2, "BOLT-M8"), "scan": "12.5"}, 422, "not a whole number"),
    ("/floor/count/{open}", {"scan": "5", "bin": "{bin:a2}", "product": "{bolt}", "lot": LONG}, 422, None),
    ("/floor/count/{open}", {"_first": A2, "scan": "(01)09506000134352(30)99999999"}, 422, "Count 0 to"),
    ("/floor/count/{open}", {"scan": "5", "bin": "{bin:a2}", "product": "{bolt}"}, 422, "Scan the bin first"),
    ("/floor/count/{open}/empty", {}, 422, "Scan the bin first"),
    ("/floor/count/{open}/empty", {"bin": "abc"}, 422, None),
    ("/floor/count/{open}/empty", {"bin": "-1"}, 422, "Scan the bin first"),
    ("/floor/count/{open}/empty", {"bin": HUGE}, 422, "Scan the bin first"),  # 500: OverflowError
    ("/floor/count/{open}/empty", {"bin": "{bin:a2}"}, 422, "Scan the bin first"),  # echoed: ignored
    ("/floor/count/{open}/submit", {}, 409, "Bins not counted yet"),
    ("/floor/count/{submitted}/submit", {}, 409, None),  # 200: a double submit restamps submitted_at
    ("/floor/count/{submitted}", {"scan": "warehouse-main:A-01-01"}, 422, "counting is closed"),
    ("/floor/count/{submitted}/empty", {"bin": "{bin:a1}"}, 422, "Scan the bin first"),
]


@pytest.mark.parametrize("path, data, status, message, htmx", alternate(COUNT_FLOOR_PROBES))
def test_bad_count_scans_are_refused_and_write_nothing(
    client, world, op_main, htmx, path, data, status, message
):
    data = {k: fill(v, world) for k, v in data.items()}
    for code in data.pop("_first", ()):
        assert op_main(path_of(path, world), htmx, scan=code).status_code == 200
    before = snapshot()
    response = op_main(path_of(path, world), htmx, **data)
    assert_refused(response, before, message=message, statuses=[status] if status else range(400, 500))


def test_double_submit_of_a_count_is_refused(client, world, op_main):
    url = f"/floor/count/{world['open']}"
    assert op_main(url, scan="warehouse-main:A-01-02").status_code == 200
    assert op_main(f"{url}/empty").status_code == 200  # Bin empty asks, then acts
    with clock.backdated(lambda: datetime.utcnow() + timedelta(seconds=2)):
        assert op_main(f"{url}/empty").status_code == 200
    assert op_main(f"{url}/submit").status_code == 200
    before = snapshot()
    assert_refused(op_main(f"{url}/submit"), before, statuses=[409])


# --- N+1: the detail pages do not grow their SQL with their lines -------------------------


class Statements:
    def __init__(self):
        self.n = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def _count(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.n += 1

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)


def _many_products(n, bin, qty=5):
    products = [make_product(f"P-{i:03d}") for i in range(n)]
    for p in products:
        receive(p, bin, qty)
    return products


def _statements(client, path):
    db.session.expire_all()
    with Statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return seen.n


@pytest.mark.parametrize("state", ["draft", "approved", "in_transit"])
def test_transfer_detail_queries_do_not_grow_with_lines(client, world, boss, state):
    products = _many_products(30, world["a2"])
    ids = []
    for n in (3, 30):
        t = transfers.create(world["main"].id, world["north"].id, actor_id=None)
        for p in products[:n]:
            transfers.add_line(t.id, p, 1)
        if state != "draft":
            transfers.approve(t.id, actor_id=None)
        if state == "in_transit":
            for p in products[:n]:
                transfers.pick(t.id, world["a2"], p, 1, actor_id=None)
            transfers.ship(t.id, actor_id=None)
        ids.append(t.id)
    few, many = (_statements(client, f"/transfers/{i}") for i in ids)
    assert many == few, f"/transfers/<id> ({state}): {few} statements with 3 lines, {many} with 30"


def test_pick_and_receive_screens_do_not_grow_with_lines(client, world):
    products = _many_products(30, world["a2"])
    ids = []
    for n in (3, 30):
        t = transfers.create(world["main"].id, world["north"].id, actor_id=None)
        for p in products[:n]:
            transfers.add_line(t.id, p, 1)
        transfers.approve(t.id, actor_id=None)
        ids.append(t.id)
    sign_in(client, "op-main")
    few, many = (_statements(client, f"/floor/pick/{i}") for i in ids)
    assert many == few, f"/floor/pick/<id>: {few} statements with 3 lines, {many} with 30"
    for i, n in zip(ids, (3, 30)):
        for p in products[:n]:
            transfers.pick(i, world["a2"], p, 1, actor_id=None)
        transfers.ship(i, actor_id=None)
    sign_in(client, "op-north")
    few, many = (_statements(client, f"/floor/transfer-receive/{i}") for i in ids)
    assert many == few, f"/floor/transfer-receive/<id>: {few} statements with 3 lines, {many} with 30"


@pytest.mark.parametrize("counted", [False, True], ids=["open", "submitted"])
def test_count_detail_queries_do_not_grow_with_lines(client, world, boss, counted):
    products = _many_products(30, world["a2"])
    ids = []
    for n in (3, 30):
        batch = counts.create(
            world["main"].id, counts.Selection(skus=tuple(p.sku for p in products[:n])), actor_id=None
        )
        if counted:
            for p in products[:n]:
                counts.record(batch.id, world["a2"], p, set_to=4, actor_id=world["cora"].id)
            counts.submit(batch.id, actor_id=world["cora"].id)
        ids.append(batch.id)
    few, many = (_statements(client, f"/counts/{i}") for i in ids)
    assert many == few, f"/counts/<id>: {few} statements with 3 lines, {many} with 30"
    if counted:
        few, many = (_statements(client, f"/counts/{i}?variances=1&min_value=0") for i in ids)
        assert many == few, f"/counts/<id>?filters: {few} statements with 3 lines, {many} with 30"


def test_floor_count_screen_does_not_grow_with_lines(client, world):
    products = _many_products(30, world["a2"])
    ids = [
        counts.create(
            world["main"].id, counts.Selection(skus=tuple(p.sku for p in products[:n])), actor_id=None
        ).id
        for n in (3, 30)
    ]
    sign_in(client, "op-main")
    few, many = (_statements(client, f"/floor/count/{i}") for i in ids)
    assert many == few, f"/floor/count/<id>: {few} statements with 3 lines, {many} with 30"


def test_list_pages_do_not_grow_with_rows(client, world, boss):
    few = _statements(client, "/transfers") + _statements(client, "/counts")
    for _ in range(20):
        world["make_draft"]((world["bolt"], 1))
        counts.create(world["main"].id, counts.Selection(bins_like="A-01-01"), actor_id=None)
    many = _statements(client, "/transfers") + _statements(client, "/counts")
    assert many == few, f"/transfers + /counts: {few} statements, then {many} with 20 more rows each"
