"""The setup pages through the test client (issue 14): admins only; products, locations
and bins, imports and exports, users and badges, labels; every refusal is a message on
the page with nothing written, never a 500."""

import io
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, pdf_text
from tests.factories import make_location, make_product, receive
from tests.paper.test_labels import scan
from warehouse import accounts
from warehouse.accounts import users
from warehouse.accounts.models import User
from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog.models import Bin, Product
from warehouse.core.extensions import db

HX = {"HX-Request": "true"}
SETUP_PAGES = [
    "/setup",
    "/setup/products",
    "/setup/products/new",
    "/setup/locations",
    "/setup/users",
    "/setup/import",
    "/setup/labels",
]


def outcome(response) -> str:
    """The outcome's result and its message, after the word said before it (OK:, Error:)."""
    found = re.search(
        r'class="outcome" role="status" data-result="(\w+)">'
        r'<span class="result-word" data-result="\1"><span[^>]*>[^<]*</span>[^<]*</span> ([^<]*)<',
        response.get_data(as_text=True),
    )
    return f"{found.group(1)}: {found.group(2)}" if found else ""


def folder(tmp_path, name):
    (tmp_path / name).mkdir()
    return tmp_path / name


def post(client, path, htmx=True, **data):
    data.setdefault("csrf_token", csrf_token(client, "/setup"))
    return client.post(path, data=data, headers=HX if htmx else {})


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_setup_is_for_admins_only(client, auth, role):
    auth.login(role)
    assert {p: client.get(p).status_code for p in SETUP_PAGES} == {p: 403 for p in SETUP_PAGES}
    assert "/setup" not in client.get("/stock").get_data(as_text=True)


def test_an_admin_finds_setup_in_the_header_and_every_page_opens(client, auth):
    auth.login("admin")
    assert 'href="/setup"' in client.get("/stock").get_data(as_text=True)
    assert {p: client.get(p).status_code for p in SETUP_PAGES} == {p: 200 for p in SETUP_PAGES}


def test_a_product_is_made_with_a_case_barcode_and_a_taken_barcode_names_its_owner(client, auth):
    make_product("BOLT-M8", gtin="9506000134352")
    auth.login("admin")
    made = post(
        client,
        "/setup/products/new",
        htmx=False,
        sku="NUT-M8",
        name="Hex nut",
        barcodes="9506000134369\n19506000134366 x 12",
        active="y",
        track_inventory="y",
    )
    assert made.status_code == 303 and made.headers["Location"].endswith("/setup/products/NUT-M8?saved=1")
    nut = db.session.scalar(select(Product).where(Product.sku == "NUT-M8"))
    assert sorted((b.code, b.pack_qty) for b in nut.barcodes) == [
        ("19506000134366", 12),
        ("9506000134369", 1),
    ]

    taken = post(client, "/setup/products/new", sku="WASHER", name="Washer", barcodes="9506000134352")
    assert taken.status_code == 422
    assert outcome(taken).startswith("error: Barcode 9506000134352 belongs to BOLT-M8 (Item BOLT-M8)")
    wrong = post(client, "/setup/products/new", sku="WASHER", name="Washer", barcodes="9506000134353")
    assert "wrong check digit" in outcome(wrong)
    bad_line = post(client, "/setup/products/new", sku="WASHER", name="Washer", barcodes="a b c")
    assert bad_line.status_code == 422 and "Line 1 (a b c)" in bad_line.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Product)) == 2


def test_a_product_with_history_is_not_deleted_only_deactivated(client, auth):
    main = make_location("main")
    bolt = make_product("BOLT-M8")
    receive(bolt, main.bins[1], 5)
    auth.login("admin")
    refused = post(client, "/setup/products/BOLT-M8/delete")
    assert refused.status_code == 409 and "has 5 units in stock: it cannot be deleted" in outcome(refused)
    page = client.get("/setup/products/BOLT-M8").get_data(as_text=True)
    assert "Delete product" not in page and "Untick Active" in page
    make_product("SPARE-1")
    gone = post(client, "/setup/products/SPARE-1/delete", htmx=False)
    assert (
        gone.status_code == 303 and db.session.scalar(select(Product).where(Product.sku == "SPARE-1")) is None
    )


def test_a_location_gets_200_bins_by_range_and_an_overlapping_range_adds_none(client, auth):
    auth.login("admin")
    made = post(client, "/setup/locations", htmx=False, code="MAIN", name="Main hall", type="warehouse")
    assert made.headers["Location"].endswith("/setup/locations/MAIN?made=1")
    added = post(client, "/setup/locations/MAIN/bins", first="A-01-01", last="A-20-10", kind="storage")
    assert outcome(added) == "ok: Added 200 bins: A-01-01 to A-20-10."
    overlap = post(client, "/setup/locations/MAIN/bins", first="A-20-01", last="A-21-10", kind="storage")
    assert overlap.status_code == 422 and "exist already at MAIN" in outcome(overlap)
    too_many = post(client, "/setup/locations/MAIN/bins", first="B-0001-01", last="B-2000-10")
    assert "at most 10,000" in outcome(too_many)
    assert db.session.scalar(select(func.count()).select_from(Bin)) == 2 + 200


def test_a_bin_or_location_holding_stock_is_not_deactivated_and_says_how_much(client, auth):
    main = make_location("main", bins=("RCV-01", "A-01-01"))
    bin = next(b for b in main.bins if b.code == "A-01-01")
    receive(make_product("BOLT-M8"), bin, 7)
    auth.login("admin")
    refused = post(client, f"/setup/bins/{bin.id}/active", active="0")
    assert refused.status_code == 409 and outcome(refused) == (
        "error: Bin A-01-01 holds 7 units. Move them to another bin (or write them off) first."
    )
    place = post(client, "/setup/locations/main/active", active="0")
    assert "main holds 7 units" in outcome(place)
    empty = next(b for b in main.bins if b.code == "RCV-01")
    assert (
        outcome(post(client, f"/setup/bins/{empty.id}/active", active="0")) == "ok: Bin RCV-01 is inactive."
    )


def test_an_import_is_previewed_then_run_in_steps_and_the_bad_rows_come_back_as_a_file(client, auth):
    auth.login("admin")
    data = b"Item,Description,EAN\nBOLT-M8,Bolt,9506000134352\nNUT-M8,,\nWASHER,Washer,9506000134353\n"
    token = csrf_token(client, "/setup/import")
    upload = client.post(
        "/setup/import",
        data={
            "csrf_token": token,
            "kind": "products",
            "skip_bad_rows": "y",
            "file": (io.BytesIO(data), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    run = upload.headers["Location"]
    preview = client.get(run).get_data(as_text=True)
    assert "1 good" in preview and "2 with errors" in preview
    assert "NUT-M8 is a new product: give it a name." in preview and "wrong check digit" in preview
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0  # nothing yet
    running = post(client, f"{run}/begin")
    assert 'hx-trigger="load delay:100ms"' in running.get_data(as_text=True)
    done = post(client, f"{run}/step", chunk=0)
    assert outcome(done) == "ok: Done: 1 row imported, 2 skipped."
    skipped = client.get(f"{run}/skipped.csv").get_data(as_text=True).splitlines()
    assert skipped[0] == "Item,Description,EAN,error" and skipped[1].startswith("NUT-M8,,,")
    exported = client.get("/setup/export/products.csv").get_data(as_text=True).splitlines()
    assert exported[1].startswith("BOLT-M8,Bolt,0,no,no,yes,no,yes,9506000134352")


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("p.pdf", b"%PDF-1.4", "not a CSV or XLSX file"),
        ("p.csv", b"sku,name\n\xc3\x28,x\n", "is not UTF-8 text"),
        ("p.csv", b"", "The file is empty"),
    ],
)
def test_a_file_that_is_not_a_sheet_is_refused_on_the_page(client, auth, name, data, says):
    auth.login("admin")
    token = csrf_token(client, "/setup/import")
    answer = client.post(
        "/setup/import",
        data={"csrf_token": token, "kind": "products", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422 and says in answer.get_data(as_text=True)


def test_bin_labels_and_a_badge_print_barcodes_that_scan_back(client, auth, tmp_path):
    make_location("main", bins=("RCV-01", "A-01-01", "A-01-02", "B-01-01"))
    auth.login("admin")
    pdf = client.get("/setup/labels/bins.pdf?location=main&from=A-01-01&to=A-01-99&layout=avery-l7163")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert [s.text for s in scan(pdf.data, folder(tmp_path, "bins"))] == ["main:A-01-01", "main:A-01-02"]
    zpl = client.get("/setup/labels/bins.zpl?location=main&size=2x1").get_data(as_text=True)
    assert zpl.count("^XA") == 4 and "main:B-01-01^FS" in zpl
    bad = client.get("/setup/labels/bins.pdf?location=main&layout=nope")
    assert bad.status_code == 400 and "avery-l7163" in bad.get_data(as_text=True)
    assert client.get("/setup/labels/bins.pdf?location=elsewhere").status_code == 404
    badge = client.get("/setup/users/admin/badge.pdf")
    assert [s.text for s in scan(badge.data, folder(tmp_path, "badge"))] == ["BADGE-ADMIN"]


def test_an_admin_adds_an_operator_who_signs_in_by_badge_until_deactivated(client, auth):
    auth.login("admin")
    made = post(
        client,
        "/setup/users",
        htmx=False,
        username="ola",
        role="operator",
        password="password-1",
        badge_code="BADGE-OLA",
        pin="2468",
    )
    assert made.status_code == 303
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    auth.logout()
    token = csrf_token(client, "/login/badge")
    signed_in = client.post("/login/badge", data={"badge": "BADGE-OLA", "pin": "2468", "csrf_token": token})
    assert signed_in.status_code == 302 and client.get("/floor/").status_code == 200
    ola = db.session.scalar(select(User).where(User.username == "ola"))
    users.deactivate(ola.id, actor_id=admin_id)  # as the admin's page does, meanwhile
    assert client.get("/floor/").status_code == 302  # back to sign-in, at once


def test_reorder_policies_are_edited_in_their_row_and_a_suggestion_applied(client, auth):
    main = make_location("main", bins=("RCV-01", "A-01-01"))
    bolt = make_product("BOLT-M8")
    auth.login("admin")
    added = post(
        client,
        "/setup/policies",
        sku="BOLT-M8",
        location="main",
        reorder_point="20",
        reorder_qty="100",
        max_level="600",
        lead_time_days="7",
        safety_stock="10",
    )
    assert outcome(added) == "ok: Saved the policy of BOLT-M8 at main."
    page = client.get("/setup/policies?q=BOLT").get_data(as_text=True)
    assert 'name="reorder_point" inputmode="numeric" size="6" value="20"' in page
    assert "10 <small>(0.00/day × 7 d + 10)</small>" in page  # no outbound yet: the safety stock
    too_low = post(client, "/setup/policies", sku="BOLT-M8", location="main", max_level="5")
    assert too_low.status_code == 422 and "max_level 5 is below reorder_point 20" in outcome(too_low)
    applied = post(client, "/setup/policies/apply", sku="BOLT-M8", location="main", value="10")
    assert outcome(applied) == "ok: Reorder point of BOLT-M8 at main is now 10."
    policy = db.session.scalar(select(ReorderPolicy).where(ReorderPolicy.product_id == bolt.id))
    assert (policy.reorder_point, policy.reorder_qty, policy.max_level, policy.location_id) == (
        10,
        100,
        600,
        main.id,
    )


def test_the_product_list_is_searched_and_paged(client, auth):
    for n in range(55):
        db.session.add(Product(sku=f"P-{n:03d}", name=f"Part {n}", unit_cost=1))
    db.session.commit()
    auth.login("admin")
    first = client.get("/setup/products").get_data(as_text=True)
    assert "55 products" in first and "P-049" in first and "P-050" not in first
    assert 'href="/setup/products?page=2' in first and ">Previous<" not in first
    second = client.get("/setup/products?page=2").get_data(as_text=True)
    assert "P-054" in second and ">Previous<" in second and ">Next<" not in second
    found = client.get("/setup/products?q=part+7", headers=HX).get_data(as_text=True)
    assert (
        found.lstrip().startswith('<section id="product-rows"') and "P-007" in found and "P-017" not in found
    )


def test_an_admin_renames_their_own_organisation_and_the_badge_card_shows_it(client, auth, tmp_path):
    auth.login("admin")
    renamed = post(client, "/setup/organisation", htmx=False, name="Acme Warehousing")
    assert outcome(renamed) == "ok: The organisation is now called Acme Warehousing."
    badge = client.get("/setup/users/admin/badge.pdf")
    assert "Acme Warehousing" in pdf_text(badge.data, tmp_path)
    empty = post(client, "/setup/organisation", htmx=False, name="")
    assert empty.status_code == 422 and "Write the name." in empty.get_data(as_text=True)


def test_an_empty_install_points_the_admin_to_setup_from_the_stock_page(client, auth):
    auth.login("admin")
    page = client.get("/stock").get_data(as_text=True)
    assert "Nothing is in stock yet." in page and 'under <a href="/setup">Setup</a>' in page
    filtered = client.get("/stock?sku=NOPE").get_data(as_text=True)
    assert "No stock matches. Clear a filter" in filtered and "Nothing is in stock yet." not in filtered


def test_an_api_refusal_stays_english_with_its_code_and_the_same_refusal_on_a_page_is_translated(
    client, auth
):
    make_product("BOLT-M8", gtin="9506000134352")
    auth.login("admin")
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    api = client.post(
        "/api/products",
        json={"sku": "bolt-m8", "name": "Another"},
        headers={"Authorization": f"Bearer {accounts.create_token(admin, name='test')}", **spanish},
    )
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "sku_taken"
    assert api.get_json()["error"]["message"] == (
        "SKU bolt-m8 exists already (Item BOLT-M8). Choose another SKU or edit that product."
    )
    page = client.post(
        "/setup/products/new",
        data={"sku": "bolt-m8", "name": "Another", "csrf_token": csrf_token(client, "/setup")},
        headers={**HX, **spanish},
    )
    assert page.status_code == 422
    assert (
        outcome(page)
        == "error: El SKU bolt-m8 ya existe (Item BOLT-M8). Elige otro SKU o edita ese producto."
    )
    assert ">Guardar</button>" in page.get_data(as_text=True)  # the page around it too
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1
