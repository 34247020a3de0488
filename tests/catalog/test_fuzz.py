"""Property tests: any JSON values in any known column give issues or products, never a crash."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.charts_import import parse_charts
from catalog.products_import import parse_products
from catalog.tabular import table_from_json
from fitguide.errors import FitGuideError

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["S|M", "S:1|M:x", "88-92", "170/88A", "¥1,299", "=1+1", "34in", "高弹", "https://x.test/a"]
    ),
)
_VALUES = st.one_of(
    _SCALARS, st.lists(_SCALARS, max_size=3), st.dictionaries(st.text(max_size=5), _SCALARS, max_size=3)
)
_PRODUCT_COLUMNS = st.sampled_from(
    [
        "sku",
        "title",
        "price",
        "currency",
        "sizes",
        "stock",
        "gender",
        "color",
        "category",
        "image_url",
        "size_chart",
        "attr_x",
        "尺码",
        "价格",
    ]
)
_CHART_COLUMNS = st.sampled_from(
    [
        "chart_id",
        "size",
        "chest_cm",
        "waist_in",
        "体重(斤)",
        "unit",
        "stretch",
        "kind",
        "fit",
        "gender",
        "category",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(_PRODUCT_COLUMNS, _VALUES, max_size=8), max_size=5))
def test_product_rows_never_crash(rows: list[dict[str, object]]) -> None:
    with contextlib.suppress(FitGuideError):
        result = parse_products(table_from_json(rows))
        for product in result.products:
            assert product.price > 0 and product.sku and product.title


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(_CHART_COLUMNS, _VALUES, max_size=8), max_size=5))
def test_chart_rows_never_crash(rows: list[dict[str, object]]) -> None:
    with contextlib.suppress(FitGuideError):
        result = parse_charts(table_from_json(rows, list_key="charts"))
        for chart in result.charts:
            for row in chart.rows:
                for low, high in row["measurements"].values():
                    assert low <= high
