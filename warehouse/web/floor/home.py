"""Floor home (the operator's location, one scan input that opens what is scanned, big
buttons) and Look up."""

import re

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from warehouse import accounts
from warehouse.accounts.models import Role
from warehouse.catalog import locations, lots
from warehouse.catalog.models import Location, LocationType
from warehouse.catalog.scan import COUNT_NUMBER, TRANSFER_NUMBER
from warehouse.core.errors import DomainError, LanguageNotOffered, UnknownScan
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts.blind import blindfold_for
from warehouse.inbound import putaway, receiving
from warehouse.ledger import stock
from warehouse.web.statuses import http_status

from ..htmx import is_htmx, redirect_for_htmx, render
from ..i18n import translate
from ..security import requires
from ..words import word
from . import bp
from .forms import MAX_ID, LanguageForm, LocationForm, ScanForm, StartReceiptForm
from .guards import needs_location
from .outcome import Outcome
from .resolver import resolve
from .transfers import not_here, opened_slip

# What the home scan takes for a PO number: "PO-" and anything, or "PO" and a digit
# ("PO-1", "PO-X5", "PO12345"); never a bare word that merely starts with PO.
PO_NUMBER = re.compile(r"PO-[0-9A-Z][0-9A-Z/_.-]{0,60}|PO[0-9][0-9A-Z/_.-]{0,60}", re.IGNORECASE)
WHAT_TO_SCAN = _l("Scan a transfer slip (TR-), a count sheet (CNT-), a PO number or an item to put away.")


@bp.get("/")
@requires(Role.OPERATOR)
def home():
    return _home_page(None)


@bp.post("/")
@requires(Role.OPERATOR)
def home_scan():
    """Opens what is scanned: a transfer slip or count sheet, the receipt of a PO number
    (started as on Receive), the put-away of an item waiting for it. Anything else
    changes nothing and says what to scan."""
    form = StartReceiptForm()
    if current_user.location_id is None:
        return _home_page(Outcome.error(_("Choose where you are working first.")), 409)
    if not form.validate_on_submit() or not form.scan.data:
        return _home_page(Outcome.from_form(form, WHAT_TO_SCAN), 422, form)
    if (opened := opened_slip(form.scan.data)) is not None:
        return opened
    try:
        target, refusal = _opens(form.scan.data, form.key.data or None)
    except DomainError as e:
        return _home_page(Outcome.error(e.message), http_status(e), form)
    if refusal is not None:
        return _home_page(refusal, 422, form)
    return redirect_for_htmx(target) if is_htmx() else redirect(target)


def _opens(code: str, key: str | None) -> tuple[str | None, Outcome | None]:
    """Where a home scan leads (a URL), or why it leads nowhere."""
    if TRANSFER_NUMBER.fullmatch(code) or COUNT_NUMBER.fullmatch(code):
        return None, _slip_not_here(resolve(code, location_id=current_user.location_id))
    try:
        scan = resolve(code, location_id=current_user.location_id, expect="product")
    except UnknownScan:
        if not PO_NUMBER.fullmatch(code):
            raise UnknownScan(
                msg(
                    "Unknown code {code}. Scan a transfer slip (TR-), a count sheet (CNT-), a PO number "
                    "or an item to put away.",
                    code=code,
                )
            ) from None
        receipt = receiving.start(
            code, location_id=current_user.location_id, actor_id=current_user.id, key=key
        )
        return url_for("floor.receive_scan", receipt_id=receipt.id), None
    if scan.kind == "bin":
        return None, Outcome.error(
            _(
                "%(bin)s is a bin: to see what is in it, use Look up. Scan a transfer slip (TR-), "
                "a count sheet (CNT-), a PO number or an item to put away.",
                bin=scan.bin.code,
            )
        )
    if scan.kind != "product":
        return None, Outcome.error(
            _(
                "That is a pallet label: to see what is in it, use Look up. Scan a transfer slip (TR-), "
                "a count sheet (CNT-), a PO number or an item to put away."
            )
        )
    lot = lots.existing(scan.product, scan.lot_code) if scan.lot_code else None
    if scan.lot_code and lot is None:
        raise UnknownScan(
            msg(
                "No lot {lot} of {sku} is waiting here. Check the label.",
                lot=scan.lot_code,
                sku=scan.product.sku,
            )
        )
    task = putaway.task_for_item(current_user.location_id, scan.product.id, lot.id if lot else None)
    return url_for("floor.putaway_task", task_id=task.id), None


def _slip_not_here(scan) -> Outcome:
    """A slip or sheet of this organisation that opened nothing: it is not for here, or
    not now. (One of another organisation's is unknown: the resolver said so.)"""
    if scan.kind == "count":
        return Outcome.error(
            _(
                "%(number)s is counted at another location. Choose that location to count it.",
                number=scan.number,
            )
        )
    return not_here(scan.transfer)


def _home_page(outcome, status=200, scan_form=None):
    form = LocationForm()
    form.location.choices = [
        (loc.id, f"{loc.name} ({loc.code})") for loc in locations.places(warehouses_first=True)
    ]
    return render(
        "floor/home.html",
        "floor/_home_step.html",
        status=status,
        form=form,
        scan=scan_form or StartReceiptForm(formdata=None),
        outcome=outcome,
    )


@bp.post("/language")
@requires(Role.OPERATOR)
def choose_language():
    """One tap on the floor home: this user's pages speak that language from now on."""
    form = LanguageForm()
    try:
        if not form.validate_on_submit():
            raise LanguageNotOffered(msg("Choose one of the languages offered."))
        accounts.set_language(current_user, form.language.data)
    except LanguageNotOffered as e:
        flash(translate(e.message), "error")
    return redirect(url_for("floor.home"))


@bp.post("/location")
@requires(Role.OPERATOR)
def choose_location():
    form = LocationForm()
    form.location.choices = [(loc.id, loc.code) for loc in locations.places(warehouses_first=True)]
    if form.validate_on_submit():
        accounts.set_location(current_user, form.location.data)
    else:
        flash(_why_not_here(form), "error")
    return redirect(url_for("floor.home"))


def _why_not_here(form: LocationForm) -> str:
    """Why a location choice was refused, and what to do (stock is worked only at an
    active location that is not transit: catalog.locations.WORKABLE)."""
    chosen_id = form.location.data
    chosen = (
        # a select, not session.get: the organisation's scope applies to it
        db.session.scalar(select(Location).where(Location.id == chosen_id))
        if chosen_id is not None and 0 < chosen_id <= MAX_ID
        else None
    )
    if chosen is None:  # not a number, removed, or another organisation's: none of ours
        return _("That location is not one of this warehouse's. Choose one from the list.")
    if not chosen.active:
        return _(
            "%(name)s (%(code)s) is deactivated: no stock is worked there. "
            "Choose another location, or ask an admin to reactivate it.",
            name=chosen.name,
            code=chosen.code,
        )
    if chosen.type is LocationType.TRANSIT:
        return _(
            "%(code)s is a transit location: goods there are on their way between locations "
            "and are received at the destination. Choose a warehouse or store.",
            code=chosen.code,
        )
    return _("Choose one of the listed locations.")


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
        outcome, status = Outcome.from_form(form, _("Scan again.")), 422
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
            "title": f"{scan.product.sku}: {scan.product.name}",  # values only: nothing to translate
            "item": item,
            "scan": scan,
            "blindfold": blindfold,
        }
    if scan.kind == "bin":
        withheld = blindfold.hides(scan.bin.id)
        return {
            "kind": "bin",
            "title": _bin_title(scan.bin, being_counted=blindfold.notes(scan.bin.id)),
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
            "title": _(
                "Transfer %(number)s: %(status)s, %(origin)s to %(destination)s",
                number=t.number,
                status=word(t.status).lower(),
                origin=t.from_location.code,
                destination=t.to_location.code,
            ),
        }
    return {"kind": scan.kind, "title": _("Pallet SSCC %(sscc)s", sscc=scan.sscc), "scan": scan}


def _bin_title(bin, *, being_counted: bool) -> str:
    """Look up's line for a bin: its code, location and kind (the kind's word)."""
    said = dict(bin=bin.code, location=bin.location.code, kind=word(bin.kind).lower())
    if being_counted:  # counts.BEING_COUNTED, in a whole sentence
        return _("Bin %(bin)s (%(location)s, %(kind)s): being counted", **said)
    return _("Bin %(bin)s (%(location)s, %(kind)s)", **said)
