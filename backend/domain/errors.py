"""Domain errors: raised by domain and service code, mapped to HTTP by the base handler.

Every error carries a stable English ``code`` for programs and a Chinese
``message`` for people. Handlers never build error responses by hand.
"""


class DomainError(Exception):
    """Base of every error a user may see; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    """Input that breaks a rule (missing field, promised days above statutory days, ...)."""

    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this (a clerk approving, another department's task)."""

    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    """The state changed under the caller (two clerks accepting one application, version mismatch)."""

    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    """A case step that its current state does not allow."""

    code = "illegal_transition"


class RequestRejected(DomainError):
    """A request refused before it reaches a service (malformed JSON, wrong content type, too large)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message, code=code)
        self.status = status


class TooManyRequests(DomainError):
    """Too many attempts: the caller must wait ``retry_after`` seconds (sent as ``Retry-After``)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int, *, code: str | None = None):
        super().__init__(message, code=code, details={"retry_after": retry_after})
        self.retry_after = retry_after
