"""SizingService: body estimates and per-product size recommendations, loaded once per process.

Charts and the product -> chart resolution of each merchant are cached as parsed numpy arrays and
keyed by ``merchants.catalog_version`` (rechecked at most every ``version_check_seconds``, and dropped
at once by ``invalidate`` which web/app.py registers as a catalog listener).

Chart resolution for a product: its ``size_chart_id``; else a chart of the same merchant with the same
brand, category and gender; else the same category and gender; else none (an honest "no size chart").
A product is matched against that chart restricted to the sizes it is sold in (its variants, matched however
they are spelled, see size_systems.SizeLookup) and named as the product names them, so the recommended size,
the alternatives and the neighbours are always sizes one can buy. A product with no variants uses the whole
chart; one none of whose sizes is on the chart gets an honest ``no_chart`` answer naming its chart.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from catalog.models import Merchant, Product, RecommendationEvent, SizeChart, Variant
from catalog.taxonomy import CATEGORIES, canonical, garment_group
from fitguide.db import Database
from fitguide.errors import InvalidInput, Issue, NotFound
from sizing import explain
from sizing.body_model import DIMENSIONS, BodyEstimate, BodyModel
from sizing.charts import ParsedChart, parse_chart, restrict_chart
from sizing.matching import BodyVector, SizeMatch, ease_for, match_many, size_probabilities
from sizing.protocols import NO_ADJUSTMENT, FeedbackSizing, FitAdjuster, FitAdjustment, NoFitAdjustment
from sizing.schemas import (
    BodyInput,
    EstimateResponse,
    MeasurementOut,
    Recommendation,
    ReferenceGarment,
    ResolvedBody,
    resolve_body,
)
from sizing.size_systems import body_type, normalize_size_label

# The girth a reference garment of each group pins down best.
REFERENCE_DIMENSION = {
    "top": "chest",
    "outerwear": "chest",
    "dress": "chest",
    "bottom": "waist",
    "onepiece": "hip",
    "innerwear": "chest",
}
ESTIMATE_CACHE_SIZE = 2048
REFERENCE_FIT_SD_CM = 2.0  # people wear a size over a little more than its nominal range
# A reference garment named by brand alone ("I wear M in brand X") is read on the brand's chart of the
# product's category, else of its garment group, else of these groups in order (then in taxonomy order:
# T-shirts first). A bare letter size most often means a top, and the chest a top pins down is the girth
# the body model knows least precisely.
REFERENCE_GROUP_ORDER = ("top", "outerwear", "dress", "innerwear", "onepiece", "bottom")
_CATEGORY_ORDER = {term.name: i for i, term in enumerate(CATEGORIES)}
_GENDER_SEX = {"men": "male", "women": "female"}
_SEX_GENDER = {"male": "men", "female": "women"}
_LOADS = count()
# (reference as JSON, sex, category of the product asked about or None): a MerchantCharts.references key.
ReferenceKey = tuple[str, str, str | None]
Observation = tuple[str, float, float]  # (dimension, value cm, sd cm)


@dataclass(frozen=True)
class ProductSizing:
    sku: str
    brand: str | None
    category: str | None
    gender: str | None
    chart_id: str | None  # resolved chart, None when the merchant has none that fits
    group: str = "top"  # garment group of the category
    # What the product is matched against: the resolved chart restricted to the sizes it is sold in, named
    # as the product names them. None with a chart_id when no size the product is sold in is on the chart.
    chart: ParsedChart | None = field(default=None, compare=False, repr=False)
    # The product's sizes when none of them is on its chart (answered honestly, never with chart sizes).
    sizes_off_chart: tuple[str, ...] = ()
    # Where chart_id came from: "own" (the product's size_chart_id), "brand" (its brand's chart of its
    # category and gender) or "shop" (another chart of the shop for the category and gender).
    chart_source: str = "own"


@dataclass
class MerchantCharts:
    catalog_version: int
    checked_at: float
    charts: dict[str, ParsedChart]
    products: dict[str, ProductSizing]
    # Unique per load (an id() can be reused once an old chart set is freed): keys the size gaps of
    # feedback lines placed on these charts.
    serial: int = field(default_factory=lambda: next(_LOADS))
    # (chart id, sizes offered) -> the chart restricted to them, shared by the products sold in them.
    restricted: dict[tuple[str, tuple[str, ...]], ParsedChart] = field(default_factory=dict)
    # Reference garments read on these charts (filled lazily; a dict store is atomic under the GIL).
    references: dict[ReferenceKey, Observation] = field(default_factory=dict)


def _norm(value: str | None) -> str | None:
    return value.strip().lower() if value else None


def _load_merchant(database: Database, merchant_id: str) -> MerchantCharts:
    with database.session() as session:
        merchant = session.get(Merchant, merchant_id)
        if merchant is None:
            raise NotFound(
                f"Unknown merchant '{merchant_id}'", f"商家 '{merchant_id}' 不存在", code="unknown_merchant"
            )
        version = merchant.catalog_version
        chart_rows = session.scalars(select(SizeChart).where(SizeChart.merchant_id == merchant_id)).all()
        charts: dict[str, ParsedChart] = {}
        by_brand: dict[tuple[str | None, str | None, str | None], str] = {}
        by_category: dict[tuple[str | None, str | None], str] = {}
        for row in sorted(chart_rows, key=lambda c: c.chart_id):
            try:
                parsed = parse_chart(
                    row.chart_id,
                    row.rows or [],
                    row.kind,
                    row.fit,
                    row.stretch,
                    row.brand,
                    row.category,
                    row.gender,
                    row.name,
                )
            except InvalidInput:
                continue  # an unusable chart behaves like no chart; the upload reported it already
            charts[row.chart_id] = parsed
            key = (_norm(row.category), _norm(row.gender))
            by_brand.setdefault((_norm(row.brand), *key), row.chart_id)
            by_category.setdefault(key, row.chart_id)
        rows = session.execute(
            select(Product.sku, Product.brand, Product.category, Product.gender, Product.size_chart_id).where(
                Product.merchant_id == merchant_id
            )
        ).all()
        # Every product's sizes in one query (sold-out sizes included: they are still the product's sizes).
        offered: dict[str, list[str]] = {}
        for sku, size_label in session.execute(
            select(Product.sku, Variant.size_label)
            .join(Variant, Variant.product_id == Product.id)
            .where(Product.merchant_id == merchant_id)
        ):
            offered.setdefault(sku, []).append(size_label)
    loaded = MerchantCharts(version, time.monotonic(), charts, {})
    # Many products share a chart and a size list: each combination is read once.
    matched: dict[tuple[str, tuple[str, ...]], ParsedChart | None] = {}
    groups: dict[str | None, str] = {}
    for sku, brand, category, gender, size_chart_id in rows:
        key = (_norm(category), _norm(gender))
        chart_id = size_chart_id if size_chart_id in charts else None
        source = "own"
        if chart_id is None:
            # A brandless product finds a brandless chart by "brand": that is still a shop chart.
            chart_id = by_brand.get((_norm(brand), *key)) if _norm(brand) else None
            source = "brand"
            if chart_id is None:
                chart_id, source = by_category.get(key), "shop"
        chart = charts[chart_id] if chart_id is not None else None
        sizes_off_chart: tuple[str, ...] = ()
        if chart is not None and sku in offered:
            sold = (chart.chart_id, tuple(sorted(offered[sku])))
            if sold not in matched:
                matched[sold] = _offered_chart(loaded, chart, sold[1])
            if matched[sold] is None:
                sizes_off_chart = sold[1]
            chart = matched[sold]
        if category not in groups:
            groups[category] = garment_group(category)
        loaded.products[sku] = ProductSizing(
            sku, brand, category, gender, chart_id, groups[category], chart, sizes_off_chart, source
        )
    return loaded


def _offered_chart(loaded: MerchantCharts, chart: ParsedChart, sizes: Sequence[str]) -> ParsedChart | None:
    """``chart`` restricted to the ``sizes`` a product is sold in, with the product's own labels; None when
    none of them is on the chart (recommending the chart's sizes would name sizes the product does not sell).

    A product label matches a chart label spelled differently (see SizeLookup: '2XL' = 'XXL', '170/88' =
    '170/88A', 'W30' = '30'). Several product sizes on one chart size (W30 L32, W30 L34) share its column,
    labelled with all of them."""
    names: dict[str, list[str]] = {}
    for size in sizes:
        index = chart.index(size)
        if index is not None:
            label = chart.sizes[index]
            # The same size in canonical spelling ('xxl', '2XL') keeps the chart's label (the catalog stores
            # labels canonical); another spelling ('170/88', 'W30') is named as the product sells it.
            same = normalize_size_label(size) == normalize_size_label(label)
            names.setdefault(label, []).append(label if same else size)
    if not names:
        return None
    labels = {label: " / ".join(dict.fromkeys(products)) for label, products in names.items()}
    if len(names) == len(chart.sizes) and all(label == shown for label, shown in labels.items()):
        return chart
    kept = tuple(label for label in chart.sizes if label in names)
    key = (chart.chart_id, tuple(labels[label] for label in kept))
    if key not in loaded.restricted:
        loaded.restricted[key] = restrict_chart(chart, kept, labels)
    return loaded.restricted[key]


class SizingService:
    """Loaded once in the web lifespan; every method is thread-safe and cheap."""

    def __init__(
        self,
        body_model: BodyModel,
        database: Database,
        fit_adjuster: FitAdjuster | None = None,
        version_check_seconds: float = 2.0,
    ) -> None:
        self.body_model = body_model
        self.database = database
        self.fit_adjuster: FitAdjuster = fit_adjuster or NoFitAdjustment()
        self.version_check_seconds = version_check_seconds
        self._cache: dict[str, MerchantCharts] = {}
        self._lock = threading.Lock()
        # The same shopper asks about many products: their body estimate is reused (oldest dropped first).
        self._estimates: OrderedDict[tuple[object, ...], tuple[BodyEstimate, BodyVector]] = OrderedDict()
        # Per merchant: the chart set's serial and the size gap of every feedback line seen with it.
        self._gaps: dict[str, tuple[int, dict[tuple[str, str, str], float]]] = {}

    # ----- charts -----

    def invalidate(self, merchant_id: str) -> None:
        """Forget a merchant's charts (registered as a catalog listener)."""
        with self._lock:
            self._cache.pop(merchant_id, None)

    def merchant_charts(self, merchant_id: str) -> MerchantCharts:
        cached = self._cache.get(merchant_id)
        now = time.monotonic()
        if cached is not None and now - cached.checked_at < self.version_check_seconds:
            return cached
        if cached is not None:
            with self.database.session() as session:
                version = session.scalar(select(Merchant.catalog_version).where(Merchant.id == merchant_id))
            if version == cached.catalog_version:
                cached.checked_at = now
                return cached
        loaded = _load_merchant(self.database, merchant_id)
        with self._lock:
            self._cache[merchant_id] = loaded
        return loaded

    # ----- body -----

    def estimate_body(
        self, body: ResolvedBody, sex: str, charts: MerchantCharts | None = None, category: str | None = None
    ) -> BodyEstimate:
        """Body estimate conditioned on measured values, bra size, body shape and a reference garment
        (read on ``charts``; ``category`` is that of the product asked about, if any)."""
        return self._body(body, sex, self._reference(body, sex, charts, category))[0]

    def _reference(
        self, body: ResolvedBody, sex: str, charts: MerchantCharts | None, category: str | None
    ) -> Observation | None:
        """The body's reference garment as an observation, cached on the chart set it was read on."""
        if body.reference is None or charts is None:
            return None
        # The product's category only matters when the shopper did not say what kind of garment it was.
        key = (body.reference.model_dump_json(), sex, None if body.reference.category else category)
        observation = charts.references.get(key)
        if observation is None:
            observation = self._reference_observation(body.reference, charts, sex, key[2])
            charts.references[key] = observation
        return observation

    def _body(
        self, body: ResolvedBody, sex: str, reference: Observation | None
    ) -> tuple[BodyEstimate, BodyVector]:
        """The estimate and its chart-order vector for matching, both cached per body (and reference)."""
        key = (*body.cache_key(), sex, reference)
        cached = self._estimates.get(key)
        if cached is not None:
            return cached
        estimate = self._estimate_body(body, sex, reference)
        pair = (estimate, BodyVector.from_estimate(estimate, body.height_cm, body.weight_kg))
        with self._lock:
            self._estimates[key] = pair
            if len(self._estimates) > ESTIMATE_CACHE_SIZE:
                self._estimates.popitem(last=False)
        return pair

    def _estimate_body(self, body: ResolvedBody, sex: str, reference: Observation | None) -> BodyEstimate:
        observations = dict(body.observations)
        if body.shape_shifts:
            prior = self.body_model.estimate(sex, body.height_cm, body.weight_kg, body.age)
            prior_sd = prior.sd
            for dimension, shift in body.shape_shifts:
                index = DIMENSIONS.index(dimension)
                if dimension not in body.measured and dimension not in observations:
                    observations[dimension] = (
                        float(prior.mean[index] + shift * prior_sd[index]),
                        float(prior_sd[index]),
                    )
        if reference is not None:
            dimension, value, sd = reference
            if dimension not in body.measured:
                observations[dimension] = (value, sd)
        return self.body_model.estimate(
            sex, body.height_cm, body.weight_kg, body.age, measured=body.measured, observations=observations
        )

    def _reference_observation(
        self, reference: ReferenceGarment, charts: MerchantCharts, sex: str, category: str | None
    ) -> Observation:
        """'I wear M in brand X' as a noisy observation of the girth that chart row covers."""
        chart: ParsedChart | None = None
        if reference.chart_id:
            chart = charts.charts.get(reference.chart_id)
        if chart is None and reference.sku and reference.sku in charts.products:
            chart_id = charts.products[reference.sku].chart_id
            chart = charts.charts.get(chart_id) if chart_id else None
        if chart is None and reference.brand:
            chart = _brand_chart(reference, charts, sex, category)
        named = reference.brand or reference.chart_id or reference.sku
        if named is None:
            raise InvalidInput(
                f"The reference garment (size {reference.size}) needs a brand, chart_id or sku "
                "to know which size chart it is on",
                f"参考商品（{reference.size} 码）需要提供品牌（brand）、尺码表（chart_id）或商品（sku），"
                "才能知道按哪张尺码表读取",
                issues=[
                    Issue(
                        reason="reference needs a brand, chart_id or sku besides the size",
                        reason_zh="参考商品除尺码外还需要品牌、尺码表或商品",
                        column="reference.brand",
                        value=None,
                        code="missing",
                    )
                ],
                code="unknown_reference",
            )
        if chart is None:
            raise InvalidInput(
                f"No size chart is known for the reference garment '{named}'",
                f"没有找到参考商品 '{named}' 的尺码表",
                issues=[
                    Issue(
                        reason="no size chart is known for this brand, chart or product",
                        reason_zh="不认识该品牌、尺码表或商品",
                        column="reference",
                        value=named,
                    )
                ],
                code="unknown_reference",
            )
        index = chart.index(reference.size)
        if index is None:
            raise _reference_size_error(reference.size, chart.chart_id, chart.sizes)
        chart_group = garment_group(chart.category)
        wanted = REFERENCE_DIMENSION.get(chart_group, "chest")
        dimension = (
            wanted
            if wanted in chart.dimensions
            else next((d for d in chart.dimensions if d in ("chest", "waist", "hip")), None)
        )
        if dimension is None:
            raise InvalidInput(
                f"Chart {chart.chart_id} has no girth to compare",
                f"尺码表 {chart.chart_id} 没有可比较的围度",
                issues=[
                    Issue(
                        reason="the reference chart lists no chest, waist or hip",
                        reason_zh="参考尺码表没有胸围、腰围或臀围",
                        column="reference",
                        value=chart.chart_id,
                    )
                ],
                code="unusable_reference",
            )
        k = chart.dimensions.index(dimension)
        # The size covers the body interval between its boundaries with its neighbours.
        lower = chart.boundaries[k, index - 1] if index > 0 else chart.low[k, index] - 2.0
        upper = chart.boundaries[k, index] if index < len(chart.sizes) - 1 else chart.high[k, index] + 2.0
        ease = ease_for(dimension, chart, chart_group)
        width = max(float(upper - lower), 1.0)
        value = float((lower + upper) / 2.0 - ease)
        return dimension, value, float((width**2 / 12.0 + REFERENCE_FIT_SD_CM**2) ** 0.5)

    def estimate(
        self, body_input: BodyInput, lang: str = "en", merchant_id: str | None = None
    ) -> EstimateResponse:
        """Body measurements and GB/T 号型. A reference garment is read on ``merchant_id``'s brand charts."""
        body = resolve_body(body_input)
        if body.sex is None:
            raise InvalidInput(
                "sex is required to estimate body measurements",
                "估算身体尺寸需要性别",
                issues=[
                    Issue(
                        reason="sex is required (female or male)",
                        reason_zh="需要性别（女或男）",
                        column="sex",
                        value=None,
                        code="missing",
                    )
                ],
                code="invalid_body",
            )
        charts = self.merchant_charts(merchant_id) if merchant_id else None
        if body.reference is not None and charts is None:
            raise InvalidInput(
                "A reference garment needs merchant_id: size charts belong to a merchant",
                "参考商品需要提供 merchant_id：尺码表属于商家",
                issues=[
                    Issue(
                        reason="merchant_id is required to read a reference garment",
                        reason_zh="读取参考商品需要 merchant_id",
                        column="merchant_id",
                        value=None,
                        code="missing",
                    )
                ],
                code="unknown_reference",
            )
        estimate = self.estimate_body(body, body.sex, charts)
        measurements = [
            MeasurementOut(
                dimension=dimension,
                label=explain.dimension_label(dimension, lang),
                estimate_cm=round(float(estimate.mean[i]), 1),
                low_cm=round(float(estimate.low[i]), 1),
                high_cm=round(float(estimate.high[i]), 1),
                measured=dimension in estimate.measured,
            )
            for i, dimension in enumerate(DIMENSIONS)
        ]
        top = explain.haoxing(body.height_cm, estimate, "top")
        bottom = explain.haoxing(body.height_cm, estimate, "bottom")
        text = (
            f"你的号型是 {top}（上装），{bottom}（下装）。区间为 80% 置信区间。"
            if lang == "zh"
            else f"Your GB/T size code is {top} (tops), {bottom} (bottoms); ranges are 80% intervals."
        )
        return EstimateResponse(
            sex=body.sex,
            height_cm=body.height_cm,
            weight_kg=body.weight_kg,
            measurements=measurements,
            haoxing_top=top,
            haoxing_bottom=bottom,
            body_type=body_type(estimate.value("chest"), estimate.value("waist"), body.sex),
            explanation=text,
        )

    # ----- recommendations -----

    def recommend(
        self, merchant_id: str, sku: str, body: BodyInput, fit_preference: str | None = None, lang: str = "en"
    ) -> Recommendation:
        charts = self.merchant_charts(merchant_id)
        if sku not in charts.products:
            raise NotFound(
                f"Unknown product '{sku}' for merchant '{merchant_id}'",
                f"商家 '{merchant_id}' 没有商品 '{sku}'",
                issues=[
                    Issue(
                        reason="unknown sku", reason_zh="商品不存在", column="sku", value=sku, code="unknown"
                    )
                ],
                code="unknown_sku",
            )
        return self.recommend_batch(merchant_id, [sku], body, fit_preference, lang, neighbours=True)[sku]

    def recommend_batch(
        self,
        merchant_id: str,
        skus: Sequence[str],
        body: BodyInput,
        fit_preference: str | None = None,
        lang: str = "en",
        neighbours: bool = False,
    ) -> dict[str, Recommendation]:
        """One recommendation per known sku (unknown skus are left out; the router reports them).

        ``neighbours`` adds the per-dimension fit of the sizes next to the recommended one (the widget's
        fit view of a single product; a result page does not need it)."""
        resolved = resolve_body(body, fit_preference)
        charts = self.merchant_charts(merchant_id)
        preference = resolved.fit_preference or "regular"
        # One body estimate per sex (and, for a reference garment named by brand alone, per category:
        # "M in brand X" is read on the brand's chart of the kind of product asked about).
        by_category = resolved.reference is not None and not resolved.reference.category
        bodies: dict[tuple[str, str | None], tuple[BodyEstimate, BodyVector]] = {}
        # Products sharing a matching chart (the same chart and the same sizes offered), garment group, body
        # and fit adjustment share one answer. Charts and adjustments are keyed by identity (hashing costs
        # more than the matching); equal but distinct adjustments only miss the sharing.
        adjustments: dict[int, FitAdjustment] = {}
        matched: dict[int, ParsedChart] = {}
        off_chart: dict[int, ProductSizing] = {}  # products none of whose sizes is on their chart
        keys: dict[str, tuple[int, str, tuple[str, str | None], int, str]] = {}
        for sku in skus:
            product = charts.products.get(sku)
            if product is None or sku in keys:
                continue
            sex = resolved.sex or _GENDER_SEX.get(product.gender or "", "female")
            body_key = (sex, product.category if by_category else None)
            if body_key not in bodies:
                reference = self._reference(resolved, sex, charts, body_key[1])
                bodies[body_key] = self._body(resolved, sex, reference)
            adjustment = self.fit_adjuster.adjustment(merchant_id, sku)
            adjustments[id(adjustment)] = adjustment
            chart = product.chart
            chart_key = 0
            if chart is not None:
                chart_key = id(chart)
                matched[chart_key] = chart
            elif product.sizes_off_chart:
                chart_key = id(product)
                off_chart[chart_key] = product
            keys[sku] = (chart_key, product.group, body_key, id(adjustment), product.chart_source)
        answers: dict[tuple[int, str, tuple[str, str | None], int, str], Recommendation] = {}
        for body_key, (estimate, vector) in bodies.items():
            distinct = [k for k in dict.fromkeys(keys.values()) if k[2] == body_key]
            with_chart = [(k, matched[k[0]]) for k in distinct if k[0] in matched]
            matches = match_many(
                [(chart, k[1], adjustments[k[3]]) for k, chart in with_chart], vector, preference, neighbours
            )
            # The 号型 depends on the body and the garment group only.
            codes = {
                group: explain.haoxing(resolved.height_cm, estimate, group)
                for group in {k[1] for k in distinct}
            }
            for (key, _), size_match in zip(with_chart, matches, strict=True):
                answers[key] = self._recommendation(
                    size_match, codes[key[1]], resolved, lang, neighbours, key[4]
                )
            for key in distinct:
                if key[0] in off_chart:
                    answers[key] = _sizes_off_chart(off_chart[key[0]], codes[key[1]], lang)
                elif key not in answers:
                    answers[key] = _no_chart("", codes[key[1]], lang)
        results: dict[str, Recommendation] = {}
        for sku, key in keys.items():
            answer = answers[key]
            # The first product of a shared answer takes it; the others get a copy.
            results[sku] = replace(answer, sku=sku) if answer.sku else answer
            answer.sku = answer.sku or sku
        return results

    # ----- learning from returns -----

    def size_gaps(self, merchant_id: str, lines: Sequence[FeedbackSizing]) -> list[float]:
        """``SizeGapSource``: where each buyer's body sits on the product's chart relative to the size bought.

        The expected size index under the chart's size probabilities (before any learned fit adjustment,
        which is what the gaps feed) minus the bought size's index. The whole chart, not only the sizes the
        product is sold in: the gap measures the body against the chart's own size steps."""
        charts = self.merchant_charts(merchant_id)
        # A line's gap changes only with the charts: a refit after new feedback computes the new lines only.
        serial, known = self._gaps.get(merchant_id, (None, {}))
        if serial != charts.serial:
            known = {}
            self._gaps[merchant_id] = (charts.serial, known)
        vectors: dict[tuple[str, str, str | None], BodyVector | None] = {}  # repeat buyers are read once
        gaps: list[float] = []
        for sku, size_label, raw_body in lines:
            product = charts.products.get(sku)
            chart = charts.charts.get(product.chart_id or "") if product is not None else None
            if product is None or chart is None or not raw_body:
                gaps.append(0.0)
                continue
            line_key = (sku, size_label, json.dumps(raw_body, sort_keys=True))
            if line_key in known:
                gaps.append(known[line_key])
                continue
            bought = chart.index(size_label)
            sex = _GENDER_SEX.get(product.gender or "", "female")
            body_key = (line_key[2], sex, product.category)
            if body_key not in vectors:
                vectors[body_key] = self._feedback_body(raw_body, sex, charts, product.category)
            vector = vectors[body_key]
            if bought is None or vector is None:
                gaps.append(0.0)
                continue
            (probabilities,) = size_probabilities([(chart, product.group, NO_ADJUSTMENT)], vector)
            expected = float(probabilities[: len(chart.sizes)] @ np.arange(len(chart.sizes)))
            known[line_key] = round(expected - bought, 3)
            gaps.append(known[line_key])
        return gaps

    def _feedback_body(
        self, raw_body: Mapping[str, Any], product_sex: str, charts: MerchantCharts, category: str | None
    ) -> BodyVector | None:
        # Stored bodies were checked on upload; a rule or chart change must not block a refit.
        try:
            resolved = resolve_body(BodyInput.model_validate(raw_body))
            sex = resolved.sex or product_sex
            return self._body(resolved, sex, self._reference(resolved, sex, charts, category))[1]
        except (InvalidInput, ValueError):
            return None

    def _recommendation(
        self,
        size_match: SizeMatch,
        code: str,
        resolved: ResolvedBody,
        lang: str,
        neighbours: bool,
        chart_source: str,
    ) -> Recommendation:
        chart, adjustment = size_match.chart, size_match.adjustment
        text, summary = explain.explanation(size_match, lang, not resolved.measured)
        borrowed = explain.borrowed_chart_note(chart, chart_source, lang)
        if borrowed:
            text = f"{text}{borrowed}" if lang == "zh" else f"{text} {borrowed}"
        fit_note = (
            (adjustment.message_zh if lang == "zh" else adjustment.message) if adjustment.strong else None
        )
        probabilities = size_match.rounded
        return Recommendation(
            sku="",
            status="ok",
            size=size_match.size,
            probabilities=dict(zip(chart.sizes, probabilities, strict=True)),
            confidence=probabilities[size_match.index],
            alternatives=explain.alternatives(size_match, lang),
            dimensions=explain.dimensions_out(size_match.dimensions, lang),
            explanation=text,
            fit_summary=summary,
            haoxing=code,
            deciding_input=explain.deciding_input(size_match, lang, resolved.reference is not None),
            chart_id=chart.chart_id,
            chart_is_own=chart_source == "own",
            fit_note=fit_note,
            neighbours=explain.neighbours(size_match, lang) if neighbours else [],
        )


def _no_chart(sku: str, code: str, lang: str) -> Recommendation:
    if lang == "zh":
        text = f"这件商品没有尺码表，无法推荐尺码。你的号型是 {code}，可对照商家的尺码说明。"
        summary = "无尺码表"
    else:
        text = (
            f"This product has no size chart, so no size can be recommended. Your GB/T size code is {code}."
        )
        summary = "No size chart"
    return Recommendation(sku=sku, status="no_chart", explanation=text, fit_summary=summary, haoxing=code)


def _sizes_off_chart(product: ProductSizing, code: str, lang: str) -> Recommendation:
    """A product whose sizes are not on its chart: no size can be read off the chart honestly. Status
    ``no_chart`` (no usable chart for this product) with its chart_id, so the merchant can see which chart."""
    sizes = product.sizes_off_chart
    if lang == "zh":
        text = (
            f"这件商品的尺码（{'、'.join(sizes)}）不在它的尺码表 {product.chart_id} 上，无法推荐尺码。"
            f"你的号型是 {code}，可对照商家的尺码说明。"
        )
        summary = "尺码表中没有该商品的尺码"
    else:
        text = (
            f"This product's sizes ({', '.join(sizes)}) are not on its size chart {product.chart_id}, so no "
            f"size can be recommended. Your GB/T size code is {code}."
        )
        summary = "Sizes not on the size chart"
    return Recommendation(
        sku=product.sku,
        status="no_chart",
        explanation=text,
        fit_summary=summary,
        haoxing=code,
        chart_id=product.chart_id,
        chart_is_own=product.chart_source == "own",
    )


def record_events(database: Database, merchant_id: str, shown: Sequence[tuple[str, str | None]]) -> None:
    """Store the recommendations shown (one multi-row insert); feeds the console's usage figures."""
    if not shown:
        return
    with database.session() as session:
        session.execute(
            insert(RecommendationEvent),
            [{"merchant_id": merchant_id, "sku": sku, "size_label": size} for sku, size in shown],
        )


def _gender(value: str | None) -> str | None:
    """Canonical gender of a chart; "" for a word that is not a known gender (such as kids)."""
    if not value or not value.strip():
        return None
    return canonical("gender", value) or ""


def _category(value: str | None) -> str | None:
    return canonical("category", value) or _norm(value)


def _brand_chart(
    reference: ReferenceGarment, charts: MerchantCharts, sex: str, context: str | None
) -> ParsedChart | None:
    """The brand's chart a reference size is read on (None when the merchant has no chart of the brand).

    Only charts for the shopper's sex (or unisex, or no gender) count. The wanted category is the one the
    shopper gave, else ``context`` (the category of the product asked about). Its charts come first, then
    those of its garment group; with a category the shopper gave, no others. Then REFERENCE_GROUP_ORDER,
    taxonomy order, gender-specific before unisex, chart id. The first chart with the size wins; a size on
    none of them is an error listing the sizes those charts have.
    """
    brand = _norm(reference.brand)
    of_brand = [c for c in charts.charts.values() if _norm(c.brand) == brand]
    if not of_brand:
        return None
    gender = _SEX_GENDER.get(sex)
    fitting = [c for c in of_brand if _gender(c.gender) in (None, "unisex", gender)]
    if not fitting:
        raise _reference_error(
            f"brand {reference.brand} has no size chart for {gender}",
            f"品牌 {reference.brand} 没有{'男' if gender == 'men' else '女'}装尺码表",
            "reference",
            reference.brand,
        )
    wanted = _category(reference.category or context)
    wanted_group = garment_group(wanted) if wanted in _CATEGORY_ORDER else None
    ranks: dict[str, tuple[int, int, bool, str]] = {}
    for chart in fitting:
        category = _category(chart.category)
        group = garment_group(category)
        if category is not None and category == wanted:
            tier = 0
        elif wanted_group is not None and group == wanted_group:
            tier = 1
        elif reference.category:
            continue  # the shopper said what kind of garment: no other kind stands in for it
        else:
            tier = 2 + (REFERENCE_GROUP_ORDER.index(group) if group in REFERENCE_GROUP_ORDER else 9)
        order = _CATEGORY_ORDER.get(category or "", len(_CATEGORY_ORDER))
        ranks[chart.chart_id] = (tier, order, _gender(chart.gender) != gender, chart.chart_id)
    if not ranks:
        raise _reference_error(
            f"brand {reference.brand} has no size chart for {reference.category} ({gender})",
            f"品牌 {reference.brand} 没有 {reference.category} 的尺码表",
            "reference.category",
            reference.category,
        )
    candidates = sorted((c for c in fitting if c.chart_id in ranks), key=lambda c: ranks[c.chart_id])
    chosen = next((c for c in candidates if c.index(reference.size) is not None), None)
    if chosen is None:
        sizes = tuple(dict.fromkeys(size for c in candidates for size in c.sizes))
        raise _reference_size_error(reference.size, f"{reference.brand} ({gender})", sizes)
    return chosen


def _reference_error(reason: str, reason_zh: str, column: str, value: str | None) -> InvalidInput:
    return InvalidInput(
        f"The reference garment cannot be used: {reason}",
        f"无法使用参考商品：{reason_zh}",
        issues=[Issue(reason=reason, reason_zh=reason_zh, column=column, value=value)],
        code="unknown_reference",
    )


def _reference_size_error(size: str, where: str, sizes: Sequence[str]) -> InvalidInput:
    return InvalidInput(
        f"Size {size} is not in the size charts of {where}",
        f"{where} 的尺码表中没有 {size} 码",
        issues=[
            Issue(
                reason=f"size not in chart (sizes: {', '.join(sizes)})",
                reason_zh=f"尺码表中没有该尺码（可选：{'、'.join(sizes)}）",
                column="reference.size",
                value=size,
            )
        ],
        code="unknown_reference_size",
    )
