"""Bounded soak: mixed chat, sizing, feedback and catalog-upload traffic on loopback against `fitguide serve`.

    python -m bench.soak --duration 60            # starts its own server (temp var dir, hash embedder)
    python -m bench.soak --duration 60 --workers 2

Passes when, after the run: no 5xx and no failed connections, the server's resident memory grew by less
than ``--rss-growth-mb`` between the end of the warm-up and the end of the run (sampled from /proc every
second), and every write the server accepted (uploaded products, feedback lines) is in the database.
Prints one JSON report (also written to reports/bench/soak.json with --report).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
MERCHANT = "soak-shop"
CATALOG_PRODUCTS = 400
MESSAGES = [
    "red dress",
    "linen shirt under 300",
    "黑色连衣裙",
    "cheaper",
    "show more",
    "a jacket for work",
    "牛仔裤 200以下",
    "I'm 165cm 55kg, which size?",
    "something for summer",
    "不要红色",
    "blue tee size M",
    "second one",
    "hello",
]
BODIES = [
    {"height": "165cm", "weight": "55kg", "sex": "female"},
    {"height": "180cm", "weight": "80kg", "sex": "male"},
    {"height": "1米7", "weight": "130斤", "sex": "female"},
    {"height": "5'9\"", "weight": "160lb", "sex": "male"},
]
CHARTS = (
    "chart_id,name,category,gender,kind,size,chest_cm,waist_cm,hip_cm\n"
    "tops,Tops,tshirt,women,body,S,80-84,62-66,86-90\n"
    "tops,Tops,tshirt,women,body,M,84-88,66-70,90-94\n"
    "tops,Tops,tshirt,women,body,L,88-92,70-74,94-98\n"
    "tops,Tops,tshirt,women,body,XL,92-96,74-78,98-102\n"
)
COLORS = ["red", "blue", "black", "white", "green"]
CATEGORIES = ["tshirt", "dress", "shirt", "jeans", "jacket"]


def product_rows(prefix: str, start: int, count: int) -> str:
    lines = ["sku,title,category,gender,color,price,sizes,stock,size_chart"]
    for i in range(start, start + count):
        color, category = COLORS[i % len(COLORS)], CATEGORIES[i % len(CATEGORIES)]
        lines.append(
            f"{prefix}-{i},{color} {category} {i},{category},women,{color},{99 + i % 400},S|M|L|XL,"
            "S:3|M:3|L:3|XL:3,tops"
        )
    return "\n".join(lines) + "\n"


@dataclass
class SoakReport:
    duration_seconds: float
    workers: int
    threads: int
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    failed_connections: int = 0
    rss_start_mb: float = 0.0
    rss_after_warmup_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_growth_mb: float = 0.0
    rss_growth_bound_mb: float = 0.0
    accepted_products: int = 0
    accepted_feedback: int = 0
    missing_products: int = 0
    missing_feedback: int = 0
    passed: bool = False
    machine: dict[str, Any] = field(default_factory=dict)


def _tree_rss_bytes(pid: int) -> int:
    """RSS of a process and all its descendants (uvicorn workers), from /proc."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Traffic:
    def __init__(self, url: str, key: str, seed: int) -> None:
        self.url = url
        self.auth = {"Authorization": f"Bearer {key}"}
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.failed_connections = 0
        self.accepted_skus: set[str] = set()
        self.accepted_feedback: set[str] = set()
        self.counter = 0

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _record(self, kind: str, status: int | None) -> None:
        with self.lock:
            self.kinds[kind] += 1
            if status is None:
                self.failed_connections += 1
            else:
                self.statuses[str(status)] += 1

    def one(self, client: httpx.Client, rng: random.Random) -> None:
        roll = rng.random()
        try:
            if roll < 0.55:
                kind = "chat"
                payload: dict[str, Any] = {"merchant_id": MERCHANT, "message": rng.choice(MESSAGES)}
                if rng.random() < 0.3:
                    payload["profile"] = rng.choice(BODIES)
                response = client.post("/api/chat", json=payload)
            elif roll < 0.75:
                kind = "size"
                sku = f"BASE-{rng.randrange(CATALOG_PRODUCTS)}"
                response = client.post(
                    "/api/size/recommend",
                    json={"merchant_id": MERCHANT, "sku": sku, "body": rng.choice(BODIES)},
                )
            elif roll < 0.85:
                kind = "estimate"
                response = client.post("/api/size/estimate", json=rng.choice(BODIES))
            elif roll < 0.95:
                kind = "feedback"
                lines = []
                for _ in range(rng.randint(1, 5)):
                    line_id = f"order-{self._next()}"
                    lines.append(
                        {
                            "id": line_id,
                            "sku": f"BASE-{rng.randrange(CATALOG_PRODUCTS)}",
                            "size": rng.choice(["S", "M", "L", "XL"]),
                            "outcome": rng.choice(["kept", "too_small", "too_large"]),
                        }
                    )
                response = client.post("/api/feedback", json={"lines": lines}, headers=self.auth)
                if response.status_code == 200:
                    with self.lock:
                        self.accepted_feedback.update(line["id"] for line in lines)
            else:
                kind = "upload"
                start = self._next() * 10
                body = product_rows("SOAK", start, 10)
                response = client.post(
                    "/api/merchant/products",
                    content=body.encode(),
                    headers={**self.auth, "content-type": "text/csv"},
                )
                if response.status_code == 200:
                    with self.lock:
                        self.accepted_skus.update(f"SOAK-{i}" for i in range(start, start + 10))
            self._record(kind, response.status_code)
        except httpx.HTTPError:
            self._record("error", None)


def run_soak(
    duration: float = 60.0,
    threads: int = 8,
    workers: int = 1,
    rss_growth_mb: float = 150.0,
    warmup_fraction: float = 0.25,
    var_dir: Path | None = None,
) -> SoakReport:
    from catalog.merchants import create_merchant
    from fitguide.db import Database

    temporary = None
    if var_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="fitguide-soak-")
        var_dir = Path(temporary.name) / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    database = Database(f"sqlite:///{(var_dir / 'fitguide.db').resolve()}")
    database.migrate()
    with database.session() as session:
        key = create_merchant(session, "Soak Shop", MERCHANT).key
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FITGUIDE_VAR_DIR": str(var_dir),
        "FITGUIDE_EMBEDDER": "hash",
        "FITGUIDE_LOAD_DEMO": "false",
        "FITGUIDE_RATE_LIMIT_PER_MINUTE": "0",
        "FITGUIDE_LOG_LEVEL": "WARNING",
    }
    env.pop("FITGUIDE_DATABASE_URL", None)
    fitguide = Path(sys.executable).parent / "fitguide"
    command = [str(fitguide)] if fitguide.exists() else [sys.executable, "-m", "fitguide.cli"]
    log_path = var_dir.parent / "soak-server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    report = SoakReport(duration_seconds=duration, workers=workers, threads=threads)
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError("server exited:\n" + log_path.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready")
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {key}"}
        assert (
            httpx.post(
                f"{url}/api/merchant/size-charts", files={"file": ("c.csv", CHARTS)}, headers=auth
            ).status_code
            == 200
        )
        setup = httpx.post(
            f"{url}/api/merchant/products",
            content=product_rows("BASE", 0, CATALOG_PRODUCTS).encode(),
            headers={**auth, "content-type": "text/csv"},
            timeout=120,
        )
        assert setup.status_code == 200, setup.text
        report.rss_start_mb = _tree_rss_bytes(server.pid) / 1e6
        traffic = Traffic(url, key, seed=7)
        stop_at = time.monotonic() + duration
        samples: list[tuple[float, float]] = []

        def sample() -> None:
            started = time.monotonic()
            while time.monotonic() < stop_at:
                samples.append((time.monotonic() - started, _tree_rss_bytes(server.pid) / 1e6))
                time.sleep(1.0)

        def drive(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(base_url=url, timeout=60) as client:
                while time.monotonic() < stop_at:
                    traffic.one(client, rng)

        sampler = threading.Thread(target=sample)
        drivers = [threading.Thread(target=drive, args=(seed,)) for seed in range(threads)]
        sampler.start()
        for driver in drivers:
            driver.start()
        for driver in drivers:
            driver.join()
        sampler.join()

        warm = [mb for t, mb in samples if t >= duration * warmup_fraction] or [samples[-1][1]]
        report.rss_after_warmup_mb = round(warm[0], 1)
        report.rss_end_mb = round(_tree_rss_bytes(server.pid) / 1e6, 1)
        report.rss_peak_mb = round(max(mb for _, mb in samples), 1)
        report.rss_growth_mb = round(report.rss_end_mb - report.rss_after_warmup_mb, 1)
        report.rss_growth_bound_mb = rss_growth_mb
        report.statuses = dict(traffic.statuses)
        report.by_kind = dict(traffic.kinds)
        report.requests = sum(traffic.statuses.values()) + traffic.failed_connections
        report.server_errors = sum(n for status, n in traffic.statuses.items() if status.startswith("5"))
        report.failed_connections = traffic.failed_connections
        report.accepted_products = len(traffic.accepted_skus)
        report.accepted_feedback = len(traffic.accepted_feedback)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    # Every accepted write is in the database, read after the server is gone.
    from sqlalchemy import select

    from catalog.models import FitFeedback, Product

    with database.session() as session:
        skus = set(session.scalars(select(Product.sku).where(Product.merchant_id == MERCHANT)))
        lines = set(session.scalars(select(FitFeedback.line_id).where(FitFeedback.merchant_id == MERCHANT)))
    database.dispose()
    report.missing_products = len(traffic.accepted_skus - skus)
    report.missing_feedback = len(traffic.accepted_feedback - lines)
    report.passed = (
        report.server_errors == 0
        and report.failed_connections == 0
        and report.rss_growth_mb < rss_growth_mb
        and report.missing_products == 0
        and report.missing_feedback == 0
        and report.requests > 0
    )
    if temporary is not None:
        temporary.cleanup()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of traffic.")
    parser.add_argument("--threads", type=int, default=8, help="Concurrent client threads.")
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    parser.add_argument(
        "--rss-growth-mb", type=float, default=150.0, help="Allowed RSS growth after warm-up."
    )
    parser.add_argument("--report", action="store_true", help="Also write reports/bench/soak.json.")
    args = parser.parse_args()
    report = run_soak(args.duration, args.threads, args.workers, args.rss_growth_mb)
    from bench.common import machine

    report.machine = machine()
    text = json.dumps(asdict(report), indent=2, ensure_ascii=False)
    print(text)
    if args.report:
        out = REPO_ROOT / "reports" / "bench" / "soak.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    raise SystemExit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
