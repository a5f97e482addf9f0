"""Products and their barcodes as an admin, an import or the API set them up (issue 14):
the rules of SKUs, barcodes and pack quantities, and what a case barcode counts."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import make_location, make_product
from warehouse.catalog import products
from warehouse.catalog.models import Product, ProductBarcode
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.catalog.scan import resolve
from warehouse.core import transactions
from warehouse.core.errors import (
    BarcodeIsABin,
    BarcodeTaken,
    GtinCheckDigitWrong,
    PackQuantityInvalid,
    ProductFieldInvalid,
    SkuTaken,
)
from warehouse.core.extensions import db

EACH, CASE = "9506000134352", "19506000134359"  # a bolt and its case of 12


def create(sku="BOLT-M8", name="Hex bolt M8", **fields):
    spec = products.validate(ProductSpec(sku=sku, name=name, **fields), creating=True)
    return transactions.atomically(lambda: products.save(spec))


def test_a_product_is_created_with_an_each_and_a_case_barcode(app):
    bolt = create(unit_cost="0.125", barcodes=[BarcodeSpec(EACH), BarcodeSpec(CASE, 12)])
    db.session.expire_all()
    stored = db.session.get(Product, bolt.id)
    assert stored.unit_cost == Decimal("0.1250") and stored.track_inventory and not stored.allow_backorder
    assert [(b.code, b.pack_qty) for b in stored.barcodes] == [(EACH, 1), (CASE, 12)]


def test_scanning_a_case_counts_its_pack_and_a_gs1_count_multiplies_it(app):
    create(barcodes=[BarcodeSpec(EACH), BarcodeSpec(CASE, 12)])
    assert resolve(EACH).units() == 1
    assert resolve(CASE).units() == 12
    assert resolve(CASE).units(typed=3) == 36
    assert resolve(f"(01){CASE}(30)5").units() == 60
    assert resolve("BOLT-M8").units() == 1  # the SKU is one unit


def test_expiry_tracking_brings_lot_tracking_with_it(app):
    glue = create(sku="GLUE-50", name="Glue", expiry_tracked=True)
    assert glue.lot_tracked
    with pytest.raises(ProductFieldInvalid, match="lot-tracked too"):
        create(sku="GLUE-60", name="Glue", expiry_tracked=True, lot_tracked=False)


@pytest.mark.parametrize(
    "fields, error, says",
    [
        (dict(sku=""), ProductFieldInvalid, "SKU is missing"),
        (dict(sku="X" * 65), ProductFieldInvalid, "at most 64 characters"),
        (dict(sku="NUL\x00"), ProductFieldInvalid, "control characters"),
        (dict(name="=cmd|' /C calc'!A0"), ProductFieldInvalid, "starts with ="),
        (dict(unit_cost="cheap"), ProductFieldInvalid, "not a number"),
        (dict(unit_cost="-1"), ProductFieldInvalid, "out of range"),
        (dict(unit_cost="NaN"), ProductFieldInvalid, "out of range"),
        (dict(barcodes=[BarcodeSpec("9506000134353")]), GtinCheckDigitWrong, "wrong check digit"),
        (dict(barcodes=[BarcodeSpec(CASE, 0)]), PackQuantityInvalid, "whole number from 1"),
        (dict(barcodes=[BarcodeSpec(CASE, -12)]), PackQuantityInvalid, "whole number from 1"),
        (dict(barcodes=[BarcodeSpec(CASE, 10**9)]), PackQuantityInvalid, "100,000"),
        (dict(barcodes=[BarcodeSpec("has space")]), ProductFieldInvalid, "no spaces"),
        (dict(barcodes=[BarcodeSpec(EACH), BarcodeSpec(EACH, 6)]), BarcodeTaken, "listed twice"),
    ],
)
def test_a_bad_product_is_refused_with_what_to_fix(app, fields, error, says):
    with pytest.raises(error, match=says):
        create(**fields)
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_a_taken_sku_or_barcode_names_the_product_that_has_it(app):
    make_product("BOLT-M8", gtin=EACH)
    with pytest.raises(SkuTaken, match="SKU bolt-m8 exists already \\(Item BOLT-M8\\)"):
        create(sku="bolt-m8")
    with pytest.raises(BarcodeTaken, match=f"Barcode {EACH} belongs to BOLT-M8 \\(Item BOLT-M8\\)"):
        create(sku="NUT-M8", barcodes=[BarcodeSpec(EACH)])
    # The same GTIN printed as 14 digits is the same barcode.
    with pytest.raises(BarcodeTaken, match="belongs to BOLT-M8"):
        create(sku="NUT-M8", barcodes=[BarcodeSpec("0" + EACH)])
    with pytest.raises(BarcodeTaken, match="is the SKU of"):
        create(sku="NUT-M8", barcodes=[BarcodeSpec("BOLT-M8")])
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1


def test_a_barcode_that_is_a_bin_code_or_label_is_refused(app):
    make_location("warehouse-main", bins=("RCV-01", "A-01-01"))
    with pytest.raises(BarcodeIsABin, match="A-01-01 is a bin's code"):
        create(barcodes=[BarcodeSpec("A-01-01")])
    with pytest.raises(BarcodeIsABin, match="warehouse-main:RCV-01 is a bin's code"):
        create(barcodes=[BarcodeSpec("warehouse-main:RCV-01")])


def test_an_update_changes_the_fields_given_and_replaces_the_barcodes(app):
    bolt = create(barcodes=[BarcodeSpec(EACH), BarcodeSpec(CASE, 12)])
    spec = products.validate(
        ProductSpec(sku="BOLT-M8", unit_cost="0.2", barcodes=[BarcodeSpec(CASE, 24)]), creating=False
    )
    transactions.atomically(lambda: products.save(spec, product=bolt))
    db.session.expire_all()
    stored = db.session.get(Product, bolt.id)
    assert stored.name == "Hex bolt M8" and stored.unit_cost == Decimal("0.2000")
    assert [(b.code, b.pack_qty) for b in stored.barcodes] == [(CASE, 24)]
    assert db.session.scalar(select(func.count()).select_from(ProductBarcode)) == 1


def test_the_product_list_finds_by_sku_name_or_exact_barcode(app):
    create(barcodes=[BarcodeSpec(EACH)])
    create(sku="NUT-M8", name="Hex nut M8")
    create(sku="GLUE-50", name="Glue")
    assert [p.sku for p in products.page("hex").rows] == ["BOLT-M8", "NUT-M8"]
    assert [p.sku for p in products.page(EACH).rows] == ["BOLT-M8"]
    first = products.page("", size=2)
    assert first.total == 3 and first.has_more and [p.sku for p in first.rows] == ["BOLT-M8", "GLUE-50"]
