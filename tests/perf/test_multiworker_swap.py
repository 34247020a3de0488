"""`fitguide serve --workers 2`: a catalog upload swaps every worker to the new index, no request fails.

Starts the real server (uvicorn, two worker processes) on a free loopback port with its own var dir and
the hash embedder, fills a small catalog through the merchant API, then keeps /api/chat busy from a
thread while a changed catalog is uploaded. Every request must succeed, and after the swap a long run
of requests on fresh connections (spread over both workers by the kernel) must all see the new product,
with each worker having logged its switch. Bounded in time; the server is always stopped.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import ServerProcess, fitguide_executable, log_records

pytestmark = pytest.mark.slow

CHARTS_CSV = (
    "chart_id,name,brand,category,gender,kind,fit,size,chest_cm,waist_cm,hip_cm\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,S,84-88,70-74,86-90\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,M,88-92,74-78,90-94\n"
    "tops-m,Tops men,Acme,tshirt,men,body,regular,L,92-96,78-82,94-98\n"
)
HEADER = "sku,title,title_zh,brand,category,gender,color,price,currency,sizes,stock,size_chart\n"
OLD_PRODUCTS = (
    HEADER
    + "TEE-1,Basic black tee,黑色T恤,Acme,tshirt,men,black,199,CNY,S|M|L,S:3|M:4|L:5,tops-m\n"
    + "TEE-2,Striped navy tee,条纹T恤,Acme,tshirt,men,navy,159,CNY,S|M|L,S:2|M:2|L:2,tops-m\n"
    + "TEE-3,White cotton tee,白色T恤,Acme,tshirt,men,white,99,CNY,S|M|L,S:1|M:1|L:1,tops-m\n"
)
# The same catalog with TEE-3 replaced by a product whose words no old product has.
NEW_PRODUCTS = OLD_PRODUCTS.replace(
    "TEE-3,White cotton tee,白色T恤,Acme,tshirt,men,white,99",
    "GOLD-9,Golden sequin tee,金色亮片T恤,Acme,tshirt,men,gold,299",
)
NEW_SKU = "GOLD-9"
MESSAGES = ["black tee", "t-shirt under 200", "golden sequin tee", "show me tees", "cheaper", "白色T恤"]
SWAP_TIMEOUT = 60.0
CONSECUTIVE_NEW = 40


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    process = ServerProcess(tmp_path / "var", workers=2, log_level="INFO")
    process.start()
    try:
        created = subprocess.run(
            [fitguide_executable(), "merchant", "create", "Swap shop", "--id", "swap", "--json"],
            env=process.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        key = json.loads(created.stdout.strip().splitlines()[-1])["key"]
        yield {"base": process.url, "key": key, "log": process.log_path}
    finally:
        process.stop()


def _upload(base: str, key: str, kind: str, body: str, mode: str) -> None:
    response = httpx.post(
        f"{base}/api/merchant/{kind}",
        params={"mode": mode},
        content=body.encode("utf-8"),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
        timeout=60,
    )
    assert response.status_code == 200, response.text


def _skus(client: httpx.Client, base: str, message: str) -> list[str]:
    response = client.post(f"{base}/api/chat", json={"merchant_id": "swap", "message": message}, timeout=30)
    response.raise_for_status()
    return [card["sku"] for card in response.json()["products"]]


def _fresh_connections() -> httpx.Client:
    # No keep-alive: each request is a new connection, so both workers keep getting requests.
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def test_catalog_upload_swaps_every_worker_without_failed_requests(server: dict[str, Any]) -> None:
    base, key = server["base"], server["key"]
    _upload(base, key, "size-charts", CHARTS_CSV, "upsert")
    _upload(base, key, "products", OLD_PRODUCTS, "replace")

    with _fresh_connections() as client:
        deadline = time.monotonic() + SWAP_TIMEOUT
        while "TEE-3" not in _skus(client, base, "white cotton tee"):
            assert time.monotonic() < deadline, "the first catalog never became searchable"
            time.sleep(0.2)

    outcomes: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        with _fresh_connections() as hammer_client:
            index = 0
            while not stop.is_set() and len(outcomes) < 5000:
                message = MESSAGES[index % len(MESSAGES)]
                index += 1
                try:
                    response = hammer_client.post(
                        f"{base}/api/chat", json={"merchant_id": "swap", "message": message}, timeout=30
                    )
                    outcomes.append("ok" if response.status_code == 200 else f"http {response.status_code}")
                except httpx.HTTPError as error:
                    outcomes.append(f"{type(error).__name__}: {error}")

    worker = threading.Thread(target=hammer, daemon=True)
    worker.start()
    try:
        time.sleep(1.0)  # traffic on the old snapshot first
        _upload(base, key, "products", NEW_PRODUCTS, "replace")
        consecutive = 0
        deadline = time.monotonic() + SWAP_TIMEOUT
        with _fresh_connections() as client:
            while consecutive < CONSECUTIVE_NEW:
                assert time.monotonic() < deadline, f"only {consecutive} requests in a row saw {NEW_SKU}"
                skus = _skus(client, base, "golden sequin tee")
                consecutive = consecutive + 1 if NEW_SKU in skus and "TEE-3" not in skus else 0
    finally:
        stop.set()
        worker.join(timeout=40)

    failures = [outcome for outcome in outcomes if outcome != "ok"]
    assert outcomes, "the load thread sent nothing"
    assert not failures, f"{len(failures)} of {len(outcomes)} requests failed: {failures[:5]}"
    # Both worker processes switched to the new snapshot (one built it, the other loaded it).
    swaps = [
        record
        for record in log_records(server["log"])
        if record.get("msg") in ("index built", "index loaded") and record.get("merchant_id") == "swap"
    ]
    newest = max(int(record["catalog_version"]) for record in swaps)
    workers = {record["pid"] for record in swaps if int(record["catalog_version"]) == newest}
    assert len(workers) == 2, f"catalog version {newest} reached worker pids {workers}"
