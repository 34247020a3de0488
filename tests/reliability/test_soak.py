"""A short soak (the full one is `python -m bench.soak --duration 60`): mixed traffic against `fitguide serve`
ends with no 5xx, bounded memory growth and every accepted write stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import run_soak

pytestmark = pytest.mark.slow


def test_short_soak_holds(tmp_path: Path) -> None:
    report = run_soak(duration=15.0, threads=6, rss_growth_mb=150.0, var_dir=tmp_path / "var")
    print(f"soak: {report}")
    assert report.server_errors == 0 and report.failed_connections == 0, report.statuses
    assert report.requests > 50
    assert report.by_kind.get("upload", 0) > 0 and report.by_kind.get("feedback", 0) > 0
    assert report.missing_products == 0 and report.missing_feedback == 0
    assert report.rss_growth_mb < report.rss_growth_bound_mb, report
    assert report.passed
