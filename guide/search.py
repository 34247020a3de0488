"""Hybrid product search over one merchant's catalog snapshot, with filters as hard constraints.

The filters become a boolean candidate mask first; BM25 and the vector index then rank only inside
that mask, so nothing outside it can ever be returned and nothing inside it is lost to a top-k cut.
Hybrid ranking fuses the two lists by reciprocal rank fusion or by a weighted sum of normalised scores
(``Settings.hybrid_fusion``; the evaluation in reports/guide/ decides the default).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from catalog import taxonomy
from fitguide.errors import InvalidInput
from fitguide.settings import Settings
from guide.embedding import QueryEmbeddingCache
from guide.filters import Filters
from guide.lexical import BM25Index
from guide.records import ProductRecord
from guide.vector_index import VectorIndex
from sizing.size_systems import normalize_size_label

SearchMode = Literal["hybrid", "bm25", "dense"]
SortOrder = Literal["price_asc", "price_desc"]
FusionMethod = Literal["rrf", "weighted"]
FILTER_FIELDS = ("category", "gender", "color", "material", "season", "occasion")
RRF_K = 60
# Products in none of these fields' lists are matched by these filter names.
_FILTER_FIELD_NAMES = {
    "categories": "category",
    "colors": "color",
    "materials": "material",
    "seasons": "season",
    "occasions": "occasion",
}
# Which constraint to loosen first when nothing matches; exclusions and sku lists are never loosened.
RELAX_ORDER = (
    "price_max",
    "price_min",
    "size_in_stock",
    "colors",
    "materials",
    "occasions",
    "seasons",
    "brands",
    "gender",
    "categories",
)


def similar_categories(categories: list[str]) -> list[str]:
    """The other categories of the same garment group (down jacket -> jacket, coat, blazer)."""
    groups = {taxonomy.garment_group(c) for c in categories}
    return [c.name for c in taxonomy.CATEGORIES if c.garment_group in groups and c.name not in categories]


@dataclass
class SearchPage:
    items: list[ProductRecord]
    total: int
    scores: list[float]
    offset: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Relaxation:
    field: str  # a Filters field name, e.g. "price_max" or "colors"
    original: Any
    replacement: Any  # the new value, or None when the constraint was dropped


@dataclass
class RelaxedSearch:
    relaxations: list[Relaxation]
    filters: Filters
    page: SearchPage


@dataclass(frozen=True)
class FusionConfig:
    method: FusionMethod = "weighted"
    lexical_weight: float = 0.5  # weighted fusion: share of the normalised BM25 score
    dense_top_n: int = 200  # dense hits per query that enter fusion
    lexical_top_n: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> FusionConfig:
        method = settings.hybrid_fusion
        if method not in ("rrf", "weighted"):
            raise InvalidInput(
                f"hybrid_fusion must be 'rrf' or 'weighted', not {method!r}.",
                f"hybrid_fusion 只能是 'rrf' 或 'weighted'，而不是 {method!r}。",
            )
        return cls(method, settings.fusion_lexical_weight, settings.dense_top_n)  # type: ignore[arg-type]


def _split_values(field_name: str, value: str | None) -> list[str]:
    if not value:
        return []
    return [
        taxonomy.canonical(field_name, part) or part.strip().lower()
        for part in re.split(r"[,/;|+]", value)
        if part.strip()
    ]


def _canonical_filter_values(field_name: str, values: list[str]) -> list[str]:
    return [taxonomy.canonical(field_name, v) or v.strip().lower() for v in values]


_QUERY_TERM_CACHE: list[tuple[str, str, bool]] = []


def _taxonomy_words() -> list[tuple[str, str, bool]]:
    """(word, English label, is_cjk) for every taxonomy word, longest first."""
    if not _QUERY_TERM_CACHE:
        entries: dict[str, str] = {}
        for field_name in FILTER_FIELDS:
            for word, name in taxonomy.synonyms(field_name).items():
                found = taxonomy.term(field_name, name)
                is_cjk = bool(re.search(r"[\u3400-\u9fff]", word))
                if found is None or (not is_cjk and len(word) < 2):
                    continue
                entries.setdefault(word, found.en.lower())
        _QUERY_TERM_CACHE.extend(
            sorted(
                ((w, en, bool(re.search(r"[\u3400-\u9fff]", w))) for w, en in entries.items()),
                key=lambda item: -len(item[0]),
            )
        )
    return _QUERY_TERM_CACHE


def dense_query_text(text: str) -> str:
    """The query plus English names of the taxonomy words it contains.

    The default embedding model is English-only; naming "红色连衣裙" as "red dress" as well gives a
    Chinese query a meaningful vector on any catalog.
    """
    lowered = text.lower()
    found: list[tuple[int, str]] = []
    for word, english, is_cjk in _taxonomy_words():
        if is_cjk:
            position = lowered.find(word)
            if position >= 0:
                found.append((position, english))
                # Blank it so "连衣裙" does not also count as "裙子"'s shorter forms.
                lowered = lowered.replace(word, " " * len(word))
        elif word in lowered:  # substring test first: a regex for every taxonomy word cost ms per query
            match = re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)
            if match:
                found.append((match.start(), english))
    labels = [english for _, english in sorted(found)]
    extra = " ".join(dict.fromkeys(label for label in labels if label not in text.lower()))
    return f"{text} {extra}".strip() if extra else text


class CatalogSearch:
    """Search over one merchant's catalog at one ``catalog_version``; immutable once built."""

    def __init__(
        self,
        merchant_id: str,
        catalog_version: int,
        products: list[ProductRecord],
        vector_index: VectorIndex,
        bm25: BM25Index,
        query_cache: QueryEmbeddingCache,
        fusion: FusionConfig | None = None,
    ) -> None:
        if vector_index.size != len(products) or bm25.size != len(products):
            raise ValueError("vector index, BM25 index and products must have the same rows")
        self.merchant_id = merchant_id
        self.catalog_version = catalog_version
        self.products = products
        self.vector_index = vector_index
        self.bm25 = bm25
        self.query_cache = query_cache
        self.fusion = fusion or FusionConfig()
        self._rows_by_sku = {p.sku: i for i, p in enumerate(products)}
        n = len(products)
        self.prices = np.array([p.price for p in products], dtype=np.float64)
        self._values: dict[str, dict[str, np.ndarray]] = {}
        for field_name in FILTER_FIELDS:
            self._values[field_name] = self._bitsets(
                [_split_values(field_name, getattr(p, field_name)) for p in products]
            )
        self._values["brand"] = self._bitsets(
            [[p.brand.strip().lower()] if p.brand else [] for p in products]
        )
        self._has_gender = np.array([bool(p.gender) for p in products], dtype=bool)
        self._stock: dict[str, np.ndarray] = {}
        for row, product in enumerate(products):
            for label in product.sizes:
                if product.in_stock(label):
                    key = normalize_size_label(label)
                    self._stock.setdefault(key, np.zeros(n, dtype=bool))[row] = True
        self._any_stock = np.array([any(p.in_stock(s) for s in p.sizes) for p in products], dtype=bool)
        # Default order without text: products with stock first, then the merchant's own order.
        self._default_order = np.lexsort((np.arange(n), ~self._any_stock))

    def _bitsets(self, values_per_row: list[list[str]]) -> dict[str, np.ndarray]:
        sets: dict[str, np.ndarray] = {}
        for row, values in enumerate(values_per_row):
            for value in values:
                sets.setdefault(value, np.zeros(len(values_per_row), dtype=bool))[row] = True
        return sets

    @property
    def size(self) -> int:
        return len(self.products)

    def get(self, sku: str) -> ProductRecord | None:
        row = self._rows_by_sku.get(sku)
        return None if row is None else self.products[row]

    def _any_of(self, field_name: str, values: list[str]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            bits = self._values[field_name].get(value)
            if bits is not None:
                mask |= bits
        return mask

    def candidate_mask(self, filters: Filters | None) -> np.ndarray:
        """True for every product that satisfies all filters; exclusions always win."""
        mask = np.ones(self.size, dtype=bool)
        if filters is None:
            return mask
        for filter_name, field_name in _FILTER_FIELD_NAMES.items():
            wanted = getattr(filters, filter_name)
            if wanted:
                mask &= self._any_of(field_name, _canonical_filter_values(field_name, wanted))
        if filters.gender:
            gender = taxonomy.canonical("gender", filters.gender) or filters.gender.lower()
            # Unisex products, and products that do not state a gender, suit either.
            mask &= self._any_of("gender", [gender, "unisex"]) | ~self._has_gender
        if filters.brands:
            mask &= self._any_of("brand", [b.strip().lower() for b in filters.brands])
        if filters.price_min is not None:
            mask &= self.prices >= filters.price_min
        if filters.price_max is not None:
            mask &= self.prices <= filters.price_max
        if filters.size_in_stock:
            stock = self._stock.get(normalize_size_label(filters.size_in_stock))
            mask &= stock if stock is not None else False
        if filters.skus:
            allowed = np.zeros(self.size, dtype=bool)
            allowed[[self._rows_by_sku[s] for s in filters.skus if s in self._rows_by_sku]] = True
            mask &= allowed
        for exclude_name, field_name in (("exclude_colors", "color"), ("exclude_materials", "material")):
            excluded = getattr(filters, exclude_name)
            if excluded:
                mask &= ~self._any_of(field_name, _canonical_filter_values(field_name, excluded))
        if filters.exclude_brands:
            mask &= ~self._any_of("brand", [b.strip().lower() for b in filters.exclude_brands])
        if filters.exclude_skus:
            rows = [self._rows_by_sku[s] for s in filters.exclude_skus if s in self._rows_by_sku]
            mask[rows] = False
        return mask

    def count(self, filters: Filters | None) -> int:
        """How many products satisfy the filters: a cheap probe (no text ranking, no embedding)."""
        return int(self.candidate_mask(filters).sum())

    def _dense(
        self, text: str, mask: np.ndarray, top_n: int, timings: dict[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        started = time.perf_counter()
        query = self.query_cache.embed(dense_query_text(text))
        embedded = time.perf_counter()
        ids, scores = self.vector_index.search(query, top_n, mask)
        timings["embedding"] = (embedded - started) * 1000
        timings["dense"] = (time.perf_counter() - embedded) * 1000
        return ids, scores

    def _lexical(
        self, text: str, mask: np.ndarray, top_n: int, timings: dict[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        started = time.perf_counter()
        scores = self.bm25.scores(text, mask)
        rows = np.flatnonzero(scores > 0)
        if rows.shape[0] > top_n:
            rows = rows[np.argpartition(-scores[rows], top_n - 1)[:top_n]]
        order = np.lexsort((rows, -scores[rows]))
        timings["lexical"] = (time.perf_counter() - started) * 1000
        return rows[order], scores[rows[order]]

    def _fuse(
        self, lexical: tuple[np.ndarray, np.ndarray], dense: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        fused: dict[int, float] = {}
        if self.fusion.method == "rrf":
            for ids, _ in (lexical, dense):
                for rank, row in enumerate(ids.tolist()):
                    fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        else:
            weight = self.fusion.lexical_weight
            lex_ids, lex_scores = lexical
            if lex_ids.shape[0]:
                top = float(lex_scores[0]) or 1.0
                for row, score in zip(lex_ids.tolist(), (lex_scores / top).tolist(), strict=True):
                    fused[row] = weight * score
            dense_ids, dense_scores = dense
            if dense_ids.shape[0]:
                low, high = float(dense_scores.min()), float(dense_scores[0])
                spread = (high - low) or 1.0
                for row, score in zip(
                    dense_ids.tolist(), ((dense_scores - low) / spread).tolist(), strict=True
                ):
                    fused[row] = fused.get(row, 0.0) + (1 - weight) * score
        rows = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
        scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
        order = np.lexsort((rows, -scores))
        return rows[order], scores[order]

    def ranked(
        self,
        text: str,
        filters: Filters | None = None,
        mode: SearchMode = "hybrid",
        sort: SortOrder | None = None,
        timings: dict[str, float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every matching row, best first, with its score (the full list a page is cut from)."""
        timings = timings if timings is not None else {}
        started = time.perf_counter()
        mask = self.candidate_mask(filters)
        timings["filtering"] = (time.perf_counter() - started) * 1000
        text = (text or "").strip()
        if not text or not mask.any():
            rows = self._default_order[mask[self._default_order]]
            scores = np.zeros(rows.shape[0], dtype=np.float64)
        elif mode == "bm25":
            rows, lex_scores = self._lexical(text, mask, self.fusion.lexical_top_n, timings)
            scores = lex_scores.astype(np.float64)
        elif mode == "dense":
            rows, dense_scores = self._dense(text, mask, self.fusion.dense_top_n, timings)
            scores = dense_scores.astype(np.float64)
        elif mode == "hybrid":
            lexical = self._lexical(text, mask, self.fusion.lexical_top_n, timings)
            dense = self._dense(text, mask, self.fusion.dense_top_n, timings)
            fusing = time.perf_counter()
            rows, scores = self._fuse(lexical, dense)
            timings["fusion"] = (time.perf_counter() - fusing) * 1000
        else:
            raise ValueError(f"unknown search mode {mode!r}")
        if sort in ("price_asc", "price_desc"):
            prices = self.prices[rows]
            # Stable sort keeps relevance order among equal prices.
            order = np.argsort(prices if sort == "price_asc" else -prices, kind="stable")
            rows, scores = rows[order], scores[order]
        return rows, scores

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        offset: int = 0,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        sort: SortOrder | None = None,
    ) -> SearchPage:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        rows, scores = self.ranked(text, filters, mode, sort, timings)
        offset = max(0, offset)
        page_rows = rows[offset : offset + max(0, limit)]
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchPage(
            items=[self.products[i] for i in page_rows.tolist()],
            total=int(rows.shape[0]),
            scores=[float(s) for s in scores[offset : offset + max(0, limit)]],
            offset=offset,
            timings_ms=timings,
        )

    def _price_step(self, price: float) -> float:
        return 10.0 if price < 100 else 100.0 if price < 2000 else 500.0

    def _relax_one(self, filters: Filters, name: str) -> tuple[Filters, Relaxation] | None:
        original = getattr(filters, name)
        if original in (None, []):
            return None
        if name in ("price_max", "price_min"):
            loosened = replace(filters, **{name: None})  # type: ignore[arg-type]
            prices = self.prices[self.candidate_mask(loosened)]
            if name == "price_max":
                above = prices[prices > original]
                if not above.shape[0]:
                    return None
                nearest = float(above.min())
                step = self._price_step(nearest)
                value: float = math.ceil(nearest / step) * step
            else:
                below = prices[prices < original]
                if not below.shape[0]:
                    return None
                nearest = float(below.max())
                step = self._price_step(nearest)
                value = math.floor(nearest / step) * step
            return replace(filters, **{name: value}), Relaxation(name, original, value)  # type: ignore[arg-type]
        if name == "categories":
            siblings = similar_categories(original)
            if siblings:
                return replace(filters, categories=siblings), Relaxation(name, original, siblings)
        empty: Any = [] if isinstance(original, list) else None
        return replace(filters, **{name: empty}), Relaxation(name, original, None)

    def nearest_relaxed(
        self,
        text: str,
        filters: Filters,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        sort: SortOrder | None = None,
    ) -> RelaxedSearch | None:
        """The closest results when ``filters`` match nothing, and which constraint was loosened.

        Tries one constraint at a time in RELAX_ORDER (a price bound moves to the nearest price that
        has products, rounded to a friendly figure); if no single change helps, loosens them in that
        order cumulatively. Exclusions and sku lists always stay. None when even that finds nothing.
        """
        if self.candidate_mask(filters).any():
            return RelaxedSearch([], filters, self.search(text, filters, 0, limit, mode, sort))
        for name in RELAX_ORDER:
            attempt = self._relax_one(filters, name)
            if attempt is not None and self.candidate_mask(attempt[0]).any():
                relaxed_filters, relaxation = attempt
                return RelaxedSearch(
                    [relaxation], relaxed_filters, self.search(text, relaxed_filters, 0, limit, mode, sort)
                )
        current = filters
        relaxations: list[Relaxation] = []
        for name in RELAX_ORDER:
            original = getattr(current, name)
            if original in (None, []):
                continue
            siblings = similar_categories(original) if name == "categories" else []
            if siblings:
                # A shopper asking for down jackets would rather see other outerwear than anything at all.
                nearby = replace(current, categories=siblings)
                if self.candidate_mask(nearby).any():
                    relaxations.append(Relaxation(name, original, siblings))
                    return RelaxedSearch(relaxations, nearby, self.search(text, nearby, 0, limit, mode, sort))
            empty: Any = [] if isinstance(original, list) else None
            current = replace(current, **{name: empty})
            relaxations.append(Relaxation(name, original, None))
            if self.candidate_mask(current).any():
                return RelaxedSearch(relaxations, current, self.search(text, current, 0, limit, mode, sort))
        return None
