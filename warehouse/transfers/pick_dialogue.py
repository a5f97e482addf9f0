"""The pick screen's dialogue: what one scan means while picking a transfer at its source.

    step = pick_dialogue.scan(transfer_id, "A-01-01", actor_id=..., scan_id=..., seq=...)

The screen waits for a bin, then items from it: each item scan picks its units (`x5`
first makes it pick 5); a number typed after an item makes that item's picked total the
number, once. "Short" (`short`) asks first, saying what it will do, and acts on a second
press within a few seconds. Each scan is applied once per scan id; the state lives on the
server per picker and transfer (warehouse/core/dialogues.py).
"""

from __future__ import annotations

from warehouse.catalog import scan as scans
from warehouse.catalog.models import Bin, Product
from warehouse.core import dialogues
from warehouse.core.dialogues import Step
from warehouse.core.errors import DomainError, NotFound, TransferWrongState
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.transfers import picking, queries
from warehouse.transfers.models import ShortReason, TransferLine, TransferStatus

SCREEN = "pick"


def _interpret(transfer, state: dict, value: str, actor_id: int) -> Step:
    found, typed = dialogues.code_or_quantity(
        value, lambda code: scans.resolve(code, location_id=transfer.from_location_id)
    )
    if typed:
        return _typed(transfer, state, typed, actor_id)
    if found.kind == "bin":
        return _bin(transfer, found.bin)
    if found.kind != "product":
        return Step.error(msg("Scan a bin label or an item."), state)
    bin = _current_bin(transfer, state)
    if bin is None:
        return Step.error(msg("Scan the bin first, then the item."), state)
    qty = found.units(state.get("ahead"))
    try:
        picked = picking.pick(
            transfer.id, bin, found.product, qty, actor_id=actor_id, lot_code=found.lot_code
        )
    except DomainError as e:  # forget the refused item: a number typed next is not its count
        raise dialogues.Refused(e, dialogues.forget_item(state)) from e
    after = {"bin": bin.id, "line": picked.line.id, "lot": found.lot_code or ""}
    return _picked(qty, found.product, bin, picked.line, after)


def _bin(transfer, bin: Bin) -> Step:
    listed = picking.pick_bins(transfer)
    if listed and bin.id not in {b.id for b in listed}:
        return Step.warn(
            msg(
                "Bin {bin} is not on the pick list ({listed}). Scan the item only if you really take it from here.",
                bin=bin.code,
                listed=", ".join(b.code for b in listed),
            ),
            {"bin": bin.id},
        )
    return Step.ok(msg("Bin {bin}. Scan the item.", bin=bin.code), {"bin": bin.id})


def _typed(transfer, state, typed, actor_id) -> Step:
    bin = _current_bin(transfer, state)
    if typed.ahead:
        if bin is None:
            return Step.error(msg("Scan the bin first, then type x5 and scan the item."), state)
        return Step.ok(
            msg("Next item picks {qty}. Scan it.", qty=typed.qty), {"bin": bin.id, "ahead": typed.qty}
        )
    line = db.session.get(TransferLine, state.get("line") or 0)
    if bin is None or line is None or line.transfer_id != transfer.id:
        return Step.error(
            msg("Scan the item first, then type how many you took (or type x5, then scan it)."), state
        )
    before = line.qty_picked
    line = picking.pick_to_total(
        transfer.id, line.id, bin, typed.qty, actor_id=actor_id, lot_code=state.get("lot") or None
    )
    after = {"bin": bin.id}  # the number applies once
    if line.qty_picked == before:
        return Step.ok(
            msg(
                "{sku}: {picked} of {requested} picked.",
                sku=line.product.sku,
                picked=line.qty_picked,
                requested=line.qty_requested,
            ),
            after,
        )
    return _picked(line.qty_picked - before, line.product, bin, line, after)


def _picked(qty: int, product: Product, bin: Bin, line: TransferLine, after: dict) -> Step:
    said = dict(qty=qty, sku=product.sku, bin=bin.code, picked=line.qty_picked, requested=line.qty_requested)
    if line.qty_picked == line.qty_requested:
        return Step.ok(
            msg("Picked {qty} {sku} from {bin}: {picked} of {requested}. Line complete.", **said), after
        )
    return Step.ok(msg("Picked {qty} {sku} from {bin}: {picked} of {requested}.", **said), after)


def _current_bin(transfer, state) -> Bin | None:
    bin = db.session.get(Bin, state["bin"]) if state.get("bin") else None
    return bin if bin is not None and bin.location_id == transfer.from_location_id else None


# --- Short: asks, then acts ---------------------------------------------------------------


def short(
    transfer_id: int, line_id: int, reason: ShortReason, *, actor_id: int, key: str | None = None
) -> Step:
    """The Short button of a line. The first press says what it will do and arms it; a
    second press within a few seconds (not at once: that is a double tap) closes the line
    short and queues a count of its bins. `key` (minted with the page) makes a resent
    press one press."""
    transfer = queries.header(transfer_id)

    def act(state: dict) -> Step:
        if transfer.status is not TransferStatus.APPROVED:
            raise TransferWrongState(msg("{number} is not being picked.", number=transfer.number))
        line = db.session.get(TransferLine, line_id)
        if line is None or line.transfer_id != transfer.id:
            raise NotFound(msg("No such line on this transfer."))
        left = line.qty_requested - line.qty_picked
        if line.short_picked or left <= 0:
            picking.short_pick(transfer.id, line.id, reason, actor_id=actor_id)  # says why not
        what = f"short:{line.id}:{reason.value}"
        calm = {k: v for k, v in state.items() if k != "confirm"}
        if dialogues.confirms(state, what):
            done = picking.short_pick(transfer.id, line.id, reason, actor_id=actor_id)
            return Step.warn(
                msg(
                    "{sku} short: {picked} of {requested}. A count of the bin is queued for the supervisor.",
                    sku=done.product.sku,
                    picked=done.qty_picked,
                    requested=done.qty_requested,
                ),
                calm,
            )
        armed = state if dialogues.armed_now(state) == what else {**calm, "confirm": dialogues.armed(what)}
        return Step.warn(_short_asks(line, left, reason), armed)

    return dialogues.press(
        SCREEN,
        transfer.id,
        act,
        actor_id=actor_id,
        key=key,
        name="transfers.short_pressed",
        request=[transfer.id, line_id, reason.value],
    )


def _short_asks(line: TransferLine, left: int, reason: ShortReason) -> Message:
    """What the first press of Short will do: one whole sentence per reason, for
    translators (the reason is worded inside it)."""
    said = dict(sku=line.product.sku, picked=line.qty_picked, requested=line.qty_requested, left=left)
    if reason is ShortReason.NOT_FOUND:
        return msg(
            "{sku}: {picked} of {requested} picked. The other {left} will be closed short (not found) "
            "and a count of its bins queued. Press Short again to confirm.",
            **said,
        )
    if reason is ShortReason.DAMAGED:
        return msg(
            "{sku}: {picked} of {requested} picked. The other {left} will be closed short (damaged) "
            "and a count of its bins queued. Press Short again to confirm.",
            **said,
        )
    if reason is ShortReason.WRONG_ITEM_IN_BIN:
        return msg(
            "{sku}: {picked} of {requested} picked. The other {left} will be closed short (wrong item in bin) "
            "and a count of its bins queued. Press Short again to confirm.",
            **said,
        )
    return msg(
        "{sku}: {picked} of {requested} picked. The other {left} will be closed short (other) "
        "and a count of its bins queued. Press Short again to confirm.",
        **said,
    )


# The screen's scan(id, value, *, actor_id, scan_id, seq) and state(id, actor_id): one
# command per scan through warehouse/core/dialogues.py.
_screen = dialogues.Screen(SCREEN, queries.header, _interpret)
scan, state = _screen.scan, _screen.state
