"""The floor counting screen is blind: whatever the counter does (plain form posts with
scripts off, or htmx requests), no response carries the ledger's quantity, neither the
seeded on-hand nor any `ledger_qty_at_count` stored beside a count. Another location's
batch does not exist for an operator; bad input says what to do and records nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.accounts.models import User
from warehouse.core import clock
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch, CountLine, CountStatus

HX = {"HX-Request": "true"}
EXPECTED = 7919  # an on-hand no counter would type by chance: it must never be shown
NUT_EXPECTED, PIN_EXPECTED = 6043, 3571  # the other ledger quantities of the flow
HIDDEN = re.compile(r'<input type="hidden" name="(bin|product|lot)" value="([^"]*)"')
# The message after the outcome's word (an icon and OK / Check / Error: said without colour).
OUTCOME = re.compile(
    r'<div class="outcome scan-outcome"[^>]*data-result="([a-z]+)">'
    r'<span class="result-word"[^>]*><span class="result-icon"[^>]*>[^<]*</span> [^<]*:</span> ([^<]*)</div>'
)


def outcome(body) -> tuple[str, str]:
    """(result, message) the screen shows after a scan."""
    found = OUTCOME.findall(body)
    assert len(found) == 1, body
    return found[0]


@pytest.fixture
def counting(app, client, auth):
    """BOLT-M8 (7919) in A-01-01 and NUT-M8 (6043) in A-01-02 on a batch; PIN-3 (3571) also
    in A-01-01 but not on the batch; the operator signed in at that location."""
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    north = make_location("service-north", bins=("RCV-01", "S-01-01"))
    bins = {b.code: b for b in main.bins}
    bolt = make_product("BOLT-M8", gtin="9506000134352")
    nut, pin = make_product("NUT-M8"), make_product("PIN-3")
    receive(bolt, bins["A-01-01"], EXPECTED)
    receive(nut, bins["A-01-02"], NUT_EXPECTED)
    receive(pin, bins["A-01-01"], PIN_EXPECTED)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    batch = counts.create(main.id, counts.Selection(skus=("BOLT-M8", "NUT-M8")), actor_id=boss.id)
    auth.login("operator")
    accounts.set_location(db.session.scalar(select(User).where(User.username == "operator")), main.id)
    return dict(main=main, north=north, bins=bins, bolt=bolt, nut=nut, pin=pin, batch=batch)


class Counter:
    """The handheld: keeps every response body to check for leaks at the end. It also echoes
    back any hidden bin/product/lot field a page carries, as an old page would: the server
    holds the dialogue and must ignore them."""

    def __init__(self, client, htmx: bool):
        self.client, self.htmx, self.bodies, self.state = client, htmx, [], {}

    @property
    def headers(self):
        return HX if self.htmx else {}

    def keep(self, response):
        body = response.get_data(as_text=True)
        self.bodies.append((response.request.path, response.status_code, body))
        return response, body

    def get(self, path):
        response, body = self.keep(self.client.get(path, headers=self.headers))
        self.remember(body)
        return response, body

    def post(self, path, remember=True, **data):
        data.setdefault("csrf_token", csrf_token(self.client, "/floor/"))
        response, body = self.keep(self.client.post(path, data=data, headers=self.headers))
        if remember:
            self.remember(body)
        return response, body

    def scan(self, batch_id, code, **extra):
        return self.post(f"/floor/count/{batch_id}", scan=code, **{**self.state, **extra})

    def remember(self, body):
        found = dict(HIDDEN.findall(body))
        if found:
            self.state = found

    def assert_blind(self, *secret_numbers):
        assert self.bodies
        for path, status, body in self.bodies:
            for number in secret_numbers:
                assert str(number) not in body, f"{number} leaked by {path} ({status})"


def a_moment_later(seconds=2):
    """The clock a confirming press sees: a person's second press comes a moment after
    the first (a double tap's second touch sooner, and it does not confirm)."""
    return clock.backdated(lambda: datetime.utcnow() + timedelta(seconds=seconds))


def lines(batch_id):
    db.session.expire_all()
    return sorted(
        (l.bin.code, l.product.sku, l.status.value, l.counted_qty, l.unexpected)
        for l in counts.get(batch_id).lines
    )


def ledger_quantities() -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(CountLine.ledger_qty_at_count).where(CountLine.ledger_qty_at_count.is_not(None))
        )
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_whole_count_flow_never_shows_the_ledger(client, counting, htmx):
    batch, bins = counting["batch"], counting["bins"]
    number, url = batch.number, f"/floor/count/{batch.id}"
    hand = Counter(client, htmx)

    response, body = hand.get("/floor/count")
    assert response.status_code == 200 and "Scan the count sheet" in body
    response, body = hand.post("/floor/count", scan="CNT-999999")  # unknown sheet
    assert response.status_code == 422 and 'data-result="error"' in body
    response, _ = hand.post("/floor/count", scan=number)
    if htmx:
        assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(url)
    else:
        assert response.status_code == 302 and response.headers["Location"].endswith(url)

    response, body = hand.get(url)
    assert response.status_code == 200 and number in body and "A-01-01" in body and "to count" in body
    if htmx:
        assert body.lstrip().startswith('<section id="step"')
    else:
        assert "<html" in body

    # errors before anything is counted
    response, body = hand.scan(batch.id, "NOPE-1")
    assert response.status_code == 404 and "Unknown code NOPE-1" in body
    response, body = hand.scan(batch.id, "BOLT-M8")
    assert response.status_code == 422 and "Scan the bin first" in body
    response, body = hand.post(f"{url}/submit")  # nothing counted yet
    assert response.status_code == 409 and 'data-result="error"' in body

    # A-01-01: two scans, then a typed count, then an item the batch did not expect
    response, body = hand.scan(batch.id, "warehouse-main:A-01-01")
    assert response.status_code == 200 and "Bin A-01-01" in body
    assert "Scan an item in A-01-01" in body  # the server holds the bin: the page echoes nothing
    response, body = hand.scan(batch.id, "9506000134352")
    assert response.status_code == 200 and "+1 BOLT-M8 in A-01-01: 1." in body
    response, body = hand.scan(batch.id, "BOLT-M8")
    assert "+1 BOLT-M8 in A-01-01: 2." in body
    response, body = hand.scan(batch.id, "7917")
    assert response.status_code == 200 and "Counted BOLT-M8 in A-01-01: 7917." in body
    response, body = hand.scan(batch.id, "PIN-3")
    assert "+1 PIN-3 in A-01-01: 1." in body and "not expected here" in body
    response, body = hand.scan(batch.id, "X" * 201)
    assert response.status_code == 422 and "too long" in body
    response, body = hand.post(f"{url}/submit")
    assert response.status_code == 409 and "Bins not counted yet: A-01-02" in body

    # A-01-02: nothing there
    response, body = hand.scan(batch.id, "A-01-02")
    assert "Bin A-01-02" in body
    response, body = hand.post(f"{url}/empty")  # asks first, saying what it will do
    assert response.status_code == 200 and 'data-result="warn"' in body
    assert "1 line(s) not counted yet in A-01-02 will be counted as 0" in body
    assert ("A-01-02", "NUT-M8", "pending", None, False) in lines(batch.id)
    with a_moment_later():
        response, body = hand.post(f"{url}/empty")
    assert response.status_code == 200 and "A-01-02 counted as empty (1 line(s) set to 0)." in body

    response, body = hand.post(f"{url}/submit")
    assert response.status_code == 200 and f"{number} submitted for review" in body
    response, body = hand.get(url)
    assert response.status_code == 200 and "submitted" in body
    response, body = hand.scan(batch.id, "BOLT-M8", bin=bins["A-01-01"].id)  # a stale second screen
    assert response.status_code == 409 and "counting is closed" in body

    assert lines(batch.id) == [
        ("A-01-01", "BOLT-M8", "counted", 7917, False),
        ("A-01-01", "PIN-3", "counted", 1, True),
        ("A-01-02", "NUT-M8", "counted", 0, False),
    ]
    stored = ledger_quantities()
    assert stored == {EXPECTED, PIN_EXPECTED, NUT_EXPECTED}
    hand.assert_blind(EXPECTED, *stored)


def test_another_locations_operator_gets_404_for_the_batch(client, auth, counting):
    batch, north = counting["batch"], counting["north"]
    auth.logout()  # one client: the requests share the test's app context (and flask-login's g)
    user = accounts.create_user("olga", PASSWORD, "operator")
    accounts.set_location(user, north.id)
    signed_in = client.post(
        "/login", data={"username": "olga", "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    )
    assert signed_in.status_code == 302
    hand = Counter(client, htmx=True)
    url = f"/floor/count/{batch.id}"
    for htmx in (False, True):
        hand.htmx = htmx
        assert hand.get(url)[0].status_code == 404
        assert hand.scan(batch.id, "A-01-01")[0].status_code == 404
        assert hand.post(f"{url}/empty", bin=counting["bins"]["A-01-01"].id)[0].status_code == 404
        assert hand.post(f"{url}/submit")[0].status_code == 404
        response, body = hand.post("/floor/count", scan=batch.number)  # not opened: not theirs
        assert response.status_code == 422 and "not a count batch of this location" in body
    assert db.session.get(CountBatch, batch.id).status is CountStatus.OPEN
    hand.assert_blind(EXPECTED, NUT_EXPECTED, PIN_EXPECTED)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    "steps, message, status",
    [
        ([("NOPE-42", {})], "Unknown code NOPE-42", 404),
        ([("9506000134352", {})], "Scan the bin first", 422),  # an item before any bin
        ([("X" * 201, {})], "too long", 422),
        ([("warehouse-main:A-01-01", {}), ("X" * 201, {})], "too long", 422),
        ([("warehouse-main:A-01-01", {}), ("12", {})], "Scan an item first", None),  # typed count, no item
        ([("12", {})], "Scan the bin first", None),  # a typed count before the bin
        ([("", {})], "Scan a bin, then its items", 422),
        ([("warehouse-main:A-01-01", {}), ("9999999", {"product": "999999"})], "more than 1,000,000", 422),
        ([("warehouse-main:A-01-01", {}), ("-3", {})], "below zero", 422),
        ([("warehouse-main:A-01-01", {}), ("12.5", {})], "not a whole number", 422),
        ([("warehouse-main:S-01-01", {})], "Unknown code", 404),  # a bin label of another location
    ],
    ids=[
        "unknown",
        "item-before-bin",
        "too-long",
        "too-long-in-bin",
        "typed-before-item",
        "typed-before-bin",
        "empty",
        "too-big",
        "negative",
        "fraction",
        "other-location-bin",
    ],
)
def test_bad_input_says_what_to_do_and_records_nothing(client, counting, htmx, steps, message, status):
    batch = counting["batch"]
    hand = Counter(client, htmx)
    hand.get(f"/floor/count/{batch.id}")
    before = lines(batch.id)
    for code, extra in steps:
        response, body = hand.scan(batch.id, code, **extra)
    result, said = outcome(body)
    assert result == "error" and message in said
    if status is not None:
        assert response.status_code == status
    else:
        assert 400 <= response.status_code < 500
    assert lines(batch.id) == before
    assert ledger_quantities() == set()
    hand.assert_blind(EXPECTED, NUT_EXPECTED, PIN_EXPECTED)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bin_empty_before_scanning_a_bin_records_nothing(client, counting, htmx):
    batch = counting["batch"]
    hand = Counter(client, htmx)
    response, body = hand.post(f"/floor/count/{batch.id}/empty")
    assert response.status_code == 422 and "Scan the bin first, then press Bin empty" in body
    assert all(status == "pending" for _, _, status, _, _ in lines(batch.id))
    hand.assert_blind(EXPECTED, NUT_EXPECTED, PIN_EXPECTED)


def test_a_typed_count_is_only_what_the_counter_typed(client, counting):
    """Typing the number the ledger holds is the counter's own answer, shown back as such;
    a different typed count must not reveal the ledger's."""
    batch = counting["batch"]
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-01")
    hand.scan(batch.id, "BOLT-M8")
    response, body = hand.scan(batch.id, "0")
    assert "Counted BOLT-M8 in A-01-01: 0." in body and "counted 0" in body
    hand.assert_blind(EXPECTED, NUT_EXPECTED, PIN_EXPECTED)


def test_a_retried_scan_counts_once(client, counting):
    """A lost answer on bad Wi-Fi: the handheld sends the same scan again, with its id."""
    batch = counting["batch"]
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-01")
    hand.scan(batch.id, "BOLT-M8", scan_id="scan-1")
    _, retried = hand.scan(batch.id, "BOLT-M8", scan_id="scan-1")
    assert "+1 BOLT-M8 in A-01-01: 1." in retried
    _, next_scan = hand.scan(batch.id, "BOLT-M8", scan_id="scan-2")
    assert "+1 BOLT-M8 in A-01-01: 2." in next_scan
    assert ("A-01-01", "BOLT-M8", "counted", 2, False) in lines(batch.id)


def test_bin_empty_asks_then_a_second_press_or_a_scan_of_the_bin_confirms(client, counting):
    batch = counting["batch"]
    url = f"/floor/count/{batch.id}"
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-02")
    # A double tap sends the page's key twice: one press, never its own confirmation.
    for _ in range(2):
        response, body = hand.post(f"{url}/empty", key="page-key-1")
        assert "will be counted as 0" in body and "Press Bin empty again, or scan A-01-02" in body
    assert ("A-01-02", "NUT-M8", "pending", None, False) in lines(batch.id)
    with a_moment_later():
        response, body = hand.scan(batch.id, "A-01-02")  # the confirming scan
    assert "A-01-02 counted as empty" in body
    assert ("A-01-02", "NUT-M8", "counted", 0, False) in lines(batch.id)


def test_an_unconfirmed_bin_empty_runs_out_and_scanning_an_item_disarms_it(client, counting):
    batch = counting["batch"]
    url = f"/floor/count/{batch.id}"
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-02")
    hand.post(f"{url}/empty")
    with clock.backdated(lambda: datetime.utcnow() + timedelta(seconds=30)):  # the operator walked off
        response, body = hand.post(f"{url}/empty")
    assert 'data-result="warn"' in body and "will be counted as 0" in body
    hand.scan(batch.id, "NUT-M8")  # an item: counting goes on, the arming is dropped
    response, body = hand.scan(batch.id, "A-01-02")
    assert "Bin A-01-02: scan each item" in body
    assert ("A-01-02", "NUT-M8", "counted", 1, False) in lines(batch.id)


def test_a_typed_count_applies_once_to_the_item_it_follows(client, counting):
    batch = counting["batch"]
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-01")
    hand.scan(batch.id, "BOLT-M8")
    assert "Counted BOLT-M8 in A-01-01: 5." in hand.scan(batch.id, "5")[1]
    response, body = hand.scan(batch.id, "6")
    assert response.status_code == 422 and "Scan an item first" in body
    assert "Next item counts 3" in hand.scan(batch.id, "x3")[1]
    assert "+3 BOLT-M8 in A-01-01: 8." in hand.scan(batch.id, "BOLT-M8")[1]
    assert "+1 BOLT-M8 in A-01-01: 9." in hand.scan(batch.id, "BOLT-M8")[1]


def test_a_second_press_at_once_is_a_double_tap_and_does_not_confirm(client, counting):
    batch = counting["batch"]
    url = f"/floor/count/{batch.id}"
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-02")
    hand.post(f"{url}/empty", key="first-render")
    response, body = hand.post(f"{url}/empty", key="second-render")  # the next page's button, at once
    assert 'data-result="warn"' in body and "Press Bin empty again" in body
    assert ("A-01-02", "NUT-M8", "pending", None, False) in lines(batch.id)
    with a_moment_later():
        response, body = hand.post(f"{url}/empty", key="third-render")
    assert "A-01-02 counted as empty" in body


def test_a_late_confirming_scan_says_bin_empty_was_not_confirmed(client, counting):
    batch = counting["batch"]
    url = f"/floor/count/{batch.id}"
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-02")
    hand.post(f"{url}/empty")
    with a_moment_later(30):
        response, body = hand.scan(batch.id, "A-01-02")
    assert 'data-result="warn"' in body and "was not confirmed in time: nothing was set to 0" in body
    assert ("A-01-02", "NUT-M8", "pending", None, False) in lines(batch.id)


def test_a_number_typed_after_a_refused_item_is_not_the_count_of_the_item_before(client, counting):
    """BOLT-M8 counted, then an item of another organisation's... here: a recount line the
    counter may not count (four eyes) is refused; the 5 typed next must not land on BOLT-M8."""
    batch = counting["batch"]
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-01")
    hand.scan(batch.id, "BOLT-M8")
    response, body = hand.scan(batch.id, "(01)09506000134352(30)99999999")  # refused: too many
    assert response.status_code == 422
    response, body = hand.scan(batch.id, "5")
    assert response.status_code == 422 and "Scan an item first" in body
    assert ("A-01-01", "BOLT-M8", "counted", 1, False) in lines(batch.id)


def test_an_unreadable_dialogue_is_a_fresh_start_not_a_stuck_screen(client, counting):
    from warehouse.core.models import ScanDialogue

    batch = counting["batch"]
    hand = Counter(client, htmx=True)
    hand.scan(batch.id, "A-01-01")
    db.session.execute(db.update(ScanDialogue).values(state="[]"))
    db.session.commit()
    response, body = hand.scan(batch.id, "BOLT-M8")
    assert response.status_code == 422 and "Scan the bin first" in body
    assert hand.scan(batch.id, "A-01-01")[0].status_code == 200
