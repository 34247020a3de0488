"""Start-up time of ``fitguide serve``: first start (empty var dir) and later starts, per phase.

    python -m bench.bench_startup [--workers 1 2] [--embedder hash]

The first start migrates the database, imports the 3,780-product demo catalog, loads the models and
embeds the catalog for its index snapshot; later starts load the snapshot from disk. Phases come from
each worker's 'startup' log line (also exported as the ``fitguide_startup_seconds`` gauge). With two
workers, one builds the snapshot while the other waits on the build lock and then loads it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_chat import serve, startup_lines
from bench.common import print_table, write_report

PHASES = ("imports", "database", "demo_catalog", "sizing_model", "embedder", "search_setup", "index")


def one_start(var_dir: Path, embedder: str, workers: int, label: str) -> dict[str, Any]:
    log_path = var_dir.parent / f"{label}.log"
    started = time.monotonic()
    with serve(var_dir, embedder, workers, log_path, {"FITGUIDE_LOAD_DEMO": "true"}):
        ready = time.monotonic() - started
    lines = startup_lines(log_path)
    return {
        "start": label,
        "workers": workers,
        "ready_seconds": round(ready, 1),
        "per_worker": [
            {"pid": line.get("pid"), "total": line["total_seconds"], **line["phases"]} for line in lines
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--embedder", default="sentence-transformers", help="'hash' for a quick check")
    args = parser.parse_args()
    results = []
    load_before = os.getloadavg()[0]
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="fitguide-startup-") as tmp:
            var_dir = Path(tmp) / "var"
            results.append(one_start(var_dir, args.embedder, workers, "first"))
            results.append(one_start(var_dir, args.embedder, workers, "later"))
    rows = [
        [
            result["workers"],
            result["start"],
            worker["pid"],
            *(worker.get(phase, "") for phase in PHASES),
            worker["total"],
            result["ready_seconds"],
        ]
        for result in results
        for worker in result["per_worker"]
    ]
    print_table(
        f"start-up seconds per worker ({args.embedder}; load {load_before:.1f})",
        ["workers", "start", "pid", *PHASES, "worker total", "all ready"],
        rows,
    )
    write_report(
        "startup", {"embedder": args.embedder, "load_average_1min_before": load_before, "results": results}
    )


if __name__ == "__main__":
    main()
