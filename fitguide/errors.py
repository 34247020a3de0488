"""Typed domain errors. Domain code raises these; the web layer renders them in one handler.

Every error carries an English and a Chinese message so the shopper or merchant reads it in
their language, and optional structured ``issues`` (row, column, value, reason) for uploads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One precise problem: where it is, what was there, and why it is wrong."""

    reason: str
    reason_zh: str = ""
    row: int | None = None
    column: str | None = None
    value: Any = None
    code: str = "invalid"

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "reason": self.reason_zh if lang == "zh" and self.reason_zh else self.reason,
        }


@dataclass
class FitGuideError(Exception):
    message: str
    message_zh: str = ""
    issues: list[Issue] = field(default_factory=list)
    code: str = "error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def localized(self, lang: str) -> str:
        return self.message_zh if lang == "zh" and self.message_zh else self.message


class InvalidInput(FitGuideError):
    """The request is well-formed but its content is wrong (HTTP 422)."""


class NotFound(FitGuideError):
    """The thing does not exist for this merchant (HTTP 404)."""


class Unauthorized(FitGuideError):
    """No or wrong credentials (HTTP 401)."""


class Forbidden(FitGuideError):
    """Credentials are fine but do not allow this (HTTP 403)."""


class Conflict(FitGuideError):
    """The request clashes with the current state (HTTP 409)."""


class TooLarge(FitGuideError):
    """The payload exceeds a configured limit (HTTP 413)."""


class RateLimited(FitGuideError):
    """Too many requests (HTTP 429)."""

    retry_after: int = 60


class NotReady(FitGuideError):
    """A resource is still loading (HTTP 503)."""
