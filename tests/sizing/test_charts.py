from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sizing.charts import parse_chart, restrict_chart
from sizing.matching import BodyVector, match
from tests.sizing.conftest import BODY_TOP_ROWS, HAOXING_SHIRT_ROWS

SIZES = tuple(row["size"] for row in BODY_TOP_ROWS)  # S M L XL 2XL 3XL, chest 84-88, 88-92, ...


def _body(chest: float, height: float = 175.0) -> BodyVector:
    mean = np.full(10, np.nan)
    sd = np.full(10, np.nan)
    mean[[0, 7, 8]] = (chest, height, 70.0)  # chest, height, weight in CHART_DIMENSIONS order
    sd[[0, 7, 8]] = (0.5, 1.0, 1.0)
    measured = np.zeros(10, dtype=bool)
    measured[[0, 7, 8]] = True
    return BodyVector("male", mean, sd, measured)


def test_restricted_chart_keeps_the_offered_sizes_and_moves_the_boundaries() -> None:
    chart = parse_chart("tee", BODY_TOP_ROWS)
    restricted = restrict_chart(chart, ["S", "L", "XL"])
    assert restricted.sizes == ("S", "L", "XL")
    assert restricted.chart_id == chart.chart_id and restricted.dimensions == chart.dimensions
    k = chart.dimensions.index("chest")
    # S|L now meets halfway between S's top (88) and L's bottom (92): the middle of the missing M.
    assert restricted.boundaries[k].tolist() == [90.0, 96.0]
    assert restricted.low[k].tolist() == [84.0, 92.0, 96.0]
    assert restricted.plans == {} and restricted.plans is not chart.plans
    assert chart.sizes == SIZES  # the whole chart is untouched


def test_a_body_in_a_missing_size_gets_the_nearer_neighbour() -> None:
    restricted = restrict_chart(parse_chart("tee", BODY_TOP_ROWS), ["S", "L", "XL"])
    # Chest and height both in M's range (88-92, 165-170), nearer S's or L's side.
    assert match(restricted, _body(89.0, height=166.0), "top").size == "S"
    assert match(restricted, _body(91.0, height=169.0), "top").size == "L"
    middle = match(restricted, _body(90.0, height=167.5), "top")
    # Right on the boundary the two are a close call, not a confident answer.
    assert middle.probabilities[0] == pytest.approx(middle.probabilities[1], abs=0.15)


def test_restriction_to_no_size_is_an_error_and_one_size_is_certain() -> None:
    chart = parse_chart("shirt", HAOXING_SHIRT_ROWS, kind="garment")
    with pytest.raises(ValueError, match="none of"):
        restrict_chart(chart, ["XXL"])
    single = restrict_chart(chart, ["175/92A"])
    assert single.sizes == ("175/92A",) and single.boundaries.shape == (len(chart.dimensions), 0)
    assert match(single, _body(120.0), "top").probabilities.tolist() == [1.0]


@given(
    offered=st.sets(st.sampled_from(SIZES), min_size=1),
    chest=st.floats(70.0, 120.0),
    bigger=st.floats(0.0, 20.0),
)
def test_restricted_matching_only_answers_offered_sizes_and_stays_monotone(
    offered: set[str], chest: float, bigger: float
) -> None:
    restricted = restrict_chart(parse_chart("tee", BODY_TOP_ROWS), sorted(offered, key=SIZES.index))
    small, large = match(restricted, _body(chest), "top"), match(restricted, _body(chest + bigger), "top")
    assert set(restricted.sizes) == offered
    assert small.size in offered and len(small.probabilities) == len(offered)
    assert restricted.sizes.index(large.size) >= restricted.sizes.index(small.size)
