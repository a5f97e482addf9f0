"""Labels at stable addresses, for bookmarks and printers:

    /setup/labels/bins.pdf?location=CODE[&from=BIN&to=BIN][&layout=KEY]   (and .zpl?size=4x6|2x1)
    /setup/labels/products.pdf?sku=SKU[&lot=LOT][&layout=KEY]             (and .zpl)

and the page that builds those addresses. A label that would not scan is refused (400,
with what to choose instead), never printed."""

from flask import Response, abort, make_response, request

from warehouse.accounts.models import Role
from warehouse.catalog import locations, lots
from warehouse.catalog import products as catalog_products
from warehouse.catalog.products import looks_like_gtin
from warehouse.paper import labels
from warehouse.web.errors import error_response

from ..htmx import render
from ..i18n import translate
from ..security import requires
from . import bp


@bp.get("/labels")
@requires(Role.ADMIN)
def labels_page():
    return render(
        "setup/labels.html",
        "setup/labels.html",
        places=locations.every(),
        layouts=labels.LAYOUTS,
        sizes=labels.ZPL_SIZES,
        sku=request.args.get("sku", ""),
        location=request.args.get("location", ""),
    )


def _bins():
    place = locations.by_code(request.args.get("location", "")) or abort(404)
    chosen = locations.bins_between(place.id, request.args.get("from"), request.args.get("to"))
    return [labels.BinLabel(code=b.code, barcode=b.barcode, location_code=place.code) for b in chosen], place


def _items():
    product = catalog_products.by_sku(request.args.get("sku", "")) or abort(404)
    each = next((b.code for b in product.barcodes if b.pack_qty == 1 and looks_like_gtin(b.code)), None)
    lot_code = request.args.get("lot", "").strip()
    lot = lots.existing(product, lot_code) if lot_code else None
    if lot_code and lot is None:
        abort(404)
    item = labels.ItemLabel(
        sku=product.sku,
        name=product.name,
        gtin=each,
        lot=lot.code if lot else None,
        expiry=lot.expiry_date if lot else None,
    )
    return [item], product


@bp.get("/labels/bins.pdf")
@requires(Role.ADMIN)
def bin_labels_pdf():
    bins, place = _bins()
    return _file(
        lambda: labels.bin_labels_pdf(bins, request.args.get("layout", labels.DEFAULT_LAYOUT), say=translate),
        "application/pdf",
        f"bins-{place.code}.pdf",
    )


@bp.get("/labels/bins.zpl")
@requires(Role.ADMIN)
def bin_labels_zpl():
    bins, place = _bins()
    return _file(
        lambda: labels.bin_labels_zpl(bins, request.args.get("size", "4x6")),
        "application/zpl",
        f"bins-{place.code}.zpl",
    )


@bp.get("/labels/products.pdf")
@requires(Role.ADMIN)
def product_labels_pdf():
    items, product = _items()
    make = labels.lot_labels_pdf if items[0].lot else labels.product_labels_pdf
    return _file(
        lambda: make(items, request.args.get("layout", labels.DEFAULT_LAYOUT), say=translate),
        "application/pdf",
        f"label-{product.sku}.pdf",
    )


@bp.get("/labels/products.zpl")
@requires(Role.ADMIN)
def product_labels_zpl():
    items, product = _items()
    return _file(
        lambda: labels.product_labels_zpl(items, request.args.get("size", "4x6")),
        "application/zpl",
        f"label-{product.sku}.zpl",
    )


def _file(make, mimetype: str, filename: str) -> Response:
    try:
        body = make()
    except ValueError as refusal:  # an unknown layout, or a label that would not scan
        return error_response(400, said(refusal))
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def said(refusal: ValueError) -> str:
    """The paper's refusal as it was said (its msg, for the page to translate)."""
    return refusal.args[0] if refusal.args and isinstance(refusal.args[0], str) else str(refusal)
