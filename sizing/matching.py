"""Size matching: the probability that each size of a chart is the one that fits a shopper.

For every chart dimension the shopper's body value is a Gaussian (body-model estimate and sd; measured
values have a tape-measure sd). On a garment chart the body is first moved into garment space by the
ease the chart's fit type and the fabric stretch call for; the shopper's own fit preference moves it
a little further (loose -> a bigger garment). Each size owns the interval between the boundaries to
its neighbours, so the per-dimension size probability is a difference of normal CDFs (analytic,
deterministic). Dimensions are pooled log-linearly with the category's weights (weights sum to one,
so correlated girths are not counted twice):

    log p(size) = sum_k w_k log p_k(size) + const.

Because a Gaussian location family has a monotone likelihood ratio, p_k(bigger)/p_k(smaller) grows
with the body value in every dimension, and so does the pooled ratio: a larger body never gets a
smaller argmax size, and a size flips only where two sizes' probabilities cross.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

from sizing.body_model import DIMENSIONS, BodyEstimate
from sizing.charts import CHART_DIMENSIONS, ParsedChart
from sizing.protocols import NO_ADJUSTMENT, FitAdjustment

GIRTHS = frozenset({"chest", "waist", "hip"})
MEASURED_SD = {"height": 1.0, "weight": 1.0}

# Weight of each chart dimension per garment group (catalog.taxonomy.garment_group); missing = 0.
GROUP_WEIGHTS: dict[str, dict[str, float]] = {
    "top": {
        "chest": 1.0,
        "shoulder": 0.5,
        "waist": 0.3,
        "neck": 0.3,
        "sleeve": 0.2,
        "length": 0.2,
        "height": 0.5,
        "weight": 0.3,
    },
    "outerwear": {
        "chest": 1.0,
        "shoulder": 0.6,
        "waist": 0.2,
        "sleeve": 0.3,
        "length": 0.2,
        "hip": 0.2,
        "height": 0.5,
        "weight": 0.3,
    },
    "bottom": {"waist": 1.0, "hip": 0.8, "inseam": 0.3, "length": 0.2, "height": 0.4, "weight": 0.3},
    "dress": {"chest": 0.8, "waist": 0.8, "hip": 0.8, "shoulder": 0.3, "height": 0.3, "weight": 0.3},
    "onepiece": {"chest": 0.6, "waist": 0.6, "hip": 0.8, "inseam": 0.2, "height": 0.5, "weight": 0.3},
    "innerwear": {"chest": 1.0, "waist": 0.8, "hip": 0.8, "weight": 0.3},
}

# Garment minus body (cm) that a chart's fit type calls for. Shoulder includes the ~4 cm between the
# body's biacromial (bone) breadth and a garment's seam-to-seam width measured over the back.
EASE_CM: dict[str, dict[str, float]] = {
    "chest": {"slim": 4.0, "regular": 8.0, "loose": 14.0},
    "waist": {"slim": 1.0, "regular": 3.0, "loose": 6.0},
    "hip": {"slim": 2.0, "regular": 5.0, "loose": 9.0},
    "shoulder": {"slim": 4.0, "regular": 5.0, "loose": 7.0},
    "neck": {"slim": 1.5, "regular": 2.0, "loose": 3.0},
    "sleeve": {"slim": 0.0, "regular": 1.0, "loose": 2.0},
}
OUTERWEAR_EXTRA_EASE = {"chest": 6.0, "waist": 6.0, "hip": 4.0, "shoulder": 1.0, "sleeve": 2.0}
# Body-chart shoulder widths are surface measures, a little wider than the biacromial breadth.
BODY_CHART_SHOULDER_OFFSET = 2.0
# How far a shopper's fit preference moves the compared girth (cm).
PREFERENCE_SHIFT = {"slim": -2.0, "regular": 0.0, "loose": 3.0}
# Ideal garment length as a share of height (tops, outerwear) by sex.
LENGTH_RATIO = {
    ("top", "male"): 0.40,
    ("top", "female"): 0.375,
    ("outerwear", "male"): 0.43,
    ("outerwear", "female"): 0.41,
}
LENGTH_SD = 4.0

DIMENSION_LABELS = {
    "chest": ("chest", "胸围"),
    "waist": ("waist", "腰围"),
    "hip": ("hip", "臀围"),
    "shoulder": ("shoulder width", "肩宽"),
    "length": ("length", "衣长"),
    "sleeve": ("sleeve", "袖长"),
    "inseam": ("inseam", "内长"),
    "height": ("height", "身高"),
    "weight": ("weight", "体重"),
    "neck": ("neck", "领围"),
}
VERDICT_LABELS = {"tight": "紧", "snug": "偏紧", "good": "合适", "loose": "宽松"}
_MODEL_POSITION = np.array([DIMENSIONS.index(d) if d in DIMENSIONS else -1 for d in CHART_DIMENSIONS])


@dataclass(frozen=True)
class BodyVector:
    """A shopper's body in chart-dimension order: mean, sd and whether each value was measured."""

    sex: str
    mean: np.ndarray  # (len(CHART_DIMENSIONS),) nan where unknown (length is derived per group)
    sd: np.ndarray
    measured: np.ndarray  # bool

    @classmethod
    def from_estimate(cls, estimate: BodyEstimate, height_cm: float, weight_kg: float) -> BodyVector:
        model_sd = estimate.sd
        mean = np.full(len(CHART_DIMENSIONS), np.nan)
        sd = np.full(len(CHART_DIMENSIONS), np.nan)
        measured = np.zeros(len(CHART_DIMENSIONS), dtype=bool)
        has_model = _MODEL_POSITION >= 0
        mean[has_model] = estimate.mean[_MODEL_POSITION[has_model]]
        sd[has_model] = model_sd[_MODEL_POSITION[has_model]]
        for name in estimate.measured:
            measured[CHART_DIMENSIONS.index(name)] = True
        for name, value in (("height", height_cm), ("weight", weight_kg)):
            position = CHART_DIMENSIONS.index(name)
            mean[position], sd[position], measured[position] = value, MEASURED_SD[name], True
        return cls(estimate.sex, mean, sd, measured)


@dataclass(frozen=True)
class DimensionFit:
    dimension: str
    body_cm: float
    chart_low: float
    chart_high: float
    ease_cm: float | None  # garment minus body (garment charts only)
    target_ease_cm: float | None
    verdict: str  # tight | snug | good | loose
    measured: bool
    weight: float


@dataclass(frozen=True)
class SizeMatch:
    chart: ParsedChart
    probabilities: np.ndarray  # (S,)
    index: int
    dimensions: tuple[DimensionFit, ...]
    deciding_dimension: str | None
    close_call: bool
    adjustment: FitAdjustment

    @property
    def size(self) -> str:
        return self.chart.sizes[self.index]

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.index])


def _log_interval_mass(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """log(Phi(upper) - Phi(lower)) accurate in both tails (upper >= lower elementwise)."""
    flip = lower > 0
    a = np.where(flip, -upper, lower)
    b = np.where(flip, -lower, upper)
    log_b, log_a = log_ndtr(b), log_ndtr(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        mass = log_b + np.log1p(-np.exp(log_a - log_b))
    return np.nan_to_num(np.maximum(mass, -1e4), nan=-1e4)


def ease_for(dimension: str, chart: ParsedChart, group: str) -> float:
    """Garment-minus-body ease the chart's fit and stretch call for (0 on body charts)."""
    if chart.kind != "garment":
        return BODY_CHART_SHOULDER_OFFSET if dimension == "shoulder" else 0.0
    table = EASE_CM.get(dimension)
    if table is None:
        return 0.0
    ease = table[chart.fit]
    if group == "outerwear":
        ease += OUTERWEAR_EXTRA_EASE.get(dimension, 0.0)
    if dimension in GIRTHS:
        # Stretch fabric needs less ease and very stretchy garments are cut below body size.
        ease = ease * (1.0 - chart.stretch) - 4.0 * chart.stretch
    return ease


def _body_in_chart_space(
    chart: ParsedChart, body: BodyVector, group: str, fit_preference: str, adjustment: FitAdjustment
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(body mean, compared mean, sd, weight, ease) per chart dimension."""
    index = chart.dimension_index
    body_mean = body.mean[index].copy()
    sd = body.sd[index].copy()
    weights = np.zeros(len(index))
    ease = np.zeros(len(index))
    group_weights = GROUP_WEIGHTS.get(group, GROUP_WEIGHTS["top"])
    shift = PREFERENCE_SHIFT.get(fit_preference, 0.0)
    compared = body_mean.copy()
    for k, dimension in enumerate(chart.dimensions):
        if dimension == "length":
            ratio = LENGTH_RATIO.get((group, body.sex))
            if ratio is None or chart.kind != "garment":
                continue
            body_mean[k] = ratio * body.mean[CHART_DIMENSIONS.index("height")]
            sd[k] = LENGTH_SD
            compared[k] = body_mean[k]
        weights[k] = group_weights.get(dimension, 0.0)
        ease[k] = ease_for(dimension, chart, group)
        compared[k] = body_mean[k] + ease[k]
        if dimension in GIRTHS:
            compared[k] += shift * (0.5 if dimension == "waist" else 1.0) + adjustment.offset_cm
    known = ~np.isnan(body_mean) & chart.discriminating
    usable = known & (weights > 0)
    if not usable.any():
        # Only dimensions the category does not weigh: use them all, equally.
        usable = known
        weights = np.where(usable, 1.0, 0.0)
    weights = np.where(usable, weights, 0.0)
    return body_mean, compared, sd, weights / max(weights.sum(), 1e-9), ease


def _verdict(dimension: str, body_value: float, low: float, high: float, ease: float, garment: bool) -> str:
    scale = 1.0 if dimension in GIRTHS or dimension in ("weight", "length") else 0.5
    if garment:
        slack = (low + high) / 2.0 - body_value - ease
    else:
        # Body chart: where the body sits in the size's range; beyond its edges is tight/loose.
        if body_value > high:
            slack = -(body_value - high) - 1.0
        elif body_value < low:
            slack = (low - body_value) + 1.0
        else:
            slack = 0.0
    if slack <= -5.0 * scale:
        return "tight"
    if slack <= -2.0 * scale:
        return "snug"
    if slack >= 4.0 * scale:
        return "loose"
    return "good"


def match(
    chart: ParsedChart,
    body: BodyVector,
    group: str,
    fit_preference: str = "regular",
    adjustment: FitAdjustment = NO_ADJUSTMENT,
) -> SizeMatch:
    """Probabilities for every size of ``chart``, the recommended size and per-dimension fit."""
    body_mean, compared, sd, weights, ease = _body_in_chart_space(
        chart, body, group, fit_preference, adjustment
    )
    n_sizes = len(chart.sizes)
    active = weights > 0
    if n_sizes == 1 or not active.any():
        # Nothing tells the sizes apart: say so with a flat distribution rather than guess.
        probabilities = np.full(n_sizes, 1.0 / n_sizes)
    else:
        z = (chart.boundaries[active] - compared[active, None]) / sd[active, None]
        lower = np.concatenate([np.full((z.shape[0], 1), -np.inf), z], axis=1)
        upper = np.concatenate([z, np.full((z.shape[0], 1), np.inf)], axis=1)
        pooled = weights[active] @ _log_interval_mass(lower, upper)
        pooled -= pooled.max()
        probabilities = np.exp(pooled)
        probabilities /= probabilities.sum()
    best = int(np.argmax(probabilities))
    garment = chart.kind == "garment"
    fits = []
    for k, dimension in enumerate(chart.dimensions):
        if np.isnan(body_mean[k]):
            continue
        low, high = float(chart.low[k, best]), float(chart.high[k, best])
        fits.append(
            DimensionFit(
                dimension=dimension,
                body_cm=round(float(body_mean[k]), 1),
                chart_low=low,
                chart_high=high,
                ease_cm=round((low + high) / 2.0 - float(body_mean[k]), 1) if garment else None,
                target_ease_cm=round(float(ease[k]), 1) if garment else None,
                verdict=_verdict(dimension, float(body_mean[k]), low, high, float(ease[k]), garment),
                measured=bool(body.measured[chart.dimension_index[k]]),
                weight=round(float(weights[k]), 3),
            )
        )
    ranked = np.sort(probabilities)[::-1]
    close_call = n_sizes > 1 and (ranked[0] < 0.6 or ranked[1] >= 0.3)
    return SizeMatch(
        chart=chart,
        probabilities=probabilities,
        index=best,
        dimensions=tuple(fits),
        deciding_dimension=_deciding_dimension(chart, body, weights, sd) if close_call else None,
        close_call=close_call,
        adjustment=adjustment,
    )


def _deciding_dimension(
    chart: ParsedChart, body: BodyVector, weights: np.ndarray, sd: np.ndarray
) -> str | None:
    """The unmeasured body dimension whose uncertainty, relative to the size step, matters most."""
    best_name, best_score = None, 0.0
    for k, dimension in enumerate(chart.dimensions):
        if weights[k] <= 0 or body.measured[chart.dimension_index[k]] or dimension not in DIMENSIONS:
            continue
        centers = (chart.low[k] + chart.high[k]) / 2.0
        step = float(np.median(np.diff(centers))) if len(centers) > 1 else 1.0
        score = float(weights[k] * sd[k] / max(step, 0.5))
        if score > best_score:
            best_name, best_score = dimension, score
    return best_name
