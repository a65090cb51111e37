"""callkeep's one error family, and how each error reads over HTTP and on the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of the input."""

    field: str
    message: str


class CallkeepError(Exception):
    """Base of every error a user may see; never shown as a traceback."""

    code = "bad_request"
    status_code = 400
    exit_code = 2

    def __init__(self, message: str, *, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = [{"field": f.field, "message": f.message} for f in self.fields]
        return {"error": body}


class InvalidInput(CallkeepError):
    """The input cannot be used as given; `fields` names each problem."""

    code = "invalid_input"
    status_code = 422

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", fields=[FieldProblem(field, message)])


class NotFound(CallkeepError):
    code = "not_found"
    status_code = 404


class Conflict(CallkeepError):
    code = "conflict"
    status_code = 409


class AuthenticationRequired(CallkeepError):
    code = "authentication_required"
    status_code = 401


class PermissionDenied(CallkeepError):
    code = "permission_denied"
    status_code = 403


class PayloadTooLarge(CallkeepError):
    code = "payload_too_large"
    status_code = 413


class RateLimited(CallkeepError):
    code = "rate_limited"
    status_code = 429


class ServiceBusy(CallkeepError):
    """The database stayed locked by other writers for too long."""

    code = "busy"
    status_code = 503


class RecordTampered(CallkeepError):
    """Stored evidence no longer matches its ledger."""

    code = "record_tampered"
    status_code = 409
    exit_code = 1
