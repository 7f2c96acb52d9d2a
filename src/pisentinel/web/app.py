"""The FastAPI application: REST API under ``/api/v1``, the console at ``/``, static assets
(htmx and Apache ECharts, vendored) under ``/static``."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pisentinel import __version__
from pisentinel.web.errors import ApiError, error_body
from pisentinel.web.services import Services
from pisentinel.web.settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("pisentinel.web")
HERE = Path(__file__).parent

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.headers.get("hx-request") == "true"


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The app for ``settings``; ``services`` may be passed in by tests that share a store."""
    svc = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if services is None:
            svc.close()

    app = FastAPI(
        title="pisentinel API", version=__version__, lifespan=lifespan,
        description=("个人信息保护线索研判平台 REST API / pisentinel REST API. Authenticate with "
                     "`Authorization: Bearer pis_…` (issued by an admin) or the console's session "
                     "cookie plus `X-CSRF-Token`. Errors: `{\"error\": {\"code\", \"message_zh\", "
                     "\"message_en\"}}`. Lists: `limit`, `offset` → `items`, `total`."),
        docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
        swagger_ui_oauth2_redirect_url=None)
    app.state.services = svc
    app.state.settings = settings

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if not _wants_json(request):
            from pisentinel.web.console import error_page

            if exc.status == 401:
                return RedirectResponse("/login", status_code=303)
            return error_page(request, exc)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) or "body"
                         for e in exc.errors()})
        where = ", ".join(fields)[:200]
        err = ApiError(422, "invalid_request", f"请求参数无效：{where}",
                       f"invalid request parameters: {where}")
        return await api_error(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        zh = {404: "页面或资源不存在", 405: "不支持此请求方法"}.get(exc.status_code, "请求失败")
        en = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "request failed")
        return await api_error(request, ApiError(exc.status_code, code, zh, en))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # The type only: an exception message may quote personal information.
        route = request.scope.get("route")
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method,
                  getattr(route, "path", "?"))
        return JSONResponse(error_body("internal", "服务器内部错误", "internal server error"),
                            status_code=500)

    from pisentinel.web.api import router as api_router
    from pisentinel.web.console import router as console_router
    from pisentinel.web.detect import router as detect_router
    from pisentinel.web.tips import router as tips_router

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        from pisentinel.web.console import templates

        return templates.TemplateResponse(request, "api_docs.html", {})

    app.include_router(api_router)
    app.include_router(detect_router)  # /api/v1/detect and /redact: the detector over REST
    app.include_router(console_router)
    app.include_router(tips_router)  # the public tip page (公众参与) and analysts' tip review
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(HeadersAndAccessLog)
    return app


class HeadersAndAccessLog:
    """Security headers on every response, and one log line per request with the route
    template (``/api/v1/leads/{lead_id}``), never the query string: it may hold PI. A plain
    ASGI middleware (cheaper than ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        static = scope["path"].startswith("/static/")
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if not static:
                route = scope.get("route")
                log.info("%s %s %s %.1fms", scope["method"], getattr(route, "path", "-"),
                         status, (time.perf_counter() - t0) * 1000)
