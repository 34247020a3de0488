"""The merchant console at /console: sign in with the API key, upload, browse, fit insights.

Server-rendered pages (jinja2, autoescaped) with one static script for drag-and-drop; no inline script,
so the console's CSP can forbid it. Every state-changing form carries the session's CSRF token.
Uploads are parsed and checked first (dry run); the file waits in var_dir until the merchant presses
Import, so the preview and the import see exactly the same bytes.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from catalog import queries
from catalog import service as catalog_service
from catalog.merchants import authenticate, hash_key
from catalog.models import ApiKey, FitFeedback, Merchant, RecommendationEvent
from catalog.tabular import Table, read_table
from fitguide.db import Database
from fitguide.errors import FitGuideError, Issue, NotFound
from fitguide.settings import Settings
from sizing.feedback import (
    FeedbackFitAdjuster,
    fit_insights,
    rows_from_table,
    submit_feedback,
    validate_lines,
)
from web.deps import AppSettings, DatabaseDep, SessionDep, request_language
from web.pages import templates
from web.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE_SECONDS,
    ConsoleSession,
    SessionCodec,
    csrf_matches,
    load_secret_key,
    new_csrf_token,
)

router = APIRouter(prefix="/console", include_in_schema=False)

PRODUCTS_PER_PAGE = 50
PREVIEW_MAX_ROWS = 200
UPLOAD_TTL_SECONDS = 3600
UPLOAD_KINDS = {"products": "Products", "charts": "Size charts", "feedback": "Fit feedback"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".xlsx", ".xlsm"}


# ---------------------------------------------------------------- session plumbing


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec | None = getattr(request.app.state, "console_codec", None)
    if codec is None:
        codec = SessionCodec(load_secret_key(request.app.state.settings))
        request.app.state.console_codec = codec
    return codec


def _read_session(request: Request) -> ConsoleSession | None:
    return _codec(request).loads(request.cookies.get(SESSION_COOKIE))


def _set_session(request: Request, response: Response, console_session: ConsoleSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        _codec(request).dumps(console_session),
        max_age=SESSION_MAX_AGE_SECONDS,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _merchant_for(session: Session, console_session: ConsoleSession | None) -> Merchant | None:
    """The signed-in merchant, if the key the session was opened with is still active."""
    if console_session is None or not console_session.signed_in:
        return None
    key = session.get(ApiKey, console_session.api_key_id)
    if key is None or key.revoked_at is not None or key.merchant_id != console_session.merchant_id:
        return None
    return key.merchant


class SignedIn:
    """The signed-in merchant and their console session; anonymous visitors go to the sign-in page."""

    def __init__(self, merchant: Merchant, console_session: ConsoleSession) -> None:
        self.merchant = merchant
        self.session = console_session


def require_sign_in(request: Request, session: SessionDep) -> SignedIn:
    console_session = _read_session(request)
    merchant = _merchant_for(session, console_session)
    if merchant is None or console_session is None:
        raise HTTPException(status_code=303, headers={"Location": str(request.url_for("console_login"))})
    return SignedIn(merchant, console_session)


Console = Annotated[SignedIn, Depends(require_sign_in)]


def _same_origin_post(request: Request) -> bool:
    """Defence in depth next to the token: a browser's cross-site POST names a foreign Origin."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].lower() == host.lower()


async def checked_form(request: Request, settings: AppSettings) -> FormData:
    """The posted form, after checking its CSRF token against the session cookie."""
    form = await request.form(max_files=1, max_fields=20, max_part_size=64 * 1024)
    token = form.get("csrf_token")
    if not _same_origin_post(request) or not csrf_matches(
        _read_session(request), token if isinstance(token, str) else None
    ):
        raise HTTPException(status_code=403, detail="CSRF check failed: reload the page and try again.")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def _render(
    request: Request,
    name: str,
    context: dict[str, Any],
    signed_in: SignedIn | None = None,
    status_code: int = 200,
    console_session: ConsoleSession | None = None,
) -> HTMLResponse:
    current = console_session or (signed_in.session if signed_in else _read_session(request))
    fresh = current is None
    if current is None:
        current = ConsoleSession(csrf=new_csrf_token())
    page = {
        "csrf_token": current.csrf,
        "merchant": signed_in.merchant if signed_in else None,
        "nav": context.pop("nav", None),
        **context,
    }
    response = templates.TemplateResponse(request, f"console/{name}", page, status_code=status_code)
    if fresh or console_session is not None:
        _set_session(request, response, current)
    return response


# ---------------------------------------------------------------- sign in / out


@router.get("/login", response_class=HTMLResponse, name="console_login")
def login_page(request: Request, session: SessionDep) -> Response:
    if _merchant_for(session, _read_session(request)) is not None:
        return RedirectResponse(request.url_for("console_overview"), status_code=303)
    return _render(request, "login.html", {})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: CheckedForm) -> Response:
    raw_key = form.get("api_key")
    key = raw_key.strip() if isinstance(raw_key, str) else ""
    try:
        merchant = authenticate(session, key)
    except FitGuideError:
        return _render(
            request,
            "login.html",
            {"error": "That API key is not valid or has been revoked."},
            status_code=401,
        )
    api_key = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).one()
    # A fresh CSRF token at sign-in so a token seen before signing in is worthless afterwards.
    signed = ConsoleSession(csrf=new_csrf_token(), merchant_id=merchant.id, api_key_id=api_key.id)
    response = RedirectResponse(request.url_for("console_overview"), status_code=303)
    _set_session(request, response, signed)
    return response


@router.post("/logout", name="console_logout")
def logout(request: Request, form: CheckedForm) -> Response:
    response = RedirectResponse(request.url_for("console_login"), status_code=303)
    _set_session(request, response, ConsoleSession(csrf=new_csrf_token()))
    return response


# ---------------------------------------------------------------- pages


def _recommendation_counts(session: Session, merchant_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    base = (
        select(func.count())
        .select_from(RecommendationEvent)
        .where(RecommendationEvent.merchant_id == merchant_id)
    )

    def since(days: int) -> int:
        return session.scalar(base.where(RecommendationEvent.created_at >= now - timedelta(days=days))) or 0

    top = session.execute(
        select(RecommendationEvent.sku, func.count().label("n"))
        .where(RecommendationEvent.merchant_id == merchant_id)
        .group_by(RecommendationEvent.sku)
        .order_by(func.count().desc(), RecommendationEvent.sku)
        .limit(5)
    ).all()
    return {
        "total": session.scalar(base) or 0,
        "last_7_days": since(7),
        "last_30_days": since(30),
        "top_skus": [{"sku": sku, "count": count} for sku, count in top],
    }


@router.get("", response_class=HTMLResponse, name="console_overview")
def overview(request: Request, session: SessionDep, console: Console) -> Response:
    merchant_id = console.merchant.id
    feedback = session.scalar(
        select(func.count()).select_from(FitFeedback).where(FitFeedback.merchant_id == merchant_id)
    )
    context = {
        "nav": "overview",
        "products": queries.count_products(session, merchant_id),
        "charts": queries.count_charts(session, merchant_id),
        "feedback": feedback or 0,
        "recommendations": _recommendation_counts(session, merchant_id),
        "origins": list(console.merchant.allowed_origins or []),
        "widget_src": str(request.url_for("widget_script")),
    }
    return _render(request, "overview.html", context, console)


@router.get("/products", response_class=HTMLResponse, name="console_products")
def products_page(
    request: Request,
    session: SessionDep,
    console: Console,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    total, rows = queries.search_products(
        session, console.merchant.id, q, offset=(page - 1) * PRODUCTS_PER_PAGE, limit=PRODUCTS_PER_PAGE
    )
    pages = max(1, -(-total // PRODUCTS_PER_PAGE))
    context = {
        "nav": "products",
        "products": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "q": q or "",
    }
    return _render(request, "products.html", context, console)


@router.get("/charts", response_class=HTMLResponse, name="console_charts")
def charts_page(request: Request, session: SessionDep, console: Console) -> Response:
    charts = queries.get_charts(session, console.merchant.id)
    usage = dict(
        session.execute(
            select(queries.Product.size_chart_id, func.count())
            .where(queries.Product.merchant_id == console.merchant.id)
            .group_by(queries.Product.size_chart_id)
        ).all()
    )
    context = {"nav": "charts", "charts": charts, "usage": usage}
    return _render(request, "charts.html", context, console)


def _chart_columns(rows: list[Any]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        for dimension in (row.get("measurements") or {}) if isinstance(row, dict) else {}:
            if dimension not in seen:
                seen.append(dimension)
    return seen


def _range_text(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = value
        return f"{low:g}" if low == high else f"{low:g}–{high:g}"
    return "" if value is None else str(value)


@router.get("/charts/{chart_id}", response_class=HTMLResponse, name="console_chart")
def chart_page(request: Request, chart_id: str, session: SessionDep, console: Console) -> Response:
    try:
        chart = queries.get_chart(session, console.merchant.id, chart_id)
    except FitGuideError as error:
        return _render(
            request, "message.html", {"title": "Not found", "message": error.message}, console, 404
        )
    columns = _chart_columns(chart.rows or [])
    table = [
        {
            "size": row.get("size", ""),
            "cells": [_range_text((row.get("measurements") or {}).get(column)) for column in columns],
        }
        for row in chart.rows or []
        if isinstance(row, dict)
    ]
    context = {
        "nav": "charts",
        "chart": chart,
        "columns": columns,
        "table": table,
        "skus": queries.skus_using_chart(session, console.merchant.id, chart.chart_id),
    }
    return _render(request, "chart.html", context, console)


# ---------------------------------------------------------------- uploads


def _uploads_dir(settings: Settings, merchant_id: str) -> Path:
    return settings.var_dir / "console_uploads" / merchant_id


def _prune_uploads(directory: Path) -> None:
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for path in directory.glob("*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _stored_upload(settings: Settings, merchant_id: str, token: str) -> Path | None:
    if not _TOKEN.match(token):
        return None
    for path in _uploads_dir(settings, merchant_id).glob(token + ".*"):
        if path.suffix in _SUFFIXES:
            return path
    return None


def _localized_issues(error: FitGuideError, request: Request) -> list[dict[str, Any]]:
    """An upload error's issues with reasons in the request's language (the console pages themselves are
    English; the domain has zh text for every issue, and merchants fix cells by reading these)."""
    lang = request_language(request)
    issues = error.issues or [Issue(reason=error.message, reason_zh=error.message_zh)]
    return [issue.as_dict(lang) for issue in issues]


def _cell_issues(issues: list[dict[str, Any]], table: Table | None) -> dict[str, Any]:
    """Issues keyed by (row, column) for cells, by row for row-wide problems, plus file-wide ones."""
    columns = set(table.columns) if table else set()
    cells: dict[tuple[int, str], list[str]] = {}
    rows: dict[int, list[str]] = {}
    general: list[dict[str, Any]] = []
    for issue in issues:
        row, column = issue.get("row"), issue.get("column")
        if isinstance(row, int) and column in columns:
            cells.setdefault((row, str(column)), []).append(str(issue.get("reason", "")))
        elif isinstance(row, int):
            rows.setdefault(row, []).append(str(issue.get("reason", "")))
        else:
            general.append(issue)
    issue_rows = {row for row, _ in cells} | set(rows)
    return {"cells": cells, "rows": rows, "general": general, "issue_rows": issue_rows}


def _preview_rows(table: Table | None, issue_rows: set[int]) -> list[Any]:
    """The first rows of the file plus every row that has a problem."""
    if table is None:
        return []
    return [
        row for index, row in enumerate(table.rows) if index < PREVIEW_MAX_ROWS or row.number in issue_rows
    ]


@router.get("/upload/{kind}", response_class=HTMLResponse, name="console_upload")
def upload_page(request: Request, kind: str, console: Console) -> Response:
    if kind not in UPLOAD_KINDS:
        return _render(
            request, "message.html", {"title": "Not found", "message": "No such upload."}, console, 404
        )
    return _render(
        request, "upload.html", {"nav": f"upload-{kind}", "kind": kind, "label": UPLOAD_KINDS[kind]}, console
    )


@router.post("/upload/{kind}", response_class=HTMLResponse)
async def upload_preview(
    request: Request,
    kind: str,
    database: DatabaseDep,
    settings: AppSettings,
    console: Console,
    form: CheckedForm,
) -> Response:
    """Dry run: parse and check the file, show every problem at its row and column."""
    if kind not in UPLOAD_KINDS:
        return _render(
            request, "message.html", {"title": "Not found", "message": "No such upload."}, console, 404
        )
    upload = form.get("file")
    base = {"nav": f"upload-{kind}", "kind": kind, "label": UPLOAD_KINDS[kind]}
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _render(request, "upload.html", {**base, "error": "Choose a file to upload."}, console, 422)
    data = await upload.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        message = f"The file is larger than {settings.max_upload_bytes // (1024 * 1024)} MB."
        return _render(request, "upload.html", {**base, "error": message}, console, 413)
    suffix = Path(upload.filename).suffix.lower()
    suffix = suffix if suffix in _SUFFIXES else ".csv"

    table: Table | None = None
    issues: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    try:
        # Parsing and checking a large file takes a while: keep it off the event loop.
        table = await run_in_threadpool(
            read_table,
            data,
            filename=upload.filename,
            limits=catalog_service.limits_for(settings),
            list_key=_LIST_KEYS[kind],
        )
        summary = await run_in_threadpool(
            _run, request, kind, database, settings, console.merchant.id, data, upload.filename, True
        )
    except FitGuideError as error:
        issues = _localized_issues(error, request)
    issues = issues or list(summary.get("issues", []))

    token = None
    if not issues:
        directory = _uploads_dir(settings, console.merchant.id)
        directory.mkdir(parents=True, exist_ok=True)
        _prune_uploads(directory)
        token = secrets.token_urlsafe(24)
        (directory / f"{token}{suffix}").write_bytes(data)

    located = _cell_issues(issues, table)
    context = {
        **base,
        "filename": upload.filename,
        "table": table,
        "preview_rows": _preview_rows(table, located["issue_rows"]),
        "issues": issues,
        "located": located,
        "summary": summary,
        "token": token,
    }
    return _render(request, "preview.html", context, console, status_code=422 if issues else 200)


@router.post("/upload/{kind}/import", response_class=HTMLResponse, name="console_import")
def upload_import(
    request: Request,
    kind: str,
    database: DatabaseDep,
    settings: AppSettings,
    console: Console,
    form: CheckedForm,
) -> Response:
    """Apply a previewed upload."""
    token = form.get("token")
    path = _stored_upload(settings, console.merchant.id, token) if isinstance(token, str) else None
    base = {"nav": f"upload-{kind}", "kind": kind, "label": UPLOAD_KINDS.get(kind, "")}
    if kind not in UPLOAD_KINDS or path is None:
        message = "This preview has expired; upload the file again."
        return _render(request, "upload.html", {**base, "error": message}, console, 410)
    try:
        summary = _run(
            request,
            kind,
            database,
            settings,
            console.merchant.id,
            path.read_bytes(),
            path.name,
            dry_run=False,
        )
    except FitGuideError as error:
        message = error.localized(request_language(request))
        issues = _localized_issues(error, request)
        return _render(request, "upload.html", {**base, "error": message, "issues": issues}, console, 422)
    finally:
        path.unlink(missing_ok=True)
    if kind != "feedback":
        catalog_service.notify_listeners(request.app.state.catalog_listeners, console.merchant.id)
    return _render(request, "imported.html", {**base, "summary": summary}, console)


# ---------------------------------------------------------------- fit insights


@router.get("/insights", response_class=HTMLResponse, name="console_insights")
def insights_page(request: Request, session: SessionDep, console: Console) -> Response:
    context = {
        "nav": "insights",
        "insights": _fit_insights(request, session, console.merchant.id),
        "recommendations": _recommendation_counts(session, console.merchant.id),
    }
    return _render(request, "insights.html", context, console)


# ---------------------------------------------------------------- glue to the catalog and sizing services

_LIST_KEYS = {"products": "products", "charts": "charts", "feedback": "lines"}


def _fit_adjuster(request: Request) -> FeedbackFitAdjuster | None:
    return getattr(request.app.state, "fit_adjuster", None)


def _run(
    request: Request,
    kind: str,
    database: Database,
    settings: Settings,
    merchant_id: str,
    data: bytes,
    filename: str,
    dry_run: bool,
) -> dict[str, Any]:
    """Hand an upload to its domain service (the same functions the HTTP API uses); a summary dict back."""
    limits = catalog_service.limits_for(settings)
    if kind == "feedback":
        rows = rows_from_table(read_table(data, filename=filename, limits=limits, list_key="lines"))
        if dry_run:
            with database.session() as session:
                lines, repeats = validate_lines(session, merchant_id, rows)
                session.rollback()
            return {"feedback": {"lines": len(lines), "repeated": repeats}}
        return {"feedback_report": submit_feedback(database, merchant_id, rows, _fit_adjuster(request))}
    if kind == "products":
        products = catalog_service.parse_product_upload(data, filename=filename, limits=limits)
        report = catalog_service.import_catalog(database, merchant_id, products=products, dry_run=dry_run)
    elif kind == "charts":
        charts = catalog_service.parse_chart_upload(data, filename=filename, limits=limits)
        report = catalog_service.import_catalog(database, merchant_id, charts=charts, dry_run=dry_run)
    else:
        raise NotFound("No such upload.", "没有这种上传。")
    return report.as_dict()


_FLAG_LABELS = {"runs_small": "Runs small", "runs_large": "Runs large"}
# An offset (in sizes) this far from 0 is shown as leaning small/large even without a strong flag: +0.44 size
# with 14 of 17 buyers finding it small is not "true to size" (the recommendation moves for it).
SLIGHT_OFFSET_SIZES = 0.25


def fit_direction(item: Mapping[str, Any]) -> tuple[str, str]:
    """(tag class, label) of a product's fit for the insights table: the strong flag, else the offset's size
    (the template adds the evidence: "Slightly small (some evidence)")."""
    flag = item.get("flag")
    if flag in _FLAG_LABELS:
        return ("small" if flag == "runs_small" else "large"), _FLAG_LABELS[flag]
    if not item.get("n"):
        return "none", ""
    offset = float(item.get("offset_sizes") or 0.0)
    if offset >= SLIGHT_OFFSET_SIZES:
        return "small", "Slightly small"
    if offset <= -SLIGHT_OFFSET_SIZES:
        return "large", "Slightly large"
    return "none", "True to size"


def _fit_insights(request: Request, session: Session, merchant_id: str) -> list[dict[str, Any]]:
    """Products with fit feedback, flagged ones first, shaped for the insights table."""
    adjuster = _fit_adjuster(request)
    if adjuster is None:
        return []
    rows = []
    for item in fit_insights(session, merchant_id, adjuster)["products"]:
        direction, label = fit_direction(item)
        rows.append({**item, **item["counts"], "direction": direction, "direction_label": label})
    return rows
