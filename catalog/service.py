"""The catalog import service: one path for HTTP uploads, the CLI and the demo catalog.

An import is all or nothing. Problems found while parsing and those that need stored data
(size-chart references) are collected together and raised as one ``InvalidInput`` whose issues list
every row; nothing is written then. A clean import runs in one transaction that first locks the
merchant row, so two concurrent uploads for one merchant serialise and one wins whole.

Modes: ``upsert`` (default) replaces each sku / chart_id in the file completely (variants included) and
keeps the rest; ``replace`` makes the file the merchant's whole catalog (products or charts not in it
are deleted). The merchant's ``catalog_version`` is bumped inside the same transaction, so a reader
never sees new data with an old version; callers notify listeners after the commit.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from catalog.charts_import import DIMENSION_ORDER, ChartInput, ParsedCharts, parse_charts
from catalog.merchants import bump_catalog_version
from catalog.models import Merchant, Product, SizeChart, Variant, utcnow
from catalog.products_import import ParsedProducts, ProductInput, parse_products
from catalog.queries import get_chart, get_product, skus_using_chart
from catalog.tabular import UploadLimits, read_table, table_from_json
from catalog.values import make_issue
from fitguide.db import Database
from fitguide.errors import Conflict, InvalidInput, Issue, NotFound
from fitguide.settings import Settings

log = logging.getLogger("fitguide.catalog")

MODES = ("upsert", "replace")
MAX_REPORTED_ISSUES = 1_000
PREVIEW_ROWS = 20
_CHUNK = 500
_PRODUCT_COLUMNS = (
    "sku",
    "title",
    "title_zh",
    "description",
    "brand",
    "category",
    "gender",
    "color",
    "material",
    "season",
    "occasion",
    "price",
    "currency",
    "size_chart_id",
    "image_url",
    "url",
    "attributes",
)
_CHART_COLUMNS = ("chart_id", "name", "brand", "category", "gender", "kind", "fit", "stretch", "rows")

Progress = Callable[[str, int, int], None]
CatalogListener = Callable[[str], None]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
        }


@dataclass
class ImportReport:
    merchant_id: str
    mode: str
    dry_run: bool
    products: Counts | None = None
    charts: Counts | None = None
    catalog_version: int | None = None
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)
    preview_products: list[dict[str, Any]] = field(default_factory=list)
    preview_charts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            counts is not None and (counts.created or counts.updated or counts.deleted)
            for counts in (self.products, self.charts)
        )

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "merchant_id": self.merchant_id,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "stored": not self.dry_run,
            "catalog_version": self.catalog_version,
        }
        if self.products is not None:
            result["products"] = self.products.as_dict()
            result["unknown_values"] = self.unknown_values
            result["preview"] = self.preview_products
        if self.charts is not None:
            result["charts"] = self.charts.as_dict()
            result["chart_preview"] = self.preview_charts
        return result


def limits_for(settings: Settings) -> UploadLimits:
    return UploadLimits(max_bytes=settings.max_upload_bytes, max_rows=settings.max_upload_rows)


def parse_product_upload(
    data: bytes | None = None,
    *,
    document: Any = None,
    filename: str | None = None,
    content_type: str | None = None,
    limits: UploadLimits | None = None,
) -> ParsedProducts:
    """A product file (CSV/XLSX/JSON bytes) or an already decoded JSON document."""
    if document is not None:
        return parse_products(table_from_json(document, limits, "products"))
    table = read_table(
        data or b"", filename=filename, content_type=content_type, limits=limits, list_key="products"
    )
    return parse_products(table)


def parse_chart_upload(
    data: bytes | None = None,
    *,
    document: Any = None,
    filename: str | None = None,
    content_type: str | None = None,
    limits: UploadLimits | None = None,
    defaults: dict[str, Any] | None = None,
) -> ParsedCharts:
    """A size-chart file or JSON document; ``defaults`` are chart fields given outside the file."""
    if document is not None:
        return parse_charts(table_from_json(document, limits, "charts"), defaults)
    table = read_table(
        data or b"", filename=filename, content_type=content_type, limits=limits, list_key="charts"
    )
    return parse_charts(table, defaults)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_merchant(session: Session, merchant_id: str) -> Merchant:
    """Take the merchant's write lock for the rest of the transaction.

    PostgreSQL: SELECT ... FOR UPDATE on the merchant row. SQLite: a no-op UPDATE as the transaction's
    first statement takes the database write lock (what BEGIN IMMEDIATE would), so the import reads
    the catalog only once no other writer can change it.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(catalog_version=Merchant.catalog_version)
            .execution_options(synchronize_session=False)
        )
    merchant = session.scalars(select(Merchant).where(Merchant.id == merchant_id).with_for_update()).first()
    if merchant is None:
        raise NotFound(
            f"Unknown merchant '{merchant_id}'.", f"未知商家“{merchant_id}”。", code="unknown_merchant"
        )
    return merchant


def _stored_products(session: Session, merchant_id: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """sku -> (row id, the product as ProductInput.as_dict() would give it), in two queries."""
    columns = [getattr(Product, name) for name in _PRODUCT_COLUMNS]
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for row in session.execute(select(Product.id, *columns).where(Product.merchant_id == merchant_id)):
        data = dict(zip(_PRODUCT_COLUMNS, row[1:], strict=True))
        data["attributes"] = dict(data["attributes"] or {})
        data["variants"] = []
        result[data["sku"]] = (row[0], data)
        by_id[row[0]] = data
    if by_id:
        variants = session.execute(
            select(Variant.product_id, Variant.size_label, Variant.stock)
            .join(Product, Product.id == Variant.product_id)
            .where(Product.merchant_id == merchant_id)
            .order_by(Variant.product_id, Variant.position)
        )
        for product_id, size, stock in variants:
            by_id[product_id]["variants"].append({"size": size, "stock": stock})
    return result


def _stored_charts(session: Session, merchant_id: str) -> dict[str, tuple[int, dict[str, Any]]]:
    columns = [getattr(SizeChart, name) for name in _CHART_COLUMNS]
    rows = session.execute(select(SizeChart.id, *columns).where(SizeChart.merchant_id == merchant_id))
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in rows:
        data = dict(zip(_CHART_COLUMNS, row[1:], strict=True))
        result[data["chart_id"]] = (row[0], data)
    return result


def _capped(issues: list[Issue]) -> list[Issue]:
    ordered = sorted(issues, key=lambda issue: issue.row or 0)
    if len(ordered) <= MAX_REPORTED_ISSUES:
        return ordered
    hidden = len(ordered) - MAX_REPORTED_ISSUES
    return [
        *ordered[:MAX_REPORTED_ISSUES],
        make_issue(
            "more_issues", None, None, hidden, f"... and {hidden} more problems.", f"……另有 {hidden} 个问题。"
        ),
    ]


def invalid_upload(issues: list[Issue]) -> InvalidInput:
    count = len(issues)
    return InvalidInput(
        f"The upload has {count} problem(s); nothing was changed. Fix them and upload again.",
        f"上传内容有 {count} 个问题，未做任何更改。请修正后重新上传。",
        issues=_capped(issues),
        code="invalid_upload",
    )


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InvalidInput(
            f"mode must be 'upsert' or 'replace', not '{mode}'.",
            f"mode 必须是 upsert 或 replace，而不是“{mode}”。",
            code="bad_mode",
        )


def _reference_issues(
    products: ParsedProducts | None,
    product_mode: str,
    stored_products: dict[str, tuple[int, dict[str, Any]]],
    final_chart_ids: set[str],
) -> list[Issue]:
    issues: list[Issue] = []
    incoming = {p.sku for p in products.products} if products is not None else set()
    for row, column, chart_id in products.chart_references if products is not None else []:
        if chart_id not in final_chart_ids:
            issues.append(
                make_issue(
                    "unknown_chart",
                    row,
                    column,
                    chart_id,
                    f"Size chart '{chart_id}' does not exist; upload it first (or in the same import).",
                    f"尺码表“{chart_id}”不存在，请先上传该尺码表（或在同一次导入中上传）。",
                )
            )
    kept = {} if products is not None and product_mode == "replace" else stored_products
    orphaned: dict[str, list[str]] = {}
    for sku, (_id, data) in kept.items():
        chart_id = data["size_chart_id"]
        if sku not in incoming and chart_id and chart_id not in final_chart_ids:
            orphaned.setdefault(chart_id, []).append(sku)
    for chart_id, skus in sorted(orphaned.items()):
        shown = ", ".join(sorted(skus)[:10]) + (" ..." if len(skus) > 10 else "")
        issues.append(
            make_issue(
                "chart_in_use",
                None,
                "chart_id",
                chart_id,
                f"Chart '{chart_id}' would be removed but {len(skus)} stored product(s) use it: {shown}.",
                f"尺码表“{chart_id}”将被删除，但仍有 {len(skus)} 个已存商品在使用：{shown}。",
            )
        )
    return issues


def _plan(
    incoming: dict[str, dict[str, Any]], stored: dict[str, tuple[int, dict[str, Any]]], mode: str
) -> tuple[Counts, list[str], list[str], list[int]]:
    """(counts, keys to create, keys to update, row ids to delete)."""
    counts = Counts()
    create: list[str] = []
    change: list[str] = []
    for key, data in incoming.items():
        if key not in stored:
            create.append(key)
        elif stored[key][1] != data:
            change.append(key)
        else:
            counts.unchanged += 1
    removed = [row_id for key, (row_id, _data) in stored.items() if mode == "replace" and key not in incoming]
    counts.created, counts.updated, counts.deleted = len(create), len(change), len(removed)
    return counts, create, change, removed


def _product_values(product: ProductInput, merchant_id: str) -> dict[str, Any]:
    data = product.as_dict()
    data.pop("variants")
    data["merchant_id"] = merchant_id
    data["updated_at"] = utcnow()
    return data


def _write_products(
    session: Session,
    merchant_id: str,
    products: dict[str, ProductInput],
    stored: dict[str, tuple[int, dict[str, Any]]],
    create: list[str],
    change: list[str],
    removed: list[int],
    progress: Progress | None,
) -> None:
    total = len(create) + len(change) + len(removed)
    done = 0
    changed_ids = [stored[sku][0] for sku in change]
    for ids in _chunks(removed + changed_ids):
        session.execute(delete(Variant).where(Variant.product_id.in_(ids)))
    for ids in _chunks(removed):
        session.execute(delete(Product).where(Product.id.in_(ids)))
        done += len(ids)
        if progress:
            progress("store products", done, total)
    product_ids: dict[str, int] = {sku: stored[sku][0] for sku in change}
    if _is_postgres(session) and change:
        _update_by_copy(
            session, [{"id": stored[sku][0], **_product_values(products[sku], merchant_id)} for sku in change]
        )
        done += len(change)
    else:
        for skus in _chunks(change):
            rows = [{"id": stored[sku][0], **_product_values(products[sku], merchant_id)} for sku in skus]
            session.execute(update(Product), rows)
            done += len(skus)
            if progress:
                progress("store products", done, total)
    if _is_postgres(session) and create:
        _copy_rows(session, "products", [_product_values(products[sku], merchant_id) for sku in create])
        created = set(create)
        statement = select(Product.id, Product.sku).where(Product.merchant_id == merchant_id)
        stored_ids = session.execute(statement)
        product_ids.update({sku: product_id for product_id, sku in stored_ids if sku in created})
        if progress:
            progress("store products", total, total)
    else:
        for skus in _chunks(create):
            result = session.execute(
                insert(Product).returning(Product.id, Product.sku),
                [_product_values(products[sku], merchant_id) for sku in skus],
            )
            product_ids.update({sku: product_id for product_id, sku in result})
            done += len(skus)
            if progress:
                progress("store products", done, total)
    variant_rows = [
        {"product_id": product_ids[sku], "size_label": size, "position": position, "stock": stock}
        for sku in [*change, *create]
        for position, (size, stock) in enumerate(products[sku].variants)
    ]
    _insert_variants(session, variant_rows)


def _is_postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def _copy_rows(session: Session, table: str, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY on the transaction's own connection: for a 10k-product catalog several times
    faster than executemany or multi-row INSERTs, which spend their time building huge statements."""
    columns = list(rows[0])
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row.values()]
            )


def _update_by_copy(session: Session, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE ... FROM joins on id."""
    session.execute(
        text("CREATE TEMP TABLE product_updates ON COMMIT DROP AS SELECT * FROM products WITH NO DATA")
    )
    _copy_rows(session, "product_updates", rows)
    assignments = ", ".join(f"{column} = u.{column}" for column in rows[0] if column != "id")
    session.execute(
        text(f"UPDATE products SET {assignments} FROM product_updates u WHERE products.id = u.id")
    )
    session.execute(text("DROP TABLE product_updates"))


def _insert_variants(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _is_postgres(session):
        _copy_rows(session, "variants", rows)
        return
    for chunk in _chunks(rows, 2_000):
        session.execute(insert(Variant), list(chunk))


def _write_charts(
    session: Session,
    merchant_id: str,
    charts: dict[str, ChartInput],
    stored: dict[str, tuple[int, dict[str, Any]]],
    create: list[str],
    change: list[str],
    removed: list[int],
) -> None:
    for ids in _chunks(removed):
        session.execute(delete(SizeChart).where(SizeChart.id.in_(ids)))
    now = utcnow()
    if change:
        session.execute(
            update(SizeChart),
            [{"id": stored[key][0], **charts[key].as_dict(), "updated_at": now} for key in change],
        )
    if create:
        session.execute(
            insert(SizeChart),
            [{**charts[key].as_dict(), "merchant_id": merchant_id, "updated_at": now} for key in create],
        )


def import_catalog(
    database: Database,
    merchant_id: str,
    *,
    products: ParsedProducts | None = None,
    charts: ParsedCharts | None = None,
    mode: str = "upsert",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate against the stored catalog and, unless ``dry_run``, store everything or nothing."""
    _check_mode(mode)
    issues: list[Issue] = []
    if charts is not None:
        issues.extend(charts.issues)
    if products is not None:
        issues.extend(products.issues)
    report = ImportReport(merchant_id=merchant_id, mode=mode, dry_run=dry_run)
    with database.session() as session:
        lock_merchant(session, merchant_id)
        stored_charts = _stored_charts(session, merchant_id)
        stored_products = (
            _stored_products(session, merchant_id)
            if products is not None or (charts is not None and mode == "replace")
            else {}
        )
        incoming_charts = {c.chart_id: c for c in charts.charts} if charts is not None else {}
        final_chart_ids = set(stored_charts)
        if charts is not None:
            final_chart_ids = (
                set(incoming_charts) if mode == "replace" else final_chart_ids | set(incoming_charts)
            )
        issues.extend(_reference_issues(products, mode, stored_products, final_chart_ids))
        if issues:
            raise invalid_upload(issues)

        chart_plan = None
        if charts is not None:
            chart_data = {key: chart.as_dict() for key, chart in incoming_charts.items()}
            chart_plan = _plan(chart_data, stored_charts, mode)
            report.charts = chart_plan[0]
            report.preview_charts = list(chart_data.values())[:PREVIEW_ROWS]
        product_plan = None
        incoming_products: dict[str, ProductInput] = {}
        if products is not None:
            incoming_products = {p.sku: p for p in products.products}
            product_data = {sku: p.as_dict() for sku, p in incoming_products.items()}
            product_plan = _plan(product_data, stored_products, mode)
            report.products = product_plan[0]
            report.unknown_values = products.unknown_values.as_report()
            report.preview_products = list(product_data.values())[:PREVIEW_ROWS]

        if dry_run:
            session.rollback()
            return report
        if chart_plan is not None:
            _counts, create, change, removed = chart_plan
            _write_charts(session, merchant_id, incoming_charts, stored_charts, create, change, removed)
        if product_plan is not None:
            _counts, create, change, removed = product_plan
            _write_products(
                session, merchant_id, incoming_products, stored_products, create, change, removed, progress
            )
        if report.changed:
            report.catalog_version = bump_catalog_version(session, merchant_id)
        else:
            report.catalog_version = session.get(Merchant, merchant_id).catalog_version  # type: ignore[union-attr]
    return report


def notify_listeners(listeners: Iterable[CatalogListener], merchant_id: str) -> None:
    """Tell other domains (the guide's index) that a catalog changed; a failing listener is logged only,
    because the change is already committed."""
    for listener in listeners:
        try:
            listener(merchant_id)
        except Exception:
            log.exception("catalog listener failed", extra={"fields": {"merchant_id": merchant_id}})


def delete_product(database: Database, merchant_id: str, sku: str) -> int:
    """Delete one product (and its variants); returns the new catalog version."""
    with database.session() as session:
        lock_merchant(session, merchant_id)
        product = get_product(session, merchant_id, sku)
        session.delete(product)
        session.flush()
        return bump_catalog_version(session, merchant_id)


def delete_chart(
    database: Database, merchant_id: str, chart_id: str, force: bool = False
) -> tuple[int, list[str]]:
    """Delete a chart. If products use it: Conflict, unless ``force``, which clears their size_chart
    reference (the products stay, without a chart). Returns (new catalog version, skus cleared)."""
    with database.session() as session:
        lock_merchant(session, merchant_id)
        chart = get_chart(session, merchant_id, chart_id)
        users = skus_using_chart(session, merchant_id, chart_id)
        if users and not force:
            shown = ", ".join(users[:10]) + (" ..." if len(users) > 10 else "")
            raise Conflict(
                f"Size chart '{chart_id}' is used by {len(users)} product(s) ({shown}); "
                "re-upload them with another chart or delete with ?force=true to clear the reference.",
                f"尺码表“{chart_id}”正被 {len(users)} "
                f"个商品使用（{shown}）；请为这些商品指定其他尺码表后重新上传，"
                "或使用 ?force=true 删除并清除引用。",
                code="chart_in_use",
            )
        if users:
            session.execute(
                update(Product)
                .where(Product.merchant_id == merchant_id, Product.size_chart_id == chart_id)
                .values(size_chart_id=None, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        session.delete(chart)
        session.flush()
        return bump_catalog_version(session, merchant_id), users


# ---------------------------------------------------------------- exports

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PRODUCT_EXPORT_COLUMNS = (
    "sku",
    "title",
    "title_zh",
    "description",
    "brand",
    "category",
    "gender",
    "color",
    "material",
    "season",
    "occasion",
    "price",
    "currency",
    "sizes",
    "stock",
    "size_chart",
    "image_url",
    "url",
)


def escape_cell(value: Any) -> str:
    """Spreadsheet-safe text: a cell starting with = + - @ tab or CR gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cell = str(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


def export_products_csv(session: Session, merchant_id: str) -> str:
    """The products in the canonical upload layout (re-importable), UTF-8 text."""
    from catalog.queries import list_products

    products = list_products(session, merchant_id)
    attribute_names = sorted({name for p in products for name in (p.attributes or {})})
    header = [*PRODUCT_EXPORT_COLUMNS, *(f"attr_{name}" for name in attribute_names)]

    def rows() -> Iterable[list[Any]]:
        for p in products:
            sizes = "|".join(v.size_label for v in p.variants)
            stock = "|".join(f"{v.size_label}:{v.stock}" for v in p.variants if v.stock is not None)
            yield [
                p.sku,
                p.title,
                p.title_zh,
                p.description,
                p.brand,
                p.category,
                p.gender,
                p.color,
                p.material,
                p.season,
                p.occasion,
                p.price,
                p.currency,
                sizes,
                stock,
                p.size_chart_id,
                p.image_url,
                p.url,
                *((p.attributes or {}).get(name) for name in attribute_names),
            ]

    return _csv_text(header, rows())


def _range_text(bounds: Sequence[float] | None) -> str | None:
    if not bounds:
        return None
    low, high = (f"{b:g}" for b in bounds)
    return low if low == high else f"{low}-{high}"


def export_charts_csv(session: Session, merchant_id: str) -> str:
    """All charts, one row per size, in the canonical upload layout (re-importable)."""
    from catalog.queries import get_charts

    charts = get_charts(session, merchant_id)
    used = [d for d in DIMENSION_ORDER if any(d in r["measurements"] for c in charts for r in c.rows)]
    header = [
        "chart_id",
        "name",
        "brand",
        "category",
        "gender",
        "kind",
        "fit",
        "stretch",
        "size",
        *(f"{d}_kg" if d == "weight" else f"{d}_cm" for d in used),
    ]

    def rows() -> Iterable[list[Any]]:
        for chart in charts:
            for entry in chart.rows:
                yield [
                    chart.chart_id,
                    chart.name,
                    chart.brand,
                    chart.category,
                    chart.gender,
                    chart.kind,
                    chart.fit,
                    chart.stretch,
                    entry["size"],
                    *(_range_text(entry["measurements"].get(d)) for d in used),
                ]

    return _csv_text(header, rows())
