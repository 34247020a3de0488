"""Shipped product vectors: a first build takes matching rows from data/demo/embeddings-<model>.npz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog.merchants import create_merchant
from fitguide.db import Database
from fitguide.settings import Settings
from guide.embedding import HashEmbedder
from guide.index_manager import (
    IndexManager,
    embedding_text,
    load_product_records,
    load_shipped_embeddings,
    shipped_embeddings_path,
    text_hash,
)
from tests.guide.test_index_manager import MERCHANT, CountingEmbedder, add_products


@pytest.fixture
def shop(database: Database) -> Database:
    with database.session() as session:
        create_merchant(session, "Shop", MERCHANT)
    add_products(
        database,
        [
            {"sku": "dress-1", "title": "Floral Summer Dress", "price": 199.0, "category": "dress"},
            {"sku": "jeans-1", "title": "Washed Jeans", "price": 299.0, "category": "jeans"},
        ],
    )
    return database


def _settings_with_data_dir(settings: Settings, tmp_path: Path) -> Settings:
    # The index manager reads only data_dir/demo/embeddings-*.npz; an empty folder isolates the test.
    return settings.model_copy(update={"data_dir": tmp_path / "data"})


def test_first_build_takes_shipped_vectors_whose_text_hash_matches(
    settings: Settings, shop: Database, tmp_path: Path
) -> None:
    settings = _settings_with_data_dir(settings, tmp_path)
    embedder = CountingEmbedder()
    with shop.session() as session:
        products = load_product_records(session, MERCHANT)
    shipped = next(p for p in products if p.sku == "dress-1")
    marker = np.zeros(embedder.dim, dtype=np.float32)
    marker[0] = 1.0
    path = shipped_embeddings_path(settings.data_dir, embedder.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        hashes=np.array([text_hash(embedder.name, embedding_text(shipped)), "not-a-product"]),
        vectors=np.stack([marker, marker]),
    )

    manager = IndexManager(settings, shop, embedder)
    search = manager.for_merchant(MERCHANT)

    assert embedder.encoded == len(products) - 1  # only the product without a shipped vector
    row = [p.sku for p in search.products].index("dress-1")
    np.testing.assert_array_equal(search.vector_index.vectors[row], marker)  # type: ignore[attr-defined]
    manager.close()


def test_no_shipped_file_or_another_model_embeds_everything(
    settings: Settings, shop: Database, tmp_path: Path
) -> None:
    settings = _settings_with_data_dir(settings, tmp_path)
    other_model = HashEmbedder(dim=64)
    path = shipped_embeddings_path(settings.data_dir, other_model.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, hashes=np.array(["x"]), vectors=np.zeros((1, 64), dtype=np.float32))
    assert load_shipped_embeddings(settings.data_dir, "hash-256") == {}

    embedder = CountingEmbedder()
    manager = IndexManager(settings, shop, embedder)
    manager.for_merchant(MERCHANT)
    assert embedder.encoded == 2
    manager.close()
