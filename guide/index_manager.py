"""Per-merchant search snapshots: built from the catalog, persisted, versioned and swapped atomically.

On disk, under ``settings.index_dir/<merchant>/``:

- ``v<catalog_version>.<token>/`` one complete snapshot: manifest.json, products.json, vectors.npy
  (memory-mapped by every worker), index.faiss, BM25 matrix and the hash of each product's embedded text.
  It is written under a temporary name and renamed into place only when complete.
- ``current``: a small JSON pointer to the snapshot to serve, replaced with ``os.replace`` so a reader
  sees either the old or the new pointer, never half of one, and never a half-built snapshot.

Every worker process holds one IndexManager. ``for_merchant`` serves the loaded snapshot and, at most
once per ``index_check_seconds``, checks the pointer (another worker may have built a newer snapshot)
and the merchant's ``catalog_version`` in the database; anything newer is loaded or built in a
background thread while the old snapshot keeps serving. Rebuilds re-embed only products whose text
changed. A file lock keeps two processes from building the same merchant at once.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import taxonomy
from catalog.models import Merchant, Product, SizeChart, Variant
from fitguide.db import Database
from fitguide.errors import NotFound
from fitguide.settings import Settings
from guide.embedding import Embedder, QueryEmbeddingCache
from guide.lexical import BM25Index, Tokenizer, build_product_bm25
from guide.records import ProductRecord
from guide.search import CatalogSearch, FusionConfig
from guide.vector_index import IndexKind, build_vector_index, load_vector_index

log = logging.getLogger("fitguide.guide.index")
FORMAT_VERSION = 1
POINTER_FILE = "current"
MANIFEST_FILE = "manifest.json"
PRODUCTS_FILE = "products.json"
TEXT_HASHES_FILE = "text_hashes.json"
KEEP_OLD_SNAPSHOTS = 2
_EMBED_BATCH = 256


def load_product_records(session: Session, merchant_id: str) -> list[ProductRecord]:
    """The merchant's products as ProductRecords, variants in chart order, in the merchant's id order."""
    products = (
        session.execute(select(Product).where(Product.merchant_id == merchant_id).order_by(Product.id))
        .scalars()
        .all()
    )
    variants: dict[int, list[tuple[str, int | None]]] = {}
    rows = session.execute(
        select(Variant.product_id, Variant.size_label, Variant.stock)
        .join(Product, Product.id == Variant.product_id)
        .where(Product.merchant_id == merchant_id)
        .order_by(Variant.product_id, Variant.position, Variant.id)
    ).all()
    for product_id, label, stock in rows:
        variants.setdefault(product_id, []).append((label, stock))
    chart_fits = dict(
        session.execute(
            select(SizeChart.chart_id, SizeChart.fit).where(SizeChart.merchant_id == merchant_id)
        ).all()
    )
    records = []
    for product in products:
        sizes = variants.get(product.id, [])
        attributes = product.attributes or {}
        fit = attributes.get("fit") or chart_fits.get(product.size_chart_id or "")
        records.append(
            ProductRecord(
                sku=product.sku,
                title=product.title,
                price=float(product.price),
                currency=product.currency,
                title_zh=product.title_zh,
                description=product.description,
                brand=product.brand,
                category=product.category,
                gender=product.gender,
                color=product.color,
                material=product.material,
                season=product.season,
                occasion=product.occasion,
                fit=str(fit) if fit else None,
                image_url=product.image_url,
                url=product.url,
                size_chart_id=product.size_chart_id,
                sizes=tuple(label for label, _ in sizes),
                stock={label: stock for label, stock in sizes},
            )
        )
    return records


def embedding_text(product: ProductRecord) -> str:
    """What the dense model reads: English attribute names first, so any catalog language embeds well."""
    attributes = " ".join(
        taxonomy.label(field, value, "en")
        for field in ("gender", "color", "material", "category", "season", "occasion")
        if (value := getattr(product, field))
    )
    parts = [
        product.title,
        product.brand or "",
        attributes,
        product.title_zh or "",
        (product.description or "")[:200],
    ]
    return ". ".join(part for part in parts if part)


def text_hash(model_name: str, text: str) -> str:
    return hashlib.sha1(f"{model_name}\n{text}".encode()).hexdigest()


def shipped_embeddings_path(data_dir: Path, model_name: str) -> Path:
    """Precomputed product vectors shipped with the demo catalog (scripts/build_demo_embeddings.py)."""
    return data_dir / "demo" / f"embeddings-{re.sub(r'[^A-Za-z0-9_.-]', '_', model_name)}.npz"


def load_shipped_embeddings(data_dir: Path, model_name: str) -> dict[str, np.ndarray]:
    """Text hash -> vector from the shipped file; empty when there is none for this model."""
    path = shipped_embeddings_path(data_dir, model_name)
    if not path.exists():
        return {}
    with np.load(path) as data:
        return dict(zip(data["hashes"].tolist(), data["vectors"].astype(np.float32), strict=True))


def _record_from_dict(data: dict[str, Any]) -> ProductRecord:
    data = dict(data)
    data["sizes"] = tuple(data.get("sizes") or ())
    return ProductRecord(**data)


@dataclass(frozen=True)
class Pointer:
    directory: str
    catalog_version: int


class SnapshotStore:
    """One merchant's snapshot folders and the ``current`` pointer."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read_pointer(self) -> Pointer | None:
        try:
            data = json.loads((self.root / POINTER_FILE).read_text(encoding="utf-8"))
            return Pointer(data["directory"], int(data["catalog_version"]))
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def publish(self, staging: Path, catalog_version: int) -> Pointer:
        """Rename a complete staging folder into place, then switch the pointer to it atomically."""
        name = f"v{catalog_version}.{secrets.token_hex(4)}"
        os.rename(staging, self.root / name)
        temporary = self.root / f".{POINTER_FILE}.{secrets.token_hex(4)}"
        temporary.write_text(
            json.dumps({"directory": name, "catalog_version": catalog_version}), encoding="utf-8"
        )
        os.replace(temporary, self.root / POINTER_FILE)
        self._prune(keep=name)
        return Pointer(name, catalog_version)

    def staging_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f".staging-{secrets.token_hex(6)}"
        path.mkdir()
        return path

    def _prune(self, keep: str) -> None:
        """Remove all but the newest few snapshots; readers of old ones already hold their data."""
        snapshots = sorted(
            (p for p in self.root.glob("v*") if p.is_dir() and p.name != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in snapshots[KEEP_OLD_SNAPSHOTS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
        cutoff = time.time() - 3600
        for stale in self.root.glob(".staging-*"):
            if stale.stat().st_mtime < cutoff:  # left behind by a crashed build
                shutil.rmtree(stale, ignore_errors=True)

    @contextmanager
    def build_lock(self, blocking: bool) -> Iterator[bool]:
        """An exclusive cross-process lock; yields False when ``blocking`` is off and it is taken."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".build.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class _Loaded:
    search: CatalogSearch
    directory: str
    text_hashes: list[str]
    checked_at: float


class IndexManager:
    """Loads, builds and refreshes every merchant's CatalogSearch for one process."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        embedder: Embedder,
        query_cache: QueryEmbeddingCache | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.embedder = embedder
        self.query_cache = query_cache or QueryEmbeddingCache(embedder, settings.query_cache_size)
        self.tokenizer = Tokenizer()
        Tokenizer.initialize()
        self.fusion = FusionConfig.from_settings(settings)
        self._loaded: dict[str, _Loaded] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._pending: dict[str, Future[None]] = {}
        self._dirty: set[str] = set()
        self._pending_guard = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-build")
        self.builds = 0

    # -- public API -------------------------------------------------------------------------------

    def for_merchant(self, merchant_id: str) -> CatalogSearch:
        """The merchant's current snapshot; the first call loads or builds it, later ones never block."""
        loaded = self._loaded.get(merchant_id)
        if loaded is None:
            with self._merchant_lock(merchant_id):
                loaded = self._loaded.get(merchant_id)
                if loaded is None:
                    loaded = self._load_or_build(merchant_id)
            return loaded.search
        now = time.monotonic()
        if now - loaded.checked_at >= self.settings.index_check_seconds:
            loaded.checked_at = now
            self._check_for_newer(merchant_id, loaded)
        return loaded.search

    def on_catalog_changed(self, merchant_id: str) -> None:
        """Catalog listener: rebuild in the background; the old snapshot serves until the swap."""
        self._schedule(merchant_id, self._rebuild_task)

    def warm_up(self, merchant_id: str) -> bool:
        """Load or build a merchant's snapshot now (start-up); False when the merchant does not exist."""
        try:
            self.for_merchant(merchant_id)
        except NotFound:
            return False
        return True

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Block until background loads and builds finish (tests, CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._pending_guard:
                futures = list(self._pending.values())
            if not futures:
                return
            for future in futures:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def loaded_version(self, merchant_id: str) -> int | None:
        loaded = self._loaded.get(merchant_id)
        return loaded.search.catalog_version if loaded else None

    def stats(self) -> dict[str, Any]:
        return {
            "merchants": {
                m: {
                    "catalog_version": s.search.catalog_version,
                    "products": s.search.size,
                    "directory": s.directory,
                }
                for m, s in self._loaded.items()
            },
            "builds": self.builds,
            "query_cache": self.query_cache.stats(),
        }

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # -- internals --------------------------------------------------------------------------------

    def _merchant_lock(self, merchant_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(merchant_id, threading.Lock())

    def _store(self, merchant_id: str) -> SnapshotStore:
        return SnapshotStore(self.settings.index_dir / merchant_id)

    def _db_version(self, merchant_id: str) -> int:
        with self.database.session() as session:
            return self._db_version_in(session, merchant_id)

    def _load_or_build(self, merchant_id: str) -> _Loaded:
        """Serve what is on disk at once (refreshing it in the background when the catalog is newer);
        build synchronously only when there is no usable snapshot at all."""
        db_version = self._db_version(merchant_id)
        store = self._store(merchant_id)
        loaded = self._try_load(merchant_id, store, store.read_pointer())
        if loaded is None:
            with store.build_lock(blocking=True):
                # Another process may have published a snapshot while we waited for the lock.
                loaded = self._try_load(merchant_id, store, store.read_pointer())
                if loaded is None:
                    return self._build(merchant_id, store, None)
        if loaded.search.catalog_version < db_version:
            self._schedule(merchant_id, self._rebuild_task)
        return loaded

    def _try_load(self, merchant_id: str, store: SnapshotStore, pointer: Pointer | None) -> _Loaded | None:
        if pointer is None:
            return None
        try:
            loaded = self._load(merchant_id, store.root / pointer.directory)
        except (OSError, ValueError, KeyError) as error:
            log.warning(
                "index snapshot unreadable, rebuilding",
                extra={"fields": {"merchant": merchant_id, "error": str(error)}},
            )
            return None
        if loaded is not None:
            self._loaded[merchant_id] = loaded
            log.info(
                "index loaded",
                extra={
                    "fields": {
                        "merchant_id": merchant_id,
                        "catalog_version": loaded.search.catalog_version,
                        "directory": loaded.directory,
                    }
                },
            )
        return loaded

    def _load(self, merchant_id: str, directory: Path) -> _Loaded | None:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        if (
            manifest.get("format") != FORMAT_VERSION
            or manifest.get("model") != self.embedder.name
            or manifest.get("dim") != self.embedder.dim
        ):
            return None  # built with another model: its vectors are meaningless here
        products = [
            _record_from_dict(item)
            for item in json.loads((directory / PRODUCTS_FILE).read_text(encoding="utf-8"))
        ]
        text_hashes = json.loads((directory / TEXT_HASHES_FILE).read_text(encoding="utf-8"))
        search = CatalogSearch(
            merchant_id,
            int(manifest["catalog_version"]),
            products,
            load_vector_index(directory),
            BM25Index.load(directory, self.tokenizer),
            self.query_cache,
            self.fusion,
        )
        return _Loaded(search, directory.name, text_hashes, time.monotonic())

    def _embed(
        self, products: list[ProductRecord], previous: _Loaded | None
    ) -> tuple[np.ndarray, list[str], int]:
        """Vectors for every product, reusing the previous snapshot's rows whose text is unchanged.

        Returns the vectors, each product's text hash and how many rows were reused.
        """
        texts = [embedding_text(p) for p in products]
        hashes = [text_hash(self.embedder.name, t) for t in texts]
        reusable: dict[str, int] = {}
        if previous is not None:
            reusable = {h: row for row, h in enumerate(previous.text_hashes)}
        vectors = np.zeros((len(products), self.embedder.dim), dtype=np.float32)
        missing = [row for row, h in enumerate(hashes) if h not in reusable]
        if previous is not None:
            old_vectors = previous.search.vector_index.vectors  # type: ignore[attr-defined]
            for row, h in enumerate(hashes):
                if h in reusable:
                    vectors[row] = old_vectors[reusable[h]]
        if missing:
            # A first start need not embed the demo catalog: its vectors ship with it.
            shipped = load_shipped_embeddings(self.settings.data_dir, self.embedder.name)
            still_missing = []
            for row in missing:
                if (found := shipped.get(hashes[row])) is not None and found.shape[0] == self.embedder.dim:
                    vectors[row] = found
                else:
                    still_missing.append(row)
            missing = still_missing
        for start in range(0, len(missing), _EMBED_BATCH):
            rows = missing[start : start + _EMBED_BATCH]
            vectors[rows] = self.embedder.encode([texts[r] for r in rows], kind="passage")
        return vectors, hashes, len(products) - len(missing)

    def _build(self, merchant_id: str, store: SnapshotStore, previous: _Loaded | None) -> _Loaded:
        """Build a snapshot from the database, persist it, publish it and make it the loaded one."""
        started = time.perf_counter()
        with self.database.session() as session:
            # Version first: if products change in between, the snapshot is labelled older than its
            # content and is simply rebuilt once more.
            db_version = self._db_version_in(session, merchant_id)
            products = load_product_records(session, merchant_id)
        vectors, hashes, reused = self._embed(products, previous)
        kind: IndexKind = self.settings.ann_index_kind  # type: ignore[assignment]
        vector_index = build_vector_index(vectors, self.settings.exact_index_max, kind)
        bm25 = build_product_bm25(products, self.tokenizer)
        staging = store.staging_dir()
        try:
            vector_index.save(staging)
            bm25.save(staging)
            (staging / PRODUCTS_FILE).write_text(
                json.dumps([dataclasses.asdict(p) for p in products], ensure_ascii=False), encoding="utf-8"
            )
            (staging / TEXT_HASHES_FILE).write_text(json.dumps(hashes), encoding="utf-8")
            manifest = {
                "format": FORMAT_VERSION,
                "merchant_id": merchant_id,
                "catalog_version": db_version,
                "model": self.embedder.name,
                "dim": self.embedder.dim,
                "count": len(products),
                "index_kind": vector_index.kind,
                "product_ids_sha256": hashlib.sha256("\n".join(p.sku for p in products).encode()).hexdigest(),
                "reused_embeddings": reused,
                "built_at": datetime.now(UTC).isoformat(),
                "build_seconds": round(time.perf_counter() - started, 3),
            }
            (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            pointer = store.publish(staging, db_version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        loaded = self._load(merchant_id, store.root / pointer.directory)
        if loaded is None:
            raise RuntimeError("freshly built snapshot failed to load")
        self._loaded[merchant_id] = loaded
        self.builds += 1
        log.info(
            "index built",
            extra={
                "fields": {
                    k: manifest[k]
                    for k in (
                        "merchant_id",
                        "catalog_version",
                        "count",
                        "index_kind",
                        "reused_embeddings",
                        "build_seconds",
                    )
                }
            },
        )
        return loaded

    def _db_version_in(self, session: Session, merchant_id: str) -> int:
        version = session.execute(
            select(Merchant.catalog_version).where(Merchant.id == merchant_id)
        ).scalar_one_or_none()
        if version is None:
            raise NotFound(
                f"Unknown merchant '{merchant_id}'.", f"未知商家 '{merchant_id}'。", code="unknown_merchant"
            )
        return int(version or 0)

    def _check_for_newer(self, merchant_id: str, loaded: _Loaded) -> None:
        pointer = self._store(merchant_id).read_pointer()
        if (
            pointer is not None
            and pointer.directory != loaded.directory
            and pointer.catalog_version >= loaded.search.catalog_version
        ):
            self._schedule(merchant_id, self._reload_task)
            return
        try:
            db_version = self._db_version(merchant_id)
        except NotFound:
            return
        if db_version > loaded.search.catalog_version:
            self._schedule(merchant_id, self._rebuild_task)

    def _schedule(self, merchant_id: str, task: Any) -> None:
        with self._pending_guard:
            if merchant_id in self._pending:
                # A build already running may have read the catalog before this change: go again after.
                self._dirty.add(merchant_id)
                return
            future = self._executor.submit(self._run, merchant_id, task)
            self._pending[merchant_id] = future

    def _run(self, merchant_id: str, task: Any) -> None:
        try:
            task(merchant_id)
        except Exception:
            log.exception("index refresh failed", extra={"fields": {"merchant": merchant_id}})
        finally:
            with self._pending_guard:
                self._pending.pop(merchant_id, None)
                again = merchant_id in self._dirty
                self._dirty.discard(merchant_id)
            if again:
                self._schedule(merchant_id, self._rebuild_task)

    def _reload_task(self, merchant_id: str) -> None:
        store = self._store(merchant_id)
        self._try_load(merchant_id, store, store.read_pointer())

    def _rebuild_task(self, merchant_id: str) -> None:
        store = self._store(merchant_id)
        with store.build_lock(blocking=False) as acquired:
            if not acquired:
                return  # another process is building; the pointer check picks its result up
            db_version = self._db_version(merchant_id)
            pointer = store.read_pointer()
            current = self._loaded.get(merchant_id)
            built_elsewhere = pointer is not None and (
                current is None or pointer.directory != current.directory
            )
            if (
                built_elsewhere
                and pointer is not None
                and pointer.catalog_version >= db_version
                and self._try_load(merchant_id, store, pointer) is not None
            ):
                return
            self._build(merchant_id, store, current)
