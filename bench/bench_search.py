"""Chat-turn retrieval latency at 1k / 10k / 100k products, in process.

Synthetic catalogs are drawn from the demo catalog's attribute distributions: each synthetic product
copies a random demo product's (category, gender, sizes) and draws colour, material, season, occasion,
brand and price from that category's empirical distributions; its title is composed from those words.
Product vectors are the template's real embedding plus small noise (embedding 100k titles would take
the whole time budget and does not change query latency); queries are real shopper queries from
data/eval/guide_queries.jsonl, parsed by the NLU and embedded by the real model at query time.

Reported per size, p50/p95/p99 in ms: understanding (NLU parse), embedding (query vector; cold = cache
disabled, the default), filtering (candidate mask), lexical (BM25), dense (vector search), fusion and
the retrieval total (filtering through fusion plus embedding).

    python -m bench.bench_search [--sizes 1000 10000 100000] [--embedder hash] [--warm-cache]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine, percentiles, print_table, write_report
from catalog import taxonomy
from fitguide.runtime import configure_threads
from fitguide.settings import REPO_ROOT, Settings
from guide.embedding import Embedder, QueryEmbeddingCache, build_embedder
from guide.eval_guide import pipeline_inputs
from guide.index_manager import embedding_text
from guide.lexical import Tokenizer, build_product_bm25
from guide.nlu import parse
from guide.records import ProductRecord
from guide.search import CatalogSearch, FusionConfig
from guide.vector_index import build_vector_index

DEMO_PRODUCTS = REPO_ROOT / "data" / "demo" / "products.csv"
QUERIES = REPO_ROOT / "data" / "eval" / "guide_queries.jsonl"
STAGES = ("understanding", "embedding", "filtering", "lexical", "dense", "fusion", "retrieval_total")


def read_demo_products(path: Path = DEMO_PRODUCTS) -> list[ProductRecord]:
    """The demo catalog straight from its CSV (the import service is measured by its own bench)."""
    products = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sizes = tuple(s for s in (row.get("sizes") or "").split("|") if s)
            stock: dict[str, int | None] = dict.fromkeys(sizes)
            for item in (row.get("stock") or "").split("|"):
                if ":" in item:
                    label, count = item.split(":", 1)
                    stock[label] = int(count)
            products.append(
                ProductRecord(
                    sku=row["sku"],
                    title=row["title"],
                    price=float(row["price"]),
                    currency=row.get("currency") or "CNY",
                    title_zh=row.get("title_zh") or None,
                    brand=row.get("brand") or None,
                    category=row.get("category") or None,
                    gender=row.get("gender") or None,
                    color=row.get("color") or None,
                    material=row.get("material") or None,
                    season=row.get("season") or None,
                    occasion=row.get("occasion") or None,
                    fit=row.get("attr_fit") or None,
                    sizes=sizes,
                    stock=stock,
                )
            )
    return products


def demo_vectors(
    model_name: str, make_embedder: Callable[[], Embedder], products: list[ProductRecord]
) -> np.ndarray:
    """Real embeddings of the demo catalog, cached under var/bench (minutes to compute on shared cores);
    the model is loaded only when the cache misses."""
    cache = REPO_ROOT / "var" / "bench" / f"demo_vectors-{model_name}-{len(products)}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = make_embedder().encode([embedding_text(p) for p in products])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def synthetic_catalog(
    demo: list[ProductRecord], demo_vectors: np.ndarray, count: int, seed: int = 7
) -> tuple[list[ProductRecord], np.ndarray]:
    rng = random.Random(seed)
    by_category: dict[str | None, list[int]] = defaultdict(list)
    for row, product in enumerate(demo):
        by_category[product.category].append(row)
    products: list[ProductRecord] = []
    templates = []
    for i in range(count):
        template_row = rng.randrange(len(demo))
        template = demo[template_row]
        peer = demo[rng.choice(by_category[template.category])]  # attributes drawn within the category
        other = demo[rng.choice(by_category[template.category])]
        color, material = peer.color, other.material
        words = [
            template.brand or "",
            taxonomy.label("gender", template.gender, "en"),
            taxonomy.label("color", color, "en"),
            taxonomy.label("material", material, "en"),
            taxonomy.label("category", template.category, "en"),
        ]
        zh_words = [
            template.brand or "",
            taxonomy.label("gender", template.gender, "zh"),
            taxonomy.label("color", color, "zh"),
            taxonomy.label("material", material, "zh"),
            taxonomy.label("category", template.category, "zh"),
        ]
        products.append(
            ProductRecord(
                sku=f"SYN-{i:07d}",
                title=" ".join(w for w in words if w) + f" {i % 997}",
                title_zh=" ".join(w for w in zh_words if w),
                price=round(peer.price * rng.uniform(0.8, 1.25)),
                brand=template.brand,
                category=template.category,
                gender=template.gender,
                color=color,
                material=material,
                season=other.season,
                occasion=peer.occasion,
                fit=template.fit,
                sizes=template.sizes,
                stock={s: rng.choice([0, 2, 5, None]) for s in template.sizes},
            )
        )
        templates.append(template_row)
    noise = np.random.default_rng(seed).normal(scale=0.02, size=(count, demo_vectors.shape[1]))
    vectors = demo_vectors[np.array(templates)] + noise.astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return products, vectors.astype(np.float32)


def bench_size(
    size: int,
    demo: list[ProductRecord],
    demo_vectors: np.ndarray,
    embedder: Embedder,
    queries: list[dict[str, Any]],
    settings: Settings,
    warm_cache: bool,
) -> dict[str, Any]:
    products, vectors = synthetic_catalog(demo, demo_vectors, size)
    started = time.perf_counter()
    index = build_vector_index(vectors, settings.exact_index_max, settings.ann_index_kind)  # type: ignore[arg-type]
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = build_product_bm25(products, Tokenizer())
    bm25_seconds = time.perf_counter() - started
    cache = QueryEmbeddingCache(embedder, max_size=settings.query_cache_size)
    search = CatalogSearch("bench", 1, products, index, bm25, cache, FusionConfig.from_settings(settings))
    samples: dict[str, list[float]] = defaultdict(list)
    totals: list[int] = []
    # Search inputs exactly as the chat pipeline derives them (NLU + dialogue), computed untimed; the
    # parse alone is timed below as "understanding".
    inputs = {q["id"]: pipeline_inputs(search, q["query"], q["lang"])[:2] for q in queries}
    for query in queries[:5]:  # warm-up: code paths, BLAS threads, jieba
        search.search(*inputs[query["id"]])
    if not warm_cache:
        cache.max_size = 0  # every timed query is embedded afresh
        cache.clear()
    for query in queries:
        parse_started = time.perf_counter()
        parse(query["query"], query["lang"])
        samples["understanding"].append((time.perf_counter() - parse_started) * 1000)
        text, filters = inputs[query["id"]]
        page = search.search(text, filters, limit=6)
        for stage in ("embedding", "filtering", "lexical", "dense", "fusion"):
            samples[stage].append(page.timings_ms.get(stage, 0.0))
        samples["retrieval_total"].append(page.timings_ms["total"])
        samples["chat_turn_search"].append(samples["understanding"][-1] + page.timings_ms["total"])
        totals.append(page.total)
    return {
        "products": size,
        "index_kind": index.kind,
        "index_build_seconds": round(index_seconds, 2),
        "bm25_build_seconds": round(bm25_seconds, 2),
        "queries": len(queries),
        "median_results": int(np.median(totals)),
        "query_cache": cache.stats(),
        "latency_ms": {stage: percentiles(values) for stage, values in samples.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--embedder", default=None, help="'hash' for a quick run without the model")
    parser.add_argument("--warm-cache", action="store_true", help="enable the query-embedding cache")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the query set")
    args = parser.parse_args()
    settings = Settings(embedder=args.embedder) if args.embedder else Settings()
    embedder = build_embedder(settings)
    threads = configure_threads()  # one torch/faiss thread, as each service worker runs
    Tokenizer.initialize()
    demo = read_demo_products()
    vectors = demo_vectors(embedder.name, lambda: embedder, demo)
    queries = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = queries * args.repeat
    results = []
    for size in args.sizes:
        result = bench_size(size, demo, vectors, embedder, queries, settings, args.warm_cache)
        results.append(result)
        print(f"{size} products: {json.dumps(result['latency_ms']['retrieval_total'])}", flush=True)
    rows = []
    for result in results:
        latency = result["latency_ms"]
        for stage in (*STAGES, "chat_turn_search"):
            rows.append(
                [
                    result["products"],
                    result["index_kind"],
                    stage,
                    latency[stage]["p50"],
                    latency[stage]["p95"],
                    latency[stage]["p99"],
                ]
            )
    print_table(
        "Chat-turn retrieval latency (ms, in process)",
        ["products", "index", "stage", "p50", "p95", "p99"],
        rows,
    )
    path = write_report(
        "search",
        {
            "machine": machine(),
            "embedder": embedder.name,
            "query_cache": "warm" if args.warm_cache else "disabled (every query embedded)",
            "demo_products": len(demo),
            "threads": threads,
            "kinds": dict(Counter(r["index_kind"] for r in results)),
            "results": results,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
