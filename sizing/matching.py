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
_HEIGHT = CHART_DIMENSIONS.index("height")
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


@dataclass(slots=True)
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


@dataclass(slots=True)
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
    log_b = log_ndtr(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        mass = log_b + np.log1p(-np.exp(log_ndtr(a) - log_b))
    # fmax also maps the nan of an empty interval to the floor.
    return np.fmax(mass, -1e4)


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


@dataclass(frozen=True)
class _Plan:
    """Everything about matching one chart for one garment group and sex that does not depend on the body."""

    weights: np.ndarray  # (K,) normalised; 0 for dimensions that only get a verdict
    ease: np.ndarray  # (K,)
    preference_shift: dict[str, np.ndarray]  # preference -> (K,) shift of the compared value
    girth_mask: np.ndarray  # (K,) 1.0 where the fit adjuster's offset applies
    length_position: int  # index of a derived garment length, or -1
    length_ratio: float
    active: np.ndarray  # (K,) bool
    padded: np.ndarray  # (active K, S+1) boundaries with -inf/+inf ends
    steps: np.ndarray  # (K,) typical size step


def _plan(chart: ParsedChart, group: str, sex: str) -> _Plan:
    key = (group, sex)
    cached = chart.plans.get(key)
    if isinstance(cached, _Plan):
        return cached
    n = len(chart.dimensions)
    group_weights = GROUP_WEIGHTS.get(group, GROUP_WEIGHTS["top"])
    weights, ease, girth = np.zeros(n), np.zeros(n), np.zeros(n)
    waist_factor = np.ones(n)
    length_position, length_ratio = -1, 0.0
    known = chart.discriminating.copy()
    for k, dimension in enumerate(chart.dimensions):
        if dimension == "length":
            ratio = LENGTH_RATIO.get((group, sex))
            if ratio is None or chart.kind != "garment":
                known[k] = False
                continue
            length_position, length_ratio = k, ratio
        weights[k] = group_weights.get(dimension, 0.0)
        ease[k] = ease_for(dimension, chart, group)
        if dimension in GIRTHS:
            girth[k] = 1.0
            waist_factor[k] = 0.5 if dimension == "waist" else 1.0
    usable = known & (weights > 0)
    if not usable.any():
        # Only dimensions the category does not weigh: use them all, equally.
        usable = known
        weights = np.where(usable, 1.0, 0.0)
    weights = np.where(usable, weights, 0.0)
    weights = weights / max(weights.sum(), 1e-9)
    active = weights > 0
    inf = np.full((int(active.sum()), 1), np.inf)
    centers = chart.center
    plan = _Plan(
        weights=weights,
        ease=ease,
        preference_shift={p: girth * waist_factor * shift for p, shift in PREFERENCE_SHIFT.items()},
        girth_mask=girth,
        length_position=length_position,
        length_ratio=length_ratio,
        active=active,
        padded=np.concatenate([-inf, chart.boundaries[active], inf], axis=1),
        steps=np.median(np.diff(centers, axis=1), axis=1) if centers.shape[1] > 1 else np.ones(n),
    )
    chart.plans[key] = plan
    return plan


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
    plan = _plan(chart, group, body.sex)
    index = chart.dimension_index
    body_mean = body.mean[index]
    sd = body.sd[index]
    if plan.length_position >= 0:
        body_mean = body_mean.copy()
        sd = sd.copy()
        body_mean[plan.length_position] = plan.length_ratio * body.mean[_HEIGHT]
        sd[plan.length_position] = LENGTH_SD
    compared = body_mean + plan.ease + plan.preference_shift.get(fit_preference, 0.0)
    if adjustment.offset_cm:
        compared = compared + adjustment.offset_cm * plan.girth_mask
    n_sizes = len(chart.sizes)
    active = plan.active
    if n_sizes == 1 or not active.any():
        # Nothing tells the sizes apart: say so with a flat distribution rather than guess.
        probabilities = np.full(n_sizes, 1.0 / n_sizes)
    else:
        z = (plan.padded - compared[active, None]) / sd[active, None]
        pooled = plan.weights[active] @ _log_interval_mass(z[:, :-1], z[:, 1:])
        probabilities = np.exp(pooled - pooled.max())
        probabilities /= probabilities.sum()
    best = int(np.argmax(probabilities))
    garment = chart.kind == "garment"
    fits = []
    lows, highs = chart.low[:, best].tolist(), chart.high[:, best].tolist()
    body_values, eases, weights = body_mean.tolist(), plan.ease.tolist(), plan.weights.tolist()
    measured = body.measured[index].tolist()
    for k, dimension in enumerate(chart.dimensions):
        value = body_values[k]
        if value != value:  # nan: a dimension the body does not have (length on body charts)
            continue
        low, high = lows[k], highs[k]
        fits.append(
            DimensionFit(
                dimension=dimension,
                body_cm=round(value, 1),
                chart_low=low,
                chart_high=high,
                ease_cm=round((low + high) / 2.0 - value, 1) if garment else None,
                target_ease_cm=round(eases[k], 1) if garment else None,
                verdict=_verdict(dimension, value, low, high, eases[k], garment),
                measured=measured[k],
                weight=round(weights[k], 3),
            )
        )
    if n_sizes > 1:
        top_two = np.partition(probabilities, n_sizes - 2)[-2:]
        close_call = bool(top_two[1] < 0.6 or top_two[0] >= 0.3)
    else:
        close_call = False
    return SizeMatch(
        chart=chart,
        probabilities=probabilities,
        index=best,
        dimensions=tuple(fits),
        deciding_dimension=_deciding_dimension(chart, body, plan, sd) if close_call else None,
        close_call=close_call,
        adjustment=adjustment,
    )


def _deciding_dimension(chart: ParsedChart, body: BodyVector, plan: _Plan, sd: np.ndarray) -> str | None:
    """The unmeasured body dimension whose uncertainty, relative to the size step, matters most."""
    best_name, best_score = None, 0.0
    for k, dimension in enumerate(chart.dimensions):
        weight = plan.weights[k]
        if weight <= 0 or body.measured[chart.dimension_index[k]] or dimension not in DIMENSIONS:
            continue
        score = float(weight * sd[k] / max(plan.steps[k], 0.5))
        if score > best_score:
            best_name, best_score = dimension, score
    return best_name
