"""The put-away task screen's dialogue: the scan of the bin the goods went into.

    step = putaway_dialogue.scan(task_id, "A-01-01", qty=3, reason=None, actor_id=..., scan_id=...)

There is nothing to wait for on this screen: the one scan confirms the task (with the
quantity and the reason for another bin typed beside it). It still goes through the
dialogues' command (warehouse/core/dialogues.py) so a scan sent twice, a lost answer
retried or a queue re-sent after a dead spot, gets its first answer back instead of
"already put away". `state["done"]` tells the screen the task is finished.
"""

from __future__ import annotations

from warehouse.catalog import scan as scans
from warehouse.core import dialogues
from warehouse.core.dialogues import Step
from warehouse.core.i18n import msg
from warehouse.inbound import putaway
from warehouse.inbound.models import PutawayReason

SCREEN = "putaway"


def scan(
    task_id: int,
    value: str,
    *,
    qty: int | None,
    reason: PutawayReason | None,
    actor_id: int,
    scan_id: str | None = None,
    seq: int | None = None,
) -> Step:
    task = putaway.get(task_id)

    def interpret(state: dict, value: str) -> Step:
        found = scans.resolve(value, location_id=task.location_id, expect="bin")
        if found.kind != "bin":
            return Step.error(msg("That is not a bin. Scan the bin label."), state)
        done = putaway.confirm(task.id, found.bin, qty=qty, reason=reason, actor_id=actor_id)
        said = dict(qty=done.task.qty, sku=done.task.product.sku, bin=done.task.to_bin.code)
        if done.rest:
            return Step.ok(
                msg("Put away {qty} {sku} in {bin}. {left} left on a new task.", left=done.rest.qty, **said),
                {"done": True},
            )
        return Step.ok(msg("Put away {qty} {sku} in {bin}.", **said), {"done": True})

    typed = [qty, reason.value if reason else None]  # a replay must match them too
    return dialogues.apply(
        SCREEN, task.id, value, interpret, actor_id=actor_id, scan_id=scan_id, seq=seq, typed=typed
    )
