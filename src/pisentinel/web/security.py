"""Who is asking and may they: sessions, API tokens, CSRF and role checks as FastAPI
dependencies.

A browser authenticates with the ``pis_session`` cookie (HttpOnly, SameSite=Strict, Secure);
every state-changing request it makes must carry the session's CSRF token, as the
``X-CSRF-Token`` header (htmx and fetch) or a ``csrf_token`` form field. A script sends
``Authorization: Bearer pis_…``; a browser never adds that header by itself, so token requests
need no CSRF token."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from pisentinel.web.accounts import Principal
from pisentinel.web.errors import ApiError, forbidden, unauthenticated
from pisentinel.web.roles import Role
from pisentinel.web.services import Services

__all__ = ["SESSION_COOKIE", "current_principal", "optional_principal", "require", "services"]

SESSION_COOKIE = "pis_session"
LANG_COOKIE = "pis_lang"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def services(request: Request) -> Services:
    return request.app.state.services


def _lookup(request: Request, svc: Services) -> Principal | None:
    if "principal" in request.state._state:
        return request.state.principal
    principal = None
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        principal = svc.accounts.token_principal(auth[7:].strip())
        if principal is None:
            raise ApiError(401, "invalid_token", "API 令牌无效或已吊销",
                           "the API token is invalid or revoked", {"WWW-Authenticate": "Bearer"})
    elif secret := request.cookies.get(SESSION_COOKIE):
        principal = svc.accounts.session_principal(secret)
    request.state.principal = principal
    return principal


def optional_principal(request: Request,
                       svc: Annotated[Services, Depends(services)]) -> Principal | None:
    return _lookup(request, svc)


async def _check_csrf(request: Request, principal: Principal) -> None:
    if request.method in _SAFE or principal.via != "session":
        return
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent,
                                                                       principal.csrf_token):
        raise ApiError(403, "csrf_failed", "页面已过期或请求来源不明，请刷新页面后重试",
                       "missing or wrong CSRF token; reload the page and try again")


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the signed-in principal, if their role is at least ``role`` and, for a
    state-changing browser request, the CSRF token matches."""

    async def dependency(request: Request, svc: Annotated[Services, Depends(services)]) -> Principal:
        principal = _lookup(request, svc)
        if principal is None:
            raise unauthenticated()
        if not principal.role.at_least(role):
            raise forbidden()
        await _check_csrf(request, principal)
        return principal

    dependency.__name__ = f"require_{role.value}"
    return dependency


current_principal = require(Role.VIEWER)
