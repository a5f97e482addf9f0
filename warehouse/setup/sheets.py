"""Reading an uploaded spreadsheet: CSV (UTF-8, with or without a byte-order mark; comma,
semicolon or tab) or XLSX (the first sheet). What comes out is a header row and rows of
text cells, whatever the file was: each import kind parses its own columns.

Refused, with what to do, and nothing read: a file that is neither, over MAX_BYTES or
MAX_ROWS rows, broken UTF-8, no header row. A formula cell in an XLSX is read as its text
(`=cmd|...`), never run; the kinds refuse text that starts like a formula where it would
reach a spreadsheet again.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from warehouse.core.errors import SheetUnreadable
from warehouse.core.i18n import msg

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELL = 1_000  # characters; longer is not a catalog value


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    # (the row's number in the spreadsheet, its cells as long as `headers`); the header is
    # row 1, blank rows are left out
    rows: list[tuple[int, list[str]]]


def read(filename: str, data: bytes) -> Sheet:
    if len(data) > MAX_BYTES:
        raise SheetUnreadable(
            msg(
                "The file is {size} MB: at most {most} MB. Split it into smaller files.",
                size=f"{len(data) / 1024 / 1024:.1f}",
                most=MAX_BYTES // 1024 // 1024,
            )
        )
    if not data.strip():
        raise SheetUnreadable(msg("The file is empty. Choose the CSV or XLSX file with your rows."))
    if data[:4] == b"PK\x03\x04":
        table = _xlsx(data)
    elif (filename or "").lower().endswith((".xlsx", ".xls", ".xlsm", ".ods", ".pdf", ".zip")):
        raise SheetUnreadable(
            msg(
                "{filename} is not a CSV or XLSX file. Save it as CSV or XLSX and upload that.",
                filename=filename,
            )
        )
    else:
        table = _csv(data)
    return _sheet(table)


def _csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise SheetUnreadable(msg("This is not a text (CSV) file. Save it as CSV (UTF-8) or XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SheetUnreadable(
            msg(
                "Line {line} is not UTF-8 text. Save the file as 'CSV UTF-8' (Excel: Save as, CSV UTF-8).",
                line=line,
            )
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise SheetUnreadable(
            msg("The CSV does not read ({error}). Check its quotes.", error=str(error))
        ) from None


def _xlsx(data: bytes) -> list[list[str]]:
    # openpyxl is imported here, not at the top: only an XLSX upload needs it, and it costs
    # a noticeable start-up time for every CLI command otherwise.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        book.close()
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        raise SheetUnreadable(
            msg(
                "The XLSX file does not open ({error}). Save it again from your spreadsheet.",
                error=type(error).__name__,
            )
        ) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet keeps 12 as 12.0
    return str(value)


def _sheet(table: list[list[str]]) -> Sheet:
    while table and not any(c.strip() for c in table[-1]):
        table.pop()  # trailing empty lines
    if not table or not any(c.strip() for c in table[0]):
        raise SheetUnreadable(msg("The first row must name the columns (e.g. sku, name, barcode)."))
    if len(table) - 1 > MAX_ROWS:
        raise SheetUnreadable(
            msg("The file has over {most:,} rows. Split it into smaller files.", most=MAX_ROWS)
        )
    headers = [h.strip() for h in table[0]]
    width = len(headers)
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise SheetUnreadable(
                msg(
                    "Row {row} has more cells than the header has names. Name every column in row 1.",
                    row=number,
                )
            )
        cells = [c.strip() for c in row[:width]] + [""] * (width - len(row))
        if any(len(c) > MAX_CELL for c in cells):
            raise SheetUnreadable(
                msg("Row {row} has a cell over {most} characters. Check that row.", row=number, most=MAX_CELL)
            )
        if any(cells):
            rows.append((number, cells))
    return Sheet(headers, rows)
