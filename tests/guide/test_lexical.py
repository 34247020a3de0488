"""BM25: jieba for Chinese, stemming for English, and cross-language matching through the taxonomy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from guide.lexical import BM25Index, Tokenizer, build_product_bm25, document_tokens
from guide.records import ProductRecord

PRODUCTS = [
    ProductRecord(
        sku="dress-en",
        title="Floral Summer Dress",
        price=199,
        category="dress",
        color="red",
        gender="women",
        material="cotton",
    ),
    ProductRecord(
        sku="jeans-en",
        title="Slim Fit Washed Jeans",
        price=299,
        category="jeans",
        color="blue",
        gender="men",
        material="denim",
    ),
    ProductRecord(
        sku="down-zh",
        title="男士加厚连帽羽绒服",
        title_zh="男士加厚连帽羽绒服",
        price=899,
        category="down_jacket",
        color="black",
        gender="men",
        material="down",
    ),
    ProductRecord(
        sku="shirt-en", title="Oxford Shirt", price=159, category="shirt", color="white", gender="men"
    ),
    ProductRecord(
        sku="tee-en", title="Basic Crew Tee", price=59, category="tshirt", color="white", gender="unisex"
    ),
]


def _index() -> BM25Index:
    return build_product_bm25(PRODUCTS, Tokenizer())


def _top(index: BM25Index, query: str) -> str:
    scores = index.scores(query)
    assert scores.max() > 0, query
    return PRODUCTS[int(np.argmax(scores))].sku


def test_tokenizer_cuts_chinese_and_stems_english() -> None:
    tokenizer = Tokenizer()
    tokens = tokenizer.tokenize("我想要红色连衣裙")
    assert "红色" in tokens and "连衣裙" in tokens and "我" not in tokens
    assert tokenizer.tokenize("Running Dresses") == ["run", "dress"]
    assert tokenizer.tokenize(None) == []


def test_english_queries_rank_the_matching_product_first() -> None:
    index = _index()
    assert _top(index, "summer dresses") == "dress-en"
    assert _top(index, "washed jeans") == "jeans-en"
    assert _top(index, "shirt") == "shirt-en"  # a T-shirt's synonyms must not outweigh a real shirt


def test_chinese_query_finds_english_only_product_via_taxonomy_terms() -> None:
    index = _index()
    assert _top(index, "红色连衣裙") == "dress-en"
    assert _top(index, "牛仔裤") == "jeans-en"
    assert _top(index, "衬衫") == "shirt-en"


def test_english_query_finds_chinese_only_product() -> None:
    assert _top(_index(), "down jacket") == "down-zh"
    assert _top(_index(), "羽绒服 加厚") == "down-zh"


def test_attribute_words_count_once_per_field() -> None:
    tokens = document_tokens(PRODUCTS[4], Tokenizer())
    assert tokens.count("tee") == 2  # once from the title, once from the category's synonyms


def test_candidate_mask_and_unknown_words() -> None:
    index = _index()
    mask = np.array([False, True, True, True, True])
    assert index.scores("dress", mask)[0] == 0.0
    assert not index.scores("zzzz qqqq").any()


def test_save_and_load(tmp_path: Path) -> None:
    index = _index()
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    np.testing.assert_allclose(loaded.scores("红色 dress"), index.scores("红色 dress"))
