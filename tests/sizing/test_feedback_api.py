"""POST /api/feedback and GET /api/merchant/fit-insights through the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.merchants import create_merchant
from catalog.models import FitFeedback, Product, RecommendationEvent, SizeChart, Variant
from fitguide.db import Database
from tests.conftest import make_settings

TEE_ROWS = [
    {"size": size, "measurements": {"chest": [low, low + 4.0]}}
    for size, low in (("S", 84.0), ("M", 88.0), ("L", 92.0), ("XL", 96.0))
]


def add_products(database: Database, merchant_id: str, skus: tuple[str, ...] = ("TEE", "TOP")) -> None:
    with database.session() as session:
        session.add(
            SizeChart(merchant_id=merchant_id, chart_id="tee", name="Tees", category="tshirt", rows=TEE_ROWS)
        )
        for sku in skus:
            product = Product(
                merchant_id=merchant_id,
                sku=sku,
                title=f"Product {sku}",
                brand="Acme",
                category="tshirt",
                price=99,
                size_chart_id="tee",
            )
            product.variants = [
                Variant(size_label=s, position=i) for i, s in enumerate(("S", "M", "L", "XL"))
            ]
            session.add(product)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module (start-up is the slow part); each test gets its own merchant."""
    from web.app import create_app

    settings = make_settings(Path(tmp_path_factory.mktemp("feedback")))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def shop(client: TestClient) -> dict[str, str]:
    database = client.app.state.db  # type: ignore[attr-defined]
    with database.session() as session:
        issued = create_merchant(session, "Shop", f"shop-{uuid.uuid4().hex[:10]}")
    add_products(database, issued.merchant_id)
    return {"id": issued.merchant_id, "key": issued.key, "auth": f"Bearer {issued.key}"}


def _line(
    line_id: str, outcome: str = "kept", sku: str = "TEE", size: str = "M", **extra: Any
) -> dict[str, Any]:
    return {"id": line_id, "sku": sku, "size": size, "outcome": outcome, **extra}


def _stored(client: TestClient, merchant_id: str) -> int:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        count = session.scalar(
            select(func.count(FitFeedback.id)).where(FitFeedback.merchant_id == merchant_id)
        )
        return int(count or 0)


def test_same_line_id_counts_once_and_a_changed_outcome_updates(
    client: TestClient, shop: dict[str, str]
) -> None:
    auth = {"Authorization": shop["auth"]}
    first = client.post(
        "/api/feedback", json={"lines": [_line("o1-1"), _line("o1-2", "too_small")]}, headers=auth
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 2, "accepted": 2, "duplicates": 0, "updated": 0}
    again = client.post("/api/feedback", json={"lines": [_line("o1-1"), _line("o1-1")]}, headers=auth)
    assert again.json() == {"received": 2, "accepted": 0, "duplicates": 2, "updated": 0}
    changed = client.post("/api/feedback", json={"lines": [_line("o1-1", "too_large")]}, headers=auth)
    assert changed.json() == {"received": 1, "accepted": 0, "duplicates": 0, "updated": 1}
    assert _stored(client, shop["id"]) == 2


def test_body_and_spellings_are_normalised(client: TestClient, shop: dict[str, str]) -> None:
    line = _line("b1", "Too Small", size=" m ", body={"height_cm": 175, "weight_kg": 70, "sex": "male"})
    response = client.post("/api/feedback", json={"lines": [line]}, headers={"Authorization": shop["auth"]})
    assert response.status_code == 200, response.text
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        row = session.scalars(select(FitFeedback).where(FitFeedback.merchant_id == shop["id"])).one()
    assert (row.size_label, row.outcome, row.body["height_cm"]) == ("M", "too_small", 175)


def test_csv_upload(client: TestClient, shop: dict[str, str]) -> None:
    csv_text = (
        "id,sku,size,outcome,height_cm,weight_kg,sex\nc1,TEE,M,kept,170,65,female\nc2,TOP,L,too_large,,,\n"
    )
    response = client.post(
        "/api/feedback",
        files={"file": ("returns.csv", csv_text.encode(), "text/csv")},
        headers={"Authorization": shop["auth"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 2
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(FitFeedback).where(FitFeedback.merchant_id == shop["id"]))
        bodies = {row.line_id: row.body for row in rows}
    assert bodies["c1"] == {"height_cm": 170.0, "weight_kg": 65.0, "sex": "female"}
    assert bodies["c2"] is None


def test_csv_without_required_columns(client: TestClient, shop: dict[str, str]) -> None:
    response = client.post(
        "/api/feedback",
        files={"file": ("r.csv", b"id,sku\n1,TEE\n", "text/csv")},
        headers={"Authorization": shop["auth"]},
    )
    assert response.status_code == 422
    assert {issue["column"] for issue in response.json()["issues"]} == {"size", "outcome"}


def test_every_bad_line_is_listed_and_nothing_is_stored(client: TestClient, shop: dict[str, str]) -> None:
    lines = [
        _line("ok"),
        _line("x1", sku="NOPE"),
        _line("x2", size="3XL"),
        _line("x3", outcome="returned"),
        _line("x4", body={"height_cm": -5, "weight_kg": 60}),
        {"sku": "TEE", "size": "M", "outcome": "kept"},
    ]
    response = client.post(
        "/api/feedback",
        json={"lines": lines},
        headers={"Authorization": shop["auth"], "Accept-Language": "zh"},
    )
    assert response.status_code == 422
    found = {(issue["row"], issue["column"]) for issue in response.json()["issues"]}
    assert found == {(2, "sku"), (3, "size"), (4, "outcome"), (5, "body.height_cm"), (6, "id")}
    by_row = {issue["row"]: issue for issue in response.json()["issues"]}
    assert by_row[2]["value"] == "NOPE" and "SKU" in by_row[2]["reason"]
    assert by_row[3]["value"] == "3XL"
    assert _stored(client, shop["id"]) == 0


def test_conflicting_repeat_inside_one_batch_is_an_error(client: TestClient, shop: dict[str, str]) -> None:
    lines = [_line("d1"), _line("d1", "too_small")]
    response = client.post("/api/feedback", json={"lines": lines}, headers={"Authorization": shop["auth"]})
    assert response.status_code == 422
    assert response.json()["issues"][0]["code"] == "conflicting_duplicate"


def test_auth_is_required_and_skus_are_per_merchant(client: TestClient, shop: dict[str, str]) -> None:
    assert client.post("/api/feedback", json={"lines": [_line("a")]}).status_code == 401
    assert client.get("/api/merchant/fit-insights").status_code == 401
    database = client.app.state.db  # type: ignore[attr-defined]
    with database.session() as session:
        other = create_merchant(session, "Other", f"other-{uuid.uuid4().hex[:10]}")
    add_products(database, other.merchant_id, skus=("THEIRS",))
    response = client.post(
        "/api/feedback", json={"lines": [_line("a", sku="THEIRS")]}, headers={"Authorization": shop["auth"]}
    )
    assert response.status_code == 422
    assert response.json()["issues"][0]["code"] == "unknown_sku"
    # The same line id at another merchant is a different line.
    ours = client.post("/api/feedback", json={"lines": [_line("a")]}, headers={"Authorization": shop["auth"]})
    theirs = client.post(
        "/api/feedback",
        json={"lines": [_line("a", sku="THEIRS")]},
        headers={"Authorization": f"Bearer {other.key}"},
    )
    assert ours.json()["accepted"] == theirs.json()["accepted"] == 1


def test_bad_shapes(client: TestClient, shop: dict[str, str]) -> None:
    auth = {"Authorization": shop["auth"]}
    assert client.post("/api/feedback", json={"lines": []}, headers=auth).status_code == 422
    assert client.post("/api/feedback", json={"rows": 1}, headers=auth).status_code == 422
    assert client.post("/api/feedback", json={"lines": ["x"]}, headers=auth).status_code == 422
    assert client.post("/api/feedback", content=b"", headers=auth).status_code == 422


def test_insights_flag_a_product_that_runs_small(client: TestClient, shop: dict[str, str]) -> None:
    auth = {"Authorization": shop["auth"]}
    lines = [_line(f"s{i}", "too_small") for i in range(24)] + [_line(f"k{i}") for i in range(4)]
    lines += [_line(f"t{i}", sku="TOP", outcome="kept" if i % 5 else "too_large") for i in range(20)]
    assert client.post("/api/feedback", json={"lines": lines}, headers=auth).status_code == 200
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        session.add_all(
            [RecommendationEvent(merchant_id=shop["id"], sku="TEE", size_label="L") for _ in range(3)]
        )
    insights = client.get("/api/merchant/fit-insights", headers=auth).json()
    tee = next(product for product in insights["products"] if product["sku"] == "TEE")
    assert tee["flag"] == "runs_small" and tee["evidence"] == "strong"
    assert tee["counts"] == {"kept": 4, "too_small": 24, "too_large": 0}
    assert tee["offset_sizes"] > 0 and tee["interval80"][0] > 0
    assert tee["recommendations_shown"] == 3
    assert "24 of 28" in tee["message"] and "偏小" in tee["message_zh"]
    top = next(product for product in insights["products"] if product["sku"] == "TOP")
    assert top["flag"] is None
    assert insights["products"][0]["sku"] == "TEE"
    # The recommender sees the refreshed model at once.
    adjustment = client.app.state.fit_adjuster.adjustment(shop["id"], "TEE")  # type: ignore[attr-defined]
    assert adjustment.strong and adjustment.offset_cm > 0 and adjustment.evidence_count == 28
    assert adjustment.message is not None and "Runs small" in adjustment.message


def test_too_large_from_buyers_who_sized_up_is_not_blamed_on_the_product(
    client: TestClient, shop: dict[str, str]
) -> None:
    auth = {"Authorization": shop["auth"]}
    body = {"height_cm": 168, "weight_kg": 56, "sex": "male"}
    asked = client.post("/api/size/recommend", json={"merchant_id": shop["id"], "sku": "TEE", "body": body})
    assert asked.status_code == 200, asked.text
    one_up = {"S": "M", "M": "L", "L": "XL"}[asked.json()["size"]]
    lines = [_line(f"u{i}", "too_large", size=one_up, body=body) for i in range(30)]
    assert client.post("/api/feedback", json={"lines": lines}, headers=auth).status_code == 200
    insights = client.get("/api/merchant/fit-insights", headers=auth).json()
    tee = next(product for product in insights["products"] if product["sku"] == "TEE")
    assert tee["flag"] is None
    adjustment = client.app.state.fit_adjuster.adjustment(shop["id"], "TEE")  # type: ignore[attr-defined]
    assert not adjustment.strong


def test_csv_with_chinese_headers_and_outcomes(client: TestClient, shop: dict[str, str]) -> None:
    csv_text = "订单行号,商品编码,尺码,结果,身高,体重,性别\nz1,TEE,M,偏小,165,55,女\nz2,TOP,L,合适,,,\n"
    response = client.post(
        "/api/feedback",
        files={"file": ("退货.csv", csv_text.encode(), "text/csv")},
        headers={"Authorization": shop["auth"]},
    )
    assert response.status_code == 200, response.text
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        rows = {
            row.line_id: row
            for row in session.scalars(select(FitFeedback).where(FitFeedback.merchant_id == shop["id"]))
        }
    assert (rows["z1"].outcome, rows["z1"].body["height_cm"]) == ("too_small", 165.0)
    assert rows["z2"].outcome == "kept" and rows["z2"].body is None


def test_file_issues_name_columns_as_written(client: TestClient, shop: dict[str, str]) -> None:
    csv_text = (
        "订单行号,商品编码,尺码,结果,身高,体重,胸围cm\n"
        "e1,NOPE,M,偏小,165,55,\n"
        "e2,TEE,3XL,合适,,,\n"
        "e3,TEE,M,退货,,,\n"
        "e4,TEE,M,合适,-5,55,\n"
        "e5,TEE,M,合适,170,60,999\n"
        ",TEE,M,合适,,,\n"
    )
    response = client.post(
        "/api/feedback",
        files={"file": ("退货.csv", csv_text.encode(), "text/csv")},
        headers={"Authorization": shop["auth"], "Accept-Language": "zh"},
    )
    assert response.status_code == 422
    found = {(issue["row"], issue["column"]) for issue in response.json()["issues"]}
    assert found == {(2, "商品编码"), (3, "尺码"), (4, "结果"), (5, "身高"), (6, "胸围cm"), (7, "订单行号")}
    by_row = {issue["row"]: issue for issue in response.json()["issues"]}
    assert by_row[6]["value"] == "999"
    assert _stored(client, shop["id"]) == 0
