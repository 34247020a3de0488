"""A tiny in-memory stand-in for guide.search.CatalogSearch with the same method signatures.

Filters behave like the real search (hard constraints, exclusions win, unisex/unstated gender matches
either); ranking is word overlap, which is all the dialogue tests need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from guide.dialogue import SizeAdvice
from guide.filters import Filters
from guide.records import ProductRecord

RELAX_ORDER = (
    "price_max",
    "price_min",
    "size_in_stock",
    "colors",
    "materials",
    "brands",
    "gender",
    "categories",
)


@dataclass
class FakePage:
    items: list[ProductRecord]
    total: int
    scores: list[float]
    offset: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FakeRelaxation:
    field: str
    original: Any
    replacement: Any


@dataclass
class FakeRelaxed:
    relaxations: list[FakeRelaxation]
    filters: Filters
    page: FakePage


def _matches(product: ProductRecord, filters: Filters) -> bool:
    checks = (
        (filters.categories, product.category),
        (filters.colors, product.color),
        (filters.materials, product.material),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if filters.gender and product.gender not in (None, "unisex", filters.gender):
        return False
    brand = (product.brand or "").lower()
    if filters.brands and brand not in [b.lower() for b in filters.brands]:
        return False
    if brand and brand in [b.lower() for b in filters.exclude_brands]:
        return False
    if filters.price_min is not None and product.price < filters.price_min:
        return False
    if filters.price_max is not None and product.price > filters.price_max:
        return False
    if filters.size_in_stock and not product.in_stock(filters.size_in_stock):
        return False
    if filters.skus and product.sku not in filters.skus:
        return False
    if product.sku in filters.exclude_skus:
        return False
    return not (product.color in filters.exclude_colors or product.material in filters.exclude_materials)


class FakeSearch:
    def __init__(self, products: list[ProductRecord]) -> None:
        self.products = products
        self.calls: list[tuple[str, Filters]] = []

    def get(self, sku: str) -> ProductRecord | None:
        return next((p for p in self.products if p.sku == sku), None)

    def _ranked(self, text: str, filters: Filters | None, sort: str | None) -> list[ProductRecord]:
        filters = filters or Filters()
        words = set(text.lower().split())
        matching = [p for p in self.products if _matches(p, filters)]
        matching.sort(key=lambda p: -len(words & set(f"{p.title} {p.category} {p.color}".lower().split())))
        if sort in ("price_asc", "price_desc"):
            matching.sort(key=lambda p: p.price, reverse=sort == "price_desc")
        return matching

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        offset: int = 0,
        limit: int = 10,
        mode: str = "hybrid",
        sort: str | None = None,
    ) -> FakePage:
        self.calls.append((text, filters or Filters()))
        ranked = self._ranked(text, filters, sort)
        items = ranked[offset : offset + limit]
        return FakePage(items, len(ranked), [1.0] * len(items), offset)

    def nearest_relaxed(
        self, text: str, filters: Filters, limit: int = 10, mode: str = "hybrid", sort: str | None = None
    ) -> FakeRelaxed | None:
        for name in RELAX_ORDER:
            original = getattr(filters, name)
            if original in (None, []):
                continue
            if name == "price_max":
                loosened = replace(filters, price_max=None)
                above = [p.price for p in self._ranked(text, loosened, None) if p.price > original]
                if not above:
                    continue
                value: Any = math.ceil(min(above) / 100) * 100
            else:
                value = [] if isinstance(original, list) else None
            relaxed = replace(filters, **{name: value})
            page = self.search(text, relaxed, 0, limit, mode, sort)
            if page.items:
                return FakeRelaxed(
                    [FakeRelaxation(name, original, value if name == "price_max" else None)], relaxed, page
                )
        return None


def product(sku: str, title: str, price: float, **attributes: Any) -> ProductRecord:
    attributes.setdefault("sizes", ("S", "M", "L", "XL"))
    return ProductRecord(sku=sku, title=title, price=price, **attributes)


def demo_products() -> list[ProductRecord]:
    """A small mixed catalog: dresses, jeans, down jackets, T-shirts in a few colours and prices."""
    items = [
        product(
            "D1",
            "Red floral dress",
            299,
            category="dress",
            color="red",
            material="polyester",
            gender="women",
            fit="regular",
            title_zh="红色碎花连衣裙",
        ),
        product(
            "D2",
            "Black wrap dress",
            459,
            category="dress",
            color="black",
            material="viscose",
            gender="women",
            fit="slim",
        ),
        product(
            "D3",
            "Blue linen dress",
            520,
            category="dress",
            color="blue",
            material="linen",
            gender="women",
            stock={"S": 3, "M": 0, "L": 0, "XL": 1},
        ),
        product("D4", "Red silk dress", 899, category="dress", color="red", material="silk", gender="women"),
        product(
            "D5",
            "White cotton dress",
            199,
            category="dress",
            color="white",
            material="cotton",
            gender="women",
            fit="loose",
        ),
        product(
            "D6",
            "Green party dress",
            650,
            category="dress",
            color="green",
            material="polyester",
            gender="women",
            occasion="party",
        ),
        product(
            "D7",
            "Black cotton dress",
            359,
            category="dress",
            color="black",
            material="cotton",
            gender="women",
        ),
        product(
            "D8",
            "Pink summer dress",
            249,
            category="dress",
            color="pink",
            material="cotton",
            gender="women",
            season="summer",
        ),
        product(
            "J1",
            "Slim black jeans",
            399,
            category="jeans",
            color="black",
            material="denim",
            gender="men",
            fit="slim",
            brand="Levi's",
        ),
        product(
            "J2",
            "Blue straight jeans",
            329,
            category="jeans",
            color="blue",
            material="denim",
            gender="men",
            brand="Lee",
        ),
        product(
            "J3",
            "Women's skinny jeans",
            289,
            category="jeans",
            color="blue",
            material="denim",
            gender="women",
            fit="slim",
        ),
        product(
            "K1",
            "Black down jacket",
            799,
            category="down_jacket",
            color="black",
            material="down",
            gender="men",
        ),
        product(
            "K2",
            "Navy down jacket",
            699,
            category="down_jacket",
            color="navy",
            material="down",
            gender="women",
        ),
        product(
            "K3",
            "Long white down jacket",
            1299,
            category="down_jacket",
            color="white",
            material="down",
            gender="women",
        ),
        product(
            "T1", "Basic white tee", 59, category="tshirt", color="white", material="cotton", gender="unisex"
        ),
        product(
            "T2", "Black graphic tee", 89, category="tshirt", color="black", material="cotton", gender="men"
        ),
    ]
    return items


def fake_advisor(
    products: list[ProductRecord],
    body: dict[str, float],
    fit_preference: str | None,
    sex: str | None,
    lang: str,
) -> dict[str, SizeAdvice]:
    """Size from height alone, good enough to see that the profile reaches every card."""
    if "height_cm" not in body or "weight_kg" not in body:
        return {}
    height = float(body["height_cm"])
    size = "S" if height < 160 else "M" if height < 172 else "L"
    return {p.sku: SizeAdvice(size, 0.8, "true to size", (), p.in_stock(size)) for p in products if p.sizes}
