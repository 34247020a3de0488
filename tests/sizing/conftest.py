"""Sizing fixtures: the shipped body model and a small synthetic catalog with body and garment charts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.models import Merchant, Product, SizeChart
from fitguide.db import Database
from fitguide.settings import REPO_ROOT
from sizing.body_model import BodyModel, load_body_model
from sizing.service import SizingService

MERCHANT = "shop"

# Men's tops body chart, 4 cm chest steps.
BODY_TOP_ROWS: list[dict[str, Any]] = [
    {"size": size, "measurements": {"chest": [low, low + 4.0], "height": [h, h + 5.0]}}
    for size, low, h in (
        ("S", 84.0, 160.0),
        ("M", 88.0, 165.0),
        ("L", 92.0, 170.0),
        ("XL", 96.0, 175.0),
        ("2XL", 100.0, 180.0),
        ("3XL", 104.0, 185.0),
    )
]
# Women's jeans garment chart (point values), numeric labels.
GARMENT_JEANS_ROWS: list[dict[str, Any]] = [
    {"size": str(label), "measurements": {"waist": waist, "hip": hip, "inseam": 76.0}}
    for label, waist, hip in (
        (25, 64.0, 88.0),
        (26, 67.0, 91.0),
        (27, 70.0, 94.0),
        (28, 73.0, 97.0),
        (29, 76.0, 100.0),
        (30, 79.0, 103.0),
        (31, 82.0, 106.0),
        (32, 85.0, 109.0),
    )
]
# Men's shirts garment chart with GB/T 号型 labels.
HAOXING_SHIRT_ROWS: list[dict[str, Any]] = [
    {"size": f"{h}/{g}A", "measurements": {"chest": g + 10.0, "shoulder": 40.0 + (g - 80) / 4 * 1.2}}
    for h, g in ((160, 80), (165, 84), (170, 88), (175, 92), (180, 96), (185, 100), (190, 104))
]


@pytest.fixture(scope="session")
def body_model() -> BodyModel:
    return load_body_model(REPO_ROOT / "data")


def add_catalog(database: Database) -> None:
    with database.session() as session:
        session.add(Merchant(id=MERCHANT, name="Shop"))
        session.flush()
        session.add_all(
            [
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id="men-tee",
                    name="Men tees",
                    category="tshirt",
                    gender="men",
                    kind="body",
                    rows=BODY_TOP_ROWS,
                ),
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id="jeans",
                    name="Women jeans",
                    brand="Denimco",
                    category="jeans",
                    gender="women",
                    kind="garment",
                    fit="slim",
                    stretch=0.3,
                    rows=GARMENT_JEANS_ROWS,
                ),
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id="shirt-hx",
                    name="Shirts",
                    brand="Hx",
                    category="shirt",
                    gender="men",
                    kind="garment",
                    fit="regular",
                    rows=HAOXING_SHIRT_ROWS,
                ),
            ]
        )
        session.add_all(
            [
                Product(
                    merchant_id=MERCHANT,
                    sku="TEE1",
                    title="Tee",
                    category="tshirt",
                    gender="men",
                    price=99,
                    size_chart_id="men-tee",
                ),
                Product(
                    merchant_id=MERCHANT, sku="TEE2", title="Tee 2", category="tshirt", gender="men", price=99
                ),
                Product(
                    merchant_id=MERCHANT,
                    sku="JEAN1",
                    title="Jeans",
                    brand="Denimco",
                    category="jeans",
                    gender="women",
                    price=199,
                ),
                Product(
                    merchant_id=MERCHANT,
                    sku="SHIRT1",
                    title="Shirt",
                    category="shirt",
                    gender="men",
                    price=99,
                    size_chart_id="shirt-hx",
                ),
                Product(
                    merchant_id=MERCHANT,
                    sku="SCARF",
                    title="Scarf",
                    category="scarf",
                    gender="unisex",
                    price=50,
                ),
            ]
        )


@pytest.fixture
def sizing_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'sizing.db'}")
    database.migrate()
    add_catalog(database)
    yield database
    database.dispose()


@pytest.fixture
def service(body_model: BodyModel, sizing_db: Database) -> SizingService:
    return SizingService(body_model, sizing_db)
