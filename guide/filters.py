"""Hard constraints on a product search. Retrieval applies them before ranking, never after a cut.

Values are canonical names from ``catalog.taxonomy`` (categories, colours, ...); list fields are ORs
within a field and ANDs across fields. Exclusions always win.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Filters:
    categories: list[str] = field(default_factory=list)
    gender: str | None = None  # men | women; unisex products match either
    colors: list[str] = field(default_factory=list)
    exclude_colors: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)  # matched case-insensitively
    exclude_brands: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    exclude_materials: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    occasions: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    size_in_stock: str | None = None  # only products whose variant with this label has stock > 0
    skus: list[str] = field(default_factory=list)  # restrict to these (compare, follow-ups)
    exclude_skus: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        # Lists copied one level (their items are strings): dataclasses.asdict's recursive deep copy
        # was a measurable part of every chat turn.
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {k: list(v) if isinstance(v, list) else v for k, v in values if v not in (None, [], "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Filters:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def is_empty(self) -> bool:
        return not self.as_dict()
