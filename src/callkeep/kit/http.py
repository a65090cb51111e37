"""The HTTP edge's plumbing: the request's database session, error rendering, body limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callkeep.errors import CallkeepError, PayloadTooLarge
from callkeep.kit.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _session(request: Request) -> Iterator[Session]:
    """One session per request, committed once when the endpoint returns without error."""
    read_only = request.method in ("GET", "HEAD", "OPTIONS")
    with runtime(request).db.transaction(read_only=read_only) as session:
        yield session


DbSession = Annotated[Session, Depends(_session, scope="function")]
AppRuntime = Annotated[Runtime, Depends(runtime)]


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as ``{"error": {"code", "message", "fields"?}}`` with its status."""

    @app.exception_handler(CallkeepError)
    async def _callkeep_error(_request: Request, exc: CallkeepError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            body = {
                "error": {
                    "code": "invalid_input",
                    "message": "body: not valid JSON in UTF-8",
                    "fields": [{"field": "body", "message": "not valid JSON in UTF-8"}],
                }
            }
            return JSONResponse(body, status_code=422)
        codes = {401: "authentication_required", 403: "permission_denied", 404: "not_found"}
        code = codes.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": detail}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(exc)


def rendered_error(exc: CallkeepError | RequestValidationError) -> tuple[int, dict[str, Any]]:
    """The status and JSON body an error leaves with: ``{"error": {"code", "message",
    "fields"?}}``. The one renderer of errors, for the application's handlers and the check's
    lane (`checks.lane`) alike."""
    if isinstance(exc, CallkeepError):
        return exc.status_code, exc.as_json()
    fields = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            fields.append({"field": "body", "message": "the body is not valid JSON (UTF-8)"})
            continue
        fields.append({"field": _field_name(loc), "message": str(err.get("msg", "invalid"))})
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid input"
    return 422, {"error": {"code": "invalid_input", "message": message, "fields": fields}}


def error_response(exc: CallkeepError | RequestValidationError) -> JSONResponse:
    """`rendered_error` as a JSON response."""
    status, body = rendered_error(exc)
    return JSONResponse(body, status_code=status)


class BodyLimit:
    """Refuses request bodies over a size (413), counted as they stream in.

    Paths under an upload prefix get the larger upload limit; a path in `path_limits` its own.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        upload_limit: int,
        upload_paths: tuple[str, ...],
        path_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_limit if path.startswith(self.upload_paths) else self.limit
        limit = self.path_limits.get(path, limit)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"the request body is over {limit} bytes")
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send, limit: int) -> None:
    response = error_response(PayloadTooLarge(f"the request body is over {limit} bytes"))
    body = response.body
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
