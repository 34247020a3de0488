"""Two merchants with small, distinguishable catalogs in one app: the fixture every tenancy test uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog import service as catalog_service
from catalog.merchants import create_merchant
from catalog.models import Base, Product
from fitguide.db import Database


def charts_csv(prefix: str) -> str:
    return (
        "chart_id,name,brand,category,gender,kind,size,chest_cm,waist_cm,hip_cm\n"
        f"{prefix}-tops,{prefix} tops,{prefix}brand,tshirt,women,body,S,80-84,62-66,86-90\n"
        f"{prefix}-tops,{prefix} tops,{prefix}brand,tshirt,women,body,M,84-88,66-70,90-94\n"
        f"{prefix}-tops,{prefix} tops,{prefix}brand,tshirt,women,body,L,88-92,70-74,94-98\n"
    )


def products_csv(prefix: str, word: str) -> str:
    return (
        "sku,title,description,brand,category,gender,color,price,sizes,stock,size_chart\n"
        f"{prefix}-TEE-1,{word} cotton tee,{word} tee for summer,{prefix}brand,tshirt,women,red,99,S|M|L,"
        f"S:3|M:3|L:3,{prefix}-tops\n"
        f"{prefix}-TEE-2,{word} linen tee,{word} tee,{prefix}brand,tshirt,women,blue,129,S|M|L,"
        f"S:1|M:1|L:1,{prefix}-tops\n"
    )


@dataclass(frozen=True)
class Shop:
    id: str
    key: str
    origin: str
    word: str  # a word that appears only in this shop's catalog
    skus: tuple[str, ...]
    chart_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_shop(database: Database, merchant_id: str, prefix: str, word: str) -> Shop:
    origin = f"http://{merchant_id}.test"
    with database.session() as session:
        issued = create_merchant(session, f"Shop {prefix}", merchant_id, [origin])
    charts = catalog_service.parse_chart_upload(charts_csv(prefix).encode(), filename="c.csv")
    products = catalog_service.parse_product_upload(products_csv(prefix, word).encode(), filename="p.csv")
    catalog_service.import_catalog(database, merchant_id, charts=charts, products=products)
    return Shop(
        merchant_id, issued.key, origin, word, (f"{prefix}-TEE-1", f"{prefix}-TEE-2"), f"{prefix}-tops"
    )


@pytest.fixture
def shops(client: TestClient) -> tuple[Shop, Shop]:
    database: Database = client.app.state.db  # type: ignore[attr-defined]
    return (
        make_shop(database, "shop-a", "AAA", "aardvark"),
        make_shop(database, "shop-b", "BBB", "bumblebee"),
    )


def snapshot(database: Database, except_merchant: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (rows of ``except_merchant`` left out): equal snapshots mean nothing
    was written."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with database.session() as session:
        excluded_products: set[int] = set()
        if except_merchant is not None:
            excluded_products = set(
                session.scalars(select(Product.id).where(Product.merchant_id == except_merchant))
            )
        for table in Base.metadata.sorted_tables:
            rows = []
            for row in session.execute(select(table)).mappings():
                if except_merchant is not None and (
                    row.get("merchant_id") == except_merchant
                    or (table.name == "merchants" and row.get("id") == except_merchant)
                    or row.get("product_id") in excluded_products
                ):
                    continue
                rows.append(tuple(str(value) for value in row.values()))
            result[table.name] = sorted(rows)
    return result
