"""HTTP routes of the catalog domain: thin wrappers over catalog's service functions.

Uploads accept a multipart ``file`` field (CSV, XLSX or JSON, by extension or content), a JSON body
(a list of objects or ``{"products": [...]}`` / ``{"charts": [...]}``), or a raw CSV/XLSX body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from catalog import queries, service
from catalog.charts_import import CHART_FIELDS
from catalog.models import Product, SizeChart
from catalog.tabular import UploadLimits, check_size, parse_json_bytes
from fitguide.errors import InvalidInput
from web.deps import AppSettings, CurrentMerchant, DatabaseDep, SessionDep

router = APIRouter(prefix="/api/merchant", tags=["merchant catalog"])
# Exports are CSV, not JSON: say so in the OpenAPI schema.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "UTF-8 CSV with a BOM."}
}

DryRun = Annotated[bool, Query(description="Validate and report without storing anything.")]
Mode = Annotated[
    str,
    Query(
        description="upsert: replace the skus/charts in the file, keep the rest; "
        "replace: the file becomes the whole catalog."
    ),
]


class _Upload:
    def __init__(self) -> None:
        self.data: bytes | None = None
        self.document: Any = None
        self.filename: str | None = None
        self.content_type: str | None = None
        self.fields: dict[str, str] = {}


async def _read_upload(request: Request, max_bytes: int) -> _Upload:
    upload = _Upload()
    content_type = request.headers.get("content-type", "").lower()
    limits = UploadLimits(max_bytes=max_bytes)
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput(
                "Send the file in a multipart field named 'file'.",
                "请在名为 file 的 multipart 字段中上传文件。",
                code="missing_file",
            )
        upload.data = await file.read(max_bytes + 1)
        check_size(len(upload.data), limits)
        upload.filename = file.filename
        upload.content_type = file.content_type
        upload.fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return upload
    body = await request.body()
    check_size(len(body), limits)
    if not body.strip():
        raise InvalidInput(
            "Send a file (multipart field 'file') or a JSON body.",
            "请上传文件（multipart 字段 file）或发送 JSON 请求体。",
            code="empty_file",
        )
    if "json" in content_type:
        upload.document = parse_json_bytes(body)
    else:
        upload.data = body
        upload.content_type = content_type
    return upload


def _notify(request: Request, merchant_id: str) -> None:
    service.notify_listeners(request.app.state.catalog_listeners, merchant_id)


def _csv_download(body: str, filename: str) -> Response:
    # The BOM makes Excel read the UTF-8 (Chinese titles) correctly.
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _import_and_notify(
    request: Request, merchant_id: str, run: Callable[[], service.ImportReport]
) -> dict[str, Any]:
    """Parse and import off the event loop; tell the catalog listeners only when something was stored."""
    report = await run_in_threadpool(run)
    if report.changed and not report.dry_run:
        await run_in_threadpool(_notify, request, merchant_id)
    return report.as_dict()


def product_json(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "title": product.title,
        "title_zh": product.title_zh,
        "description": product.description,
        "brand": product.brand,
        "category": product.category,
        "gender": product.gender,
        "color": product.color,
        "material": product.material,
        "season": product.season,
        "occasion": product.occasion,
        "price": product.price,
        "currency": product.currency,
        "size_chart": product.size_chart_id,
        "image_url": product.image_url,
        "url": product.url,
        "attributes": product.attributes or {},
        "variants": [{"size": v.size_label, "stock": v.stock} for v in product.variants],
        "updated_at": product.updated_at.isoformat() if product.updated_at else None,
    }


def chart_json(chart: SizeChart) -> dict[str, Any]:
    return {
        "chart_id": chart.chart_id,
        "name": chart.name,
        "brand": chart.brand,
        "category": chart.category,
        "gender": chart.gender,
        "kind": chart.kind,
        "fit": chart.fit,
        "stretch": chart.stretch,
        "rows": chart.rows,
        "updated_at": chart.updated_at.isoformat() if chart.updated_at else None,
    }


@router.get("/me", summary="The authenticated merchant: id, name, widget origins and catalog counts")
def me(merchant: CurrentMerchant, session: SessionDep) -> dict[str, Any]:
    return {
        "id": merchant.id,
        "name": merchant.name,
        "allowed_origins": merchant.allowed_origins or [],
        "catalog_version": merchant.catalog_version,
        "products": queries.count_products(session, merchant.id),
        "size_charts": queries.count_charts(session, merchant.id),
    }


@router.post("/products", summary="Upload products (CSV, XLSX, JSON file or JSON body)")
async def upload_products(
    request: Request,
    merchant: CurrentMerchant,
    database: DatabaseDep,
    settings: AppSettings,
    dry_run: DryRun = False,
    mode: Mode = "upsert",
) -> dict[str, Any]:
    merchant_id = merchant.id
    upload = await _read_upload(request, settings.max_upload_bytes)
    limits = service.limits_for(settings)

    def run() -> service.ImportReport:
        parsed = service.parse_product_upload(
            upload.data,
            document=upload.document,
            filename=upload.filename,
            content_type=upload.content_type,
            limits=limits,
        )
        return service.import_catalog(database, merchant_id, products=parsed, mode=mode, dry_run=dry_run)

    return await _import_and_notify(request, merchant_id, run)


@router.post("/size-charts", summary="Upload size charts (CSV, XLSX, JSON file or JSON body)")
async def upload_size_charts(
    request: Request,
    merchant: CurrentMerchant,
    database: DatabaseDep,
    settings: AppSettings,
    dry_run: DryRun = False,
    mode: Mode = "upsert",
    chart_id: str | None = None,
    name: str | None = None,
    brand: str | None = None,
    category: str | None = None,
    gender: str | None = None,
    kind: str | None = None,
    fit: str | None = None,
    stretch: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    merchant_id = merchant.id
    upload = await _read_upload(request, settings.max_upload_bytes)
    limits = service.limits_for(settings)
    query_fields = {
        "chart_id": chart_id,
        "name": name,
        "brand": brand,
        "category": category,
        "gender": gender,
        "kind": kind,
        "fit": fit,
        "stretch": stretch,
        "unit": unit,
    }
    defaults = {key: value for key, value in query_fields.items() if value not in (None, "")}
    # Form fields of a multipart upload count the same as query fields.
    defaults.update({key: value for key, value in upload.fields.items() if key in CHART_FIELDS and value})

    def run() -> service.ImportReport:
        parsed = service.parse_chart_upload(
            upload.data,
            document=upload.document,
            filename=upload.filename,
            content_type=upload.content_type,
            limits=limits,
            defaults=defaults,
        )
        return service.import_catalog(database, merchant_id, charts=parsed, mode=mode, dry_run=dry_run)

    return await _import_and_notify(request, merchant_id, run)


@router.get("/products", summary="List the merchant's products (paged, optional ?q= filter)")
def list_products(
    merchant: CurrentMerchant,
    session: SessionDep,
    q: str | None = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # beyond any catalog; larger overflows SQL ints
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    total, page = queries.search_products(session, merchant.id, q, offset, limit)
    return {"total": total, "offset": offset, "limit": limit, "items": [product_json(p) for p in page]}


@router.get(
    "/products/export.csv",
    summary="All products as CSV in the upload layout",
    response_class=Response,
    responses=CSV_RESPONSE,
)
def export_products(merchant: CurrentMerchant, session: SessionDep) -> Response:
    return _csv_download(service.export_products_csv(session, merchant.id), "products.csv")


@router.get("/products/{sku:path}", summary="One product with its variants")
def get_product(sku: str, merchant: CurrentMerchant, session: SessionDep) -> dict[str, Any]:
    return product_json(queries.get_product(session, merchant.id, sku))


@router.delete("/products/{sku:path}", summary="Delete one product")
def delete_product(
    sku: str, request: Request, merchant: CurrentMerchant, database: DatabaseDep
) -> dict[str, Any]:
    version = service.delete_product(database, merchant.id, sku)
    _notify(request, merchant.id)
    return {"deleted": sku, "catalog_version": version}


@router.get("/size-charts", summary="List the merchant's size charts")
def list_charts(merchant: CurrentMerchant, session: SessionDep) -> dict[str, Any]:
    charts = queries.get_charts(session, merchant.id)
    return {"total": len(charts), "items": [chart_json(c) for c in charts]}


@router.get(
    "/size-charts/export.csv",
    summary="All size charts as CSV in the upload layout",
    response_class=Response,
    responses=CSV_RESPONSE,
)
def export_charts(merchant: CurrentMerchant, session: SessionDep) -> Response:
    return _csv_download(service.export_charts_csv(session, merchant.id), "size_charts.csv")


@router.get("/size-charts/{chart_id:path}", summary="One size chart and the skus that use it")
def get_chart(chart_id: str, merchant: CurrentMerchant, session: SessionDep) -> dict[str, Any]:
    chart = queries.get_chart(session, merchant.id, chart_id)
    return {**chart_json(chart), "used_by": queries.skus_using_chart(session, merchant.id, chart_id)}


@router.delete(
    "/size-charts/{chart_id:path}",
    summary="Delete a size chart; 409 while products use it unless ?force=true (clears their reference)",
)
def delete_chart(
    chart_id: str,
    request: Request,
    merchant: CurrentMerchant,
    database: DatabaseDep,
    force: bool = False,
) -> dict[str, Any]:
    version, cleared = service.delete_chart(database, merchant.id, chart_id, force)
    _notify(request, merchant.id)
    return {"deleted": chart_id, "catalog_version": version, "cleared_from": cleared}
