"""The demo merchant: created on first start and filled from data/demo through the normal import service."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from catalog.merchants import create_merchant
from catalog.models import Merchant
from catalog.service import ImportReport, import_catalog, limits_for, parse_chart_upload, parse_product_upload
from fitguide.db import Database
from fitguide.errors import FitGuideError
from fitguide.settings import Settings

log = logging.getLogger("fitguide.catalog")

DEMO_NAME = "FitGuide Demo Shop"
DEMO_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]
KEY_FILE_NAME = "demo-merchant-key.txt"


def demo_files(settings: Settings) -> tuple[Path, Path]:
    folder = settings.demo_dir or settings.data_dir / "demo"
    return folder / "size_charts.csv", folder / "products.csv"


def write_secret(path: Path, secret: str) -> None:
    """Write a file readable by the owner only (0600), whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    os.chmod(path, 0o600)


def ensure_demo_merchant(database: Database, settings: Settings) -> ImportReport | None:
    """Create and fill the demo merchant once; None when it exists already or there is nothing to load.

    The merchant is created only together with a successful import, so a failed first load (bad demo
    files) leaves no half-made merchant and the next start tries again.
    """
    merchant_id = settings.demo_merchant_id
    with database.session() as session:
        if session.get(Merchant, merchant_id) is not None:
            return None
    charts_file, products_file = demo_files(settings)
    if not products_file.exists():
        log.warning(
            "demo catalog not found; no demo merchant created",
            extra={"fields": {"expected": str(products_file)}},
        )
        return None
    limits = limits_for(settings)
    created = False
    try:
        charts = (
            parse_chart_upload(charts_file.read_bytes(), filename=charts_file.name, limits=limits)
            if charts_file.exists()
            else None
        )
        products = parse_product_upload(
            products_file.read_bytes(), filename=products_file.name, limits=limits
        )
        with database.session() as session:
            issued = create_merchant(session, DEMO_NAME, merchant_id, DEMO_ORIGINS)
        created = True
        report = import_catalog(database, merchant_id, charts=charts, products=products, mode="replace")
    except FitGuideError as error:
        if created:
            with database.session() as session:
                merchant = session.get(Merchant, merchant_id)
                if merchant is not None:
                    session.delete(merchant)
        first = "; ".join(f"row {i.row} {i.column}: {i.reason}" for i in error.issues[:5])
        log.error("demo catalog rejected", extra={"fields": {"error": error.message, "first_issues": first}})
        return None
    key_file = settings.var_dir / KEY_FILE_NAME
    write_secret(key_file, issued.key)
    log.info(
        "demo merchant created",
        extra={
            "fields": {
                "merchant_id": merchant_id,
                "products": report.products.created if report.products else 0,
                "key_file": str(key_file),
            }
        },
    )
    return report
