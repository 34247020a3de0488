"""Vector indexes behind one Protocol. This is the only module that imports faiss.

Search is always restricted to a candidate mask (the products that pass the hard filters), so a
filter can never be applied after a top-k cut: small candidate sets are scored exactly with numpy on
the raw vectors; large ones go through faiss with an ID selector, and if an approximate index returns
fewer hits than the candidates could supply, the search falls back to exact scoring on the candidates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import faiss as _faiss
import numpy as np

# faiss ships type stubs that lag its SWIG API (no SearchParametersHNSW, no ``sel`` keyword).
faiss: Any = _faiss

IndexKind = Literal["exact", "hnsw", "ivf_sq8"]
VECTORS_FILE = "vectors.npy"
INDEX_FILE = "index.faiss"
META_FILE = "vector_index.json"

# Below this many candidates numpy over the candidate rows beats any index; it is also exact.
EXACT_CANDIDATES_MAX = 50_000


@runtime_checkable
class VectorIndex(Protocol):
    kind: str

    @property
    def size(self) -> int: ...

    @property
    def dim(self) -> int: ...

    def search(
        self, query: np.ndarray, k: int, candidates: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row ids and inner-product scores of the k best rows, best first, only among candidates."""
        ...

    def save(self, directory: Path) -> None: ...


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, best first (ties broken by position for determinism)."""
    if k >= scores.shape[0]:
        return np.lexsort((np.arange(scores.shape[0]), -scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


class FaissVectorIndex:
    """Exact (IndexFlatIP), HNSW (IndexHNSWFlat) or IVF-SQ8 over unit vectors, all inner product."""

    def __init__(
        self, vectors: np.ndarray, index: Any, kind: str, ef_search: int = 128, nprobe: int = 32
    ) -> None:
        self.vectors = vectors  # raw rows, often a read-only memory map shared by worker processes
        self.index = index
        self.kind = kind
        self.ef_search = ef_search
        self.nprobe = nprobe

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        kind: IndexKind = "exact",
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
        nlist: int | None = None,
        nprobe: int = 32,
    ) -> FaissVectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        index: Any
        if kind == "exact":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
        elif kind == "ivf_sq8":
            lists = nlist or max(1, min(1024, int(4 * np.sqrt(max(1, len(vectors))))))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            # ~50 points per list train k-means well enough; more only slows the build.
            sample_size = min(len(vectors), 50 * lists)
            sample = vectors[
                np.sort(np.random.default_rng(0).choice(len(vectors), sample_size, replace=False))
            ]
            index.train(sample)
        else:
            raise ValueError(f"unknown index kind {kind!r}")
        if len(vectors):
            index.add(vectors)
        return cls(vectors, index, kind, ef_search=ef_search, nprobe=nprobe)

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def _search_params(self, selector: Any) -> Any:
        if self.kind == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        if self.kind == "ivf_sq8":
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def _exact_on(self, query: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(self.vectors[rows] @ query, dtype=np.float32)
        order = _top_k(scores, k)
        return rows[order].astype(np.int64), scores[order]

    def search(
        self, query: np.ndarray, k: int, candidates: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if candidates is None:
            rows = None
            available = self.size
        else:
            rows = np.flatnonzero(candidates)
            available = int(rows.shape[0])
        k = min(k, available)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if rows is not None and (available <= EXACT_CANDIDATES_MAX or self.kind == "exact"):
            return self._exact_on(query, rows, k)
        selector = None
        if candidates is not None:
            # ``packed`` must outlive the search: the selector only holds a raw pointer to it.
            packed = np.packbits(candidates.astype(bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(packed))
        params = self._search_params(selector)
        scores, ids = self.index.search(query[None, :], k, params=params)
        found = ids[0] >= 0
        ids_found, scores_found = ids[0][found], scores[0][found]
        if ids_found.shape[0] < k:
            # An approximate index can miss when the filter leaves few reachable neighbours: be exact.
            all_rows = rows if rows is not None else np.arange(self.size)
            return self._exact_on(query, all_rows, k)
        return ids_found.astype(np.int64), scores_found.astype(np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / VECTORS_FILE, np.ascontiguousarray(self.vectors, dtype=np.float32))
        faiss.write_index(self.index, str(directory / INDEX_FILE))
        meta = {"kind": self.kind, "ef_search": self.ef_search, "nprobe": self.nprobe}
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def load_vector_index(directory: Path) -> FaissVectorIndex:
    """Vectors come back memory-mapped, so every worker process shares one copy in the page cache."""
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    vectors = np.load(directory / VECTORS_FILE, mmap_mode="r")
    index = faiss.read_index(str(directory / INDEX_FILE))
    return FaissVectorIndex(vectors, index, meta["kind"], ef_search=meta["ef_search"], nprobe=meta["nprobe"])


def build_vector_index(
    vectors: np.ndarray, exact_max: int, approximate_kind: IndexKind = "hnsw"
) -> FaissVectorIndex:
    """Exact up to ``exact_max`` rows, the approximate kind above."""
    kind: IndexKind = "exact" if len(vectors) <= exact_max else approximate_kind
    return FaissVectorIndex.build(vectors, kind)


def index_memory_bytes(index: FaissVectorIndex) -> int:
    """Bytes the faiss index occupies when serialised (close to its resident size)."""
    return int(faiss.serialize_index(index.index).nbytes)


def set_threads(count: int) -> None:
    faiss.omp_set_num_threads(count)
