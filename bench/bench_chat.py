"""Chat turn latency at 1k, 10k and 100k products, in-process and over HTTP on loopback.

    python -m bench.bench_chat [--sizes 1000 10000 100000] [--passes 2] [--no-http] [--embedder hash]

Catalogs are synthetic, drawn from the demo catalog's attribute distributions (bench/synthetic_catalog.py),
served by the real stack: the app is created with ``web.app.create_app`` and its lifespan loads the
embedding model, the sizing model and the on-disk index snapshot exactly as ``fitguide serve`` does.

The script: every scripted dialogue (data/eval/guide_dialogues.jsonl, 99 turns) and every judged query
(data/eval/guide_queries.jsonl, 268) as a one-turn conversation; every second conversation carries a
body profile the way the widget's "my size" form sends one, so half the turns also get size advice.
The query-embedding cache is emptied before the measured passes: in the first pass every distinct
query text is a cache miss (the model runs); later passes show the warm cache. Phases come from
fitguide.timing spans wrapped around the code paths (exclusive time, so they add up):

    understanding  guide.nlu.parse (rules, numerals, synonyms)
    embedding      query vector: model call or cache hit
    retrieval      filter masks, BM25, vector search, fusion, relaxation, index freshness check
    sizing         size recommendations for the cards (charts, body estimate, matching)
    rendering      reply text and response objects
    storage        session load/save and recommendation events (SQLite)
    other          the dialogue state machine and everything else

Over HTTP the same script runs against ``fitguide serve --workers 1`` on a free loopback port, one
request at a time on a keep-alive connection (latency, not throughput: see bench_http).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import percentiles, print_table, write_report
from bench.synthetic_catalog import MERCHANT_ID, bench_settings, prepare_catalog
from fitguide.settings import REPO_ROOT

PHASES = ("understanding", "embedding", "retrieval", "sizing", "rendering", "storage", "other")
EVAL_DIR = REPO_ROOT / "data" / "eval"
PROFILES = (
    {"height_cm": 168, "weight_kg": 58, "sex": "female"},
    {"height_cm": 178, "weight_kg": 74, "sex": "male"},
    {"height_cm": 160, "weight_kg": 52, "sex": "female"},
    {"height_cm": 185, "weight_kg": 90, "sex": "male"},
)
WARMUP_TURNS = 30


def conversations() -> list[dict[str, Any]]:
    """[{"messages": [...], "profile": {...} | None}] in a fixed order."""
    found: list[list[str]] = []
    with (EVAL_DIR / "guide_dialogues.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                found.append([turn["message"] for turn in json.loads(line)["turns"]])
    with (EVAL_DIR / "guide_queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                found.append([json.loads(line)["query"]])
    return [
        {"messages": messages, "profile": PROFILES[(i // 2) % len(PROFILES)] if i % 2 else None}
        for i, messages in enumerate(found)
    ]


def requests_of(conversation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The request bodies of one conversation (the session id is filled in as replies come back)."""
    for message in conversation["messages"]:
        body: dict[str, Any] = {"merchant_id": MERCHANT_ID, "message": message}
        if conversation["profile"]:
            body["profile"] = conversation["profile"]
        yield body


@contextmanager
def phase_spans(guide_service: Any) -> Iterator[None]:
    """Wrap the chat turn's code paths in timing spans for the duration of the block."""
    import guide.service
    import sizing.service
    from fitguide.timing import instrument
    from guide.embedding import QueryEmbeddingCache
    from guide.replies import ReplyRenderer
    from guide.search import CatalogSearch
    from guide.sessions import SessionStore
    from sizing.service import SizingService

    restore = [
        instrument(guide.service, "parse", "understanding"),
        instrument(QueryEmbeddingCache, "embed", "embedding"),
        instrument(CatalogSearch, "search", "retrieval"),
        instrument(CatalogSearch, "nearest_relaxed", "retrieval"),
        instrument(CatalogSearch, "candidate_mask", "retrieval"),
        instrument(guide_service, "search_for", "retrieval"),  # the index's freshness check
        instrument(SizingService, "recommend_batch", "sizing"),
        instrument(ReplyRenderer, "response", "rendering"),
        instrument(SessionStore, "load", "storage"),
        instrument(SessionStore, "save", "storage"),
        instrument(sizing.service, "record_events", "storage"),
    ]
    try:
        yield
    finally:
        for undo in reversed(restore):
            undo()


def run_in_process(var_dir: Path, embedder: str, passes: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from fitguide.runtime import configure_threads, resident_bytes
    from fitguide.timing import recording
    from guide.schemas import ChatRequest
    from web.app import create_app

    settings = bench_settings(var_dir, embedder=embedder)
    script = conversations()
    with TestClient(create_app(settings)) as client:
        # The lifespan set one torch thread for its own thread and threads started later (as the
        # server's request threads are); chats here run on this already-running thread.
        configure_threads()
        guide = client.app.state.guide  # type: ignore[attr-defined]
        cache = client.app.state.search.query_cache  # type: ignore[attr-defined]

        cpu_ms: list[float] = []  # CPU time of the turn's own thread: less sensitive to machine load

        def turn(body: dict[str, Any], session_id: str | None) -> tuple[str, float, dict[str, float]]:
            request = ChatRequest(**body, session_id=session_id)
            with recording() as recorder:
                cpu_started = time.thread_time()
                started = time.perf_counter()
                reply = guide.chat(request)
                elapsed = (time.perf_counter() - started) * 1000
                cpu_ms.append((time.thread_time() - cpu_started) * 1000)
            phases = dict(recorder.totals_ms)
            phases["other"] = max(0.0, elapsed - sum(phases.values()))
            return reply.session_id, elapsed, phases

        warm = 0
        for conversation in script:  # loads sizing charts, brand lists and code paths once
            session_id = None
            for body in requests_of(conversation):
                session_id, _, _ = turn(body, session_id)
                warm += 1
            if warm >= WARMUP_TURNS:
                break
        cache.clear()
        results = []
        with phase_spans(guide):
            for number in range(passes):
                totals: list[float] = []
                per_phase: dict[str, list[float]] = {name: [] for name in PHASES}
                hits_before, misses_before = cache.hits, cache.misses
                cpu_ms.clear()
                for conversation in script:
                    session_id = None
                    for body in requests_of(conversation):
                        session_id, elapsed, phases = turn(body, session_id)
                        totals.append(elapsed)
                        for name in PHASES:
                            per_phase[name].append(phases.get(name, 0.0))
                hits, misses = cache.hits - hits_before, cache.misses - misses_before
                results.append(
                    {
                        "pass": number + 1,
                        "total": percentiles(totals),
                        "phases": {name: percentiles(values) for name, values in per_phase.items()},
                        "cache_hit_rate": round(hits / max(1, hits + misses), 3),
                        "cpu_ms": percentiles(cpu_ms),
                    }
                )
    return {"passes": results, "resident_mb_after": round((resident_bytes() or 0) / 1e6)}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def startup_lines(log_path: Path) -> list[dict[str, Any]]:
    """The JSON 'startup' log lines (one per worker: seconds per phase) written so far."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        if '"startup"' in line and line.startswith("{"):
            record = json.loads(line)
            if record.get("msg") == "startup":
                found.append(record)
    return found


@contextmanager
def serve(
    var_dir: Path,
    embedder: str,
    workers: int = 1,
    log_path: Path | None = None,
    env_overrides: dict[str, str] | None = None,
    timeout: float = 600.0,
) -> Iterator[str]:
    """``fitguide serve`` on a free loopback port for the block; yields the base URL once every worker
    has logged its start-up; always stopped. Logs at INFO (a line per request) as in production."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "FITGUIDE_VAR_DIR": str(var_dir),
        "FITGUIDE_EMBEDDER": embedder,
        "FITGUIDE_LOAD_DEMO": "false",
        "FITGUIDE_RATE_LIMIT_PER_MINUTE": "0",
        "FITGUIDE_LOG_LEVEL": "INFO",
    }
    env.update(env_overrides or {})
    env.pop("FITGUIDE_DATABASE_URL", None)
    command = [str(Path(sys.executable).parent / "fitguide"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    log_path = log_path or var_dir / "serve.log"
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited with {process.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready in {timeout:.0f} s; see {log_path}")
                if len(startup_lines(log_path)) >= workers:
                    try:
                        if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
            yield base
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def run_over_http(var_dir: Path, embedder: str, passes: int) -> dict[str, Any]:
    import httpx

    script = conversations()
    results = []
    errors = 0
    with serve(var_dir, embedder) as base, httpx.Client(base_url=base, timeout=30) as client:

        def turn(body: dict[str, Any], session_id: str | None) -> tuple[str | None, float]:
            nonlocal errors
            payload = {**body, "session_id": session_id} if session_id else body
            started = time.perf_counter()
            response = client.post("/api/chat", json=payload)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                errors += 1
                return None, elapsed
            return str(response.json()["session_id"]), elapsed

        warm = 0
        for conversation in script:
            session_id = None
            for body in requests_of(conversation):
                session_id, _ = turn(body, session_id)
                warm += 1
            if warm >= WARMUP_TURNS:
                break
        # The server's cache is not reachable from here: pass 1 repeats the warm-up's few queries.
        for number in range(passes):
            totals = []
            for conversation in script:
                session_id = None
                for body in requests_of(conversation):
                    session_id, elapsed = turn(body, session_id)
                    totals.append(elapsed)
            results.append({"pass": number + 1, "total": percentiles(totals)})
    return {"passes": results, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--passes", type=int, default=2, help="passes over the script (1st: cold cache)")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--embedder", default="sentence-transformers", help="'hash' for a quick check")
    args = parser.parse_args()

    from fitguide.settings import Settings
    from guide.embedding import build_embedder

    embedder = build_embedder(Settings(embedder=args.embedder))
    report: dict[str, Any] = {"load_average_1min": os.getloadavg()[0], "embedder": embedder.name, "sizes": {}}
    rows, phase_rows = [], []
    for size in args.sizes:
        var_dir = prepare_catalog(size, embedder)
        entry: dict[str, Any] = {"in_process": run_in_process(var_dir, args.embedder, args.passes)}
        if not args.no_http:
            entry["http"] = run_over_http(var_dir, args.embedder, args.passes)
        report["sizes"][str(size)] = entry
        for result in entry["in_process"]["passes"]:
            total = result["total"]
            cache = f"{result['cache_hit_rate']:.0%}"
            rows.append(
                [
                    size,
                    "in-process",
                    result["pass"],
                    cache,
                    total["p50"],
                    total["p95"],
                    total["p99"],
                    result["cpu_ms"]["mean"],
                    total["n"],
                    0,
                ]
            )
            phase_rows.append(
                [size, result["pass"], *(result["phases"][name]["mean"] for name in PHASES), total["mean"]]
            )
        for result in entry.get("http", {}).get("passes", []):
            total = result["total"]
            errors = entry["http"]["errors"]
            rows.append(
                [
                    size,
                    "http",
                    result["pass"],
                    "",
                    total["p50"],
                    total["p95"],
                    total["p99"],
                    "",
                    total["n"],
                    errors,
                ]
            )
    report["load_average_1min_after"] = os.getloadavg()[0]
    print_table(
        f"chat turn latency, ms ({embedder.name}; load {report['load_average_1min']:.1f})",
        ["products", "path", "pass", "cache hits", "p50", "p95", "p99", "cpu ms/turn", "turns", "errors"],
        rows,
    )
    print(
        "process memory after the in-process runs (model, index, catalog), MB: "
        + ", ".join(
            f"{size}: {entry['in_process']['resident_mb_after']}" for size, entry in report["sizes"].items()
        )
    )
    print_table(
        "in-process chat turn by phase, mean ms",
        ["products", "pass", *PHASES, "total"],
        [[*row[:2], *(f"{value:.2f}" for value in row[2:])] for row in phase_rows],
    )
    write_report("chat", report)


if __name__ == "__main__":
    main()
