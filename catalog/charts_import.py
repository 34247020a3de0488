"""Interpreting an uploaded size-chart table: one row per size, several charts grouped by chart_id.

Pure functions. Measurements are stored as ``[low, high]`` in cm (weight in kg); a single value ``104``
becomes ``[104, 104]``. Inch columns (``chest_in``, ``胸围(inch)``), a ``unit`` column or field, and
inch values (``34.5in``) are converted before the plausibility checks. Weight columns may be in kg,
lb or 斤 (half a kilogram). A value's own unit counts only where the header and the unit column/field
say none: ``34in`` under ``胸围(cm)`` (or with unit cm) is an error, since either may be the mistake.

A body chart whose size labels are GB/T 1335 号型 (``170/88A``) gets its height range (号 ± 2.5 cm)
and chest (tops) or waist (bottoms: 型 ± 1 cm; tops ± 2 cm) ranges from the label when those columns
are missing. Garment charts are not filled: a 号型 describes the wearer, not the garment.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from catalog import taxonomy
from catalog.columns import DIMENSION_NAMES_ZH, chart_field, measurement_column
from catalog.tabular import Table
from catalog.values import canonical_term, drop_shadowed, finite_float, make_issue, no_rows_issue, text
from fitguide.errors import Issue
from sizing.size_systems import LETTER_ORDER, normalize_size_label, parse_haoxing, size_sort_key

# Plausible human numbers per dimension (cm, weight kg), checked after unit conversion.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "chest": (50, 200),
    "waist": (40, 200),
    "hip": (50, 200),
    "shoulder": (25, 70),
    "height": (50, 230),
    "weight": (10, 250),
    "inseam": (40, 110),
    "sleeve": (20, 100),
    "length": (30, 160),
    "neck": (25, 60),
}
DIMENSION_ORDER = tuple(PLAUSIBLE)
_TO_BASE = {"cm": 1.0, "in": 2.54, "kg": 1.0, "lb": 0.45359237, "jin": 0.5}
_UNIT_WORDS = {
    "cm": "cm",
    "厘米": "cm",
    "公分": "cm",
    "in": "in",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "英寸": "in",
    "kg": "kg",
    "公斤": "kg",
    "千克": "kg",
    "lb": "lb",
    "lbs": "lb",
    "磅": "lb",
    "斤": "jin",
}
_UNIT_PATTERN = r'(cm|厘米|公分|inches|inch|in|"|英寸|kg|公斤|千克|lbs|lb|磅|斤)?'
_NUMBER = r"(\d+(?:\.\d+)?)"
_VALUE = re.compile(
    rf"^{_NUMBER}\s*{_UNIT_PATTERN}\s*(?:(?:-|~|～|–|—|至|到)\s*{_NUMBER}\s*{_UNIT_PATTERN})?$", re.IGNORECASE
)
_KINDS = {
    "body": "body",
    "人体": "body",
    "身体": "body",
    "净体": "body",
    "人体尺寸": "body",
    "garment": "garment",
    "product": "garment",
    "成衣": "garment",
    "衣服": "garment",
    "平铺": "garment",
    "成衣尺寸": "garment",
}
_FITS = {
    "slim": "slim",
    "slimfit": "slim",
    "skinny": "slim",
    "修身": "slim",
    "紧身": "slim",
    "regular": "regular",
    "regularfit": "regular",
    "standard": "regular",
    "常规": "regular",
    "标准": "regular",
    "合身": "regular",
    "loose": "loose",
    "relaxed": "loose",
    "oversize": "loose",
    "oversized": "loose",
    "宽松": "loose",
}
_STRETCH_WORDS = {
    "none": 0.0,
    "no": 0.0,
    "low": 0.3,
    "medium": 0.6,
    "high": 0.9,
    "无": 0.0,
    "无弹": 0.0,
    "无弹力": 0.0,
    "不弹": 0.0,
    "微弹": 0.3,
    "弱弹": 0.3,
    "中弹": 0.6,
    "适中": 0.6,
    "高弹": 0.9,
    "强弹": 0.9,
    "大弹": 0.9,
}
CHART_FIELDS = ("chart_id", "name", "brand", "category", "gender", "kind", "fit", "stretch", "unit")
MAX_SIZES_PER_CHART = 60


@dataclass
class ChartInput:
    row: int
    chart_id: str
    name: str
    brand: str | None = None
    category: str | None = None
    gender: str | None = None
    kind: str = "body"
    fit: str = "regular"
    stretch: float = 0.0
    # [{"size": "M", "system": "letter", "measurements": {"chest": [88.0, 92.0]}}], smallest first.
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "chart_id": self.chart_id,
            "name": self.name,
            "brand": self.brand,
            "category": self.category,
            "gender": self.gender,
            "kind": self.kind,
            "fit": self.fit,
            "stretch": self.stretch,
            "rows": self.rows,
        }


@dataclass
class ParsedCharts:
    charts: list[ChartInput]
    issues: list[Issue]


def size_system(label: str) -> str:
    if label in LETTER_ORDER or label == "FREE":
        return "letter"
    if parse_haoxing(label) is not None:
        return "haoxing"
    if re.fullmatch(r"\d+(\.\d+)?", label):
        return "numeric"
    return "other"


def parse_unit(raw: str) -> str | None:
    return _UNIT_WORDS.get(raw.strip().lower().strip("()（）"))


def parse_kind(raw: str) -> str | None:
    return _KINDS.get(re.sub(r"[\s_\-]", "", raw.lower()))


def parse_fit(raw: str) -> str | None:
    return _FITS.get(re.sub(r"[\s_\-]", "", raw.lower()))


def parse_stretch(raw: Any) -> float | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = finite_float(raw)
        if number is None:
            return None
        value = number
    else:
        word = (text(raw) or "").lower().replace(" ", "")
        if word in _STRETCH_WORDS:
            return _STRETCH_WORDS[word]
        match = re.fullmatch(r"(\d+(?:\.\d+)?)(%?)", word)
        if not match:
            return None
        value = float(match.group(1)) / (100 if match.group(2) else 1)
    return value if 0.0 <= value <= 1.0 else None


def parse_measurement(raw: Any, default_unit: str) -> tuple[float, float, str] | None:
    """'88' / '88-92' / '88~92' / '34.5in' / '34-36 inch' -> (low, high, unit); None if unreadable."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # JSON may carry NaN or Infinity, which no range check catches and no database stores.
        number = finite_float(raw)
        return None if number is None else (number, number, default_unit)
    value = text(raw)
    if value is None:
        return None
    match = _VALUE.match(value.replace("″", '"').replace("”", '"'))
    if not match:
        return None
    low = float(match.group(1))
    high = float(match.group(3)) if match.group(3) else low
    units = {_UNIT_WORDS[u.lower()] for u in (match.group(2), match.group(4)) if u}
    if len(units) > 1:
        return None
    unit = units.pop() if units else default_unit
    return low, high, unit


def written_unit(raw: Any) -> str | None:
    """The unit a measurement cell spells out, as written (``'34 inch'`` -> ``'inch'``); None without one."""
    value = text(raw) if isinstance(raw, str) else None
    match = _VALUE.match(value.replace("″", '"').replace("”", '"')) if value else None
    if match is None:
        return None
    return match.group(2) or match.group(4)


def _span(low: float, high: float) -> str:
    """'88-92', or a single value as one number ('0', not '0-0')."""
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _unit_name(unit: str) -> str:
    return "斤" if unit == "jin" else unit


def _convert(value: float, unit: str, dimension: str) -> float:
    if dimension == "weight":
        factor = _TO_BASE[unit] if unit in ("kg", "lb", "jin") else 1.0
    else:
        factor = _TO_BASE[unit] if unit in ("cm", "in") else 1.0
    return round(value * factor, 1)


@dataclass
class _Columns:
    fields: dict[str, str] = field(default_factory=dict)  # file column -> chart field
    measurements: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # column -> (dim, unit)
    issues: list[Issue] = field(default_factory=list)


def map_chart_columns(columns: list[str]) -> _Columns:
    mapped = _Columns()
    used: dict[str, str] = {}
    for column in columns:
        name = chart_field(column)
        target: str | None = name
        measurement = None
        if name is None:
            measurement = measurement_column(column)
            target = measurement.dimension if measurement else None
        if target is None:
            mapped.issues.append(
                make_issue(
                    "unknown_column",
                    1,
                    column,
                    column,
                    f"Unknown column '{column}'. A size chart has "
                    "a 'size' column, measurement columns such as "
                    "chest_cm, waist_cm, hip_cm, shoulder_cm, length_cm, "
                    "sleeve_cm, inseam_cm, height_cm, weight_kg, "
                    "neck_cm (or 胸围, 腰围 ...; _in for inches), and "
                    "optionally chart_id, name, brand, category, "
                    "gender, kind, fit, stretch, unit.",
                    f"未知列“{column}”。尺码表需要“尺码”列和测量列，如 "
                    "chest_cm、waist_cm、hip_cm、shoulder_cm、"
                    "length_cm、sleeve_cm、inseam_cm、height_cm、"
                    "weight_kg、neck_cm（或 胸围、腰围、臀围、肩宽、衣长、"
                    "袖长、裤长、身高、体重、领围；英寸用 _in），以及可选的 "
                    "chart_id、name、brand、category、gender、"
                    "kind、fit、stretch、unit。",
                )
            )
            continue
        if target in used:
            mapped.issues.append(
                make_issue(
                    "duplicate_column",
                    1,
                    column,
                    column,
                    f"Columns '{used[target]}' and '{column}' both give '{target}'; keep one.",
                    f"列“{used[target]}”和“{column}”都表示“{target}”，请只保留一个。",
                )
            )
            continue
        used[target] = column
        if measurement is not None:
            mapped.measurements[column] = (measurement.dimension, measurement.unit)
        else:
            mapped.fields[column] = target
    if "size" not in used:
        mapped.issues.append(
            make_issue(
                "missing_column",
                1,
                "size",
                None,
                "The required column 'size' (尺码) is missing.",
                "缺少必需的列“size（尺码）”。",
            )
        )
    return mapped


def _field_value(name: str, raw: Any, row: int | None, column: str, issues: list[Issue]) -> Any:
    """A validated chart field value, or None after recording an issue."""
    value = text(raw)
    if value is None:
        return None
    if name == "chart_id":
        if len(value) > 128 or not re.fullmatch(r"[^\x00-\x1f]+", value):
            issues.append(
                make_issue(
                    "bad_chart_id",
                    row,
                    column,
                    value,
                    "The chart id must be at most 128 characters without control characters.",
                    "尺码表 ID 最多 128 个字符，且不能包含控制字符。",
                )
            )
            return None
        return value
    if name in ("name", "brand"):
        return value[:200]
    if name == "category":
        return canonical_term("category", value) or value.lower()[:100]
    if name == "gender":
        gender = canonical_term("gender", value)
        if gender is None:
            issues.append(
                make_issue(
                    "bad_gender",
                    row,
                    column,
                    value,
                    "Gender must be men, women or unisex (男, 女, 男女同款).",
                    "性别必须是 men、women 或 unisex（男、女、男女同款）。",
                )
            )
        return gender
    if name == "kind":
        kind = parse_kind(value)
        if kind is None:
            issues.append(
                make_issue(
                    "bad_kind",
                    row,
                    column,
                    value,
                    "kind must be 'body' (body measurements) or 'garment' (measured garment).",
                    "kind 必须是 body（人体尺寸）或 garment（成衣尺寸）。",
                )
            )
        return kind
    if name == "fit":
        fit = parse_fit(value)
        if fit is None:
            issues.append(
                make_issue(
                    "bad_fit",
                    row,
                    column,
                    value,
                    "fit must be slim, regular or loose (修身, 常规, 宽松).",
                    "fit 必须是 slim、regular 或 loose（修身、常规、宽松）。",
                )
            )
        return fit
    if name == "stretch":
        stretch = parse_stretch(raw)
        if stretch is None:
            issues.append(
                make_issue(
                    "bad_stretch",
                    row,
                    column,
                    value,
                    "stretch must be a number from 0 to 1 or none/low/medium/high (无弹/微弹/高弹).",
                    "弹性必须是 0 到 1 之间的数字，或 none/low/medium/high（无弹/微弹/高弹）。",
                )
            )
        return stretch
    if name == "unit":
        unit = parse_unit(value)
        if unit not in ("cm", "in"):
            issues.append(
                make_issue(
                    "bad_unit",
                    row,
                    column,
                    value,
                    "unit must be cm or in (厘米 / 英寸).",
                    "单位必须是 cm 或 in（厘米 / 英寸）。",
                )
            )
            return None
        return unit
    return value


def _fill_from_haoxing(label: str, measurements: dict[str, list[float]], category: str | None) -> None:
    haoxing = parse_haoxing(label)
    if haoxing is None:
        return
    if "height" not in measurements:
        measurements["height"] = [haoxing.height_cm - 2.5, haoxing.height_cm + 2.5]
    if taxonomy.garment_group(category) == "bottom":
        if "waist" not in measurements:
            measurements["waist"] = [haoxing.girth_cm - 1.0, haoxing.girth_cm + 1.0]
    elif "chest" not in measurements:
        measurements["chest"] = [haoxing.girth_cm - 2.0, haoxing.girth_cm + 2.0]


def _unit_conflict(row: int, column: str, raw: Any, declared: str, unit_column: str | None) -> Issue:
    """A cell whose own unit contradicts the declared one: converting would guess which of the two is wrong.

    ``unit_column`` is None when the header declares the unit, the unit column's header when that column
    does, and '' for a unit given as a form/query field."""
    written = written_unit(raw) or "?"
    declared_name = _unit_name(declared)
    if unit_column is None:
        source, source_zh = (
            f"the column '{column}' is in {declared_name}",
            f"该列表头标明单位为 {declared_name}",
        )
    elif unit_column:
        source = f"the '{unit_column}' column says {declared_name}"
        source_zh = f"“{unit_column}”列写的是 {declared_name}"
    else:
        source, source_zh = f"the chart's unit is {declared_name}", f"尺码表单位为 {declared_name}"
    return make_issue(
        "unit_conflict",
        row,
        column,
        raw,
        f"Row {row}, column '{column}': the value '{text(raw)}' has the unit '{written}' but {source}; "
        "nothing was converted. Write the number in one unit or fix the unit.",
        f"第 {row} 行“{column}”列的值“{text(raw)}”单位是“{written}”，但{source_zh}；未做换算，请统一单位。",
    )


def parse_charts(table: Table, defaults: dict[str, Any] | None = None) -> ParsedCharts:
    """Group rows into charts by chart_id and validate each; ``defaults`` are form/query chart fields."""
    mapped = map_chart_columns(table.columns)
    issues = list(table.issues) + mapped.issues
    if not table.rows:
        issues.append(no_rows_issue())
    default_values: dict[str, Any] = {}
    for name, raw in (defaults or {}).items():
        if name in CHART_FIELDS and raw is not None and raw != "":
            value = _field_value(name, raw, None, name, issues)
            if value is not None:
                default_values[name] = value
    column_of = {name: column for column, name in mapped.fields.items()}
    if "chart_id" not in column_of and "chart_id" not in default_values:
        issues.append(
            make_issue(
                "missing_chart_id",
                None,
                "chart_id",
                None,
                "Say which chart this is: a chart_id column, or a chart_id form/query field.",
                "请指明尺码表：提供 chart_id 列，或 chart_id 表单/查询参数。",
            )
        )
        return ParsedCharts([], issues)

    # chart id -> (first row number, [(row number, fields, measurements, size)])
    groups: dict[str, list[tuple[int, dict[str, Any], dict[str, list[float]], str]]] = {}
    for row in table.rows:
        row_issues: list[Issue] = []
        fields: dict[str, Any] = {}
        for column, name in mapped.fields.items():
            if column in row.values and name != "size":
                value = _field_value(name, row.values[column], row.number, column, row_issues)
                if value is not None:
                    fields[name] = value
        chart_id = fields.get("chart_id") or default_values.get("chart_id")
        if not chart_id:
            if not row_issues:
                row_issues.append(
                    make_issue(
                        "required",
                        row.number,
                        column_of.get("chart_id", "chart_id"),
                        None,
                        "chart_id is required on every row.",
                        "每一行都必须填写 chart_id。",
                    )
                )
            issues.extend(row_issues)
            continue
        size_column = column_of.get("size", "size")
        raw_size = text(row.values.get(size_column))
        label = normalize_size_label(raw_size) if raw_size else ""
        if not raw_size:
            row_issues.append(
                make_issue(
                    "required", row.number, size_column, None, "The size label is required.", "尺码为必填项。"
                )
            )
        elif len(label) > 32:
            row_issues.append(
                make_issue(
                    "bad_size",
                    row.number,
                    size_column,
                    raw_size,
                    "A size label is longer than 32 characters.",
                    "尺码名称超过 32 个字符。",
                )
            )
        # Who declared the chart unit: the unit column (its header), a form/query field (''), or nobody.
        unit_column = (
            column_of.get("unit", "unit") if "unit" in fields else "" if "unit" in default_values else None
        )
        unit = fields.get("unit") or default_values.get("unit") or "cm"
        measurements: dict[str, list[float]] = {}
        for column, (dimension, column_unit) in mapped.measurements.items():
            raw = row.values.get(column)
            if raw is None:
                continue
            default_unit = column_unit or ("kg" if dimension == "weight" else unit)
            # The unit the merchant declared for this cell (header, else unit column/field); kg for a
            # weight column without one is only a default, like cm for a chart without a unit.
            declared = column_unit or (unit if dimension != "weight" and unit_column is not None else None)
            parsed = parse_measurement(raw, default_unit)
            if parsed is None:
                row_issues.append(
                    make_issue(
                        "bad_measurement",
                        row.number,
                        column,
                        raw,
                        "A measurement must be a number or a range such as 88, 88-92, 88~92 or 34.5in.",
                        "测量值必须是数字或范围，例如 88、88-92、88~92 或 34.5in。",
                    )
                )
                continue
            low, high, value_unit = parsed
            if declared is not None and value_unit != declared:
                row_issues.append(
                    _unit_conflict(row.number, column, raw, declared, None if column_unit else unit_column)
                )
                continue
            low, high = _convert(low, value_unit, dimension), _convert(high, value_unit, dimension)
            if low > high:
                row_issues.append(
                    make_issue(
                        "range_not_increasing",
                        row.number,
                        column,
                        raw,
                        "A range must go from the smaller to the larger number (88-92, not 92-88).",
                        "范围必须从小到大（88-92，而不是 92-88）。",
                    )
                )
                continue
            lo_ok, hi_ok = PLAUSIBLE[dimension]
            if low < lo_ok or high > hi_ok:
                unit_name = "kg" if dimension == "weight" else "cm"
                row_issues.append(
                    make_issue(
                        "implausible",
                        row.number,
                        column,
                        raw,
                        f"{dimension} {_span(low, high)} {unit_name} is not a plausible human measurement "
                        f"(expected {lo_ok:g}-{hi_ok:g} {unit_name}); check the unit.",
                        f"{DIMENSION_NAMES_ZH[dimension]} {_span(low, high)} {unit_name} 不是合理的人体尺寸"
                        f"（应在 {lo_ok:g}-{hi_ok:g} {unit_name} 之间），请检查单位。",
                    )
                )
                continue
            measurements[dimension] = [low, high]
        if row_issues:
            issues.extend(row_issues)
            continue
        groups.setdefault(chart_id, []).append((row.number, fields, measurements, label))

    cells = {row.number: row.values for row in table.rows}

    def as_written(name: str, number: int) -> Any:
        """A chart field as the file wrote it ('inch', '修身'), not as read ('in', 'slim')."""
        return text(cells[number].get(column_of.get(name, name)))

    charts: list[ChartInput] = []
    for chart_id, entries in groups.items():
        chart_issues: list[Issue] = []
        chart_fields = dict(default_values)
        first_seen: dict[str, tuple[Any, int]] = {}
        for number, fields, _measurements, _label in entries:
            for name, value in fields.items():
                if name in first_seen and first_seen[name][0] != value:
                    column = column_of.get(name, name)
                    earlier_row = first_seen[name][1]
                    earlier, here = as_written(name, earlier_row), as_written(name, number)
                    chart_issues.append(
                        make_issue(
                            "conflicting_chart_field",
                            number,
                            column,
                            here,
                            f"Chart '{chart_id}' has {column} '{earlier}' in row {earlier_row} "
                            f"but '{here}' here.",
                            f"尺码表“{chart_id}”第 {earlier_row} 行的“{column}”为“{earlier}”，"
                            f"此处却为“{here}”。",
                        )
                    )
                elif name not in first_seen:
                    first_seen[name] = (value, number)
                    chart_fields[name] = value
        if len(entries) > MAX_SIZES_PER_CHART:
            chart_issues.append(
                make_issue(
                    "too_many_sizes",
                    entries[0][0],
                    column_of.get("chart_id", "chart_id"),
                    chart_id,
                    f"Chart '{chart_id}' has {len(entries)} sizes; "
                    f"at most {MAX_SIZES_PER_CHART} are accepted.",
                    f"尺码表“{chart_id}”有 {len(entries)} 个尺码，最多接受 {MAX_SIZES_PER_CHART} 个。",
                )
            )
        kind = chart_fields.get("kind", "body")
        size_column = column_of.get("size", "size")
        seen: dict[str, int] = {}
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, _fields, measurements, label in entries:
            if label in seen:
                chart_issues.append(
                    make_issue(
                        "duplicate_size",
                        number,
                        size_column,
                        label,
                        f"Size '{label}' already appears in row {seen[label]} of chart '{chart_id}'.",
                        f"尺码“{label}”已在尺码表“{chart_id}”的第 {seen[label]} 行出现。",
                    )
                )
                continue
            seen[label] = number
            if kind == "body":
                _fill_from_haoxing(label, measurements, chart_fields.get("category"))
            if not measurements:
                chart_issues.append(
                    make_issue(
                        "no_measurements",
                        number,
                        size_column,
                        label,
                        f"Size '{label}' has no measurements.",
                        f"尺码“{label}”没有任何测量值。",
                    )
                )
                continue
            ordered = {dim: measurements[dim] for dim in DIMENSION_ORDER if dim in measurements}
            rows.append((number, {"size": label, "system": size_system(label), "measurements": ordered}))
        # Sort only when every label belongs to one orderable system; mixed or free labels keep file order.
        groups_of_keys = {size_sort_key(entry["size"])[0] for _n, entry in rows}
        if len(groups_of_keys) == 1 and groups_of_keys != {3}:
            rows.sort(key=lambda item: size_sort_key(item[1]["size"]))
        for (_prev_number, previous), (number, current) in itertools.pairwise(rows):
            for dim, (low, high) in current["measurements"].items():
                before = previous["measurements"].get(dim)
                if before and (low < before[0] or high < before[1]):
                    column = next((c for c, (d, _u) in mapped.measurements.items() if d == dim), dim)
                    chart_issues.append(
                        make_issue(
                            "not_monotonic",
                            number,
                            column,
                            _span(low, high),
                            f"{dim} for size {current['size']} ({_span(low, high)}) "
                            "is smaller than for the smaller "
                            f"size {previous['size']} ({_span(*before)}); sizes must grow.",
                            f"尺码 {current['size']} 的{DIMENSION_NAMES_ZH[dim]}"
                            f"（{_span(low, high)}）小于更小的尺码 {previous['size']}"
                            f"（{_span(*before)}），尺码应逐级增大。",
                        )
                    )
        if chart_issues:
            issues.extend(chart_issues)
            continue
        charts.append(
            ChartInput(
                row=entries[0][0],
                chart_id=chart_id,
                name=chart_fields.get("name") or chart_id,
                brand=chart_fields.get("brand"),
                category=chart_fields.get("category"),
                gender=chart_fields.get("gender"),
                kind=kind,
                fit=chart_fields.get("fit", "regular"),
                stretch=float(chart_fields.get("stretch", 0.0)),
                rows=[entry for _n, entry in rows],
            )
        )
    return ParsedCharts(charts, drop_shadowed(issues))
