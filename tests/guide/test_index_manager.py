"""IndexManager: builds from the catalog, persists, reloads, refreshes after a change, swaps atomically."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from catalog.merchants import bump_catalog_version, create_merchant
from catalog.models import Product, Variant
from fitguide.db import Database
from fitguide.errors import NotFound
from fitguide.settings import Settings
from guide.embedding import HashEmbedder, TextKind
from guide.filters import Filters
from guide.index_manager import POINTER_FILE, IndexManager, SnapshotStore

MERCHANT = "shop"


def add_products(database: Database, rows: list[dict[str, object]]) -> None:
    with database.session() as session:
        for row in rows:
            sizes = row.pop("sizes", {})
            assert isinstance(sizes, dict)
            product = Product(
                merchant_id=MERCHANT, currency="CNY", attributes=row.pop("attributes", {}), **row
            )
            product.variants = [
                Variant(size_label=label, position=i, stock=stock)
                for i, (label, stock) in enumerate(sizes.items())
            ]
            session.add(product)
        bump_catalog_version(session, MERCHANT)


@pytest.fixture
def catalog(database: Database) -> Database:
    with database.session() as session:
        create_merchant(session, "Shop", MERCHANT)
    add_products(
        database,
        [
            {
                "sku": "dress-1",
                "title": "Floral Summer Dress",
                "price": 199.0,
                "category": "dress",
                "color": "red",
                "gender": "women",
                "sizes": {"S": 2, "M": 0},
                "attributes": {"fit": "slim"},
            },
            {
                "sku": "jeans-1",
                "title": "Washed Jeans",
                "price": 299.0,
                "category": "jeans",
                "color": "blue",
                "gender": "men",
                "sizes": {"30": 1, "32": None},
            },
        ],
    )
    return database


class CountingEmbedder(HashEmbedder):
    """Counts passages encoded, and can hold a build mid-way to observe readers during a rebuild."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def encode(self, texts: list[str], kind: TextKind = "passage") -> np.ndarray:
        if kind == "passage":
            self.encoded += len(texts)
            self.entered.set()
            if self.gate is not None:
                assert self.gate.wait(30)
        return super().encode(texts, kind)


def test_builds_from_catalog_and_persists_a_complete_snapshot(settings: Settings, catalog: Database) -> None:
    manager = IndexManager(settings, catalog, HashEmbedder())
    search = manager.for_merchant(MERCHANT)
    assert search.catalog_version == 1 and search.size == 2
    dress = search.get("dress-1")
    assert dress is not None and dress.fit == "slim" and dress.sizes == ("S", "M")
    assert dress.stock == {"S": 2, "M": 0}
    assert search.search("连衣裙").items[0].sku == "dress-1"
    assert search.search("", Filters(size_in_stock="M")).total == 0
    root = settings.index_dir / MERCHANT
    pointer = json.loads((root / POINTER_FILE).read_text())
    manifest = json.loads((root / pointer["directory"] / "manifest.json").read_text())
    assert manifest["catalog_version"] == 1 and manifest["count"] == 2 and manifest["model"] == "hash-256"
    assert len(manifest["product_ids_sha256"]) == 64
    assert not list(root.glob(".staging-*"))
    manager.close()


def test_second_process_loads_from_disk_without_building(settings: Settings, catalog: Database) -> None:
    first = IndexManager(settings, catalog, HashEmbedder())
    first.for_merchant(MERCHANT)
    embedder = CountingEmbedder()
    second = IndexManager(settings, catalog, embedder)
    assert second.for_merchant(MERCHANT).size == 2
    assert embedder.encoded == 0 and second.builds == 0
    first.close()
    second.close()


def test_another_model_forces_a_rebuild(settings: Settings, catalog: Database) -> None:
    IndexManager(settings, catalog, HashEmbedder()).for_merchant(MERCHANT)
    other = IndexManager(settings, catalog, HashEmbedder(dim=64))
    assert other.for_merchant(MERCHANT).vector_index.dim == 64
    assert other.builds == 1


def test_refresh_after_catalog_version_bump_reembeds_only_changed_products(
    settings: Settings, catalog: Database
) -> None:
    settings.index_check_seconds = 0.0
    embedder = CountingEmbedder()
    manager = IndexManager(settings, catalog, embedder)
    assert manager.for_merchant(MERCHANT).catalog_version == 1
    assert embedder.encoded == 2
    add_products(
        catalog,
        [
            {
                "sku": "coat-1",
                "title": "Wool Overcoat",
                "price": 899.0,
                "category": "coat",
                "color": "black",
                "gender": "men",
            }
        ],
    )
    served = manager.for_merchant(MERCHANT)  # notices version 2, serves version 1 meanwhile
    assert served.catalog_version == 1
    manager.wait_idle()
    fresh = manager.for_merchant(MERCHANT)
    assert fresh.catalog_version == 2 and fresh.get("coat-1") is not None
    assert embedder.encoded == 3  # only the new product was embedded
    manager.close()


def test_listener_rebuild_after_delete(settings: Settings, catalog: Database) -> None:
    manager = IndexManager(settings, catalog, HashEmbedder())
    manager.for_merchant(MERCHANT)
    with catalog.session() as session:
        product_id = session.execute(select(Product.id).where(Product.sku == "jeans-1")).scalar_one()
        session.execute(delete(Variant).where(Variant.product_id == product_id))
        session.execute(delete(Product).where(Product.id == product_id))
        bump_catalog_version(session, MERCHANT)
    manager.on_catalog_changed(MERCHANT)
    manager.wait_idle()
    search = manager.for_merchant(MERCHANT)
    assert search.catalog_version == 2 and search.get("jeans-1") is None
    manager.close()


def test_reader_during_rebuild_sees_the_old_complete_snapshot(settings: Settings, catalog: Database) -> None:
    settings.index_check_seconds = 0.0
    embedder = CountingEmbedder()
    builder = IndexManager(settings, catalog, embedder)
    builder.for_merchant(MERCHANT)
    store = SnapshotStore(settings.index_dir / MERCHANT)
    old_pointer = store.read_pointer()
    add_products(catalog, [{"sku": "skirt-1", "title": "Pleated Skirt", "price": 159.0, "category": "skirt"}])
    embedder.gate = threading.Event()
    embedder.entered.clear()
    builder.on_catalog_changed(MERCHANT)
    assert embedder.entered.wait(30)  # the rebuild is now in the middle of embedding
    # Another worker process starting now finds the old, complete snapshot and must not build itself.
    reader = IndexManager(settings, catalog, HashEmbedder())
    assert store.read_pointer() == old_pointer
    served = reader.for_merchant(MERCHANT)
    assert served.catalog_version == 1 and served.size == 2
    assert builder.for_merchant(MERCHANT).catalog_version == 1
    embedder.gate.set()
    builder.wait_idle()
    assert store.read_pointer() != old_pointer
    # The reader switches when it next checks: it loads the snapshot the builder published.
    reader.for_merchant(MERCHANT)
    reader.wait_idle()
    assert reader.for_merchant(MERCHANT).catalog_version == 2
    assert reader.builds == 0
    builder.close()
    reader.close()


def test_unknown_merchant(settings: Settings, database: Database) -> None:
    manager = IndexManager(settings, database, HashEmbedder())
    with pytest.raises(NotFound):
        manager.for_merchant("nobody")
    assert manager.warm_up("nobody") is False


def test_old_snapshots_are_pruned(settings: Settings, catalog: Database) -> None:
    manager = IndexManager(settings, catalog, HashEmbedder())
    manager.for_merchant(MERCHANT)
    for i in range(3):
        add_products(catalog, [{"sku": f"x-{i}", "title": f"Tee {i}", "price": 59.0}])
        manager.on_catalog_changed(MERCHANT)
        manager.wait_idle()
    snapshots = [p for p in (settings.index_dir / MERCHANT).glob("v*") if p.is_dir()]
    assert len(snapshots) == 2
    assert manager.for_merchant(MERCHANT).catalog_version == 4
    manager.close()


def test_app_loads_the_index_manager(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    state = app.state
    assert state.components["index"] is True
    assert state.search.on_catalog_changed in state.catalog_listeners
    assert isinstance(state.search, IndexManager)
