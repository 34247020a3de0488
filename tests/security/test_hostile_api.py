"""Hostile bodies through the HTTP API: every upload route and every public route answers 4xx with a
clear error (issues for uploads), never a 500, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.merchants import create_merchant
from tests.conftest import make_settings
from tests.security.test_fuzz_parsers import HOSTILE_NAMES, hostile_files
from web.app import create_app

UPLOAD_ROUTES = ["/api/merchant/products", "/api/merchant/size-charts", "/api/feedback"]
CONTENT_TYPES = [
    "text/csv",
    "application/json",
    "application/octet-stream",
    "",
    "multipart/form-data; boundary=x",
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = make_settings(tmp_path_factory.mktemp("hostile"), max_upload_bytes=4 * 1024 * 1024)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with client.app.state.db.session() as session:  # type: ignore[attr-defined]
            key = create_merchant(session, "Hostile", "hostile").key
        yield client, {"Authorization": f"Bearer {key}"}


def _stored(client: TestClient, auth: dict[str, str]) -> tuple[int, int, int]:
    me = client.get("/api/merchant/me", headers=auth).json()
    return me["products"], me["size_charts"], me["catalog_version"]


def _assert_clean_refusal(response: object, where: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert 400 <= status < 500, (where, status, response.text[:300])  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body.get("error") and body.get("detail"), (where, body)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_files_are_4xx_with_issues_on_every_upload_route(
    api: tuple[TestClient, dict[str, str]], name: str
) -> None:
    client, auth = api
    data, filename = hostile_files()[name]
    before = _stored(client, auth)
    for route in UPLOAD_ROUTES:
        multipart = client.post(route, files={"file": (filename or "upload", data)}, headers=auth)
        raw = client.post(route, content=data, headers={**auth, "content-type": "text/csv"})
        as_json = client.post(route, content=data, headers={**auth, "content-type": "application/json"})
        for kind, response in (("multipart", multipart), ("raw", raw), ("json", as_json)):
            if response.status_code == 200:
                continue  # a hostile-looking file may still be a valid (tiny) catalog: no 5xx is the point
            _assert_clean_refusal(response, (name, route, kind))
    after = _stored(client, auth)
    assert after[0] - before[0] <= 1 and after[1] == before[1]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=500).map(str.encode),
        st.recursive(
            st.one_of(
                st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
            ),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    route=st.sampled_from(UPLOAD_ROUTES),
    content_type=st.sampled_from(CONTENT_TYPES),
    query=st.sampled_from(
        ["", "?dry_run=true", "?mode=replace&dry_run=true", "?mode=bogus", "?unit=furlong"]
    ),
)
def test_random_bodies_never_cause_a_5xx(
    api: tuple[TestClient, dict[str, str]], body: bytes, route: str, content_type: str, query: str
) -> None:
    client, auth = api
    headers = {**auth, "content-type": content_type} if content_type else auth
    response = client.post(route + query, content=body, headers=headers)
    assert response.status_code < 500, (route, content_type, body[:100], response.text[:300])


PUBLIC_BODIES = [
    b"[" * 10_000 + b"]" * 10_000,
    b'{"merchant_id": "hostile", "message": "hi", "profile": {"height": 1' + b"0" * 5_000 + b"}}",
    b'{"merchant_id": "hostile", "message": "\xff\xfe"}',
    b'{"merchant_id": "hostile", "message": "' + "裙".encode() * 100_000 + b'"}',
    b'{"merchant_id": "hostile", "message": "hi", "session_id": "../../etc/passwd"}',
    b'{"merchant_id": "' + b"x" * 10_000 + b'", "message": "hi"}',
    b'{"merchant_id": "hostile", "sku": "A", "body": {"height": "1e309cm", "weight": "NaN kg"}}',
    b'{"merchant_id": "hostile", "skus": [' + b'"a",' * 5_000 + b'"b"], "body": {"height": "170cm"}}',
    b'{"height": "' + b"9" * 4_400 + b'", "weight": "' + "斤".encode() * 1000 + b'"}',
    b'{"height": 170, "weight": 60, "sex": "female", "bra_size": "' + b"9" * 5000 + b'A"}',
    b'{"height": "5\'" , "weight": -1, "sex": {"$ne": null}}',
    b"\xef\xbb\xbf{}",
    b"null",
    b"",
]


@pytest.mark.parametrize(
    "path", ["/api/chat", "/api/size/estimate", "/api/size/recommend", "/api/size/recommend/batch"]
)
@pytest.mark.parametrize("index", range(len(PUBLIC_BODIES)))
def test_hostile_public_bodies_are_4xx(api: tuple[TestClient, dict[str, str]], path: str, index: int) -> None:
    client, _auth = api
    response = client.post(path, content=PUBLIC_BODIES[index], headers={"content-type": "application/json"})
    assert response.status_code < 500, (path, index, response.text[:300])
