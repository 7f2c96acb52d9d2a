"""The public tip page (公众举报, no sign-in) and the analysts' tip list.

Public: ``GET /tips`` (the form, Chinese, fits a phone screen, no script), ``POST /tips`` (takes
the tip, shows the receipt code once), ``GET|POST /tips/follow-up`` (a receipt code shows the
tip's progress and adds text or files). Console: ``GET /tips/review`` (analyst: tips and the
named subjects ranked by tips and linked model leads) and ``GET /api/v1/tips/subjects``.

Everything rendered back is autoescaped by Jinja2 and the app's CSP forbids inline script; the
receipt code travels in a POST body, never in a URL (URLs reach logs). The app includes
``router``; the tip desk is built once per app from its services (store, workspace key).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from pisentinel.protect import load_project_key
from pisentinel.tips import (
    SCENARIOS,
    SUBJECT_KINDS,
    TipDesk,
    TipForm,
    TipRejected,
    Upload,
    rank_subjects,
)
from pisentinel.web.accounts import Principal
from pisentinel.web.roles import Role
from pisentinel.web.security import require, services
from pisentinel.web.services import Services

__all__ = ["router", "tip_desk"]

router = APIRouter(include_in_schema=False)
analyst = require(Role.ANALYST)


def tip_desk(request: Request, svc: Annotated[Services, Depends(services)]) -> TipDesk:
    desk = getattr(request.app.state, "tip_desk", None)
    if desk is None:
        workspace = svc.settings.workspace
        desk = TipDesk(svc.store, load_project_key(workspace), workspace / "tips")
        request.app.state.tip_desk = desk
    return desk


def _templates() -> Any:
    from pisentinel.web.console import templates

    return templates


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    base = {"scenarios": SCENARIOS, "kinds": SUBJECT_KINDS}
    response = _templates().TemplateResponse(request, template, {**base, **context},
                                             status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _uploads(desk: TipDesk, files: list[UploadFile]) -> list[Upload]:
    out = []
    for f in files:
        if not f.filename:
            continue
        data = await f.read(desk.uploads.max_file_bytes + 1)
        out.append(Upload(f.filename, data))
        if len(out) > desk.uploads.max_files:
            break
    return out


@router.get("/tips", response_class=HTMLResponse)
def tip_form(request: Request) -> Response:
    return _page(request, "tips/form.html", values={}, error=None)


@router.post("/tips", response_class=HTMLResponse)
async def tip_submit(
    request: Request, desk: Annotated[TipDesk, Depends(tip_desk)],
    scenario: Annotated[str, Form(max_length=32)] = "",
    subject_kind: Annotated[str, Form(max_length=32)] = "app",
    subject_name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=6000)] = "",
    when: Annotated[str, Form(max_length=300)] = "",
    where: Annotated[str, Form(max_length=300)] = "",
    contact: Annotated[str, Form(max_length=300)] = "",
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI reads the default)
) -> Response:
    form = TipForm(scenario=scenario, subject_kind=subject_kind, subject_name=subject_name,
                   description=description, when=when, where=where, contact=contact)
    try:
        receipt = desk.submit(form, await _uploads(desk, files), client=_client(request))
    except TipRejected as e:
        values = {"scenario": scenario, "subject_kind": subject_kind,
                  "subject_name": subject_name, "description": description, "when": when,
                  "where": where}  # the contact is not echoed back
        return _page(request, "tips/form.html", e.status, values=values, error=e)
    return _page(request, "tips/receipt.html", code=receipt.code,
                 files=len(receipt.tip.attachments))


@router.get("/tips/follow-up", response_class=HTMLResponse)
def follow_up_form(request: Request) -> Response:
    return _page(request, "tips/follow_up.html", status_info=None, error=None)


@router.post("/tips/follow-up", response_class=HTMLResponse)
async def follow_up_submit(
    request: Request, desk: Annotated[TipDesk, Depends(tip_desk)],
    code: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=6000)] = "",
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Response:
    uploads = await _uploads(desk, files)
    try:
        if text.strip() or uploads:
            info = desk.follow_up(code, text, uploads, client=_client(request))
        else:
            info = desk.status(code, client=_client(request))
    except TipRejected as e:
        return _page(request, "tips/follow_up.html", e.status, status_info=None, error=e)
    return _page(request, "tips/follow_up.html", status_info=info, error=None,
                 added=bool(text.strip() or uploads))


@router.get("/tips/review", response_class=HTMLResponse)
def tip_review(request: Request, who: Annotated[Principal, Depends(analyst)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    from pisentinel.web.console import render

    tips = svc.store.tips(limit=200)
    leads = {tip.lead_id: svc.store.get(tip.lead_id) for tip in tips}
    return render(request, "tips/review.html", who, nav="tips", tips=tips, leads=leads,
                  ranked=rank_subjects(svc.store, limit=50), scenarios=SCENARIOS)


@router.get("/api/v1/tips/subjects")
def tip_subjects(who: Annotated[Principal, Depends(analyst)],
                 svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    ranked = rank_subjects(svc.store, limit=200)
    return {"items": [{"token": r.token, "type": r.type, "display": r.display, "tips": r.tips,
                       "model_leads": r.model_leads, "score": r.score,
                       "latest": r.latest.isoformat(), "lead_ids": list(r.lead_ids)}
                      for r in ranked], "total": len(ranked)}
