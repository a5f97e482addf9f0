"""The channel pages. Supervisors: the ATP matrix of a location (filter by SKU or name and
by channel, paged) and one SKU's drill-down (an htmx partial under the matrix, or a page
of its own without scripts). Admins: the setup (add, rename, deactivate channels; set or
remove a channel's rule at a location).

The figures are channel_reads' (the API's `GET /api/inventory/channel-location` reads the
same), so the page and the API agree. A refusal lands in the page as a message with its
status, never a 500.
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.availability import channel_reads, channels
from warehouse.catalog import locations
from warehouse.core.errors import DomainError
from warehouse.ledger import stock
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import number, translate
from ..keyed import new_key
from ..security import requires
from . import bp
from .forms import (
    ChannelForm,
    DrilldownForm,
    MatrixFilterForm,
    NewChannelForm,
    RemoveRuleForm,
    RuleForm,
)

PAGE_SIZE = 50
ID = "int(max=2147483647)"


# --- the matrix and the drill-down (supervisors) ---------------------------------------------


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    places, every = locations.places(), channels.all_channels()
    filters = MatrixFilterForm(request.args, places=places, channels=every)
    found, outcome, status = None, None, 200
    if filters.validate() and places:
        location = locations.require(filters.location.data or places[0].code)
        filters.location.data = location.code
        try:
            found = channel_reads.matrix(
                location,
                search=filters.search.data or None,
                channel_codes=filters.channel.data or None,
                page=filters.page.data or 1,
                limit=PAGE_SIZE,
            )
        except DomainError as refusal:
            outcome, status = ("error", translate(refusal.message)), http_status(refusal)
    return render(
        "channels/index.html",
        "channels/_matrix.html",
        status=status,
        filters=filters,
        found=found,
        outcome=outcome,
        query=_kept(filters),
    )


def _kept(filters: MatrixFilterForm) -> dict:
    """The filters a pager link and a drill-down link keep."""
    return {
        "location": filters.location.data,
        "search": filters.search.data or None,
        "channel": filters.channel.data,
    }


@bp.get("/drilldown")
@requires(Role.SUPERVISOR)
def drilldown():
    form = DrilldownForm(request.args)
    places, product, outcome, status = [], None, None, 200
    if form.validate():
        try:
            product = stock.product_by_code(form.sku.data)
            location = locations.require(form.location.data) if form.location.data else None
            places = channel_reads.drilldown(product, location=location)
        except DomainError as refusal:
            outcome, status = ("error", translate(refusal.message)), http_status(refusal)
    else:
        outcome, status = ("error", _("Name a SKU to drill into (sku=...).")), 422
    return render(
        "channels/drilldown.html",
        "channels/_drilldown.html",
        status=status,
        product=product,
        places=places,
        outcome=outcome,
        back=request.args.get("location"),
    )


# --- setup (admins) -----------------------------------------------------------------------


@bp.get("/setup")
@requires(Role.ADMIN)
def setup():
    return _setup_page()


@bp.post("/setup/new")
@requires(Role.ADMIN)
def create():
    form = NewChannelForm()
    if not form.validate_on_submit():
        return _setup_page(
            status=422, new_form=form, outcome=("error", _("No channel was added. Fix the marked fields."))
        )
    return _write(
        lambda: channels.create(
            form.code.data, form.name.data, actor_id=current_user.id, key=form.key.data or None
        ),
        lambda c: _(
            "Channel %(code)s (%(name)s) added. It sells from nowhere until you set a rule below.",
            code=c.code,
            name=c.name,
        ),
        new_form=form,
    )


@bp.post("/setup/<code>/edit")
@requires(Role.ADMIN)
def edit(code):
    form = ChannelForm()
    if not form.validate_on_submit():
        return _setup_page(
            status=422,
            outcome=("error", _("%(code)s was not changed. %(why)s", code=code, why=_errors(form))),
        )
    return _write(
        lambda: channels.change(
            code,
            name=form.name.data,
            active=form.active.data,
            actor_id=current_user.id,
            key=form.key.data or None,
        ),
        lambda c: (
            _("Channel %(code)s saved: %(name)s, active.", code=c.code, name=c.name)
            if c.active
            else _(
                "Channel %(code)s saved: %(name)s, inactive (it promises nothing).", code=c.code, name=c.name
            )
        ),
    )


@bp.post("/setup/rule")
@requires(Role.ADMIN)
def set_rule():
    form = RuleForm(channels=channels.all_channels(), places=locations.places())
    if not form.validate_on_submit():
        return _setup_page(
            status=422, rule_form=form, outcome=("error", _("No rule was set. %(why)s", why=_errors(form)))
        )
    return _write(
        lambda: channels.set_rule(
            form.channel.data,
            form.location.data,
            can_sell=form.can_sell.data,
            buffer=form.buffer.data or 0,
            share_percent=form.share.data,
            actor_id=current_user.id,
            key=form.key.data or None,
        ),
        _rule_said,
        rule_form=form,
    )


@bp.post(f"/setup/rule/<{ID}:rule_id>/remove")
@requires(Role.ADMIN)
def remove_rule(rule_id):
    form = RemoveRuleForm()
    if not form.validate_on_submit():
        return _setup_page(
            status=422, outcome=("error", _("Nothing was removed. %(why)s", why=_errors(form)))
        )
    return _write(
        lambda: channels.remove_rule(rule_id, actor_id=current_user.id, key=form.key.data or None),
        lambda gone: _(
            "%(channel)s no longer sells from %(location)s: its rule is removed.",
            channel=gone["channel"],
            location=gone["location"],
        ),
    )


def _write(work, said, **forms):
    """Run one setup command; the page again with what happened (or why not)."""
    try:
        done = work()
    except DomainError as refusal:
        return _setup_page(
            status=http_status(refusal), outcome=("error", translate(refusal.message)), **forms
        )
    return _setup_page(outcome=("ok", said(done)))


def _rule_said(rule) -> str:
    """The rule as set, a whole sentence for each way it can read."""
    said = dict(channel=rule.channel.code, location=rule.location.code, buffer=number(rule.buffer))
    if rule.share_percent is None:
        if rule.can_sell:
            return _("%(channel)s sells from %(location)s: buffer %(buffer)s.", **said)
        return _("%(channel)s does not sell from %(location)s: buffer %(buffer)s.", **said)
    said["share"] = rule.share_percent
    if rule.can_sell:
        return _("%(channel)s sells from %(location)s: buffer %(buffer)s, share %(share)s%%.", **said)
    return _("%(channel)s does not sell from %(location)s: buffer %(buffer)s, share %(share)s%%.", **said)


def _errors(form) -> str:
    # str(): a validator's message is a lazy translation, said in the page's language here.
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _setup_page(*, status: int = 200, outcome=None, new_form=None, rule_form=None):
    every, places = channels.all_channels(), locations.places()
    return render(
        "channels/setup.html",
        "channels/_setup.html",
        status=status,
        outcome=outcome,
        channels=every,
        rules=channels.all_rules(),
        new_form=new_form or NewChannelForm(formdata=None),
        rule_form=rule_form or RuleForm(formdata=None, channels=every, places=places),
        new_key=new_key,
    )
