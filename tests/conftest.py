"""Shared fixtures: isolated settings per test, SQLite and PostgreSQL databases, the ASGI client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from fitguide.db import Database
from fitguide.settings import Settings

# CI explores the same examples every run, so a red build always reproduces; locally each run
# draws new ones and keeps finding fresh counterexamples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

POSTGRES_URL = os.environ.get("FITGUIDE_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("FITGUIDE_REQUIRE_POSTGRES") == "1"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test: its own var dir, the deterministic hash embedder, no demo catalog."""
    values: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "embedder": "hash",
        "load_demo": False,
        "rate_limit_per_minute": 0,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def _reset_postgres(url: str) -> None:
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    database.dispose()


def postgres_url_or_skip() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("FITGUIDE_REQUIRE_POSTGRES=1 but FITGUIDE_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests SKIPPED: set FITGUIDE_TEST_POSTGRES_URL (.ci/run does)")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Storage tests run once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return postgres_url_or_skip()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from web.app import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def merchant(client: TestClient) -> dict[str, str]:
    """A merchant created in the client's database: {"id", "key", "auth"} ready for headers."""
    from catalog.merchants import create_merchant

    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        issued = create_merchant(session, "Test Shop", "test-shop", ["http://shop.test"])
    return {"id": issued.merchant_id, "key": issued.key, "auth": f"Bearer {issued.key}"}
