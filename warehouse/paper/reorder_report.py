"""The reorder report for spreadsheets and paper: CSV (formula-safe cells) and a landscape
PDF in the slips' page style (fonts, margins, "page N of M"), so all our paper looks alike.
The CSV's header is column names, never translated; the PDF's words are said with `say`
(the web view passes its `translate`: the reader's language)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from warehouse.alerts.replenishment import ReorderRow
from warehouse.core.csv_safe import safe_cell
from warehouse.core.i18n import msg
from warehouse.paper.slips import (
    BOLD,
    CELL_PAD,
    FONT,
    MARGIN,
    TEXT_SIZE,
    PageCountCanvas,
    fit_text,
    paper_size,
)

CSV_COLUMNS = (
    "location_code",
    "sku",
    "product_name",
    "on_hand",
    "reserved",
    "held",
    "available",
    "inbound",
    "reorder_point",
    "reorder_qty",
    "max_level",
    "suggested_qty",
    "unit_cost",
    "suggested_value",
)


def to_csv(rows: Iterable[ReorderRow]) -> str:
    """The rows as CSV (a header line, then one line per row, in the report's order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            ["" if v is None else safe_cell(v) for v in (getattr(row, name) for name in CSV_COLUMNS)]
        )
    return out.getvalue()


PDF_COLUMNS = [  # (header, share of the printable width, attribute); every header fits on Letter too
    (msg("Location"), 0.115, "location_code"),
    (msg("SKU"), 0.09, "sku"),
    (msg("Name"), 0.162, "product_name"),
    (msg("On hand"), 0.072, "on_hand"),
    (msg("Reserved"), 0.08, "reserved"),
    (msg("Held"), 0.045, "held"),
    (msg("Available"), 0.08, "available"),
    (msg("Inbound"), 0.072, "inbound"),
    (msg("Reorder pt"), 0.09, "reorder_point"),
    (msg("Max"), 0.042, "max_level"),
    (msg("Order qty"), 0.082, "suggested_qty"),
    (msg("Value"), 0.07, "suggested_value"),
]
TITLE = msg("Reorder report")
NOTHING = msg("Nothing is at or below its reorder point.")
WRAPPED = {"product_name"}  # long names wrap onto a second line instead of being cut


def reorder_pdf(
    rows: Sequence[ReorderRow],
    filters: Mapping[str, str],
    page_size: str = "A4",
    say: Callable[[str], str] = str,
) -> bytes:
    """The report on paper (landscape), the filters in the heading of every page, page
    N of M at the foot (slips.py's page style); its words said with `say`."""
    paper = landscape(paper_size(page_size))
    width = paper[0] - 2 * MARGIN
    heading = "  ·  ".join(f"{say(name)}: {say(value)}" for name, value in filters.items())

    def draw_heading(canvas, doc):
        canvas.saveState()
        top = paper[1] - MARGIN
        canvas.setFont(BOLD, 14)
        canvas.drawString(MARGIN, top - 14, say(TITLE))
        canvas.setFont(FONT, TEXT_SIZE + 1)
        canvas.drawString(MARGIN, top - 30, fit_text(heading, width, size=TEXT_SIZE + 1))
        canvas.restoreState()

    widths = [width * share for _, share, _ in PDF_COLUMNS]
    wrapping = ParagraphStyle("cell", fontName=FONT, fontSize=TEXT_SIZE, leading=TEXT_SIZE + 2)
    # A translated header may be longer than the English one: cut to its column.
    table_rows = [
        [
            fit_text(say(title), w - 2 * CELL_PAD, BOLD, TEXT_SIZE)
            for (title, _, _), w in zip(PDF_COLUMNS, widths)
        ]
    ]
    for row in rows:
        cells = []
        for (_title, _share, attr), w in zip(PDF_COLUMNS, widths):
            text = "" if getattr(row, attr) is None else f"{getattr(row, attr)}"
            cells.append(
                Paragraph(html.escape(text), wrapping)
                if attr in WRAPPED
                else fit_text(text, w - 2 * CELL_PAD, size=TEXT_SIZE)
            )
        table_rows.append(cells)
    if not rows:
        table_rows.append([say(NOTHING)] + [""] * (len(widths) - 1))
    table = Table(table_rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, TEXT_SIZE),
                ("FONT", (0, 1), (-1, -1), FONT, TEXT_SIZE),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.grey),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ]
        )
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=paper,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 40,
        bottomMargin=MARGIN + 15,
        title=say(TITLE),
        author="warehouse",
    )
    doc.build(
        [table],
        onFirstPage=draw_heading,
        onLaterPages=draw_heading,
        canvasmaker=partial(PageCountCanvas, say=say),
    )
    return out.getvalue()
