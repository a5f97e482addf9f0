"""Receiving: goods arrive against a reference (PO number) at the operator's location.

Scanning builds the receipt's lines (a draft: no stock moves yet). Finishing posts every
line into the location's receiving bin as ONE inbound_purchase posting and opens a
put-away task per line. Finishing is idempotent: its ledger key is derived from the
receipt, so a double tap or a retried request returns the first result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    LotNotTracked,
    LotRequired,
    NotFound,
    NothingToPost,
    ProductInactive,
    QuantityOutOfRange,
    ReceiptClosed,
    ReferenceMalformed,
    SetupMissing,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.inbound import putaway
from warehouse.inbound.models import PutawayTask, Receipt, ReceiptLine, ReceiptStatus
from warehouse.ledger.models import MovementType

MAX_LINE_QTY = 100_000  # per receipt line; a larger count is a typo


def start(reference: str, *, location_id: int, actor_id: int, key: str | None = None) -> Receipt:
    reference = reference.strip()
    if not reference or len(reference) > 64:
        raise ReferenceMalformed(msg("Scan or type the PO number (1-64 characters)."))
    return commands.run(
        "receiving.start",
        lambda: _start(reference, location_id, actor_id),
        key=key,
        actor_id=actor_id,
        request=[reference, location_id],
        **commands.by_id(Receipt),
    )


def _start(reference, location_id, actor_id) -> Receipt:
    receipt = Receipt(reference=reference, location_id=location_id, user_id=actor_id)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def _locked(receipt_id: int) -> Receipt:
    """The receipt, row-locked for this transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serializes writers), so concurrent scans on one receipt never lose a count."""
    receipt = db.session.get(Receipt, receipt_id, with_for_update=True, populate_existing=True)
    if receipt is None:
        raise NotFound(msg("No receipt #{receipt_id}. Start a new receipt.", receipt_id=receipt_id))
    return receipt


def header(receipt_id: int, *, location_id: int | None = None) -> Receipt:
    """The receipt's own row, without its lines: enough to check whose it is and to read a
    scan. `get` loads every line, for drawing a page."""
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or (location_id is not None and receipt.location_id != location_id):
        raise NotFound(msg("No receipt #{receipt_id}. Start a new receipt.", receipt_id=receipt_id))
    return receipt


def get(receipt_id: int, *, location_id: int | None = None) -> Receipt:
    """A receipt with its lines, products and lots loaded in one go (the screen shows them
    all); with location_id, only a receipt of that location (an operator's own)."""
    receipt = db.session.get(
        Receipt,
        receipt_id,
        options=[
            joinedload(Receipt.location),
            selectinload(Receipt.lines).joinedload(ReceiptLine.product),
            selectinload(Receipt.lines).joinedload(ReceiptLine.lot),
        ],
        populate_existing=True,
    )
    if receipt is None or (location_id is not None and receipt.location_id != location_id):
        raise NotFound(msg("No receipt #{receipt_id}. Start a new receipt.", receipt_id=receipt_id))
    return receipt


def add(
    receipt_id: int,
    product: Product,
    *,
    qty: int = 1,
    lot_code: str | None = None,
    expiry: date | None = None,
    actor_id: int | None = None,
    key: str | None = None,
) -> ReceiptLine:
    """Count `qty` more of a product (and lot) on an open receipt.

    Checks, in order: the quantity (1 to MAX_LINE_QTY); the product is active and its lot
    is given exactly when it is lot-tracked; the receipt is open (ReceiptClosed); the line
    stays within MAX_LINE_QTY. A scan's id as `key` makes a retried scan count once."""
    if not 1 <= qty <= MAX_LINE_QTY:
        raise QuantityOutOfRange(msg("Quantity must be 1 to {most:,}.", most=MAX_LINE_QTY))
    _check_lot_needs(product, lot_code, expiry)
    return commands.run(
        "receiving.add",
        lambda: _add(receipt_id, product, qty, lot_code, expiry),
        key=key,
        actor_id=actor_id,
        request=[receipt_id, product.id, qty, lot_code, expiry],
        **commands.by_id(ReceiptLine),
    )


def _check_lot_needs(product: Product, lot_code, expiry) -> None:
    if not product.active:
        raise ProductInactive(
            msg("{sku} is inactive and cannot be received. Call a supervisor.", sku=product.sku)
        )
    if product.lot_tracked and not lot_code:
        raise LotRequired(msg("{sku} is lot-tracked: scan the lot.", sku=product.sku))
    if lot_code and not product.lot_tracked:
        raise LotNotTracked(msg("{sku} is not lot-tracked: scan its plain barcode.", sku=product.sku))


def _add(receipt_id, product, qty, lot_code, expiry) -> ReceiptLine:
    receipt = _open_receipt(receipt_id)
    lot_id = lots.find_or_create(product, lot_code, expiry).id if lot_code else NO_LOT
    line = db.session.scalar(
        select(ReceiptLine).where(
            ReceiptLine.receipt_id == receipt.id,
            ReceiptLine.product_id == product.id,
            ReceiptLine.lot_id == lot_id,
        )
    )
    if line is None:
        line = ReceiptLine(receipt_id=receipt.id, product_id=product.id, lot_id=lot_id, qty=0)
        db.session.add(line)
    if line.qty + qty > MAX_LINE_QTY:
        raise QuantityOutOfRange(
            msg(
                "More than {most:,} of {sku} on one receipt: type the count instead of adding to it.",
                most=MAX_LINE_QTY,
                sku=product.sku,
            )
        )
    line.qty += qty
    receipt.version += 1
    db.session.flush()
    return line


def set_count(
    receipt_id: int, line_id: int, qty: int, *, actor_id: int | None = None, key: str | None = None
) -> ReceiptLine:
    """Set a line to a typed count (0 removes it from the receipt). Checks: the count (0 to
    MAX_LINE_QTY); the receipt is open; the line is on it. `key` as for `add`."""
    if not 0 <= qty <= MAX_LINE_QTY:
        raise QuantityOutOfRange(msg("Type a count from 0 to {most:,}.", most=MAX_LINE_QTY))
    return commands.run(
        "receiving.set_count",
        lambda: _set_count(receipt_id, line_id, qty),
        key=key,
        actor_id=actor_id,
        request=[receipt_id, line_id, qty],
        **commands.by_id(ReceiptLine),
    )


def _set_count(receipt_id, line_id, qty) -> ReceiptLine:
    receipt = _open_receipt(receipt_id)
    line = db.session.get(ReceiptLine, line_id)
    if line is None or line.receipt_id != receipt_id:
        raise NotFound(msg("Scan an item first, then type its count."))
    line.qty = qty
    receipt.version += 1
    db.session.flush()
    return line


def _open_receipt(receipt_id: int) -> Receipt:
    receipt = _locked(receipt_id)
    if receipt.status is not ReceiptStatus.OPEN:
        raise ReceiptClosed(
            msg("Receipt {number} is already finished. Start a new receipt.", number=receipt.number)
        )
    return receipt


@dataclass
class Finished:
    receipt: Receipt
    posted: ledger.Posted
    tasks: list[PutawayTask]


def finish(receipt_id: int, *, actor_id: int) -> Finished:
    """Post the receipt into the receiving bin and open put-away tasks, all or nothing."""
    return ledger.atomically(_finish, receipt_id, actor_id)


def _finish(receipt_id, actor_id) -> Finished:
    receipt = _locked(receipt_id)
    if receipt.status is ReceiptStatus.POSTED:  # a double tap or retry: answer the first result
        return Finished(receipt, ledger.Posted(receipt.posting_id, replayed=True), [])
    lines = [line for line in receipt.lines if line.qty > 0]
    if not lines:
        raise NothingToPost(msg("Nothing counted yet. Scan at least one item before finishing."))
    dock = receiving_bin(receipt.location_id)
    posted = ledger.post(
        MovementType.INBOUND_PURCHASE,
        [
            ledger.Line(line.product_id, dock.location_id, dock.id, line.lot_id, qty=line.qty)
            for line in lines
        ],
        actor_id=actor_id,
        key=f"receipt:{receipt.id}:finish",
        reference=("receipt", receipt.number),
        note=f"PO {receipt.reference}",
    )
    claimed = db.session.execute(
        update(Receipt)
        .where(Receipt.id == receipt.id, Receipt.status == ReceiptStatus.OPEN)
        .values(status=ReceiptStatus.POSTED, posted_at=utcnow(), posting_id=posted.posting_id)
    )
    if claimed.rowcount != 1:  # finished by someone else in the meantime; roll back ours
        raise ReceiptClosed(msg("Receipt {number} was finished on another device.", number=receipt.number))
    tasks = [
        putaway.open_task(dock, line.product_id, line.lot_id, line.qty, receipt_id=receipt.id)
        for line in lines
    ]
    db.session.flush()
    return Finished(receipt, posted, tasks)


def receiving_bin(location_id: int) -> Bin:
    dock = db.session.scalar(
        select(Bin)
        .where(Bin.location_id == location_id, Bin.kind == BinKind.RECEIVING, Bin.active.is_(True))
        .order_by(Bin.code)
        .limit(1)
    )
    if dock is None:
        raise SetupMissing(msg("This location has no receiving bin. Ask an admin to add one."))
    return dock
