from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sizing.body_model import BodyModel
from sizing.charts import ParsedChart, parse_chart
from sizing.explain import haoxing
from sizing.matching import BodyVector, match
from sizing.protocols import FitAdjustment
from tests.sizing.conftest import BODY_TOP_ROWS, GARMENT_JEANS_ROWS, HAOXING_SHIRT_ROWS

BODY_TOPS = parse_chart("men-tee", BODY_TOP_ROWS, kind="body", category="tshirt")
JEANS = parse_chart("jeans", GARMENT_JEANS_ROWS, kind="garment", fit="slim", stretch=0.3, category="jeans")
SHIRTS = parse_chart("shirt-hx", HAOXING_SHIRT_ROWS, kind="garment", fit="regular", category="shirt")
CHARTS: dict[str, tuple[ParsedChart, str]] = {
    "tops": (BODY_TOPS, "top"),
    "jeans": (JEANS, "bottom"),
    "shirts": (SHIRTS, "top"),
}


def vector(model: BodyModel, sex: str, height: float, weight: float, **measured: float) -> BodyVector:
    estimate = model.estimate(sex, height, weight, 30, measured=measured or None)
    return BodyVector.from_estimate(estimate, height, weight)


def test_body_chart_picks_the_size_holding_the_measured_chest(body_model: BodyModel) -> None:
    result = match(BODY_TOPS, vector(body_model, "male", 170, 65, chest=90.0), "top")
    assert result.size == "M"
    assert result.confidence > 0.6
    assert result.probabilities.sum() == pytest.approx(1.0)
    chest = next(fit for fit in result.dimensions if fit.dimension == "chest")
    assert (chest.chart_low, chest.chart_high, chest.verdict, chest.measured) == (88.0, 92.0, "good", True)


def test_garment_chart_subtracts_ease_for_fit_and_stretch(body_model: BodyModel) -> None:
    body = vector(body_model, "male", 175, 70, chest=92.0)
    regular = match(SHIRTS, body, "top")
    # 92 cm chest + 8 cm regular ease = 100 cm garment: the 90-chest 号型 (garment 100 cm).
    assert regular.size == "175/92A"
    chest = next(fit for fit in regular.dimensions if fit.dimension == "chest")
    assert chest.target_ease_cm == 8.0 and chest.ease_cm == pytest.approx(10.0)
    loose_cut = parse_chart("loose", HAOXING_SHIRT_ROWS, kind="garment", fit="loose", category="shirt")
    assert loose_cut.index(match(loose_cut, body, "top").size) > SHIRTS.index(regular.size)  # type: ignore[operator]
    stretchy = parse_chart("stretchy", GARMENT_JEANS_ROWS, kind="garment", fit="regular", stretch=1.0)
    rigid = parse_chart("rigid", GARMENT_JEANS_ROWS, kind="garment", fit="regular", stretch=0.0)
    lower = vector(body_model, "female", 165, 58, waist=70.0, hip=95.0)
    assert int(match(stretchy, lower, "bottom").index) < int(match(rigid, lower, "bottom").index)


def test_fit_preference_and_fit_adjuster_shift_the_size(body_model: BodyModel) -> None:
    body = vector(body_model, "male", 178, 74, chest=95.5)
    regular = match(SHIRTS, body, "top", "regular").index
    assert match(SHIRTS, body, "top", "loose").index >= regular
    assert match(SHIRTS, body, "top", "slim").index <= regular
    runs_small = FitAdjustment(offset_cm=4.0, strong=True, message="runs small")
    adjusted = match(SHIRTS, body, "top", "regular", runs_small)
    assert adjusted.index == regular + 1
    # The size the chart alone gives is kept for the explanation ("L rather than M").
    assert adjusted.unadjusted_index == regular and match(SHIRTS, body, "top").unadjusted_index is None
    assert match(SHIRTS, body, "top", "slim").fit_preference == "slim"


def test_partial_chart_uses_only_complete_dimensions() -> None:
    rows = [
        {"size": "S", "measurements": {"bust": [80, 84], "waist": [62, 66]}},
        {"size": "M", "measurements": {"bust": [84, 88]}},
        {"size": "L", "measurements": {"bust": [88, 92], "waist": [70, 74]}},
    ]
    chart = parse_chart("partial", rows)
    assert chart.dimensions == ("chest",)


def test_constant_dimension_only_gets_a_verdict(body_model: BodyModel) -> None:
    assert not JEANS.discriminating[JEANS.dimensions.index("inseam")]
    result = match(JEANS, vector(body_model, "female", 165, 56), "bottom")
    assert any(fit.dimension == "inseam" and fit.weight == 0 for fit in result.dimensions)


def test_haoxing_for_tops_and_bottoms(body_model: BodyModel) -> None:
    estimate = body_model.estimate("male", 171, 65, 30, measured={"chest": 88.5, "waist": 75.0})
    assert haoxing(171, estimate, "top") == "170/88A"
    assert haoxing(171, estimate, "bottom") == "170/76A"


@settings(max_examples=60, deadline=None)
@given(
    chart_name=st.sampled_from(sorted(CHARTS)),
    sex=st.sampled_from(["male", "female"]),
    height=st.floats(150, 200),
    weight=st.floats(40, 120),
    extra=st.floats(0.1, 25),
    preference=st.sampled_from(["slim", "regular", "loose"]),
)
def test_heavier_body_never_gets_a_smaller_size(
    body_model: BodyModel,
    chart_name: str,
    sex: str,
    height: float,
    weight: float,
    extra: float,
    preference: str,
) -> None:
    chart, group = CHARTS[chart_name]
    light = match(chart, vector(body_model, sex, height, weight), group, preference)
    heavy = match(chart, vector(body_model, sex, height, weight + extra), group, preference)
    assert heavy.index >= light.index


@settings(max_examples=60, deadline=None)
@given(
    chart_name=st.sampled_from(sorted(CHARTS)),
    chest=st.floats(70, 130),
    waist=st.floats(55, 120),
    hip=st.floats(75, 130),
    extra=st.floats(0.1, 10),
)
def test_larger_measured_girths_never_get_a_smaller_size(
    body_model: BodyModel, chart_name: str, chest: float, waist: float, hip: float, extra: float
) -> None:
    chart, group = CHARTS[chart_name]
    small = match(chart, vector(body_model, "female", 165, 60, chest=chest, waist=waist, hip=hip), group)
    grown = vector(body_model, "female", 165, 60, chest=chest + extra, waist=waist + extra, hip=hip + extra)
    assert match(chart, grown, group).index >= small.index


@settings(max_examples=80, deadline=None)
@given(
    chart_name=st.sampled_from(sorted(CHARTS)),
    sex=st.sampled_from(["male", "female"]),
    height=st.floats(150, 200),
    weight=st.floats(40, 120),
)
def test_tiny_changes_flip_a_size_only_when_it_was_close(
    body_model: BodyModel, chart_name: str, sex: str, height: float, weight: float
) -> None:
    chart, group = CHARTS[chart_name]
    before = match(chart, vector(body_model, sex, height, weight), group)
    after = match(chart, vector(body_model, sex, height + 0.1, weight + 0.1), group)
    if after.index != before.index:
        ranked = np.sort(before.probabilities)[::-1]
        assert ranked[0] - ranked[1] < 0.1
        assert before.close_call


def test_body_beyond_the_largest_size_is_told_honestly(body_model: BodyModel) -> None:
    from sizing.explain import alternatives, explanation

    result = match(BODY_TOPS, vector(body_model, "male", 185, 110, chest=116.0), "top")
    assert result.size == "3XL"
    text, summary = explanation(result, "en", estimated_from_basics=False)
    assert "Even the largest size, 3XL, will be tight at the chest." in text
    assert "tight" in summary
    assert all(option.direction == "larger" for option in alternatives(result, "en"))
    assert "即使是最大的 3XL，胸围也会太紧。" in explanation(result, "zh", estimated_from_basics=False)[0]


@settings(max_examples=30, deadline=None)
@given(
    sex=st.sampled_from(["male", "female"]),
    height=st.floats(150, 200),
    weight=st.floats(40, 120),
    preference=st.sampled_from(["slim", "regular", "loose"]),
    offset=st.floats(-4, 4),
)
def test_page_matching_equals_one_by_one(
    body_model: BodyModel, sex: str, height: float, weight: float, preference: str, offset: float
) -> None:
    from sizing.matching import match_many

    body = vector(body_model, sex, height, weight)
    adjustment = FitAdjustment(offset_cm=offset)
    requests = [(chart, group, adjustment) for chart, group in CHARTS.values()]
    requests.append(
        (parse_chart("one", [{"size": "FREE", "measurements": {"chest": [80, 120]}}]), "top", adjustment)
    )
    together = match_many(requests, body, preference)
    for (chart, group, adj), combined in zip(requests, together, strict=True):
        alone = match(chart, body, group, preference, adj)
        assert combined.index == alone.index
        np.testing.assert_allclose(combined.probabilities, alone.probabilities, atol=1e-12)
        assert combined.dimensions == alone.dimensions  # verdicts read each chart's own rows
    with_neighbours = match_many(requests, body, preference, neighbours=True)
    for (chart, group, adj), combined in zip(requests, with_neighbours, strict=True):
        alone = match(chart, body, group, preference, adj)
        expected = [i for i in (alone.index - 1, alone.index + 1) if 0 <= i < len(chart.sizes)]
        assert [index for index, _ in combined.neighbours] == expected
        for index, fits in combined.neighbours:
            assert [(f.chart_low, f.chart_high) for f in fits] == [
                (float(chart.low[k, index]), float(chart.high[k, index]))
                for k, name in enumerate(chart.dimensions)
                if name in {f.dimension for f in fits}
            ]


def test_chart_values_as_strings_and_junk() -> None:
    rows = [
        {"size": "S", "measurements": {"chest": "84-88", "waist": [float("nan"), 70]}},
        {"size": "M", "measurements": {"chest": "88~92", "waist": {"bad": 1}}},
    ]
    chart = parse_chart("strings", rows)
    assert chart.dimensions == ("chest",)
    assert chart.low.tolist() == [[84.0, 88.0]]
