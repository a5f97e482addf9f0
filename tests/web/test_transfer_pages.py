"""Transfer pages through the real client: a supervisor creates a draft, adds lines,
approves, cancels or completes; refusals land in the page with their status and write
nothing; htmx gets the region it swaps, a plain post the whole page."""

import re

import pytest
from sqlalchemy import event, func, select

from tests.conftest import csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import ledger, transfers
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.ledger import stock
from warehouse.ledger.models import Balance, Movement, Posting
from warehouse.transfers.models import (
    ReceiveReason,
    Transfer,
    TransferAllocation,
    TransferLine,
    TransferStatus,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def stocked(site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 4)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    receive(site.nut, site.bin(site.main, "A-01-01"), 3)
    return site


@pytest.fixture
def supervisor(client, auth, stocked):
    auth.login("supervisor")
    token = csrf_token(client, "/transfers")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    post.token = token
    return post


def _draft(site, *lines, note=""):
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None, note=note)
    for product, qty in lines:
        transfers.add_line(transfer.id, product, qty)
    return transfer.id


def _reserved():
    return db.session.scalar(select(func.coalesce(func.sum(Balance.reserved), 0)))


def _ledger_size():
    return (
        db.session.scalar(select(func.count()).select_from(Posting)),
        db.session.scalar(select(func.count()).select_from(Movement)),
    )


def _status(transfer_id):
    db.session.expire_all()
    return db.session.get(Transfer, transfer_id).status


# --- who may open the pages --------------------------------------------------------------


def test_an_operator_is_refused_every_transfer_route(app, client, auth, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 2))
    line_id = db.session.scalar(select(TransferLine.id))
    auth.login("operator")
    token = csrf_token(client, "/stock")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("transfers.")]
    assert len(rules) >= 11
    for rule in rules:
        path = rule.build({"id": transfer_id, "line_id": line_id}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, data={"csrf_token": token, "qty": "1"})
            assert response.status_code == 403, (method, path)
    assert _status(transfer_id) is TransferStatus.DRAFT


def test_transfers_are_in_the_nav_for_supervisors_only(client, auth, stocked):
    auth.login("operator")
    assert 'href="/transfers"' not in client.get("/stock").get_data(as_text=True)
    auth.logout()
    auth.login("supervisor")
    assert 'href="/transfers"' in client.get("/stock").get_data(as_text=True)


# --- list and new ------------------------------------------------------------------------


def test_the_list_shows_newest_first_and_filters_by_status(client, supervisor, stocked):
    first = _draft(stocked, (stocked.bolt, 1), (stocked.nut, 1))
    second = _draft(stocked)
    transfers.cancel(second, actor_id=None)
    page = client.get("/transfers").get_data(as_text=True)
    assert page.index("TR-%06d" % second) < page.index("TR-%06d" % first)
    assert "warehouse-main → service-north" in page
    assert '<td data-label="Lines" class="num">2</td>' in page
    assert '<option value="draft" >Draft</option>' in page or '<option value="draft">' in page.replace(
        " >", ">"
    )

    fragment = client.get("/transfers?status=draft", headers=HX)
    body = fragment.get_data(as_text=True)
    assert (
        body.lstrip().startswith('<section id="transfer-rows"') and "HX-Request" in fragment.headers["Vary"]
    )
    assert "TR-%06d" % first in body and "TR-%06d" % second not in body
    bad = client.get("/transfers?status=lost")
    assert bad.status_code == 200 and "Fix the filter" in bad.get_data(as_text=True)


def test_a_supervisor_creates_a_draft_and_lands_on_it(client, supervisor, stocked):
    form = client.get("/transfers/new").get_data(as_text=True)
    assert "warehouse-main" in form and "(transit)" not in form  # transit is not a place to send to
    response = supervisor(
        "/transfers/new", from_location=stocked.main.id, to_location=stocked.north.id, note="for the van"
    )
    transfer = db.session.scalar(select(Transfer))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/transfers/{transfer.id}")
    assert (transfer.status, transfer.note, transfer.created_by is not None) == (
        TransferStatus.DRAFT,
        "for the van",
        True,
    )
    page = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    assert transfer.number in page and "for the van" in page and "Approve" in page

    htmx = supervisor(
        "/transfers/new", htmx=True, from_location=stocked.main.id, to_location=stocked.north.id
    )
    assert htmx.status_code == 204 and re.search(r"/transfers/\d+$", htmx.headers["HX-Redirect"])


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"to_location": "same"}, "Choose two different locations."),
        ({"note": "x" * 501}, "Keep the note under 500 characters."),
        ({"from_location": ""}, "Choose where the stock leaves from."),
        ({"from_location": "abc"}, "Invalid Choice"),
        ({"from_location": "99999"}, "Not a valid choice"),
        ({"to_location": str(10**20)}, "Invalid Choice"),
    ],
)
def test_a_bad_new_transfer_says_why_and_creates_nothing(client, supervisor, stocked, fields, message):
    data = {"from_location": str(stocked.main.id), "to_location": str(stocked.north.id), "note": ""}
    data.update(fields)
    if data["to_location"] == "same":
        data["to_location"] = data["from_location"]
    response = supervisor("/transfers/new", htmx=True, **data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and 'data-result="error"' in body
    assert body.lstrip().startswith('<form id="new-transfer"')
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


# --- draft editing -----------------------------------------------------------------------


def test_adding_a_line_answers_htmx_with_the_lines_and_a_plain_post_with_the_page(
    client, supervisor, stocked
):
    transfer_id = _draft(stocked)
    fragment = supervisor(f"/transfers/{transfer_id}/lines", htmx=True, code="BOLT-M8", qty="5", lot="")
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert body.lstrip().startswith('<section id="transfer-lines"') and "<html" not in body
    assert "Added 5 × BOLT-M8" in body
    assert '<td data-label="Available at source" class="num strong"><span>14</span></td>' in body

    full = supervisor(f"/transfers/{transfer_id}/lines", code="9506000134352", qty="2")  # by GTIN
    page = full.get_data(as_text=True)
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    assert "<html" in page and 'id="transfer"' in page and "Added 2 × BOLT-M8" in page
    assert [(l.product.sku, l.qty_requested) for l in transfers.get(transfer_id).lines] == [
        ("BOLT-M8", 5),
        ("BOLT-M8", 2),
    ]


@pytest.mark.parametrize(
    "fields, message, status",
    [
        ({"code": "NO-SUCH-SKU"}, "No product with SKU or barcode", 404),
        ({"code": ""}, "Enter or scan the SKU.", 422),
        ({"qty": "0"}, "Quantity must be 1 to 1,000,000.", 422),
        ({"qty": "-1"}, "Quantity must be 1 to 1,000,000.", 422),
        ({"qty": "abc"}, "Enter a whole number", 422),
        ({"qty": str(10**12)}, "Quantity must be 1 to 1,000,000.", 422),
        ({"qty": str(10**30)}, "Enter a whole number", 422),
        ({"qty": ""}, "Enter how many", 422),
        ({"lot": "L1"}, "BOLT-M8 is not lot-tracked", 422),
        ({"code": "GLUE-50", "lot": "NOPE"}, "No lot NOPE of GLUE-50", 404),
        ({"code": "X" * 65}, "Field cannot be longer than 64 characters", 422),
    ],
)
def test_a_bad_line_says_why_and_adds_nothing(client, supervisor, stocked, fields, message, status):
    transfer_id = _draft(stocked)
    data = {"code": "BOLT-M8", "qty": "5", "lot": ""}
    data.update(fields)
    for htmx in (True, False):
        response = supervisor(f"/transfers/{transfer_id}/lines", htmx=htmx, **data)
        body = response.get_data(as_text=True)
        assert response.status_code == status and message in body and 'data-result="error"' in body
        assert ("<html" in body) is not htmx
    assert db.session.scalar(select(func.count()).select_from(TransferLine)) == 0


def test_changing_a_quantity_and_zero_removes_the_line(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 5), (stocked.nut, 1))
    bolt_line, nut_line = transfers.get(transfer_id).lines
    response = supervisor(f"/transfers/{transfer_id}/lines/{bolt_line.id}", htmx=True, qty="7")
    assert response.status_code == 200 and "Quantity set to 7." in response.get_data(as_text=True)
    removed = supervisor(f"/transfers/{transfer_id}/lines/{nut_line.id}", htmx=True, qty="0")
    assert "Line removed." in removed.get_data(as_text=True) and "NUT-M8" not in removed.get_data(
        as_text=True
    )
    for qty, message in [
        ("-1", "0 to 1,000,000"),
        ("abc", "Enter a whole number"),
        (str(10**12), "0 to 1,000,000"),
    ]:
        refused = supervisor(f"/transfers/{transfer_id}/lines/{bolt_line.id}", htmx=True, qty=qty)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    other = _draft(stocked, (stocked.nut, 1))
    foreign = supervisor(
        f"/transfers/{transfer_id}/lines/{transfers.get(other).lines[0].id}", htmx=True, qty="3"
    )
    assert foreign.status_code == 404 and "No such line" in foreign.get_data(as_text=True)
    assert supervisor(f"/transfers/{transfer_id}/lines/{2**31}", qty="3").status_code == 404
    assert [(l.product.sku, l.qty_requested) for l in transfers.get(transfer_id).lines] == [("BOLT-M8", 7)]


def test_lines_cannot_be_edited_once_approved(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 5))
    transfers.approve(transfer_id, actor_id=None)
    page = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert 'id="add-line"' not in page and 'name="qty"' not in page
    refused = supervisor(f"/transfers/{transfer_id}/lines", htmx=True, code="NUT-M8", qty="1")
    assert refused.status_code == 409 and "only drafts can be edited" in refused.get_data(as_text=True)


def test_the_sku_search_matches_prefixes_with_stock_at_the_source_in_one_query(
    app, client, supervisor, stocked
):
    transfer_id = _draft(stocked)
    body = client.get(f"/transfers/sku-search?transfer={transfer_id}&q=bolt", headers=HX).get_data(
        as_text=True
    )
    assert body.lstrip().startswith('<div id="sku-results"')
    assert "BOLT-M8" in body and "NUT-M8" not in body and "14 available at warehouse-main" in body
    by_name = client.get(f"/transfers/sku-search?transfer={transfer_id}&q=Item%20N").get_data(as_text=True)
    assert "<html" in by_name and "NUT-M8" in by_name and "3 available" in by_name
    none = client.get(f"/transfers/sku-search?transfer={transfer_id}&q=%25").get_data(as_text=True)
    assert "No active SKU or name starts with" in none  # % is a character, not a wildcard

    def statements_for(q):
        db.session.expire_all()  # the test and its requests share one session: start both cold
        seen = []
        listener = lambda *args: args[2].lstrip().upper().startswith("SELECT") and seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = client.get(f"/transfers/sku-search?transfer={transfer_id}&q={q}", headers=HX).get_data(
                as_text=True
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), body.count("<li>"), seen

    few = statements_for("NUT")
    for n in range(12):
        product = make_product(f"NUT-X{n:02d}")
        receive(product, stocked.bin(stocked.main, "A-01-01"), n + 1)
    many = statements_for("NUT")
    assert few[1] == 1 and many[1] == 10  # limited to 10
    assert many[0] == few[0], (few[2], many[2])  # no query per match
    assert client.get("/transfers/sku-search?q=BOLT").status_code == 400
    assert client.get("/transfers/sku-search?transfer=abc&q=BOLT").status_code == 400
    assert client.get("/transfers/sku-search?transfer=999999&q=BOLT").status_code == 404
    long = client.get(f"/transfers/sku-search?transfer={transfer_id}&q=" + "B" * 500)
    assert long.status_code == 200 and "Shorten the search" in long.get_data(as_text=True)


# --- approve, cancel, complete -----------------------------------------------------------


def test_approving_reserves_at_the_source_and_shows_the_allocated_bins(client, supervisor, stocked):
    supervisor("/transfers/new", from_location=stocked.main.id, to_location=stocked.north.id)
    transfer_id = db.session.scalar(select(Transfer.id))
    supervisor(f"/transfers/{transfer_id}/lines", htmx=True, code="BOLT-M8", qty="12")
    supervisor(f"/transfers/{transfer_id}/lines", htmx=True, code="NUT-M8", qty="1")
    response = supervisor(f"/transfers/{transfer_id}/approve", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="transfer"')
    assert "approved: stock is reserved" in body and 'data-status="approved"' in body
    assert "A-01-02 × 10" in body and "A-01-01 × 2" in body and "A-01-01 × 1" in body
    assert ">Approve<" not in body and "Cancel transfer" in body and "Complete" not in body
    assert "pick-list.pdf?size=A4" in body
    assert _reserved() == 13
    assert ledger.balance(stocked.bolt.id, stocked.bin(stocked.main, "A-01-02").id) == (10, 10, 0)
    stock_page = client.get("/stock?sku=BOLT-M8").get_data(as_text=True)
    assert '<td data-label="Reserved" class="num">10</td>' in stock_page
    assert ledger.verify() == []

    again = supervisor(f"/transfers/{transfer_id}/approve", htmx=True)  # a double tap
    assert again.status_code == 409 and "cannot be approved now" in again.get_data(as_text=True)
    assert _reserved() == 13


def test_an_approval_without_enough_stock_says_so_and_writes_nothing(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.nut, 2), (stocked.bolt, 15))
    before = (_reserved(), _ledger_size())
    for htmx in (True, False):
        response = supervisor(f"/transfers/{transfer_id}/approve", htmx=htmx)
        body = response.get_data(as_text=True)
        assert response.status_code == 409 and 'data-result="error"' in body
        assert "Not enough BOLT-M8 at warehouse-main" in body and "requested 15" in body
        assert ("<html" in body) is not htmx
    assert (_reserved(), _ledger_size()) == before
    assert _status(transfer_id) is TransferStatus.DRAFT
    assert db.session.scalar(select(func.count()).select_from(TransferAllocation)) == 0


def test_two_skus_in_one_bin_do_not_share_their_availability(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.nut, 3), (stocked.bolt, 12))  # bolt: 4 in A-01-01 + 10 in A-01-02
    response = supervisor(f"/transfers/{transfer_id}/approve", htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_empty_draft_cannot_be_approved(client, supervisor, stocked):
    transfer_id = _draft(stocked)
    response = supervisor(f"/transfers/{transfer_id}/approve")
    assert response.status_code == 422 and "has no lines" in response.get_data(as_text=True)
    assert _status(transfer_id) is TransferStatus.DRAFT


def test_cancelling_an_approved_transfer_releases_its_reservations(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 12))
    transfers.approve(transfer_id, actor_id=None)
    assert _reserved() == 12
    response = supervisor(f"/transfers/{transfer_id}/cancel")
    body = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and "<html" in body and "cancelled: any reservation is released" in body
    )
    assert _reserved() == 0 and _status(transfer_id) is TransferStatus.CANCELLED
    assert "Cancel transfer" not in body and ">Approve<" not in body
    refused = supervisor(f"/transfers/{transfer_id}/cancel", htmx=True)
    assert refused.status_code == 409 and "cannot be cancelled now" in refused.get_data(as_text=True)
    assert ledger.verify() == []


def _received(site, transfer_id):
    """Drive a transfer through the floor's steps (domain calls) to received."""
    transfers.approve(transfer_id, actor_id=None)
    transfers.pick(transfer_id, site.bin(site.main, "A-01-02"), site.bolt, 10, actor_id=None)
    transfers.pick(transfer_id, site.bin(site.main, "A-01-01"), site.bolt, 2, actor_id=None)
    transfers.ship(transfer_id, actor_id=None)


def test_complete_is_offered_and_accepted_only_once_received(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 12))
    refused = supervisor(f"/transfers/{transfer_id}/complete", htmx=True)
    assert refused.status_code == 409 and "cannot be completed now" in refused.get_data(as_text=True)

    _received(stocked, transfer_id)
    in_transit = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert "In transit: 12 units" in in_transit and "Complete" not in in_transit
    assert supervisor(f"/transfers/{transfer_id}/complete").status_code == 409
    assert supervisor(f"/transfers/{transfer_id}/cancel").status_code == 409

    transfers.count_received(transfer_id, stocked.bolt, 11, actor_id=None)
    line_id = transfers.get(transfer_id).lines[0].id
    transfers.set_received(transfer_id, line_id, received=11, damaged=1, reason=ReceiveReason.SHORT_SHIPPED)
    transfers.finish_receiving(transfer_id, actor_id=None)
    received = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert '<td data-label="Shipped" class="num">12</td>' in received
    assert '<td data-label="Received" class="num">11</td>' in received
    assert '<td data-label="Damaged" class="num">1 <small>(on hold)</small></td>' in received
    assert '<td data-label="Reason">Short shipped</td>' in received  # the reason, in words
    assert '<td data-label="Difference" class="num strong">-1</td>' in received
    assert "Received · 1 missing" in received

    asked = supervisor(f"/transfers/{transfer_id}/complete", htmx=True)
    assert asked.status_code == 409  # 1 unit missing: found or lost first
    assert "1 unit missing on arrival (1 × BOLT-M8)" in asked.get_data(as_text=True)
    assert 'action="/transfers/%d/lines/%d/missing"' % (transfer_id, line_id) in asked.get_data(as_text=True)
    assert _status(transfer_id) is TransferStatus.RECEIVED

    done = supervisor(f"/transfers/{transfer_id}/lines/{line_id}/missing", htmx=True, outcome="lost", qty="1")
    assert done.status_code == 200 and "is completed" in done.get_data(as_text=True)
    assert _status(transfer_id) is TransferStatus.COMPLETED
    assert ledger.verify() == []


@pytest.mark.parametrize(
    "path",
    [
        "/transfers/999999",
        "/transfers/2147483647",
        "/transfers/2147483648",
        "/transfers/99999999999999999999",
        "/transfers/-1",
        "/transfers/abc",
        "/transfers/999999/slip.pdf",
        "/transfers/2147483648/pick-list.pdf",
    ],
)
def test_a_missing_transfer_is_a_404_page(client, supervisor, stocked, path):
    response = client.get(path)
    assert response.status_code == 404 and 'data-result="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["approve", "cancel", "complete", "lines", "lines/1"])
def test_posting_to_a_missing_transfer_is_a_404(client, supervisor, stocked, action):
    assert supervisor(f"/transfers/999999/{action}", code="BOLT-M8", qty="1").status_code == 404
    assert supervisor(f"/transfers/{2**40}/{action}").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 1))
    response = client.post(f"/transfers/{transfer_id}/approve", headers=HX)
    assert response.status_code == 400 and _status(transfer_id) is TransferStatus.DRAFT


# --- movements and paper -----------------------------------------------------------------


def test_movements_filter_by_transfer_and_link_both_ways(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 12))
    other = _draft(stocked, (stocked.nut, 1))
    transfers.approve(transfer_id, actor_id=None)
    transfers.approve(other, actor_id=None)
    number = transfers.get(transfer_id).number

    page = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert f'href="/movements?reference={number}"' in page
    history = client.get(f"/movements?reference={number}").get_data(as_text=True)
    assert history.count('data-label="SKU"') == 2 and "NUT-M8" not in history  # bins A-01-02 and A-01-01
    assert f'<a href="/transfers/{transfer_id}">transfer {number}</a>' in history
    assert f"Movements of {number} only" in history
    short_form = client.get(f"/movements?reference=tr-{transfer_id}", headers=HX).get_data(as_text=True)
    assert short_form.count('data-label="SKU"') == 2
    unknown = client.get("/movements?reference=TR-424242").get_data(as_text=True)
    assert "No movements match" in unknown
    assert client.get("/movements?reference=" + "R" * 65).status_code == 200

    everything = client.get("/movements").get_data(as_text=True)
    assert f'<a href="/transfers/{other}">' in everything
    assert stock.movement_history(
        reference_type="transfer", reference_id=number
    ).rows  # the domain filter too


def test_operators_see_the_transfer_reference_without_a_link(client, auth, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 1))
    transfers.approve(transfer_id, actor_id=None)
    auth.login("operator")
    history = client.get("/movements").get_data(as_text=True)
    assert "transfer TR-" in history and f'href="/transfers/{transfer_id}"' not in history


@pytest.mark.parametrize("document", ["slip.pdf", "pick-list.pdf"])
def test_the_slip_and_pick_list_are_inline_pdfs_in_both_paper_sizes(client, supervisor, stocked, document):
    transfer_id = _draft(stocked, (stocked.bolt, 12))
    transfers.approve(transfer_id, actor_id=None)
    for size in ("A4", "LETTER", "letter", ""):
        response = client.get(f"/transfers/{transfer_id}/{document}?size={size}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("inline;") and f"TR-{transfer_id:06d}" in disposition
    bad = client.get(f"/transfers/{transfer_id}/{document}?size=A3")
    assert bad.status_code == 400 and "Paper size must be A4 or LETTER" in bad.get_data(as_text=True)
    assert client.get(f"/transfers/{transfer_id}/{document}?size=" + "A" * 5000).status_code == 400


def test_the_pdf_links_are_on_the_page(client, supervisor, stocked):
    transfer_id = _draft(stocked, (stocked.bolt, 1))
    page = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert f"/transfers/{transfer_id}/slip.pdf?size=A4" in page and "slip.pdf?size=LETTER" in page
    assert "pick-list.pdf" not in page  # a draft has no bins to pick from yet


def test_a_double_submitted_draft_and_line_are_written_once(client, supervisor, stocked):
    from warehouse.transfers.models import Transfer, TransferLine

    token = csrf_token(client, "/transfers/new")
    data = {
        "csrf_token": token,
        "from_location": stocked.main.id,
        "to_location": stocked.north.id,
        "note": "",
        "key": "same-draft",
    }
    first = client.post("/transfers/new", data=data)
    again = client.post("/transfers/new", data=data)
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
    transfer_id = db.session.scalar(select(Transfer.id))
    line = {"csrf_token": token, "code": "BOLT-M8", "qty": "2", "lot": "", "key": "same-line"}
    client.post(f"/transfers/{transfer_id}/lines", data=line)
    client.post(f"/transfers/{transfer_id}/lines", data=line)
    assert db.session.scalar(select(func.count()).select_from(TransferLine)) == 1


# --- damaged and missing on arrival -------------------------------------------------------


def _damaged_and_missing(site):
    """BOLT-M8 x5 shipped: 4 arrived, 1 of them damaged; NUT-M8 x3 shipped: 2 arrived."""
    transfer_id = _draft(site, (site.bolt, 5), (site.nut, 3))
    transfers.approve(transfer_id, actor_id=None)
    for line in transfers.get(transfer_id).lines:
        for a in line.allocations:
            transfers.pick(transfer_id, a.bin, line.product, a.qty, actor_id=None)
    transfers.ship(transfer_id, actor_id=None)
    bolt_line, nut_line = transfers.get(transfer_id).lines
    transfers.set_received(
        transfer_id, bolt_line.id, received=4, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT
    )
    transfers.set_received(
        transfer_id, nut_line.id, received=2, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.finish_receiving(transfer_id, actor_id=None)
    return transfer_id, bolt_line.id, nut_line.id


def _units(site, product) -> dict[str, int]:
    """Where a product's units are, from the ledger's balances: available and held at the
    destination, on hand in transit, and written off with the transfer as reference."""

    def at(location_code):
        rows = db.session.execute(
            select(Balance.on_hand, Balance.reserved, Balance.held)
            .join(Balance.location)
            .where(Balance.product_id == product.id, Balance.location.has(code=location_code))
        ).all()
        return sum(r[0] - r[1] - r[2] for r in rows), sum(r[2] for r in rows), sum(r[0] for r in rows)

    db.session.expire_all()
    available, held, _ = at("service-north")
    _a, _h, in_transit = at("transit")
    written_off = -db.session.scalar(
        select(func.coalesce(func.sum(Movement.qty), 0)).where(
            Movement.product_id == product.id,
            Movement.reference_type == "transfer",
            Movement.type == "adjustment",
        )
    )
    return dict(available=available, held=held, written_off=written_off, in_transit=in_transit)


def test_a_damaged_and_a_missing_line_from_receive_to_complete(client, supervisor, stocked):
    transfer_id, bolt_line, nut_line = _damaged_and_missing(stocked)
    number = transfers.get(transfer_id).number

    holds_page = client.get("/holds").get_data(as_text=True)
    assert "damaged" in holds_page and f'href="/transfers/{transfer_id}">{number}</a>' in holds_page
    assert "service-north / RCV-01" in holds_page and "Write off" in holds_page

    page = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert "Received · 2 missing" in page and "Missing on arrival" in page
    assert "1 × BOLT-M8 missing" in page and "1 × NUT-M8 missing" in page
    assert "Damaged on arrival" in page and "HLD-000001: 1 × BOLT-M8" in page
    assert _units(stocked, stocked.bolt) == dict(available=3, held=1, written_off=0, in_transit=1)
    assert _units(stocked, stocked.nut) == dict(available=2, held=0, written_off=0, in_transit=1)

    asked = supervisor(f"/transfers/{transfer_id}/complete", htmx=True)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 409 and "2 units missing on arrival (1 × BOLT-M8, 1 × NUT-M8)" in body
    assert body.lstrip().startswith('<section id="transfer"') and "Missing on arrival" in body

    url = f"/transfers/{transfer_id}/lines"
    found = supervisor(f"{url}/{bolt_line}/missing", htmx=True, outcome="found", qty="1", key="k-1")
    assert found.status_code == 200
    assert "1 × BOLT-M8 found: received into service-north" in found.get_data(as_text=True)
    assert "Still missing on %s: 1." % number in found.get_data(as_text=True)
    assert _status(transfer_id) is TransferStatus.RECEIVED

    lost = supervisor(f"{url}/{nut_line}/missing", outcome="lost", qty="1", note="never loaded", key="k-2")
    assert lost.status_code == 200 and f"{number} is completed" in lost.get_data(as_text=True)
    assert "<html" in lost.get_data(as_text=True)  # a plain post gets the whole page
    assert _status(transfer_id) is TransferStatus.COMPLETED

    # shipped = available + held + written off + still in transit, for each product
    assert _units(stocked, stocked.bolt) == dict(available=4, held=1, written_off=0, in_transit=0)
    assert _units(stocked, stocked.nut) == dict(available=2, held=0, written_off=1, in_transit=0)
    assert ledger.verify() == []


@pytest.mark.parametrize(
    "data, status, message",
    [
        (dict(outcome="lost", qty="-1"), 422, "Quantity must be 1 to"),
        (dict(outcome="lost", qty="0"), 422, "Quantity must be 1 to"),
        (dict(outcome="lost", qty="abc"), 422, "Enter a whole number"),
        (dict(outcome="lost", qty="1.5"), 422, "Enter a whole number"),
        (dict(outcome="", qty="1"), 422, "Say whether they were found or lost."),
        (dict(outcome="stolen", qty="1"), 422, "Say whether they were found or lost."),
        (dict(outcome="lost", qty="1", note="x" * 301), 422, "under 300 characters"),
        (dict(outcome="found", qty="2"), 422, "Only 1 of NUT-M8 is missing"),
    ],
    ids=["negative", "zero", "text", "fraction", "no-outcome", "bad-outcome", "long-note", "over"],
)
def test_a_bad_resolution_is_explained_and_writes_nothing(client, supervisor, stocked, data, status, message):
    transfer_id, _bolt, nut_line = _damaged_and_missing(stocked)
    before = _ledger_size()

    answer = supervisor(f"/transfers/{transfer_id}/lines/{nut_line}/missing", htmx=True, **data)

    assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert "Nothing was resolved" in answer.get_data(as_text=True) or message.startswith("Only")
    assert _ledger_size() == before
    assert transfers.get(transfer_id).units_missing == 2


def test_a_resolution_for_a_line_of_another_transfer_is_refused(client, supervisor, stocked):
    transfer_id, _bolt, nut_line = _damaged_and_missing(stocked)
    other = _draft(stocked, (stocked.bolt, 1))
    before = _ledger_size()
    answer = supervisor(f"/transfers/{other}/lines/{nut_line}/missing", outcome="lost", qty="1")
    assert answer.status_code == 409 and "only a received transfer" in answer.get_data(as_text=True)
    missing = supervisor(f"/transfers/999999/lines/{nut_line}/missing", outcome="lost", qty="1")
    assert missing.status_code == 404
    assert _ledger_size() == before and transfers.get(transfer_id).units_missing == 2
