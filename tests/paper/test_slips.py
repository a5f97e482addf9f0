"""Transfer slips and pick lists are read back the way the floor reads them: rendered at
150 dpi (pdftoppm) and decoded with zxing, so a barcode that prints but does not scan
fails here. Text is checked with pdftotext, paper with pdfinfo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import groupby

import pytest
import zxingcpp
from PIL import Image

from tests.conftest import pdf_text
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import transfers
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.paper import slips
from warehouse.transfers.models import ReceiveReason, ShortReason, Transfer

CODE128, QR = zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode
POPPLER = ("pdftoppm", "pdftotext", "pdfinfo")
LONG_NAME = "Hex nut M8 zinc plated " + "with a very long catalogue description " * 4 + "TAIL-END"


@pytest.fixture(scope="session")
def poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must check printed barcodes: apt-get install -y poppler-utils (.ci/run does).")
        why = (
            f"Slip tests need {', '.join(missing)} (not installed here): "
            "apt-get install -y poppler-utils. CI installs it and fails instead of skipping."
        )
        pytest.skip(reason=why)


# --- reading a PDF back -----------------------------------------------------------------


@dataclass
class Scan:
    page: int
    format: zxingcpp.BarcodeFormat
    text: str
    top: int  # pixel row of the symbol's top edge, for reading order


def scan(pdf: bytes, tmp_path) -> list[Scan]:
    """Every barcode zxing finds on every page, rendered at 150 dpi."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    found = []
    for number, png in enumerate(sorted(tmp_path.glob("page-*.png"), key=_page_number), start=1):
        for code in zxingcpp.read_barcodes(Image.open(png)):
            found.append(Scan(number, code.format, code.text, code.position.top_left.y))
    return found


def _page_number(png) -> int:
    return int(png.stem.rsplit("-", 1)[1])


text_of = pdf_text  # the name the slip and count-sheet tests read best with


def pdf_info(pdf: bytes, tmp_path) -> dict[str, str]:
    source = tmp_path / "info.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(source)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def paper_points(info: dict[str, str]) -> tuple[int, int]:
    width, height = re.match(r"\s*([\d.]+) x ([\d.]+) pts", info["Page size"]).groups()
    return round(float(width)), round(float(height))


# --- a transfer to print ------------------------------------------------------------------


@dataclass
class Story:
    transfer: Transfer
    skus: list[str]


@pytest.fixture
def picking(app, poppler) -> Story:
    """Three lines (GLUE-50 asks for one lot), approved and partly picked:
    BOLT-M8 12 from A-01-02 (10) and A-01-01 (2), NUT-M8 3 from B-02-01, GLUE-50 lot
    L-2027-01 4 from A-01-01. Picked so far: 10 bolts and the 4 glue."""
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "B-02-01"))
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01", "S-01-01"))
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a1, a2, b1 = (next(b for b in main.bins if b.code == code) for code in ("A-01-01", "A-01-02", "B-02-01"))
    bolt, nut = make_product("BOLT-M8"), make_product("NUT-M8")
    nut.name = LONG_NAME
    db.session.commit()
    glue = make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    early, late = (
        make_lot(glue, "L-2027-01", date(2027, 1, 31)),
        make_lot(glue, "L-2028-01", date(2028, 1, 31)),
    )
    receive(bolt, a1, 4), receive(bolt, a2, 10), receive(nut, b1, 5)
    receive(glue, a1, 5, lot=early), receive(glue, a2, 5, lot=late)

    transfer = transfers.create(main.id, north.id, actor_id=None, note="Van 2, morning run")
    transfers.add_line(transfer.id, bolt, 12)
    transfers.add_line(transfer.id, nut, 3)
    transfers.add_line(transfer.id, glue, 4, lot_code="L-2027-01")
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, a2, bolt, 10, actor_id=None)
    transfers.pick(transfer.id, a1, glue, 4, actor_id=None, lot_code="L-2027-01")
    return Story(transfers.get(transfer.id), ["BOLT-M8", "NUT-M8", "GLUE-50"])


# --- the transfer slip --------------------------------------------------------------------


@pytest.mark.parametrize("paper, points", [("A4", (595, 842)), ("LETTER", (612, 792))])
def test_the_slip_scans_back_to_its_transfer_and_every_sku(picking, tmp_path, paper, points):
    transfer = picking.transfer
    pdf = slips.transfer_slip(transfer, paper)

    info = pdf_info(pdf, tmp_path)
    assert paper_points(info) == points and info["Pages"].strip() == "1"
    found = scan(pdf, tmp_path)
    assert {s.text for s in found} == {transfer.number, *picking.skus}
    assert {s.format for s in found if s.text == transfer.number} == {CODE128, QR}
    assert {s.format for s in found if s.text in picking.skus} == {CODE128}
    assert Counter(s.text for s in found if s.format == CODE128) == Counter([transfer.number, *picking.skus])


def test_the_slip_says_where_when_and_how_many(picking, tmp_path):
    transfer = picking.transfer
    text = text_of(slips.transfer_slip(transfer), tmp_path)

    assert "Warehouse Main (warehouse-main)" in text and "Service North (service-north)" in text
    assert f"{transfer.created_at:%Y-%m-%d %H:%M} UTC" in text
    assert f"{transfer.approved_at:%Y-%m-%d %H:%M} UTC" in text
    assert re.search(r"Shipped\s+not yet", text) and re.search(r"Received\s+not yet", text)
    assert re.search(r"Status\s+approved", text)
    assert re.search(r"BOLT-M8\s+Item BOLT-M8\s+any\s+12\s+10\n", text)
    assert re.search(r"GLUE-50\s+Item GLUE-50\s+L-2027-01\s+4\s+4\n", text)
    for box in ("Picked by", "Shipped by", "Received by"):
        assert box in text
    assert text.count("Date: ____") == 3


def test_names_in_other_scripts_print_as_themselves_not_boxes(picking, tmp_path):
    bolt = picking.transfer.lines[0].product
    bolt.name = "Болт М8 · Βίδα · 1,20 €"
    db.session.commit()
    text = text_of(slips.transfer_slip(picking.transfer), tmp_path)
    assert "Болт М8 · Βίδα · 1,20 €" in text


def test_a_long_name_is_cut_to_fit_its_column(picking, tmp_path):
    text = text_of(slips.transfer_slip(picking.transfer), tmp_path)

    nut_row = next(line for line in text.splitlines() if line.lstrip().startswith("NUT-M8"))
    assert "Hex nut M8 zinc plated" in nut_row and "…" in nut_row
    assert "TAIL-END" not in text
    assert re.search(r"…\s+any\s+3\s+0$", nut_row)  # the columns after the name survive


def test_a_received_slip_shows_every_date_and_the_damage(picking, tmp_path):
    transfer = picking.transfer
    bolt, nut, glue = transfer.lines
    nut_bin = nut.allocations[0].bin
    transfers.pick(transfer.id, nut_bin, nut.product, 3, actor_id=None)
    transfers.short_pick(transfer.id, bolt.id, ShortReason.NOT_FOUND, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)
    for line, received, damaged, reason in (
        (bolt, 10, 0, None),
        (nut, 3, 0, None),
        (glue, 4, 1, ReceiveReason.DAMAGED_IN_TRANSIT),
    ):
        transfers.count_received(transfer.id, line.product, received, actor_id=None)
        transfers.set_received(transfer.id, line.id, received=received, damaged=damaged, reason=reason)
    transfers.finish_receiving(transfer.id, actor_id=None)
    transfer = transfers.get(transfer.id)

    text = text_of(slips.transfer_slip(transfer), tmp_path)
    for step in (transfer.created_at, transfer.approved_at, transfer.shipped_at, transfer.received_at):
        assert f"{step:%Y-%m-%d %H:%M} UTC" in text
    assert "not yet" not in text
    assert re.search(r"BOLT-M8\s+Item BOLT-M8\s+any\s+12\s+10 short\s+10 \(0\)", text)
    assert re.search(r"GLUE-50\s+Item GLUE-50\s+L-2027-01\s+4\s+4\s+4 \(1\)", text)


def test_a_slip_of_forty_lines_carries_the_number_barcode_on_every_page(app, poppler, tmp_path):
    main = make_location("warehouse-main")
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01",))
    transfer = transfers.create(main.id, north.id, actor_id=None)
    skus = [f"PART-{n:04d}" for n in range(1, 41)]
    for sku in skus:
        transfers.add_line(transfer.id, make_product(sku), 1)
    transfer = transfers.get(transfer.id)

    pdf = slips.transfer_slip(transfer)
    found = scan(pdf, tmp_path)
    pages = int(pdf_info(pdf, tmp_path)["Pages"])
    assert pages >= 2
    for page in range(1, pages + 1):
        on_page = {(s.format, s.text) for s in found if s.page == page}
        assert {(CODE128, transfer.number), (QR, transfer.number)} <= on_page, f"page {page}"
    assert Counter(s.text for s in found if s.text != transfer.number) == Counter(skus)
    text = text_of(pdf, tmp_path)
    assert f"page {pages} of {pages}" in text
    assert [sku for sku in re.findall(r"^\s*(PART-\d{4})\s", text, re.M)] == skus  # in line order


def test_a_long_sku_gets_narrower_bars_and_one_too_long_is_printed_to_key_in(app, poppler, tmp_path):
    main = make_location("warehouse-main")
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01",))
    transfer = transfers.create(main.id, north.id, actor_id=None)
    narrowed, too_long = "SUPPLIER-PART-" + "X" * 26, "OEM-" + "Y" * 60  # 40 and 64 characters
    for sku in (narrowed, too_long):
        transfers.add_line(transfer.id, make_product(sku), 1)
    pdf = slips.transfer_slip(transfers.get(transfer.id))

    assert {s.text for s in scan(pdf, tmp_path)} == {transfer.number, narrowed}
    assert f"No barcode, key in: {too_long}\n" in text_of(pdf, tmp_path)


def test_only_a4_and_letter_paper_are_offered(picking):
    with pytest.raises(ValueError, match="A4, LETTER"):
        slips.transfer_slip(picking.transfer, "A5")
    with pytest.raises(ValueError):
        slips.pick_list(picking.transfer, "legal")


# --- the pick list ------------------------------------------------------------------------


def test_the_pick_list_walks_the_bins_in_order_and_scans_back(picking, tmp_path):
    transfer = picking.transfer
    stops = sorted(
        (
            (a.bin.code, line.product.sku, a.bin.barcode, a.qty)
            for line in transfer.lines
            for a in line.allocations
        )
    )
    assert [s[:2] for s in stops] == [
        ("A-01-01", "BOLT-M8"),
        ("A-01-01", "GLUE-50"),
        ("A-01-02", "BOLT-M8"),
        ("B-02-01", "NUT-M8"),
    ]
    pdf = slips.pick_list(transfer)

    text = text_of(pdf, tmp_path)
    rows = re.findall(r"^\s*([AB]-\d\d-\d\d)\s+(\S+)\s.*?(\d+)\s*$", text, re.M)
    assert rows == [(code, sku, str(qty)) for code, sku, _, qty in stops]
    assert re.search(r"A-01-01\s+GLUE-50\s+Item GLUE-50\s+L-2027-01\s+4", text)

    found = scan(pdf, tmp_path)
    assert sorted(s.format.name for s in found if s.text == transfer.number) == ["Code128", "QRCode"]
    # zxing reports one symbol for identical barcodes stacked right above each other (two
    # stops at A-01-01), so compare runs of the same bin; pdftotext above counts every row.
    bins_top_down = [s.text for s in sorted(found, key=lambda s: (s.page, s.top)) if ":" in s.text]
    assert bins_top_down == [barcode for barcode, _ in groupby(barcode for _, _, barcode, _ in stops)]
    skus = {s.text for s in found if s.text != transfer.number and ":" not in s.text}
    assert skus == {sku for _, sku, _, _ in stops}


def test_a_draft_pick_list_lists_its_lines_as_not_allocated_yet(app, poppler, tmp_path):
    main = make_location("warehouse-main")
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01",))
    transfer = transfers.create(main.id, north.id, actor_id=None)
    transfers.add_line(transfer.id, make_product("BOLT-M8"), 12)
    transfers.add_line(transfer.id, make_product("NUT-M8"), 3)
    transfer = transfers.get(transfer.id)

    pdf = slips.pick_list(transfer, "LETTER")
    text = text_of(pdf, tmp_path)
    assert re.findall(r"not allocated yet\s+(\S+)\s.*?(\d+)\s*$", text, re.M) == [
        ("BOLT-M8", "12"),
        ("NUT-M8", "3"),
    ]
    found = scan(pdf, tmp_path)
    assert Counter((s.format, s.text) for s in found) == Counter(
        [(CODE128, transfer.number), (QR, transfer.number), (CODE128, "BOLT-M8"), (CODE128, "NUT-M8")]
    )
