"""REST API ``/api/v1``: everything the console does, for scripts (Bearer tokens) and for the
console's own htmx and fetch calls (session cookie + CSRF token).

Lists take ``limit`` and ``offset`` and answer ``{"items", "total", "limit", "offset"}``; errors
answer ``{"error": {"code", "message_zh", "message_en"}}`` (see :mod:`.errors`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from pisentinel.leads import InvalidTransition, LeadStatus, UnknownLead, UnmaskedIdentifierError
from pisentinel.leads import schema as t
from pisentinel.leads.model import check_transition
from pisentinel.models import UnknownModel, available_models, get_model
from pisentinel.models.manifest import ParamSpec
from pisentinel.web.accounts import Principal, TokenInfo, User
from pisentinel.web.errors import ApiError, forbidden
from pisentinel.web.queries import LeadFilter, case_file, dashboard, lead_graph, list_leads
from pisentinel.web.roles import Role
from pisentinel.web.security import SESSION_COOKIE, require, services
from pisentinel.web.services import Services
from pisentinel.web.sources import mapping_for

__all__ = ["router"]

MAX_ID = 2**31 - 1
LeadId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
ObjId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Lang = Literal["zh", "en"]


class ErrorDetail(BaseModel):
    code: str
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422, 423)}

router = APIRouter(prefix="/api/v1", responses=ERRORS)

viewer = require(Role.VIEWER)
analyst = require(Role.ANALYST)
reviewer = require(Role.REVIEWER)
admin = require(Role.ADMIN)


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def user_public(u: User, lang: str = "zh") -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name,
            "role": u.role.value, "role_label": u.role.label(lang), "disabled": u.disabled,
            "locked": bool(u.locked_until and u.locked_until.timestamp() > _now_ts()),
            "created_at": u.created_at.isoformat(),
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}


def token_public(tk: TokenInfo) -> dict[str, Any]:
    return {"id": tk.id, "user_id": tk.user_id, "username": tk.username, "name": tk.name,
            "prefix": tk.prefix, "created_at": tk.created_at.isoformat(),
            "last_used_at": tk.last_used_at.isoformat() if tk.last_used_at else None,
            "revoked": tk.revoked_at is not None}


def _now_ts() -> float:
    import time

    return time.time()


# --- auth ---------------------------------------------------------------------------------


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def set_session_cookie(response: Response, svc: Services, secret: str) -> None:
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict",
                        secure=svc.settings.cookie_secure, path="/",
                        max_age=int(svc.settings.session_hours * 3600))


@router.post("/auth/login", tags=["auth"], summary="Sign in (sets the session cookie)")
def login(body: LoginBody, response: Response,
          svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    user = svc.accounts.authenticate(body.username, body.password)
    session = svc.accounts.open_session(user)
    set_session_cookie(response, svc, session.secret)
    return {"user": user_public(user), "csrf_token": session.csrf_token,
            "expires_at": session.expires_at.isoformat()}


@router.post("/auth/logout", tags=["auth"], summary="Sign out")
def logout(request: Request, response: Response, who: Annotated[Principal, Depends(viewer)],
           svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    if secret := request.cookies.get(SESSION_COOKIE):
        svc.accounts.close_session(secret)
    response.delete_cookie(SESSION_COOKIE, path="/")
    svc.store.audit(who.name, "auth.logout", "user", who.name)
    return {"ok": True}


@router.get("/me", tags=["auth"], summary="Who am I")
def me(who: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    return {"user": user_public(who.user), "via": who.via, "csrf_token": who.csrf_token}


# --- dashboard and models -------------------------------------------------------------------


@router.get("/dashboard", tags=["leads"], summary="Lead figures for the dashboard")
def get_dashboard(*, days: Annotated[int, Query(ge=1, le=365)] = 30,
                  who: Annotated[Principal, Depends(viewer)],
                  svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return dashboard(svc.store, days)


def model_public(name: str, svc: Services) -> dict[str, Any]:
    m = get_model(name).manifest
    return {"name": m.name, "version": m.version, "title_zh": m.title_zh, "title_en": m.title_en,
            "description_zh": m.description_zh, "scenario": m.scenario,
            "inputs": [{"name": i.name, "zh": i.description_zh, "required": i.required,
                        "kind": i.kind,
                        "columns": [{"name": c.name, "zh": c.description_zh,
                                     "required": c.required} for c in i.columns]}
                       for i in m.inputs],
            "params": [param_public(p, svc) for p in m.params],
            "provisions": list(m.provisions)}


def param_public(spec: ParamSpec, svc: Services) -> dict[str, Any]:
    """A parameter as a run started here treats it: a rules parameter's text is this server's
    (what an empty value means with or without `serve --rules`), not the manifest's."""
    out = {"name": spec.name, "default": spec.default, "zh": spec.description_zh,
           "en": spec.description_en, "kind": spec.kind}
    return (out | svc.jobs.rules_param_public()) if spec.kind == "rules" else out


MODELS_DOC = ("Each parameter has `zh` and `en` descriptions. A `kind: rules` parameter (a "
              "detection-rules file) is described as on this server: left empty, a run reads "
              "the file the server was started with (`served_rules`: its file name and SHA-256, "
              "null when there is none, and then empty means built-in types only); one of "
              "`no_rules_words` (none, 无) asks for built-in types only.")


@router.get("/models", tags=["models"], summary="Screening models", description=MODELS_DOC)
def list_models(who: Annotated[Principal, Depends(viewer)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    items = [model_public(n, svc) for n in available_models()]
    return page(items, len(items), len(items), 0)


@router.get("/models/{name}", tags=["models"], summary="One screening model's manifest",
            description=MODELS_DOC)
def get_model_api(name: Annotated[str, PathParam(max_length=64)],
                  who: Annotated[Principal, Depends(viewer)],
                  svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    try:
        return model_public(name, svc)
    except UnknownModel:
        raise ApiError(404, "unknown_model", "未知模型", "unknown model") from None


# --- sources --------------------------------------------------------------------------------


@router.get("/sources", tags=["sources"], summary="Data sources")
def list_sources(*, limit: Limit = 50, offset: Offset = 0, who: Annotated[Principal, Depends(viewer)],
                 svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    items, total = svc.sources.page(limit, offset)
    return page([s.public() for s in items], total, limit, offset)


@router.post("/sources", tags=["sources"], status_code=201, summary="Upload a file")
def upload_source(file: Annotated[UploadFile, File()], who: Annotated[Principal, Depends(analyst)],
                  svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return svc.sources.upload(file.filename or "", file.file, by=who.name).public()


class RegisterBody(BaseModel):
    path: str = Field(min_length=1, max_length=4096)
    name: str | None = Field(default=None, max_length=255)


@router.post("/sources/register", tags=["sources"], status_code=201,
             summary="Register a file on the server by path (inside an allowed root)")
def register_source(body: RegisterBody, who: Annotated[Principal, Depends(analyst)],
                    svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return svc.sources.register(body.path, by=who.name, name=body.name).public()


@router.get("/sources/{source_id}", tags=["sources"], summary="A source with its schema")
def get_source(source_id: ObjId, who: Annotated[Principal, Depends(viewer)],
               svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return svc.sources.get(source_id).public()


@router.get("/sources/{source_id}/mapping", tags=["sources"],
            summary="How the source's headers map onto a model input")
def get_mapping(source_id: ObjId, model: Annotated[str, Query(max_length=64)],
                input: Annotated[str, Query(max_length=64)], who: Annotated[Principal, Depends(viewer)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return mapping_for(svc.sources.get(source_id), model, input)


class MappingBody(BaseModel):
    model: str = Field(max_length=64)
    input: str = Field(max_length=64)
    mapping: dict[str, str] = Field(description="canonical column → header ('' to unpin)")


@router.put("/sources/{source_id}/mapping", tags=["sources"], summary="Fix the column mapping")
def put_mapping(source_id: ObjId, body: MappingBody, who: Annotated[Principal, Depends(analyst)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    src = svc.sources.get(source_id)
    view = mapping_for(src, body.model, body.input)
    known = {c["name"] for c in view["columns"]}
    for canon, header in body.mapping.items():
        if canon not in known or (header and header not in view["headers"]):
            raise ApiError(400, "invalid_mapping", "映射中的列或表头不存在",
                           "the mapping names a column or header that does not exist")
    svc.sources.set_mapping(source_id, f"{body.model}:{body.input}", body.mapping, by=who.name)
    return mapping_for(svc.sources.get(source_id), body.model, body.input)


# --- runs -----------------------------------------------------------------------------------


class JobBody(BaseModel):
    model: str = Field(max_length=64)
    inputs: dict[str, list[Annotated[int, Field(ge=1, le=MAX_ID)]]] = Field(
        description="input name → source ids")
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)


@router.post("/jobs", tags=["runs"], status_code=202, summary="Start a model run in the background")
def start_job(body: JobBody, who: Annotated[Principal, Depends(analyst)],
              svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return svc.jobs.submit(body.model, body.inputs, body.params, by=who.name).public()


@router.get("/jobs", tags=["runs"], summary="Run jobs started from the console")
def list_jobs(*, limit: Limit = 50, offset: Offset = 0, who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    items, total = svc.jobs.page(limit, offset)
    return page([j.public() for j in items], total, limit, offset)


@router.get("/jobs/{job_id}", tags=["runs"], summary="A run job with its progress events")
def get_job(job_id: ObjId, who: Annotated[Principal, Depends(viewer)],
            svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return svc.jobs.get(job_id).public()


def run_public(run: Any) -> dict[str, Any]:
    return {"id": run.id, "model": run.model, "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "params": run.params, "inputs": run.inputs, "versions": run.versions,
            "counts": run.counts}


@router.get("/runs", tags=["runs"], summary="Run records (chain of custody)")
def list_runs(*, limit: Limit = 50, offset: Offset = 0, who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    with svc.store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(t.runs)).scalar_one()
        ids = conn.execute(sa.select(t.runs.c.id).order_by(t.runs.c.started_at.desc())
                           .limit(limit).offset(offset)).scalars().all()
    return page([run_public(svc.store.get_run(i)) for i in ids], int(total), limit, offset)


RunId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_\-]+$")]


def _run_or_404(svc: Services, run_id: str) -> Any:
    try:
        return svc.store.get_run(run_id)
    except KeyError:
        raise ApiError(404, "not_found", "运行记录不存在", "run not found") from None


@router.get("/runs/{run_id}", tags=["runs"], summary="One run record")
def get_run(run_id: RunId, who: Annotated[Principal, Depends(viewer)],
            svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return run_public(_run_or_404(svc, run_id))


ReportFormat = Literal["docx", "pdf", "html", "md", "json"]


def _download(data: bytes, fmt: str, filename: str) -> Response:
    from pisentinel.leads.reports import MEDIA_TYPES

    return Response(data, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def _audited_download(svc: Services, who: Principal, kind: str, ident: str, data: bytes,
                      fmt: str, lang: str, filename: str) -> Response:
    """A report leaves the system: the audit log keeps who took which bytes (their hash)."""
    import hashlib

    svc.store.audit(who.name, "report.export", kind, ident, detail={
        "format": fmt, "lang": lang, "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data)})
    return _download(data, fmt, filename)


def export_run_report(svc: Services, who: Principal, run_id: str, fmt: str,
                      lang: str) -> Response:
    from pisentinel.leads.reports import render_run_report_bytes

    _run_or_404(svc, run_id)
    data = render_run_report_bytes(svc.store, run_id, fmt, lang=lang)
    return _audited_download(svc, who, "run", run_id, data, fmt, lang, f"run-{run_id}.{fmt}")


@router.get("/runs/{run_id}/report", tags=["reports"], summary="Download a run report",
            response_class=Response)
def run_report(*, run_id: RunId, format: ReportFormat = "pdf", lang: Lang = "zh",
               who: Annotated[Principal, Depends(analyst)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    return export_run_report(svc, who, run_id, format, lang)


# --- leads ----------------------------------------------------------------------------------


def lead_row(lead: Any, lang: str = "zh") -> dict[str, Any]:
    from pisentinel.leads.reports.context import lead_number

    sev = lead.severity.level
    return {"id": lead.id, "number": lead_number(lead), "model": lead.model, "kind": lead.kind,
            "title": lead.title_en if lang == "en" and lead.title_en else lead.title_zh,
            "subject": {"type": lead.subject.type, "display": lead.subject.display},
            "severity": sev.value, "severity_label": sev.label_en if lang == "en"
            else sev.label_zh, "severity_ratio": lead.severity.ratio,
            "status": lead.status.value,
            "status_label": lead.status.value if lang == "en" else lead.status.label_zh,
            "affected_people": lead.affected_people,
            "updated_at": lead.updated_at.isoformat() if lead.updated_at else None,
            "created_at": lead.created_at.isoformat() if lead.created_at else None}


def lead_filter(*, model: Annotated[str | None, Query(max_length=64)] = None,
                severity: Annotated[list[str] | None, Query()] = None, status: Annotated[list[str] | None, Query()] = None,
                region: Annotated[str | None, Query(max_length=32)] = None,
                date_from: Annotated[date | None, Query()] = None, date_to: Annotated[date | None, Query()] = None,
                q: Annotated[str | None, Query(max_length=64)] = None) -> LeadFilter:
    return LeadFilter(model or None, tuple(severity or ()), tuple(status or ()), region,
                      date_from, date_to, q)


@router.get("/leads", tags=["leads"], summary="Leads, filtered, most severe first")
def get_leads(*, flt: Annotated[LeadFilter, Depends(lead_filter)], limit: Limit = 50, offset: Offset = 0,
              lang: Lang = "zh", who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    items, total = list_leads(svc.store, flt, limit, offset)
    return page([lead_row(ld, lang) for ld in items], total, limit, offset)


def lead_or_404(svc: Services, lead_id: int) -> Any:
    try:
        return svc.store.get(lead_id)
    except UnknownLead:
        raise ApiError(404, "not_found", "线索不存在", "lead not found") from None


def lead_case(svc: Services, lead_id: int, lang: str) -> dict[str, Any]:
    return dict(case_file(svc.store, lead_or_404(svc, lead_id), lang))


@router.get("/leads/{lead_id}", tags=["leads"],
            summary="One lead as a case file (masked): summary, evidence, provisions, history")
def get_lead(*, lead_id: LeadId, lang: Lang = "zh", who: Annotated[Principal, Depends(viewer)],
             svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    case = lead_case(svc, lead_id, lang)
    lead = svc.store.get(lead_id)
    revealable = svc.reveals.has(tok for tok, _ in lead.tokens())
    case["revealable_tokens"] = sorted(revealable) if who.role.at_least(Role.REVIEWER) else []
    return case


@router.get("/leads/{lead_id}/linked", tags=["leads"], summary="Leads sharing a token")
def get_linked(*, lead_id: LeadId, lang: Lang = "zh", who: Annotated[Principal, Depends(viewer)],
               svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    lead_or_404(svc, lead_id)
    items = [{**lead_row(ln.lead, lang), "shared_tokens": list(ln.shared_tokens)}
             for ln in svc.store.linked_leads(lead_id)]
    return page(items, len(items), max(1, len(items)), 0)


@router.get("/leads/{lead_id}/graph", tags=["leads"], summary="Ring graph: lead, tokens, linked")
def get_graph(lead_id: LeadId, who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return lead_graph(svc.store, lead_or_404(svc, lead_id))


class CommentBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


def add_comment(svc: Services, who: Principal, lead_id: int, text: str) -> dict[str, Any]:
    lead_or_404(svc, lead_id)
    if not text.strip():
        raise ApiError(400, "empty_comment", "评论不能为空", "the comment is empty")
    try:
        c = svc.store.add_comment(lead_id, who.name, text.strip())
    except UnmaskedIdentifierError:
        raise ApiError(422, "unmasked_identifier", "评论含未脱敏的身份证号或手机号，请删去后再提交",
                       "the comment holds an unmasked ID or mobile number; remove it") from None
    return {"id": c.id, "author": c.author, "text": c.text,
            "created_at": c.created_at.isoformat() if c.created_at else None}


@router.post("/leads/{lead_id}/comments", tags=["leads"], status_code=201,
             summary="Comment on a lead")
def post_comment(lead_id: LeadId, body: CommentBody, who: Annotated[Principal, Depends(analyst)],
                 svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return add_comment(svc, who, lead_id, body.text)


class StatusBody(BaseModel):
    status: LeadStatus
    reason: str | None = Field(default=None, max_length=2000)


def needed_role(current: LeadStatus, target: LeadStatus) -> Role:
    """Analysts triage (new ⇄ reviewing, dismiss, reopen a dismissed lead); confirming, filing
    and reopening a confirmed lead are a reviewer's call."""
    if target in (LeadStatus.CONFIRMED, LeadStatus.FILED) or current is LeadStatus.CONFIRMED:
        return Role.REVIEWER
    return Role.ANALYST


def change_status(svc: Services, who: Principal, lead_id: int, target: LeadStatus,
                  reason: str | None) -> dict[str, Any]:
    lead = lead_or_404(svc, lead_id)
    if not who.role.at_least(needed_role(lead.status, target)):
        raise forbidden()
    reason = (reason or "").strip() or None
    try:
        check_transition(lead.status, target, reason)
        new = svc.store.set_status(lead_id, target, who.name, reason)
    except InvalidTransition as e:
        zh, _, en = str(e).partition(" / ")
        raise ApiError(409, "invalid_transition", zh, en or zh) from None
    except UnmaskedIdentifierError:
        raise ApiError(422, "unmasked_identifier", "理由含未脱敏的身份证号或手机号",
                       "the reason holds an unmasked ID or mobile number") from None
    return {"id": lead_id, "status": new.value, "status_label": new.label_zh}


@router.post("/leads/{lead_id}/status", tags=["leads"], summary="Move a lead along the workflow")
def post_status(lead_id: LeadId, body: StatusBody, who: Annotated[Principal, Depends(analyst)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return change_status(svc, who, lead_id, body.status, body.reason)


def export_lead_report(svc: Services, who: Principal, lead_id: int, fmt: str,
                       lang: str) -> Response:
    from pisentinel.leads.reports import render_lead_report_bytes
    from pisentinel.leads.reports.context import lead_number

    lead = lead_or_404(svc, lead_id)
    data = render_lead_report_bytes(svc.store, lead_id, fmt, lang=lang)
    return _audited_download(svc, who, "lead", str(lead_id), data, fmt, lang,
                             f"{lead_number(lead)}.{fmt}")


@router.get("/leads/{lead_id}/report", tags=["reports"], summary="Download a lead report",
            response_class=Response)
def lead_report(*, lead_id: LeadId, format: ReportFormat = "pdf", lang: Lang = "zh",
                who: Annotated[Principal, Depends(analyst)],
                svc: Annotated[Services, Depends(services)]) -> Response:
    return export_lead_report(svc, who, lead_id, format, lang)


class RevealBody(BaseModel):
    token: str = Field(min_length=3, max_length=128)
    reason: str = Field(min_length=4, max_length=1000,
                        description="why the raw value is needed (goes to the audit log)")


def reveal_value(svc: Services, who: Principal, lead_id: int, token: str,
                 reason: str) -> dict[str, Any]:
    lead = lead_or_404(svc, lead_id)
    if token not in dict(lead.tokens()):
        raise ApiError(404, "unknown_token", "该线索没有这个令牌", "the lead has no such token")
    reason = reason.strip()
    if len(reason) < 4:
        raise ApiError(400, "reason_required", "查看原始值须说明理由（至少 4 个字）",
                       "state a reason (at least 4 characters) to reveal a raw value")
    try:  # audited before the value is read, so a crash cannot reveal unrecorded
        svc.store.audit(who.name, "lead.reveal", "lead", str(lead_id), reason,
                        {"token": token})
    except UnmaskedIdentifierError:
        raise ApiError(422, "unmasked_identifier", "理由含未脱敏的身份证号或手机号",
                       "the reason holds an unmasked ID or mobile number") from None
    value = svc.reveals.reveal(token)
    if value is None:
        raise ApiError(404, "not_revealable", "该令牌没有可查看的原始值（运行时未记录）",
                       "no raw value was recorded for this token at run time")
    return {"lead_id": lead_id, "token": token, "value": value}


@router.post("/leads/{lead_id}/reveal", tags=["leads"],
             summary="Reveal the raw value behind a lead token (reviewer, reason, audited)")
def post_reveal(lead_id: LeadId, body: RevealBody, response: Response,
                who: Annotated[Principal, Depends(reviewer)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    return reveal_value(svc, who, lead_id, body.token, body.reason)


# --- administration ---------------------------------------------------------------------------


@router.get("/users", tags=["admin"], summary="Users")
def list_users(*, limit: Limit = 50, offset: Offset = 0, who: Annotated[Principal, Depends(admin)],
               svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    users = svc.accounts.users()
    return page([user_public(u) for u in users[offset:offset + limit]], len(users), limit,
                offset)


class NewUser(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: Role
    display_name: str | None = Field(default=None, max_length=128)


@router.post("/users", tags=["admin"], status_code=201, summary="Add a user")
def add_user(body: NewUser, who: Annotated[Principal, Depends(admin)],
             svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return user_public(svc.accounts.add_user(body.username, body.password, body.role,
                                             body.display_name, by=who.name))


class UserChange(BaseModel):
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, max_length=1024)
    display_name: str | None = Field(default=None, max_length=128)


@router.patch("/users/{user_id}", tags=["admin"], summary="Change a user's role, state, password")
def change_user(user_id: ObjId, body: UserChange, who: Annotated[Principal, Depends(admin)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    if user_id == who.user.id and (body.disabled or (body.role and body.role != Role.ADMIN)):
        raise ApiError(409, "self_lockout", "不能停用自己或降低自己的权限",
                       "you cannot disable or demote yourself")
    return user_public(svc.accounts.update_user(
        user_id, by=who.name, role=body.role, disabled=body.disabled, password=body.password,
        display_name=body.display_name))


@router.get("/tokens", tags=["admin"], summary="API tokens (never the secrets)")
def list_tokens(*, limit: Limit = 50, offset: Offset = 0, who: Annotated[Principal, Depends(admin)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    tokens = svc.accounts.tokens()
    return page([token_public(x) for x in tokens[offset:offset + limit]], len(tokens), limit,
                offset)


class NewToken(BaseModel):
    user_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=128)


@router.post("/tokens", tags=["admin"], status_code=201,
             summary="Issue an API token (the secret is shown once)")
def issue_token(body: NewToken, who: Annotated[Principal, Depends(admin)],
                svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    secret, info = svc.accounts.issue_token(body.user_id, body.name, by=who.name)
    return {**token_public(info), "token": secret}


@router.delete("/tokens/{token_id}", tags=["admin"], summary="Revoke an API token")
def revoke_token(token_id: ObjId, who: Annotated[Principal, Depends(admin)],
                 svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return token_public(svc.accounts.revoke_token(token_id, by=who.name))


def audit_page(svc: Services, limit: int, offset: int, object_type: str | None,
               action: str | None) -> dict[str, Any]:
    cond = []
    if object_type:
        cond.append(t.audit_log.c.object_type == object_type)
    if action:
        cond.append(t.audit_log.c.action == action)
    with svc.store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(t.audit_log).where(*cond)
                             ).scalar_one()
        rows = conn.execute(sa.select(t.audit_log).where(*cond)
                            .order_by(t.audit_log.c.id.desc()).limit(limit).offset(offset)
                            ).mappings().all()
    items = [{"id": r["id"], "at": r["at"].isoformat(), "actor": r["actor"],
              "action": r["action"], "object_type": r["object_type"],
              "object_id": r["object_id"], "reason": r["reason"], "detail": r["detail"]}
             for r in rows]
    return page(items, int(total), limit, offset)


@router.get("/audit", tags=["admin"], summary="The append-only audit log, newest first")
def get_audit(*, limit: Limit = 50, offset: Offset = 0,
              object_type: Annotated[str | None, Query(max_length=32)] = None,
              action: Annotated[str | None, Query(max_length=64)] = None,
              who: Annotated[Principal, Depends(admin)], svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return audit_page(svc, limit, offset, object_type, action)


