"""The webhook admin page (admins only): add a subscription (its secret is shown once,
here), deactivate, queue a test event, and see recent deliveries with every attempt.
htmx swaps the page's one region; a plain post gets the whole page."""

from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.core.errors import DomainError
from warehouse.integrations import webhooks
from warehouse.web.statuses import http_status

from ..context import settings
from ..htmx import render
from ..keyed import KeyedForm, new_key
from ..security import requires
from . import bp
from .forms import SubscriptionForm

ID = "int(max=2147483647)"


@bp.get("")
@requires(Role.ADMIN)
def index():
    return _page(SubscriptionForm(formdata=None))


@bp.post("")
@requires(Role.ADMIN)
def add():
    form = SubscriptionForm()
    if not form.validate_on_submit():
        return _page(form, 422, ("error", _("Nothing was added. Fix the marked fields.")))
    try:
        subscription = webhooks.subscribe(
            form.url.data,
            form.event_types.data or "*",
            actor_id=current_user.id,
            allow_private=settings().webhook_allow_private_addresses,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _page(form, http_status(refusal), ("error", refusal.message))
    return _page(
        SubscriptionForm(formdata=None),
        200,
        (
            "ok",
            _(
                "Added %(url)s. Copy its secret now: verify X-Warehouse-Signature with it.",
                url=subscription.url,
            ),
        ),
        secret=subscription.secret,
    )


@bp.post(f"/<{ID}:id>/deactivate")
@requires(Role.ADMIN)
def deactivate(id):
    return _act(webhooks.deactivate, id, _("Deactivated: nothing more is sent there."))


@bp.post(f"/<{ID}:id>/test")
@requires(Role.ADMIN)
def send_test(id):
    return _act(
        webhooks.send_test,
        id,
        _("Test event queued: the next `flask deliver-webhooks` pass sends it."),
        key=_button_key(),
    )


def _button_key() -> str | None:
    """The key a row's button carries (templates/webhooks/_admin.html), if it is a sane one."""
    form = KeyedForm()
    return form.key.data if form.validate() else None


def _act(service, id, done: str, **keyed):
    webhooks.get(id)  # 404 for an unknown subscription
    try:
        service(id, actor_id=current_user.id, **keyed)
    except DomainError as refusal:
        return _page(SubscriptionForm(formdata=None), http_status(refusal), ("error", refusal.message))
    return _page(SubscriptionForm(formdata=None), 200, ("ok", done))


def _page(form, status: int = 200, outcome=None, secret: str | None = None):
    return render(
        "webhooks/index.html",
        "webhooks/_admin.html",
        status=status,
        form=form,
        outcome=outcome,
        secret=secret,
        subscriptions=webhooks.subscriptions(),
        deliveries=webhooks.recent_deliveries(limit=30),
        waiting=webhooks.undispatched_count(),
        new_key=new_key,
    )
