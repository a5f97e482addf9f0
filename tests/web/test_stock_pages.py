"""Stock pages through the real client: full page without HX-Request, fragment with it,
Vary always; the adjust form's happy path and every kind of bad input."""

import secrets

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_lot, receive
from warehouse import ledger
from warehouse.core.extensions import db
from warehouse.ledger.models import Movement, Posting

HX = {"HX-Request": "true"}


@pytest.fixture
def stocked(site, auth):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 12)
    receive(site.nut, site.bin(site.north, "S-01-01"), 3)
    return site


def test_stock_page_is_a_full_page_and_a_fragment_for_htmx(client, auth, stocked):
    auth.login("operator")
    full = client.get("/stock")
    fragment = client.get("/stock?sku=BOLT", headers=HX)

    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="stock-rows"')
    assert "BOLT-M8" in body and "NUT-M8" not in body


def test_stock_can_be_filtered_by_location_and_bin(client, auth, stocked):
    auth.login("operator")
    north = client.get("/stock?location=service-north").get_data(as_text=True)
    assert "NUT-M8" in north and "BOLT-M8" not in north
    by_bin = client.get("/stock?bin=A-01-01").get_data(as_text=True)
    assert "BOLT-M8" in by_bin and "NUT-M8" not in by_bin


def test_bad_filters_get_a_message_not_an_error_page(client, auth, stocked):
    auth.login("operator")
    response = client.get("/stock?page=abc&sku=" + "X" * 500)
    assert response.status_code == 200
    assert "Fix the filter" in response.get_data(as_text=True)


def test_one_sku_shows_its_stock_in_every_location_and_bin(client, auth, stocked):
    receive(stocked.bolt, stocked.bin(stocked.north, "S-01-01"), 4)
    ledger.post(
        "reserve",
        [ledger.Line.at(stocked.bin(stocked.main, "A-01-01"), stocked.bolt, reserved=2)],
        actor_id=None,
    )
    auth.login("operator")
    page = client.get("/stock/sku/9506000134352").get_data(as_text=True)  # by its GTIN
    assert "warehouse-main / A-01-01" in page and "service-north / S-01-01" in page
    assert '<td data-label="Available" class="num strong">10</td>' in page
    assert client.get("/stock/sku/NO-SUCH").status_code == 404


def test_movement_history_filters_and_pages_newest_first(client, auth, stocked, app):
    for _ in range(60):
        receive(stocked.nut, stocked.bin(stocked.north, "S-01-01"), 1)
    auth.login("operator")
    first = client.get("/movements?sku=NUT-M8").get_data(as_text=True)
    assert first.count('data-label="SKU"') == 50 and "BOLT-M8" not in first
    assert "Older" in first
    last_id = db.session.scalar(select(func.max(Movement.id)))
    assert f">{last_id} <small>" in first
    cursor = db.session.scalar(
        select(Movement.id)
        .where(Movement.product_id == stocked.nut.id)
        .order_by(Movement.id.desc())
        .offset(49)
        .limit(1)
    )
    second = client.get(f"/movements?sku=NUT-M8&before={cursor}", headers=HX).get_data(as_text=True)
    assert second.count('data-label="SKU"') == 11 and "Older" not in second
    by_type = client.get("/movements?type=adjustment").get_data(as_text=True)
    assert "No movements match" in by_type
    unknown = client.get("/movements?location=nowhere").get_data(as_text=True)
    assert "No location" in unknown


def _adjust(client, **fields):
    token = csrf_token(client, "/adjust")
    data = {
        "csrf_token": token,
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "bin": "A-01-01",
        "quantity": "5",
        "reason": "found",
        "reference": "",
        "note": "",
        "key": "k-" + secrets.token_hex(6),  # each render of the page mints a new key
    }
    data.update(fields)
    return client.post("/adjust", data=data, headers=HX)


def _ledger_size():
    return (
        db.session.scalar(select(func.count()).select_from(Posting)),
        db.session.scalar(select(func.count()).select_from(Movement)),
    )


def test_a_supervisor_adjusts_stock_with_a_reason_and_reference(client, auth, stocked):
    auth.login("supervisor")
    response = _adjust(client, quantity="-2", reason="damaged", reference="INC-42", note="forklift")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="ok"' in body
    assert "On hand now 10" in body
    movement = db.session.scalar(select(Movement).order_by(Movement.id.desc()))
    assert (movement.qty, movement.reason.value, movement.reference_id) == (-2, "damaged", "INC-42")
    assert ledger.verify() == []


@pytest.mark.parametrize(
    "fields, message, status",
    [
        ({"quantity": "0"}, "must not be zero", 422),
        ({"quantity": "-13"}, "Insufficient stock at A-01-01 for BOLT-M8: on hand 12, requested 13", 409),
        ({"quantity": "abc"}, "Enter a whole number", 422),
        ({"quantity": "1e3"}, "Enter a whole number", 422),
        ({"quantity": str(10**12)}, "between -1,000,000 and 1,000,000", 422),
        ({"quantity": ""}, "Enter a whole number", 422),
        ({"sku": "NO-SUCH-SKU"}, "No product with SKU or barcode", 404),
        ({"bin": "Z-99-99"}, "No bin &#39;Z-99-99&#39; in warehouse-main", 404),
        ({"location": "atlantis"}, "Not a valid choice", 422),
        ({"reason": "because"}, "Not a valid choice", 422),
        ({"note": "x" * 5000}, "Keep the note under 500 characters", 422),
        ({"reference": "r" * 65}, "Field cannot be longer than 64 characters", 422),
        ({"sku": "GLUE-50"}, "GLUE-50 is lot-tracked: enter the lot", 422),
        ({"lot": "L1"}, "BOLT-M8 is not lot-tracked", 422),
    ],
)
def test_bad_adjustments_say_what_is_wrong_and_write_nothing(client, auth, stocked, fields, message, status):
    auth.login("supervisor")
    before = _ledger_size()
    response = _adjust(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in body and 'data-result="error"' in body
    assert _ledger_size() == before


def test_a_double_submitted_adjustment_posts_once(client, auth, stocked):
    auth.login("supervisor")
    first = _adjust(client, key="same-key")
    again = _adjust(client, key="same-key")
    assert "Already posted" in again.get_data(as_text=True)
    assert 'data-result="ok"' in first.get_data(as_text=True)
    assert ledger.balance(stocked.bolt.id, stocked.bin(stocked.main, "A-01-01").id)[0] == 17


def test_adjusting_a_lot_tracked_item_creates_its_lot(client, auth, stocked):
    make_lot(stocked.glue, "L-OLD")
    auth.login("supervisor")
    response = _adjust(client, sku="GLUE-50", lot="L-NEW", quantity="4")
    assert 'data-result="ok"' in response.get_data(as_text=True)
    refused = _adjust(client, sku="GLUE-50", lot="L-GONE", quantity="-1")
    assert "No lot" in refused.get_data(as_text=True)


def test_the_adjust_page_renders_whole_without_htmx(client, auth, stocked):
    auth.login("supervisor")
    page = client.get("/adjust")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert 'name="key"' in page.get_data(as_text=True)


def test_extreme_history_filters_get_an_answer_not_an_error(client, auth, stocked):
    auth.login("operator")
    assert client.get("/movements?until=9999-12-31").status_code == 200
    far = client.get("/movements?before=99999999999999999999")
    assert far.status_code == 200 and "Fix the filter" in far.get_data(as_text=True)


def test_an_adjustment_key_cannot_collide_with_a_server_key(client, auth, stocked):
    auth.login("supervisor")
    refused = _adjust(client, key="putaway:1")  # keys are letters, digits, - and _ only
    assert refused.status_code == 422
    response = _adjust(client, key="putaway-1")
    assert 'data-result="ok"' in response.get_data(as_text=True)
    key = db.session.scalar(select(Posting.idempotency_key).order_by(Posting.id.desc()))
    assert key.startswith("adjust:") and key.endswith(":putaway-1")


def test_the_movements_of_a_count_batch_are_found_by_its_number(client, auth, stocked):
    from warehouse import accounts, counts

    counter = accounts.create_user("cora", "long-enough-pw", "operator")
    boss = accounts.create_user("vic", "long-enough-pw", "supervisor")
    a1 = stocked.bin(stocked.main, "A-01-01")
    batch = counts.create(stocked.main.id, counts.Selection(bins_like="A-01-01"), actor_id=boss.id)
    counts.record(batch.id, a1, stocked.bolt, set_to=11, actor_id=counter.id)
    counts.submit(batch.id, actor_id=counter.id)
    line = counts.get(batch.id).lines[0]
    counts.accept(batch.id, [line.id], actor_id=boss.id)
    auth.login("operator")
    page = client.get("/movements?reference=cnt-1").get_data(as_text=True)
    assert page.count('data-label="SKU"') == 1 and f"CNT-000001/{line.id}" in page
    assert '<td data-label="Type">Adjustment count</td>' in page  # the type, in words


def test_stock_pages_say_when_each_bin_was_last_counted(client, auth, stocked):
    from warehouse.core.columns import utcnow

    a1 = stocked.bin(stocked.main, "A-01-01")
    ledger.mark_counted(stocked.bolt.id, a1.id, 0, utcnow().replace(year=2026, month=3, day=4))
    db.session.commit()
    auth.login("operator")
    # A date on a page is written the reader's way (English here).
    assert "Mar 4, 2026" in client.get("/stock?sku=BOLT-M8").get_data(as_text=True)
    assert "Mar 4, 2026" in client.get("/stock/sku/BOLT-M8").get_data(as_text=True)
    assert "never" in client.get("/stock?sku=NUT-M8").get_data(as_text=True)


def test_the_stock_page_speaks_polish_while_its_csv_export_stays_english(client, auth, stocked):
    """A page speaks the browser's language: the heading translated, a number grouped the
    Polish way (a non-breaking space). The stock's CSV export (the valuation report, for
    spreadsheets) stays English, its numbers plain, whatever the reader's language."""
    receive(stocked.bolt, stocked.bin(stocked.main, "A-01-01"), 1222)  # 12 + 1,222 = 1,234
    auth.login("supervisor")
    polish = {"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"}

    page = client.get("/stock?sku=BOLT-M8", headers=polish).get_data(as_text=True)
    assert '<html lang="pl">' in page and "<h1>Stany</h1>" in page and "<h1>Stock</h1>" not in page
    assert 'class="num">1\xa0234</td>' in page and "1,234" not in page  # on hand, the Polish way

    export = client.get("/dashboard/reports/valuation.csv", headers=polish).get_data(as_text=True)
    assert export.splitlines()[1].startswith("Location,SKU,Name,On hand,")
    assert ",BOLT-M8," in export and ",1234," in export and "\xa0" not in export
