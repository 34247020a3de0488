"""The demo catalog in data/demo/: canonical upload layout, consistent charts, reproducible build."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from catalog import taxonomy
from sizing.size_systems import normalize_size_label, parse_haoxing

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
DATASETS = ROOT.parent / "shared" / "datasets" / "myntra_fashion_styles"

PRODUCT_COLUMNS = [
    "sku", "title", "title_zh", "description", "brand", "category", "gender", "color", "material", "season",
    "occasion", "price", "currency", "sizes", "stock", "size_chart", "image_url", "url", "attr_fit",
]  # fmt: skip
CHART_COLUMNS = [
    "chart_id", "name", "brand", "category", "gender", "kind", "fit", "stretch", "size", "chest_cm",
    "waist_cm", "hip_cm", "shoulder_cm", "length_cm", "sleeve_cm", "inseam_cm", "height_cm", "weight_kg",
]  # fmt: skip
MEASURE_COLUMNS = CHART_COLUMNS[9:]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def products() -> list[dict[str, str]]:
    header, rows = read_csv(DEMO / "products.csv")
    assert header == PRODUCT_COLUMNS
    return rows


@pytest.fixture(scope="module")
def charts() -> dict[str, list[dict[str, str]]]:
    header, rows = read_csv(DEMO / "size_charts.csv")
    assert header == CHART_COLUMNS
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["chart_id"]].append(row)
    return dict(grouped)


def names(field: str) -> set[str]:
    return {t.name for t in taxonomy.TERMS[field]}


def parse_value(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def test_products_are_canonical(products: list[dict[str, str]]) -> None:
    assert len(products) >= 3000
    assert len({p["sku"] for p in products}) == len(products)
    categories = {p["category"] for p in products}
    assert categories <= names("category")
    assert {"tshirt", "shirt", "dress", "jeans", "trousers", "jacket", "skirt", "kurta"} <= categories
    for product in products:
        assert product["title"] and product["title_zh"], product["sku"]
        assert float(product["price"]) > 0 and product["currency"] == "CNY"
        assert product["color"] in names("color")
        assert product["gender"] in names("gender")
        for field in ("material", "season", "occasion"):
            assert product[field] in names(field) | {""}, (product["sku"], field)
        assert product["attr_fit"] in {"", "slim", "regular", "loose"}
        assert product["url"].startswith("https://www.myntra.com/")
        assert product["image_url"].startswith("http")


def test_sizes_and_stock_agree(products: list[dict[str, str]]) -> None:
    sold_out = 0
    for product in products:
        sizes = product["sizes"].split("|")
        assert sizes and all(normalize_size_label(s) == s for s in sizes), product["sku"]
        stock = dict(pair.split(":") for pair in product["stock"].split("|"))
        assert list(stock) == sizes
        counts = [int(v) for v in stock.values()]
        assert all(c >= 0 for c in counts) and any(counts), product["sku"]
        sold_out += counts.count(0)
    assert sold_out > 0


def test_every_chart_reference_resolves(
    products: list[dict[str, str]], charts: dict[str, list[dict[str, str]]]
) -> None:
    for product in products:
        chart = charts.get(product["size_chart"])
        assert chart, f"{product['sku']} references missing chart {product['size_chart']}"
        assert chart[0]["category"] == product["category"]
        assert chart[0]["gender"] == product["gender"]
        chart_sizes = [row["size"] for row in chart]
        assert set(product["sizes"].split("|")) <= set(chart_sizes), product["sku"]


def test_charts_are_well_formed(charts: dict[str, list[dict[str, str]]]) -> None:
    for chart_id, rows in charts.items():
        meta = {
            (r["name"], r["brand"], r["category"], r["gender"], r["kind"], r["fit"], r["stretch"])
            for r in rows
        }
        assert len(meta) == 1, chart_id
        first = rows[0]
        assert first["kind"] in {"body", "garment"} and first["fit"] in {"slim", "regular", "loose"}
        assert 0.0 <= float(first["stretch"]) <= 1.0
        assert first["category"] in names("category") and first["gender"] in names("gender")
        labels = [r["size"] for r in rows]
        assert len(set(labels)) == len(labels), chart_id
        for column in MEASURE_COLUMNS:
            values = [parse_value(r[column]) for r in rows if r[column]]
            for low, high in values:
                assert low <= high
                assert (first["kind"] == "garment") == (low == high), (chart_id, column)
                assert 10 <= low <= 200, (chart_id, column, low)
            mids = [(low + high) / 2 for low, high in values]
            assert mids == sorted(mids), f"{chart_id} {column} not increasing"


def test_charts_cover_the_size_systems_and_brand_grading(charts: dict[str, list[dict[str, str]]]) -> None:
    labels = {r["size"] for rows in charts.values() for r in rows}
    assert any(parse_haoxing(label) for label in labels)  # GB/T 号型
    assert {"39", "40", "42"} <= labels  # EU shirt collar sizes
    assert {"28", "30", "32", "34"} <= labels  # waist inches
    assert any(rows[0]["kind"] == "garment" for rows in charts.values())
    # Brands grade differently: the chest range of a men's T-shirt M is not the same everywhere.
    m_chests = {
        r["chest_cm"]
        for rows in charts.values()
        for r in rows
        if rows[0]["category"] == "tshirt" and rows[0]["kind"] == "body" and r["size"] == "M"
    }
    assert len(m_chests) >= 4


def test_products_file_stays_small() -> None:
    assert (DEMO / "products.csv").stat().st_size < 3_000_000


@pytest.mark.slow
@pytest.mark.skipif(not DATASETS.exists(), reason="needs ../shared/datasets/myntra_fashion_styles")
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_demo_data.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("products.csv", "size_charts.csv", "SOURCE.md"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name


def test_the_catalog_importer_accepts_the_files_without_issues() -> None:
    from catalog.service import limits_for, parse_chart_upload, parse_product_upload
    from fitguide.settings import Settings

    limits = limits_for(Settings())
    charts = parse_chart_upload(
        (DEMO / "size_charts.csv").read_bytes(), filename="size_charts.csv", limits=limits
    )
    assert charts.issues == []
    products = parse_product_upload(
        (DEMO / "products.csv").read_bytes(), filename="products.csv", limits=limits
    )
    assert products.issues == []
    assert not products.unknown_values.counts
    assert len(products.products) >= 3000
    assert {c.chart_id for c in charts.charts} >= {p.size_chart_id for p in products.products}
