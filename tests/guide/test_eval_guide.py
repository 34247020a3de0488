"""The guide evaluation: judging, metrics and an end-to-end run on a tiny catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guide.eval_guide import (
    _condition_holds,
    _filters_match,
    grade,
    ndcg_at,
    recall_at,
    render_markdown,
    run,
    violates,
)
from guide.filters import Filters
from guide.records import ProductRecord
from tests.conftest import make_settings

DRESS = ProductRecord(
    sku="d",
    title="Red dress",
    price=199,
    category="dress",
    color="red",
    gender="women",
    sizes=("S", "M"),
    stock={"S": 0, "M": 2},
    fit="slim",
    brand="Nike",
)
TEE = ProductRecord(sku="t", title="Unisex tee", price=59, category="tshirt", color="white", gender="unisex")


def test_grade_uses_exact_then_partial_and_constraints_zero_it() -> None:
    criteria = {"exact": {"category": ["dress"], "color": ["red"]}, "partial": {"category": ["dress"]}}
    assert grade(DRESS, criteria, Filters()) == 2
    assert (
        grade(
            DRESS,
            {"exact": {"category": ["dress"], "color": ["black"]}, "partial": {"category": ["dress"]}},
            Filters(),
        )
        == 1
    )
    assert grade(DRESS, {"exact": {"category": ["dress"], "color": ["black"]}, "partial": {}}, Filters()) == 0
    assert grade(DRESS, criteria, Filters(exclude_colors=["red"])) == 0
    assert (
        grade(DRESS, {"exact": {"brand": ["NIKE"], "fit": ["slim"], "price_range": [150, 250]}}, Filters())
        == 2
    )


def test_violates_reads_the_filters_contract() -> None:
    assert not violates(TEE, Filters(gender="men"))  # unisex suits either
    assert violates(DRESS, Filters(gender="men"))
    assert violates(DRESS, Filters(size_in_stock="s")) and not violates(DRESS, Filters(size_in_stock="m"))
    assert violates(DRESS, Filters(price_max=100)) and not violates(DRESS, Filters(price_min=100))
    assert violates(DRESS, Filters(categories=["tshirt"]))


def test_metrics() -> None:
    assert ndcg_at([2, 1, 0], [2, 1, 0, 0]) == pytest.approx(1.0)
    assert ndcg_at([0, 1, 2], [2, 1, 0]) < 1.0
    assert ndcg_at([0], [0, 0]) == 0.0
    assert recall_at([2, 0, 2], [2, 2, 2, 2]) == pytest.approx(0.5)
    assert recall_at([2] * 50, [2] * 300) == pytest.approx(1.0)  # capped at min(50, relevant)


def test_dialogue_expectation_helpers() -> None:
    assert _filters_match(
        {"categories": ["dress"], "price_max": 200.0, "gender": "women"},
        {"categories": ["Dress"], "price_max": 200},
    )
    assert not _filters_match({"categories": ["dress"]}, {"categories": ["dress"], "colors": ["red"]})
    assert _condition_holds(DRESS, "color", {"not_in": ["black"]})
    assert _condition_holds(DRESS, "gender", {"in": ["women", "unisex"]})
    assert _condition_holds(DRESS, "price", {"max": 200}) and not _condition_holds(
        DRESS, "price", {"max": 100}
    )
    assert _condition_holds(DRESS, "in_stock", "M") and not _condition_holds(DRESS, "in_stock", "S")


HEADER = (
    "sku,title,title_zh,description,brand,category,gender,color,material,season,occasion,price,currency,"
    "sizes,stock,size_chart,image_url,url,attr_fit"
)
ROWS = [
    "D1,Red floral dress,红色碎花连衣裙,,Nike,dress,women,red,cotton,summer,casual,199,CNY,S|M,S:1|M:2,,,,"
    "slim",
    "D2,Black evening dress,黑色晚礼服连衣裙,,Zara,dress,women,black,silk,,party,599,CNY,S|M,S:1|M:0,,,,",
    "J1,Blue slim jeans,蓝色修身牛仔裤,,Levis,jeans,men,blue,denim,,casual,299,CNY,30|32,30:1|32:1,,,,slim",
    "T1,White cotton tee,白色纯棉T恤,,Uniqlo,tshirt,men,white,cotton,summer,casual,59,CNY,M|L,M:5|L:5,,,,",
]


def test_end_to_end_run_writes_reports(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "products.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    queries = tmp_path / "queries.jsonl"
    lines = [
        {
            "id": "zh-1",
            "lang": "zh",
            "query": "红色连衣裙",
            "criteria": {
                "exact": {"category": ["dress"], "color": ["red"]},
                "partial": {"category": ["dress"]},
            },
            "constraints": {"categories": ["dress"]},
        },
        {
            "id": "en-1",
            "lang": "en",
            "query": "men's jeans",
            "criteria": {"exact": {"category": ["jeans"]}, "partial": {}},
            "constraints": {"categories": ["jeans"], "gender": "men"},
        },
        {
            "id": "en-2",
            "lang": "en",
            "query": "jeans under 10",
            "criteria": {"exact": {"category": ["jeans"]}, "partial": {}},
            "constraints": {"categories": ["jeans"], "price_max": 10},
            "expect_empty": True,
        },
    ]
    queries.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    dialogues = tmp_path / "dialogues.jsonl"
    dialogues.write_text(
        json.dumps(
            {
                "id": "dlg-1",
                "lang": "en",
                "turns": [
                    {
                        "message": "show me dresses",
                        "expect": {
                            "intent": "search",
                            "filters": {"categories": ["dress"]},
                            "results": {"all": {"category": "dress"}},
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    settings = make_settings(tmp_path, demo_dir=demo)
    out = tmp_path / "reports"
    report = run(out, settings, queries, dialogues, progress=lambda _: None)
    methods = report["queries"]["methods"]
    assert set(methods) >= {"bm25", "dense", "hybrid_rrf", "hybrid_weighted"}
    # The red dress first; the black one (partial) is filtered out by the parsed colour: 3 / (3 + 1/log2 3).
    assert methods["hybrid_weighted"]["by_lang"]["zh"]["ndcg@10"] == pytest.approx(0.826, abs=1e-3)
    assert methods["bm25"]["by_lang"]["en"]["ndcg@10"] == pytest.approx(1.0)
    assert all(m["filter_violations"] == 0 for m in methods.values())
    assert report["queries"]["expect_empty"]["correctly_empty"] == 1
    assert report["dialogues"]["dialogues"] == 1
    assert (out / "eval.json").exists()
    assert "# Guide evaluation" in (out / "eval.md").read_text(encoding="utf-8")
    assert render_markdown(report).count("| bm25 |") == 1
