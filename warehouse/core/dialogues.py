"""The floor's scan dialogues: each scan read in the state the scan before it left.

A floor screen is a small state machine: the count screen waits for a bin, then items;
the receive screen may wait for the lot or the expiry date of the item just scanned; a
quantity typed with `x5` waits for the next item. That state is kept here, per operator,
screen and document (a ScanDialogue row), never echoed back and forth through the page:
the handheld sends scans one at a time in order, and may send a whole queue of them
after a dead spot, long after the page that made them was drawn.

    step = dialogues.apply("count", batch.id, value, interpret, actor_id=..., scan_id=..., seq=...)

`apply` runs one command (warehouse/core/commands.py) keyed by the scan's id: it reads the
dialogue, calls `interpret(state, value) -> Step`, keeps the step's new state and stores
the step as the scan's answer. The same scan sent again (a lost answer retried, a queue
re-sent) gets that stored answer and changes nothing. A refused scan (a DomainError out
of `interpret`) writes nothing, the dialogue included, and is judged afresh if sent again.
The workflows' `interpret` functions live in their own packages (inbound, counts,
transfers); this module knows nothing of receipts or bins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import select

from warehouse.core import clock, commands
from warehouse.core.errors import QuantityOutOfRange
from warehouse.core.extensions import db
from warehouse.core.models import ScanDialogue

MAX_TYPED = 1_000_000  # a typed quantity above this is a slip of the finger
CONFIRM_WITHIN = timedelta(seconds=10)  # "press again to confirm" lasts this long


@dataclass(frozen=True)
class Step:
    """What one scan did: the outcome the operator sees and hears (ok | warn | error), and
    what the screen waits for next."""

    result: str
    message: str
    state: dict = field(default_factory=dict)

    @classmethod
    def ok(cls, message: str, state: dict) -> Step:
        return cls("ok", message, state)

    @classmethod
    def warn(cls, message: str, state: dict) -> Step:
        return cls("warn", message, state)

    @classmethod
    def error(cls, message: str, state: dict) -> Step:
        return cls("error", message, state)


Interpret = Callable[[dict, str], Step]


def apply(
    screen: str,
    document_id: int,
    value: str,
    interpret: Interpret,
    *,
    actor_id: int,
    scan_id: str | None = None,
    seq: int | None = None,
) -> Step:
    """Read one scan in its dialogue's state, once per scan id (see the module docstring)."""

    def work() -> Step:
        dialogue = _dialogue(screen, document_id, actor_id)
        step = interpret(json.loads(dialogue.state or "{}"), value)
        dialogue.state = json.dumps(step.state, sort_keys=True)
        dialogue.last_seq = max(dialogue.last_seq or 0, seq or 0)
        dialogue.updated_at = clock.utcnow()
        db.session.flush()
        return step

    return commands.run(
        f"scan.{screen}",
        work,
        key=f"scan:{scan_id}" if scan_id else None,
        actor_id=actor_id,
        request=[screen, document_id, value],
        remember=asdict,
        recall=lambda stored: Step(**stored),
    )


def change(screen: str, document_id: int, actor_id: int, act: Callable[[dict], Step]) -> Step:
    """Inside a write transaction: run `act(state)` for a button on a scan screen (Bin
    empty, Short) and keep the state it leaves. The caller's command holds the key."""
    dialogue = _dialogue(screen, document_id, actor_id)
    step = act(json.loads(dialogue.state or "{}"))
    dialogue.state = json.dumps(step.state, sort_keys=True)
    dialogue.updated_at = clock.utcnow()
    db.session.flush()
    return step


def state_of(screen: str, document_id: int, actor_id: int) -> dict:
    """What the operator's screen waits for now (empty when they have not scanned yet):
    for drawing the screen."""
    stored = db.session.scalar(
        select(ScanDialogue.state).where(
            ScanDialogue.user_id == actor_id,
            ScanDialogue.screen == screen,
            ScanDialogue.document_id == document_id,
        )
    )
    return json.loads(stored) if stored else {}


def _dialogue(screen: str, document_id: int, actor_id: int) -> ScanDialogue:
    """The operator's dialogue row, locked for this transaction (made on the first scan; two
    first scans racing meet on the unique key and the loser runs again)."""
    dialogue = db.session.scalar(
        select(ScanDialogue)
        .where(
            ScanDialogue.user_id == actor_id,
            ScanDialogue.screen == screen,
            ScanDialogue.document_id == document_id,
        )
        .with_for_update()
    )
    if dialogue is None:
        dialogue = ScanDialogue(user_id=actor_id, screen=screen, document_id=document_id, state="{}")
        db.session.add(dialogue)
        db.session.flush()
    return dialogue


# --- typed quantities --------------------------------------------------------------------

# What an operator types as a quantity: `5` (the item just scanned has 5 in all), `x5` (the
# next item scan counts 5). Codes of 8 or more digits are barcodes (GTIN-8 and up), so only
# shorter numbers, or anything with a sign, a decimal point or an x, read as a quantity.
_TYPED = re.compile(r"(?P<ahead>[xX*]\s*)?(?P<number>[+-]?[0-9]+(?:[.,][0-9]*)?)")
_BARE_DIGITS = 7


@dataclass(frozen=True)
class Typed:
    qty: int
    ahead: bool  # x5: for the next item scanned, not the one before


def typed_quantity(value: str, *, zero_ok: bool = False) -> Typed | None:
    """The quantity `value` types, None when it does not look like one. A quantity that
    cannot be right (negative, zero where zero means nothing, a fraction, too big) is
    refused with a message about the quantity (QuantityOutOfRange), not "unknown code"."""
    match = _TYPED.fullmatch(value.strip())
    if match is None:
        return None
    number, ahead = match["number"], bool(match["ahead"])
    plain_digits = number.isdigit()
    if plain_digits and not ahead and len(number) > _BARE_DIGITS:
        return None  # a barcode, not a quantity
    if not plain_digits and number.lstrip("+").isdigit():
        number = number.lstrip("+")
    elif number.startswith("-"):
        raise QuantityOutOfRange(f"{value} is below zero. Type how many units, e.g. 5.")
    elif not number.isdigit():
        raise QuantityOutOfRange(f"{value} is not a whole number. Count whole units, e.g. 12.")
    qty = int(number)
    least = 0 if zero_ok and not ahead else 1
    if qty < least:
        raise QuantityOutOfRange(f"A quantity of {value} counts nothing. Type {least} or more.")
    if qty > MAX_TYPED:
        raise QuantityOutOfRange(f"{value} is more than {MAX_TYPED:,}. Type a smaller quantity.")
    return Typed(qty, ahead)


# --- "press again to confirm" --------------------------------------------------------------


def armed(what: str) -> dict:
    """State that arms a destructive button (`what` says which and on what) for a few
    seconds: pressing it again, or scanning what it names, within CONFIRM_WITHIN confirms."""
    return {"what": what, "until": (clock.utcnow() + CONFIRM_WITHIN).isoformat()}


def confirms(state: dict, what: str) -> bool:
    """True when `state` holds an arming of `what` that has not run out."""
    arming = state.get("confirm") or {}
    return arming.get("what") == what and clock.utcnow().isoformat() <= arming.get("until", "")
