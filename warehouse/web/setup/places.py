"""Locations and bins: the list, a new location (with its receiving and default bins),
its page with bins (search, pages), bins added one by one or by range, a bin or a
location deactivated (refused while it holds stock) or made active again."""

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, LocationType
from warehouse.core import commands
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.setup import places
from warehouse.web.statuses import http_status

from ..htmx import redirect_for_htmx, render
from ..i18n import number
from ..security import requires
from . import bp
from .forms import BinsForm, LocationForm, SearchForm

ID = "int(max=2147483647)"


@bp.route("/locations", methods=["GET", "POST"])
@requires(Role.ADMIN)
def locations_page():
    form = LocationForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _list(form)
    if not form.validate_on_submit():
        return _list(form, 422, ("error", _("Nothing was added. Fix the marked fields.")))
    try:
        location = commands.run(
            "location.create",
            lambda: locations.create(
                form.code.data.strip(),
                form.name.data.strip(),
                LocationType(form.type.data),
                coordinates=form.coordinates(),
            ),
            key=form.key.data or None,
            actor_id=current_user.id,
            request=[form.code.data, form.name.data, form.type.data, *form.coordinates()],
            remember=lambda loc: {"code": loc.code},
            recall=lambda stored: locations.by_code(stored["code"]),
        )
    except DomainError as refusal:
        return _list(form, http_status(refusal), ("error", refusal.message))
    return _go(url_for("setup.location", code=location.code, made=1))


def _list(form, status=200, outcome=None):
    rows, counts = locations.every(), locations.bin_counts()
    return render(
        "setup/locations.html",
        "setup/_locations.html",
        counts=counts,
        status=status,
        form=form,
        rows=rows,
        outcome=outcome,
    )


@bp.route("/locations/<code>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def location(code):
    place = locations.by_code(code) or abort(404)
    form = LocationForm(formdata=request.form) if request.method == "POST" else _edit_form(place)
    if request.method == "POST":
        form.code.data = place.code  # the code is printed on labels: it stays
        if not form.validate_on_submit():
            return _location(
                place,
                form,
                BinsForm(formdata=None),
                422,
                ("error", _("Nothing was saved. Fix the marked fields.")),
            )
        try:
            locations.rename(
                place.id, form.name.data, LocationType(form.type.data), coordinates=form.coordinates()
            )
        except DomainError as refusal:
            return _location(
                place, form, BinsForm(formdata=None), http_status(refusal), ("error", refusal.message)
            )
        return _location(
            place, form, BinsForm(formdata=None), 200, ("ok", _("Saved %(code)s.", code=place.code))
        )
    outcome = (
        (
            "ok",
            _(
                "Made %(code)s with a receiving bin (RCV-01) and a default bin. Add its bins below.",
                code=place.code,
            ),
        )
        if request.args.get("made")
        else None
    )
    return _location(place, form, BinsForm(formdata=None), 200, outcome)


def _location(place, form, bins_form, status=200, outcome=None):
    search = SearchForm(request.args)
    if not search.validate():
        search.q.data, search.page.data = "", 1
    page = locations.bins_page(place.id, search.q.data or "", number=search.page.data or 1)
    held = places.units_in_bins([b.id for b in page.rows])
    return render(
        "setup/location.html",
        "setup/_location.html",
        status=status,
        place=place,
        form=form,
        bins_form=bins_form,
        search=search,
        page=page,
        held=held,
        outcome=outcome,
        number=search.page.data or 1,
    )


@bp.post("/locations/<code>/bins")
@requires(Role.ADMIN)
def add_bins(code):
    place = locations.by_code(code) or abort(404)
    form = BinsForm()
    edit = _edit_form(place)
    if not form.validate_on_submit():
        return _location(place, edit, form, 422, ("error", _("No bins were added. Fix the marked fields.")))
    try:
        first, last = form.first.data.strip().upper(), (form.last.data or "").strip().upper()
        codes = locations.bin_range(first, last) if last and last != first else [first]
        made = commands.run(
            "bins.add",
            lambda: len(locations.add_bins(place.id, codes, BinKind(form.kind.data), form.capacity.data)),
            key=form.key.data or None,
            actor_id=current_user.id,
            request=[place.id, codes[0], codes[-1], len(codes), form.kind.data, form.capacity.data],
            remember=lambda n: n,
            recall=lambda n: n,
        )
    except DomainError as refusal:
        return _location(place, edit, form, http_status(refusal), ("error", refusal.message))
    return _location(place, edit, BinsForm(formdata=None), 200, ("ok", _bins_added(made, codes)))


def _bins_added(made: int, codes: list[str]) -> str:
    if made == 1:
        return _("Added 1 bin: %(first)s.", first=codes[0])
    return ngettext(
        "Added %(count)s bin: %(first)s to %(last)s.",
        "Added %(count)s bins: %(first)s to %(last)s.",
        made,
        count=number(made),
        first=codes[0],
        last=codes[-1],
    )


@bp.post(f"/bins/<{ID}:bin_id>/active")
@requires(Role.ADMIN)
def bin_active(bin_id):
    bin = db.session.get(Bin, bin_id) or abort(404)
    return _set_active(
        bin.location, bin.code, lambda wanted: places.set_bin_active(bin.id, wanted), is_bin=True
    )


@bp.post("/locations/<code>/active")
@requires(Role.ADMIN)
def location_active(code):
    place = locations.by_code(code) or abort(404)
    return _set_active(place, place.code, lambda wanted: places.set_location_active(place.id, wanted))


def _set_active(place, code: str, change, *, is_bin: bool = False):
    """Deactivate (or make active again) a bin or a location, from its location's page."""
    wanted = request.form.get("active") == "1"
    try:
        change(wanted)
    except DomainError as refusal:
        outcome, status = ("error", refusal.message), http_status(refusal)
    else:
        outcome, status = ("ok", _now_active(code, wanted, is_bin)), 200
    return _location(place, _edit_form(place), BinsForm(formdata=None), status, outcome)


def _now_active(code: str, active: bool, is_bin: bool) -> str:
    if is_bin:
        return (
            _("Bin %(code)s is active.", code=code) if active else _("Bin %(code)s is inactive.", code=code)
        )
    return _("%(code)s is active.", code=code) if active else _("%(code)s is inactive.", code=code)


def _edit_form(place) -> LocationForm:
    form = LocationForm(formdata=None, obj=place)
    form.type.data = place.type.value
    return form


def _go(target):
    return redirect_for_htmx(target) if request.headers.get("HX-Request") else redirect(target, 303)
