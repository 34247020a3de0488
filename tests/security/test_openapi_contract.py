"""schemathesis against the app's own OpenAPI schema, in process over ASGI: no 5xx and every response
conforms to the schema (body, content type). Merchant routes run with a real key, public routes half
the time with the real merchant and a real sku, so generated cases reach past the 404s.

Bounded: a fixed number of examples per operation, derandomised, so it is repeatable and quick."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_settings
from tests.security.conftest import Shop, make_shop
from web.app import create_app

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES_PER_OPERATION = int(os.environ.get("FITGUIDE_SCHEMATHESIS_EXAMPLES", "25"))
MERCHANT_PREFIXES = ("/api/merchant", "/api/feedback")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Shop]]:
    settings_ = make_settings(tmp_path_factory.mktemp("contract"), max_upload_bytes=256 * 1024)
    app = create_app(settings_)
    with TestClient(app):  # runs the lifespan: database, sizing, guide
        shop = make_shop(app.state.db, "shop", "SCH", "schematic")
        yield app, shop


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _aim_at_the_shop(case: Any, shop: Shop, use_real: bool) -> Any:
    if case.path.startswith(MERCHANT_PREFIXES):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {shop.key}"}
    elif use_real and isinstance(case.body, dict):
        if "merchant_id" in case.body:
            case.body["merchant_id"] = shop.id
        if "sku" in case.body:
            case.body["sku"] = shop.skus[0]
        if isinstance(case.body.get("skus"), list):
            case.body["skus"] = [*shop.skus, *case.body["skus"][:3]]
    return case


def test_no_5xx_and_responses_conform_to_the_schema(live: tuple[Any, Shop]) -> None:
    from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

    app, shop = live
    operations = _operations(app)
    assert len(operations) >= 8, [op.label for op in operations]
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    ran: dict[str, int] = {}

    def exercise(operation: Any) -> None:
        ran[operation.label] = 0

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), use_real=st.booleans())
        def run(case: Any, use_real: bool) -> None:
            case = _aim_at_the_shop(case, shop, use_real)
            response = case.call()
            case.validate_response(response, checks=checks)
            ran[operation.label] += 1

        run()

    for operation in operations:
        exercise(operation)
    print(f"schemathesis: {sum(ran.values())} cases over {len(ran)} operations")
    assert all(count > 0 for count in ran.values()), ran
