"""The console's secret key, session codec and the security headers middleware."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import make_settings
from web.security import ConsoleSession, SessionCodec, csrf_matches, load_secret_key


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = load_secret_key(settings)
    path = settings.var_dir / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(settings) == first  # a restart keeps sessions valid
    assert len(first) >= 48


def test_configured_secret_key_wins(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key="configured-secret")
    assert load_secret_key(settings) == "configured-secret"
    assert not (settings.var_dir / "secret_key").exists()


def test_session_codec_round_trip_and_rejects_other_keys() -> None:
    session = ConsoleSession(csrf="token", merchant_id="shop", api_key_id=7)
    cookie = SessionCodec("one").dumps(session)
    assert SessionCodec("one").loads(cookie) == session
    assert SessionCodec("two").loads(cookie) is None
    assert SessionCodec("one").loads("garbage") is None
    assert SessionCodec("one").loads(None) is None
    anonymous = SessionCodec("one").loads(SessionCodec("one").dumps(ConsoleSession(csrf="t")))
    assert anonymous is not None and not anonymous.signed_in


def test_csrf_comparison() -> None:
    session = ConsoleSession(csrf="abc")
    assert csrf_matches(session, "abc")
    assert not csrf_matches(session, "abd")
    assert not csrf_matches(session, None)
    assert not csrf_matches(None, "abc")


def test_every_response_gets_nosniff_and_referrer_policy(client: TestClient) -> None:
    for path in ("/healthz", "/widget.js", "/openapi.json"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
    assert "content-security-policy" not in client.get("/healthz").headers
