"""Domain failures: each has a stable code (for the API and tests) and a message a person
on the floor understands, saying what to do next. One place in the web layer maps them to
an error partial or a JSON error."""


class DomainError(Exception):
    code = "domain_error"
    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    status = 409


class InvalidPosting(DomainError):
    code = "invalid_posting"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 409


class NotFound(DomainError):
    code = "not_found"
    status = 404


class SignInRefused(DomainError):
    code = "sign_in_refused"
    status = 401


class SignInThrottled(DomainError):
    code = "sign_in_throttled"
    status = 429
