"""What a refused request becomes at the doors: the HTTP status of a domain failure's kind
(warehouse/core/errors.py). The pages, the floor screens and the API all ask here."""

from warehouse.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    SignInRefused,
    SignInThrottled,
)

_BY_KIND = (
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (SignInRefused, 401),
    (SignInThrottled, 429),
)


def http_status(error: DomainError) -> int:
    """404, 409, 403, 401 or 429 by kind; any other rule that refused the request: 422."""
    return next((status for kind, status in _BY_KIND if isinstance(error, kind)), 422)
