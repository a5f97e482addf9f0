"""The one place that decides "partial or full page", and the only user of htmx-flask
(it gives us `request.htmx`, parsed from the HX-* headers)."""

from flask import Flask, Response, make_response, render_template
from htmx_flask import Htmx, request

htmx = Htmx()


def init_app(app: Flask) -> None:
    htmx.init_app(app)


def is_htmx() -> bool:
    return bool(request.htmx)


def wants_partial() -> bool:
    """A partial only for a plain htmx request; boosted links and history restores need
    the whole page."""
    return is_htmx() and not request.htmx.boosted and not request.htmx.history_restore_request


def render(full_page: str, partial: str, /, *, status: int = 200, **context) -> Response:
    """Render `partial` for htmx, else `full_page` (which includes the partial)."""
    html = render_template(partial if wants_partial() else full_page, **context)
    response = make_response(html, status)
    response.headers["Vary"] = "HX-Request"
    return response


def redirect_for_htmx(location: str) -> Response:
    """htmx follows HX-Redirect with a full navigation; a 302 would be swapped into a panel."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = location
    return response
