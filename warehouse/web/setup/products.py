"""Product pages: the list (search, pages), new, edit (fields, barcodes, active), delete
(only a product that never held stock)."""

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.catalog import products as catalog_products
from warehouse.catalog.products import ProductSpec
from warehouse.core.errors import DomainError
from warehouse.setup import products
from warehouse.web.statuses import http_status

from ..htmx import redirect_for_htmx, render
from ..security import requires
from . import bp
from .forms import ProductForm, SearchForm

PAGE_SIZE = 50


@bp.get("/products")
@requires(Role.ADMIN)
def products_list():
    form = SearchForm(request.args)
    if not form.validate():
        form.q.data, form.page.data = "", 1
    page = catalog_products.page(form.q.data or "", number=form.page.data or 1, size=PAGE_SIZE)
    return render(
        "setup/products.html", "setup/_product_rows.html", form=form, page=page, number=form.page.data or 1
    )


@bp.route("/products/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def product_new():
    return _edit(None)


@bp.route("/products/<path:sku>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def product_edit(sku):
    product = catalog_products.by_sku(sku)
    if product is None:
        abort(404)
    return _edit(product)


def _edit(product):
    form = ProductForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        if product is not None:
            form.fill(product)
        return _form_page(form, product)
    if not form.validate_on_submit():
        return _form_page(form, product, 422, ("error", _("Nothing was saved. Fix the marked fields.")))
    try:
        saved = products.save(
            _spec(form),
            product_id=product.id if product else None,
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _form_page(form, product, http_status(refusal), ("error", refusal.message))
    target = url_for("setup.product_edit", sku=saved.sku, saved=1)
    return redirect_for_htmx(target) if request.headers.get("HX-Request") else redirect(target, 303)


def _spec(form: ProductForm) -> ProductSpec:
    return ProductSpec(
        sku=form.sku.data,
        name=form.name.data,
        unit_cost=form.unit_cost.data or "0",
        lot_tracked=form.lot_tracked.data,
        expiry_tracked=form.expiry_tracked.data,
        track_inventory=form.track_inventory.data,
        allow_backorder=form.allow_backorder.data,
        active=form.active.data,
        barcodes=form.parsed_barcodes,
    )


def _form_page(form, product, status=200, outcome=None):
    if outcome is None and request.args.get("saved"):
        outcome = ("ok", _("Saved %(sku)s.", sku=product.sku))
    stock = products.inventory(product) if product is not None else None
    return render(
        "setup/product.html",
        "setup/_product_form.html",
        status=status,
        form=form,
        product=product,
        stock=stock,
        outcome=outcome,
    )


@bp.post("/products/<path:sku>/delete")
@requires(Role.ADMIN)
def product_delete(sku):
    product = catalog_products.by_sku(sku)
    if product is None:
        abort(404)
    try:
        products.delete(product.id)
    except DomainError as refusal:
        form = ProductForm(formdata=None)
        form.fill(product)
        return _form_page(form, product, http_status(refusal), ("error", refusal.message))
    target = url_for("setup.products_list", deleted=sku)
    return redirect_for_htmx(target) if request.headers.get("HX-Request") else redirect(target, 303)
