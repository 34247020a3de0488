"""Per-client rate limits on public routes, request-body limits, and headers on refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.merchants import create_merchant
from tests.conftest import make_settings
from web.app import create_app

BODY = {"height": "170cm", "weight": "65kg", "sex": "male"}


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, rate_limit_per_minute=6, max_body_bytes=64 * 1024)
    with TestClient(create_app(settings), client=("203.0.113.1", 40000)) as client:
        with client.app.state.db.session() as session:  # type: ignore[attr-defined]
            client.headers["x-test-key"] = create_merchant(
                session, "Limited", "limited", ["https://limited.test"]
            ).key
        yield client


def test_each_public_route_is_limited_per_client_with_retry_after(limited: TestClient) -> None:
    for path, payload in (
        ("/api/size/estimate", BODY),
        ("/api/chat", {"merchant_id": "limited", "message": "hi"}),
    ):
        other = TestClient(limited.app, client=(f"198.51.100.{len(path)}", 1))
        statuses = [limited.post(path, json=payload).status_code for _ in range(12)]
        assert 429 in statuses, (path, statuses)
        assert 500 not in statuses
        refused = limited.post(path, json=payload)
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["error"] == "rate_limited"
        # Another client address is not affected by the first one's bucket.
        assert other.post(path, json=payload).status_code != 429
    # The refusal stays readable by the widget on a registered origin: CORS headers are on the 429.
    refused = limited.post(
        "/api/size/estimate",
        json=BODY,
        headers={"Origin": "https://limited.test"},
        params={"merchant": "limited"},
    )
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == "https://limited.test"
    assert "retry-after" in refused.headers["access-control-expose-headers"]
    # Operational and authenticated merchant routes are not throttled by the public bucket.
    assert limited.get("/healthz").status_code == 200
    key = limited.headers["x-test-key"]
    assert limited.get("/api/merchant/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/chat", "/api/size/recommend", "/api/merchant/products", "/console/login"]
)
def test_declared_oversized_bodies_are_refused_with_413(limited: TestClient, path: str) -> None:
    key = limited.headers["x-test-key"]
    response = limited.post(
        path,
        content=b"x" * (64 * 1024 + 1),
        headers={"content-type": "application/json", "Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_streamed_oversized_bodies_without_length_are_cut_off_with_413(limited: TestClient) -> None:
    key = limited.headers["x-test-key"]

    def chunks() -> Iterator[bytes]:
        for _ in range(200):  # 200 x 1 KiB > 64 KiB, never announced in a content-length header
            yield b"sku,title,price\n" + b"A" * 1008 + b"\n"

    response = limited.post(
        "/api/merchant/products",
        content=chunks(),
        headers={"content-type": "text/csv", "Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    assert limited.get("/api/merchant/me", headers={"Authorization": f"Bearer {key}"}).json()["products"] == 0


def test_bodies_under_the_limit_still_work(limited: TestClient) -> None:
    key = limited.headers["x-test-key"]
    response = limited.post(
        "/api/merchant/products",
        json=[{"sku": "S1", "title": "Tee", "price": 9}],
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/console/login", "/console/nope", "/console/charts/x"])
def test_console_pages_and_their_errors_carry_csp_and_framing_rules(limited: TestClient, path: str) -> None:
    response = limited.get(path, follow_redirects=False)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_json_api_answers_are_never_sniffed_as_html(limited: TestClient) -> None:
    response = limited.post("/api/chat", json={"merchant_id": "<script>alert(1)</script>", "message": "x"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_cannot_be_passed_with_another_merchants_name_in_the_query(limited: TestClient) -> None:
    with limited.app.state.db.session() as session:  # type: ignore[attr-defined]
        create_merchant(session, "Evil", "evil", ["https://evil.test"])
    payload = {"merchant_id": "limited", "message": "dress"}
    for url in ("/api/chat", "/api/chat?merchant=evil", "/api/chat?merchant_id=evil"):
        response = limited.post(url, json=payload, headers={"Origin": "https://evil.test"})
        assert response.status_code == 403 and "access-control-allow-origin" not in response.headers
    allowed = limited.post("/api/chat", json=payload, headers={"Origin": "https://limited.test"})
    assert allowed.headers.get("access-control-allow-origin") == "https://limited.test"
