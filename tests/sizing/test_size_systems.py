"""Size labels: canonical spellings and the loose matching of a product's sizes to its chart's."""

from __future__ import annotations

import pytest

from sizing.size_systems import SizeLookup, loose_size_key, normalize_size_label

HAOXING_CHART = ("165/84A", "170/88A", "175/92A", "180/96A")
WAIST_CHART = ("28", "29", "30", "31", "32")
LETTER_CHART = ("XS", "S", "M", "L", "XL", "2XL")


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("xxl", "2XL"),
        ("Large", "L"),
        ("Med", "M"),
        ("X-Large", "XL"),
        ("Extra Small", "XS"),
        ("170/88a", "170/88A"),
    ],
)
def test_letter_and_haoxing_spellings_are_canonical(raw: str, canonical: str) -> None:
    assert normalize_size_label(raw) == canonical


@pytest.mark.parametrize(
    "chart, label, expected",
    [
        (HAOXING_CHART, "170/88", "170/88A"),  # 号型 without the body-type letter
        (HAOXING_CHART, "170/88a", "170/88A"),
        (HAOXING_CHART, "185/100", None),
        (HAOXING_CHART, "170/88B", None),  # another body type is another size
        (WAIST_CHART, "W30", "30"),
        (WAIST_CHART, "30W", "30"),
        (WAIST_CHART, '30"', "30"),
        (WAIST_CHART, "W30 L32", "30"),
        (WAIST_CHART, "30/32", "30"),
        (WAIST_CHART, "W34", None),
        (LETTER_CHART, "XXL", "2XL"),
        (LETTER_CHART, "large", "L"),
        (LETTER_CHART, "One Size", None),
    ],
)
def test_a_products_label_finds_the_charts_label(
    chart: tuple[str, ...], label: str, expected: str | None
) -> None:
    index = SizeLookup(chart).index(label)
    assert (chart[index] if index is not None else None) == expected


def test_a_loose_key_shared_by_two_chart_labels_matches_neither() -> None:
    lookup = SizeLookup(("170/88A", "170/88B", "175/92A"))
    assert lookup.index("170/88") is None and lookup.index("175/92") == 2
    assert lookup.index("170/88B") == 1  # an exact spelling still matches
    assert loose_size_key("W30 L32") == loose_size_key("30") == "W30"
    assert loose_size_key("M") is None
