from __future__ import annotations

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
    english = client.post("/api/size/estimate", json={"height_cm": 170, "weight": "60 stone", "sex": "f"})
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
