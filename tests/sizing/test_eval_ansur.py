from __future__ import annotations

import numpy as np
import pytest

from sizing.eval_ansur import (
    _interval_probabilities,
    expected_calibration_error,
    gbt_tops_chart,
    letter_chart,
    true_size,
)


def test_gbt_chart_has_4cm_chest_steps() -> None:
    chart = gbt_tops_chart("male")
    assert np.allclose(np.diff(chart.center[0]), 4.0)
    assert chart.sizes[true_size(chart, np.array([87.9]))[0]] == "88"


def test_letter_chart_steps() -> None:
    assert np.allclose(np.diff(letter_chart("male").center[0]), 8.0)
    assert np.allclose(np.diff(letter_chart("female").center[0]), 6.0)


def test_ece_is_zero_for_perfect_calibration_and_large_for_overconfidence() -> None:
    confidence = np.full(1000, 0.7)
    correct = np.r_[np.ones(700), np.zeros(300)]
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.0)
    assert expected_calibration_error(np.full(1000, 0.99), correct) == pytest.approx(0.29)


def test_interval_probabilities_sum_to_one() -> None:
    chart = gbt_tops_chart("female")
    probabilities = _interval_probabilities(chart, np.array([70.0, 90.0, 150.0]), np.array([3.0, 4.0, 2.0]))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[2].argmax() == len(chart.sizes) - 1
