"""Per-client rate limiting of the public routes (chat, sizing, widget API) with 429 + Retry-After.

A token bucket per client address, kept in process memory: with N workers the effective limit is up
to N times the setting, which is documented in the README. Merchant routes are authenticated and
limited by their upload size instead.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

PUBLIC_PREFIXES = ("/api/chat", "/api/size/")
_MAX_CLIENTS = 100_000  # bounds memory under address-spraying traffic


class TokenBuckets:
    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        # Default burst: a quarter minute of traffic, but at least ten requests (or the whole limit).
        default_burst = max(min(per_minute, 10), per_minute // 4)
        self.capacity = float(burst if burst is not None else default_burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Consume one token; returns 0 when allowed, else the seconds until a token is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > _MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return wait


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.buckets is None
            or scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not scope.get("path", "").startswith(PUBLIC_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.buckets.take(client)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, math.ceil(wait)))
        body = (
            b'{"error":"rate_limited","detail":"Too many requests; retry after '
            + retry_after.encode()
            + b' seconds."}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", retry_after.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
