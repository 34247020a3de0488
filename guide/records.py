"""The in-memory view of one product that search, filters and cards work on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    title: str
    price: float
    currency: str = "CNY"
    title_zh: str | None = None
    description: str | None = None
    brand: str | None = None
    category: str | None = None
    gender: str | None = None
    color: str | None = None
    material: str | None = None
    season: str | None = None
    occasion: str | None = None
    fit: str | None = None  # slim | regular | loose, from the product's attributes or chart
    image_url: str | None = None
    url: str | None = None
    size_chart_id: str | None = None
    sizes: tuple[str, ...] = ()  # size labels in chart order
    stock: dict[str, int | None] = field(default_factory=dict)  # None: merchant did not say

    def in_stock(self, size_label: str) -> bool:
        """True when the merchant lists this size with stock > 0 or gave no stock figure."""
        if size_label not in self.sizes:
            return False
        count = self.stock.get(size_label)
        return count is None or count > 0
