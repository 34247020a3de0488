"""Synthetic catalogs of any size drawn from the demo catalog's attribute distributions, ready to serve.

Each synthetic product starts from a random demo product (which keeps category, gender, brand, size
chart, season and occasion consistent with each other), then draws its colour from the colour
distribution of that category in the demo catalog and its price from the demo price times a
log-normal factor (sd 0.25). Titles and descriptions name the new colour.

``prepare_catalog`` writes a ready var dir (SQLite database filled through the normal import service,
plus an index snapshot built by the normal IndexManager) and reuses it on later runs. Product vectors
are the real model's vectors of the demo product each synthetic one was drawn from, plus a little noise:
embedding 100k products for real would take most of an hour on two cores and says nothing about
chat latency (bench_index measures embedding throughput). Query vectors always come from the real model.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from catalog import taxonomy
from fitguide.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    from guide.embedding import Embedder, TextKind

DEMO_DIR = REPO_ROOT / "data" / "demo"
CACHE_DIR = REPO_ROOT / "var" / "bench"
MERCHANT_ID = "bench"
PRICE_SD = 0.25
VECTOR_NOISE = 0.02  # per-dimension sd before renormalising: near-duplicates stay near, never equal


def demo_rows() -> list[dict[str, str]]:
    with (DEMO_DIR / "products.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _replace_word(text: str, old: str, new: str) -> str:
    if not old or not text:
        return text
    return re.sub(
        rf"(?i)\b{re.escape(old)}\b", lambda m: new.capitalize() if m.group(0)[0].isupper() else new, text
    )


@dataclass(frozen=True)
class SyntheticCatalog:
    """Rows in the upload layout and, for each row, the index of the demo row it was drawn from."""

    header: list[str]
    rows: list[dict[str, str]]
    base_rows: list[int]

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def generate(count: int, seed: int = 7) -> SyntheticCatalog:
    demo = demo_rows()
    rng = random.Random(seed)
    colors: dict[str, Counter[str]] = defaultdict(Counter)
    for row in demo:
        colors[row["category"]][row["color"]] += 1

    def draw(counter: Counter[str]) -> str:
        values, weights = zip(*counter.items(), strict=True)
        return rng.choices(values, weights)[0]

    rows, bases = [], []
    for i in range(count):
        base_index = rng.randrange(len(demo))
        base = demo[base_index]
        row = dict(base)
        color = draw(colors[base["category"]])
        row["sku"] = f"SYN-{i:07d}"
        row["color"] = color
        for field, lang in (("title", "en"), ("description", "en"), ("title_zh", "zh")):
            old = taxonomy.label("color", base["color"], lang)
            new = taxonomy.label("color", color, lang)
            row[field] = (
                row[field].replace(old, new) if lang == "zh" else _replace_word(row[field], old, new.lower())
            )
        price = float(base["price"]) * float(np.exp(rng.gauss(0.0, PRICE_SD)))
        row["price"] = str(max(19, round(price)))
        sizes = [s for s in base["sizes"].split("|") if s]
        row["stock"] = "|".join(f"{s}:{rng.choice((0, 1, 3, 8, 20))}" for s in sizes)
        rows.append(row)
        bases.append(base_index)
    return SyntheticCatalog(list(demo[0].keys()), rows, bases)


# -- a served copy on disk ---------------------------------------------------------------------------


class PrecomputedPassageEmbedder:
    """The real embedder for queries; product texts come from a precomputed text -> vector table."""

    def __init__(self, real: Embedder, table: dict[str, np.ndarray]) -> None:
        self.real = real
        self.name = real.name
        self.dim = real.dim
        self.table = table

    def encode(self, texts: list[str], kind: TextKind = "passage") -> np.ndarray:
        if kind == "query":
            return self.real.encode(texts, kind="query")
        return np.stack([self.table[text] for text in texts]).astype(np.float32)


def demo_vectors(embedder: Embedder) -> np.ndarray:
    """The real model's vector of every demo product, in CSV order (bench_search's cache, shared)."""
    from bench.bench_search import demo_vectors as cached_demo_vectors
    from bench.bench_search import read_demo_products

    return cached_demo_vectors(embedder.name, lambda: embedder, read_demo_products())


def bench_settings(var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": var_dir,
        "load_demo": False,
        "rate_limit_per_minute": 0,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def prepare_catalog(count: int, embedder: Embedder, cache_dir: Path = CACHE_DIR) -> Path:
    """A var dir whose database holds ``count`` synthetic products for merchant 'bench' and whose
    index snapshot is built; reused when it exists. Returns the var dir."""
    var_dir = cache_dir / f"catalog-{count}-{embedder.name.replace('/', '_')}"
    marker = var_dir / "ready.json"
    if marker.exists():
        return var_dir
    import shutil

    from catalog.merchants import create_merchant
    from catalog.service import import_catalog, parse_chart_upload, parse_product_upload
    from catalog.tabular import UploadLimits
    from fitguide.db import Database
    from guide.index_manager import IndexManager, embedding_text, load_product_records

    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    settings = bench_settings(var_dir)
    started = time.perf_counter()
    catalog = generate(count)
    database = Database(settings.resolved_database_url)
    database.migrate()
    with database.session() as session:
        create_merchant(session, "Bench shop", MERCHANT_ID)
    limits = UploadLimits(max_bytes=1 << 31, max_rows=10_000_000)
    charts_file = DEMO_DIR / "size_charts.csv"
    charts = parse_chart_upload(charts_file.read_bytes(), filename=charts_file.name, limits=limits)
    products = parse_product_upload(catalog.csv_bytes(), filename="products.csv", limits=limits)
    import_catalog(database, MERCHANT_ID, charts=charts, products=products, mode="replace")
    imported = time.perf_counter()

    base_vectors = demo_vectors(embedder)
    noise = np.random.default_rng(11).normal(0.0, VECTOR_NOISE, (count, base_vectors.shape[1]))
    vectors = base_vectors[np.array(catalog.base_rows)] + noise.astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    by_sku = {row["sku"]: vectors[i] for i, row in enumerate(catalog.rows)}
    with database.session() as session:
        records = load_product_records(session, MERCHANT_ID)
    table = {embedding_text(r): by_sku[r.sku] for r in records}
    manager = IndexManager(settings, database, PrecomputedPassageEmbedder(embedder, table))
    manager.warm_up(MERCHANT_ID)
    manager.close()
    database.dispose()
    marker.write_text(
        json.dumps(
            {
                "products": count,
                "import_seconds": round(imported - started, 1),
                "index_seconds": round(time.perf_counter() - imported, 1),
            }
        )
    )
    return var_dir
