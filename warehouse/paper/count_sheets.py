"""The blind count sheet: the paper a counter walks a count batch with. The batch number
(Code128 and QR on every page) opens the batch on the handheld; per bin, the bin code
with the Code128 of the bin's barcode, then what to look for there: SKU with its
Code128, name, lot, and an EMPTY box for the count. Blind: no quantity the ledger holds
(expected, on hand, counted so far) is printed anywhere.

Pure domain code: give it a loaded batch (counts.get), get bytes back. It reads no
request and writes nothing. Paper, barcodes and the page header follow slips.py (15 mil
bars, narrower only for long values, text to key in when even 10 mil does not fit;
nothing drawn in a barcode's quiet zone).

Its words are `msg(...)`, said through `say`: English (`str`) by default, or the page's
language when the web passes its `translate` (the domain knows nothing of requests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from warehouse.core.i18n import msg
from warehouse.counts.models import CountLineStatus

# slips.py's page header, paper sizes and barcode rules, so both kinds of paper scan alike
from warehouse.paper.slips import (
    BOLD,
    CELL_PAD,
    FONT,
    MARGIN,
    TEXT_SIZE,
    _Header,
    barcode128,
    fit_text,
    lot_text,
    paper_size,
    render_pdf,
    when_text,
)

ITEM_COLUMNS = [(msg("SKU"), 0.22), (msg("Name"), 0.38), (msg("Lot"), 0.16), (msg("Counted"), 0.24)]
BOX_WIDTH, BOX_HEIGHT = 30 * mm, 9 * mm


def count_sheet(batch, page_size: str = "A4", say: Callable[[str], str] = str) -> bytes:
    """Every bin x SKU x lot of the batch, in bin order, each with an empty box to write
    the count in; keys with a recount waiting are marked RECOUNT. `say` writes the
    sheet's words in the reader's language (English by default)."""
    paper = paper_size(page_size)
    width = paper[0] - 2 * MARGIN
    story = [_facts(batch, width, say)]
    for _, items in groupby(_items(batch), key=lambda item: item.bin.code):
        items = list(items)
        story += [
            Spacer(0, 3 * mm),
            KeepTogether([_bin_heading(items[0].bin, width, say), _item_rows(items, width, say)]),
        ]
    return render_pdf(story, paper, _Header(batch.number, say(msg("Blind count sheet"))), say=say)


@dataclass
class _Item:
    bin: object
    product: object
    lot: object
    recount: bool = False


def _items(batch) -> list[_Item]:
    """One entry per bin x SKU x lot (a recount line repeats its key), in walking order."""
    items: dict[tuple[int, int, int], _Item] = {}
    for line in batch.lines:
        item = items.setdefault(
            (line.bin_id, line.product_id, line.lot_id), _Item(line.bin, line.product, line.lot)
        )
        item.recount |= line.status is CountLineStatus.PENDING and line.recount_of_id is not None
    return sorted(items.values(), key=lambda i: (i.bin.code, i.product.sku, lot_text(i.lot, none="")))


def _facts(batch, width: float, say: Callable[[str], str]) -> Table:
    half = width / 2
    rows = [
        [
            say(msg("Location")),
            fit_text(f"{batch.location.name} ({batch.location.code})", half - 60),
            say(msg("Created")),
            when_text(batch.created_at, say),
        ],
        [
            say(msg("Selection")),
            fit_text(batch.selection, half - 60),
            say(msg("Counted by")),
            "______________________",
        ],
        ["", "", say(msg("Date")), "____ - ___ - ___"],
    ]
    table = Table(rows, colWidths=[55, half - 55, 60, half - 60])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, TEXT_SIZE + 1),
                ("FONT", (0, 0), (0, -1), BOLD, TEXT_SIZE + 1),
                ("FONT", (2, 0), (2, -1), BOLD, TEXT_SIZE + 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    notes = [
        [_Line(say(msg("Write how many you find in each box, 0 if none.")), width)],
        [_Line(say(msg("Found something not listed? Write its SKU, lot and count under its bin.")), width)],
    ]
    return Table([[table]] + notes, colWidths=[width], style=[("LEFTPADDING", (0, 0), (-1, -1), 0)])


def _bin_heading(bin, width: float, say: Callable[[str], str]) -> Table:
    """Bin code in large type left, the Code128 of the bin's barcode right, in its own
    half so the quiet zones stay clear."""
    half = width / 2
    room = half - 2 * CELL_PAD
    table = Table(
        [[_Line(bin.code, room, font=BOLD, size=16), barcode128(bin.barcode, room, say=say)]],
        colWidths=[half, half],
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 1.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _item_rows(items: list[_Item], width: float, say: Callable[[str], str]) -> Table:
    """Per item a text row (SKU, name, lot, empty box) and the SKU's Code128 under it; the
    two never split; a last row leaves room for items found that are not listed."""
    widths = [width * share for _, share in ITEM_COLUMNS]
    rows = [[say(title) for title, _ in ITEM_COLUMNS]]
    for item in items:
        name = say(msg("RECOUNT · {name}", name=item.product.name)) if item.recount else item.product.name
        cells = [item.product.sku, name, lot_text(item.lot, none="-")]
        rows.append(
            [fit_text(text, w - 2 * CELL_PAD, size=TEXT_SIZE) for text, w in zip(cells, widths)]
            + [_CountBox()]
        )
        rows.append([barcode128(item.product.sku, widths[0] + widths[1] - 2 * CELL_PAD)] + [""] * 3)
    rows.append([say(msg("Found, not listed:")), "", "", ""])
    style = [
        ("FONT", (0, 0), (-1, 0), BOLD, TEXT_SIZE),
        ("FONT", (0, 1), (-1, -1), FONT, TEXT_SIZE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("SPAN", (0, -1), (1, -1)),
        ("TOPPADDING", (0, -1), (-1, -1), 6),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
    ]
    for text_row in range(1, len(rows) - 1, 2):
        style += [
            ("NOSPLIT", (0, text_row), (-1, text_row + 1)),
            ("SPAN", (0, text_row + 1), (1, text_row + 1)),
            ("BOTTOMPADDING", (0, text_row + 1), (-1, text_row + 1), 6),
            ("LINEBELOW", (0, text_row + 1), (-1, text_row + 1), 0.5, colors.grey),
        ]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


class _CountBox(Flowable):
    """The empty box the counter writes the count in."""

    def wrap(self, available_width, available_height):
        return BOX_WIDTH, BOX_HEIGHT

    def draw(self):
        self.canv.setLineWidth(1)
        self.canv.rect(0, 0, BOX_WIDTH, BOX_HEIGHT)


class _Line(Flowable):
    """One line of text cut to a width."""

    def __init__(self, text: str, width: float, font: str = FONT, size: float = TEXT_SIZE):
        super().__init__()
        self.text, self.max_width, self.font, self.size = fit_text(text, width, font, size), width, font, size

    def wrap(self, available_width, available_height):
        return self.max_width, self.size + 4

    def draw(self):
        self.canv.setFont(self.font, self.size)
        self.canv.drawString(0, 2, self.text)
