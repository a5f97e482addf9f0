"""Cycle count pages through the real client: a supervisor creates batches by bin range,
SKUs, ABC class or "not counted in N days", reviews what the floor counted (expected,
counted, variance, value) and accepts, recounts or rejects; refusals land in the page
with their status and write nothing; operators never see a count's expected quantities."""

from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from tests.conftest import csrf_token, pdf_text, use_settings
from tests.factories import make_location, receive
from warehouse import accounts, counts, ledger
from warehouse.accounts.models import User
from warehouse.catalog.models import Location, LocationType
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch, CountLineStatus, CountStatus
from warehouse.ledger import Line
from warehouse.ledger.models import Balance, Movement, MovementType, Posting

HX = {"HX-Request": "true"}


@pytest.fixture
def stocked(site):
    """warehouse-main: BOLT-M8 10 in A-01-01 and 3 in A-01-02, NUT-M8 5 in A-01-02;
    bolts cost 2.50 and sell (class A), nuts never move (class C)."""
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    site.bolt.unit_cost = Decimal("2.50")
    db.session.commit()
    receive(site.bolt, site.bin(site.main, "A-01-01"), 30)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 3)
    receive(site.nut, site.bin(site.main, "A-01-02"), 5)
    receive(site.bolt, site.bin(site.north, "S-01-01"), 2)
    ledger.post(
        MovementType.OUTBOUND_SALE,
        [Line.at(site.bin(site.main, "A-01-01"), site.bolt, qty=-20)],
        actor_id=None,
    )
    return site


@pytest.fixture
def supervisor(client, auth, stocked):
    auth.login("supervisor")
    token = csrf_token(client, "/counts")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    post.user = db.session.scalar(select(User).where(User.username == "supervisor"))
    return post


@pytest.fixture
def counter(app):
    return accounts.create_user("cora", "long-enough-pw", "operator")


def _batch(site, bins_like="A-01-*"):
    return counts.create(site.main.id, counts.Selection(bins_like=bins_like), actor_id=None).id


def _count(site, batch_id, counted: dict, actor, submit=True):
    """The floor's side, through the domain: {(bin code, product): qty}, then submit."""
    for (bin_code, product), qty in counted.items():
        counts.record(batch_id, site.bin(site.main, bin_code), product, set_to=qty, actor_id=actor.id)
    if submit:
        counts.submit(batch_id, actor_id=actor.id)


def _line(batch_id, bin_code, sku, status=CountLineStatus.COUNTED):
    return next(
        l
        for l in counts.get(batch_id).lines
        if (l.bin.code, l.product.sku, l.status) == (bin_code, sku, status)
    )


def _ledger_size():
    return (
        db.session.scalar(select(func.count()).select_from(Posting)),
        db.session.scalar(select(func.count()).select_from(Movement)),
    )


def _batches():
    return db.session.scalar(select(func.count()).select_from(CountBatch))


# --- who may open the pages --------------------------------------------------------------


def test_an_operator_is_refused_every_count_route(app, client, auth, stocked, counter):
    batch_id = _batch(stocked)
    _count(
        stocked,
        batch_id,
        {("A-01-01", stocked.bolt): 9, ("A-01-02", stocked.bolt): 3, ("A-01-02", stocked.nut): 5},
        counter,
    )
    line_id = _line(batch_id, "A-01-01", "BOLT-M8").id
    auth.login("operator")
    token = csrf_token(client, "/stock")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("counts.")]
    assert len(rules) >= 8
    for rule in rules:
        path = rule.build({"id": batch_id}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for query in ("", "?size=A4&location=1&variances=1"):
                response = client.open(
                    path + query,
                    method=method,
                    data={
                        "csrf_token": token,
                        "action": "accept",
                        "line": str(line_id),
                        "location": str(stocked.main.id),
                        "abc_class": "A",
                    },
                )
                assert response.status_code == 403, (method, path)
                assert "7919" not in response.get_data(as_text=True)
    assert _line(batch_id, "A-01-01", "BOLT-M8").status is CountLineStatus.COUNTED and _batches() == 1


def test_counts_are_in_the_nav_for_supervisors_only(client, auth, stocked):
    auth.login("operator")
    assert 'href="/counts"' not in client.get("/stock").get_data(as_text=True)
    auth.logout()
    auth.login("supervisor")
    nav = client.get("/stock").get_data(as_text=True)
    assert 'href="/transfers"' in nav and 'href="/counts"' in nav


# --- creating a batch --------------------------------------------------------------------


def _keys(batch_id):
    return [(l.bin.code, l.product.sku) for l in counts.get(batch_id).lines]


def test_a_batch_by_bin_range_lands_on_its_review(client, supervisor, stocked):
    form = client.get("/counts").get_data(as_text=True)
    assert "warehouse-main" in form and "(transit)" not in form
    response = supervisor("/counts/new", location=stocked.main.id, bins_like="A-01-02")
    batch = db.session.scalar(select(CountBatch))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/counts/{batch.id}")
    assert _keys(batch.id) == [("A-01-02", "BOLT-M8"), ("A-01-02", "NUT-M8")]
    assert (batch.selection, batch.created_by, batch.status) == (
        "bins A-01-02",
        supervisor.user.id,
        CountStatus.OPEN,
    )
    page = client.get(f"/counts/{batch.id}").get_data(as_text=True)
    assert batch.number in page and "bins A-01-02" in page and "Accept" not in page  # nothing counted yet

    htmx = supervisor("/counts/new", htmx=True, location=stocked.main.id, bins_like="A-01-*")
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/counts/")
    newest = max(db.session.scalars(select(CountBatch.id)))
    assert _keys(newest) == [("A-01-01", "BOLT-M8"), ("A-01-02", "BOLT-M8"), ("A-01-02", "NUT-M8")]


def test_a_batch_by_sku_list_takes_commas_and_spaces(client, supervisor, stocked):
    supervisor("/counts/new", location=stocked.main.id, skus=" NUT-M8,\n GLUE-50  NUT-M8 ")
    batch = db.session.scalar(select(CountBatch))
    assert _keys(batch.id) == [("A-01-02", "NUT-M8")]  # no glue in stock; NUT-M8 once
    assert batch.selection == "SKUs NUT-M8, GLUE-50"


@pytest.mark.parametrize(
    "abc_class, expected",
    [
        ("A", [("A-01-01", "BOLT-M8"), ("A-01-02", "BOLT-M8")]),
        ("C", [("A-01-02", "NUT-M8")]),
    ],
)
def test_a_batch_by_abc_class(client, supervisor, stocked, abc_class, expected):
    response = supervisor("/counts/new", location=stocked.main.id, abc_class=abc_class)
    assert response.status_code == 303
    assert _keys(db.session.scalar(select(CountBatch.id))) == expected


def test_a_batch_of_what_was_not_counted_in_n_days(client, supervisor, stocked):
    bolt_bin = stocked.bin(stocked.main, "A-01-01")
    ledger.mark_counted(stocked.bolt.id, bolt_bin.id, 0, utcnow() - timedelta(days=3))
    db.session.commit()
    supervisor("/counts/new", location=stocked.main.id, not_counted_days="30")
    batch = db.session.scalar(select(CountBatch))
    assert _keys(batch.id) == [("A-01-02", "BOLT-M8"), ("A-01-02", "NUT-M8")]
    assert batch.selection == "not counted in 30 days"


@pytest.mark.parametrize(
    "fields, message, status",
    [
        ({"skus": "NOPE-1"}, "Nothing in stock matches that selection", 422),
        ({"bins_like": "Z-*"}, "Nothing in stock matches that selection", 422),
        ({"not_counted_days": "0"}, "Days must be 1 to 3,650.", 422),
        ({"not_counted_days": "-5"}, "Days must be 1 to 3,650.", 422),
        ({"not_counted_days": "99999"}, "Days must be 1 to 3,650.", 422),
        ({"not_counted_days": "abc"}, "Enter a whole number", 422),
        ({"not_counted_days": "9" * 40}, "Enter a whole number", 422),
        ({"bins_like": "A" * 33}, "A bin range is at most 32 characters.", 422),
        ({"skus": "X" * 4001}, "Keep the SKU list under 4,000 characters.", 422),
        ({"skus": " ".join(f"S{n}" for n in range(201))}, "At most 200 SKUs per batch.", 422),
        ({"skus": "X" * 65}, "A SKU is at most 64 characters.", 422),
        ({"abc_class": "Z"}, "Not a valid choice", 422),
        ({"location": ""}, "Choose the location to count.", 422),
        ({"location": "abc"}, "Invalid Choice", 422),
        ({"location": str(10**20)}, "Invalid Choice", 422),
        ({"location": "transit"}, "Not a valid choice", 422),
    ],
)
def test_a_bad_new_count_says_why_and_creates_nothing(client, supervisor, stocked, fields, message, status):
    data = {
        "location": str(stocked.main.id),
        "bins_like": "",
        "skus": "",
        "abc_class": "",
        "not_counted_days": "",
    }
    data.update(fields)
    if data["location"] == "transit":
        data["location"] = str(db.session.scalar(select(Location.id).where(Location.code == "transit")))
    for htmx in (True, False):
        response = supervisor("/counts/new", htmx=htmx, **data)
        body = response.get_data(as_text=True)
        assert response.status_code == status and message in body and 'data-result="error"' in body
        assert body.lstrip().startswith('<form id="new-count"') is htmx and ("<html" in body) is not htmx
    assert _batches() == 0


def test_the_list_shows_newest_first_with_lines_and_variances(client, supervisor, stocked, counter):
    first = _batch(stocked)
    _count(
        stocked,
        first,
        {("A-01-01", stocked.bolt): 9, ("A-01-02", stocked.bolt): 3, ("A-01-02", stocked.nut): 6},
        counter,
    )
    second = _batch(stocked, "A-01-01")
    page = client.get("/counts").get_data(as_text=True)
    assert page.index("CNT-%06d" % second) < page.index("CNT-%06d" % first)
    row = page[page.index(f'data-batch="{first}"') :]
    row = row[: row.index("</tr>")]
    assert "bins A-01-*" in row and 'data-status="submitted"' in row
    assert '<td data-label="Lines" class="num">3</td>' in row
    assert '<td data-label="Variances" class="num strong">2</td>' in row
    fragment = client.get("/counts", headers=HX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="count-rows"')
    assert "HX-Request" in fragment.headers["Vary"]


# --- the review -----------------------------------------------------------------------------


@pytest.fixture
def submitted(stocked, counter):
    """CNT of A-01-*: bolt A-01-01 counted 8 (ledger 10: -2), bolt A-01-02 3 (0),
    nut A-01-02 6 (ledger 5: +1), all by the operator cora; submitted."""
    batch_id = _batch(stocked)
    _count(
        stocked,
        batch_id,
        {("A-01-01", stocked.bolt): 8, ("A-01-02", stocked.bolt): 3, ("A-01-02", stocked.nut): 6},
        counter,
    )
    return batch_id


def _row(page, line_id):
    row = page[page.index(f'data-line="{line_id}"') :]
    return row[: row.index("</tr>")]


def test_the_review_shows_expected_counted_variance_and_value(client, supervisor, stocked, submitted):
    page = client.get(f"/counts/{submitted}").get_data(as_text=True)
    bolt = _row(page, _line(submitted, "A-01-01", "BOLT-M8").id)
    assert '<td data-label="Expected" class="num">10</td>' in bolt
    assert '<td data-label="Counted" class="num">8</td>' in bolt
    assert '<td data-label="Variance" class="num variance strong">-2</td>' in bolt
    assert '<td data-label="Value" class="num strong">-5.00</td>' in bolt
    assert '<td data-label="Counter">cora</td>' in bolt and 'name="line"' in bolt
    nut = _row(page, _line(submitted, "A-01-02", "NUT-M8").id)
    assert '<td data-label="Variance" class="num variance strong">+1</td>' in nut
    assert '<td data-label="Value" class="num">0.00</td>' not in nut  # nuts cost 1.00: +1.00
    assert '<td data-label="Value" class="num strong">+1.00</td>' in nut
    even = _row(page, _line(submitted, "A-01-02", "BOLT-M8").id)
    assert '<td data-label="Variance" class="num variance">0</td>' in even
    assert "Net variance value" in page and "-4.00" in page
    for name in ("Accept", "Recount", "Reject", "Auto-accept within tolerance"):
        assert name in page
    assert f"/counts/{submitted}/sheet.pdf?size=A4" in page and "sheet.pdf?size=LETTER" in page


def test_the_review_filters_variances_and_value(client, supervisor, stocked, submitted):
    ids = {
        sku_bin: _line(submitted, *sku_bin).id
        for sku_bin in [("A-01-01", "BOLT-M8"), ("A-01-02", "BOLT-M8"), ("A-01-02", "NUT-M8")]
    }
    only = client.get(f"/counts/{submitted}?variances=1", headers=HX).get_data(as_text=True)
    assert (
        f'data-line="{ids["A-01-01", "BOLT-M8"]}"' in only
        and f'data-line="{ids["A-01-02", "NUT-M8"]}"' in only
    )
    assert f'data-line="{ids["A-01-02", "BOLT-M8"]}"' not in only
    big = client.get(f"/counts/{submitted}?min_value=2").get_data(as_text=True)
    assert (
        f'data-line="{ids["A-01-01", "BOLT-M8"]}"' in big
        and f'data-line="{ids["A-01-02", "NUT-M8"]}"' not in big
    )
    assert f'action="/counts/{submitted}/resolve?min_value=2"' in big  # the filter survives an action
    for bad in ("abc", "NaN", "-1", "Infinity", "1" * 40):
        response = client.get(f"/counts/{submitted}?min_value={bad}")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "Showing every line." in body, bad
        assert f'data-line="{ids["A-01-02", "BOLT-M8"]}"' in body


def test_accepting_posts_exactly_the_variance_and_marks_the_key_counted(
    client, supervisor, stocked, submitted
):
    bolt_bin = stocked.bin(stocked.main, "A-01-01")
    line = _line(submitted, "A-01-01", "BOLT-M8")
    response = supervisor(f"/counts/{submitted}/resolve", htmx=True, action="accept", line=str(line.id))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="count"')
    assert "Accepted: 1 line." in body and "HX-Request" in response.headers["Vary"]
    assert ledger.balance(stocked.bolt.id, bolt_bin.id)[0] == 8
    adjustment = db.session.scalars(
        select(Movement).where(Movement.type == MovementType.ADJUSTMENT_COUNT)
    ).all()
    assert [(m.qty, m.bin_id, m.reference_type, m.reference_id) for m in adjustment] == [
        (-2, bolt_bin.id, "count", f"CNT-{submitted:06d}/{line.id}")
    ]
    balance = db.session.scalar(
        select(Balance).where(Balance.product_id == stocked.bolt.id, Balance.bin_id == bolt_bin.id)
    )
    db.session.refresh(balance)
    assert (
        balance.on_hand == 8
        and balance.last_counted_at
        == _line(submitted, "A-01-01", "BOLT-M8", CountLineStatus.ACCEPTED).counted_at
    )
    reference = f"CNT-{submitted:06d}/{line.id}"
    assert f'href="/movements?reference={reference}"' in body
    history = client.get(f"/movements?reference={reference}").get_data(as_text=True)
    assert history.count('data-label="SKU"') == 1 and "adjustment_count" in history
    assert counts.get(submitted).status is CountStatus.IN_REVIEW

    again = supervisor(f"/counts/{submitted}/resolve", htmx=True, action="accept", line=str(line.id))
    assert again.status_code == 409 and "nothing to resolve" in again.get_data(as_text=True)
    assert ledger.balance(stocked.bolt.id, bolt_bin.id)[0] == 8
    assert ledger.verify() == []


def test_nobody_resolves_a_line_they_counted(client, supervisor, stocked):
    batch_id = _batch(stocked, "A-01-01")
    _count(
        stocked, batch_id, {("A-01-01", stocked.bolt): 10}, supervisor.user
    )  # no variance: auto-accept would take it
    line = _line(batch_id, "A-01-01", "BOLT-M8")
    page = client.get(f"/counts/{batch_id}").get_data(as_text=True)
    assert "disabled" in _row(page, line.id) and "another supervisor resolves it" in page
    before = _ledger_size()
    for action in ("accept", "recount", "reject"):
        for htmx in (True, False):
            response = supervisor(f"/counts/{batch_id}/resolve", htmx=htmx, action=action, line=str(line.id))
            body = response.get_data(as_text=True)
            assert response.status_code == 403 and "another supervisor must resolve it" in body
            assert ("<html" in body) is not htmx
    assert (
        _ledger_size() == before and _line(batch_id, "A-01-01", "BOLT-M8").status is CountLineStatus.COUNTED
    )
    auto = supervisor(f"/counts/{batch_id}/auto-accept", htmx=True)
    assert auto.status_code == 200 and "Skipped 1 line you counted" in auto.get_data(as_text=True)


def test_a_recount_adds_a_pending_line_and_sends_the_batch_back_to_counting(
    client, supervisor, stocked, submitted
):
    line = _line(submitted, "A-01-02", "NUT-M8")
    response = supervisor(f"/counts/{submitted}/resolve", action="recount", line=str(line.id))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body and "Recount asked for: 1 line." in body
    batch = counts.get(submitted)
    assert batch.status is CountStatus.COUNTING
    new = _line(submitted, "A-01-02", "NUT-M8", CountLineStatus.PENDING)
    assert (new.recount_of_id, new.avoid_counter_id, new.counted_qty) == (line.id, line.counted_by, None)
    assert 'data-flag="recount"' in _row(body, new.id) and "Counting is under way" in body
    assert "Auto-accept within tolerance" not in body and 'value="accept"' not in body
    refused = supervisor(
        f"/counts/{submitted}/resolve",
        htmx=True,
        action="accept",
        line=str(_line(submitted, "A-01-01", "BOLT-M8").id),
    )
    assert refused.status_code == 409 and "submit it before review" in refused.get_data(as_text=True)


def test_rejecting_posts_nothing(client, supervisor, stocked, submitted):
    before = _ledger_size()
    ids = [_line(submitted, "A-01-01", "BOLT-M8").id, _line(submitted, "A-01-02", "NUT-M8").id]
    response = supervisor(
        f"/counts/{submitted}/resolve", htmx=True, action="reject", line=[str(i) for i in ids]
    )
    assert response.status_code == 200 and "Rejected: 2 lines." in response.get_data(as_text=True)
    assert _ledger_size() == before
    assert ledger.balance(stocked.bolt.id, stocked.bin(stocked.main, "A-01-01").id)[0] == 10
    assert {l.status for l in counts.get(submitted).lines if l.id in ids} == {CountLineStatus.REJECTED}


@pytest.mark.parametrize(
    "data, message, status",
    [
        ({"action": "accept"}, "Tick at least one line first.", 422),
        ({"action": "accept", "line": "abc"}, "could not be coerced", 422),
        ({"action": "accept", "line": str(2**40)}, "not on this batch", 422),
        ({"action": "destroy", "line": "LINE"}, "Not a valid choice", 422),
        ({"line": "LINE"}, "Choose Accept, Recount or Reject.", 422),
        ({"action": "accept", "line": "OTHER"}, "A chosen line is not on this batch.", 404),
    ],
)
def test_a_bad_resolve_says_why_and_changes_nothing(
    client, supervisor, stocked, submitted, data, message, status
):
    other = _batch(stocked, "A-01-01")
    line = _line(submitted, "A-01-01", "BOLT-M8").id
    data = {
        k: {"LINE": str(line), "OTHER": str(counts.get(other).lines[0].id)}.get(v, v) for k, v in data.items()
    }
    before = _ledger_size()
    response = supervisor(f"/counts/{submitted}/resolve", htmx=True, **data)
    body = response.get_data(as_text=True)
    assert response.status_code == status and message in body and 'data-result="error"' in body
    assert _ledger_size() == before and counts.get(submitted).status is CountStatus.SUBMITTED


def test_auto_accept_takes_what_the_tolerances_allow(app, client, supervisor, stocked, submitted):
    response = supervisor(f"/counts/{submitted}/auto-accept", htmx=True)
    body = response.get_data(as_text=True)
    # defaults: class A (bolts) 0 units, class C (nuts) 1 unit or 2%: the nut's +1 and the even bolt
    assert response.status_code == 200 and "Accepted 2 lines within tolerance." in body
    statuses = {(l.bin.code, l.product.sku): l.status for l in counts.get(submitted).lines}
    assert statuses == {
        ("A-01-01", "BOLT-M8"): CountLineStatus.COUNTED,
        ("A-01-02", "BOLT-M8"): CountLineStatus.ACCEPTED,
        ("A-01-02", "NUT-M8"): CountLineStatus.ACCEPTED,
    }
    assert ledger.balance(stocked.nut.id, stocked.bin(stocked.main, "A-01-02").id)[0] == 6

    use_settings(app, count_tolerances={"A": {"units": 2, "percent": "0"}})
    looser = supervisor(f"/counts/{submitted}/auto-accept", htmx=True)
    assert "Accepted 1 line within tolerance." in looser.get_data(as_text=True)
    assert counts.get(submitted).status is CountStatus.RESOLVED
    assert ledger.balance(stocked.bolt.id, stocked.bin(stocked.main, "A-01-01").id)[0] == 8
    nothing = supervisor(f"/counts/{submitted}/auto-accept")
    assert nothing.status_code == 200 and "No line to accept within tolerance." in nothing.get_data(
        as_text=True
    )
    assert ledger.verify() == []


def test_auto_accept_skips_the_lines_the_supervisor_counted(client, supervisor, stocked, counter):
    batch_id = _batch(stocked)
    _count(stocked, batch_id, {("A-01-02", stocked.nut): 5}, supervisor.user, submit=False)
    _count(stocked, batch_id, {("A-01-01", stocked.bolt): 10, ("A-01-02", stocked.bolt): 3}, counter)
    response = supervisor(f"/counts/{batch_id}/auto-accept", htmx=True)
    body = response.get_data(as_text=True)
    assert "Accepted 2 lines within tolerance. Skipped 1 line you counted" in body
    assert _line(batch_id, "A-01-02", "NUT-M8").status is CountLineStatus.COUNTED


def test_the_review_answers_htmx_with_its_region_and_a_plain_get_with_the_page(client, supervisor, submitted):
    full = client.get(f"/counts/{submitted}")
    fragment = client.get(f"/counts/{submitted}", headers=HX)
    boosted = client.get(f"/counts/{submitted}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in full.get_data(as_text=True) and "<html" in boosted.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="count"')
    assert all("HX-Request" in r.headers["Vary"] for r in (full, fragment, boosted))


@pytest.mark.parametrize(
    "path",
    [
        "/counts/999999",
        "/counts/2147483648",
        "/counts/-1",
        "/counts/xyz",
        "/counts/999999/sheet.pdf",
        "/counts/99999999999999999999",
    ],
)
def test_a_missing_count_is_a_404_page(client, supervisor, stocked, path):
    response = client.get(path)
    assert response.status_code == 404 and 'data-result="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["resolve", "auto-accept"])
def test_posting_to_a_missing_count_is_a_404(client, supervisor, stocked, action):
    assert supervisor(f"/counts/999999/{action}", action="accept", line="1").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, supervisor, stocked, submitted):
    line = _line(submitted, "A-01-01", "BOLT-M8").id
    response = client.post(
        f"/counts/{submitted}/resolve", data={"action": "accept", "line": line}, headers=HX
    )
    assert response.status_code == 400 and counts.get(submitted).status is CountStatus.SUBMITTED
    assert client.post(f"/counts/{submitted}/auto-accept").status_code == 400
    assert (
        client.post("/counts/new", data={"location": stocked.main.id}).status_code == 400 and _batches() == 1
    )


def test_the_count_sheet_is_an_inline_pdf_in_both_paper_sizes(client, supervisor, stocked, submitted):
    for size in ("A4", "LETTER", "letter", ""):
        response = client.get(f"/counts/{submitted}/sheet.pdf?size={size}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("inline;") and f"CNT-{submitted:06d}" in disposition
    bad = client.get(f"/counts/{submitted}/sheet.pdf?size=A3")
    assert bad.status_code == 400 and "Paper size must be A4 or LETTER" in bad.get_data(as_text=True)


def test_the_count_sheet_speaks_the_language_the_browser_asks_for(
    client, supervisor, stocked, submitted, tmp_path
):
    """The sheet's words are the reader's (Accept-Language: the supervisor chose none);
    the batch number and the codes are the same in every language."""
    polish = client.get(f"/counts/{submitted}/sheet.pdf", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert polish.status_code == 200 and polish.mimetype == "application/pdf"
    text = pdf_text(polish.data, tmp_path)
    assert "ARKUSZ SPISU NA ŚLEPO" in text and "BLIND COUNT SHEET" not in text
    assert "Liczył(a)" in text and "Znalezione, spoza listy:" in text and "Counted by" not in text
    assert f"CNT-{submitted:06d}" in text and "A-01-01" in text and "BOLT-M8" in text

    english = pdf_text(client.get(f"/counts/{submitted}/sheet.pdf").data, tmp_path)
    assert "BLIND COUNT SHEET" in english and "Counted by" in english


# --- ABC classes and what is due ---------------------------------------------------------


def test_the_abc_page_shows_classes_and_what_is_due(client, supervisor, stocked):
    page = client.get(f"/counts/abc?location={stocked.main.id}").get_data(as_text=True)
    bolt = page[page.index('data-sku="BOLT-M8"') :]
    bolt = bolt[: bolt.index("</tr>")]
    assert '<td data-label="Class" class="strong">A</td>' in bolt
    assert '<td data-label="Outbound value" class="num">50.00</td>' in bolt  # 20 sold x 2.50
    assert "never" in bolt and "due" in bolt
    assert "Class A: 1 SKU" in page and "Class C: 2 SKUs" in page  # NUT-M8 and GLUE-50
    fragment = client.get(f"/counts/abc?location={stocked.main.id}", headers=HX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="abc"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/counts/abc").status_code == 200
    for bad in ("abc", "999999", "1" * 30):
        response = client.get(f"/counts/abc?location={bad}")
        assert response.status_code == 200 and "Choose a location from the list." in response.get_data(
            as_text=True
        )


def test_the_due_button_counts_the_due_skus_of_a_class(client, supervisor, stocked):
    response = supervisor("/counts/abc/due", location=stocked.main.id, abc_class="A")
    batch = db.session.scalar(select(CountBatch))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/counts/{batch.id}")
    assert _keys(batch.id) == [("A-01-01", "BOLT-M8"), ("A-01-02", "BOLT-M8")]
    assert batch.selection == "SKUs BOLT-M8; ABC class A"

    refused = supervisor("/counts/abc/due", htmx=True, location=stocked.main.id, abc_class="B")
    assert refused.status_code == 422 and "Nothing of class B is due today" in refused.get_data(as_text=True)
    bad = supervisor("/counts/abc/due", location="abc", abc_class="Q")
    assert bad.status_code == 422 and 'data-result="error"' in bad.get_data(as_text=True)
    assert _batches() == 1


def test_a_count_accepted_today_is_no_longer_due(client, supervisor, stocked, counter):
    batch_id = _batch(stocked, "A-01-01")
    _count(stocked, batch_id, {("A-01-01", stocked.bolt): 10}, counter)
    supervisor(
        f"/counts/{batch_id}/resolve", action="accept", line=str(_line(batch_id, "A-01-01", "BOLT-M8").id)
    )
    page = client.get(f"/counts/abc?location={stocked.main.id}").get_data(as_text=True)
    assert "Class A: 1 SKU" not in page
    assert format_date(utcnow().date(), "medium", locale="en") in page  # |day: Dec 6, 2026


def test_a_double_submitted_new_count_makes_one_batch(client, auth, app):
    from tests.conftest import csrf_token
    from tests.factories import make_location, make_product, receive
    from warehouse.counts.models import CountBatch

    main = make_location("warehouse-main")
    receive(make_product("BOLT-M8"), main.bins[0], 5)
    auth.login("supervisor")
    data = {
        "csrf_token": csrf_token(client, "/counts"),
        "location": main.id,
        "bins_like": "A-01-*",
        "skus": "",
        "abc_class": "",
        "not_counted_days": "",
        "key": "once",
    }
    first, again = client.post("/counts/new", data=data), client.post("/counts/new", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(CountBatch)) == 1
