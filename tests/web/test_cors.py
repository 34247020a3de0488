"""Per-merchant CORS on the public widget routes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from catalog.merchants import create_merchant, set_allowed_origins
from web.cors import OriginRegistry

SHOP = "http://shop.test"
EVIL = "https://evil.example"


def preflight(
    client: TestClient, origin: str, merchant: str | None = "test-shop", path: str = "/api/chat"
) -> Any:
    query = f"?merchant={merchant}" if merchant else ""
    return client.options(
        path + query,
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )


def test_preflight_from_registered_origin_is_allowed(client: TestClient, merchant: dict[str, str]) -> None:
    response = preflight(client, SHOP)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"]
    assert response.headers["vary"] == "Origin"


def test_preflight_for_size_routes(client: TestClient, merchant: dict[str, str]) -> None:
    response = preflight(client, SHOP, path="/api/size/recommend")
    assert response.headers["access-control-allow-origin"] == SHOP


def test_preflight_from_unknown_origin_is_refused(client: TestClient, merchant: dict[str, str]) -> None:
    response = preflight(client, EVIL)
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_preflight_checks_the_named_merchant(client: TestClient, merchant: dict[str, str]) -> None:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        create_merchant(session, "Other", "other-shop", ["https://other.test"])
    assert preflight(client, "https://other.test", merchant="test-shop").status_code == 403
    assert preflight(client, "https://other.test", merchant="other-shop").status_code == 204
    # Without ?merchant= any registered origin may preflight; the real request is checked per merchant.
    assert preflight(client, "https://other.test", merchant=None).status_code == 204


def test_request_from_registered_origin_gets_cors_headers_and_reaches_the_route(
    client: TestClient, merchant: dict[str, str]
) -> None:
    response = client.post(
        "/api/size/recommend",
        json={"merchant_id": "test-shop", "sku": "nope", "body": {"height_cm": 170, "weight_kg": 60}},
        headers={"origin": SHOP},
    )
    assert response.headers["access-control-allow-origin"] == SHOP
    # The buffered body was replayed: the route saw the sku and says it does not exist.
    assert response.status_code in (404, 503), response.text


def test_request_from_unregistered_origin_is_refused_before_the_route(
    client: TestClient, merchant: dict[str, str]
) -> None:
    response = client.post(
        "/api/chat", json={"merchant_id": "test-shop", "message": "hi"}, headers={"origin": EVIL}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers


def test_origin_of_another_merchant_is_refused(client: TestClient, merchant: dict[str, str]) -> None:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        create_merchant(session, "Other", "other-shop", ["https://other.test"])
    response = client.post(
        "/api/chat",
        json={"merchant_id": "test-shop", "message": "hi"},
        headers={"origin": "https://other.test"},
    )
    assert response.status_code == 403


def test_query_parameter_names_the_merchant(client: TestClient, merchant: dict[str, str]) -> None:
    response = client.post(
        "/api/chat?merchant=test-shop",
        json={"merchant_id": "test-shop", "message": "hi"},
        headers={"origin": EVIL},
    )
    assert response.status_code == 403


def test_same_origin_and_originless_requests_pass(client: TestClient, merchant: dict[str, str]) -> None:
    body = {"merchant_id": "test-shop", "sku": "nope", "body": {"height_cm": 170, "weight_kg": 60}}
    same = client.post("/api/size/recommend", json=body, headers={"origin": "http://testserver"})
    bare = client.post("/api/size/recommend", json=body)
    assert same.status_code != 403 and bare.status_code != 403
    assert "access-control-allow-origin" not in same.headers


def test_merchant_routes_are_not_opened_cross_origin(client: TestClient, merchant: dict[str, str]) -> None:
    response = client.get("/healthz", headers={"origin": SHOP})
    assert "access-control-allow-origin" not in response.headers


def test_new_origins_apply_after_a_catalog_listener_fires(
    client: TestClient, merchant: dict[str, str]
) -> None:
    assert preflight(client, "https://new.test").status_code == 403
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        set_allowed_origins(session, "test-shop", [SHOP, "https://new.test"])
    for listener in client.app.state.catalog_listeners:  # type: ignore[attr-defined]
        listener("test-shop")
    assert preflight(client, "https://new.test").status_code == 204


def test_registry_reloads_after_its_ttl() -> None:
    now = [0.0]
    registry = OriginRegistry(ttl_seconds=10, clock=lambda: now[0])
    assert not registry._fresh()
    registry._loaded_at = 0.0
    assert registry._fresh()
    now[0] = 11.0
    assert not registry._fresh()


def test_origins_compare_without_case_or_trailing_slash() -> None:
    registry = OriginRegistry()
    registry._by_merchant = {"m": frozenset({"https://shop.test"})}
    registry._any = frozenset({"https://shop.test"})
    assert registry.allows("HTTPS://Shop.test/", "m")
    assert registry.allows("https://shop.test", None)
    assert not registry.allows("https://shop.test", "other")


def test_query_and_body_must_both_be_allowed(client: TestClient, merchant: dict[str, str]) -> None:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        create_merchant(session, "Other", "other-shop", ["https://other.test"])
    response = client.post(
        "/api/chat?merchant=other-shop",
        json={"merchant_id": "test-shop", "message": "hi"},
        headers={"origin": "https://other.test"},
    )
    assert response.status_code == 403
