"""BM25 over titles, brand and attributes in both languages, on a scipy sparse matrix.

Chinese runs are cut with jieba (search mode, so "连衣裙" also yields "连衣"/"衣裙"); Latin runs are
lowercased and snowball-stemmed. Each product also carries its canonical attribute terms (category,
colour, material, gender, season, occasion) in English, Chinese and their synonyms, so a Chinese query
finds an English-only product and the reverse.

The index stores the final BM25 weight of every (document, term) pair in a CSC matrix: scoring a
query is a sum of a few columns, which is fast for every document at once.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from catalog import taxonomy
from guide.records import ProductRecord

_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:'[a-z]+)?")
_CJK = re.compile(r"[\u3400-\u9fff]")
ATTRIBUTE_FIELDS = ("category", "color", "material", "gender", "season", "occasion")
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "and",
        "or",
        "for",
        "of",
        "to",
        "in",
        "on",
        "with",
        "i",
        "me",
        "my",
        "we",
        "you",
        "want",
        "need",
        "looking",
        "look",
        "some",
        "any",
        "is",
        "are",
        "please",
        "show",
        "find",
        "buy",
        "get",
        "something",
        "我",
        "要",
        "想",
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "给",
        "找",
        "买",
        "一件",
        "一条",
        "件",
        "条",
        "有",
        "没有",
        "什么",
        "请",
        "帮",
        "帮我",
        "推荐",
        "一下",
        "看看",
        "想要",
        "适合",
        "和",
        "或",
    )
)


class Tokenizer:
    """jieba for Chinese, snowball for English. ``initialize`` loads jieba's dictionary once."""

    _lock = threading.Lock()
    _ready = False

    def __init__(self) -> None:
        import snowballstemmer

        self._stemmer = snowballstemmer.stemmer("english")
        self._stem_cache: dict[str, str] = {}

    @classmethod
    def initialize(cls) -> None:
        with cls._lock:
            if cls._ready:
                return
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            cls._ready = True

    def _stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word)
            if len(self._stem_cache) < 200_000:
                self._stem_cache[word] = stem
        return stem

    def tokenize(self, text: str | None) -> list[str]:
        if not text:
            return []
        self.initialize()
        import jieba

        tokens: list[str] = []
        for run in _CJK_OR_WORD.findall(text.lower()):
            if _CJK.match(run):
                tokens.extend(t for t in jieba.cut_for_search(run) if t.strip() and t not in STOPWORDS)
            elif run not in STOPWORDS:
                tokens.append(self._stem(run.replace("'", "")))
        return tokens


def attribute_terms(field: str, value: str | None) -> list[str]:
    """Every word for a canonical attribute value: English and Chinese names plus synonyms."""
    if not value:
        return []
    words: list[str] = []
    for part in re.split(r"[,/;|+]", value):
        name = taxonomy.canonical(field, part) or part.strip().lower()
        found = taxonomy.term(field, name)
        if found is None:
            words.append(part)
        else:
            words.extend((found.en, found.zh, *found.synonyms))
    return words


def document_tokens(product: ProductRecord, tokenizer: Tokenizer) -> list[str]:
    """The tokens BM25 sees, in both languages (description excluded: it drowns titles in noise).

    Attribute words count once per field: a T-shirt's many synonyms must not make it outscore a shirt
    on the word "shirt".
    """
    tokens: list[str] = []
    for text in (product.title, product.title_zh, product.brand):
        tokens.extend(tokenizer.tokenize(text))
    for field in ATTRIBUTE_FIELDS:
        words = attribute_terms(field, getattr(product, field))
        tokens.extend(dict.fromkeys(t for word in words for t in tokenizer.tokenize(word)))
    return tokens


class BM25Index:
    """Okapi BM25 (k1, b) with precomputed per-document term weights."""

    def __init__(self, weights: sp.csc_matrix, vocabulary: dict[str, int], tokenizer: Tokenizer) -> None:
        self.weights = weights
        self.vocabulary = vocabulary
        self.tokenizer = tokenizer

    @classmethod
    def build(
        cls, documents: Iterable[list[str]], tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75
    ) -> BM25Index:
        """``documents`` are token lists (see ``document_tokens``)."""
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        lengths: list[int] = []
        for row, tokens in enumerate(documents):
            lengths.append(len(tokens))
            for token in tokens:
                rows.append(row)
                cols.append(vocabulary.setdefault(token, len(vocabulary)))
        n_docs = len(lengths)
        counts = sp.csr_matrix(
            (
                np.ones(len(rows), dtype=np.float32),
                (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
            ),
            shape=(n_docs, max(1, len(vocabulary))),
        )
        counts.sum_duplicates()
        doc_len = np.asarray(lengths, dtype=np.float32)
        avg_len = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
        doc_freq = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        idf = np.log1p((n_docs - doc_freq + 0.5) / (doc_freq + 0.5)).astype(np.float32)
        tf = counts.data
        norm = np.repeat(k1 * (1 - b + b * doc_len / avg_len), np.diff(counts.indptr))
        counts.data = (idf[counts.indices] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)
        return cls(counts.tocsc(), vocabulary, tokenizer)

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    def query_terms(self, text: str) -> list[int]:
        return [self.vocabulary[t] for t in self.tokenizer.tokenize(text) if t in self.vocabulary]

    def scores(self, text: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every document (0 where no term matches, and outside the candidate mask)."""
        terms = self.query_terms(text)
        scores = np.zeros(self.size, dtype=np.float32)
        if terms:
            # Repeated query terms count again, as in the classic query-term-frequency form.
            unique, counts = np.unique(np.asarray(terms), return_counts=True)
            columns = self.weights[:, unique]
            scores = np.asarray(columns @ counts.astype(np.float32)).reshape(-1).astype(np.float32)
        if candidates is not None:
            scores[~candidates] = 0.0
        return scores

    def save(self, directory: Path) -> None:
        sp.save_npz(directory / "bm25.npz", self.weights.tocsr(), compressed=False)
        (directory / "bm25_vocabulary.json").write_text(
            json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer | None = None) -> BM25Index:
        weights = sp.load_npz(directory / "bm25.npz").tocsc()
        vocabulary = json.loads((directory / "bm25_vocabulary.json").read_text(encoding="utf-8"))
        return cls(weights, vocabulary, tokenizer or Tokenizer())


def build_product_bm25(products: list[ProductRecord], tokenizer: Tokenizer) -> BM25Index:
    return BM25Index.build((document_tokens(p, tokenizer) for p in products), tokenizer)
