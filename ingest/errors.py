"""The one error type of guidekb: a code, a message that says what to do next, an HTTP status."""
from __future__ import annotations


class GuidekbError(Exception):
    """An error a user can act on; every edge (CLI, API) renders it the same way."""

    def __init__(self, code: str, message: str, status: int = 400, detail: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.detail = detail or {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return {"error": body}
