"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

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


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FitGuideError)
    status = status_for(exc)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(error_body(exc, request_language(request)), status_code=status, headers=headers)


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    issues = []
    for err in exc.errors():
        location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
        issues.append(
            {
                "column": location or None,
                "row": None,
                "value": None,
                "code": err.get("type"),
                "reason": err.get("msg"),
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
