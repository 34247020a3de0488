"""Size-chart tables: layouts merchants really send, units, 号型, and every validation error kind."""

from __future__ import annotations

import pytest

from catalog.charts_import import ParsedCharts, parse_charts, parse_measurement
from catalog.tabular import read_csv
from tests.catalog.conftest import CHARTS_CSV


def parse(text: str, **defaults: str) -> ParsedCharts:
    return parse_charts(read_csv(text.encode("utf-8")), defaults)


def test_several_charts_grouped_by_chart_id() -> None:
    result = parse(CHARTS_CSV)
    assert result.issues == []
    tops, jeans = result.charts
    assert (tops.chart_id, tops.name, tops.category, tops.gender, tops.kind, tops.fit, tops.stretch) == (
        "tops-m",
        "Tops men",
        "tshirt",
        "men",
        "body",
        "regular",
        0.2,
    )
    assert tops.rows[1] == {
        "size": "M",
        "system": "letter",
        "measurements": {"chest": [88.0, 92.0], "waist": [74.0, 78.0], "hip": [90.0, 94.0]},
    }
    # Garment single values become [v, v]; words map to numbers.
    assert jeans.rows[0]["measurements"] == {"waist": [72.0, 72.0], "hip": [92.0, 92.0]}
    assert (jeans.kind, jeans.fit, jeans.stretch, jeans.gender) == ("garment", "slim", 0.9, "women")


def test_chinese_headers_and_fields_as_defaults() -> None:
    text = (
        "尺码,胸围,腰围,臀围,肩宽,衣长,袖长,身高,体重,领围\nM,88-92,74~78,90–94,44,70,60,170-175,60-65,38\n"
    )
    result = parse(text, chart_id="c1", name="上衣", kind="人体", fit="修身", stretch="微弹", gender="女")
    assert result.issues == []
    chart = result.charts[0]
    assert (chart.chart_id, chart.name, chart.kind, chart.fit, chart.stretch, chart.gender) == (
        "c1",
        "上衣",
        "body",
        "slim",
        0.3,
        "women",
    )
    measurements = chart.rows[0]["measurements"]
    assert set(measurements) == {
        "chest",
        "waist",
        "hip",
        "shoulder",
        "length",
        "sleeve",
        "height",
        "weight",
        "neck",
    }
    assert (measurements["waist"], measurements["hip"], measurements["neck"]) == (
        [74, 78],
        [90, 94],
        [38, 38],
    )


def test_inch_columns_unit_column_and_inch_values_are_converted() -> None:
    result = parse("chart_id,size,chest_in,胸围(inch)\nc,M,34-36,\n")
    assert any(i.code == "duplicate_column" for i in result.issues)
    result = parse("chart_id,size,chest_in,waist\nc,M,34-36,30.5in\n")
    assert result.charts[0].rows[0]["measurements"] == {"chest": [86.4, 91.4], "waist": [77.5, 77.5]}
    result = parse("chart_id,size,unit,chest\nc,M,英寸,34-36\n")
    assert result.charts[0].rows[0]["measurements"] == {"chest": [86.4, 91.4]}
    result = parse("size,chest\nM,34-36\n", chart_id="c", unit="in")
    assert result.charts[0].rows[0]["measurements"] == {"chest": [86.4, 91.4]}


@pytest.mark.parametrize(
    ("text", "defaults", "column", "value", "declared", "written"),
    [
        ("chart_id,size,胸围(cm)\nc,M,34in\n", {}, "胸围(cm)", "34in", "cm", "in"),
        ("chart_id,size,chest_in\nc,M,88cm\n", {}, "chest_in", "88cm", "in", "cm"),
        ("chart_id,单位,size,胸围\nc,cm,M,34inch\n", {}, "胸围", "34inch", "cm", "inch"),
        ("size,chest\nM,34in\n", {"chart_id": "c", "unit": "cm"}, "chest", "34in", "cm", "in"),
        ("chart_id,size,体重(kg)\nc,M,120斤\n", {}, "体重(kg)", "120斤", "kg", "斤"),
    ],
)
def test_a_value_unit_contradicting_the_declared_unit_is_an_error(
    text: str, defaults: dict[str, str], column: str, value: str, declared: str, written: str
) -> None:
    result = parse(text, **defaults)
    assert result.charts == []
    (issue,) = result.issues
    assert (issue.code, issue.row, issue.column, issue.value) == ("unit_conflict", 2, column, value)
    for reason in (issue.reason, issue.reason_zh):
        assert "2" in reason and column in reason and value in reason
        assert f"'{written}'" in reason or f"“{written}”" in reason
        assert declared in reason


def test_conflicting_chart_fields_are_shown_as_written() -> None:
    (issue,) = parse("chart_id,单位,size,胸围\nc,inch,S,34\nc,cm,M,90\n").issues
    assert (issue.code, issue.row, issue.column, issue.value) == ("conflicting_chart_field", 3, "单位", "cm")
    assert "'inch'" in issue.reason and "“inch”" in issue.reason_zh and "“单位”" in issue.reason_zh


def test_a_value_unit_is_used_where_nothing_declares_one() -> None:
    result = parse("chart_id,size,胸围,体重\nc,M,34in,120斤\n")
    assert result.charts[0].rows[0]["measurements"] == {"chest": [86.4, 86.4], "weight": [60.0, 60.0]}
    # A unit column governs lengths only: a weight in 斤 next to it is not a contradiction.
    result = parse("chart_id,单位,size,胸围,体重\nc,cm,M,88,120斤\n")
    assert result.charts[0].rows[0]["measurements"] == {"chest": [88.0, 88.0], "weight": [60.0, 60.0]}


def test_chinese_messages_name_dimensions_in_chinese_and_single_values_once() -> None:
    result = parse("chart_id,size,chest,waist\nc,S,84-88,70-74\nc,M,88-92,0\nc,L,33-35,78\n")
    reasons = {(i.row, i.code): (i.reason, i.reason_zh, i.value) for i in result.issues}
    assert reasons[(3, "implausible")][0].startswith("waist 0 cm ")
    assert reasons[(3, "implausible")][1].startswith("腰围 0 cm ")
    assert reasons[(4, "implausible")][1].startswith("胸围 33-35 cm ")
    result = parse("chart_id,size,chest,waist\nc,S,84-88,70\nc,M,88-92,68\n")
    (issue,) = result.issues
    assert issue.value == "68"
    assert issue.reason_zh == "尺码 M 的腰围（68）小于更小的尺码 S（70），尺码应逐级增大。"
    for issue in parse("chart_id,size,chest,shoulder\nc,S,33,10\n").issues:
        assert not any(word in issue.reason_zh for word in ("chest", "shoulder"))


def test_weight_in_jin_and_pounds() -> None:
    result = parse("chart_id,size,体重(斤)\nc,M,120-130\n")
    assert result.charts[0].rows[0]["measurements"] == {"weight": [60.0, 65.0]}
    result = parse("chart_id,size,weight_lb\nc,L,150\n")
    assert result.charts[0].rows[0]["measurements"] == {"weight": [68.0, 68.0]}


def test_haoxing_labels_fill_height_and_girth_for_body_charts() -> None:
    tops = parse("chart_id,size,shoulder\nc,175/92A,46\nc,170/88A,44\n")
    first = tops.charts[0].rows[0]
    assert first["size"] == "170/88A" and first["system"] == "haoxing"
    assert first["measurements"] == {
        "chest": [86.0, 90.0],
        "shoulder": [44.0, 44.0],
        "height": [167.5, 172.5],
    }
    bottoms = parse("chart_id,category,size,hip\nb,jeans,170/74A,92\n")
    assert bottoms.charts[0].rows[0]["measurements"]["waist"] == [73.0, 75.0]
    garment = parse("chart_id,kind,size,chest\ng,garment,170/88A,104\n")
    assert garment.charts[0].rows[0]["measurements"] == {"chest": [104.0, 104.0]}


def test_rows_are_sorted_by_size_and_numeric_sizes_work() -> None:
    result = parse("chart_id,size,chest\nc,xxl,104-108\nc,M,92-96\nc,s,88-92\n")
    assert [row["size"] for row in result.charts[0].rows] == ["S", "M", "2XL"]
    result = parse("chart_id,size,waist\nc,32,81\nc,28,71\nc,30,76\n")
    assert [row["size"] for row in result.charts[0].rows] == ["28", "30", "32"]
    assert result.charts[0].rows[0]["system"] == "numeric"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("88", (88, 88, "cm")),
        ("88-92", (88, 92, "cm")),
        ("88~92", (88, 92, "cm")),
        ("88–92", (88, 92, "cm")),
        ("34.5in", (34.5, 34.5, "in")),
        ('34-36"', (34, 36, "in")),
        ("88 - 92 cm", (88, 92, "cm")),
        ("abc", None),
        ("88-", None),
        ("88cm-36in", None),
    ],
)
def test_measurement_values(raw: str, expected: tuple[float, float, str] | None) -> None:
    assert parse_measurement(raw, "cm") == expected


@pytest.mark.parametrize(
    ("text", "code", "row", "column"),
    [
        ("chart_id,size,chest\nc,M,92-88\n", "range_not_increasing", 2, "chest"),
        ("chart_id,size,chest\nc,M,500\n", "implausible", 2, "chest"),
        ("chart_id,size,chest_in\nc,M,88\n", "implausible", 2, "chest_in"),
        ("chart_id,size,体重\nc,M,300\n", "implausible", 2, "体重"),
        ("chart_id,size,chest\nc,M,big\n", "bad_measurement", 2, "chest"),
        ("chart_id,size,chest\nc,M,88-92\nc,m,90-94\n", "duplicate_size", 3, "size"),
        ("chart_id,size,chest\nc,M,88-92\nc,L,86-90\n", "not_monotonic", 3, "chest"),
        ("chart_id,size,chest\nc,,88-92\n", "required", 2, "size"),
        ("chart_id,size,chest\n,M,88-92\n", "required", 2, "chart_id"),
        ("chart_id,size,chest\nc,M,\n", "no_measurements", 2, "size"),
        ("chart_id,size,kind,chest\nc,M,toy,88\n", "bad_kind", 2, "kind"),
        ("chart_id,size,fit,chest\nc,M,baggy,88\n", "bad_fit", 2, "fit"),
        ("chart_id,size,stretch,chest\nc,M,2,88\n", "bad_stretch", 2, "stretch"),
        ("chart_id,size,unit,chest\nc,M,mm,88\n", "bad_unit", 2, "unit"),
        ("chart_id,size,gender,chest\nc,M,kid,88\n", "bad_gender", 2, "gender"),
        ("chart_id,size,fit,chest\nc,M,slim,88\nc,L,loose,92\n", "conflicting_chart_field", 3, "fit"),
        ("chart_id,size,chest\nc,M,=A1\n", "formula", 2, "chest"),
        ("chart_id,size,colour\nc,M,red\n", "unknown_column", 1, "colour"),
        ("chart_id,chest\nc,88\n", "missing_column", 1, "size"),
    ],
)
def test_each_chart_error_kind(text: str, code: str, row: int, column: str) -> None:
    result = parse(text)
    assert (code, row, column) in [(i.code, i.row, i.column) for i in result.issues]
    assert all(i.reason and i.reason_zh for i in result.issues)


def test_missing_chart_id_everywhere_is_one_clear_issue() -> None:
    result = parse("size,chest\nM,88\n")
    assert [i.code for i in result.issues] == ["missing_chart_id"]


def test_monotonic_check_names_the_breaking_row() -> None:
    result = parse("chart_id,size,chest,waist\nc,S,84-88,70-74\nc,M,88-92,68-72\nc,L,92-96,78-82\n")
    assert [(i.row, i.column, i.code) for i in result.issues] == [(3, "waist", "not_monotonic")]
    assert result.charts == []


def test_chart_id_and_size_count_limits() -> None:
    result = parse("chart_id,size,chest\n" + "x" * 200 + ",M,88\n")
    assert [i.code for i in result.issues] == ["bad_chart_id"]
    rows = "".join(f"c,{30 + i},{60 + i}\n" for i in range(61))
    result = parse("chart_id,size,waist\n" + rows)
    assert [i.code for i in result.issues] == ["too_many_sizes"]
    result = parse("chart_id,size,chest\nc," + "L" * 40 + ",88\n")
    assert [i.code for i in result.issues] == ["bad_size"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400, "9" * 400])
def test_extreme_measurements_are_issues(value: object) -> None:
    from catalog.tabular import table_from_json

    result = parse_charts(
        table_from_json([{"chart_id": "c", "size": "M", "chest_cm": value}], list_key="charts")
    )
    assert result.charts == [] and result.issues
