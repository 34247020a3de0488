"""Security headers, the console's signed session cookie and its CSRF tokens.

The console session is a cookie signed with itsdangerous. It carries the merchant id and the id of
the API key used to sign in (never the key itself), so revoking or rotating that key ends the session.
Every console form carries a CSRF token bound to the session; the token is rotated at sign-in.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fitguide.settings import Settings

SESSION_COOKIE = "fg_console"
SESSION_MAX_AGE_SECONDS = 12 * 3600
_SECRET_FILE = "secret_key"

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The demo shop is an ordinary page embedding the widget; the widget styles itself through
# constructable stylesheets, so it needs no 'unsafe-inline' either.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)


def load_secret_key(settings: Settings) -> str:
    """settings.secret_key, else a random key generated once and kept in var_dir with mode 0600."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.var_dir / _SECRET_FILE
    if path.exists():
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once only one writes; the other reads the winner's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class ConsoleSession:
    """What the console cookie holds. ``merchant_id`` is None before sign-in (CSRF only)."""

    csrf: str
    merchant_id: str | None = None
    api_key_id: int | None = None

    @property
    def signed_in(self) -> bool:
        return self.merchant_id is not None and self.api_key_id is not None


class SessionCodec:
    """Signs and verifies console session cookies."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="fitguide.console.session")

    def dumps(self, session: ConsoleSession) -> str:
        payload: dict[str, Any] = {"c": session.csrf}
        if session.signed_in:
            payload["m"] = session.merchant_id
            payload["k"] = session.api_key_id
        return self._serializer.dumps(payload)

    def loads(self, cookie: str | None) -> ConsoleSession | None:
        if not cookie:
            return None
        try:
            payload = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            return None
        merchant_id = payload.get("m")
        api_key_id = payload.get("k")
        if not isinstance(merchant_id, str) or not isinstance(api_key_id, int):
            return ConsoleSession(csrf=payload["c"])
        return ConsoleSession(csrf=payload["c"], merchant_id=merchant_id, api_key_id=api_key_id)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(session: ConsoleSession | None, submitted: str | None) -> bool:
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


def _headers_for(path: str) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if path == "/console" or path.startswith("/console/"):
        headers += [
            (b"content-security-policy", CONSOLE_CSP.encode()),
            (b"x-frame-options", b"DENY"),
            (b"cache-control", b"no-store"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
    elif path == "/demo":
        headers += [(b"content-security-policy", DEMO_CSP.encode()), (b"x-frame-options", b"SAMEORIGIN")]
    return headers


class SecurityHeadersMiddleware:
    """Adds nosniff and a referrer policy everywhere, and CSP plus framing rules on HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((name, value) for name, value in extra if name not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
