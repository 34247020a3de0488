"""Each judged query of data/eval/guide_queries.jsonl: the first chat turn sets its hard constraints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guide.dialogue import Dialogue, DialogueState
from guide.nlu import parse
from tests.guide.fakes import FakeSearch, demo_products

QUERIES = Path(__file__).resolve().parents[2] / "data" / "eval" / "guide_queries.jsonl"


def load_queries() -> list[dict[str, Any]]:
    if not QUERIES.exists():
        return []
    return [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not QUERIES.exists(), reason="data/eval/guide_queries.jsonl not present")
@pytest.mark.parametrize("query", load_queries(), ids=lambda q: q["id"])
def test_first_turn_sets_the_hard_constraints(query: dict[str, Any]) -> None:
    turn = Dialogue(FakeSearch(demo_products()), None).turn(
        DialogueState(lang=query["lang"]), parse(query["query"], query["lang"])
    )
    got = turn.state.current_filters().as_dict()
    for name, expected in query["constraints"].items():
        value = got.get(name)
        if isinstance(expected, list):
            assert value is not None and set(value) == set(expected), (name, value)
        else:
            assert value == pytest.approx(expected) if not isinstance(expected, str) else value == expected, (
                name
            )
