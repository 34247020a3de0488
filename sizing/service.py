"""SizingService: body estimates and per-product size recommendations, loaded once per process.

Charts and the product -> chart resolution of each merchant are cached as parsed numpy arrays and
keyed by ``merchants.catalog_version`` (rechecked at most every ``version_check_seconds``, and dropped
at once by ``invalidate`` which web/app.py registers as a catalog listener).

Chart resolution for a product: its ``size_chart_id``; else a chart of the same merchant with the same
brand, category and gender; else the same category and gender; else none (an honest "no size chart").
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

from catalog.models import Merchant, Product, RecommendationEvent, SizeChart
from catalog.taxonomy import garment_group
from fitguide.db import Database
from fitguide.errors import InvalidInput, Issue, NotFound
from sizing import explain
from sizing.body_model import DIMENSIONS, BodyEstimate, BodyModel
from sizing.charts import ParsedChart, parse_chart
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
_GENDER_SEX = {"men": "male", "women": "female"}
_LOADS = count()


@dataclass(frozen=True)
class ProductSizing:
    sku: str
    brand: str | None
    category: str | None
    gender: str | None
    chart_id: str | None  # resolved chart, None when the merchant has none that fits


@dataclass
class MerchantCharts:
    catalog_version: int
    checked_at: float
    charts: dict[str, ParsedChart]
    products: dict[str, ProductSizing]
    # Unique per load (an id() can be reused once an old chart set is freed): keys the body estimates
    # conditioned on a reference garment from these charts.
    serial: int = field(default_factory=lambda: next(_LOADS))


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
        products: dict[str, ProductSizing] = {}
        rows = session.execute(
            select(Product.sku, Product.brand, Product.category, Product.gender, Product.size_chart_id).where(
                Product.merchant_id == merchant_id
            )
        ).all()
        for sku, brand, category, gender, size_chart_id in rows:
            key = (_norm(category), _norm(gender))
            chart_id = size_chart_id if size_chart_id in charts else None
            if chart_id is None:
                chart_id = by_brand.get((_norm(brand), *key)) or by_category.get(key)
            products[sku] = ProductSizing(sku, brand, category, gender, chart_id)
    return MerchantCharts(version, time.monotonic(), charts, products)


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
        self, body: ResolvedBody, sex: str, charts: MerchantCharts | None = None
    ) -> BodyEstimate:
        """Body estimate conditioned on measured values, bra size, body shape and a reference garment."""
        return self._body(body, sex, charts)[0]

    def _body(
        self, body: ResolvedBody, sex: str, charts: MerchantCharts | None
    ) -> tuple[BodyEstimate, BodyVector]:
        """The estimate and its chart-order vector for matching, both cached per body."""
        reference = body.reference.model_dump_json() if body.reference is not None else None
        key = (*body.cache_key(), sex, reference, charts.serial if reference and charts else None)
        cached = self._estimates.get(key)
        if cached is not None:
            return cached
        estimate = self._estimate_body(body, sex, charts)
        pair = (estimate, BodyVector.from_estimate(estimate, body.height_cm, body.weight_kg))
        with self._lock:
            self._estimates[key] = pair
            if len(self._estimates) > ESTIMATE_CACHE_SIZE:
                self._estimates.popitem(last=False)
        return pair

    def _estimate_body(self, body: ResolvedBody, sex: str, charts: MerchantCharts | None) -> BodyEstimate:
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
        if body.reference is not None and charts is not None:
            dimension, value, sd = self._reference_observation(body.reference, charts)
            if dimension not in body.measured:
                observations[dimension] = (value, sd)
        return self.body_model.estimate(
            sex, body.height_cm, body.weight_kg, body.age, measured=body.measured, observations=observations
        )

    def _reference_observation(
        self, reference: ReferenceGarment, charts: MerchantCharts
    ) -> tuple[str, float, float]:
        """'I wear M in brand X' as a noisy observation of the girth that chart row covers."""
        chart: ParsedChart | None = None
        if reference.chart_id:
            chart = charts.charts.get(reference.chart_id)
        if chart is None and reference.sku and reference.sku in charts.products:
            chart_id = charts.products[reference.sku].chart_id
            chart = charts.charts.get(chart_id) if chart_id else None
        if chart is None and reference.brand:
            brand = _norm(reference.brand)
            candidates = [c for c in charts.charts.values() if _norm(c.brand) == brand]
            if reference.category:
                candidates = [
                    c for c in candidates if _norm(c.category) == _norm(reference.category)
                ] or candidates
            chart = candidates[0] if candidates else None
        if chart is None:
            raise InvalidInput(
                "No size chart is known for the reference garment",
                "没有找到参考商品的尺码表",
                issues=[
                    Issue(
                        reason="no size chart is known for this brand, chart or product",
                        reason_zh="不认识该品牌、尺码表或商品",
                        column="reference",
                        value=reference.brand or reference.chart_id or reference.sku,
                    )
                ],
                code="unknown_reference",
            )
        index = chart.index(reference.size)
        if index is None:
            raise InvalidInput(
                f"Size {reference.size} is not in chart {chart.chart_id}",
                f"尺码表 {chart.chart_id} 中没有 {reference.size} 码",
                issues=[
                    Issue(
                        reason=f"size not in chart (sizes: {', '.join(chart.sizes)})",
                        reason_zh=f"尺码表中没有该尺码（可选：{'、'.join(chart.sizes)}）",
                        column="reference.size",
                        value=reference.size,
                    )
                ],
                code="unknown_reference_size",
            )
        group = garment_group(chart.category)
        wanted = REFERENCE_DIMENSION.get(group, "chest")
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
        ease = ease_for(dimension, chart, group)
        width = max(float(upper - lower), 1.0)
        value = float((lower + upper) / 2.0 - ease)
        return dimension, value, float((width**2 / 12.0 + REFERENCE_FIT_SD_CM**2) ** 0.5)

    def estimate(self, body_input: BodyInput, lang: str = "en") -> EstimateResponse:
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
        estimate = self.estimate_body(body, body.sex)
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
            else f"Your GB/T size code is {top} (tops); ranges are 80% intervals."
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
        vectors: dict[str, tuple[BodyEstimate, BodyVector]] = {}
        # Products sharing a chart, garment group, sex and fit adjustment share one answer. Adjustments are
        # keyed by identity (hashing the dataclass costs more than the matching); equal but distinct ones
        # only miss the sharing.
        adjustments: dict[int, FitAdjustment] = {}
        keys: dict[str, tuple[str | None, str, str, int]] = {}
        for sku in skus:
            product = charts.products.get(sku)
            if product is None or sku in keys:
                continue
            sex = resolved.sex or _GENDER_SEX.get(product.gender or "", "female")
            if sex not in vectors:
                vectors[sex] = self._body(resolved, sex, charts)
            adjustment = self.fit_adjuster.adjustment(merchant_id, sku)
            adjustments[id(adjustment)] = adjustment
            keys[sku] = (product.chart_id, garment_group(product.category), sex, id(adjustment))
        answers: dict[tuple[str | None, str, str, int], Recommendation] = {}
        for sex, (estimate, vector) in vectors.items():
            distinct = [k for k in dict.fromkeys(keys.values()) if k[2] == sex]
            with_chart = [
                (k, charts.charts[k[0]]) for k in distinct if k[0] is not None and k[0] in charts.charts
            ]
            matches = match_many(
                [(chart, k[1], adjustments[k[3]]) for k, chart in with_chart], vector, preference, neighbours
            )
            # The 号型 depends on the body and the garment group only.
            codes = {
                group: explain.haoxing(resolved.height_cm, estimate, group)
                for group in {k[1] for k in distinct}
            }
            for (key, _), size_match in zip(with_chart, matches, strict=True):
                answers[key] = self._recommendation(size_match, codes[key[1]], resolved, lang, neighbours)
            for key in distinct:
                if key not in answers:
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
        which is what the gaps feed) minus the bought size's index."""
        charts = self.merchant_charts(merchant_id)
        # A line's gap changes only with the charts: a refit after new feedback computes the new lines only.
        serial, known = self._gaps.get(merchant_id, (None, {}))
        if serial != charts.serial:
            known = {}
            self._gaps[merchant_id] = (charts.serial, known)
        size_indices: dict[str, dict[str, int]] = {}
        vectors: dict[tuple[str, str], BodyVector | None] = {}  # repeat buyers are read once
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
            if chart.chart_id not in size_indices:
                size_indices[chart.chart_id] = {normalize_size_label(s): i for i, s in enumerate(chart.sizes)}
            bought = size_indices[chart.chart_id].get(normalize_size_label(size_label))
            sex = _GENDER_SEX.get(product.gender or "", "female")
            body_key = (line_key[2], sex)
            if body_key not in vectors:
                vectors[body_key] = self._feedback_body(raw_body, sex, charts)
            vector = vectors[body_key]
            if bought is None or vector is None:
                gaps.append(0.0)
                continue
            group = garment_group(product.category)
            (probabilities,) = size_probabilities([(chart, group, NO_ADJUSTMENT)], vector)
            expected = float(probabilities[: len(chart.sizes)] @ np.arange(len(chart.sizes)))
            known[line_key] = round(expected - bought, 3)
            gaps.append(known[line_key])
        return gaps

    def _feedback_body(
        self, raw_body: Mapping[str, Any], product_sex: str, charts: MerchantCharts
    ) -> BodyVector | None:
        try:
            resolved = resolve_body(BodyInput.model_validate(raw_body))
        except (InvalidInput, ValueError):
            return None  # stored bodies were checked on upload; a rule change must not block a refit
        return self._body(resolved, resolved.sex or product_sex, charts)[1]

    def _recommendation(
        self, size_match: SizeMatch, code: str, resolved: ResolvedBody, lang: str, neighbours: bool
    ) -> Recommendation:
        chart, adjustment = size_match.chart, size_match.adjustment
        text, summary = explain.explanation(size_match, lang, not resolved.measured)
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


def record_events(database: Database, merchant_id: str, shown: Sequence[tuple[str, str | None]]) -> None:
    """Store the recommendations shown (one multi-row insert); feeds the console's usage figures."""
    if not shown:
        return
    with database.session() as session:
        session.execute(
            insert(RecommendationEvent),
            [{"merchant_id": merchant_id, "sku": sku, "size_label": size} for sku, size in shown],
        )
