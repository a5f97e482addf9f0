"""What a review of issue 14 found, each as the behaviour it must have now: no 500s on
odd input, no scan sent to the wrong product, an import that can be sent again after it
was refused, opening stock that never goes below what is reserved."""

import csv
import io

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import ledger, transfers
from warehouse.catalog import products
from warehouse.catalog.models import Bin, Product
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.catalog.scan import resolve
from warehouse.core import transactions
from warehouse.core.errors import (
    BarcodeIsABin,
    ProductFieldInvalid,
    ProductHasStock,
    SkuTaken,
    TrackingLockedByStock,
)
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType
from warehouse.setup import imports
from warehouse.setup import products as product_commands
from warehouse.setup.models import ImportKind, ImportStatus


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def create(sku, name="x", barcodes=None):
    spec = products.validate(ProductSpec(sku=sku, name=name, barcodes=barcodes), creating=True)
    return transactions.atomically(lambda: products.save(spec))


def test_a_sku_that_is_another_products_barcode_or_a_bin_code_is_refused(app):
    make_location("main", bins=("RCV-01", "A-01-01"))
    create("BOLT-M8", barcodes=[BarcodeSpec("9506000134352")])
    with pytest.raises(SkuTaken, match="is a barcode of BOLT-M8"):
        create("09506000134352")
    with pytest.raises(BarcodeIsABin, match="SKU A-01-01 is a bin's code"):
        create("A-01-01")
    assert resolve("9506000134352").product.sku == "BOLT-M8"


@pytest.mark.parametrize(
    "fields, says",
    [
        (dict(barcodes=[BarcodeSpec("1234567²")]), "is not a barcode"),
        (dict(barcodes=[BarcodeSpec("=1+1")]), "starting with a letter or digit"),
        (dict(sku="A/delete"), "holds a /"),
    ],
)
def test_odd_barcodes_and_skus_are_refused_not_crashed_on(app, fields, says):
    with pytest.raises(ProductFieldInvalid, match=says):
        create(**{"sku": "P-1", **fields})


def test_a_huge_number_in_a_cell_is_a_row_error(app):
    checked = imports.check(
        ImportKind.STOCK,
        "s.csv",
        csv_bytes([["sku", "location", "bin", "quantity"], ["P", "m", "A", "1" * 400 + ".0"]]),
    )
    assert checked.good == [] and "is not a whole number" in checked.bad[0][2]


def test_a_product_without_barcodes_is_saved_from_the_page(client, auth):
    auth.login("admin")
    token = csrf_token(client, "/setup/products/new")
    made = client.post(
        "/setup/products/new", data={"csrf_token": token, "sku": "SERVICE", "name": "Fee", "barcodes": ""}
    )
    assert (
        made.status_code == 303
        and db.session.scalar(select(Product.name).where(Product.sku == "SERVICE")) == "Fee"
    )


def test_a_product_a_draft_transfer_names_is_not_deleted_and_says_why(app, site):
    spare = make_product("SPARE-1")
    draft = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(draft.id, spare, 1, actor_id=None)
    with pytest.raises(ProductHasStock, match="SPARE-1 is used by a transfer, receipt, count or lot"):
        product_commands.delete(spare.id)
    db.session.rollback()
    assert db.session.scalar(select(Product.id).where(Product.sku == "SPARE-1")) == spare.id


def test_lot_tracking_stays_while_the_product_holds_stock(app, site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    spec = ProductSpec(sku="BOLT-M8", lot_tracked=True)
    with pytest.raises(TrackingLockedByStock, match="10 units in stock"):
        product_commands.save(spec, product_id=site.bolt.id, actor_id=None, key=None)


def test_a_refused_import_can_be_sent_again_once_its_cause_is_fixed(app):
    make_location("main", bins=("RCV-01", "A-01-01"))
    data = csv_bytes([["sku", "name", "gtin"], ["NEW-1", "New", "9506000134352"]])
    run = imports.start(ImportKind.PRODUCTS, "p.csv", data, skip_bad_rows=False, actor_id=None)
    run = imports.begin(run.id, actor_id=None)
    owner = create("OLD-1", barcodes=[BarcodeSpec("9506000134352")])  # taken meanwhile
    run = imports.step(run.id, actor_id=None)
    assert run.status is ImportStatus.REFUSED and "belongs to OLD-1" in run.message
    transactions.atomically(
        lambda: products.save(
            products.validate(ProductSpec(sku="OLD-1", barcodes=[]), creating=False), product=owner
        )
    )
    again = imports.start(ImportKind.PRODUCTS, "p.csv", data, skip_bad_rows=False, actor_id=None)
    assert again.id != run.id and again.status is ImportStatus.CHECKED and again.good_rows == 1


def test_opening_stock_below_what_is_reserved_is_a_row_error_and_the_rest_imports(app, site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    ledger.post(MovementType.RESERVE, [ledger.Line.at(a1, site.bolt, reserved=8)], actor_id=None)
    glue_lot = make_lot(site.glue, "L-1")
    rows = [
        ["sku", "location", "bin", "lot", "expiry", "quantity"],
        ["BOLT-M8", "warehouse-main", "A-01-01", "", "", "2"],
        ["NUT-M8", "warehouse-main", "A-01-02", "", "", "5"],
        ["GLUE-50", "warehouse-main", "A-01-01", "L-9", "2027-01-31", "1"],
        ["GLUE-50", "warehouse-main", "A-01-02", "L-9", "2027-02-28", "1"],
    ]
    assert glue_lot.code == "L-1"
    run = imports.start(ImportKind.STOCK, "s.csv", csv_bytes(rows), skip_bad_rows=True, actor_id=None)
    bad = {n: msg for n, _c, msg in imports.bad_rows(run)}
    assert "has 8 units reserved or held" in bad[2] and "two expiry dates" in bad[5]
    run = imports.begin(run.id, actor_id=None)
    run = imports.step(run.id, actor_id=None)
    assert run.status is ImportStatus.DONE and run.imported_rows == 2
    assert ledger.balance(site.bolt.id, a1.id) == (10, 8, 0)  # its row was refused
    assert ledger.balance(site.nut.id, site.bin(site.main, "A-01-02").id) == (5, 0, 0)


def test_a_spreadsheets_lost_leading_zero_is_put_back_and_scientific_notation_refused(app):
    rows = [
        ["sku", "name", "upc", "other_barcodes"],
        ["UPC-1", "Lost its zero", "36000291452", ""],  # UPC 036000291452 kept as a number
        ["SCI-1", "Scientific", "5.01235E+12", ""],
        ["ODD-1", "Odd pack", "", "ABC*²"],
    ]
    checked = imports.check(ImportKind.PRODUCTS, "p.csv", csv_bytes(rows))
    assert [r[2]["barcodes"] for r in checked.good] == [[["036000291452", 1]]]
    assert [msg[:50] for _n, _c, msg in checked.bad] == [
        "Barcode 5.01235E+12 was written in scientific nota",
        "other_barcodes 'ABC*²': write CODE or CODE*UNITS, ",
    ]


def test_an_import_does_not_change_lot_tracking_of_a_product_with_stock(app, site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 3)
    rows = [["sku", "name", "lot_tracked"], ["BOLT-M8", "Bolt", "yes"], ["NUT-M8", "Nut", "yes"]]
    checked = imports.check(ImportKind.PRODUCTS, "p.csv", csv_bytes(rows))
    assert [r[2]["sku"] for r in checked.good] == ["NUT-M8"]
    assert "BOLT-M8 has 3 units in stock: its lot and expiry tracking stay" in checked.bad[0][2]


def test_opening_stock_over_a_bins_capacity_is_a_row_error_counting_the_rows_before(app, site):
    make_product("WASHER")
    db.session.execute(update(Bin).where(Bin.code == "A-01-02").values(capacity=10))
    db.session.commit()
    receive(site.nut, site.bin(site.main, "A-01-02"), 4)
    rows = [
        ["sku", "location", "bin", "quantity"],
        ["NUT-M8", "warehouse-main", "A-01-02", "6"],  # 4 become 6: 6 in all
        ["BOLT-M8", "warehouse-main", "A-01-02", "4"],  # 10: full
        ["WASHER", "warehouse-main", "A-01-02", "1"],  # 11: over
    ]
    checked = imports.check(ImportKind.STOCK, "s.csv", csv_bytes(rows))
    assert [r[2]["sku"] for r in checked.good] == ["NUT-M8", "BOLT-M8"]
    assert checked.bad[0][2] == (
        "Bin A-01-02 holds at most 10 units; with this row it would hold 11. "
        "Spread the units over more bins, or raise the bin's capacity."
    )
