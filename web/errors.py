"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from fitguide.errors import (
    Conflict,
    FitGuideError,
    Forbidden,
    InvalidInput,
    NotFound,
    NotReady,
    RateLimited,
    TooLarge,
    Unauthorized,
)
from web.deps import request_language

STATUS_BY_ERROR: dict[type[FitGuideError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    RateLimited: 429,
    NotReady: 503,
}


def status_for(error: FitGuideError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_body(error: FitGuideError, lang: str) -> dict[str, object]:
    body: dict[str, object] = {"error": error.code, "detail": error.localized(lang)}
    if error.issues:
        body["issues"] = [issue.as_dict(lang) for issue in error.issues]
    return body


# Bodies larger than this are not re-read to find a "lang" field for an error message.
_LANG_SNIFF_MAX_BYTES = 64 * 1024
# Chinese for the request-shape problems pydantic reports (by error type); others keep pydantic's English.
_VALIDATION_REASONS_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不支持的字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "list_type": "应为列表",
    "literal_error": "不是允许的取值",
    "enum": "不是允许的取值",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "string_too_short": "文本太短",
    "string_too_long": "文本太长",
    "too_short": "条目太少",
    "too_long": "条目太多",
    "json_invalid": "不是有效的 JSON",
    "value_error": "取值无效",
}


async def error_language(request: Request, body: object = None) -> str:
    """The caller's language for an error: ``?lang=``, else a JSON body's ``"lang"`` field (the widget and
    the size API send it there), else Accept-Language."""
    if request.query_params.get("lang", "").strip().lower() in ("zh", "en"):
        return request_language(request)
    if body is None and "json" in request.headers.get("content-type", ""):
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) <= _LANG_SNIFF_MAX_BYTES:
            try:
                body = json.loads(await request.body())
            except (ValueError, RuntimeError):  # not JSON, or the stream is gone
                body = None
    if isinstance(body, dict) and str(body.get("lang", "")).strip().lower() in ("zh", "en"):
        return str(body["lang"]).strip().lower()
    return request_language(request)


def _shown_value(value: object) -> object:
    """The offending input as the client sent it (scalars as-is, anything else as short text)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value if not isinstance(value, str) else value[:200]
    return json.dumps(value, ensure_ascii=False, default=str)[:200]


def _column(location: tuple[int | str, ...]) -> str:
    """The field's path in the request. Pydantic puts "body" (the JSON body itself) first; only that
    leading part goes, so a missing body stays "body" and a recommend field literally named "body" stays
    "body" / "body.height_cm"."""
    parts = [str(part) for part in location]
    if len(parts) > 1 and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts)


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FitGuideError)
    status = status_for(exc)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(error_body(exc, await error_language(request)), status_code=status, headers=headers)


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = await error_language(request, exc.body)
    issues = []
    for err in exc.errors():
        location = _column(err.get("loc", ()))
        kind = str(err.get("type", ""))
        reason = err.get("msg")
        if lang == "zh" and kind in _VALIDATION_REASONS_ZH:
            reason = _VALIDATION_REASONS_ZH[kind]
        issues.append(
            {
                "column": location or None,
                "row": None,
                "value": None if kind == "missing" else _shown_value(err.get("input")),
                "code": kind,
                "reason": reason,
            }
        )
    detail = "请求内容有误。" if lang == "zh" else "The request is invalid."
    return JSONResponse({"error": "invalid_request", "detail": detail, "issues": issues}, status_code=422)


# What every error body looks like (both handlers above). FastAPI documents its own 422 shape
# (HTTPValidationError, ``detail`` a list); the schema must describe what clients really receive.
ERROR_BODY_SCHEMA: dict[str, object] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "Machine-readable error code."},
        "detail": {"type": "string", "description": "What is wrong, in the caller's language."},
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["reason"],
                "properties": {
                    "row": {"type": ["integer", "null"]},
                    "column": {"type": ["string", "null"]},
                    "value": {},
                    "code": {"type": ["string", "null"]},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


def _document_error_body(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, object]:
        schema = generate()
        components = schema.get("components")
        if isinstance(components, dict) and "HTTPValidationError" in components.get("schemas", {}):
            components["schemas"]["HTTPValidationError"] = ERROR_BODY_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FitGuideError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    _document_error_body(app)
