"""One place maps failures to pages, partials or JSON. Never a stack trace for bad input."""

from flask import Flask, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from warehouse.core.errors import DomainError
from warehouse.core.i18n import Message, msg
from warehouse.web.statuses import http_status

from .htmx import render
from .i18n import translate

# Said with msg: English in JSON (a program's author reads it, as the API's), in the
# reader's language on a page (templates/partials/_error.html says it with |say).
MESSAGES = {
    400: msg("The request was not understood. Reload the page and try again."),
    403: msg("Your role does not allow this. Ask a supervisor."),
    404: msg("Not found. Check the code or link and try again."),
    405: msg("That action is not available here. Go back and use the buttons on the page."),
    413: msg("Too much data sent. Shorten the text and try again."),
    429: msg("Too many attempts. Wait a few minutes and try again."),
}


API_MESSAGES = {  # the same failures, said to a program's author
    404: "No such endpoint. See /api/openapi.json for the paths.",
    405: "This endpoint does not take that method. See /api/openapi.json.",
}


def _error(status: int, message: str, code: str) -> Response:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        message = API_MESSAGES.get(status, message) if request.path.startswith("/api/") else message
        response = jsonify(error={"code": code, "message": message})
        response.status_code = status
        return response
    said = said_within(message)
    return render(
        "errors/error.html", "partials/_error.html", status=status, message=said, status_code=status
    )


def said_within(message: str | None) -> str | None:
    """A message in the page's language, with the messages among its values (a refusal
    inside "Stopped: ...") said in it too."""
    if isinstance(message, Message):
        within = {name: translate(v) for name, v in message.params.items() if isinstance(v, Message)}
        if within:
            message = Message(message.template, {**message.params, **within})
    return translate(message)


def error_response(status: int, message: str, code: str = "bad_request") -> Response:
    """An error page (or JSON for the API) with the view's own message: a `msg(...)`, said
    in the page's language and in English as JSON."""
    return _error(status, message, code)


NUL = "\x00"


def _nul_in_request() -> str | None:
    """Where a NUL character came in, if anywhere. No field, code or header may hold one:
    PostgreSQL refuses it in text and other programs cut strings at it."""
    if NUL in request.path:
        return "address"
    if any(NUL in k or NUL in v for k, v in request.args.items(multi=True)):
        return "query"
    if any(NUL in v for _k, v in request.headers.items()):
        return "headers"
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(NUL in k or NUL in v for k, v in request.form.items(multi=True)):
            return "form"
    elif request.content_length and request.content_length <= MAX_CHECKED_BODY:
        raw = request.get_data(cache=True)
        if b"\x00" in raw or b"\\u0000" in raw:  # raw, or escaped in JSON
            return "body"
    return None


# The API's body limit (api/spec.py MAX_BODY): a bigger body is not read here, so the API
# still refuses it with 413 without reading it.
MAX_CHECKED_BODY = 64 * 1024


# Where a NUL came in, each a whole sentence to translate.
NUL_REFUSALS = {
    "address": msg(
        "The address holds a NUL character (\\0), which no field may contain. "
        "Remove it (a scanner or a copy from another program may have added it) and send again."
    ),
    "query": msg(
        "The query holds a NUL character (\\0), which no field may contain. "
        "Remove it (a scanner or a copy from another program may have added it) and send again."
    ),
    "headers": msg(
        "The headers holds a NUL character (\\0), which no field may contain. "
        "Remove it (a scanner or a copy from another program may have added it) and send again."
    ),
    "form": msg(
        "The form holds a NUL character (\\0), which no field may contain. "
        "Remove it (a scanner or a copy from another program may have added it) and send again."
    ),
    "body": msg(
        "The body holds a NUL character (\\0), which no field may contain. "
        "Remove it (a scanner or a copy from another program may have added it) and send again."
    ),
}


def _refuse_nul():
    if (where := _nul_in_request()) is not None:
        return _error(400, NUL_REFUSALS[where], "nul_character")
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)  # before the sign-in gate: refused whoever sends it

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _error(
            400,
            msg("This form has expired or did not come from this app. Reload the page and try again."),
            "csrf_failed",
        )

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return _error(http_status(e), e.message, e.code)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        response = _error(
            e.code or 500, MESSAGES.get(e.code, e.description), e.name.lower().replace(" ", "_")
        )
        for name, value in e.get_headers():
            if name.lower() == "allow":  # a 405 says which methods the path takes
                response.headers["Allow"] = value
        return response

    @app.errorhandler(500)
    def _server(e):
        return _error(
            500,
            msg(
                "Something went wrong on our side; nothing was saved. "
                "Try again, and tell a supervisor if it keeps happening."
            ),
            "server_error",
        )
