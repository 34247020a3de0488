"""Size charts parsed once into numpy arrays for fast matching.

A chart row is ``{"size": "M", "measurements": {"chest": [88.0, 92.0], "length": 70.0, ...}}`` in cm/kg,
ordered small to large. A single number is a point value (typical of garment charts); a pair is a
range (typical of body charts). A dimension is used only when every size lists it, so a partly
filled column cannot make sizes incomparable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from fitguide.errors import InvalidInput, Issue
from sizing.size_systems import SizeLookup

CHART_DIMENSIONS: tuple[str, ...] = (
    "chest",
    "waist",
    "hip",
    "shoulder",
    "length",
    "sleeve",
    "inseam",
    "height",
    "weight",
    "neck",
)
_STEP_GIRTHS = ("chest", "waist", "hip")
_DIMENSION_ALIASES = {
    "bust": "chest",
    "hips": "hip",
    "arm": "sleeve",
    "sleeve_length": "sleeve",
    "collar": "neck",
}


@dataclass(frozen=True)
class ParsedChart:
    """A chart ready for matching: per-dimension low/high (S sizes) and the boundaries between sizes."""

    chart_id: str
    kind: str  # body | garment
    fit: str  # slim | regular | loose
    stretch: float
    sizes: tuple[str, ...]
    dimensions: tuple[str, ...]
    low: np.ndarray  # (K, S)
    high: np.ndarray  # (K, S)
    boundaries: np.ndarray  # (K, S-1): a value above boundaries[k, i] is past size i in dimension k
    dimension_index: np.ndarray  # (K,) positions of ``dimensions`` in CHART_DIMENSIONS
    # (K,) True where the dimension grows from size to size; others (e.g. one inseam for all sizes)
    # cannot tell sizes apart and only get a verdict.
    discriminating: np.ndarray
    # (K,) typical step between neighbouring sizes of the whole chart (0 where a dimension does not grow), and
    # the girth step that learned fit offsets (cm) are expressed in (chest, else waist, else hip; 4 cm when
    # none grows, as sizing.feedback.chart_step_cm). Kept when the chart is restricted to a product's sizes.
    size_steps: np.ndarray
    girth_step: float
    brand: str | None = None
    category: str | None = None
    gender: str | None = None
    name: str = ""
    # Body-independent matching plans per (garment group, sex), filled lazily by sizing.matching.
    plans: dict[tuple[str, str], object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def center(self) -> np.ndarray:
        return (self.low + self.high) / 2.0

    @cached_property
    def _lookup(self) -> SizeLookup:
        # Built once per chart: its labels never change (a restricted chart is a new instance).
        return SizeLookup(self.sizes)

    def index(self, size: str) -> int | None:
        """Position of ``size`` however it is spelled (see SizeLookup); None when it is not on the chart."""
        return self._lookup.index(size)


def _chart_error(chart_id: str, reason: str, reason_zh: str, row: int | None = None) -> InvalidInput:
    return InvalidInput(
        f"Size chart {chart_id} cannot be used: {reason}",
        f"尺码表 {chart_id} 无法使用：{reason_zh}",
        issues=[Issue(reason=reason, reason_zh=reason_zh, row=row, column="rows", value=chart_id)],
        code="invalid_chart",
    )


def parse_chart(
    chart_id: str,
    rows: Sequence[Mapping[str, Any]],
    kind: str = "body",
    fit: str = "regular",
    stretch: float = 0.0,
    brand: str | None = None,
    category: str | None = None,
    gender: str | None = None,
    name: str = "",
) -> ParsedChart:
    """Parse stored chart rows; raises InvalidInput for a chart with no usable size or dimension."""
    sizes: list[str] = []
    values: dict[str, list[tuple[float, float] | None]] = {d: [] for d in CHART_DIMENSIONS}
    for row_number, row in enumerate(rows):
        label = str(row.get("size", "")).strip()
        if not label:
            raise _chart_error(chart_id, "a row has no size label", "某行缺少尺码", row_number)
        sizes.append(label)
        measurements = row.get("measurements") or {}
        seen: dict[str, tuple[float, float]] = {}
        for raw_name, raw_value in measurements.items():
            dimension = _DIMENSION_ALIASES.get(str(raw_name).lower(), str(raw_name).lower())
            if dimension not in values:
                continue
            pair = _as_range(raw_value)
            if pair is not None:
                seen[dimension] = pair
        for dimension in CHART_DIMENSIONS:
            values[dimension].append(seen.get(dimension))
    if not sizes:
        raise _chart_error(chart_id, "it has no sizes", "没有任何尺码")
    dimensions = tuple(d for d in CHART_DIMENSIONS if all(v is not None for v in values[d]))
    if not dimensions:
        raise _chart_error(chart_id, "no measurement is given for every size", "没有对所有尺码都给出的尺寸")
    low = np.array([[v[0] for v in values[d] if v is not None] for d in dimensions], dtype=float)
    high = np.array([[v[1] for v in values[d] if v is not None] for d in dimensions], dtype=float)
    size_steps = np.array([_typical_step(row) for row in (low + high) / 2.0])
    girth_step = next(
        (
            float(size_steps[dimensions.index(d)])
            for d in _STEP_GIRTHS
            if d in dimensions and size_steps[dimensions.index(d)] > 0
        ),
        4.0,
    )
    return ParsedChart(
        chart_id=chart_id,
        kind=kind if kind in ("body", "garment") else "body",
        fit=fit if fit in ("slim", "regular", "loose") else "regular",
        stretch=float(min(max(stretch or 0.0, 0.0), 1.0)),
        sizes=tuple(sizes),
        dimensions=dimensions,
        low=low,
        high=high,
        boundaries=_boundaries(low, high),
        dimension_index=np.array([CHART_DIMENSIONS.index(d) for d in dimensions], dtype=int),
        discriminating=_discriminating(low, high),
        size_steps=size_steps,
        girth_step=girth_step,
        brand=brand,
        category=category,
        gender=gender,
        name=name,
    )


def restrict_chart(
    chart: ParsedChart, sizes: Sequence[str], labels: Mapping[str, str] | None = None
) -> ParsedChart:
    """``chart`` with only the sizes a product is sold in (labels as the chart writes them), each renamed
    by ``labels`` (chart label -> the product's own label, what the shopper can buy) where given.

    The boundaries are recomputed between the remaining neighbours, so a body in the range of a size the
    product lacks goes to the nearer of the sizes either side of it. Raises ValueError when no size is left.
    """
    wanted = set(sizes)
    keep = [i for i, label in enumerate(chart.sizes) if label in wanted]
    if not keep:
        raise ValueError(f"none of {sorted(wanted)} is a size of chart {chart.chart_id}")
    low, high = chart.low[:, keep], chart.high[:, keep]
    names = labels or {}
    return replace(
        chart,
        sizes=tuple(names.get(chart.sizes[i], chart.sizes[i]) for i in keep),
        low=low,
        high=high,
        boundaries=_boundaries(low, high),
        discriminating=_discriminating(low, high),
        plans={},
    )


def _boundaries(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    # Boundary between neighbours: halfway between one size's top and the next one's bottom. Forced
    # non-decreasing so a typo in a merchant chart cannot make a larger body map to a smaller size.
    boundaries = (high[:, :-1] + low[:, 1:]) / 2.0
    return np.maximum.accumulate(boundaries, axis=1) if boundaries.size else boundaries


def _typical_step(centers: np.ndarray) -> float:
    # The upper median of the growing steps, as sizing.feedback.chart_step_cm reads a chart's girth step.
    steps = sorted(float(step) for step in np.diff(centers) if step > 0)
    return steps[len(steps) // 2] if steps else 0.0


def _discriminating(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all(np.diff((low + high) / 2.0, axis=1) > 0, axis=1)


def _as_range(raw: object) -> tuple[float, float] | None:
    try:
        if isinstance(raw, list | tuple):
            if len(raw) == 1:
                value = float(raw[0])
                return (value, value) if math.isfinite(value) else None
            if len(raw) >= 2:
                low, high = float(raw[0]), float(raw[1])
                if not (math.isfinite(low) and math.isfinite(high)):
                    return None
                return (min(low, high), max(low, high))
            return None
        if raw is None:
            return None
        if isinstance(raw, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*[-~–]\s*\d+(\.\d+)?\s*", raw):
            low, high = (float(part) for part in re.split(r"[-~–]", raw))
            return (min(low, high), max(low, high))
        value = float(raw)  # type: ignore[arg-type]
        if not math.isfinite(value):
            return None
        return (value, value)
    except (TypeError, ValueError):
        return None
