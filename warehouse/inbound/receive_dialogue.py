"""The receive screen's dialogue: what one scan on an open receipt means.

    step = receive_dialogue.scan(receipt_id, "BOLT-M8", actor_id=..., scan_id=..., seq=...)

The screen waits for an item. A lot-tracked item without a lot on its label makes it wait
for the lot; an expiry-tracked lot not known yet, for its expiry date ("Skip this item"
gives up on it: `skip`). A number typed
after an item sets that item's count on the receipt; `x5` before an item makes that scan
count 5. Each scan is applied once per scan id (warehouse/core/dialogues.py); the state
lives on the server, per operator and receipt.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from warehouse.catalog import lots
from warehouse.catalog import scan as scans
from warehouse.catalog.models import Product
from warehouse.core import clock, dialogues
from warehouse.core.dialogues import Step
from warehouse.core.errors import DomainError, UnknownScan
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.inbound import receiving

SCREEN = "receive"
ITEM = {"awaiting": "item"}


def _interpret(receipt, state: dict, value: str, actor_id: int) -> Step:
    awaiting = state.get("awaiting", "item")
    if awaiting == "lot":
        return _lot_given(receipt, state, value, actor_id)
    if awaiting == "expiry":
        return _expiry_given(receipt, state, value, actor_id)
    found, typed = dialogues.code_or_quantity(
        value,
        lambda code: scans.resolve(code, location_id=receipt.location_id, expect="product"),
        zero_ok=True,
    )
    if typed:
        return _typed(receipt, state, typed, actor_id)
    if found.kind != "product":
        return Step.error(msg("That is not an item. Scan the item's barcode."), state)
    if found.count == 0:
        return Step.error(msg("The label says a count of 0. Scan the item's own barcode."), state)
    return _item(receipt, state, found, actor_id)


def _typed(receipt, state, typed, actor_id) -> Step:
    if typed.ahead:
        return Step.ok(msg("Next item counts {qty}. Scan it.", qty=typed.qty), {**ITEM, "ahead": typed.qty})
    if not state.get("line"):
        return Step.error(
            msg("Scan the item first, then type its count (or type x5, then scan the item)."), state
        )
    line = receiving.set_count(receipt.id, state["line"], typed.qty, actor_id=actor_id)
    # The count applies to the item it follows, once: another number needs another item.
    return Step.ok(msg("Count set: {qty} x {sku}.", qty=line.qty, sku=line.product.sku), dict(ITEM))


def _item(receipt, state, found, actor_id) -> Step:
    product, lot_ignored = found.product, False
    if found.lot_code and not product.lot_tracked:  # the label carries a lot we do not track
        found, lot_ignored = replace(found, lot_code=None, expiry=None), True
    units = found.units(state.get("ahead"))
    pending = {"product": product.id, "units": units}
    if product.lot_tracked and not found.lot_code:
        return Step.warn(
            msg("{sku} is lot-tracked. Scan or type the lot.", sku=product.sku),
            {"awaiting": "lot", **pending},
        )
    if (
        found.lot_code
        and product.expiry_tracked
        and not found.expiry
        and _lacks_expiry(product, found.lot_code)
    ):
        return _ask_expiry(product, found.lot_code, pending)
    return _add(receipt, product, units, found.lot_code, found.expiry, actor_id, lot_ignored)


def _ask_expiry(product, lot_code, pending) -> Step:
    return Step.warn(
        msg("Type the expiry date of lot {lot} (YYYY-MM-DD).", lot=lot_code),
        {"awaiting": "expiry", "lot": lot_code, **pending},
    )


def _lot_given(receipt, state, value, actor_id) -> Step:
    product, expiry = _pending(state), None
    if scans.looks_like_gs1(value):  # a GS1 label: take its (10) lot
        label = scans.resolve(value, location_id=receipt.location_id, expect="product")
        if not label.lot_code:
            return Step.error(msg("That label has no lot. Scan the lot barcode."), state)
        value, expiry = label.lot_code, label.expiry
    elif scans.find_product(value) or scans.find_bin(value, receipt.location_id):
        return Step.error(
            msg(
                "{value} is a product or bin code, not a lot. Scan the lot of {sku}.",
                value=value,
                sku=product.sku,
            ),
            state,
        )
    if len(value) > 64:
        return Step.error(msg("A lot code is at most 64 characters."), state)
    if expiry is None and product.expiry_tracked and _lacks_expiry(product, value):
        return _ask_expiry(product, value, {"product": product.id, "units": state.get("units", 1)})
    return _add(receipt, product, state.get("units", 1), value, expiry, actor_id)


def _expiry_given(receipt, state, value, actor_id) -> Step:
    product = _pending(state)
    expiry = parse_expiry(value)
    if expiry is None:
        return Step.error(
            msg("{value} is not a date. Type it as YYYY-MM-DD, e.g. 2027-03-31.", value=value), state
        )
    return _add(receipt, product, state.get("units", 1), state.get("lot"), expiry, actor_id)


def _pending(state) -> Product:
    """The item whose lot or expiry the operator is answering for."""
    product = db.session.get(Product, state.get("product") or 0)
    if product is None:  # removed meanwhile: start over with the next item
        gone = UnknownScan(msg("That item is no longer in the catalog. Scan the next item."))
        raise dialogues.Refused(gone, dict(ITEM))
    return product


def _lacks_expiry(product, lot_code) -> bool:
    lot = lots.existing(product, lot_code)
    return lot is None or lot.expiry_date is None


def _add(receipt, product, qty, lot_code, expiry, actor_id, lot_ignored=False) -> Step:
    try:
        line = receiving.add(
            receipt.id, product, qty=qty, lot_code=lot_code, expiry=expiry, actor_id=actor_id
        )
    except DomainError as e:  # forget the refused item: a number typed next is not its count
        raise dialogues.Refused(e, dict(ITEM)) from e
    after = {**ITEM, "line": line.id}
    said = dict(qty=qty, sku=product.sku, total=line.qty)
    if lot_ignored:  # the label's lot was dropped: only a product that is not lot-tracked
        return Step.warn(
            msg("+{qty} {sku}: now {total}. (lot on the label ignored: not lot-tracked)", **said), after
        )
    if not lot_code:
        return Step.ok(msg("+{qty} {sku}: now {total}.", **said), after)
    expiry_date = line.lot.expiry_date
    if expiry_date and expiry_date < clock.utcnow().date():
        return Step.warn(
            msg(
                "+{qty} {sku} lot {lot}: now {total}. Lot {lot} expired on {expired}: "
                "set it aside and tell a supervisor.",
                lot=line.lot.code,
                expired=expiry_date.isoformat(),  # as the operator types dates here
                **said,
            ),
            after,
        )
    return Step.ok(msg("+{qty} {sku} lot {lot}: now {total}.", lot=line.lot.code, **said), after)


def parse_expiry(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%y%m%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def skip(receipt_id: int, *, actor_id: int, key: str | None = None) -> Step:
    """ "Skip this item" while the screen asks for a lot or an expiry date the operator
    cannot give: nothing is counted for it, and the screen waits for an item again. `key`
    (minted with the page) makes a double tap one press."""
    receipt = receiving.header(receipt_id)

    def act(state: dict) -> Step:
        product = db.session.get(Product, state.get("product") or 0)
        if state.get("awaiting", "item") == "item" or product is None:
            return Step.ok(msg("Nothing to skip. Scan an item."), dict(ITEM))
        return Step.warn(
            msg(
                "Skipped {sku}: nothing counted for it. Set it aside and scan the next item.", sku=product.sku
            ),
            dict(ITEM),
        )

    return dialogues.press(
        SCREEN, receipt.id, act, actor_id=actor_id, key=key, name="receiving.skip_item", request=[receipt.id]
    )


# The screen's scan(id, value, *, actor_id, scan_id, seq) and state(id, actor_id): one
# command per scan through warehouse/core/dialogues.py.
_screen = dialogues.Screen(SCREEN, receiving.header, _interpret, fresh=ITEM)
scan, state = _screen.scan, _screen.state
