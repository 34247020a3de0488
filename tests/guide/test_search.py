"""CatalogSearch: filters are hard constraints inside retrieval, hybrid ranking, relaxing when empty."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import taxonomy
from guide.embedding import HashEmbedder, QueryEmbeddingCache
from guide.filters import Filters
from guide.index_manager import embedding_text
from guide.lexical import Tokenizer, build_product_bm25
from guide.records import ProductRecord
from guide.search import CatalogSearch, FusionConfig, FusionMethod, dense_query_text
from guide.vector_index import FaissVectorIndex
from sizing.size_systems import normalize_size_label

CATEGORIES = ["tshirt", "shirt", "dress", "jeans", "jacket", "down_jacket", "skirt"]
COLORS = ["black", "white", "red", "blue", "navy", "green", "pink"]
MATERIALS = ["cotton", "polyester", "wool", "denim", "silk"]
GENDERS = ["men", "women", "unisex", None]
BRANDS = ["Puma", "Nike", "Uniqlo", "Li-Ning"]
SIZES = ["S", "M", "L", "XL"]


def random_products(count: int, seed: int = 0) -> list[ProductRecord]:
    rng = random.Random(seed)
    products = []
    for i in range(count):
        category, color = rng.choice(CATEGORIES), rng.choice(COLORS)
        brand = rng.choice(BRANDS)
        sizes = tuple(s for s in SIZES if rng.random() < 0.7)
        products.append(
            ProductRecord(
                sku=f"P{i:04d}",
                title=f"{brand} {taxonomy.label('color', color, 'en')} "
                f"{taxonomy.label('category', category, 'en')}",
                title_zh=f"{taxonomy.label('color', color, 'zh')}{taxonomy.label('category', category, 'zh')}"
                if rng.random() < 0.5
                else None,
                price=float(rng.randrange(29, 1200)),
                brand=brand,
                category=category,
                color=color,
                gender=rng.choice(GENDERS),
                material=rng.choice([*MATERIALS, None]),
                season=rng.choice(["summer", "winter", None]),
                occasion=rng.choice(["casual", "sports", None]),
                sizes=sizes,
                stock={s: rng.choice([0, 3, None]) for s in sizes},
            )
        )
    return products


def make_search(products: list[ProductRecord], fusion: FusionConfig | None = None) -> CatalogSearch:
    embedder = HashEmbedder()
    vectors = embedder.encode([embedding_text(p) for p in products])
    return CatalogSearch(
        "shop",
        1,
        products,
        FaissVectorIndex.build(vectors, "exact"),
        build_product_bm25(products, Tokenizer()),
        QueryEmbeddingCache(embedder),
        fusion,
    )


PRODUCTS = random_products(300)
SEARCH = make_search(PRODUCTS)


def violates(product: ProductRecord, f: Filters) -> bool:
    """Brute-force reading of the Filters contract, independent of the numpy implementation."""
    if f.categories and product.category not in f.categories:
        return True
    if f.colors and product.color not in f.colors:
        return True
    if product.color and product.color in f.exclude_colors:
        return True
    if f.materials and product.material not in f.materials:
        return True
    if product.material and product.material in f.exclude_materials:
        return True
    if f.gender and product.gender not in (f.gender, "unisex", None):
        return True
    if f.brands and (product.brand or "").lower() not in {b.lower() for b in f.brands}:
        return True
    if (product.brand or "").lower() in {b.lower() for b in f.exclude_brands}:
        return True
    if f.seasons and product.season not in f.seasons:
        return True
    if f.occasions and product.occasion not in f.occasions:
        return True
    if f.price_min is not None and product.price < f.price_min:
        return True
    if f.price_max is not None and product.price > f.price_max:
        return True
    if f.size_in_stock and not product.in_stock(normalize_size_label(f.size_in_stock)):
        return True
    if f.skus and product.sku not in f.skus:
        return True
    return product.sku in f.exclude_skus


def _subset(values: list[str], max_size: int = 2) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=max_size, unique=True)


filters_strategy = st.builds(
    Filters,
    categories=_subset(CATEGORIES),
    gender=st.sampled_from([None, "men", "women"]),
    colors=_subset(COLORS, 3),
    exclude_colors=_subset(COLORS),
    brands=_subset([b.lower() for b in BRANDS]),
    exclude_brands=_subset(BRANDS, 1),
    materials=_subset(MATERIALS),
    exclude_materials=_subset(MATERIALS),
    seasons=_subset(["summer", "winter"], 1),
    occasions=_subset(["casual", "sports"], 1),
    price_min=st.one_of(st.none(), st.floats(0, 800)),
    price_max=st.one_of(st.none(), st.floats(50, 1500)),
    size_in_stock=st.sampled_from([None, "S", "m", "L", "XL"]),
    exclude_skus=_subset([p.sku for p in PRODUCTS[:20]], 3),
)


@settings(max_examples=150, deadline=None)
@given(
    filters=filters_strategy,
    text=st.sampled_from(["", "red dress", "黑色T恤", "warm jacket", "puma"]),
    mode=st.sampled_from(["hybrid", "bm25", "dense"]),
)
def test_no_result_ever_violates_the_filters(filters: Filters, text: str, mode: str) -> None:
    page = SEARCH.search(text, filters, limit=500, mode=mode)  # type: ignore[arg-type]
    assert not [p.sku for p in page.items if violates(p, filters)]
    allowed = {p.sku for p in PRODUCTS if not violates(p, filters)}
    if not text:
        assert {p.sku for p in page.items} == allowed  # the whole candidate set, nothing cut
    else:
        assert {p.sku for p in page.items} <= allowed


@settings(max_examples=60, deadline=None)
@given(filters=filters_strategy, query=st.sampled_from(["navy shirt", "羽绒服", "cotton skirt"]))
def test_dense_results_equal_brute_force_within_candidates(filters: Filters, query: str) -> None:
    rows = [i for i, p in enumerate(PRODUCTS) if not violates(p, filters)]
    page = SEARCH.search(query, filters, limit=10, mode="dense")
    vector = SEARCH.query_cache.embed(dense_query_text(query))
    vectors = np.asarray(SEARCH.vector_index.vectors)  # type: ignore[attr-defined]
    expected = sorted(rows, key=lambda r: (-float(vectors[r] @ vector), r))[:10]
    assert [p.sku for p in page.items] == [PRODUCTS[r].sku for r in expected]


def test_count_equals_the_candidate_set() -> None:
    filters = Filters(categories=["dress", "skirt"], exclude_colors=["red"], price_max=500)
    assert SEARCH.count(filters) == sum(1 for p in PRODUCTS if not violates(p, filters))
    assert SEARCH.count(None) == len(PRODUCTS)


def test_exclusion_wins_over_inclusion_and_unisex_matches_either() -> None:
    assert SEARCH.search("", Filters(colors=["red"], exclude_colors=["red"])).total == 0
    men = SEARCH.search("", Filters(gender="men"), limit=1000).items
    assert {p.gender for p in men} == {"men", "unisex", None}


def test_filter_values_in_any_language_or_case() -> None:
    by_name = SEARCH.search("", Filters(colors=["red"], brands=["PUMA"]), limit=1000)
    by_word = SEARCH.search("", Filters(colors=["红色"], brands=["puma"]), limit=1000)
    assert by_name.total == by_word.total > 0


def test_size_in_stock_keeps_only_products_with_that_size_available() -> None:
    page = SEARCH.search("dress", Filters(size_in_stock="xl"), limit=1000)
    assert page.items and all(p.in_stock("XL") for p in page.items)


def test_paging_and_price_sort() -> None:
    full = SEARCH.search("black", None, limit=1000)
    pages = [SEARCH.search("black", None, offset=o, limit=7) for o in range(0, full.total, 7)]
    assert [p.sku for page in pages for p in page.items] == [p.sku for p in full.items]
    cheap = SEARCH.search("black", None, limit=1000, sort="price_asc")
    assert [p.price for p in cheap.items] == sorted(p.price for p in full.items)
    assert cheap.total == full.total


def test_hybrid_fusion_methods_both_rank_exact_matches_first() -> None:
    products = [
        *random_products(50, seed=3),
        ProductRecord(
            sku="target",
            title="Silk Evening Dress",
            price=999,
            category="dress",
            color="maroon",
            material="silk",
            gender="women",
        ),
    ]
    methods: tuple[FusionMethod, ...] = ("rrf", "weighted")
    for method in methods:
        search = make_search(products, FusionConfig(method=method))
        assert search.search("silk evening dress").items[0].sku == "target"
        assert search.search("酒红色真丝连衣裙").items[0].sku == "target"


def test_empty_text_lists_in_stock_products_first() -> None:
    page = SEARCH.search("", None, limit=1000)
    in_stock = [any(p.in_stock(s) for s in p.sizes) for p in page.items]
    assert in_stock == sorted(in_stock, reverse=True)


def test_nearest_relaxed_raises_price_to_nearest_available() -> None:
    jackets = [p for p in PRODUCTS if p.category == "down_jacket"]
    cheapest = min(p.price for p in jackets)
    filters = Filters(categories=["down_jacket"], price_max=cheapest - 1)
    assert SEARCH.search("", filters).total == 0
    relaxed = SEARCH.nearest_relaxed("羽绒服", filters)
    assert relaxed is not None
    (relaxation,) = relaxed.relaxations
    assert relaxation.field == "price_max" and relaxation.replacement >= cheapest
    assert relaxed.page.items and all(p.category == "down_jacket" for p in relaxed.page.items)
    assert relaxed.filters.price_max == relaxation.replacement


def test_nearest_relaxed_drops_colour_but_never_an_exclusion() -> None:
    products = [
        ProductRecord(sku="a", title="Red Dress", price=100, category="dress", color="red"),
        ProductRecord(sku="b", title="Black Dress", price=100, category="dress", color="black"),
    ]
    search = make_search(products)
    relaxed = search.nearest_relaxed(
        "dress", Filters(categories=["dress"], colors=["green"], exclude_colors=["red"])
    )
    assert relaxed is not None
    assert [r.field for r in relaxed.relaxations] == ["colors"]
    assert [p.sku for p in relaxed.page.items] == ["b"]
    assert search.nearest_relaxed("dress", Filters(exclude_colors=["red", "black"])) is None


def test_nearest_relaxed_offers_similar_categories_before_anything_else() -> None:
    products = [
        ProductRecord(sku="j", title="Black Jacket", price=300, category="jacket", color="black"),
        ProductRecord(sku="s", title="Black Shorts", price=100, category="shorts", color="black"),
    ]
    search = make_search(products)
    filters = Filters(categories=["down_jacket"], colors=["black"], price_max=500)
    relaxed = search.nearest_relaxed("warm black down jacket", filters)
    assert relaxed is not None
    (relaxation,) = relaxed.relaxations
    assert relaxation.field == "categories" and "jacket" in relaxation.replacement
    assert [p.sku for p in relaxed.page.items] == ["j"]
    assert relaxed.filters.colors == ["black"] and relaxed.filters.price_max == 500


def test_dense_query_text_names_chinese_words_in_english() -> None:
    assert dense_query_text("红色连衣裙") == "红色连衣裙 red dress"
    assert dense_query_text("red dress") == "red dress"
