"""SIGKILL the server in the middle of a large import and in the middle of an index rebuild, at several
points; after each restart the catalog is exactly the old or exactly the new one, the search index
matches the database (same product set, same catalog version) and the service is ready.

Each round replaces the whole catalog (mode=replace) with a new set of skus, so a half-applied import
would show as a mix of two rounds' skus, titles or variant counts. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import httpx
import pytest
from sqlalchemy import func, select, text

from catalog.merchants import create_merchant
from catalog.models import Merchant, Product, Variant
from fitguide.db import Database
from tests.servers import ServerProcess

ROWS = int(os.environ.get("FITGUIDE_CRASH_ROWS", "20000"))
IMPORT_KILL_SECONDS = (0.05, 0.5, 1.0)
# Seconds after the import's transaction starts writing, so kills land inside the database write too.
WRITE_KILL_SECONDS = (0.0, 0.3)
REBUILD_KILLS = 2
# PostgreSQL repeats the distinctive points only (each kill costs a server start): one during the upload,
# two inside the write transaction, one during a rebuild.
POSTGRES_KILLS = {"sent": (0.5,), "writing": (0.0, 0.3), "rebuild": 1}
MERCHANT = "crash-shop"
CHARTS = (
    "chart_id,name,category,gender,kind,size,chest_cm,waist_cm\n"
    "tops,Tops,tshirt,women,body,S,80-84,62-66\n"
    "tops,Tops,tshirt,women,body,M,84-88,66-70\n"
    "tops,Tops,tshirt,women,body,L,88-92,70-74\n"
)

pytestmark = pytest.mark.slow


def catalog_csv(round_number: int) -> bytes:
    lines = ["sku,title,category,gender,color,price,sizes,stock,size_chart"]
    lines += [
        f"R{round_number}-{i},round {round_number} tee {i},tshirt,women,red,{100 + i % 50},S|M|L,"
        "S:1|M:2|L:3,tops"
        for i in range(ROWS)
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class CatalogState:
    version: int
    rounds: set[str]  # the round tag of every product's sku
    titles_match: bool
    products: int
    variants: int
    skus_sha: str


class Committed(TypedDict):
    """The round whose catalog is in the database, and its catalog version."""

    tag: str
    version: int


def read_state(database: Database) -> CatalogState:
    with database.session() as session:
        version = session.scalar(select(Merchant.catalog_version).where(Merchant.id == MERCHANT)) or 0
        rows = session.execute(
            select(Product.sku, Product.title).where(Product.merchant_id == MERCHANT).order_by(Product.id)
        ).all()
        variants = session.scalar(
            select(func.count())
            .select_from(Variant)
            .join(Product, Product.id == Variant.product_id)
            .where(Product.merchant_id == MERCHANT)
        )
    rounds = {sku.split("-", 1)[0] for sku, _title in rows}
    titles_match = all(title.startswith(f"round {sku.split('-', 1)[0][1:]} ") for sku, title in rows)
    sha = hashlib.sha256("\n".join(sku for sku, _ in rows).encode()).hexdigest()
    return CatalogState(int(version), rounds, titles_match, len(rows), int(variants or 0), sha)


def assert_whole(state: CatalogState, allowed: dict[str, int]) -> str:
    """The catalog is exactly one round's (old or new); returns which."""
    assert len(state.rounds) == 1, f"a mix of rounds: {sorted(state.rounds)}"
    (tag,) = state.rounds
    assert tag in allowed, (tag, allowed)
    assert state.titles_match and state.products == ROWS and state.variants == 3 * ROWS, state
    assert state.version == allowed[tag], (state.version, allowed)
    return tag


def index_manifest(var_dir: Path) -> dict[str, object] | None:
    root = var_dir / "indexes" / MERCHANT
    try:
        pointer = json.loads((root / "current").read_text())
        return json.loads((root / pointer["directory"] / "manifest.json").read_text())
    except FileNotFoundError:
        return None


def assert_index_catches_up(server: ServerProcess, database: Database, timeout: float = 180.0) -> None:
    """A chat loads the merchant's snapshot (rebuilding it in the background if stale); soon the published
    snapshot has the database's catalog version and exactly its product list, and answers come from it."""
    state = read_state(database)
    (tag,) = state.rounds
    deadline = time.monotonic() + timeout
    while True:
        reply = httpx.post(
            f"{server.url}/api/chat", json={"merchant_id": MERCHANT, "message": "red tee"}, timeout=60
        )
        assert reply.status_code == 200, reply.text
        cards = [card["sku"] for card in reply.json()["products"]]
        manifest = index_manifest(server.var_dir)
        if (
            manifest
            and manifest["catalog_version"] == state.version
            and cards
            and all(sku.startswith(f"{tag}-") for sku in cards)
        ):
            assert manifest["count"] == state.products and manifest["product_ids_sha256"] == state.skus_sha
            return
        assert time.monotonic() < deadline, f"index never caught up: {manifest} vs {state}, cards {cards[:3]}"
        time.sleep(0.5)


def write_in_progress(database: Database, var_dir: Path) -> bool:
    """The import's transaction holds the write lock: SQLite refuses BEGIN IMMEDIATE to anyone else;
    PostgreSQL shows a backend inside a writing transaction that is not ours."""
    if database.is_sqlite:
        probe = sqlite3.connect(var_dir / "fitguide.db", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with database.engine.connect() as connection:
        busy = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND (state = 'idle in transaction' "
                "OR query ILIKE 'COPY%' OR query ILIKE 'DELETE%' OR query ILIKE 'INSERT%' "
                "OR query ILIKE 'UPDATE%')"
            )
        ).scalar()
    return bool(busy)


def post_catalog(server: ServerProcess, key: str, round_number: int, outcome: dict[str, object]) -> None:
    try:
        response = httpx.post(
            f"{server.url}/api/merchant/products?mode=replace",
            content=catalog_csv(round_number),
            headers={"Authorization": f"Bearer {key}", "content-type": "text/csv"},
            timeout=300,
        )
        outcome["status"] = response.status_code
    except httpx.HTTPError as error:
        outcome["error"] = type(error).__name__


@dataclass
class Survival:
    import_kills: list[str] = field(default_factory=list)
    rebuild_kills: int = 0


def test_sigkill_during_imports_and_rebuilds_leaves_old_or_new_never_a_mix(
    database_url: str, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    url = None if database_url.startswith("sqlite") else database_url
    database = Database(url or f"sqlite:///{(var_dir / 'fitguide.db').resolve()}")
    var_dir.mkdir(parents=True, exist_ok=True)
    database.migrate()
    with database.session() as session:
        key = create_merchant(session, "Crash Shop", MERCHANT).key
    server = ServerProcess(var_dir, url)
    survival = Survival()
    try:
        start_seconds = server.start()
        auth = {"Authorization": f"Bearer {key}"}
        charts = httpx.post(
            f"{server.url}/api/merchant/size-charts", files={"file": ("c.csv", CHARTS)}, headers=auth
        )
        assert charts.status_code == 200, charts.text
        # Round 0 runs to completion: the old state, and how long an import takes.
        started = time.monotonic()
        outcome: dict[str, object] = {}
        post_catalog(server, key, 0, outcome)
        duration = time.monotonic() - started
        assert outcome.get("status") == 200, outcome
        committed: Committed = {"tag": "R0", "version": read_state(database).version}
        assert_whole(read_state(database), {"R0": committed["version"]})

        assert_index_catches_up(server, database)
        # Kill points: fixed delays after the request starts (upload and parsing), then delays after the
        # import's transaction has started writing (the database write itself).
        sent, writing, rebuilds = IMPORT_KILL_SECONDS, WRITE_KILL_SECONDS, REBUILD_KILLS
        if url is not None:
            sent, writing = POSTGRES_KILLS["sent"], POSTGRES_KILLS["writing"]  # type: ignore[assignment]
            rebuilds = int(POSTGRES_KILLS["rebuild"])  # type: ignore[call-overload]
        kill_points = [("sent", delay) for delay in sent]
        kill_points += [("writing", delay) for delay in writing]
        for round_number, (phase, delay) in enumerate(kill_points, start=1):
            outcome = {}
            sender = threading.Thread(target=post_catalog, args=(server, key, round_number, outcome))
            sender.start()
            if phase == "writing":
                deadline = time.monotonic() + duration * 3 + 30
                while not write_in_progress(database, var_dir):
                    assert time.monotonic() < deadline and sender.is_alive(), ("write never seen", outcome)
                    time.sleep(0.005)
            time.sleep(delay)
            server.kill()
            sender.join(timeout=60)
            tag = assert_whole(
                read_state(database),
                {committed["tag"]: committed["version"], f"R{round_number}": committed["version"] + 1},
            )
            if outcome.get("status") == 200:
                assert tag == f"R{round_number}", "the import answered 200 but is not in the database"
            committed = {"tag": tag, "version": read_state(database).version}
            result = "new" if tag == f"R{round_number}" else "old"
            survival.import_kills.append(f"{phase}+{delay:g}s:{result}")
            server.start()
            assert_index_catches_up(server, database)

        # Kill while the index is being rebuilt after a committed import.
        root = var_dir / "indexes" / MERCHANT
        for extra in range(rebuilds):
            round_number = len(kill_points) + 1 + extra
            leftovers = set(root.glob(".staging-*"))
            outcome = {}
            post_catalog(server, key, round_number, outcome)
            assert outcome.get("status") == 200, outcome
            deadline = time.monotonic() + 120
            while not set(root.glob(".staging-*")) - leftovers:
                assert time.monotonic() < deadline, "no rebuild started"
                time.sleep(0.01)
            time.sleep(0.3 * extra)
            server.kill()
            assert_whole(read_state(database), {f"R{round_number}": committed["version"] + 1})
            committed = {"tag": f"R{round_number}", "version": committed["version"] + 1}
            manifest = index_manifest(var_dir)
            if manifest is not None:
                manifest_version = manifest["catalog_version"]
                assert isinstance(manifest_version, int) and manifest_version <= committed["version"]
            server.start()
            assert_index_catches_up(server, database)
            survival.rebuild_kills += 1
        # Leftover half-built snapshots never become current; the service is ready and serving.
        assert httpx.get(f"{server.url}/readyz").status_code == 200
    finally:
        server.stop()
        database.dispose()
    print(
        f"crash recovery ({'sqlite' if url is None else 'postgresql'}, {ROWS} rows, import {duration:.1f}s, "
        f"start {start_seconds:.1f}s): "
        f"import kills {survival.import_kills}, rebuild kills {survival.rebuild_kills}, "
        f"restarts {server.starts - 1}"
    )
    assert len(survival.import_kills) == len(kill_points) and survival.rebuild_kills == rebuilds
