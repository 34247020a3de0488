from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.models import RecommendationEvent
from tests.sizing.conftest import MERCHANT, add_catalog

BODY = {"height": "175cm", "weight": "140斤", "sex": "男"}


def _with_catalog(client: TestClient) -> TestClient:
    add_catalog(client.app.state.db)  # type: ignore[attr-defined]
    return client


def test_estimate_endpoint(client: TestClient) -> None:
    response = client.post("/api/size/estimate", json=BODY)
    assert response.status_code == 200
    data = response.json()
    assert data["weight_kg"] == 70.0
    chest = next(m for m in data["measurements"] if m["dimension"] == "chest")
    assert chest["low_cm"] < chest["estimate_cm"] < chest["high_cm"]
    assert data["haoxing_top"].startswith("175/")


def test_422_names_every_bad_field_in_the_requested_language(client: TestClient) -> None:
    response = client.post(
        "/api/size/estimate",
        json={"height_cm": -170, "weight": "500kg", "sex": "female", "hip_cm": "40 furlongs"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    issues = {issue["column"]: issue for issue in response.json()["issues"]}
    assert set(issues) == {"height_cm", "weight", "hip_cm"}
    assert issues["weight"]["value"] == "500kg"
    assert "超出合理范围" in issues["weight"]["reason"]
    english = client.post("/api/size/estimate", json={"height_cm": 170, "weight": "60 bags", "sex": "f"})
    assert "cannot read weight" in english.json()["issues"][0]["reason"]


def test_recommend_and_batch(client: TestClient) -> None:
    _with_catalog(client)
    single = client.post("/api/size/recommend", json={"merchant_id": MERCHANT, "sku": "TEE1", "body": BODY})
    assert single.status_code == 200
    data = single.json()
    for key in (
        "size",
        "probabilities",
        "confidence",
        "alternatives",
        "dimensions",
        "explanation",
        "haoxing",
    ):
        assert key in data
    batch = client.post(
        "/api/size/recommend/batch",
        json={"merchant_id": MERCHANT, "skus": ["TEE1", "SCARF", "GONE"], "body": BODY, "lang": "zh"},
    )
    assert batch.status_code == 200
    payload = batch.json()
    assert payload["unknown_skus"] == ["GONE"]
    assert payload["results"]["SCARF"]["status"] == "no_chart"
    assert "尺码表" in payload["results"]["SCARF"]["explanation"]
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(RecommendationEvent)) == 2


def test_not_found(client: TestClient) -> None:
    _with_catalog(client)
    unknown_sku = client.post(
        "/api/size/recommend", json={"merchant_id": MERCHANT, "sku": "NOPE", "body": BODY}
    )
    assert unknown_sku.status_code == 404
    unknown_merchant = client.post(
        "/api/size/recommend", json={"merchant_id": "nobody", "sku": "X", "body": BODY}
    )
    assert unknown_merchant.status_code == 404


def test_bad_fit_preference_is_422(client: TestClient) -> None:
    _with_catalog(client)
    response = client.post(
        "/api/size/recommend",
        json={"merchant_id": MERCHANT, "sku": "TEE1", "body": BODY, "fit_preference": "baggy"},
    )
    assert response.status_code == 422
    assert response.json()["issues"][0]["column"] == "fit_preference"


def test_recommend_sends_neighbours_in_the_widget_shape(client: TestClient) -> None:
    _with_catalog(client)
    data = client.post(
        "/api/size/recommend", json={"merchant_id": MERCHANT, "sku": "SHIRT1", "body": BODY}
    ).json()
    assert data["neighbours"], "sizes next to the recommended one"
    top_level_keys = set(data["dimensions"][0])
    for neighbour in data["neighbours"]:
        assert set(neighbour) == {"size", "probability", "dimensions"}
        assert neighbour["size"] in data["probabilities"] and neighbour["size"] != data["size"]
        assert all(set(d) == top_level_keys for d in neighbour["dimensions"])


def test_estimate_reads_a_height_number_in_metres_and_shows_bad_values_as_given(client: TestClient) -> None:
    metres = client.post("/api/size/estimate", json={"height": 1.75, "weight": "11 st", "sex": "m"})
    assert metres.status_code == 200
    assert (metres.json()["height_cm"], metres.json()["weight_kg"]) == (175.0, 69.85)
    refused = client.post("/api/size/estimate", json={"height_cm": 1.75, "weight_kg": 70, "sex": "m"})
    assert refused.status_code == 422
    (issue,) = refused.json()["issues"]
    assert issue["column"] == "height_cm" and issue["reason"].startswith("1.75 cm is outside")


def _estimate(client: TestClient, **extra: object) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/api/size/estimate", json={"height": "175cm", "weight": "70kg", "sex": "男", **extra}
    )
    return response.status_code, response.json()


def test_estimate_uses_a_reference_garment_of_the_merchant(client: TestClient) -> None:
    _with_catalog(client)
    _, plain = _estimate(client)
    status, referenced = _estimate(
        client, merchant_id=MERCHANT, reference={"size": "190/104A", "brand": "Hx"}
    )
    assert status == 200

    def chest(data: dict[str, Any]) -> float:
        return float(next(m["estimate_cm"] for m in data["measurements"] if m["dimension"] == "chest"))

    assert chest(referenced) > chest(plain) + 2.0
    # A merchant alone changes nothing; an unknown one is a 404.
    assert _estimate(client, merchant_id=MERCHANT)[1] == plain
    assert _estimate(client, merchant_id="nobody")[0] == 404


NOWHERE = {"size": "XXXL", "brand": "nonexistent"}


@pytest.mark.parametrize(
    ("extra", "column", "fragment"),
    [
        ({"reference": NOWHERE}, "merchant_id", "merchant_id"),
        ({"merchant_id": MERCHANT, "reference": NOWHERE}, "reference", "nonexistent"),
        ({"merchant_id": MERCHANT, "reference": {"size": "XXXL", "brand": "Hx"}}, "reference.size", "XXXL"),
        # Denimco has women's jeans only: a man's reference cannot be read on them.
        ({"merchant_id": MERCHANT, "reference": {"size": "M", "brand": "Denimco"}}, "reference", "Denimco"),
    ],
)
def test_estimate_refuses_a_reference_it_cannot_use(
    client: TestClient, extra: dict[str, object], column: str, fragment: str
) -> None:
    _with_catalog(client)
    status, data = _estimate(client, **extra)
    assert status == 422
    assert data["issues"][0]["column"] == column
    assert fragment in data["detail"]
