"""Coverage-guided fuzzing with atheris (libFuzzer), bounded in runs and seconds per target, seeded with
real upload files and messages. Each target runs in its own process: libFuzzer exits non-zero on any
exception other than a FitGuideError and writes the input that caused it next to the corpus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.catalog.conftest import CHARTS_CSV, PRODUCTS_CSV, csv_rows, xlsx_bytes

pytest.importorskip("atheris")

RUNS = int(os.environ.get("FITGUIDE_ATHERIS_RUNS", "10000"))
SECONDS = int(os.environ.get("FITGUIDE_ATHERIS_SECONDS", "8"))
TARGETS = Path(__file__).with_name("fuzz_targets.py")
REPO_ROOT = Path(__file__).resolve().parents[2]

SEEDS: dict[str, list[bytes]] = {
    # The first byte picks the file name in the upload target.
    "upload": [
        b"\x00" + PRODUCTS_CSV.encode(),
        b"\x00" + CHARTS_CSV.encode(),
        b"\x01" + json.dumps([{"sku": "A", "title": "t", "price": 1, "sizes": ["S", "M"]}]).encode(),
        b"\x02" + xlsx_bytes(csv_rows(PRODUCTS_CSV)),
        b"\x03" + PRODUCTS_CSV.replace(",", "\t").encode(),
    ],
    "body": [b"165cm", b"1.65m", "1米65".encode(), b"5'6\"", b"132 lb", "110斤".encode(), b"34in"],
    "chart_cell": [b"88-92", b"34-36in", b"170/88A", "¥1,299.00".encode(), b"XL", b"88cm-36in"],
    "chat": [
        b"\x00red linen dress under 300",
        "\x01红色连衣裙 300以下 不要黑色".encode(),
        b"\x02I'm 165cm 55kg, which size?",
        "\x00便宜点 大一号 第二个".encode(),
    ],
}


@pytest.mark.parametrize("target", sorted(SEEDS))
def test_atheris_finds_no_crash(target: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index, seed in enumerate(SEEDS[target]):
        (corpus / f"seed-{index}").write_bytes(seed)
    result = subprocess.run(
        [
            sys.executable,
            str(TARGETS),
            target,
            f"-runs={RUNS}",
            f"-max_total_time={SECONDS}",
            "-max_len=4096",
            "-rss_limit_mb=1024",
            "-timeout=10",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=SECONDS * 6 + 120,
    )
    done = re.findall(r"Done (\d+) runs", result.stderr)
    print(f"atheris {target}: {done[-1] if done else '?'} runs")
    assert result.returncode == 0, result.stderr[-3000:]
