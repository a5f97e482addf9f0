"""The count screen's dialogue: bin by bin, what one scan means (blind: no answer ever
says what the ledger expects).

    step = count_dialogue.scan(batch_id, "A-01-01", actor_id=..., scan_id=..., seq=...)

The screen waits for a bin; then for its items: each item scan adds its units (`x5`
first makes it add 5), a number typed after an item sets that item's count in the bin,
once. "Bin empty" (`empty`) asks first, saying what it will do, and acts on a second
press or a scan of the same bin within a few seconds. Each scan is applied once per scan
id; the state lives on the server per counter and batch (warehouse/core/dialogues.py).
"""

from __future__ import annotations

from sqlalchemy import func, select

from warehouse.catalog import scan as scans
from warehouse.catalog.models import Bin, Product
from warehouse.core import dialogues
from warehouse.core.dialogues import Step
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts import batches, counting
from warehouse.counts.models import CountLine, CountLineStatus, CountStatus

SCREEN = "count"


def _interpret(batch, state: dict, value: str, actor_id: int) -> Step:
    found, typed = dialogues.code_or_quantity(
        value, lambda code: scans.resolve(code, location_id=batch.location_id), zero_ok=True
    )
    if typed:
        return _typed(batch, state, typed, actor_id)
    if found.kind == "bin":
        return _bin(batch, state, found.bin, actor_id)
    if found.kind != "product":
        return Step.error(msg("Scan a bin label or an item."), state)
    bin = _current_bin(state)
    if bin is None:
        return Step.error(msg("Scan the bin first, then its items."), state)
    units = found.units(state.get("ahead"))
    after = {"bin": bin.id, "product": found.product.id, "lot": found.lot_code or ""}
    return _record(batch, bin, found.product, after, actor_id, add=units)


def _bin(batch, state, bin: Bin, actor_id) -> Step:
    if dialogues.confirms(state, f"empty:{bin.id}"):  # the confirming scan of "Bin empty"
        return _empty_now(batch, bin, actor_id)
    if dialogues.ran_out(state, f"empty:{bin.id}"):  # a late confirming scan must not look like one
        return Step.warn(
            msg(
                "Bin empty for {bin} was not confirmed in time: nothing was set to 0. "
                "Press Bin empty again, or scan its items.",
                bin=bin.code,
            ),
            {"bin": bin.id},
        )
    if batch.status not in (CountStatus.OPEN, CountStatus.COUNTING):
        return Step.error(counting.counting_closed(batch), state)
    if bin.location_id != batch.location_id:
        return Step.error(counting.not_here(batch, bin), state)
    return Step.ok(msg("Bin {bin}: scan each item, or press Bin empty.", bin=bin.code), {"bin": bin.id})


def _typed(batch, state, typed, actor_id) -> Step:
    bin = _current_bin(state)
    if typed.ahead:
        if bin is None:
            return Step.error(msg("Scan the bin first, then type x5 and scan the item."), state)
        return Step.ok(
            msg("Next item counts {qty}. Scan it.", qty=typed.qty), {"bin": bin.id, "ahead": typed.qty}
        )
    product = db.session.get(Product, state.get("product") or 0)
    if bin is None or product is None:
        return Step.error(
            msg("Scan an item first, then type its count.")
            if bin
            else msg("Scan the bin first, then its items."),
            state,
        )
    # The count applies to the item it follows, once: another number needs another item.
    return _record(batch, bin, product, {"bin": bin.id}, actor_id, set_to=typed.qty, lot=state.get("lot"))


def _record(batch, bin, product, after, actor_id, *, add=None, set_to=None, lot=None) -> Step:
    lot_code = (lot or after.get("lot")) or None
    try:
        line = counting.record(
            batch.id, bin, product, add=add, set_to=set_to, lot_code=lot_code, actor_id=actor_id
        )
    except DomainError as e:  # forget the refused item: a number typed next is not its count
        raise dialogues.Refused(e, {"bin": bin.id}) from e
    return Step.ok(_recorded(line, product, bin, add=None if set_to is not None else add), after)


def _recorded(line, product, bin, *, add) -> str:
    """What a count scan did, as one whole sentence for each case: added to (`add`) or
    set, with or without a lot, expected in the bin or found there."""
    said = dict(add=add, sku=product.sku, lot=line.lot.code, bin=bin.code, counted=line.counted_qty)
    found = line.unexpected  # not expected here: recorded as found
    if add is None and not line.lot.code:
        if found:
            return msg("Counted {sku} in {bin}: {counted}. (not expected here: recorded as found)", **said)
        return msg("Counted {sku} in {bin}: {counted}.", **said)
    if add is None:
        if found:
            return msg(
                "Counted {sku} lot {lot} in {bin}: {counted}. (not expected here: recorded as found)", **said
            )
        return msg("Counted {sku} lot {lot} in {bin}: {counted}.", **said)
    if not line.lot.code:
        if found:
            return msg("+{add} {sku} in {bin}: {counted}. (not expected here: recorded as found)", **said)
        return msg("+{add} {sku} in {bin}: {counted}.", **said)
    if found:
        return msg(
            "+{add} {sku} lot {lot} in {bin}: {counted}. (not expected here: recorded as found)", **said
        )
    return msg("+{add} {sku} lot {lot} in {bin}: {counted}.", **said)


def _current_bin(state) -> Bin | None:
    return db.session.get(Bin, state["bin"]) if state.get("bin") else None


# --- "Bin empty": asks, then acts ---------------------------------------------------------


def empty(batch_id: int, *, actor_id: int, key: str | None = None) -> Step:
    """The Bin empty button. The first press says what it will do and arms it; a second
    press (or a scan of the bin) within a few seconds, but not at once (that is a double
    tap), counts every line of the bin not counted yet as 0. `key` (minted with the page)
    makes a resent press one press."""
    batch = batches.header(batch_id)

    def act(state: dict) -> Step:
        bin = _current_bin(state)
        if bin is None:
            return Step.error(msg("Scan the bin first, then press Bin empty."), state)
        what = f"empty:{bin.id}"
        if dialogues.confirms(state, what):
            return _empty_now(batch, bin, actor_id)
        pending, counted = _lines_in(batch.id, bin.id)
        armed = (
            state if dialogues.armed_now(state) == what else {"bin": bin.id, "confirm": dialogues.armed(what)}
        )
        if counted:
            return Step.warn(
                msg(
                    "{pending} line(s) not counted yet in {bin} will be counted as 0. "
                    "{counted} already counted there stay as counted. "
                    "Press Bin empty again, or scan {bin}, to confirm.",
                    pending=pending,
                    counted=counted,
                    bin=bin.code,
                ),
                armed,
            )
        return Step.warn(
            msg(
                "{pending} line(s) not counted yet in {bin} will be counted as 0. "
                "Press Bin empty again, or scan {bin}, to confirm.",
                pending=pending,
                bin=bin.code,
            ),
            armed,
        )

    return dialogues.press(
        SCREEN, batch.id, act, actor_id=actor_id, key=key, name="counts.bin_empty_pressed", request=[batch.id]
    )


def _empty_now(batch, bin, actor_id) -> Step:
    zeroed = counting.bin_empty(batch.id, bin, actor_id=actor_id)
    return Step.ok(
        msg("{bin} counted as empty ({zeroed} line(s) set to 0).", bin=bin.code, zeroed=len(zeroed)),
        {"bin": bin.id},
    )


def _lines_in(batch_id: int, bin_id: int) -> tuple[int, int]:
    """(not counted yet, counted) lines of the bin in the batch: one grouped count."""
    by_status = dict(
        db.session.execute(
            select(CountLine.status, func.count())
            .where(CountLine.batch_id == batch_id, CountLine.bin_id == bin_id)
            .group_by(CountLine.status)
        ).all()
    )
    return by_status.get(CountLineStatus.PENDING, 0), by_status.get(CountLineStatus.COUNTED, 0)


# The screen's scan(id, value, *, actor_id, scan_id, seq) and state(id, actor_id): one
# command per scan through warehouse/core/dialogues.py.
_screen = dialogues.Screen(SCREEN, batches.header, _interpret)
scan, state = _screen.scan, _screen.state
