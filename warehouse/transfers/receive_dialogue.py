"""The transfer-receive screen's dialogue: what one scan means while counting a transfer
in at its destination.

    step = receive_dialogue.scan(transfer_id, "BOLT-M8", actor_id=..., scan_id=..., seq=...)

Each item scan counts its units in (`x5` first makes it count 5); a number typed after an
item makes that item's received total the number, once. Counting more than was shipped
is allowed (it happens) but warns at the scan, with the warning tone. Each scan is
applied once per scan id; the state lives on the server per operator and transfer
(warehouse/core/dialogues.py).
"""

from __future__ import annotations

from warehouse.catalog import scan as scans
from warehouse.core import dialogues
from warehouse.core.dialogues import Step
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.transfers import queries, receiving
from warehouse.transfers.models import TransferLine

SCREEN = "transfer_receive"


def _interpret(transfer, state: dict, value: str, actor_id: int) -> Step:
    found, typed = dialogues.code_or_quantity(
        value, lambda code: scans.resolve(code, location_id=transfer.to_location_id, expect="product")
    )
    if typed:
        return _typed(transfer, state, typed, actor_id)
    if found.kind != "product":
        return Step.error(msg("That is not an item. Scan the item."), state)
    qty = found.units(state.get("ahead"))
    try:
        line = receiving.count_received(transfer.id, found.product, qty, actor_id=actor_id)
    except DomainError as e:  # forget the refused item: a number typed next is not its count
        raise dialogues.Refused(e, dialogues.forget_item(state)) from e
    return _counted(qty, line, {"line": line.id})


def _typed(transfer, state, typed, actor_id) -> Step:
    if typed.ahead:
        return Step.ok(msg("Next item counts {qty}. Scan it.", qty=typed.qty), {"ahead": typed.qty})
    line = db.session.get(TransferLine, state.get("line") or 0)
    if line is None or line.transfer_id != transfer.id:
        return Step.error(
            msg("Scan the item first, then type how many arrived (or type x5, then scan it)."), state
        )
    before = line.qty_received
    line = receiving.receive_to_total(transfer.id, line.id, typed.qty, actor_id=actor_id)
    if line.qty_received == before:
        return Step.ok(
            msg("{sku}: {received} counted.", sku=line.product.sku, received=line.qty_received), {}
        )
    return _counted(line.qty_received - before, line, {})  # the number applies once


def _counted(qty: int, line: TransferLine, after: dict) -> Step:
    said = dict(qty=qty, sku=line.product.sku, received=line.qty_received, shipped=line.qty_picked)
    if not line.qty_picked:
        return Step.warn(
            msg(
                "+{qty} {sku}: {received} received, none was shipped. Set it aside and "
                "say why on its line (over shipped).",
                **said,
            ),
            after,
        )
    if line.qty_received > line.qty_picked:
        return Step.warn(
            msg(
                "+{qty} {sku}: {received} received, only {shipped} shipped. "
                "Check the count; if it is right, say why on its line.",
                **said,
            ),
            after,
        )
    return Step.ok(msg("+{qty} {sku}: {received} of {shipped} shipped.", **said), after)


# The screen's scan(id, value, *, actor_id, scan_id, seq) and state(id, actor_id): one
# command per scan through warehouse/core/dialogues.py.
_screen = dialogues.Screen(SCREEN, queries.header, _interpret)
scan, state = _screen.scan, _screen.state
