"""Embedders: the hash fake is deterministic and meaningful enough; the real model works offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fitguide.errors import InvalidInput
from fitguide.settings import Settings
from guide.embedding import HashEmbedder, QueryEmbeddingCache, build_embedder


def test_hash_embedder_is_deterministic_and_unit_length() -> None:
    texts = ["red floral summer dress", "红色连衣裙", ""]
    first = HashEmbedder().encode(texts)
    second = HashEmbedder().encode(texts)
    assert first.dtype == np.float32
    assert first.shape == (3, 256)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-5)


def test_hash_embedder_puts_similar_texts_closer() -> None:
    vectors = HashEmbedder().encode(["red summer dress", "red summer dresses", "black leather jacket"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    zh = HashEmbedder().encode(["红色连衣裙", "红色的连衣裙", "黑色皮夹克"])
    assert zh[0] @ zh[1] > zh[0] @ zh[2]


def test_query_cache_counts_hits_and_stays_bounded() -> None:
    cache = QueryEmbeddingCache(HashEmbedder(), max_size=2)
    first = cache.embed("Red Dress")
    assert cache.embed("red   dress") is first  # normalised key
    cache.embed("blue jeans")
    cache.embed("black coat")
    assert cache.stats()["size"] == 2
    assert (cache.hits, cache.misses) == (1, 3)
    cache.embed("red dress")  # evicted as least recently used
    assert cache.misses == 4
    assert cache.hit_rate == pytest.approx(1 / 5)


def test_build_embedder_by_setting(tmp_path: Path) -> None:
    assert isinstance(build_embedder(Settings(var_dir=tmp_path, embedder="hash")), HashEmbedder)
    with pytest.raises(InvalidInput):
        build_embedder(Settings(var_dir=tmp_path, embedder="word2vec"))


@pytest.mark.slow
def test_real_model_encodes_offline_and_ranks_similar_texts_closer(tmp_path: Path) -> None:
    embedder = build_embedder(Settings(var_dir=tmp_path, embedder="sentence-transformers"))
    vectors = embedder.encode(
        ["men's navy slim fit shirt", "slim navy dress shirt for men", "women's floral skirt"]
    )
    assert vectors.shape == (3, embedder.dim) and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    query = embedder.encode(["blue shirt"], kind="query")
    assert query.shape == (1, 384)
    # The single-text fast path gives the same vector as the batched path.
    batched = embedder.encode(["men's navy slim fit shirt", "blue shirt"], kind="query")
    np.testing.assert_allclose(embedder.encode(["men's navy slim fit shirt"]), vectors[:1], atol=1e-5)
    np.testing.assert_allclose(query[0], batched[1], atol=1e-5)
