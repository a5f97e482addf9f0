"""The blind count sheet is read back the way the floor reads it: rendered at 150 dpi
(pdftoppm) and decoded with zxing, so a barcode that prints but does not scan fails
here; pdftotext proves no quantity the ledger holds reaches the paper."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.factories import make_location, make_lot, make_product, receive
from tests.paper.test_slips import CODE128, QR, paper_points, pdf_info, poppler, scan, text_of  # noqa: F401
from warehouse import accounts, counts
from warehouse.paper import count_sheets

ON_HAND = 7919  # a prime nobody types by accident: it must never be printed


@pytest.fixture
def batch(app, poppler):  # noqa: F811  (the fixture imported above)
    """CNT of bins *-0*: three bins, BOLT-M8 twice (7919 and 6143), NUT-M8, GLUE-50 lot
    L-2027-01; one bin counted already (counted so far must not print either)."""
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "B-02-01", "C-19-19"))
    bins = {b.code: b for b in main.bins}
    bolt, nut = make_product("BOLT-M8"), make_product("NUT-M8")
    glue = make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    receive(bolt, bins["A-01-01"], ON_HAND)
    receive(bolt, bins["B-02-01"], 6143)
    receive(nut, bins["A-01-02"], 5261)
    receive(glue, bins["A-01-02"], 3907, lot=make_lot(glue, "L-2027-01"))
    receive(nut, bins["C-19-19"], 5)  # outside the selection
    receive(nut, bins["RCV-01"], 3)  # receiving bins are never counted
    created = counts.create(main.id, counts.Selection(bins_like="*-0*"), actor_id=None)
    cora = accounts.create_user("cora", "long-enough-pw", "operator")
    counts.record(created.id, bins["B-02-01"], bolt, set_to=4447, actor_id=cora.id)
    return counts.get(created.id)


def _expected(batch):
    return sorted({(l.bin.code, l.bin.barcode, l.product.sku) for l in batch.lines})


@pytest.mark.parametrize("paper, points", [("A4", (595, 842)), ("LETTER", (612, 792))])
def test_the_sheet_scans_back_to_its_batch_every_bin_and_every_sku(batch, tmp_path, paper, points):
    pdf = count_sheets.count_sheet(batch, paper)

    info = pdf_info(pdf, tmp_path)
    assert paper_points(info) == points
    found = scan(pdf, tmp_path)
    for page in range(1, int(info["Pages"]) + 1):  # a loose page still opens its batch
        assert {(CODE128, batch.number), (QR, batch.number)} <= {
            (s.format, s.text) for s in found if s.page == page
        }
    keys = _expected(batch)
    assert [code for code, _, _ in keys] == ["A-01-01", "A-01-02", "A-01-02", "B-02-01"]
    bins = {barcode for _, barcode, _ in keys}
    skus = {sku for _, _, sku in keys}
    assert {s.text for s in found} == {batch.number} | bins | skus
    assert {s.format for s in found if s.text == batch.number} == {CODE128, QR}
    assert {s.format for s in found if s.text != batch.number} == {CODE128}
    bins_top_down = [s.text for s in sorted(found, key=lambda s: (s.page, s.top)) if s.text in bins]
    assert bins_top_down == ["warehouse-main:A-01-01", "warehouse-main:A-01-02", "warehouse-main:B-02-01"]


def test_the_sheet_is_blind(batch, tmp_path):
    text = text_of(count_sheets.count_sheet(batch), tmp_path)

    for secret in (str(ON_HAND), "7,919", "4447", "6143", "5261", "3907"):
        assert secret not in text, secret
    assert "Warehouse Main (warehouse-main)" in text and "bins *-0*" in text
    assert re.search(r"A-01-02\s+.*\n", text)
    assert re.search(r"GLUE-50\s+Item GLUE-50\s+L-2027-01", text)
    assert re.search(r"BOLT-M8\s+Item BOLT-M8\s+-", text)
    assert text.count("Found, not listed:") == 3  # one per bin
    assert "C-19-19" not in text and "RCV-01" not in text
    assert "Counted by" in text and "page 1 of 1" in text  # A4: one page


def test_a_recount_is_marked_and_still_blind(app, poppler, tmp_path):  # noqa: F811
    main = make_location("warehouse-main")
    a1 = next(b for b in main.bins if b.code == "A-01-01")
    bolt = make_product("BOLT-M8")
    receive(bolt, a1, ON_HAND)
    cora = accounts.create_user("cora", "long-enough-pw", "operator")
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    created = counts.create(main.id, counts.Selection(skus=("BOLT-M8",)), actor_id=boss.id)
    counts.record(created.id, a1, bolt, set_to=7001, actor_id=cora.id)
    counts.submit(created.id, actor_id=cora.id)
    counts.recount(created.id, [counts.get(created.id).lines[0].id], actor_id=boss.id)

    pdf = count_sheets.count_sheet(counts.get(created.id), "LETTER")
    text = text_of(pdf, tmp_path)
    assert re.search(r"BOLT-M8\s+RECOUNT · Item BOLT-M8", text)
    assert str(ON_HAND) not in text and "7001" not in text
    assert Counter(s.text for s in scan(pdf, tmp_path) if s.format == CODE128) == Counter(
        [f"CNT-{created.id:06d}", a1.barcode, "BOLT-M8"]
    )


def test_a_long_batch_carries_its_number_on_every_page(app, poppler, tmp_path):  # noqa: F811
    codes = [f"A-{n:02d}-01" for n in range(1, 31)]
    main = make_location("warehouse-main", bins=("RCV-01", *codes))
    for code in codes:
        receive(make_product(f"PART-{code}"), next(b for b in main.bins if b.code == code), ON_HAND)
    batch = counts.get(counts.create(main.id, counts.Selection(), actor_id=None).id)

    pdf = count_sheets.count_sheet(batch)
    pages = int(pdf_info(pdf, tmp_path)["Pages"])
    assert pages >= 2
    found = scan(pdf, tmp_path)
    for page in range(1, pages + 1):
        assert (CODE128, batch.number) in {(s.format, s.text) for s in found if s.page == page}, page
    assert {s.text for s in found if s.text.startswith("PART-")} == {f"PART-{c}" for c in codes}
    assert {s.text for s in found if ":" in s.text} == {f"warehouse-main:{c}" for c in codes}
    text = text_of(pdf, tmp_path)
    assert str(ON_HAND) not in text and f"page {pages} of {pages}" in text


def test_only_a4_and_letter_paper_are_offered(batch):
    with pytest.raises(ValueError, match="A4, LETTER"):
        count_sheets.count_sheet(batch, "A5")
