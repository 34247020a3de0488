from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import make_settings
from web.app import create_app
from web.ratelimit import TokenBuckets


def test_bucket_allows_burst_then_asks_to_wait() -> None:
    buckets = TokenBuckets(per_minute=60, burst=3)
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("a", now=0.0)
    assert 0.9 < wait <= 1.0
    assert buckets.take("b", now=0.0) == 0.0  # other clients are unaffected
    assert buckets.take("a", now=1.5) == 0.0  # refilled


def test_public_routes_answer_429_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_per_minute=4)
    with TestClient(create_app(settings)) as client:
        statuses = [client.post("/api/chat", json={}).status_code for _ in range(4)]
        limited = client.post("/api/chat", json={})
        assert 429 not in statuses
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Operational routes are never limited.
        assert client.get("/healthz").status_code == 200
