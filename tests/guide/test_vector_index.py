"""faiss indexes: exact equals brute force, approximate kinds recall well, candidates are hard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import guide.vector_index as vector_index_module
from guide.vector_index import FaissVectorIndex, build_vector_index, load_vector_index


def _unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _clustered(rows: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, shaped like real product embeddings (uniform noise is not)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(0, clusters, rows)] + 0.35 * rng.normal(size=(rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _brute(vectors: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> set[int]:
    scores = vectors @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    order = np.argsort(-scores)[:k]
    return {int(i) for i in order if np.isfinite(scores[i])}


def test_exact_index_equals_brute_force() -> None:
    vectors = _unit(500)
    index = FaissVectorIndex.build(vectors, "exact")
    for query in _unit(5, seed=1):
        ids, scores = index.search(query, 10)
        assert set(ids.tolist()) == _brute(vectors, query, 10)
        assert np.all(np.diff(scores) <= 1e-6)


@pytest.mark.parametrize("kind", ["hnsw", "ivf_sq8"])
def test_approximate_index_recall_against_exact(kind: str) -> None:
    vectors = _clustered(3000)
    index = FaissVectorIndex.build(vectors, kind)  # type: ignore[arg-type]
    queries = _clustered(50, seed=0)  # same centres, fresh points
    recall = np.mean(
        [len(set(index.search(q, 10)[0].tolist()) & _brute(vectors, q, 10)) / 10 for q in queries]
    )
    assert recall >= 0.9


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    density=st.floats(0.0, 1.0),
    force_faiss=st.booleans(),
    kind=st.sampled_from(["exact", "hnsw"]),
)
def test_search_never_leaves_the_candidate_set(
    seed: int, density: float, force_faiss: bool, kind: str
) -> None:
    vectors = _unit(400, seed=seed % 7)
    index = FaissVectorIndex.build(vectors, kind)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    mask = rng.random(400) < density
    query = _unit(1, seed=seed)[0]
    original = vector_index_module.EXACT_CANDIDATES_MAX
    try:
        if force_faiss:  # take the faiss ID-selector path even for small candidate sets
            vector_index_module.EXACT_CANDIDATES_MAX = 0
        ids, _ = index.search(query, 10, mask)
    finally:
        vector_index_module.EXACT_CANDIDATES_MAX = original
    assert all(mask[i] for i in ids)
    assert len(ids) == min(10, int(mask.sum()))
    if kind == "exact" or not force_faiss:
        assert set(ids.tolist()) == _brute(vectors, query, 10, mask)


def test_save_and_load_round_trip_memory_maps_vectors(tmp_path: Path) -> None:
    vectors = _unit(300)
    index = build_vector_index(vectors, exact_max=100)  # above the threshold: HNSW
    assert index.kind == "hnsw"
    index.save(tmp_path)
    loaded = load_vector_index(tmp_path)
    assert loaded.kind == "hnsw" and loaded.size == 300 and loaded.dim == 32
    assert isinstance(loaded.vectors, np.memmap)
    query = vectors[7]
    assert loaded.search(query, 1)[0][0] == 7
    np.testing.assert_array_equal(loaded.search(query, 5)[0], index.search(query, 5)[0])


def test_empty_index_and_empty_candidates() -> None:
    empty = FaissVectorIndex.build(np.zeros((0, 8), dtype=np.float32))
    assert empty.search(np.ones(8, dtype=np.float32), 5)[0].shape == (0,)
    index = FaissVectorIndex.build(_unit(10, dim=8))
    assert index.search(_unit(1, dim=8)[0], 5, np.zeros(10, dtype=bool))[0].shape == (0,)
