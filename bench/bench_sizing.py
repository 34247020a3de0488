"""Size recommendation latency in-process: one product, and a result page of 50 products.

Builds a throwaway SQLite catalog of 50 products over 10 size charts (body and garment, letter,
numeric and 号型 labels), warms the chart cache, then times ``SizingService.recommend`` and
``recommend_batch`` (body parsing, estimation, matching and explanation text included). The worst case
is a page whose 50 products each have their own chart, for a shopper not seen before.

    python bench/bench_sizing.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, print_table, time_ms, write_report
from catalog.models import Merchant, Product, SizeChart, Variant
from fitguide.db import Database
from fitguide.settings import REPO_ROOT
from sizing.body_model import load_body_model
from sizing.feedback import FeedbackFitAdjuster, submit_feedback
from sizing.schemas import BodyInput
from sizing.service import SizingService

MERCHANT = "bench"
LETTERS = ("XS", "S", "M", "L", "XL", "2XL", "3XL")


def _charts(count: int) -> list[SizeChart]:
    charts = []
    for i in range(count):
        start = 80.0 + i % 3
        if i % 3 == 0:  # body chart, letters, chest + waist + height
            rows = [
                {
                    "size": s,
                    "measurements": {
                        "chest": [start + 4 * k, start + 4 * k + 4],
                        "waist": [start - 14 + 4 * k, start - 10 + 4 * k],
                        "height": [160 + 5 * k, 165 + 5 * k],
                    },
                }
                for k, s in enumerate(LETTERS)
            ]
            charts.append(
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id=f"c{i}",
                    name=f"c{i}",
                    category="tshirt",
                    gender="men",
                    kind="body",
                    rows=rows,
                )
            )
        elif i % 3 == 1:  # garment jeans, numeric
            rows = [
                {"size": str(25 + k), "measurements": {"waist": 64 + 3 * k, "hip": 88 + 3 * k, "inseam": 76}}
                for k in range(8)
            ]
            charts.append(
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id=f"c{i}",
                    name=f"c{i}",
                    category="jeans",
                    gender="women",
                    kind="garment",
                    fit="slim",
                    stretch=0.3,
                    rows=rows,
                )
            )
        else:  # garment shirts, 号型
            rows = [
                {
                    "size": f"{160 + 5 * k}/{80 + 4 * k}A",
                    "measurements": {"chest": 90 + 4 * k, "shoulder": 40 + 1.2 * k, "length": 68 + 2 * k},
                }
                for k in range(7)
            ]
            charts.append(
                SizeChart(
                    merchant_id=MERCHANT,
                    chart_id=f"c{i}",
                    name=f"c{i}",
                    category="shirt",
                    gender="men",
                    kind="garment",
                    rows=rows,
                )
            )
    return charts


def build_service(directory: Path, chart_count: int) -> tuple[SizingService, list[str]]:
    """A catalog of 50 products spread over ``chart_count`` size charts."""
    database = Database(f"sqlite:///{directory / f'bench{chart_count}.db'}")
    database.migrate()
    charts = _charts(chart_count)
    skus = [f"P{i:03d}" for i in range(50)]
    with database.session() as session:
        session.add(Merchant(id=MERCHANT, name="Bench"))
        session.flush()
        session.add_all(charts)
        for i, sku in enumerate(skus):
            chart = charts[i % chart_count]
            product = Product(
                merchant_id=MERCHANT,
                sku=sku,
                title=sku,
                price=1.0,
                size_chart_id=chart.chart_id,
                category=chart.category,
                gender="men",
            )
            product.variants = [
                Variant(size_label=row["size"], position=k) for k, row in enumerate(chart.rows)
            ]
            session.add(product)
    service = SizingService(load_body_model(REPO_ROOT / "data"), database, version_check_seconds=3600)
    return service, skus


def _stats(samples: list[float]) -> dict[str, float]:
    # The machine is shared: the minimum shows the cost without other processes' interference.
    return {**percentiles(samples), "min": round(min(samples), 3)}


def _feedback_rows(service: SizingService, skus: list[str], ids: range) -> list[tuple[int, dict[str, Any]]]:
    rng = random.Random(ids.start)
    charts = service.merchant_charts(MERCHANT)
    rows = []
    for i in ids:
        sku = skus[i % len(skus)]
        sizes = charts.charts[charts.products[sku].chart_id or ""].sizes
        line = {
            "id": f"line-{i}",
            "sku": sku,
            "size": sizes[rng.randrange(1, len(sizes) - 1)],
            "outcome": rng.choice(("kept", "kept", "too_small", "too_large")),
            "body": {"height_cm": rng.randint(160, 190), "weight_kg": rng.randint(50, 95), "sex": "male"},
        }
        rows.append((i, line))
    return rows


def _fit_refresh(service: SizingService, skus: list[str], lines: int = 2000) -> dict[str, dict[str, float]]:
    """Refitting the learning-from-returns model for a merchant whose ``lines`` feedback lines all carry the
    buyer's body (each placed on its product's chart for the size gap): from scratch (a new worker), and
    after an upload of 100 more lines (the answer to that upload waits for it)."""
    submit_feedback(service.database, MERCHANT, _feedback_rows(service, skus, range(lines)))

    def from_scratch() -> None:
        fresh = SizingService(service.body_model, service.database)
        FeedbackFitAdjuster(service.database, size_gap_source=fresh).refresh(MERCHANT)

    adjuster = FeedbackFitAdjuster(service.database, size_gap_source=service)
    adjuster.refresh(MERCHANT)
    batches = iter(range(lines, lines + 100 * 1000, 100))

    def after_upload() -> None:
        start = next(batches)
        submit_feedback(service.database, MERCHANT, _feedback_rows(service, skus, range(start, start + 100)))
        started = time.perf_counter()
        adjuster.refresh(MERCHANT)
        refits.append((time.perf_counter() - started) * 1000)

    refits: list[float] = []
    for _ in range(5):
        after_upload()
    return {
        "fit_refit_scratch_ms": _stats(time_ms(from_scratch, 5, warmup=1)),
        "fit_refit_after_upload_ms": _stats(refits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    body = BodyInput(height="175cm", weight="70kg", sex="male", age=30)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for chart_count in (10, 50):
            service, skus = build_service(Path(folder), chart_count)
            service.recommend_batch(MERCHANT, skus, body)  # load the chart cache and matching plans
            label = f"batch50_{chart_count}charts_ms"
            page = functools.partial(service.recommend_batch, MERCHANT, skus, body)
            results[label] = _stats(time_ms(page, args.repeat))
        results["single_ms"] = _stats(
            time_ms(lambda: service.recommend(MERCHANT, skus[0], body), args.repeat)
        )
        new_shopper = iter(range(10**9))

        def cold_single() -> None:
            # A body never seen before: parsing and estimation are not cached.
            fresh = BodyInput(height="175cm", weight=f"{60 + next(new_shopper) * 1e-6:.6f}kg", sex="male")
            service.recommend(MERCHANT, skus[0], fresh)

        results["single_new_body_ms"] = _stats(time_ms(cold_single, args.repeat))

        def cold_batch() -> None:
            fresh = BodyInput(height="175cm", weight=f"{60 + next(new_shopper) * 1e-6:.6f}kg", sex="male")
            service.recommend_batch(MERCHANT, skus, fresh)

        results["batch50_50charts_new_body_ms"] = _stats(time_ms(cold_batch, args.repeat))
        results["estimate_ms"] = _stats(time_ms(lambda: service.estimate(body), args.repeat))
        results.update(_fit_refresh(service, skus))
    names = {
        "estimate_ms": ("estimate (body only)", "-"),
        "single_ms": ("recommend, 1 product", "0.2"),
        "single_new_body_ms": ("recommend, 1 product, new body", "0.2"),
        "batch50_10charts_ms": ("recommend_batch, 50 products / 10 charts", "5.0"),
        "batch50_50charts_ms": ("recommend_batch, 50 products / 50 charts", "5.0"),
        "batch50_50charts_new_body_ms": ("recommend_batch, 50 products / 50 charts, new body", "5.0"),
        "fit_refit_scratch_ms": ("fit-model refit, 2,000 lines with bodies", "-"),
        "fit_refit_after_upload_ms": ("fit-model refit after 100 more lines", "-"),
    }
    rows = [
        [names[k][0], results[k]["min"], results[k]["p50"], results[k]["p95"], names[k][1]] for k in names
    ]
    load = os.getloadavg()[0]
    print_table(
        f"Sizing latency, in-process (ms); 1-min load average {load:.1f} on {os.cpu_count()} cores",
        ["call", "min", "p50", "p95", "target"],
        rows,
    )
    write_report("sizing", {"repeat": args.repeat, "load_average_1min": load, **results})


if __name__ == "__main__":
    main()
