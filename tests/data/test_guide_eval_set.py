"""The judged guide evaluation set in data/eval/: format, balance, and coverage by the demo catalog."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "data" / "eval"
CRITERIA_FIELDS = {
    "category",
    "gender",
    "color",
    "material",
    "season",
    "occasion",
    "brand",
    "fit",
    "price_range",
}
CONSTRAINT_KEYS = {
    "categories", "gender", "colors", "exclude_colors", "materials", "exclude_materials",
    "price_min", "price_max",
}  # fmt: skip


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_guide_eval_set", ROOT / "scripts" / "build_guide_eval_set.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


def read_jsonl(name: str) -> list[dict[str, Any]]:
    lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    return read_jsonl("guide_queries.jsonl")


@pytest.fixture(scope="module")
def dialogues() -> list[dict[str, Any]]:
    return read_jsonl("guide_dialogues.jsonl")


def test_queries_are_well_formed_and_balanced(queries: list[dict[str, Any]]) -> None:
    assert len(queries) >= 240
    assert len({q["id"] for q in queries}) == len(queries)
    by_lang = {lang: sum(q["lang"] == lang for q in queries) for lang in ("zh", "en")}
    assert by_lang["zh"] == by_lang["en"] == len(queries) // 2
    for query in queries:
        assert query["query"].strip()
        assert set(query["criteria"]) == {"exact", "partial"} and query["criteria"]["exact"]
        assert set(query["criteria"]["exact"]) | set(query["criteria"]["partial"]) <= CRITERIA_FIELDS
        assert set(query["constraints"]) <= CONSTRAINT_KEYS
    empty_share = sum(bool(q.get("expect_empty")) for q in queries) / len(queries)
    assert 0.03 <= empty_share <= 0.08


def test_dialogues_are_well_formed_and_balanced(dialogues: list[dict[str, Any]]) -> None:
    assert len(dialogues) >= 30
    assert sum(d["lang"] == "zh" for d in dialogues) == sum(d["lang"] == "en" for d in dialogues)
    intents = {t["expect"]["intent"] for d in dialogues for t in d["turns"]}
    assert {"search", "refine", "more", "reset", "size", "compare", "help", "chitchat"} <= intents
    assert any(t["expect"].get("price_max_below_previous_min") for d in dialogues for t in d["turns"])
    assert any("colors" in t["expect"].get("filters_absent", []) for d in dialogues for t in d["turns"])
    assert any(t["expect"].get("profile") for d in dialogues for t in d["turns"])
    for dialogue in dialogues:
        assert dialogue["turns"] and all(t["message"] and t["expect"]["intent"] for t in dialogue["turns"])


def test_files_match_the_script(
    script: ModuleType, queries: list[dict[str, Any]], dialogues: list[Any]
) -> None:
    assert script.build_queries() == queries
    assert script.build_dialogues() == dialogues


def test_every_query_and_dialogue_is_covered_by_the_catalog(
    script: ModuleType, queries: list[dict[str, Any]], dialogues: list[dict[str, Any]]
) -> None:
    assert script.check(queries, dialogues, script.load_products()) == []


PRODUCT = {
    "sku": "X1", "category": "tshirt", "gender": "unisex", "color": "black", "material": "cotton",
    "season": "summer", "occasion": "casual", "brand": "Nike", "price": "89", "attr_fit": "slim",
    "stock": "S:0|M:3",
}  # fmt: skip


def query(exact: dict[str, Any], partial: dict[str, Any] | None = None, **constraints: Any) -> dict[str, Any]:
    return {"criteria": {"exact": exact, "partial": partial or {}}, "constraints": constraints}


def test_judge_grades(script: ModuleType) -> None:
    black_tee = query({"category": ["tshirt"], "color": ["black"]}, {"category": ["tshirt"]})
    assert script.judge(PRODUCT, black_tee) == 2
    white_tee = query({"category": ["tshirt"], "color": ["white"]}, {"category": ["tshirt"]})
    assert script.judge(PRODUCT, white_tee) == 1
    assert script.judge(PRODUCT, query({"category": ["dress"]})) == 0
    assert script.judge(PRODUCT, query({"fit": ["slim"], "brand": ["nike"]})) == 2
    assert script.judge(PRODUCT, query({"price_range": [75, 125]})) == 2


def test_judge_never_rewards_a_broken_constraint(script: ModuleType) -> None:
    tee = {"category": ["tshirt"]}
    assert script.judge(PRODUCT, query(tee, gender="men")) == 2  # unisex fits men
    assert script.judge(PRODUCT, query(tee, exclude_colors=["black"])) == 0
    assert script.judge(PRODUCT, query(tee, price_max=80.0)) == 0
    assert script.judge(PRODUCT, query(tee, price_min=100.0)) == 0
    assert script.judge(PRODUCT, query(tee, exclude_materials=["cotton"])) == 0
    assert script.judge(PRODUCT, query(tee, materials=["polyester"])) == 0
    assert script.violations(PRODUCT, {"categories": ["dress"], "colors": ["red"]}) == [
        "categories",
        "colors",
    ]


def test_dialogue_result_conditions(script: ModuleType) -> None:
    assert script.satisfies(PRODUCT, {"category": "tshirt", "price": {"max": 100}, "in_stock": "M"})
    assert not script.satisfies(PRODUCT, {"in_stock": "S"})
    assert not script.satisfies(PRODUCT, {"color": {"not_in": ["black"]}})
    assert script.satisfies(PRODUCT, {"gender": {"in": ["men", "unisex"]}})
