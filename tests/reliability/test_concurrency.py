"""Concurrent writers on one merchant, through the real app on SQLite and PostgreSQL: two uploads never
mix (one wins whole, the other applies after it or fails), and feedback posted concurrently with
overlapping order-line ids is counted exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.models import FitFeedback, Merchant, Product, Variant
from fitguide.db import Database
from tests.conftest import make_settings
from tests.security.conftest import Shop, make_shop
from web.app import create_app

ROWS = 1_500


@pytest.fixture
def app_client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        yield client


def catalog(tag: str, chart_id: str) -> str:
    lines = ["sku,title,price,sizes,size_chart"]
    lines += [f"{tag}-{i},{tag} tee {i},{10 + i % 7},S|M|L,{chart_id}" for i in range(ROWS)]
    return "\n".join(lines) + "\n"


def run_together(*calls: Any) -> list[Any]:
    """Start every call at the same moment on its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:  # surfaced by the assertions below
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def catalog_tags(database: Database, merchant_id: str) -> tuple[set[str], set[str], int, int]:
    with database.session() as session:
        rows = session.execute(
            select(Product.sku, Product.title).where(Product.merchant_id == merchant_id)
        ).all()
        variants = session.scalar(
            select(func.count())
            .select_from(Variant)
            .join(Product, Product.id == Variant.product_id)
            .where(Product.merchant_id == merchant_id)
        )
        version = session.scalar(select(Merchant.catalog_version).where(Merchant.id == merchant_id))
    return (
        {sku.split("-")[0] for sku, _ in rows},
        {t.split()[0] for _, t in rows},
        int(variants or 0),
        int(version or 0),
    )


@pytest.mark.parametrize("mode", ["replace", "upsert"])
def test_two_concurrent_uploads_never_mix(app_client: TestClient, mode: str) -> None:
    database: Database = app_client.app.state.db  # type: ignore[attr-defined]
    shop = make_shop(database, "race-shop", "RACE", "racing")
    start_version = catalog_tags(database, shop.id)[3]
    for attempt in range(3):
        first, second = f"A{attempt}", f"B{attempt}"
        # In upsert mode both files carry the same skus, so a mix would show as titles of both.
        sku_tag = (first, second) if mode == "replace" else ("SAME", "SAME")

        def upload(tag: str, sku: str) -> Any:
            body = catalog(sku, shop.chart_id).replace(f"{sku} tee", f"{tag} tee")
            return app_client.post(
                f"/api/merchant/products?mode={mode}",
                content=body.encode(),
                headers={**shop.auth, "content-type": "text/csv"},
            )

        responses = run_together(
            lambda a=first, s=sku_tag[0]: upload(a, s), lambda b=second, s=sku_tag[1]: upload(b, s)
        )
        statuses = [getattr(response, "status_code", response) for response in responses]
        assert all(status in (200, 409) for status in statuses), statuses
        assert 200 in statuses
        sku_tags, title_tags, variants, version = catalog_tags(database, shop.id)
        if mode == "upsert":  # the shop's own two products stay beside the uploaded ones
            title_tags -= {"racing"}
            variants -= 2 * 3
        reports = [getattr(r, "text", r)[:300] for r in responses]
        assert len(title_tags) == 1 and title_tags <= {first, second}, (attempt, title_tags, reports)
        if mode == "replace":
            assert sku_tags == title_tags
        assert variants == 3 * ROWS
        # Each successful upload bumped the version once, in some order.
        versions = sorted(r.json()["catalog_version"] for r in responses if r.status_code == 200)
        assert versions == list(range(version - len(versions) + 1, version + 1))
        assert version > start_version
        start_version = version


def test_concurrent_feedback_with_overlapping_ids_counts_each_line_once(app_client: TestClient) -> None:
    database: Database = app_client.app.state.db  # type: ignore[attr-defined]
    shop: Shop = make_shop(database, "fb-shop", "FB", "feedbackword")
    outcomes = ["kept", "too_small", "too_large"]

    def batch(worker: int) -> list[dict[str, Any]]:
        # Worker k posts lines k*10 .. k*10+29: each id is in up to three batches.
        return [
            {"id": f"order-{n}", "sku": shop.skus[n % 2], "size": "M", "outcome": outcomes[n % 3]}
            for n in range(worker * 10, worker * 10 + 30)
        ]

    workers = 8
    calls = [
        lambda w=w: app_client.post("/api/feedback", json={"lines": batch(w)}, headers=shop.auth)
        for w in range(workers)
    ]
    responses = run_together(*calls)
    assert all(getattr(r, "status_code", r) == 200 for r in responses), [
        getattr(r, "text", r) for r in responses
    ]
    reports = [r.json() for r in responses]
    distinct = {line["id"] for w in range(workers) for line in batch(w)}
    with database.session() as session:
        stored = session.scalar(
            select(func.count()).select_from(FitFeedback).where(FitFeedback.merchant_id == shop.id)
        )
    assert stored == len(distinct)
    assert sum(report["accepted"] for report in reports) == len(distinct)
    assert sum(report["received"] for report in reports) == workers * 30
    assert (
        sum(report["accepted"] + report["duplicates"] + report["updated"] for report in reports)
        == workers * 30
    )
    # Sending everything again changes nothing.
    again = app_client.post("/api/feedback", json={"lines": batch(0)}, headers=shop.auth).json()
    assert again["accepted"] == 0 and again["duplicates"] == 30
