"""Stock request pages through the real client: an operator asks (new, lines, submit,
roll back, withdraw, comment), a supervisor decides (the waiting list, approve with the
suggested source preselected, reject); refusals land in the page and write nothing; htmx
gets the region it swaps, a plain post the whole page."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_location, receive
from warehouse import accounts, counts, stock_requests
from warehouse.accounts.models import User
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.stock_requests.models import StockRequest, StockRequestComment, StockRequestEvent
from warehouse.transfers.models import Transfer

HX = {"HX-Request": "true"}


@pytest.fixture
def stocked(site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 20)
    receive(site.nut, site.bin(site.north, "S-01-01"), 3)
    return site


def signed_in(client, auth, role, at=None):
    auth.logout() if client.get("/stock").status_code == 200 else None
    auth.login(role)
    user = db.session.scalar(select(User).where(User.username == role))
    if at is not None:
        accounts.set_location(user, at.id)
    token = csrf_token(client, "/stock-requests")

    def post(path, htmx=False, **data):
        return client.post(path, data={"csrf_token": token, **data}, headers=HX if htmx else {})

    post.user = user
    return post


def fragment(response) -> str:
    body = response.get_data(as_text=True)
    assert "<html" not in body and "HX-Request" in response.headers["Vary"]
    return body


def full_page(response) -> str:
    body = response.get_data(as_text=True)
    assert "<html" in body and "HX-Request" in response.headers["Vary"]
    return body


def asked(site, *lines, by: User, submit=True, location=None):
    request = stock_requests.create(
        location_id=(location or site.north).id,
        department=None,
        lines=[stock_requests.LineIn(product, qty) for product, qty in lines],
        actor_id=by.id,
    )
    if submit:
        stock_requests.submit(request.id, actor_id=by.id)
    return request.id


def written() -> tuple:
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (StockRequest, StockRequestEvent, StockRequestComment, Transfer)
    )


# --- asking -----------------------------------------------------------------------------


def test_requests_are_in_everyones_nav(client, auth, stocked):
    signed_in(client, auth, "operator")
    assert 'href="/stock-requests"' in client.get("/stock").get_data(as_text=True)


def test_an_operator_asks_adds_lines_and_submits(client, auth, stocked):
    post = signed_in(client, auth, "operator", at=stocked.north)
    form = client.get("/stock-requests/new").get_data(as_text=True)
    assert re.search(r'<option selected value="%d">' % stocked.north.id, form)  # their own place first
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', form).group(1)
    made = post("/stock-requests/new", location=stocked.north.id, category="replenishment", key=key)
    assert made.status_code == 303
    again = post("/stock-requests/new", location=stocked.north.id, category="replenishment", key=key)
    assert again.headers["Location"] == made.headers["Location"]  # a double submit made one
    page = made.headers["Location"]
    assert "draft" in full_page(client.get(page))

    lines = fragment(post(f"{page}/lines", htmx=True, code="BOLT-M8", qty="6"))
    assert lines.lstrip().startswith('<section id="request-lines"') and "Added 6 × BOLT-M8." in lines
    twice = post(f"{page}/lines", htmx=True, code="9506000134352", qty="1")  # BOLT-M8's barcode
    assert twice.status_code == 422 and "is on SR-000001 already (6)" in fragment(twice)
    bad = post(f"{page}/lines", htmx=True, code="BOLT-M8", qty="-1")
    assert bad.status_code == 422 and "Quantity must be 1 to 1,000,000." in fragment(bad)

    done = fragment(post(f"{page}/submit", htmx=True))
    assert done.lstrip().startswith('<section id="stock-request"') and "is submitted" in done
    assert 'data-status="submitted"' in done and "Back to draft" in done and "Add a line" not in done
    back = fragment(post(f"{page}/rollback", htmx=True))
    assert 'data-status="draft"' in back and "is back in draft" in back


def test_a_bad_new_request_says_why_and_creates_nothing(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    before = written()
    refused = post("/stock-requests/new", location="", department="", category="replenishment")
    assert refused.status_code == 422
    assert "Choose the location the stock is for, or name a department." in full_page(refused)
    assert written() == before


def test_an_empty_draft_cannot_be_submitted_and_the_page_says_so(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    request_id = asked(stocked, by=post.user, submit=False)
    before = written()
    refused = post(f"/stock-requests/{request_id}/submit", htmx=True)
    assert refused.status_code == 422 and "has no lines. Add at least one SKU" in fragment(refused)
    assert written() == before


def test_a_quantity_set_to_zero_removes_the_line(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    request_id = asked(stocked, (stocked.bolt, 2), by=post.user, submit=False)
    line_id = stock_requests.get(request_id).lines[0].id
    changed = fragment(post(f"/stock-requests/{request_id}/lines/{line_id}", htmx=True, qty="5"))
    assert "Quantity set to 5." in changed and 'value="5"' in changed
    removed = fragment(post(f"/stock-requests/{request_id}/lines/{line_id}", htmx=True, qty="0"))
    assert "Line removed." in removed and "No lines yet." in removed


def test_comments_and_the_history_show_on_the_page(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    request_id = asked(stocked, (stocked.bolt, 2), by=post.user)
    said = fragment(post(f"/stock-requests/{request_id}/comments", htmx=True, text="By Friday please"))
    assert said.lstrip().startswith('<section id="request-comments"') and "By Friday please" in said
    empty = post(f"/stock-requests/{request_id}/comments", htmx=True, text="  ")
    assert empty.status_code == 422 and "Write a comment first." in fragment(empty)
    page = full_page(client.get(f"/stock-requests/{request_id}"))
    assert "Draft → <strong>Submitted</strong> by operator" in page


def test_the_product_search_shows_what_the_place_has_and_is_blind_while_counting(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    request_id = asked(stocked, by=post.user, submit=False, location=stocked.main)
    found = fragment(client.get(f"/stock-requests/products?request={request_id}&q=bol", headers=HX))
    assert "BOLT-M8" in found and "20 available at warehouse-main" in found
    counts.create(stocked.main.id, counts.Selection(skus=("BOLT-M8",)), actor_id=post.user.id)
    blind = fragment(client.get(f"/stock-requests/products?request={request_id}&q=bol", headers=HX))
    assert "being counted at warehouse-main" in blind and "20 available" not in blind
    lost = client.get("/stock-requests/products?q=bol")
    assert lost.status_code == 400


# --- deciding ---------------------------------------------------------------------------


def test_an_operator_is_refused_the_decisions(client, auth, stocked):
    asker = signed_in(client, auth, "operator")
    request_id = asked(stocked, (stocked.bolt, 2), by=asker.user)
    before = written()
    assert client.get("/stock-requests/approvals").status_code == 403
    assert (
        asker(
            f"/stock-requests/{request_id}/approve", fulfil_as="transfer", source=stocked.main.id
        ).status_code
        == 403
    )
    assert asker(f"/stock-requests/{request_id}/reject", reason="no").status_code == 403
    assert "Decide" not in client.get(f"/stock-requests/{request_id}").get_data(as_text=True)
    assert written() == before


def test_a_supervisor_approves_with_the_suggested_source_preselected(client, auth, stocked):
    operator = accounts.create_user("olga", "correct-horse-battery", "operator")
    request_id = asked(stocked, (stocked.bolt, 12), by=operator)
    signed_in(client, auth, "supervisor")
    waiting = full_page(client.get("/stock-requests/approvals"))
    assert "SR-000001" in waiting
    page = full_page(client.get(f"/stock-requests/{request_id}"))
    assert 'data-suggestion="warehouse-main"' in page and "all of them" in page
    assert re.search(r'<option selected value="%d">' % stocked.main.id, page)
    key = re.search(r'id="key-approve" name="key" type="hidden" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/stock-requests")
    data = {"csrf_token": token, "key": key, "fulfil_as": "transfer", "source": stocked.main.id}
    done = client.post(f"/stock-requests/{request_id}/approve", data=data, headers=HX)
    body = fragment(done)
    assert (
        "SR-000001 is approved as TR-000001 from warehouse-main" in body and 'data-status="approved"' in body
    )
    replay = client.post(f"/stock-requests/{request_id}/approve", data=data, headers=HX)
    assert replay.status_code == 200  # the same form sent again: its first answer, nothing new
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_a_supervisor_cannot_decide_their_own_request(client, auth, stocked):
    boss = signed_in(client, auth, "supervisor")
    request_id = asked(stocked, (stocked.bolt, 2), by=boss.user)
    page = full_page(client.get(f"/stock-requests/{request_id}"))
    assert "another supervisor approves or rejects it" in page and "Approve</button>" not in page
    before = written()
    refused = boss(
        f"/stock-requests/{request_id}/approve", htmx=True, fulfil_as="transfer", source=stocked.main.id
    )
    assert refused.status_code == 403 and "someone else approves or rejects it" in fragment(refused)
    assert written() == before


def test_a_rejection_needs_a_reason(client, auth, stocked):
    operator = accounts.create_user("olga", "correct-horse-battery", "operator")
    request_id = asked(stocked, (stocked.bolt, 2), by=operator)
    boss = signed_in(client, auth, "supervisor")
    before = written()
    blank = boss(f"/stock-requests/{request_id}/reject", htmx=True, reason=" ")
    assert blank.status_code == 422 and "Say why, so the requester knows what to change." in fragment(blank)
    assert written() == before
    done = fragment(boss(f"/stock-requests/{request_id}/reject", htmx=True, reason="Take it from the van"))
    assert 'data-status="rejected"' in done and "Take it from the van" in done


def test_a_department_request_is_issued_from_stock(client, auth, stocked):
    operator = accounts.create_user("olga", "correct-horse-battery", "operator")
    request = stock_requests.create(
        location_id=None,
        department="Cleaning",
        lines=[stock_requests.LineIn(stocked.bolt, 4)],
        actor_id=operator.id,
    )
    stock_requests.submit(request.id, actor_id=operator.id)
    boss = signed_in(client, auth, "supervisor")
    page = full_page(client.get(f"/stock-requests/{request.id}"))
    assert re.search(r'<option selected value="issue">', page)
    done = fragment(
        boss(f"/stock-requests/{request.id}/approve", htmx=True, fulfil_as="issue", source=stocked.main.id)
    )
    assert "is issued from warehouse-main and fulfilled" in done and 'data-status="fulfilled"' in done


def test_a_missing_request_is_a_404(client, auth, stocked):
    signed_in(client, auth, "operator")
    assert client.get("/stock-requests/999").status_code == 404
    assert client.get("/stock-requests/2147483648").status_code == 404


def test_without_scripts_every_step_answers_the_whole_page(client, auth, stocked):
    post = signed_in(client, auth, "operator")
    request_id = asked(stocked, by=post.user, submit=False)
    page = f"/stock-requests/{request_id}"
    assert "Added 2 × NUT-M8." in full_page(post(f"{page}/lines", code="NUT-M8", qty="2"))
    assert "is submitted" in full_page(post(f"{page}/submit"))
    assert "Comment added." in full_page(post(f"{page}/comments", text="thanks"))
    withdrawn = full_page(post(f"{page}/cancel"))
    assert "is withdrawn." in withdrawn and 'data-status="cancelled"' in withdrawn
    assert "Withdraw request" not in withdrawn and "Submit for approval" not in withdrawn


def test_the_list_opened_from_the_menu_shows_every_request_without_asking_to_fix_a_filter(
    client, auth, stocked
):
    """The menu links to /stock-requests with no filter at all: that is "any", not an error."""
    post = signed_in(client, auth, "operator", at=stocked.north)
    made = post("/stock-requests/new", location=stocked.north.id, category="replenishment")
    assert made.status_code == 303
    page = client.get("/stock-requests").get_data(as_text=True)
    assert "Not a valid choice" not in page and "Fix the filter" not in page
    assert made.headers["Location"] in page  # the request just made is listed, linked
