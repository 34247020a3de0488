"""Per-merchant CORS for the public widget routes.

The widget runs on a shop's own origin and calls /api/chat and /api/size/* cross-origin. A shop may
only do that from the origins its merchant registered (``Merchant.allowed_origins``):

- Preflight (OPTIONS): allowed when the Origin is registered by the merchant named in ``?merchant=``
  (the widget always sends it) or, without that parameter, by any merchant.
- Actual request: the Origin must be registered by every merchant the request names (``?merchant=``
  and ``merchant_id`` in the JSON body). Otherwise 403 without Access-Control-Allow-Origin, before any
  route runs.
- Requests without an Origin (servers, curl) and same-origin requests (the /demo page) pass untouched.

Origin lists are cached for a few seconds and dropped whenever a catalog listener fires.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.models import Merchant
from fitguide.db import Database

PUBLIC_PREFIXES = ("/api/chat", "/api/size/")
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "content-type, accept, accept-language, x-request-id"
EXPOSED_HEADERS = "x-request-id, retry-after"
PREFLIGHT_MAX_AGE = "600"


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


class OriginRegistry:
    """merchant id -> registered origins, read from the database at most once per ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._by_merchant: dict[str, frozenset[str]] = {}
        self._any: frozenset[str] = frozenset()
        self._loaded_at: float | None = None

    def invalidate(self, merchant_id: str | None = None) -> None:
        """Catalog listener: the next lookup reads the database again."""
        with self._lock:
            self._loaded_at = None

    def _fresh(self) -> bool:
        return self._loaded_at is not None and self._clock() - self._loaded_at < self.ttl_seconds

    def load(self, database: Database) -> None:
        with database.session() as session:
            rows = session.execute(select(Merchant.id, Merchant.allowed_origins)).all()
        by_merchant = {
            merchant_id: frozenset(normalize_origin(str(o)) for o in (origins or []) if isinstance(o, str))
            for merchant_id, origins in rows
        }
        with self._lock:
            self._by_merchant = by_merchant
            self._any = frozenset().union(*by_merchant.values()) if by_merchant else frozenset()
            self._loaded_at = self._clock()

    async def ensure_loaded(self, database: Database) -> None:
        if not self._fresh():
            await anyio.to_thread.run_sync(self.load, database)

    def allows(self, origin: str, merchant_id: str | None) -> bool:
        origin = normalize_origin(origin)
        if merchant_id is None:
            return origin in self._any
        return origin in self._by_merchant.get(merchant_id, frozenset())


def _is_public(path: str) -> bool:
    return path == "/api/chat" or any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _same_origin(scope: Scope, origin: str) -> bool:
    host = _header(scope, b"host")
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


def _merchant_from_query(scope: Scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    for name in ("merchant", "merchant_id"):
        if query.get(name):
            return query[name][0]
    return None


def _merchant_from_body(body: bytes) -> str | None:
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(payload, dict) and isinstance(payload.get("merchant_id"), str):
        return str(payload["merchant_id"])
    return None


async def _send_plain(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class MerchantCORSMiddleware:
    def __init__(self, app: ASGIApp, registry: OriginRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_public(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is None or _same_origin(scope, origin):
            await self.app(scope, receive, send)
            return
        database: Database | None = getattr(scope["app"].state, "db", None) if "app" in scope else None
        if database is not None:
            await self.registry.ensure_loaded(database)

        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await self._preflight(scope, send, origin)
            return

        receive, merchant_ids = await self._merchants_for(scope, receive)
        refused = [m for m in merchant_ids if not self.registry.allows(origin, m)]
        if refused:
            await self._forbidden(send, origin, refused[0])
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: Scope, send: Send, origin: str) -> None:
        if not self.registry.allows(origin, _merchant_from_query(scope)):
            await _send_plain(send, 403, [(b"vary", b"Origin"), (b"content-length", b"0")])
            return
        requested = _header(scope, b"access-control-request-headers")
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
            (b"access-control-allow-headers", (requested or ALLOWED_HEADERS).encode("latin-1")),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            (b"vary", b"Origin"),
            (b"content-length", b"0"),
        ]
        await _send_plain(send, 204, headers)

    async def _merchants_for(self, scope: Scope, receive: Receive) -> tuple[Receive, list[str | None]]:
        """Every merchant the request names (query and JSON body must both be allowed); the body is
        buffered and replayed to the route. ``[None]`` when it names none: any registered origin passes
        and the route rejects the request for lacking a merchant."""
        named: list[str | None] = [m for m in (_merchant_from_query(scope),) if m is not None]
        if scope["method"] in ("GET", "HEAD"):
            return receive, named or [None]
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        from_body = _merchant_from_body(body)
        if from_body is not None:
            named.append(from_body)
        return replay, named or [None]

    async def _forbidden(self, send: Send, origin: str, merchant_id: str | None) -> None:
        detail = {
            "error": "origin_not_allowed",
            "detail": f"Origin '{origin}' is not registered for merchant '{merchant_id or '?'}'.",
            "detail_zh": f"来源 '{origin}' 未在商家 '{merchant_id or '?'}' 登记。",
        }
        body = json.dumps(detail, ensure_ascii=False).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"vary", b"Origin"),
        ]
        await _send_plain(send, 403, headers, body)
