"""API keys never reach the logs: every log record of a session that creates merchants, uploads with a
Bearer key, signs in to the console and fails authentication is captured at DEBUG level and searched."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.merchants import create_merchant, rotate_key
from fitguide.logging import JsonFormatter, redact
from tests.conftest import make_settings
from tests.security.conftest import charts_csv, products_csv
from web.app import create_app


@pytest.fixture
def captured(tmp_path: Path) -> Iterator[tuple[TestClient, io.StringIO]]:
    settings = make_settings(tmp_path, log_level="DEBUG")
    app = create_app(settings)  # configures the root logger; our handler goes on after it
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with TestClient(app) as client:
            yield client, stream
    finally:
        root.removeHandler(handler)


def _sign_in(client: TestClient, key: str) -> int:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return client.post(
        "/console/login", data={"csrf_token": token.group(1), "api_key": key}, follow_redirects=False
    ).status_code


def test_keys_never_appear_in_logs(
    captured: tuple[TestClient, io.StringIO], capfd: pytest.CaptureFixture[str]
) -> None:
    client, stream = captured
    database = client.app.state.db  # type: ignore[attr-defined]
    with database.session() as session:
        key = create_merchant(session, "Log Shop", "log-shop", ["http://log.test"]).key
    auth = {"Authorization": f"Bearer {key}"}
    wrong_keys = ["fg_" + "W" * 43, "not-even-a-key-but-secret-1234567890", key[:-2] + "zz"]

    # Uploads with a Bearer key: clean, broken and a forced failure inside a catalog listener.
    assert (
        client.post(
            "/api/merchant/size-charts", files={"file": ("c.csv", charts_csv("LOG"))}, headers=auth
        ).status_code
        == 200
    )

    def failing_listener(merchant_id: str) -> None:
        raise RuntimeError("listener exploded")

    client.app.state.catalog_listeners.append(failing_listener)  # type: ignore[attr-defined]
    response = client.post(
        "/api/merchant/products", files={"file": ("p.csv", products_csv("LOG", "logword"))}, headers=auth
    )
    assert response.status_code == 200
    bad = client.post(
        "/api/merchant/products",
        content=b"sku,title\n=cmd(),x\n",
        headers={**auth, "content-type": "text/csv"},
    )
    assert bad.status_code == 422
    # Failed authentication in every shape, on the API and in the console.
    for wrong in wrong_keys:
        assert client.get("/api/merchant/me", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
        assert client.get("/api/merchant/me", headers={"Authorization": wrong}).status_code == 401
        assert _sign_in(client, wrong) == 401
    assert _sign_in(client, key) == 303
    assert client.get("/console").status_code == 200
    # A rotated key, and a request whose id header tries to smuggle a key into the log line.
    with database.session() as session:
        rotated = rotate_key(session, "log-shop").key
    assert (
        client.get(
            "/api/merchant/me", headers={"Authorization": f"Bearer {rotated}", "X-Request-Id": key[:40]}
        ).status_code
        == 200
    )
    logging.getLogger("fitguide.test").info("probe %s", f"Authorization: Bearer {rotated}")

    text = stream.getvalue() + capfd.readouterr().err
    records = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert len(records) > 20, "the capture saw too little to prove anything"
    assert all(json.loads(line) for line in records)
    for secret in [key, rotated, *wrong_keys]:
        assert secret not in text, f"a key reached the logs: {secret[:6]}..."
        assert secret[3:24] not in text
    assert "listener exploded" in text  # the failure itself is logged, without the key


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer abc.def-ghi",
        "key=fg_AbCdEfGhIjKlMnOpQrStUv_-123",
        '{"authorization": "Bearer fg_secretsecretsecret"}',
    ],
)
def test_redaction_removes_bearer_tokens_and_keys(line: str) -> None:
    assert "[redacted]" in redact(line)
    assert "secret" not in redact(line) and "AbCdEf" not in redact(line) and "abc.def" not in redact(line)
