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
re-sent) gets that stored answer and changes nothing. A refused scan (an error step, or a
DomainError out of `interpret`) writes nothing and is judged afresh if sent again; the
one exception is `Refused`: an item a service refused is forgotten by the dialogue, so
the number typed next is not taken as the count of the item before it.
The workflows' `interpret` functions live in their own packages (inbound, counts,
transfers); this module knows nothing of receipts or bins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from warehouse.core import clock, commands
from warehouse.core.errors import DomainError, QuantityOutOfRange, UnknownScan
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.core.models import ScanDialogue
from warehouse.core.transactions import atomically

MAX_TYPED = 1_000_000  # a typed quantity above this is a slip of the finger
CONFIRM_WITHIN = timedelta(seconds=10)  # "press again to confirm" lasts this long
NOT_BEFORE = timedelta(seconds=1)  # ... and starts this long after the first press


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


@dataclass(frozen=True)
class Screen:
    """A floor screen's dialogue over one kind of document, giving its workflow module
    `scan` and `state`: `header(id)` loads the document (refusing one that cannot be
    worked), `interpret(document, state, value, actor_id)` reads one scan, and `fresh` is
    what a screen nobody has scanned on yet waits for."""

    name: str
    header: Callable[[int], object]
    interpret: Callable[[object, dict, str, int], Step]
    fresh: dict = field(default_factory=dict)

    def scan(
        self,
        document_id: int,
        value: str,
        *,
        actor_id: int,
        scan_id: str | None = None,
        seq: int | None = None,
    ) -> Step:
        document = self.header(document_id)
        return apply(
            self.name,
            document.id,
            value,
            lambda state, value: self.interpret(document, state, value, actor_id),
            actor_id=actor_id,
            scan_id=scan_id,
            seq=seq,
        )

    def state(self, document_id: int, actor_id: int) -> dict:
        return state_of(self.name, document_id, actor_id) or dict(self.fresh)


class Refused(Exception):
    """Raised by a dialogue when a service refuses the item just scanned: `error` goes to
    the operator as any refusal does (nothing written), and the dialogue keeps `state`,
    the state without that item, so a number typed next is not read as the count of the
    item before it."""

    def __init__(self, error: DomainError, state: dict):
        super().__init__(error.message)
        self.error, self.state = error, state


class _Answered(Exception):
    """An error step: rolled back like a refusal (nothing kept, not even the scan's key),
    then answered."""

    def __init__(self, step: Step):
        super().__init__(step.message)
        self.step = step


def apply(
    screen: str,
    document_id: int,
    value: str,
    interpret: Interpret,
    *,
    actor_id: int,
    scan_id: str | None = None,
    seq: int | None = None,
    typed: object = None,
) -> Step:
    """Read one scan in its dialogue's state, once per scan id (see the module docstring).
    `typed` is what the operator typed beside the scan (a put-away's quantity): part of
    what a replay must match."""

    def work() -> Step:
        dialogue = _dialogue(screen, document_id, actor_id)
        step = interpret(_load(dialogue.state), value)
        if step.result == "error":
            raise _Answered(step)
        _keep(dialogue, step.state)
        dialogue.last_seq = max(dialogue.last_seq or 0, seq or 0)
        return step

    try:
        return commands.run(
            f"scan.{screen}",
            work,
            key=f"scan:{scan_id}" if scan_id else None,
            actor_id=actor_id,
            request=[screen, document_id, value, typed],
            remember=_remember,
            recall=_recall,
        )
    except _Answered as answered:
        return answered.step
    except Refused as refused:
        kept = refused.state
        atomically(lambda: _forget(screen, document_id, actor_id, kept))
        raise refused.error from None


def press(
    screen: str,
    document_id: int,
    act: Callable[[dict], Step],
    *,
    actor_id: int,
    key: str | None,
    name: str,
    request: object,
) -> Step:
    """A button on a scan screen (Bin empty, Short, Skip this item): `act(state) -> Step`
    in one command keyed by the key minted with the page (a double tap is one press)."""

    def work() -> Step:
        dialogue = _dialogue(screen, document_id, actor_id)
        step = act(_load(dialogue.state))
        if step.result == "error":
            raise _Answered(step)
        _keep(dialogue, step.state)
        return step

    try:
        return commands.run(
            name,
            work,
            key=key,
            actor_id=actor_id,
            request=request,
            remember=_remember,
            recall=_recall,
        )
    except _Answered as answered:
        return answered.step


def _remember(step: Step) -> dict:
    """A step as a scan's stored answer; a `Message` keeps its template, so a replay is
    said in the language of whoever reads it."""
    stored = asdict(step)
    if isinstance(step.message, Message):
        stored["said"] = step.message.stored()
    return stored


def _recall(stored: dict) -> Step:
    said = stored.pop("said", None)
    step = Step(**stored)
    if said is not None:
        step = Step(step.result, Message.from_stored(said), step.state)
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
    return _load(stored)


def _load(stored: str | None) -> dict:
    """A dialogue's state; anything unreadable (a row from an older version, a hand edit)
    is a fresh start rather than a scan that fails until someone repairs the row."""
    try:
        state = json.loads(stored or "{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def _forget(screen: str, document_id: int, actor_id: int, state: dict) -> None:
    """After a refusal: the dialogue, if there is one, keeps `state` (the refused item
    forgotten). No row is made for it: a first scan refused leaves nothing behind."""
    dialogue = _locked(screen, document_id, actor_id)
    if dialogue is not None:
        _keep(dialogue, state)


def _keep(dialogue: ScanDialogue, state: dict) -> None:
    stored = json.dumps(state, sort_keys=True)
    if stored != dialogue.state:
        dialogue.state, dialogue.updated_at = stored, clock.utcnow()
    db.session.flush()


def forget_item(state: dict) -> dict:
    """The state without the item scanned last (its line, product and lot); the bin and a
    quantity typed for the next item stay."""
    return {k: v for k, v in state.items() if k not in ("product", "line", "lot", "units", "confirm")}


def _dialogue(screen: str, document_id: int, actor_id: int) -> ScanDialogue:
    """The operator's dialogue row, locked for this transaction (made on the first scan; two
    first scans racing meet on the unique key and the loser runs again)."""
    dialogue = _locked(screen, document_id, actor_id)
    if dialogue is None:
        dialogue = ScanDialogue(user_id=actor_id, screen=screen, document_id=document_id, state="{}")
        db.session.add(dialogue)
        db.session.flush()
    return dialogue


def _locked(screen: str, document_id: int, actor_id: int) -> ScanDialogue | None:
    return db.session.scalar(
        select(ScanDialogue)
        .where(
            ScanDialogue.user_id == actor_id,
            ScanDialogue.screen == screen,
            ScanDialogue.document_id == document_id,
        )
        .with_for_update()
    )


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


def code_or_quantity(value: str, resolve: Callable[[str], object], *, zero_ok: bool = False):
    """What a scan is: `(found, None)` when `resolve` knows the code, else `(None, typed)`
    when it types a quantity (`12` after an item, `x5` before one); UnknownScan when it is
    neither."""
    try:
        return resolve(value), None
    except UnknownScan:
        typed = typed_quantity(value, zero_ok=zero_ok)
        if typed is None:
            raise
        return None, typed


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
        raise QuantityOutOfRange(msg("{value} is below zero. Type how many units, e.g. 5.", value=value))
    elif re.fullmatch(r"[0-9]{1,3},[0-9]{3}", number):  # 1,000: a thousands separator
        raise QuantityOutOfRange(
            msg("Type {value} as digits only: {digits}.", value=value, digits=number.replace(",", ""))
        )
    elif not number.isdigit():
        raise QuantityOutOfRange(
            msg("{value} is not a whole number. Count whole units, e.g. 12.", value=value)
        )
    qty = int(number)
    least = 0 if zero_ok and not ahead else 1
    if qty < least:
        raise QuantityOutOfRange(
            msg("A quantity of {value} counts nothing. Type {least} or more.", value=value, least=least)
        )
    if qty > MAX_TYPED:
        raise QuantityOutOfRange(
            msg("{value} is more than {most:,}. Type a smaller quantity.", value=value, most=MAX_TYPED)
        )
    return Typed(qty, ahead)


# --- "press again to confirm" --------------------------------------------------------------


def _arming(state: dict) -> dict:
    arming = state.get("confirm")
    return arming if isinstance(arming, dict) else {}


def armed(what: str) -> dict:
    """State that arms a destructive button (`what` says which and on what) for a few
    seconds: pressing it again, or scanning what it names, confirms, from NOT_BEFORE after
    the first press (a double tap's second touch lands sooner) to CONFIRM_WITHIN."""
    now = clock.utcnow()
    return {"what": what, "since": now.isoformat(), "until": (now + CONFIRM_WITHIN).isoformat()}


def confirms(state: dict, what: str) -> bool:
    """True when `state` holds an arming of `what` that is ready and has not run out."""
    arming = _arming(state)
    if arming.get("what") != what:
        return False
    try:
        since, until = datetime.fromisoformat(arming["since"]), datetime.fromisoformat(arming["until"])
    except (KeyError, TypeError, ValueError):
        return False
    return since + NOT_BEFORE <= clock.utcnow() <= until


def armed_now(state: dict) -> str | None:
    """What is armed and not run out (for drawing the confirming button), else None."""
    arming = _arming(state)
    try:
        until = datetime.fromisoformat(arming["until"])
    except (KeyError, TypeError, ValueError):
        return None
    return arming.get("what") if clock.utcnow() <= until else None


def ran_out(state: dict, what: str) -> bool:
    """True when `what` was armed and its time ran out unconfirmed."""
    arming = _arming(state)
    return arming.get("what") == what and armed_now(state) is None
