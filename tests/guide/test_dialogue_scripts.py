"""The scripted dialogues of data/eval/guide_dialogues.jsonl, turn by turn, through POST /api/chat.

They are written for the demo catalog, so this loads it (hash embedder) once for the whole module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guide.records import ProductRecord
from tests.conftest import make_settings

DIALOGUES = Path(__file__).resolve().parents[2] / "data" / "eval" / "guide_dialogues.jsonl"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DIALOGUES.exists(), reason="data/eval/guide_dialogues.jsonl not present"),
]


def load_dialogues() -> list[dict[str, Any]]:
    if not DIALOGUES.exists():
        return []
    return [json.loads(line) for line in DIALOGUES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from web.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("dialogues"), load_demo=True)
    with TestClient(create_app(settings)) as client:
        yield client


def _value(product: ProductRecord, name: str) -> Any:
    return product.price if name == "price" else getattr(product, name)


def satisfies(product: ProductRecord, condition: dict[str, Any]) -> bool:
    for name, expected in condition.items():
        if name == "in_stock":
            if expected not in product.sizes or not (product.stock.get(expected) or 0) > 0:
                return False
            continue
        value = _value(product, name)
        if isinstance(expected, dict):
            if "max" in expected and value > expected["max"]:
                return False
            if "min" in expected and value < expected["min"]:
                return False
            if "in" in expected and value not in expected["in"]:
                return False
            if "not_in" in expected and value in expected["not_in"]:
                return False
        elif value != expected:
            return False
    return True


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list):
        return isinstance(actual, list) and set(expected) == set(actual)
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return abs(expected - actual) < 1e-6
    return bool(expected == actual)


@pytest.mark.parametrize("dialogue", load_dialogues(), ids=lambda d: d["id"])
def test_scripted_dialogue(demo_client: TestClient, dialogue: dict[str, Any]) -> None:
    app = demo_client.app
    search = app.state.search.for_merchant("demo")  # type: ignore[attr-defined]
    session_id: str | None = None
    previous_prices: list[float] = []
    seen: set[str] = set()
    for number, turn in enumerate(dialogue["turns"], 1):
        where = f"{dialogue['id']} turn {number} {turn['message']!r}"
        response = demo_client.post(
            "/api/chat", json={"merchant_id": "demo", "session_id": session_id, "message": turn["message"]}
        )
        assert response.status_code == 200, f"{where}: {response.text}"
        reply = response.json()
        session_id = reply["session_id"]
        expect = turn["expect"]
        assert reply["intent"] == expect["intent"], where
        for name, value in expect.get("filters", {}).items():
            assert _same(value, reply["filters"].get(name)), f"{where}: {name} = {reply['filters'].get(name)}"
        for name in expect.get("filters_absent", []):
            assert name not in reply["filters"], f"{where}: {name} still set"
        products = [search.get(card["sku"]) for card in reply["products"]]
        assert all(p is not None for p in products), where
        if expect.get("price_max_below_previous_min"):
            assert reply["filters"]["price_max"] < min(previous_prices), where
        if "profile" in expect:
            state = app.state.guide.sessions.load("demo", session_id)  # type: ignore[attr-defined]
            for name, value in expect["profile"].items():
                assert abs(state["body"][name] - value) <= 1, f"{where}: {name}"
        if expect.get("recommended_size"):
            assert reply["products"] and all(c["recommended_size"] for c in reply["products"]), where
        if expect.get("new_results"):
            assert reply["products"] and not seen & {c["sku"] for c in reply["products"]}, where
        condition = expect.get("results", {}).get("all")
        if condition:
            assert reply["products"], f"{where}: no products"
            for product in products:
                assert product is not None and satisfies(product, condition), f"{where}: {product}"
        if reply["products"]:
            previous_prices = [c["price"] for c in reply["products"]]
        seen |= {c["sku"] for c in reply["products"]}
