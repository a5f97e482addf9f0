"""One place maps failures to pages, partials or JSON. Never a stack trace for bad input."""

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from warehouse.core.errors import DomainError
from warehouse.web.statuses import http_status

from .htmx import render

MESSAGES = {
    400: "The request was not understood. Reload the page and try again.",
    403: "Your role does not allow this. Ask a supervisor.",
    404: "Not found. Check the code or link and try again.",
    405: "That action is not available here. Go back and use the buttons on the page.",
    413: "Too much data sent. Shorten the text and try again.",
    429: "Too many attempts. Wait a few minutes and try again.",
}


API_MESSAGES = {  # the same failures, said to a program's author
    404: "No such endpoint. See /api/openapi.json for the paths.",
    405: "This endpoint does not take that method. See /api/openapi.json.",
}


def _error(status: int, message: str, code: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        message = API_MESSAGES.get(status, message) if request.path.startswith("/api/") else message
        return jsonify(error={"code": code, "message": message}), status
    return render(
        "errors/error.html", "partials/_error.html", status=status, message=message, status_code=status
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _error(
            400,
            "This form has expired or did not come from this app. Reload the page and try again.",
            "csrf_failed",
        )

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return _error(http_status(e), e.message, e.code)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        return _error(e.code or 500, MESSAGES.get(e.code, e.description), e.name.lower().replace(" ", "_"))

    @app.errorhandler(500)
    def _server(e):
        return _error(
            500,
            "Something went wrong on our side; nothing was saved. "
            "Try again, and tell a supervisor if it keeps happening.",
            "server_error",
        )
