"""The latent fit model: estimator contract, shrinkage, pooling and the strong-evidence rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from sizing.feedback import chart_step_cm
from sizing.fit_model import OUTCOMES, LatentFitModel


def _rows(product: str, brand: str | None, category: str, counts: dict[str, int]) -> list[dict[str, object]]:
    return [
        {"product": product, "brand": brand, "category": category, "outcome": outcome}
        for outcome, n in counts.items()
        for _ in range(n)
    ]


def _frame(*groups: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([row for group in groups for row in group])


def _fit(frame: pd.DataFrame, **params: object) -> LatentFitModel:
    return LatentFitModel(**params).fit(frame.drop(columns="outcome"), frame["outcome"])  # type: ignore[arg-type]


# A neutral catalogue so the global offset is anchored: most outcomes kept, small and large balanced.
NEUTRAL = [_rows(f"N{i}", "Plain", "top", {"kept": 16, "too_small": 2, "too_large": 2}) for i in range(6)]


def test_estimator_contract() -> None:
    frame = _frame(*NEUTRAL, _rows("A", "Plain", "top", {"too_small": 5}))
    model = LatentFitModel(product_scale=0.4)
    assert model.get_params()["product_scale"] == 0.4
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(AttributeError):
        model.predict_proba(frame)
    assert model.fit(frame.drop(columns="outcome"), frame["outcome"]) is model
    learned = [name for name in vars(model) if name.endswith("_") and not name.startswith("_")]
    assert {"effects_", "product_table_", "noise_scale_", "classes_"} <= set(learned)
    assert list(model.classes_) == list(OUTCOMES)
    proba = model.predict_proba(frame)
    assert proba.shape == (len(frame), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(frame)) <= set(OUTCOMES)


def test_unknown_outcome_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown outcomes"):
        LatentFitModel().fit(pd.DataFrame({"product": ["A"]}), ["returned"])


def test_two_outcomes_are_not_strong_thirty_are() -> None:
    frame = _frame(
        *NEUTRAL,
        _rows("THIN", "Plain", "top", {"too_small": 2}),
        _rows("THICK", "Plain", "top", {"too_small": 30}),
    )
    fits = _fit(frame).product_fits()
    assert not fits["THIN"].strong
    assert fits["THICK"].strong
    assert fits["THICK"].offset > 0.5
    assert fits["THICK"].direction == "runs_small"
    # Thin evidence is shrunk: smaller offset and wider interval than the same evidence thirty times over.
    assert 0 < fits["THIN"].offset < fits["THICK"].offset
    assert fits["THIN"].sd > fits["THICK"].sd
    assert all(not fits[f"N{i}"].strong for i in range(6))


def test_runs_large_is_flagged_with_a_negative_offset() -> None:
    frame = _frame(*NEUTRAL, _rows("BIG", "Plain", "top", {"too_large": 20, "kept": 5}))
    fit = _fit(frame).product_fits()["BIG"]
    assert fit.strong and fit.offset < 0 and fit.direction == "runs_large"


def test_thin_product_borrows_from_its_brand() -> None:
    small_brand = [_rows(f"S{i}", "Tiny", "top", {"too_small": 12, "kept": 4}) for i in range(4)]
    frame = _frame(
        *NEUTRAL,
        *small_brand,
        _rows("NEW_TINY", "Tiny", "top", {"kept": 1}),
        _rows("NEW_PLAIN", "Plain", "top", {"kept": 1}),
    )
    model = _fit(frame)
    fits = model.product_fits()
    assert fits["NEW_TINY"].offset > fits["NEW_PLAIN"].offset + 0.2
    assert not fits["NEW_TINY"].strong
    # A product never seen falls back to its brand's offset.
    unseen = model.product_offset(pd.DataFrame({"product": ["X", "Y"], "brand": ["Tiny", "Plain"]}))
    assert unseen[0] > unseen[1] + 0.2


def test_pooling_alone_never_flags_a_product() -> None:
    small_brand = [_rows(f"S{i}", "Tiny", "top", {"too_small": 20}) for i in range(4)]
    frame = _frame(*NEUTRAL, *small_brand, _rows("BALANCED", "Tiny", "top", {"kept": 10, "too_large": 2}))
    fit = _fit(frame).product_fits()["BALANCED"]
    assert not fit.strong


@settings(max_examples=8, deadline=None)
@given(small=st.integers(0, 12), extra=st.integers(1, 6))
def test_more_too_small_outcomes_never_lower_the_offset(small: int, extra: int) -> None:
    base = _frame(*NEUTRAL[:2], _rows("P", "Plain", "top", {"kept": 5, "too_small": small}))
    more = _frame(*NEUTRAL[:2], _rows("P", "Plain", "top", {"kept": 5, "too_small": small + extra}))
    assert _fit(more).product_fits()["P"].offset >= _fit(base).product_fits()["P"].offset - 1e-6


def test_customer_latent_size_and_size_gap() -> None:
    frame = _frame(*NEUTRAL)
    frame["customer"] = ["petite" if i % 3 == 0 else f"c{i}" for i in range(len(frame))]
    frame.loc[frame["customer"] == "petite", "outcome"] = "too_large"
    frame["size_gap"] = 0.0
    model = _fit(frame)
    assert model.group_offset("customer", ["petite"])[0] < -0.2
    assert model.group_offset("customer", ["stranger"])[0] == 0.0


def test_chart_step_from_girths() -> None:
    rows = [{"size": s, "measurements": {"chest": [c, c + 4]}} for s, c in (("S", 84), ("M", 88), ("L", 92))]
    assert chart_step_cm(rows) == 4.0
    garment = [{"size": s, "measurements": {"waist": w}} for s, w in (("26", 67.0), ("27", 70.0))]
    assert chart_step_cm(garment) == 3.0
    assert chart_step_cm([{"size": "M", "measurements": {}}]) == 4.0
