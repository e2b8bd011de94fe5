"""Every error leaves as `application/problem+json` (RFC 9457) with a stable `code`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from relaydesk.errors import AppError, CommonError, ErrorCode
from relaydesk.observability.context import request_id_var

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str = Field(description="A URI naming the problem type: urn:relaydesk:problem:<code>.")
    title: str
    status: int
    code: str = Field(description="Stable, machine-readable error code.")
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Client error", "content": {PROBLEM_JSON: {}}},
    "5XX": {"model": Problem, "description": "Server error", "content": {PROBLEM_JSON: {}}},
}


def problem_body(
    code: ErrorCode, path: str, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": f"urn:relaydesk:problem:{code.code}",
        "title": code.title,
        "status": code.status,
        "code": code.code,
        "detail": detail or code.title,
        "instance": path,
        "request_id": request_id_var.get(),
        **extra,
    }


def problem_response(
    request: Request,
    code: ErrorCode,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(code, request.url.path, detail, **extra)
    return JSONResponse(body, status_code=code.status, headers=headers, media_type=PROBLEM_JSON)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(request, exc.code, exc.detail, headers=exc.headers, **exc.extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(request, CommonError.MALFORMED_BODY, "The body is not valid JSON")
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
    return problem_response(
        request, CommonError.VALIDATION_FAILED, f"{where}: {first['msg']}", errors=errors
    )


_HTTP_CODES = {
    400: CommonError.BAD_REQUEST,
    404: CommonError.NOT_FOUND,
    413: CommonError.PAYLOAD_TOO_LARGE,
    415: CommonError.UNSUPPORTED_MEDIA_TYPE,
    429: CommonError.RATE_LIMITED,
    405: CommonError.METHOD_NOT_ALLOWED,
    401: CommonError.UNAUTHENTICATED,
    403: CommonError.FORBIDDEN,
    503: CommonError.UNAVAILABLE,
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    fallback = CommonError.INTERNAL if exc.status_code >= 500 else CommonError.BAD_REQUEST
    code = _HTTP_CODES.get(exc.status_code, fallback)
    detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in (404,) else None
    return problem_response(request, code, detail, headers=dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
