"""``fitguide import``: same service as uploads, readable errors, exit code 2 on validation errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fitguide.cli import app
from fitguide.settings import get_settings
from tests.catalog.conftest import CHARTS_CSV, PRODUCTS_CSV


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FITGUIDE_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    (tmp_path / "charts.csv").write_text(CHARTS_CSV, encoding="utf-8")
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
    yield tmp_path
    get_settings.cache_clear()


def test_create_merchant_then_import(env: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["merchant", "create", "CLI Shop", "--id", "cli-shop", "--json"])
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["id"] == "cli-shop"
    args = [
        "import",
        "--merchant",
        "cli-shop",
        "--charts",
        str(env / "charts.csv"),
        "--products",
        str(env / "products.csv"),
    ]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["stored"] is False
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["products"]["created"] == 3 and report["charts"]["created"] == 2


def test_validation_errors_exit_2_with_row_and_column(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["merchant", "create", "CLI Shop", "--id", "cli-shop"])
    bad = env / "bad.csv"
    bad.write_text("sku,title,price\nA,Tee,9\nB,Tee,free\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "--merchant", "cli-shop", "--products", str(bad)])
    assert result.exit_code == 2
    assert "price" in result.output and "free" in result.output and "3" in result.output
    unknown = runner.invoke(app, ["import", "--merchant", "nobody", "--products", str(bad)])
    assert unknown.exit_code == 2
