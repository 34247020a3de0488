"""Chat throughput over HTTP: concurrent shoppers against ``fitguide serve --workers N`` on loopback.

    python -m bench.bench_http [--workers 1 2] [--products 10000] [--steps 1 2 4 8 16 32]
                               [--step-seconds 5] [--sustain-seconds 30]

Each virtual shopper holds one keep-alive connection and plays conversations from the scripted
dialogues and judged queries (bench_chat's script: half with a body profile, sessions carried from
reply to reply). The load is stepped up through ``--steps`` concurrent shoppers; the knee is the
smallest concurrency that reaches 95% of the best throughput seen, and a sustained run at the knee
gives the reported requests/s, error count and latency percentiles. Every run is bounded in time.

The client is a minimal asyncio HTTP/1.1 client (no httpx) so that on a two-core machine the load
generator takes as little CPU from the server as possible; its own CPU use is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.bench_chat import conversations, requests_of, serve
from bench.common import percentiles, print_table, write_report
from bench.synthetic_catalog import prepare_catalog

KNEE_SHARE = 0.95


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads Content-Length bodies."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def shopper(base: str, script: list[dict[str, Any]], start: int, stop_at: float, tally: Tally) -> None:
    parts = urlsplit(base)
    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    position = start
    try:
        while time.monotonic() < stop_at:
            conversation = script[position % len(script)]
            position += 1
            session_id = None
            for body in requests_of(conversation):
                if time.monotonic() >= stop_at:
                    break
                payload = {**body, "session_id": session_id} if session_id else body
                started = time.perf_counter()
                try:
                    status, data = await connection.post_json("/api/chat", payload)
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
                    tally.error(type(error).__name__)
                    await connection.close()
                    break
                tally.latencies_ms.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    tally.error(f"http {status}")
                    break
                session_id = json.loads(data)["session_id"]
    finally:
        await connection.close()


async def load(base: str, script: list[dict[str, Any]], concurrency: int, seconds: float) -> dict[str, Any]:
    tally = Tally()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    stop_at = started + seconds
    # Shoppers start at different points of the script so they do not send the same turn together.
    offsets = [i * len(script) // concurrency for i in range(concurrency)]
    await asyncio.gather(*(shopper(base, script, offset, stop_at, tally) for offset in offsets))
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    done = len(tally.latencies_ms)
    stats = percentiles(tally.latencies_ms) if done else {}
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "requests": done,
        "rps": round(done / elapsed, 1),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "latency_ms": stats,
        "client_cpu_share": round(client_cpu / elapsed, 3),
    }


def scrape_cache(base: str, attempts: int = 20) -> dict[str, dict[str, float]]:
    """Query-cache counters and resident memory per worker (by pid), from /metrics on fresh connections."""
    import httpx

    found: dict[str, dict[str, float]] = {}
    for _ in range(attempts):
        text = httpx.get(f"{base}/metrics", timeout=10).text
        values: dict[str, float] = {}
        pid = None
        for line in text.splitlines():
            if line.startswith("fitguide_worker_info{"):
                pid = line.split('pid="', 1)[1].split('"', 1)[0]
            for name in ("hits", "misses"):
                if line.startswith(f"fitguide_query_embedding_cache_{name}_total "):
                    values[name] = float(line.split()[-1])
            if line.startswith("fitguide_worker_resident_bytes "):
                values["resident_mb"] = round(float(line.split()[-1]) / 1e6, 1)
        if pid is not None:
            found[pid] = values
    return found


def bench_workers(
    workers: int, var_dir: Any, embedder: str, steps: list[int], step_seconds: float, sustain: float
) -> dict[str, Any]:
    script = conversations()
    with serve(var_dir, embedder, workers=workers) as base:
        # A short warm-up: first requests load sizing charts and code paths in each worker.
        asyncio.run(load(base, script, max(2, workers * 2), 3.0))
        ramp = [asyncio.run(load(base, script, concurrency, step_seconds)) for concurrency in steps]
        best = max(step["rps"] for step in ramp)
        knee = next(step for step in ramp if step["rps"] >= KNEE_SHARE * best)
        sustained = asyncio.run(load(base, script, knee["concurrency"], sustain))
        cache = scrape_cache(base)
    hits = sum(v.get("hits", 0) for v in cache.values())
    misses = sum(v.get("misses", 0) for v in cache.values())
    return {
        "workers": workers,
        "ramp": ramp,
        "knee_concurrency": knee["concurrency"],
        "sustained": sustained,
        "query_cache": {"per_worker": cache, "hit_rate": round(hits / max(1, hits + misses), 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--step-seconds", type=float, default=5.0)
    parser.add_argument("--sustain-seconds", type=float, default=30.0)
    parser.add_argument("--embedder", default="sentence-transformers", help="'hash' for a quick check")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    from fitguide.settings import Settings
    from guide.embedding import build_embedder

    embedder = build_embedder(Settings(embedder=args.embedder))
    var_dir = prepare_catalog(args.products, embedder)
    load_before = os.getloadavg()[0]
    results = [
        bench_workers(workers, var_dir, args.embedder, args.steps, args.step_seconds, args.sustain_seconds)
        for workers in args.workers
    ]
    ramp_rows, rows = [], []
    for result in results:
        for step in result["ramp"]:
            latency = step["latency_ms"]
            ramp_rows.append(
                [
                    result["workers"],
                    step["concurrency"],
                    step["rps"],
                    latency.get("p50"),
                    latency.get("p99"),
                    step["errors"],
                ]
            )
        sustained = result["sustained"]
        latency = sustained["latency_ms"]
        rows.append(
            [
                result["workers"],
                result["knee_concurrency"],
                sustained["seconds"],
                sustained["requests"],
                sustained["rps"],
                sustained["errors"],
                latency.get("p50"),
                latency.get("p95"),
                latency.get("p99"),
                f"{result['query_cache']['hit_rate']:.0%}",
                "/".join(
                    str(v.get("resident_mb", "?")) for v in result["query_cache"]["per_worker"].values()
                ),
                f"{sustained['client_cpu_share']:.0%}",
            ]
        )
    print_table(
        f"chat throughput ramp, {args.products} products ({embedder.name}; load {load_before:.1f})",
        ["workers", "shoppers", "turns/s", "p50 ms", "p99 ms", "errors"],
        ramp_rows,
    )
    print_table(
        "sustained at the knee",
        [
            "workers",
            "shoppers",
            "s",
            "turns",
            "turns/s",
            "errors",
            "p50",
            "p95",
            "p99",
            "cache hits",
            "worker MB",
            "client cpu",
        ],
        rows,
    )
    write_report(
        "http",
        {
            "products": args.products,
            "embedder": embedder.name,
            "load_average_1min_before": load_before,
            "load_average_1min_after": os.getloadavg()[0],
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
