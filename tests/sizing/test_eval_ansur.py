from __future__ import annotations

import numpy as np
import pytest

from sizing.eval_ansur import (
    _interval_probabilities,
    bootstrap_ci95,
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


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_people() -> None:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 2, 100).astype(float)
    large = rng.integers(0, 2, 10_000).astype(float)
    low, high = bootstrap_ci95(small)
    assert low < small.mean() < high
    large_low, large_high = bootstrap_ci95(large)
    assert large_high - large_low < (high - low) / 5


def test_shifted_chart_moves_every_boundary() -> None:
    chart = letter_chart("female")
    mean, sd = np.array([83.5]), np.array([0.01])
    assert _interval_probabilities(chart, mean, sd).argmax() == 2  # S holds [78, 84)
    assert _interval_probabilities(chart, mean, sd, shift_cm=-1.0).argmax() == 3  # now [83, 89)
