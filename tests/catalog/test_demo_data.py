"""The shipped demo catalog (data/demo) passes the same importer merchants use, with no issues."""

from __future__ import annotations

import pytest

from catalog.demo import demo_files
from catalog.service import parse_chart_upload, parse_product_upload
from fitguide.settings import Settings


def test_shipped_demo_files_parse_cleanly() -> None:
    charts_file, products_file = demo_files(Settings())
    if not products_file.exists():
        pytest.skip(f"{products_file} not built yet")
    charts = parse_chart_upload(charts_file.read_bytes(), filename=charts_file.name)
    products = parse_product_upload(products_file.read_bytes(), filename=products_file.name)
    assert charts.issues == [] and products.issues == []
    chart_ids = {chart.chart_id for chart in charts.charts}
    assert {p.size_chart_id for p in products.products if p.size_chart_id} <= chart_ids
    assert len(products.products) >= 1000
