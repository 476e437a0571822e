"""Domain exceptions raised by services; the front doors map them to HTTP answers (no Flask here)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    """A rule refused the input; `errors` maps each field to messages a finance officer understands."""

    status = 422
    code = "invalid_input"

    def __init__(self, errors: dict[str, list[str]], message: str = "The input was refused.") -> None:
        super().__init__(message, errors)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls({field: [message]}, message)
