"""Catalog import throughput: parse + validate + store N products (4 sizes each) on SQLite or PostgreSQL.

    python -m bench.catalog_import [--rows 10000] [--database-url URL]

Prints seconds per phase for a first import, an unchanged re-upload and a full update.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import print_table, write_report
from catalog.merchants import create_merchant
from catalog.service import import_catalog, parse_chart_upload, parse_product_upload
from fitguide.db import Database

CHART = (
    "chart_id,size,chest_cm,waist_cm\ntops,S,84-88,70-74\ntops,M,88-92,74-78\ntops,L,92-96,78-82\n"
    "tops,XL,96-100,82-86\n"
)


def product_file(rows: int, price_shift: int = 0) -> bytes:
    lines = ["sku,title,title_zh,brand,category,gender,color,price,sizes,stock,size_chart"]
    for i in range(rows):
        lines.append(
            f"SKU-{i:06d},Cotton tee {i},纯棉T恤 {i},Brand {i % 40},T恤,男,黑色,"
            f"{59 + (i + price_shift) % 400},S|M|L|XL,S:{i % 5}|M:3|L:2|XL:0,tops"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def timed(label: str, database: Database, merchant: str, data: bytes, results: list[list[object]]) -> None:
    started = time.perf_counter()
    parsed = parse_product_upload(data, filename="p.csv")
    parsed_at = time.perf_counter()
    report = import_catalog(database, merchant, products=parsed)
    done = time.perf_counter()
    counts = report.products.as_dict() if report.products else {}
    results.append(
        [label, f"{parsed_at - started:.2f}", f"{done - parsed_at:.2f}", f"{done - started:.2f}", counts]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        database = Database(url)
        database.migrate()
        with database.session() as session:
            merchant = create_merchant(session, "Bench shop").merchant_id
        import_catalog(database, merchant, charts=parse_chart_upload(CHART.encode(), filename="c.csv"))
        results: list[list[object]] = []
        timed("first import", database, merchant, product_file(args.rows), results)
        timed("unchanged re-upload", database, merchant, product_file(args.rows), results)
        timed("update every product", database, merchant, product_file(args.rows, 7), results)
        database.dispose()
    dialect = "postgresql" if args.database_url else "sqlite"
    print_table(
        f"catalog import, {args.rows} products x 4 sizes ({dialect})",
        ["phase", "parse s", "store s", "total s", "counts"],
        results,
    )
    write_report(f"catalog_import_{dialect}", {"rows": args.rows, "phases": results})


if __name__ == "__main__":
    main()
