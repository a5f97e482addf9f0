"""Floor home (big buttons, the operator's location) and Look up."""

from flask import redirect, request, url_for
from flask_login import current_user

from warehouse import accounts, counts
from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.core.errors import DomainError
from warehouse.ledger import stock
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from ..stock.blind import blindfold_for
from . import bp
from .forms import LocationForm, ScanForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .transfers import opened_slip


@bp.get("/")
@requires(Role.OPERATOR)
def home():
    form = LocationForm()
    form.location.choices = [
        (loc.id, f"{loc.name} ({loc.code})") for loc in locations.places(warehouses_first=True)
    ]
    return render("floor/home.html", "floor/home.html", form=form)


@bp.post("/location")
@requires(Role.OPERATOR)
def choose_location():
    form = LocationForm()
    form.location.choices = [(loc.id, loc.code) for loc in locations.places(warehouses_first=True)]
    if form.validate_on_submit():
        accounts.set_location(current_user, form.location.data)
    return redirect(url_for("floor.home"))


@bp.route("/lookup", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def lookup():
    if (redirect_ := needs_location()) is not None:
        return redirect_
    form = ScanForm()
    found, outcome, status = None, None, 200
    if request.method == "POST" and (opened := opened_slip(form.scan.data)) is not None:
        return opened
    if request.method == "POST" and form.validate_on_submit():
        try:
            scanned = resolve(form.scan.data, location_id=current_user.location_id)
            found = _describe(scanned, blindfold_for(current_user.role))
            outcome = Outcome.ok(found["title"])
        except DomainError as e:
            outcome, status = Outcome.error(e.message), http_status(e)
    elif request.method == "POST":
        outcome, status = Outcome.from_form(form, "Scan again."), 422
    return render(
        "floor/lookup.html", "floor/_lookup_step.html", status=status, form=form, found=found, outcome=outcome
    )


def _describe(scan, blindfold):
    """What Look up shows of a scan. Behind a blindfold, a bin being counted shows what is
    in it but not how many, and a product's bins being counted show no figures."""
    if scan.kind == "product":
        item = stock.sku_stock(scan.product.sku, withheld_bins=blindfold.bins)
        return {
            "kind": "product",
            "title": f"{scan.product.sku}: {scan.product.name}",
            "item": item,
            "scan": scan,
            "blindfold": blindfold,
        }
    if scan.kind == "bin":
        withheld = blindfold.hides(scan.bin.id)
        return {
            "kind": "bin",
            "title": f"Bin {scan.bin.code} ({scan.bin.location.code}, {scan.bin.kind.value})"
            + (f": {counts.BEING_COUNTED}" if blindfold.notes(scan.bin.id) else ""),
            "bin": scan.bin,
            "withheld": withheld,
            "blindfold": blindfold,
            "contents": stock.bin_contents(scan.bin.id),
        }
    if scan.kind == "transfer":
        t = scan.transfer
        return {
            "kind": "transfer",
            "scan": scan,
            "title": f"Transfer {t.number}: {t.status.value.replace('_', ' ')}, "
            f"{t.from_location.code} to {t.to_location.code}",
        }
    return {"kind": scan.kind, "title": f"Pallet SSCC {scan.sscc}", "scan": scan}
