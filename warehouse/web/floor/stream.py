"""The scan screens' one door: a scan from the handheld's ordered stream, answered.

Every floor screen posts its scans here the same way: the code, the scan's id and
sequence number, and the operator the handheld queued it under. The screen's dialogue
(in its workflow package) reads the scan in the state the one before left and is
applied once per scan id; this module turns its step (or its refusal) into the outcome
the screen shows and the status the handheld reads.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_login import current_user

from warehouse.core.dialogues import Step
from warehouse.core.errors import DomainError
from warehouse.web.statuses import http_status

from .forms import StreamScanForm
from .outcome import Outcome

__all__ = ["StreamScanForm", "answer"]


Apply = Callable[[str, str | None, int | None], Step]


def answer(
    form: StreamScanForm, apply: Apply, *, empty: str, warn_on: tuple[type[DomainError], ...] = ()
) -> tuple[Outcome, int]:
    """Apply the posted scan with `apply(value, scan_id, seq)`: the outcome to show and its
    status (200 ok or warn; 4xx refused, and nothing was written). `empty` is the prompt
    when nothing was scanned; a refusal of a kind in `warn_on` is a warning (status 200):
    nothing to do, e.g. the task was already done."""
    if not form.validate_on_submit():
        return Outcome.from_form(form, _("Reload the page and scan again.")), 422
    if form.operator.data is not None and form.operator.data != current_user.id:
        return Outcome.error(_("This scan was made under another sign-in and was not applied.")), 409
    if not form.scan.data:
        return Outcome.error(empty), 422
    try:
        step = apply(form.scan.data, form.scan_id.data or None, form.seq.data)
    except warn_on as e:
        return Outcome.warn(e.message), 200
    except DomainError as e:
        return Outcome.error(e.message), http_status(e)
    return Outcome(step.result, step.message), 422 if step.result == "error" else 200
