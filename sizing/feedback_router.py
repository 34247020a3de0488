"""HTTP routes for learning from returns: merchants post fit outcomes and read per-product fit insights."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from catalog.tabular import UploadLimits, check_size, parse_json_bytes, read_table
from fitguide.errors import InvalidInput, NotReady, TooLarge
from sizing.feedback import (
    FeedbackFitAdjuster,
    fit_insights,
    rows_from_json,
    rows_from_table,
    submit_feedback,
)
from web.deps import AppSettings, CurrentMerchant, DatabaseDep, SessionDep

router = APIRouter(tags=["fit feedback"])


def get_fit_adjuster(request: Request) -> FeedbackFitAdjuster:
    adjuster: FeedbackFitAdjuster | None = getattr(request.app.state, "fit_adjuster", None)
    if adjuster is None:
        raise NotReady("The fit model is still loading.", "尺码反馈模型正在加载。", code="not_ready")
    return adjuster


FitAdjusterDep = Annotated[FeedbackFitAdjuster, Depends(get_fit_adjuster)]


async def _read_rows(request: Request, limits: UploadLimits) -> list[tuple[int, dict[str, Any]]]:
    """JSON ``{"lines": [...]}``, a multipart CSV/XLSX ``file``, or a raw CSV body, as numbered rows."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput(
                "Send the CSV in a multipart field named 'file'.",
                "请在名为 file 的 multipart 字段中上传 CSV 文件。",
                code="missing_file",
            )
        data = await file.read(limits.max_bytes + 1)
        table = await run_in_threadpool(
            read_table,
            data,
            filename=file.filename,
            content_type=file.content_type,
            limits=limits,
            list_key="lines",
        )
        return rows_from_table(table)
    body = await request.body()
    check_size(len(body), limits)
    if not body.strip():
        raise InvalidInput(
            "Send {\"lines\": [...]} as JSON or a CSV file (multipart field 'file').",
            '请发送 JSON {"lines": [...]} 或上传 CSV 文件（multipart 字段 file）。',
            code="empty_feedback",
        )
    if "json" in content_type:
        rows = rows_from_json(parse_json_bytes(body))
        if len(rows) > limits.max_rows:
            raise TooLarge(
                f"At most {limits.max_rows} lines per request.",
                f"每次请求最多 {limits.max_rows} 行。",
                code="too_many_rows",
            )
        return rows
    table = await run_in_threadpool(
        read_table, body, content_type=content_type, limits=limits, list_key="lines"
    )
    return rows_from_table(table)


@router.post(
    "/api/feedback", summary="Report fit outcomes of order lines (JSON or CSV); idempotent per line id"
)
async def post_feedback(
    request: Request,
    merchant: CurrentMerchant,
    database: DatabaseDep,
    settings: AppSettings,
    adjuster: FitAdjusterDep,
) -> dict[str, Any]:
    """Each line: ``id`` (order-line id), ``sku``, ``size``, ``outcome`` (kept|too_small|too_large) and an
    optional ``body``. All lines are checked first; any bad line gives a 422 listing every problem and stores
    nothing. A line id sent again with the same content counts as a duplicate; with changed content it
    updates the stored line."""
    limits = UploadLimits(max_bytes=settings.max_upload_bytes, max_rows=settings.max_upload_rows)
    rows = await _read_rows(request, limits)
    return await run_in_threadpool(submit_feedback, database, merchant.id, rows, adjuster)


@router.get("/api/merchant/fit-insights", summary="How each product runs (small/large) from fit feedback")
def get_fit_insights(
    merchant: CurrentMerchant, session: SessionDep, adjuster: FitAdjusterDep
) -> dict[str, Any]:
    """Per product with feedback: outcome counts, offset in sizes with an 80% interval, evidence strength,
    the runs-small/large flag (strong evidence only) and recommendations shown."""
    return fit_insights(session, merchant.id, adjuster)
