"""Learning from returns: merchants report how each order line fitted; FitGuide learns how products run.

``submit_feedback`` validates a whole batch (every bad line is reported at once, nothing is stored unless all
lines are good) and stores it idempotently on (merchant, order-line id):

- a line id seen before with the same sku, size, outcome and body is a *duplicate* and is not counted again;
- a line id seen before with a different outcome, size, sku or body *updates* the stored line (last report
  wins: a merchant correcting a line, e.g. an exchange processed after a first "kept", must not need a
  delete API). Either way one order line counts once.

Concurrent batches with overlapping ids are safe: rows go in with INSERT ... ON CONFLICT DO NOTHING on the
unique (merchant_id, line_id) constraint, on SQLite and PostgreSQL alike.

``FeedbackFitAdjuster`` fits ``sizing.fit_model.LatentFitModel`` on one merchant's feedback (products shrunk
towards their brand and category) and serves per-product ``FitAdjustment``s to the size recommender; it is
refreshed for that merchant after every accepted batch and re-checked cheaply against the database so other
worker processes pick up new feedback too.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from catalog.columns import header_key
from catalog.models import FitFeedback, Product, RecommendationEvent, SizeChart, utcnow
from catalog.tabular import Table
from fitguide.db import Database
from fitguide.errors import InvalidInput, Issue
from sizing.fit_model import LatentFitModel, ProductFit
from sizing.protocols import NO_ADJUSTMENT, FitAdjustment, SizeGapSource
from sizing.schemas import BodyInput, resolve_body
from sizing.size_systems import normalize_size_label

# Spellings merchants use for the three outcomes (RTR's small/fit/large included).
_OUTCOME_WORDS = {
    "kept": "kept",
    "keep": "kept",
    "fit": "kept",
    "fits": "kept",
    "合适": "kept",
    "保留": "kept",
    "too_small": "too_small",
    "small": "too_small",
    "偏小": "too_small",
    "太小": "too_small",
    "too_large": "too_large",
    "too_big": "too_large",
    "large": "too_large",
    "偏大": "too_large",
    "太大": "too_large",
}
REQUIRED_COLUMNS = ("id", "sku", "size", "outcome")
BODY_COLUMNS = tuple(name for name in BodyInput.model_fields if name != "reference")
# Other headers merchants' order exports use for the same columns (compared after catalog.columns.header_key,
# so case, spaces, underscores and full-width forms do not matter). An order number is not a line id: one
# order has many lines.
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("line_id", "order_line_id", "line", "订单行号", "订单行id", "行号"),
    "sku": ("商品编码", "商品编号", "商品sku", "货号"),
    "size": ("size_label", "尺码", "购买尺码", "尺寸"),
    "outcome": ("fit", "result", "结果", "反馈", "试穿结果", "合身情况"),
    "height_cm": ("身高", "身高cm", "身高(cm)"),
    "weight_kg": ("体重", "体重kg", "体重(kg)"),
    "sex": ("gender", "性别"),
    "age": ("年龄",),
    "bust_cm": ("胸围", "胸围cm"),
    "waist_cm": ("腰围", "腰围cm"),
    "hip_cm": ("臀围", "臀围cm"),
    "shoulder_cm": ("肩宽", "肩宽cm"),
    "neck_cm": ("领围", "颈围"),
    "sleeve_cm": ("袖长",),
    "inseam_cm": ("内长", "裤内长"),
    "bra_size": ("文胸尺码", "内衣尺码"),
    "body_shape": ("体型",),
    "fit_preference": ("版型偏好", "穿着偏好"),
}
_HEADER_LOOKUP = {
    header_key(alias): name
    for name in (*REQUIRED_COLUMNS, *BODY_COLUMNS)
    for alias in (name, *_HEADER_ALIASES.get(name, ()))
}
MAX_LINE_ID = 128
# Girth dimensions that define one chart step in cm; the first present in a chart is used.
_STEP_DIMENSIONS = ("chest", "bust", "waist", "hip")
DEFAULT_STEP_CM = 4.0
# How broad the returns behind a pooled (brand, category, global) offset must be before products without
# feedback of their own inherit it; see _inherited_offsets.
BRAND_POOL_MIN_PRODUCTS = 2
CATEGORY_POOL_MIN_PRODUCTS = 3
CATEGORY_POOL_MIN_BRANDS = 2
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class FeedbackLine:
    """One validated order line, ready to store."""

    row: int
    line_id: str
    sku: str
    size_label: str
    outcome: str
    body: dict[str, Any] | None


@dataclass
class FeedbackReport:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "updated": self.updated,
        }


# ----------------------------------------------------------------------------- reading


class TableRows(list[tuple[int, dict[str, Any]]]):
    """Numbered rows read from a CSV/XLSX file, with the file's own header for each field (``sku`` ->
    ``商品编码``), so issues name the column as the merchant wrote it. JSON lines keep field paths."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, Any]]], headers: dict[str, str]) -> None:
        super().__init__(rows)
        self.headers = headers


def rows_from_json(document: Any) -> list[tuple[int, dict[str, Any]]]:
    """``{"lines": [...]}`` (or a bare list) as (1-based position, object) pairs."""
    lines = document.get("lines") if isinstance(document, dict) else document
    if not isinstance(lines, list):
        raise InvalidInput(
            'Send {"lines": [{"id", "sku", "size", "outcome", "body"}, ...]}.',
            '请发送 {"lines": [{"id", "sku", "size", "outcome", "body"}, ...]}。',
            code="bad_feedback_shape",
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    issues: list[Issue] = []
    for position, line in enumerate(lines, start=1):
        if isinstance(line, dict):
            rows.append((position, line))
        else:
            issues.append(
                Issue(
                    "Each line must be an object.",
                    "每一行都必须是对象。",
                    row=position,
                    value=str(line)[:100],
                )
            )
    if issues:
        raise InvalidInput(
            "Some feedback lines are not objects.", "部分反馈行不是对象。", issues, "invalid_lines"
        )
    return rows


def rows_from_table(table: Table) -> TableRows:
    """CSV/XLSX rows (columns id, sku, size, outcome and optional body columns) as (row number, object)."""
    columns = {_HEADER_LOOKUP.get(header_key(name), name.strip().lower()): name for name in table.columns}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InvalidInput(
            f"The file lacks the column(s) {', '.join(missing)}; needed: {', '.join(REQUIRED_COLUMNS)}.",
            f"文件缺少列 {', '.join(missing)}；必需的列：{', '.join(REQUIRED_COLUMNS)}。",
            [
                Issue("missing column", "缺少列", row=1, column=name, code="missing_column")
                for name in missing
            ],
            code="missing_columns",
        )
    unknown = [
        name for key, name in columns.items() if key not in REQUIRED_COLUMNS and key not in BODY_COLUMNS
    ]
    if unknown:
        raise InvalidInput(
            f"Unknown column(s) {', '.join(unknown)}; body columns are {', '.join(BODY_COLUMNS)}.",
            f"未知的列 {', '.join(unknown)}；身体数据列为 {', '.join(BODY_COLUMNS)}。",
            [
                Issue("unknown column", "未知的列", row=1, column=name, code="unknown_column")
                for name in unknown
            ],
            code="unknown_columns",
        )
    rows = []
    for row in table.rows:
        values = {key: row.values.get(name) for key, name in columns.items()}
        body = {key: values.pop(key) for key in list(values) if key in BODY_COLUMNS}
        body = {key: value for key, value in body.items() if value not in (None, "")}
        values["body"] = body or None
        rows.append((row.number, values))
    return TableRows(rows, columns)


def _as_written(issue: Issue, headers: dict[str, str]) -> Issue:
    """The issue with its column named by the file's header: ``sku`` -> ``商品编码``, ``body.height_cm`` ->
    ``身高``. A field the file has no column for (a body check on a derived field) keeps its name."""
    if issue.column is None:
        return issue
    field_name = issue.column.removeprefix("body.")
    header = headers.get(field_name)
    return issue if header is None else replace(issue, column=header)


# ----------------------------------------------------------------------------- validating


def normalize_outcome(raw: Any) -> str | None:
    if raw is None:
        return None
    word = str(raw).strip().lower().replace("-", "_").replace(" ", "_")
    return _OUTCOME_WORDS.get(word)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _number_or_text(value: Any) -> Any:
    """CSV cells arrive as text: '170' is stored as 170.0, '5\'7"' or '120斤' stay as written."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value


def _validate_body(raw: Any, row: int, issues: list[Issue]) -> dict[str, Any] | None:
    """The optional body, checked with the size recommender's own rules; None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        issues.append(
            Issue("body must be an object", "body 必须是对象", row=row, column="body", value=str(raw)[:100])
        )
        return None
    try:
        body = BodyInput.model_validate(raw)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem.get("loc", ()))
            issues.append(
                Issue(
                    f"body.{where}: {problem.get('msg')}",
                    f"body.{where}：格式不正确",
                    row=row,
                    column=f"body.{where}",
                    value=str(problem.get("input"))[:100],
                    code="invalid_body",
                )
            )
        return None
    cleaned = {key: _number_or_text(value) for key, value in body.model_dump(exclude_none=True).items()}
    if not cleaned:
        return None
    has_size_basis = (body.height_cm is not None or body.height is not None) and (
        body.weight_kg is not None or body.weight is not None
    )
    if has_size_basis:
        # Plausibility (units, ranges) by the recommender's rules; partial bodies are stored as given.
        try:
            resolve_body(body)
        except InvalidInput as error:
            for issue in error.issues:
                issues.append(
                    Issue(
                        issue.reason,
                        issue.reason_zh,
                        row=row,
                        column=f"body.{issue.column}" if issue.column else "body",
                        value=issue.value,
                        code=issue.code,
                    )
                )
            return None
    return cleaned


def _load_products(session: Session, merchant_id: str, skus: Iterable[str]) -> dict[str, Product]:
    wanted = sorted(set(skus))
    products: dict[str, Product] = {}
    for start in range(0, len(wanted), _INSERT_CHUNK):
        chunk = wanted[start : start + _INSERT_CHUNK]
        for product in session.scalars(
            select(Product)
            .where(Product.merchant_id == merchant_id, Product.sku.in_(chunk))
            .options(selectinload(Product.variants))
        ):
            products[product.sku] = product
    return products


def validate_lines(
    session: Session, merchant_id: str, rows: Sequence[tuple[int, dict[str, Any]]]
) -> tuple[list[FeedbackLine], int]:
    """Check every line; one InvalidInput lists every bad line. Returns (lines, repeats within the batch)."""
    if not rows:
        raise InvalidInput("No feedback lines were sent.", "没有收到任何反馈行。", code="empty_feedback")
    issues: list[Issue] = []
    products = _load_products(session, merchant_id, (_text(values.get("sku")) for _, values in rows))
    lines: dict[str, FeedbackLine] = {}
    repeats = 0
    for row, values in rows:
        before = len(issues)
        unknown = sorted(set(values) - {*REQUIRED_COLUMNS, "body"})
        for name in unknown:
            issues.append(Issue("unknown field", "未知字段", row=row, column=name, code="unknown_field"))
        line_id = _text(values.get("id"))
        if not line_id:
            issues.append(
                Issue("id (the order-line id) is required", "必须提供 id（订单行号）", row=row, column="id")
            )
        elif len(line_id) > MAX_LINE_ID:
            issues.append(
                Issue(
                    f"id is longer than {MAX_LINE_ID} characters",
                    f"id 超过 {MAX_LINE_ID} 个字符",
                    row=row,
                    column="id",
                    value=line_id[:50],
                )
            )
        sku = _text(values.get("sku"))
        product = products.get(sku)
        if not sku:
            issues.append(Issue("sku is required", "必须提供 sku", row=row, column="sku"))
        elif product is None:
            issues.append(
                Issue(
                    "unknown sku for this merchant",
                    "本商家没有这个 SKU",
                    row=row,
                    column="sku",
                    value=sku,
                    code="unknown_sku",
                )
            )
        size_raw = _text(values.get("size"))
        size_label = ""
        if not size_raw:
            issues.append(Issue("size is required", "必须提供尺码", row=row, column="size"))
        elif product is not None:
            offered = {
                normalize_size_label(variant.size_label): variant.size_label for variant in product.variants
            }
            size_label = offered.get(normalize_size_label(size_raw), "")
            if not size_label:
                sizes = ", ".join(variant.size_label for variant in product.variants) or "none"
                issues.append(
                    Issue(
                        f"size not offered by this product (sizes: {sizes})",
                        f"该商品没有这个尺码（可选尺码：{sizes}）",
                        row=row,
                        column="size",
                        value=size_raw,
                        code="unknown_size",
                    )
                )
        outcome = normalize_outcome(values.get("outcome"))
        if outcome is None:
            issues.append(
                Issue(
                    "outcome must be kept, too_small or too_large",
                    "outcome 应为 kept（合适）、too_small（偏小）或 too_large（偏大）",
                    row=row,
                    column="outcome",
                    value=values.get("outcome"),
                    code="unknown_outcome",
                )
            )
        body = _validate_body(values.get("body"), row, issues)
        if len(issues) > before or outcome is None:
            continue
        line = FeedbackLine(row, line_id, sku, size_label, outcome, body)
        earlier = lines.get(line_id)
        if earlier is None:
            lines[line_id] = line
        elif (earlier.sku, earlier.size_label, earlier.outcome, earlier.body) == (
            sku,
            size_label,
            outcome,
            body,
        ):
            repeats += 1
        else:
            issues.append(
                Issue(
                    f"id repeats row {earlier.row} with different values",
                    f"id 与第 {earlier.row} 行重复但内容不同",
                    row=row,
                    column="id",
                    value=line_id,
                    code="conflicting_duplicate",
                )
            )
    if issues:
        if isinstance(rows, TableRows):
            issues = [_as_written(issue, rows.headers) for issue in issues]
        raise InvalidInput(
            f"{len({issue.row for issue in issues})} feedback line(s) are invalid; nothing was stored.",
            f"{len({issue.row for issue in issues})} 行反馈有误，未保存任何内容。",
            issues,
            code="invalid_feedback",
        )
    return list(lines.values()), repeats


# ----------------------------------------------------------------------------- storing


def _insert_ignoring_conflicts(session: Session, values: list[dict[str, Any]]) -> set[str]:
    """Insert rows, skipping line ids that already exist; returns the line ids actually inserted."""
    keys = ["merchant_id", "line_id"]
    if session.get_bind().dialect.name == "postgresql":
        on_pg = postgresql.insert(FitFeedback).values(values).on_conflict_do_nothing(index_elements=keys)
        return set(session.scalars(on_pg.returning(FitFeedback.line_id)))
    on_sqlite = sqlite.insert(FitFeedback).values(values).on_conflict_do_nothing(index_elements=keys)
    return set(session.scalars(on_sqlite.returning(FitFeedback.line_id)))


def store_feedback(session: Session, merchant_id: str, lines: Sequence[FeedbackLine]) -> FeedbackReport:
    """Insert new lines, update changed ones, count the rest as duplicates."""
    report = FeedbackReport(received=len(lines))
    now = utcnow()
    for start in range(0, len(lines), _INSERT_CHUNK):
        chunk = lines[start : start + _INSERT_CHUNK]
        inserted = _insert_ignoring_conflicts(
            session,
            [
                {
                    "merchant_id": merchant_id,
                    "line_id": line.line_id,
                    "sku": line.sku,
                    "size_label": line.size_label,
                    "outcome": line.outcome,
                    "body": line.body,
                    "created_at": now,
                }
                for line in chunk
            ],
        )
        report.accepted += len(inserted)
        existing_ids = [line.line_id for line in chunk if line.line_id not in inserted]
        if not existing_ids:
            continue
        stored = {
            row.line_id: row
            for row in session.scalars(
                select(FitFeedback).where(
                    FitFeedback.merchant_id == merchant_id, FitFeedback.line_id.in_(existing_ids)
                )
            )
        }
        for line in chunk:
            row = stored.get(line.line_id)
            if row is None:
                continue
            if (row.sku, row.size_label, row.outcome, row.body) == (
                line.sku,
                line.size_label,
                line.outcome,
                line.body,
            ):
                report.duplicates += 1
            else:
                row.sku, row.size_label, row.outcome, row.body = (
                    line.sku,
                    line.size_label,
                    line.outcome,
                    line.body,
                )
                report.updated += 1
    session.flush()
    return report


def submit_feedback(
    database: Database,
    merchant_id: str,
    rows: Sequence[tuple[int, dict[str, Any]]],
    adjuster: FeedbackFitAdjuster | None = None,
) -> dict[str, Any]:
    """Validate (all-or-nothing), store in one transaction, then refresh the merchant's fit model."""
    with database.session() as session:
        lines, repeats = validate_lines(session, merchant_id, rows)
        report = store_feedback(session, merchant_id, lines)
    report.received += repeats
    report.duplicates += repeats
    if adjuster is not None and (report.accepted or report.updated):
        adjuster.refresh(merchant_id)
    return report.as_dict()


# ----------------------------------------------------------------------------- the adjuster


def chart_step_cm(rows: Sequence[Any]) -> float:
    """Typical girth difference between neighbouring sizes of a chart (cm); 4 cm when it cannot tell."""
    for dimension in _STEP_DIMENSIONS:
        middles = []
        for row in rows:
            measurements = row.get("measurements", {}) if isinstance(row, dict) else {}
            value = measurements.get(dimension)
            if isinstance(value, list | tuple) and len(value) == 2:
                middles.append((float(value[0]) + float(value[1])) / 2)
            elif isinstance(value, int | float):
                middles.append(float(value))
        steps = sorted(b - a for a, b in pairwise(middles) if b > a)
        if steps:
            return float(steps[len(steps) // 2])
    return DEFAULT_STEP_CM


def fit_message(fit: ProductFit) -> tuple[str, str]:
    """The shopper- and merchant-facing line for a strong flag. Recommendations already include the shift,
    so the line explains it instead of asking the shopper to change size again."""
    sizes = "about two sizes" if abs(fit.offset) >= 1.5 else "about one size"
    sizes_zh = "约两个码" if abs(fit.offset) >= 1.5 else "约一个码"
    if fit.offset > 0:
        return (
            f"Runs small ({sizes}): {fit.too_small} of {fit.n} buyers found it too small; "
            "the recommended size allows for this.",
            f"偏小（{sizes_zh}）：{fit.n} 位买家中有 {fit.too_small} 位觉得偏小，推荐尺码已考虑这一点。",
        )
    return (
        f"Runs large ({sizes}): {fit.too_large} of {fit.n} buyers found it too large; "
        "the recommended size allows for this.",
        f"偏大（{sizes_zh}）：{fit.n} 位买家中有 {fit.too_large} 位觉得偏大，推荐尺码已考虑这一点。",
    )


@dataclass
class MerchantFit:
    """One merchant's fitted feedback model and the adjustments it implies."""

    signature: tuple[int, ...]
    checked_at: float
    fits: dict[str, ProductFit] = field(default_factory=dict)
    adjustments: dict[str, FitAdjustment] = field(default_factory=dict)
    steps_cm: dict[str, float] = field(default_factory=dict)


class FeedbackFitAdjuster:
    """``FitAdjuster`` backed by each merchant's FitFeedback rows; cached per merchant, thread-safe.

    ``adjustment`` is a dict lookup. The model for a merchant is refitted when that merchant's feedback
    changes: at once after ``submit_feedback`` in this process, and in other processes when a cheap
    signature query (counts per outcome and the newest row id, at most every ``check_seconds``) differs.
    """

    def __init__(
        self,
        database: Database,
        check_seconds: float = 5.0,
        size_gap_source: SizeGapSource | None = None,
        **model_params: Any,
    ) -> None:
        self.database = database
        self.check_seconds = check_seconds
        # Set once the size recommender exists (it needs this adjuster first): lines with a body then say
        # how far from their chart size buyers bought.
        self.size_gap_source = size_gap_source
        self.model_params = model_params
        self._cache: dict[str, MerchantFit] = {}
        self._lock = threading.Lock()

    def adjustment(self, merchant_id: str, sku: str) -> FitAdjustment:
        return self.merchant_fit(merchant_id).adjustments.get(sku, NO_ADJUSTMENT)

    def invalidate(self, merchant_id: str) -> None:
        with self._lock:
            self._cache.pop(merchant_id, None)

    def refresh(self, merchant_id: str) -> MerchantFit:
        """Refit now (after new feedback or a catalog change)."""
        fitted = self._fit(merchant_id)
        with self._lock:
            self._cache[merchant_id] = fitted
        return fitted

    def merchant_fit(self, merchant_id: str) -> MerchantFit:
        cached = self._cache.get(merchant_id)
        now = time.monotonic()
        if cached is not None and now - cached.checked_at < self.check_seconds:
            return cached
        if cached is not None:
            with self.database.session() as session:
                signature = self._signature(session, merchant_id)
            if signature == cached.signature:
                cached.checked_at = now
                return cached
        return self.refresh(merchant_id)

    @staticmethod
    def _signature(session: Session, merchant_id: str) -> tuple[int, ...]:
        counts = session.execute(
            select(
                func.count(FitFeedback.id),
                func.coalesce(func.max(FitFeedback.id), 0),
                *(
                    func.coalesce(func.sum(case((FitFeedback.outcome == name, 1), else_=0)), 0)
                    for name in ("kept", "too_small", "too_large")
                ),
            ).where(FitFeedback.merchant_id == merchant_id)
        ).one()
        return tuple(int(value) for value in counts)

    def _fit(self, merchant_id: str) -> MerchantFit:
        with self.database.session() as session:
            signature = self._signature(session, merchant_id)
            feedback = session.execute(
                select(FitFeedback.sku, FitFeedback.outcome, FitFeedback.size_label, FitFeedback.body).where(
                    FitFeedback.merchant_id == merchant_id
                )
            ).all()
            if not feedback:
                return MerchantFit(signature, time.monotonic())
            products = session.execute(
                select(Product.sku, Product.brand, Product.category, Product.size_chart_id).where(
                    Product.merchant_id == merchant_id
                )
            ).all()
            charts = {
                chart_id: chart_step_cm(rows)
                for chart_id, rows in session.execute(
                    select(SizeChart.chart_id, SizeChart.rows).where(SizeChart.merchant_id == merchant_id)
                )
            }
        catalog = pd.DataFrame(products, columns=["product", "brand", "category", "chart"])
        catalog = catalog.drop_duplicates("product").set_index("product", drop=False)
        rows = pd.DataFrame(feedback, columns=["product", "outcome", "size", "body"])
        # Feedback for products since removed from the catalog still informs their brand and category.
        rows = rows.join(catalog[["brand", "category"]], on="product")
        features = ["product", "brand", "category"]
        if self.size_gap_source is not None and rows["body"].notna().any():
            lines = list(zip(rows["product"], rows["size"], rows["body"], strict=True))
            rows["size_gap"] = self.size_gap_source.size_gaps(merchant_id, lines)
            features.append("size_gap")
        model = LatentFitModel(**self.model_params).fit(rows[features], rows["outcome"])
        fits = model.product_fits()
        steps = {
            sku: charts.get(chart, DEFAULT_STEP_CM) if isinstance(chart, str) else DEFAULT_STEP_CM
            for sku, chart in zip(catalog["product"], catalog["chart"], strict=True)
        }
        pooled = _inherited_offsets(model, rows, catalog)
        adjustments: dict[str, FitAdjustment] = {}
        for sku, offset in zip(catalog["product"], pooled, strict=True):
            fit = fits.get(sku)
            step_cm = steps.get(sku, DEFAULT_STEP_CM)
            if fit is None:
                adjustments[sku] = _adjustment(float(offset), step_cm)
                continue
            message, message_zh = fit_message(fit) if fit.strong else (None, None)
            adjustments[sku] = FitAdjustment(
                offset_cm=round(fit.offset * step_cm, 1),
                strong=fit.strong,
                message=message,
                message_zh=message_zh,
                evidence_count=fit.n,
            )
        return MerchantFit(signature, time.monotonic(), fits, adjustments, steps)


def _inherited_offsets(model: LatentFitModel, rows: pd.DataFrame, catalog: pd.DataFrame) -> np.ndarray:
    """The offset a product without its own feedback inherits (never flagged strong): each pooled level only
    when the evidence behind it is broad. Returns from one product cannot tell whether that product, its
    brand or its whole category runs small, so they must not move other brands' or other products' sizes:
    the brand's effect needs returns on BRAND_POOL_MIN_PRODUCTS of its products, the category's on
    CATEGORY_POOL_MIN_PRODUCTS products of CATEGORY_POOL_MIN_BRANDS brands, and the global offset on
    CATEGORY_POOL_MIN_PRODUCTS products of as many brands."""
    seen = rows.drop_duplicates("product")
    products_per_brand = seen.groupby("brand")["product"].nunique()
    products_per_category = seen.groupby("category")["product"].nunique()
    brands_per_category = seen.groupby("category")["brand"].nunique()
    broad_brands = products_per_brand[products_per_brand >= BRAND_POOL_MIN_PRODUCTS].index
    broad_categories = products_per_category[
        (products_per_category >= CATEGORY_POOL_MIN_PRODUCTS)
        & (brands_per_category.reindex(products_per_category.index) >= CATEGORY_POOL_MIN_BRANDS)
    ].index
    broad_overall = (
        len(seen) >= CATEGORY_POOL_MIN_PRODUCTS and seen["brand"].nunique() >= CATEGORY_POOL_MIN_BRANDS
    )
    brand_effect = model.group_offset("brand", catalog["brand"].where(catalog["brand"].isin(broad_brands)))
    category_effect = model.group_offset(
        "category", catalog["category"].where(catalog["category"].isin(broad_categories))
    )
    return np.asarray(brand_effect + category_effect + (model.global_offset_ if broad_overall else 0.0))


def _adjustment(offset_steps: float, step_cm: float) -> FitAdjustment:
    offset_cm = round(offset_steps * step_cm, 1)
    return FitAdjustment(offset_cm=offset_cm) if offset_cm else NO_ADJUSTMENT


def build_fit_adjuster(database: Database) -> FeedbackFitAdjuster:
    """The fit adjuster the web app hands to SizingService (one per process)."""
    return FeedbackFitAdjuster(database)


# ----------------------------------------------------------------------------- insights


def fit_insights(session: Session, merchant_id: str, adjuster: FeedbackFitAdjuster) -> dict[str, Any]:
    """Per product with feedback: counts, how it runs (offset in sizes with an 80% interval), the strong flag,
    and how many size recommendations were shown for it."""
    merchant_fit = adjuster.merchant_fit(merchant_id)
    shown = dict(
        session.execute(
            select(RecommendationEvent.sku, func.count(RecommendationEvent.id))
            .where(RecommendationEvent.merchant_id == merchant_id)
            .group_by(RecommendationEvent.sku)
        ).all()
    )
    titles = dict(
        session.execute(
            select(Product.sku, Product.title).where(
                Product.merchant_id == merchant_id, Product.sku.in_(list(merchant_fit.fits) or [""])
            )
        ).all()
    )
    products: list[dict[str, Any]] = []
    for sku, fit in merchant_fit.fits.items():
        low, high = fit.interval80
        message, message_zh = fit_message(fit) if fit.strong else (None, None)
        products.append(
            {
                "sku": sku,
                "title": titles.get(sku),
                "counts": {"kept": fit.kept, "too_small": fit.too_small, "too_large": fit.too_large},
                "n": fit.n,
                "offset_sizes": round(fit.offset, 2),
                "interval80": [round(low, 2), round(high, 2)],
                "offset_cm": round(fit.offset * merchant_fit.steps_cm.get(sku, DEFAULT_STEP_CM), 1),
                "evidence": "strong" if fit.strong else ("some" if fit.n >= 5 else "thin"),
                "flag": fit.direction if fit.strong else None,
                "message": message,
                "message_zh": message_zh,
                "recommendations_shown": int(shown.get(sku, 0)),
            }
        )
    products.sort(key=lambda item: (not item["flag"], -item["n"], item["sku"]))
    return {
        "merchant_id": merchant_id,
        "feedback_lines": sum(item["n"] for item in products),
        "flagged": sum(1 for item in products if item["flag"]),
        "recommendations_shown": int(sum(shown.values())),
        "products": products,
    }
