"""Run every benchmark script in bench/ one after another and print their tables (``make bench``).

    python -m bench.run_all [--quick] [--only NAME ...] [--skip NAME ...]

Each script runs in its own process (so one's memory and threads never skew the next), prints its own
tables and writes its JSON report to reports/bench/. ``--quick`` uses smaller sizes and shorter runs:
a smoke test of the scripts in a few minutes, not figures to publish. A script added to bench/ later is
picked up automatically and run without arguments.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.common import print_table

BENCH_DIR = Path(__file__).resolve().parent
NOT_SCRIPTS = {"__init__", "common", "run_all", "synthetic_catalog"}
# Cheapest first, so a quick look at sizing or search does not wait behind the long runs.
ORDER = (
    "bench_sizing",
    "catalog_import",
    "bench_startup",
    "bench_search",
    "bench_chat",
    "bench_http",
    "bench_index",
)
QUICK_ARGS = {
    "bench_sizing": ["--repeat", "50"],
    "catalog_import": ["--rows", "2000"],
    "bench_search": ["--sizes", "1000", "10000", "--repeat", "1"],
    "bench_chat": ["--sizes", "1000", "10000", "--passes", "1", "--no-http"],
    "bench_http": ["--workers", "2", "--steps", "2", "8", "--step-seconds", "3", "--sustain-seconds", "10"],
    "bench_index": ["--sizes", "10000", "100000", "--skip-embedding"],
    "bench_startup": ["--workers", "2"],
}


def scripts() -> list[str]:
    found = {path.stem for path in BENCH_DIR.glob("*.py") if path.stem not in NOT_SCRIPTS}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (smoke test)")
    parser.add_argument("--only", nargs="+", default=None, help="run only these scripts")
    parser.add_argument("--skip", nargs="+", default=[], help="leave these scripts out")
    args = parser.parse_args()
    selected = [
        name for name in scripts() if (args.only is None or name in args.only) and name not in args.skip
    ]
    unknown = set(args.only or []) - set(scripts())
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(scripts())})")
    summary = []
    for name in selected:
        command = [sys.executable, "-m", f"bench.{name}", *(QUICK_ARGS.get(name, []) if args.quick else [])]
        print(f"\n=== {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        returncode = subprocess.run(command, check=False).returncode
        summary.append(
            [name, "ok" if returncode == 0 else f"failed ({returncode})", f"{time.monotonic() - started:.0f}"]
        )
    print_table("benchmarks" + (" (quick)" if args.quick else ""), ["script", "status", "seconds"], summary)
    if any(row[1] != "ok" for row in summary):
        sys.exit(1)


if __name__ == "__main__":
    main()
