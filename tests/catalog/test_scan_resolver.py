"""The scan resolver: one scan of a GS1 label, a SKU, a GTIN or a bin label tells the floor
screen what the operator is holding. Unknown and ambiguous codes are refused in floor
words; nothing is ever written."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_product
from warehouse.catalog import scan
from warehouse.catalog.models import Lot
from warehouse.core.errors import AmbiguousScan, UnknownScan
from warehouse.core.extensions import db
from warehouse.ledger.models import Posting
from warehouse.web.statuses import http_status

GS = "\x1d"


def test_a_human_readable_gs1_label_gives_product_lot_and_expiry_in_one_scan(site):
    result = scan.resolve("(01)09506000134352(17)271231(10)LOT42")

    assert result.kind == "product"
    assert result.product.id == site.bolt.id
    assert (result.lot_code, result.expiry, result.serial) == ("LOT42", date(2027, 12, 31), None)
    assert result.is_gs1


def test_a_raw_gs1_scan_with_fnc1_as_gs_gives_product_lot_expiry_and_serial(site):
    raw = "]C1" + "0109506000134352" + "17271231" + "10LOT42" + GS + "21SER1"

    result = scan.resolve(raw)

    assert result.kind == "product"
    assert result.product.id == site.bolt.id
    assert (result.lot_code, result.expiry, result.serial) == ("LOT42", date(2027, 12, 31), "SER1")


def test_a_raw_gs1_scan_without_symbology_identifier_is_read_too(site):
    result = scan.resolve("0109506000134352" + "10LOT42" + GS + "17271231")

    assert result.product.id == site.bolt.id
    assert (result.lot_code, result.expiry) == ("LOT42", date(2027, 12, 31))


def test_a_raw_gs1_scan_holding_only_the_gtin_element_is_read_as_gs1(site):
    # "01" + GTIN-14 is 16 characters: what a scanner that drops the symbology identifier
    # sends for a GS1 DataMatrix carrying nothing but the GTIN.
    result = scan.resolve("0109506000134352")

    assert (result.kind, result.product.id) == ("product", site.bolt.id)


def test_a_pallet_label_with_only_an_sscc_resolves_to_the_sscc(site):
    result = scan.resolve("(00)106141411234567897")

    assert (result.kind, result.sscc, result.product) == ("sscc", "106141411234567897", None)
    assert result.is_gs1


def test_a_count_on_a_gs1_label_comes_out_as_a_whole_number(site):
    result = scan.resolve("(01)09506000134352(30)24")

    assert (result.product.id, result.count) == (site.bolt.id, 24)


def test_a_gtin_14_with_a_leading_zero_finds_the_product_stored_with_its_gtin_13(site):
    result = scan.resolve("09506000134352")

    assert result.kind == "product"
    assert result.product.id == site.bolt.id
    assert not result.is_gs1


def test_the_gtin_13_itself_finds_the_product(site):
    assert scan.resolve("9506000134352").product.id == site.bolt.id


def test_a_plain_sku_finds_the_product(site):
    result = scan.resolve("NUT-M8")

    assert (result.kind, result.product.id, result.bin) == ("product", site.nut.id, None)


def test_a_bin_label_barcode_finds_the_bin_from_any_location(site):
    a1 = site.bin(site.main, "A-01-01")

    result = scan.resolve("warehouse-main:A-01-01", location_id=site.north.id)

    assert (result.kind, result.bin.id, result.product) == ("bin", a1.id, None)


def test_a_bin_code_finds_the_bin_at_the_operators_location(site):
    s1 = site.bin(site.north, "S-01-01")

    result = scan.resolve("S-01-01", location_id=site.north.id)

    assert (result.kind, result.bin.id) == ("bin", s1.id)


def test_a_bin_code_at_another_location_is_unknown(site):
    with pytest.raises(UnknownScan, match="Unknown code S-01-01"):
        scan.resolve("S-01-01", location_id=site.main.id)


def test_a_bin_code_without_a_location_is_unknown(site):
    with pytest.raises(UnknownScan):
        scan.resolve("A-01-01")


def test_a_code_shared_by_two_locations_resolves_to_the_operators_bin(site):
    assert scan.resolve("RCV-01", location_id=site.main.id).bin.id == site.bin(site.main, "RCV-01").id
    assert scan.resolve("RCV-01", location_id=site.north.id).bin.id == site.bin(site.north, "RCV-01").id


def test_an_unknown_code_is_refused_with_a_message_saying_what_to_do(site):
    with pytest.raises(UnknownScan) as refused:
        scan.resolve("NOPE-123", location_id=site.main.id)

    assert refused.value.message == "Unknown code NOPE-123. Check the label, or type the SKU or bin code."
    assert (refused.value.code, http_status(refused.value)) == ("unknown_scan", 404)


def test_a_code_that_is_both_a_sku_and_a_bin_code_is_ambiguous(site):
    make_product("A-01-01")

    with pytest.raises(AmbiguousScan) as refused:
        scan.resolve("A-01-01", location_id=site.main.id)

    assert "both a product and a bin" in refused.value.message
    assert http_status(refused.value) == 409


def test_an_ambiguous_code_is_resolved_when_the_screen_expects_a_bin(site):
    make_product("A-01-01")

    result = scan.resolve("A-01-01", location_id=site.main.id, expect="bin")

    assert (result.kind, result.bin.id, result.product) == ("bin", site.bin(site.main, "A-01-01").id, None)


def test_an_ambiguous_code_is_resolved_when_the_screen_expects_a_product(site):
    product = make_product("A-01-01")

    result = scan.resolve("A-01-01", location_id=site.main.id, expect="product")

    assert (result.kind, result.product.id, result.bin) == ("product", product.id, None)


def test_a_sku_that_matches_a_bin_code_only_elsewhere_is_not_ambiguous(site):
    product = make_product("S-01-01")

    assert scan.resolve("S-01-01", location_id=site.main.id).product.id == product.id


@pytest.mark.parametrize("code", ["", "   ", "\r\n", None])
def test_an_empty_scan_is_refused(site, code):
    with pytest.raises(UnknownScan, match="Nothing scanned"):
        scan.resolve(code)


def test_a_scan_longer_than_any_label_is_refused(site):
    with pytest.raises(UnknownScan, match="too long"):
        scan.resolve("X" * (scan.MAX_SCAN + 1))


def test_a_scan_at_the_length_limit_is_still_looked_up(site):
    with pytest.raises(UnknownScan, match="Unknown code"):
        scan.resolve("X" * scan.MAX_SCAN)


def test_a_gs1_label_with_an_unknown_gtin_is_refused_naming_the_gtin(site):
    with pytest.raises(UnknownScan, match="No product has GTIN 04012345000009"):
        scan.resolve("(01)04012345000009(10)LOT1")


def test_a_gs1_label_that_does_not_parse_is_refused_as_unreadable(site):
    with pytest.raises(UnknownScan, match="The expiry date on this GS1 label does not read") as refused:
        scan.resolve("(01)09506000134352(17)271399(10)LOT42")  # month 13
    assert "pattern" not in str(refused.value)  # no regex for the operator to puzzle over


def test_a_gtin_with_a_wrong_check_digit_is_refused_as_a_misread_not_as_a_missing_product(site):
    # A misread label must not tell the operator to have its (impossible) GTIN added.
    with pytest.raises(UnknownScan, match="Could not read this GS1 label"):
        scan.resolve("(01)09506000134353(10)LOT42")


def test_a_gs1_label_without_a_gtin_is_refused(site):
    with pytest.raises(UnknownScan, match="no product"):
        scan.resolve("(10)LOT42")


@pytest.mark.parametrize("suffix", ["\r\n", "\n", "\r", "\t"])
def test_the_line_ending_a_scanner_appends_is_ignored(site, suffix):
    assert scan.resolve("NUT-M8" + suffix).product.id == site.nut.id
    gs1 = scan.resolve("(01)09506000134352(17)271231(10)LOT42" + suffix)
    assert (gs1.product.id, gs1.lot_code) == (site.bolt.id, "LOT42")


def test_resolving_writes_nothing(site):
    scan.resolve("(01)09506000134352(17)271231(10)NEWLOT")
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(Lot).where(Lot.code == "NEWLOT")) == 0
    assert db.session.scalar(select(func.count()).select_from(Posting)) == 0
