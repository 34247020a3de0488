"""Tenancy: every merchant route walked with no key, wrong keys and another merchant's key; public routes
see only the named merchant's catalog; keys are hashed, rotated and revoked from the CLI."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.merchants import hash_key, revoke_key
from catalog.models import ApiKey
from fitguide.db import Database
from tests.security.conftest import Shop, snapshot

MERCHANT_PREFIXES = ("/api/merchant", "/api/feedback")
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def all_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app, flattened through included routers (FastAPI
    0.16x keeps them as lazily expanded branches in ``app.routes``)."""
    found: list[tuple[str, str]] = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        expand = getattr(route, "effective_route_contexts", None)
        for leaf in expand() if expand is not None else [route]:
            path = getattr(leaf, "path", None)
            methods = getattr(leaf, "methods", None)
            if path and methods:
                found += [(method, path) for method in sorted(methods) if method != "HEAD"]
    return sorted(set(found))


def merchant_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every authenticated API route, read from the app itself."""
    return [(method, path) for method, path in all_routes(client) if path.startswith(MERCHANT_PREFIXES)]


def console_routes(client: TestClient) -> list[tuple[str, str]]:
    return [(method, path) for method, path in all_routes(client) if path.startswith("/console")]


def fill(path: str, victim: Shop) -> str:
    """Path parameters point at the victim's own resources."""
    values = {"sku": victim.skus[0], "chart_id": victim.chart_id, "kind": "products"}
    return _PARAM.sub(lambda m: values.get(m.group(1), victim.id), path)


def body_for(path: str, victim: Shop) -> Any:
    """A well-formed write aimed at the victim's identifiers."""
    if "size-charts" in path:
        return {
            "charts": [{"chart_id": victim.chart_id, "name": "taken over", "size": "M", "chest_cm": "80-90"}]
        }
    if "feedback" in path:
        return {"lines": [{"id": "line-1", "sku": victim.skus[0], "size": "M", "outcome": "kept"}]}
    return [{"sku": victim.skus[0], "title": "taken over", "price": 1, "size_chart": victim.chart_id}]


def call(client: TestClient, method: str, path: str, victim: Shop, headers: dict[str, str]) -> Any:
    url = fill(path, victim)
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, json=body_for(path, victim), headers=headers)
    return client.request(method, url, headers=headers)


def bad_credentials(database: Database, victim: Shop) -> Iterator[tuple[str, dict[str, str]]]:
    with database.session() as session:
        stored_hash = session.scalars(select(ApiKey.key_hash).where(ApiKey.merchant_id == victim.id)).first()
    yield "no key", {}
    yield "random key", {"Authorization": f"Bearer fg_{secrets.token_urlsafe(32)}"}
    yield "empty bearer", {"Authorization": "Bearer "}
    yield "basic scheme", {"Authorization": f"Basic {victim.key}"}
    yield "key without scheme", {"Authorization": victim.key}
    yield "stored hash as key", {"Authorization": f"Bearer {stored_hash}"}
    yield "key prefix only", {"Authorization": f"Bearer {victim.key[:10]}"}
    yield (
        "key with a changed char",
        {"Authorization": f"Bearer {victim.key[:-1]}{'A' if victim.key[-1] != 'A' else 'B'}"},
    )
    yield "key plus suffix", {"Authorization": f"Bearer {victim.key}x"}
    yield "uppercased key", {"Authorization": f"Bearer {victim.key.upper()}"}


def test_every_merchant_route_refuses_missing_and_wrong_keys(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    victim, _other = shops
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    routes = merchant_routes(client)
    # The walk must really cover the catalog API and the feedback API.
    paths = {path for _method, path in routes}
    assert {"/api/merchant/products", "/api/merchant/size-charts", "/api/merchant/me"} <= paths
    before = snapshot(database)
    walked = 0
    for label, headers in bad_credentials(database, victim):
        for method, path in routes:
            response = call(client, method, path, victim, headers)
            assert response.status_code == 401, (label, method, path, response.status_code, response.text)
            assert response.headers.get("www-authenticate") == "Bearer"
            assert victim.word not in response.text and victim.skus[0] not in response.text
            walked += 1
    assert snapshot(database) == before
    assert walked >= 10 * len(routes)


def test_another_merchants_key_reads_and_writes_nothing_of_the_victim(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    victim, intruder = shops
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    before = snapshot(database, except_merchant=intruder.id)
    order = {"GET": 0, "DELETE": 1}
    routes = sorted(merchant_routes(client), key=lambda route: order.get(route[0], 2))
    for method, path in routes:
        response = call(client, method, path, victim, intruder.auth)
        targets_one_resource = _PARAM.search(path) is not None
        if method in ("GET", "DELETE") and targets_one_resource:
            # The victim's sku / chart does not exist for the intruder.
            assert response.status_code == 404, (method, path, response.status_code, response.text)
        else:
            assert response.status_code in (200, 409, 422), (
                method,
                path,
                response.status_code,
                response.text,
            )
        assert victim.word not in response.text, (method, path)
        assert "Shop AAA" not in response.text
    assert snapshot(database, except_merchant=intruder.id) == before
    me = client.get("/api/merchant/me", headers=victim.auth).json()
    assert me["products"] == 2 and me["catalog_version"] == 1


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def _sign_in(client: TestClient, key: str) -> str:
    page = client.get("/console/login")
    response = client.post(
        "/console/login", data={"csrf_token": _csrf(page.text), "api_key": key}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return _csrf(client.get("/console").text)


def test_console_routes_need_a_signed_in_session_and_a_csrf_token(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    victim, intruder = shops
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    routes = console_routes(client)
    assert ("POST", "/console/upload/{kind}") in routes and ("POST", "/console/login") in routes
    # The victim previews a file; its import token is what an intruder would want to use.
    victim_client = TestClient(client.app)
    victim_csrf = _sign_in(victim_client, victim.key)
    preview = victim_client.post(
        "/console/upload/products",
        data={"csrf_token": victim_csrf},
        files={"file": ("p.csv", f"sku,title,price\n{victim.skus[0]},changed,5\n")},
    )
    assert preview.status_code == 200, preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token
    before = snapshot(database)

    anonymous = TestClient(client.app)
    anonymous_csrf = _csrf(anonymous.get("/console/login").text)
    for method, path in routes:
        url = fill(path, victim)
        if method == "GET":
            response = anonymous.get(url, follow_redirects=False)
            if path == "/console/login":
                assert response.status_code == 200
                continue
            assert response.status_code == 303 and response.headers["location"].endswith("/console/login")
            continue
        form = {"csrf_token": anonymous_csrf, "token": token.group(1), "api_key": "fg_wrong"}
        without_token = anonymous.post(url, data={"token": token.group(1)}, follow_redirects=False)
        assert without_token.status_code in (303, 403), (path, without_token.status_code)
        response = anonymous.post(
            url, data=form, files={"file": ("p.csv", "sku,title,price\nX,t,1\n")}, follow_redirects=False
        )
        assert response.status_code in (303, 401), (path, response.status_code)
        assert victim.word not in response.text

    # Signed in as the intruder: the victim's token is worthless, and a forged cookie is no session.
    intruder_client = TestClient(client.app)
    intruder_csrf = _sign_in(intruder_client, intruder.key)
    response = intruder_client.post(
        "/console/upload/products/import", data={"csrf_token": intruder_csrf, "token": token.group(1)}
    )
    assert response.status_code == 410
    response = intruder_client.post(
        "/console/upload/products/import", data={"csrf_token": victim_csrf, "token": token.group(1)}
    )
    assert response.status_code == 403
    forged = TestClient(client.app, cookies={"fg_console": "eyJjIjoieCIsIm0iOiJzaG9wLWEiLCJrIjoxfQ.forged"})
    response = forged.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert snapshot(database) == before


def test_public_routes_need_a_merchant_and_see_only_its_catalog(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    a, b = shops
    assert client.post("/api/chat", json={"message": "tee"}).status_code == 422
    unknown = client.post("/api/chat", json={"merchant_id": "no-such-shop", "message": "tee"})
    assert unknown.status_code == 404
    for message in (f"{a.word} tee", "red cotton tee", "tee under 200", a.skus[0]):
        reply = client.post("/api/chat", json={"merchant_id": b.id, "message": message})
        assert reply.status_code == 200, reply.text
        text = reply.text
        assert a.word not in text.replace(message, "") and a.skus[0] not in text.replace(message, "")
        assert all(card["sku"] in b.skus for card in reply.json().get("products", []))
    # A session started on shop A does not carry over to shop B.
    first = client.post("/api/chat", json={"merchant_id": a.id, "message": f"{a.word} tee"}).json()
    carried = client.post(
        "/api/chat", json={"merchant_id": b.id, "message": "cheaper", "session_id": first["session_id"]}
    )
    assert carried.status_code == 200 and carried.json()["session_id"] != first["session_id"]
    assert a.word not in carried.text

    body = {"height": "165cm", "weight": "55kg", "sex": "female"}
    response = client.post("/api/size/recommend", json={"merchant_id": b.id, "sku": a.skus[0], "body": body})
    assert response.status_code == 404
    response = client.post("/api/size/recommend", json={"merchant_id": a.id, "sku": a.skus[0], "body": body})
    assert response.status_code == 200, response.text
    batch = client.post(
        "/api/size/recommend/batch", json={"merchant_id": b.id, "skus": [*a.skus, b.skus[0]], "body": body}
    )
    assert batch.status_code == 200, batch.text
    assert set(batch.json()["unknown_skus"]) == set(a.skus)
    assert set(batch.json()["results"]) == {b.skus[0]}
    assert client.post("/api/size/recommend", json={"sku": a.skus[0], "body": body}).status_code == 422


def test_keys_are_stored_hashed_and_compared_in_constant_time(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    import inspect

    import catalog.merchants

    a, _b = shops
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    dump = json.dumps(snapshot(database))
    assert a.key not in dump and a.key[3:] not in dump
    assert hash_key(a.key) in dump
    assert "compare_digest" in inspect.getsource(catalog.merchants.authenticate)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from fitguide.settings import get_settings

    var_dir = tmp_path / "var"
    monkeypatch.setenv("FITGUIDE_VAR_DIR", str(var_dir))
    monkeypatch.delenv("FITGUIDE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield var_dir
    get_settings.cache_clear()


def test_cli_creates_rotates_and_revokes_keys(cli_env: Path) -> None:
    from typer.testing import CliRunner

    from catalog.merchants import authenticate
    from fitguide.cli import app
    from fitguide.errors import Unauthorized

    runner = CliRunner()
    created = runner.invoke(app, ["merchant", "create", "CLI Shop", "--id", "cli-shop", "--json"])
    assert created.exit_code == 0, created.output
    first_key = json.loads(created.output)["key"]
    database = Database(f"sqlite:///{(cli_env / 'fitguide.db').resolve()}")
    try:
        with database.session() as session:
            assert authenticate(session, first_key).id == "cli-shop"

        rotated = runner.invoke(app, ["merchant", "rotate-key", "cli-shop"])
        assert rotated.exit_code == 0, rotated.output
        second_key = re.search(r"new api key: (\S+)", rotated.output)
        assert second_key
        with database.session() as session:
            with pytest.raises(Unauthorized):
                authenticate(session, first_key)
            assert authenticate(session, second_key.group(1)).id == "cli-shop"

        revoked = runner.invoke(app, ["merchant", "revoke-key", "cli-shop", second_key.group(1)[:10]])
        assert revoked.exit_code == 0 and "revoked 1 key" in revoked.output
        with database.session() as session:
            with pytest.raises(Unauthorized):
                authenticate(session, second_key.group(1))
            stored = session.scalars(select(ApiKey.key_hash)).all()
        assert first_key not in str(stored) and second_key.group(1) not in str(stored)
        # Revoking again finds no active key: a clear error, exit code 2, nothing else revoked.
        again = runner.invoke(app, ["merchant", "revoke-key", "cli-shop", second_key.group(1)[:10]])
        assert again.exit_code != 0
    finally:
        database.dispose()


def test_a_revoked_key_is_refused_by_the_api(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _b = shops
    assert client.get("/api/merchant/me", headers=a.auth).status_code == 200
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    with database.session() as session:
        revoke_key(session, a.id, a.key[:10])
    assert client.get("/api/merchant/me", headers=a.auth).status_code == 401
    assert client.post("/api/merchant/products", json=[], headers=a.auth).status_code == 401
