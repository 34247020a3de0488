"""Smoke test of the RentTheRunway evaluation on a small sample (the full run is ``fitguide eval sizing``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sizing import eval_rtr

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not eval_rtr.DATA_PATH.exists(), reason="RentTheRunway data set not present")
def test_small_sample_runs_and_reports_every_model(tmp_path: Path) -> None:
    report = eval_rtr.run(tmp_path, sample=2000)
    assert set(report["splits"]) == {"random", "time"}
    assert set(report["splits"]["random"]) == set(eval_rtr.MODEL_LABELS)
    for results in report["splits"].values():
        assert "gb_oof_stats_latent" in results
        assert results["class_prior"]["auc_ovr"] == pytest.approx(0.5)
        for scores in results.values():
            assert 0.0 <= scores["macro_f1"] <= 1.0
    saved = json.loads((tmp_path / "rtr.json").read_text())
    assert saved["rows"] == 2000
    assert "| model | avg AUC |" in (tmp_path / "rtr.md").read_text()
