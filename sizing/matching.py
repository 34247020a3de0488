"""Size matching: the probability that each size of a chart is the one that fits a shopper.

For every chart dimension the shopper's body value is a Gaussian (body-model estimate and sd; measured
values have a tape-measure sd). On a garment chart the body is first moved into garment space by the
ease the chart's fit type and the fabric stretch call for; the shopper's own fit preference moves it
a little further (loose -> a bigger garment). Each size owns the interval between the boundaries to
its neighbours, so the per-dimension size probability is a difference of normal CDFs (analytic,
deterministic). Dimensions are pooled log-linearly with the category's weights (normalised, so
correlated girths are not counted twice; the main girths count in full, see below):

    log p(size) = sum_k w_k log p_k(size) + const.

Fit is asymmetric: a shirt that cannot close over the chest, or trousers over the waist, cannot be worn;
a slightly wide shoulder, long sleeves or a roomy hip can. The main dimensions are the most weighted girths
the chart gives (chest for tops, waist for bottoms; bust, waist and hip alike for dresses), else its most
weighted dimension. The first of them keeps the size's own interval, so a chart's main dimension is read
exactly as written. Every other dimension (the other girths, shoulder, lengths, sleeve, inseam, neck, and
height/weight columns) also accepts bodies up to one size step below the size's range: the size may be a
step loose or long there. Such a dimension rules out sizes that would be tight or short (or more than a
size too big) but no longer pulls the choice below the size the main girth holds; below the smallest
size's range it reads as that size's middle (every size is long there, a 15 cm or a 16 cm surplus does
not tell sizes apart, a normal tail would). The clamp is non-decreasing in the body value, so the
monotonicity below holds. And the main girths
count in full, as on a chart of their own (their weights are scaled to sum to one; a chart of the main
girth alone is unchanged), with the other dimensions' evidence added on top: before, a short heavy man got
an Arrow slim shirt 7 cm tight at the chest because shoulder, length and sleeve all voted for the smallest
size, and men's bottoms charts (hip 17 cm above the waist, men's bodies ~12 cm) picked trousers tight at
the waist for a third of men.

Each size's interval [lower, upper] has both ends non-decreasing in the size, so d/dm log p_k(size) =
E[Z | Z in the size's interval shifted by m] grows with the size (a truncated Gaussian's mean grows with
both ends): p_k(bigger)/p_k(smaller) grows with the body value in every dimension, and so does the
pooled ratio. A larger body never gets a smaller argmax size, and a size flips only where two sizes'
probabilities cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

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
# Women's garments are cut closer at the shoulder (the seam sits near the acromion). The demo's women's
# garment charts (data/demo/size_charts.csv, regular fit; shoulder XS..2XL 36..41 cm) are 0.4, 1.1, 1.8,
# 2.4, 3.1, 3.7 cm (mean 2.1) above ANSUR II women's biacromial breadth at each size's bust (a linear fit
# of biacromial on chest, 35.6-37.3 cm); the men's charts (42..49.5 cm) are 2.6-6.9 cm (mean 4.8) above
# men's (39.4-42.6 cm), which the table above matches. With the men's 5 cm, 55 of 58 women's garment
# charts read "shoulder tight" for a 165/55 woman. Women: the men's ease minus 3 cm.
FEMALE_SHOULDER_EASE_CM = {"slim": 1.0, "regular": 2.0, "loose": 4.0}
OUTERWEAR_EXTRA_EASE = {"chest": 6.0, "waist": 6.0, "hip": 4.0, "shoulder": 1.0, "sleeve": 2.0}
# Body-chart shoulder widths are surface measures, a little wider than the biacromial breadth.
BODY_CHART_SHOULDER_OFFSET = 2.0
# How far a shopper's fit preference moves the compared girth (cm).
PREFERENCE_SHIFT = {"slim": -2.0, "regular": 0.0, "loose": 3.0}
PREFERENCES = tuple(PREFERENCE_SHIFT)
# A secondary dimension accepts a body up to this many size steps below the size's range (the docstring).
SECONDARY_LOOSE_STEPS = 1.0
# Columns of _Plan.row_table (then one static-shift column per preference).
_ROW_SOURCE, _ROW_SCALE, _ROW_SD_OVERRIDE, _ROW_OFFSET, _ROW_WEIGHT, _ROW_LOOSE, _ROW_FLOOR, _ROW_STATIC = (
    range(8)
)
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
# Dimensions measured along the body: a verdict on them is about too short/too long, not tight/loose.
LENGTHS = frozenset({"length", "sleeve", "inseam", "height"})
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
    garment_cm: float | None  # the garment's value (middle of the chart entry; garment charts only)
    ease_cm: float | None  # garment minus body (garment charts only)
    target_ease_cm: float | None
    # tight | snug | good | loose: a severity scale, garment minus wanted ease from small to big (on LENGTHS
    # tight/snug read as too short/a bit short and loose as long).
    verdict: str
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
    key: DimensionFit | None  # the fitted dimension the garment group weighs most
    rounded: list[float]  # probabilities to 4 decimals, for display
    # (size index, per-dimension fits) of the sizes either side of the recommended one, when asked for.
    neighbours: tuple[tuple[int, tuple[DimensionFit, ...]], ...] = ()
    fit_preference: str = "regular"
    # The size index the chart alone gives when a strong fit adjustment (learned from returns) applies.
    unadjusted_index: int | None = None

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


def ease_for(dimension: str, chart: ParsedChart, group: str, sex: str | None = None) -> float:
    """Garment-minus-body ease the chart's fit and stretch call for (0 on body charts)."""
    if chart.kind != "garment":
        return BODY_CHART_SHOULDER_OFFSET if dimension == "shoulder" else 0.0
    if dimension == "shoulder" and sex == "female":
        table: dict[str, float] | None = FEMALE_SHOULDER_EASE_CM
    else:
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
    """Everything about matching one chart for one garment group and sex that does not depend on the body.

    Per dimension k (python lists, for assembling results): its name, the body-vector position it reads,
    a scale (a garment length is a share of height), its weight and typical size step. The numpy tables
    hold the same per dimension, plus ease and the preference shifts, for the vectorised passes.
    """

    names: tuple[str, ...]
    source: list[int]
    scale: list[float]
    weights: list[float]  # normalised; 0 for dimensions that only get a verdict
    rounded_weights: list[float]
    steps: list[float]  # typical size step, for the deciding dimension
    # The K_a dimensions that decide probabilities, one row each, columns _ROW_*; and the boundaries padded
    # with -inf/+inf (K_a, S+1).
    row_table: np.ndarray
    padded: np.ndarray
    # Every dimension's ease, verdict scale (girths 1, lengths 0.5) and chart low/high per size (K, S),
    # as python lists: verdicts are computed for a handful of dimensions per product, where numpy's
    # per-call overhead costs more than the arithmetic.
    ease: list[float]
    # Per dimension, how much of the preference shift (girths; the waist takes half) and of a fit
    # adjustment's offset (cm of the chart's girth step; every size-graded dimension moves by the same
    # number of its own size steps) moves the body compared with the chart: verdicts are read on the same
    # shifted body as the probabilities.
    preference_share: list[float]
    offset_share: list[float]
    verdict_scale: list[float]
    low: list[list[float]]
    high: list[list[float]]
    garment: bool


def _plan(chart: ParsedChart, group: str, sex: str) -> _Plan:
    key = (group, sex)
    cached = chart.plans.get(key)
    if isinstance(cached, _Plan):
        return cached
    n = len(chart.dimensions)
    group_weights = GROUP_WEIGHTS.get(group, GROUP_WEIGHTS["top"])
    weights, ease, girth, waist_factor = np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n)
    source = chart.dimension_index.astype(int).copy()
    scale, sd_override = np.ones(n), np.full(n, np.nan)
    known = chart.discriminating.copy()
    for k, dimension in enumerate(chart.dimensions):
        if dimension == "length":
            ratio = LENGTH_RATIO.get((group, sex))
            if ratio is None or chart.kind != "garment":
                known[k] = False
                continue
            source[k], scale[k], sd_override[k] = _HEIGHT, ratio, LENGTH_SD
        weights[k] = group_weights.get(dimension, 0.0)
        ease[k] = ease_for(dimension, chart, group, sex)
        if dimension in GIRTHS:
            girth[k] = 1.0
            waist_factor[k] = 0.5 if dimension == "waist" else 1.0
    # A learned offset is in cm of the chart's girth step; each dimension moves by as many of its own steps
    # (a runs-small product moves height and weight rows up a size too, or they would outvote the girths).
    offset_share = chart.size_steps / chart.girth_step
    usable = known & (weights > 0)
    if not usable.any():
        # Only dimensions the category does not weigh: use them all, equally.
        usable = known
        weights = np.where(usable, 1.0, 0.0)
    weights = np.where(usable, weights, 0.0)
    weights = weights / max(weights.sum(), 1e-9)
    active = weights > 0 if len(chart.sizes) > 1 else np.zeros(n, dtype=bool)
    inf = np.full((int(active.sum()), 1), np.inf)
    centers = chart.center
    steps = np.median(np.diff(centers, axis=1), axis=1) if centers.shape[1] > 1 else np.ones(n)
    # The main dimensions: the most weighted girths (chest for tops, waist for bottoms; bust, waist and hip
    # for dresses), else the most weighted dimension. The first keeps its intervals; every other dimension
    # may be a size step loose or long. The main ones count in full, as on a chart of their own (where
    # nothing changes); the others add their evidence on top.
    ranked = np.where(girth > 0, weights, 0.0) if (girth * weights).max() > 0 else weights
    main = np.isclose(ranked, ranked.max()) & (ranked > 0)
    loose = np.where(weights > 0, SECONDARY_LOOSE_STEPS * np.maximum(steps, 0.0), 0.0)
    loose[int(main.argmax())] = 0.0
    row_weights = np.where(main, weights / max(weights[main].sum(), 1e-9), weights)
    # Below the smallest size, a secondary dimension reads as the smallest size's middle: every size is
    # loose or long there, and by how much more does not tell sizes apart (a normal tail would, steeply).
    floor = np.where(loose > 0, chart.center[:, 0], -np.inf)
    plan = _Plan(
        names=chart.dimensions,
        source=source.tolist(),
        scale=scale.tolist(),
        weights=weights.tolist(),
        rounded_weights=np.round(weights, 3).tolist(),
        steps=steps.tolist(),
        row_table=np.column_stack(
            [
                source,
                scale,
                sd_override,
                offset_share,
                row_weights,
                loose,
                floor,
                *(ease + girth * waist_factor * PREFERENCE_SHIFT[p] for p in PREFERENCES),
            ]
        )[active],
        padded=np.concatenate([-inf, chart.boundaries[active], inf], axis=1),
        ease=ease.tolist(),
        preference_share=(girth * waist_factor).tolist(),
        offset_share=offset_share.tolist(),
        verdict_scale=[1.0 if d in GIRTHS or d in ("weight", "length") else 0.5 for d in chart.dimensions],
        low=chart.low.tolist(),
        high=chart.high.tolist(),
        garment=chart.kind == "garment",
    )
    chart.plans[key] = plan
    return plan


VERDICTS = ("tight", "snug", "good", "loose")


def _verdict(value: float, low: float, high: float, ease: float, scale: float, garment: bool) -> str:
    """Garment charts: slack = garment - body - wanted ease. Body charts: where the body sits in the size's
    range; beyond its edges (by more than 1 cm) is tight/loose."""
    if garment:
        slack = (low + high) / 2.0 - value - ease
    elif value > high:
        slack = -(value - high) - 1.0
    elif value < low:
        slack = (low - value) + 1.0
    else:
        slack = 0.0
    # good (2), minus one for snug and one more for tight, plus one for loose.
    return VERDICTS[2 - (slack <= -5.0 * scale) - (slack <= -2.0 * scale) + (slack >= 4.0 * scale)]


def _dimension_fits(
    plans: Sequence[_Plan],
    indices: Sequence[int],
    offsets: Sequence[float],
    body: BodyVector,
    preference: str,
) -> list[tuple[DimensionFit, ...]]:
    """Per-dimension fits of size ``indices[i]`` of each plan's chart. Verdicts compare the body as the
    probabilities do (moved by the preference and the item's fit-adjustment offset); the body value and
    ease shown are the shopper's own."""
    means, measured = body.mean.tolist(), body.measured.tolist()
    shift = PREFERENCE_SHIFT[preference]
    result = []
    for plan, size, offset in zip(plans, indices, offsets, strict=True):
        garment = plan.garment
        preference_share, offset_share = plan.preference_share, plan.offset_share
        fits = []
        for k, name in enumerate(plan.names):
            scale = plan.scale[k]
            value = means[plan.source[k]] * scale
            if value != value:  # nan: a dimension the body does not have (length on body charts)
                continue
            low, high, ease = plan.low[k][size], plan.high[k][size], plan.ease[k]
            center = (low + high) / 2.0
            fits.append(
                DimensionFit(
                    name,
                    round(value, 1),
                    low,
                    high,
                    round(center, 1) if garment else None,
                    round(center - value, 1) if garment else None,
                    round(ease, 1) if garment else None,
                    _verdict(
                        value + preference_share[k] * shift + offset_share[k] * offset,
                        low,
                        high,
                        ease,
                        plan.verdict_scale[k],
                        garment,
                    ),
                    measured[plan.source[k]] if scale == 1.0 else False,
                    plan.rounded_weights[k],
                )
            )
        result.append(tuple(fits))
    return result


def match(
    chart: ParsedChart,
    body: BodyVector,
    group: str,
    fit_preference: str = "regular",
    adjustment: FitAdjustment = NO_ADJUSTMENT,
) -> SizeMatch:
    """Probabilities for every size of ``chart``, the recommended size and per-dimension fit."""
    return match_many([(chart, group, adjustment)], body, fit_preference)[0]


def size_probabilities(
    requests: Sequence[tuple[ParsedChart, str, FitAdjustment]],
    body: BodyVector,
    fit_preference: str = "regular",
) -> np.ndarray:
    """Only the size probabilities of ``match_many`` (items x widest chart; sizes a chart lacks are 0)."""
    if not requests:
        return np.zeros((0, 0))
    plans = [_plan(chart, group, body.sex) for chart, group, _ in requests]
    widths = np.array([len(chart.sizes) for chart, _, _ in requests])
    return _probabilities(requests, plans, widths, body, fit_preference)


def _probabilities(
    requests: Sequence[tuple[ParsedChart, str, FitAdjustment]],
    plans: Sequence[_Plan],
    widths: np.ndarray,
    body: BodyVector,
    fit_preference: str,
) -> np.ndarray:
    counts = [len(plan.row_table) for plan in plans]
    total_rows, widest = sum(counts), int(widths.max())
    # Log-probabilities per item and size; sizes a chart does not have stay at -inf. An item with no
    # deciding dimension gets a flat distribution, not a guess.
    beyond_chart = np.arange(widest)[None, :] >= widths[:, None]
    pooled = np.where(beyond_chart, -np.inf, 0.0)
    if total_rows:
        preference = fit_preference if fit_preference in PREFERENCE_SHIFT else "regular"
        rows = np.concatenate([plan.row_table for plan in plans])
        source = rows[:, _ROW_SOURCE].astype(int)
        sd_override = rows[:, _ROW_SD_OVERRIDE]
        offsets = np.array([adjustment.offset_cm for _, _, adjustment in requests]).repeat(counts)
        compared = np.maximum(
            body.mean[source] * rows[:, _ROW_SCALE]
            + rows[:, _ROW_STATIC + PREFERENCES.index(preference)]
            + offsets * rows[:, _ROW_OFFSET],
            rows[:, _ROW_FLOOR],
        )
        sd = np.where(np.isnan(sd_override), body.sd[source], sd_override)
        padded = np.full((total_rows, widest + 1), np.inf)
        row = 0
        for plan, count in zip(plans, counts, strict=True):
            if count:
                padded[row : row + count, : plan.padded.shape[1]] = plan.padded
                row += count
        z = (padded - compared[:, None]) / sd[:, None]
        lower = z[:, :-1] - (rows[:, _ROW_LOOSE] / sd)[:, None]
        weighted = _log_interval_mass(lower, z[:, 1:]) * rows[:, _ROW_WEIGHT, None]
        with_rows = [item for item, count in enumerate(counts) if count]
        starts = list(accumulate([counts[item] for item in with_rows[:-1]], initial=0))
        sums = np.add.reduceat(weighted, starts, axis=0)
        pooled[with_rows] = np.where(beyond_chart[with_rows], -np.inf, sums)
    pooled -= pooled.max(axis=1, keepdims=True)
    probabilities = np.exp(pooled)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities


def match_many(
    requests: Sequence[tuple[ParsedChart, str, FitAdjustment]],
    body: BodyVector,
    fit_preference: str = "regular",
    neighbours: bool = False,
) -> list[SizeMatch]:
    """``match`` for many (chart, garment group, adjustment) at once: one vectorised pass for all charts.
    ``neighbours`` also fits the sizes either side of each recommended one (in the same pass)."""
    if not requests:
        return []
    plans = [_plan(chart, group, body.sex) for chart, group, _ in requests]
    widths = np.array([len(chart.sizes) for chart, _, _ in requests])
    n_items, widest = len(requests), int(widths.max())
    preference = fit_preference if fit_preference in PREFERENCE_SHIFT else "regular"
    probabilities = _probabilities(requests, plans, widths, body, preference)
    best = probabilities.argmax(axis=1)
    unadjusted = _unadjusted_indices(requests, plans, widths, body, preference)
    # Close call: the best size is not clearly ahead (sizes a chart does not have are 0 here).
    top_two = np.sort(probabilities, axis=1)[:, -2:] if widest > 1 else np.zeros((n_items, 2))
    close = ((top_two[:, 1] < 0.6) | (top_two[:, 0] >= 0.3)) & (widths > 1)
    best_list, widths_list = best.tolist(), widths.tolist()
    fitted_plans, fitted_indices = list(plans), list(best_list)
    fitted_offsets = [adjustment.offset_cm for _, _, adjustment in requests]
    beside: list[list[int]] = [[] for _ in plans]
    if neighbours:
        for item, (plan, index) in enumerate(zip(plans, best_list, strict=True)):
            for other in (index - 1, index + 1):
                if 0 <= other < widths_list[item]:
                    beside[item].append(len(fitted_plans))
                    fitted_plans.append(plan)
                    fitted_indices.append(other)
                    fitted_offsets.append(fitted_offsets[item])
    fits = _dimension_fits(fitted_plans, fitted_indices, fitted_offsets, body, preference)
    rounded = probabilities.round(4).tolist()
    body_sd, measured = body.sd.tolist(), body.measured.tolist()
    return [
        SizeMatch(
            chart=chart,
            probabilities=probabilities[item, : widths_list[item]],
            index=index,
            dimensions=fits[item],
            deciding_dimension=_deciding_dimension(chart, plan, body_sd, measured) if is_close else None,
            close_call=is_close,
            adjustment=adjustment,
            key=max(fits[item], key=_fit_weight, default=None),
            rounded=rounded[item][: widths_list[item]],
            neighbours=tuple([(fitted_indices[f], fits[f]) for f in beside[item]]) if neighbours else (),
            fit_preference=preference,
            unadjusted_index=unadjusted.get(item),
        )
        for item, ((chart, _, adjustment), plan, index, is_close) in enumerate(
            zip(requests, plans, best_list, close.tolist(), strict=True)
        )
    ]


def _unadjusted_indices(
    requests: Sequence[tuple[ParsedChart, str, FitAdjustment]],
    plans: Sequence[_Plan],
    widths: np.ndarray,
    body: BodyVector,
    fit_preference: str,
) -> dict[int, int]:
    """Item -> recommended index without its fit adjustment, for items whose adjustment the shopper is told
    about (strong); the explanation says whether the adjustment moved the size. Few items have one."""
    items = [i for i, (_, _, adj) in enumerate(requests) if adj.strong and adj.offset_cm]
    if not items:
        return {}
    plain = [(requests[i][0], requests[i][1], NO_ADJUSTMENT) for i in items]
    probabilities = _probabilities(plain, [plans[i] for i in items], widths[items], body, fit_preference)
    return dict(zip(items, probabilities.argmax(axis=1).tolist(), strict=True))


def _fit_weight(fit: DimensionFit) -> float:
    return fit.weight


def _deciding_dimension(
    chart: ParsedChart, plan: _Plan, body_sd: list[float], measured: list[bool]
) -> str | None:
    """The unmeasured body dimension whose uncertainty, relative to the size step, matters most."""
    best_name, best_score = None, 0.0
    for k, dimension in enumerate(chart.dimensions):
        weight = plan.weights[k]
        if weight <= 0 or dimension not in DIMENSIONS or measured[plan.source[k]]:
            continue
        score = weight * body_sd[plan.source[k]] / max(plan.steps[k], 0.5)
        if score > best_score:
            best_name, best_score = dimension, score
    return best_name
