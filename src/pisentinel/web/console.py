"""The console: server-rendered pages (Jinja2) with htmx for partial updates.

Each page shows what a ``/api/v1`` endpoint returns and each form posts to a handler that calls
the same function the API does, so the console and the API cannot disagree. Forms carry the
session's CSRF token; htmx sends it as ``X-CSRF-Token`` (set once on ``<body>``)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pisentinel.leads import LeadStatus, SeverityLevel
from pisentinel.leads.model import TRANSITIONS
from pisentinel.leads.reports.context import lead_number
from pisentinel.leads.store import Run
from pisentinel.models import available_models
from pisentinel.web import api
from pisentinel.web.accounts import Principal
from pisentinel.web.app import HERE
from pisentinel.web.detect import NerMode
from pisentinel.web.errors import ApiError
from pisentinel.web.i18n import LANGS, STRINGS, text
from pisentinel.web.jobs import Job
from pisentinel.web.queries import LeadFilter, case_file, dashboard, lead_graph, list_leads
from pisentinel.web.roles import Role
from pisentinel.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    optional_principal,
    require,
    services,
)
from pisentinel.web.services import Services
from pisentinel.web.sources import mapping_for

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.auto_reload = False  # templates ship with the package; no stat() per render
PRELOGIN_COOKIE = "pis_prelogin"
PAGE = 25

viewer = require(Role.VIEWER)
analyst = require(Role.ANALYST)
reviewer = require(Role.REVIEWER)
admin = require(Role.ADMIN)


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGS else "zh"


def model_title(name: str, lang: str) -> str:
    """The model's short name (人脸识别), as reports print it; the manifest title otherwise."""
    from pisentinel.leads.reports._labels import MODEL_NAMES

    if name in MODEL_NAMES:
        return MODEL_NAMES[name][1 if lang == "en" else 0]
    model = available_models().get(name)
    if model is None:
        return name
    return (model.manifest.title_en or name) if lang == "en" else model.manifest.title_zh


def render(request: Request, template: str, who: Principal | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    lang = lang_of(request)

    def t(key: str, **kw: Any) -> str:
        return text(key, lang, **kw)

    base = {"request": request, "lang": lang, "t": t, "who": who,
            "csrf": who.csrf_token if who else "", "Role": Role,
            "can": (lambda role: who is not None and who.role.at_least(role)),
            "model_title": lambda n: model_title(n, lang), "number": lead_number,
            "count_label": lambda k: text(f"count_{k}", lang) if f"count_{k}" in STRINGS
            else k.replace("_", " "),
            "severity_label": lambda v: (SeverityLevel(v).label_en.split(" (")[0] if lang == "en"
                                         else SeverityLevel(v).label_zh),
            "status_label": lambda v: v if lang == "en" else LeadStatus(v).label_zh,
            "nav": context.pop("nav", "")}
    return templates.TemplateResponse(request, template, {**base, **context},
                                      status_code=status)


def error_page(request: Request, exc: ApiError) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    return render(request, "error.html", who, status=exc.status, error=exc,
                  message=exc.message(lang_of(request)))


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- sign-in and language -----------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, who: Annotated[Principal | None, Depends(optional_principal)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    if who is not None:
        return back("/")
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, nonce=nonce, error=None)
    response.set_cookie(PRELOGIN_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=svc.settings.cookie_secure, max_age=1800, path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(*, request: Request, username: Annotated[str, Form(max_length=64)],
                 password: Annotated[str, Form(max_length=1024)],
                 csrf_token: Annotated[str, Form(max_length=100)] = "",
                 svc: Annotated[Services, Depends(services)]) -> Response:
    nonce = request.cookies.get(PRELOGIN_COOKIE, "")
    lang = lang_of(request)
    if not nonce or not secrets.compare_digest(nonce, csrf_token):
        err = ApiError(403, "csrf_failed", "页面已过期，请重新登录", "the page expired; sign in again")
        return render(request, "login.html", None, status=403, nonce=nonce,
                      error=err.message(lang))
    try:
        user = svc.accounts.authenticate(username, password)
    except ApiError as e:
        return render(request, "login.html", None, status=e.status, nonce=nonce,
                      error=e.message(lang), username=username[:64])
    session = svc.accounts.open_session(user)
    response = back("/")
    api.set_session_cookie(response, svc, session.secret)
    response.delete_cookie(PRELOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_submit(request: Request, who: Annotated[Principal, Depends(viewer)],
                  svc: Annotated[Services, Depends(services)]) -> Response:
    if secret := request.cookies.get(SESSION_COOKIE):
        svc.accounts.close_session(secret)
    svc.store.audit(who.name, "auth.logout", "user", who.name)
    response = back("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_lang(*, code: str, request: Request, next: Annotated[str, Query(max_length=512)] = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = back(target)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400, path="/")
    return response


# --- dashboard --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, who: Annotated[Principal, Depends(viewer)],
                   svc: Annotated[Services, Depends(services)]) -> Response:
    lang = lang_of(request)
    stats = dashboard(svc.store)
    chart = {
        "models": [{"name": model_title(m, lang), "value": n}
                   for m, n in sorted(stats["by_model"].items(), key=lambda kv: -kv[1])],
        "severity": [{"key": k, "name": SeverityLevel(k).label_zh if lang == "zh"
                      else k.replace("_", " "),
                      "value": v} for k, v in stats["by_severity"].items()],
        "status": [{"key": k, "name": LeadStatus(k).label_zh if lang == "zh" else k, "value": v}
                   for k, v in stats["by_status"].items()],
        "trend": {"days": [d[5:] for d in stats["trend"]["days"]],
                  "series": [{"key": k, "name": SeverityLevel(k).label_zh if lang == "zh"
                              else k.replace("_", " "),
                              "data": v} for k, v in stats["trend"]["series"].items()]},
    }
    recent, _ = list_leads(svc.store, LeadFilter(status=("new", "reviewing")), 8, 0)
    open_n = sum(stats["by_status"][s] for s in ("new", "reviewing", "confirmed"))
    return render(request, "dashboard.html", who, nav="dashboard", stats=stats,
                  chart_json=json.dumps(chart, ensure_ascii=False), recent=recent,
                  open_n=open_n)


# --- leads ----------------------------------------------------------------------------------------


@router.get("/leads", response_class=HTMLResponse)
def leads_page(*, request: Request, flt: Annotated[LeadFilter, Depends(api.lead_filter)],
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0, who: Annotated[Principal, Depends(viewer)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    items, total = list_leads(svc.store, flt, PAGE, offset)
    params = {k: v for k, v in {
        "model": flt.model, "severity": flt.severity[0] if flt.severity else None,
        "status": flt.status[0] if flt.status else None, "region": flt.region,
        "date_from": flt.date_from, "date_to": flt.date_to, "q": flt.q}.items() if v}

    def link(off: int) -> str:
        return "/leads?" + urlencode({**params, "offset": off})

    template = "_lead_table.html" if request.headers.get("hx-request") == "true" and \
        request.headers.get("hx-target") == "lead-table" else "leads.html"
    return render(request, template, who, nav="leads", items=items, total=total, offset=offset,
                  page_size=PAGE, flt=params, models=list(available_models()),
                  prev_link=link(max(0, offset - PAGE)) if offset else None,
                  next_link=link(offset + PAGE) if offset + PAGE < total else None,
                  severities=list(SeverityLevel), statuses=list(LeadStatus))


def _timeline(case: dict[str, Any]) -> list[dict[str, str]]:
    """Evidence items that carry a time, in order (deceased-data cases: death, record access,
    funeral contact)."""
    out = []
    for ev in case["lead"]["evidence"]:
        for key in ("at", "time", "timestamp", "occurred_at", "access_time", "contact_time",
                    "death_time"):
            value = ev["detail"].get(key) if isinstance(ev["detail"], dict) else None
            if isinstance(value, str) and value[:2].isdigit():
                out.append({"at": value, "label": ev["detail"].get("event") or ev["excerpt"],
                            "source": ev["source"]})
                break
    return sorted(out, key=lambda e: e["at"])


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(request: Request, lead_id: api.LeadId, who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> Response:
    lang = lang_of(request)
    lead = api.lead_or_404(svc, lead_id)
    case = case_file(svc.store, lead, lang)
    linked = svc.store.linked_leads(lead_id)
    graph = lead_graph(svc.store, lead, linked)
    revealable = svc.reveals.has(tok for tok, _ in lead.tokens()) \
        if who.role.at_least(Role.REVIEWER) else set()
    nexts = sorted(TRANSITIONS[lead.status], key=lambda s: list(LeadStatus).index(s))
    allowed = [s for s in nexts if who.role.at_least(api.needed_role(lead.status, s))]
    return render(request, "lead.html", who, nav="leads", case=case, c=case["lead"], lead=lead,
                  linked=linked, graph_json=json.dumps(graph, ensure_ascii=False),
                  show_graph=len(graph["nodes"]) > 2, timeline=_timeline(case),
                  revealable=revealable, next_statuses=allowed, tokens=lead.tokens(),
                  evidence_shown=12)


@router.post("/leads/{lead_id}/status")
def lead_status_submit(*, lead_id: api.LeadId, status: Annotated[LeadStatus, Form()],
                       reason: Annotated[str, Form(max_length=2000)] = "", who: Annotated[Principal, Depends(analyst)],
                       svc: Annotated[Services, Depends(services)]) -> Response:
    api.change_status(svc, who, lead_id, status, reason)
    return back(f"/leads/{lead_id}")


@router.post("/leads/{lead_id}/comments")
def lead_comment_submit(lead_id: api.LeadId, text_: Annotated[str, Form(alias="text",
                                                                max_length=4000)],
                        who: Annotated[Principal, Depends(analyst)],
                        svc: Annotated[Services, Depends(services)]) -> Response:
    api.add_comment(svc, who, lead_id, text_)
    return back(f"/leads/{lead_id}#comments")


@router.post("/leads/{lead_id}/reveal", response_class=HTMLResponse)
def lead_reveal_submit(*, request: Request, lead_id: api.LeadId,
                       token: Annotated[str, Form(max_length=128)],
                       reason: Annotated[str, Form(max_length=1000)] = "",
                       who: Annotated[Principal, Depends(reviewer)],
                       svc: Annotated[Services, Depends(services)]) -> Response:
    lang = lang_of(request)
    try:
        got = api.reveal_value(svc, who, lead_id, token, reason)
        return render(request, "_revealed.html", who, value=got["value"], error=None)
    except ApiError as e:
        if e.status in (400, 404, 422):
            return render(request, "_revealed.html", who, value=None, error=e.message(lang))
        raise


@router.get("/leads/{lead_id}/export")
def lead_export(*, request: Request, lead_id: api.LeadId,
                format: api.ReportFormat = "pdf", who: Annotated[Principal, Depends(analyst)],
                svc: Annotated[Services, Depends(services)]) -> Response:
    return api.export_lead_report(svc, who, lead_id, format, lang_of(request))


# --- runs -------------------------------------------------------------------------------------


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, who: Annotated[Principal, Depends(viewer)],
              svc: Annotated[Services, Depends(services)]) -> Response:
    jobs, _ = svc.jobs.page(50, 0)
    records = api.list_runs(limit=50, offset=0, who=who, svc=svc)["items"]
    return render(request, "runs.html", who, nav="runs", jobs=jobs, records=records)


@router.get("/runs/new", response_class=HTMLResponse)
def new_run_page(*, request: Request, model: Annotated[str | None, Query(max_length=64)] = None,
                 source: Annotated[int | None, Query(ge=1, le=api.MAX_ID)] = None,
                 who: Annotated[Principal, Depends(analyst)],
                 svc: Annotated[Services, Depends(services)]) -> Response:
    models = available_models()
    chosen = models.get(model or "") or next(iter(models.values()))
    sources = list(svc.sources)
    template = "_run_form.html" if request.headers.get("hx-request") == "true" else "run_new.html"
    return render(request, template, who, nav="runs", models=models, model=chosen,
                  sources=sources, preselect=source, served_rules=_served_rules(svc))


def _served_rules(svc: Services) -> dict[str, str] | None:
    """The served rules file (`serve --rules`) as the run form names it: an empty rules
    parameter means this file, not "built-in types only" as the manifest says for the CLI
    (the API says the same, JobRunner.rules_param_public). The form is for analysts, who may
    name the file, so it shows the path; the API shows its name."""
    if svc.jobs.served_rules is None:
        return None
    return {"path": str(svc.jobs.served_rules), "digest": svc.jobs.served_digest}


def _rules_used(job: Job, run: Run | None, served: Path | None) -> list[dict[str, Any]]:
    """Per rules parameter of the job's model, the file the run used and the digest its record
    holds (none before the record exists): whoever reads the run must see whose PI types were
    counted, and whether they were the server's own."""
    model = available_models().get(job.model)
    params = run.params if run else job.params
    out = []
    for spec in model.manifest.params if model else ():
        if spec.kind == "rules":
            path = str(params.get(spec.name) or "")
            out.append({"name": spec.name, "path": path,
                        "digest": str(params.get(f"{spec.name}_digest") or ""),
                        "served": bool(path) and served is not None and path == str(served)})
    return out


@router.post("/runs/new")
async def new_run_submit(request: Request, who: Annotated[Principal, Depends(analyst)],
                         svc: Annotated[Services, Depends(services)]) -> Response:
    form = await request.form()
    model_name = str(form.get("model", ""))[:64]
    models = available_models()
    if model_name not in models:
        raise ApiError(404, "unknown_model", "未知模型", "unknown model")
    manifest = models[model_name].manifest
    inputs: dict[str, list[int]] = {}
    for spec in manifest.inputs:
        ids = [int(v) for v in form.getlist(f"input:{spec.name}")
               if isinstance(v, str) and v.isdigit() and len(v) < 10]
        if ids:
            inputs[spec.name] = ids
    params: dict[str, Any] = {}
    for p in manifest.params:
        raw = str(form.get(f"param:{p.name}", "")).strip()
        if raw and raw != str(p.default):
            params[p.name] = raw[:200]
    job = svc.jobs.submit(model_name, inputs, params, by=who.name)
    return back(f"/jobs/{job.id}")


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: api.ObjId, who: Annotated[Principal, Depends(viewer)],
             svc: Annotated[Services, Depends(services)]) -> Response:
    job = svc.jobs.get(job_id)
    run = None
    run_leads: list[Any] = []
    if job.run_id:
        try:
            run = svc.store.get_run(job.run_id)
        except KeyError:
            run = None
        from pisentinel.leads.reports.context import run_lead_ids

        ids = run_lead_ids(svc.store, job.run_id) if run else []
        run_leads = [svc.store.get(i) for i in ids[:50]]
    model = available_models().get(job.model)
    total_steps = (len(model.manifest.steps) + sum(1 for i in model.manifest.inputs
                                                   if i.kind == "table") + 2) if model else 1
    template = "_job_status.html" if request.headers.get("hx-request") == "true" else "job.html"
    return render(request, template, who, nav="runs", job=job, run=run, run_leads=run_leads,
                  total_steps=total_steps,
                  rules_used=_rules_used(job, run, svc.jobs.served_rules))


@router.get("/runs/{run_id}/export")
def run_export(*, request: Request, run_id: api.RunId, format: api.ReportFormat = "pdf",
               who: Annotated[Principal, Depends(analyst)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    return api.export_run_report(svc, who, run_id, format, lang_of(request))


# --- the detector ---------------------------------------------------------------------------


@router.get("/detect", response_class=HTMLResponse)
def detect_page(request: Request, who: Annotated[Principal, Depends(analyst)]) -> Response:
    return render(request, "detect.html", who, nav="detect", result=None, ner="near")


@router.post("/detect", response_class=HTMLResponse)
def detect_submit(*, request: Request, text: Annotated[str, Form(max_length=100_000)],
                  ner: Annotated[NerMode, Form()] = "near",
                  who: Annotated[Principal, Depends(analyst)],
                  svc: Annotated[Services, Depends(services)]) -> Response:
    """The pasted text comes back with its PI masked, never as it was typed: a page can be
    cached, printed or looked over a shoulder."""
    from pisentinel.web.detect import detect_texts, masked_preview

    scanner, results = detect_texts([text], ner=ner, rules=svc.rules)
    found = results[0]
    names = {f.type: scanner.type_name(f.type, lang_of(request)) for f in found}
    return render(request, "detect.html", who, nav="detect", ner=ner, names=names,
                  result=masked_preview(text, found, scanner), findings=found,
                  sensitive=scanner.sensitivity())


# --- sources ----------------------------------------------------------------------------------


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, who: Annotated[Principal, Depends(viewer)],
                 svc: Annotated[Services, Depends(services)]) -> Response:
    items, total = svc.sources.page(200, 0)
    roots = [str(r) for r in svc.settings.readable_roots()[1:]]
    return render(request, "sources.html", who, nav="sources", items=items, total=total,
                  roots=roots, max_mb=svc.settings.max_upload_bytes // (1 << 20))


@router.post("/sources/upload")
def source_upload_submit(file: Annotated[UploadFile, File()], who: Annotated[Principal, Depends(analyst)],
                         svc: Annotated[Services, Depends(services)]) -> Response:
    src = svc.sources.upload(file.filename or "", file.file, by=who.name)
    return back(f"/sources/{src.id}")


@router.post("/sources/register")
def source_register_submit(*, path: Annotated[str, Form(max_length=4096)],
                           name: Annotated[str, Form(max_length=255)] = "",
                           who: Annotated[Principal, Depends(analyst)],
                           svc: Annotated[Services, Depends(services)]) -> Response:
    src = svc.sources.register(path, by=who.name, name=name or None)
    return back(f"/sources/{src.id}")


def _inputs_for_mapping() -> list[tuple[str, str, str]]:
    return [(m.name, i.name, f"{m.manifest.title_zh} · {i.description_zh or i.name}")
            for m in available_models().values() for i in m.manifest.inputs if i.kind == "table"]


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(*, request: Request, source_id: api.ObjId,
                target: Annotated[str | None, Query(max_length=130)] = None,
                who: Annotated[Principal, Depends(viewer)], svc: Annotated[Services, Depends(services)]) -> Response:
    src = svc.sources.get(source_id)
    choices = _inputs_for_mapping()
    if target is None:  # the input whose mapping fits best
        best = None
        for m, i, _ in choices:
            fit = mapping_for(src, m, i)
            score = (fit["error"] is None, sum(1 for c in fit["columns"] if c["header"]))
            if best is None or score > best[0]:
                best = (score, f"{m}:{i}")
        target = best[1] if best else None
    view: dict[str, Any] | None = None
    if target and ":" in target:
        m, _, i = target.partition(":")
        view = mapping_for(src, m, i)
    template = "_mapping.html" if request.headers.get("hx-request") == "true" else "source.html"
    return render(request, template, who, nav="sources", src=src, choices=choices,
                  target=target, view=view)


@router.post("/sources/{source_id}/mapping")
async def source_mapping_submit(request: Request, source_id: api.ObjId,
                                who: Annotated[Principal, Depends(analyst)],
                                svc: Annotated[Services, Depends(services)]) -> Response:
    form = await request.form()
    target = str(form.get("target", ""))[:130]
    model, _, input_name = target.partition(":")
    mapping = {k[4:]: str(v)[:255] for k, v in form.items() if k.startswith("col:")}
    api.put_mapping(source_id, api.MappingBody(model=model, input=input_name, mapping=mapping),
                    who=who, svc=svc)
    return back(f"/sources/{source_id}?" + urlencode({"target": target}))


# --- administration -------------------------------------------------------------------------


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, who: Annotated[Principal, Depends(admin)],
               svc: Annotated[Services, Depends(services)]) -> Response:
    return render(request, "admin_users.html", who, nav="users", users=svc.accounts.users(),
                  roles=list(Role))


@router.post("/admin/users")
def users_add_submit(*, username: Annotated[str, Form(max_length=64)],
                     password: Annotated[str, Form(max_length=1024)], role: Annotated[Role, Form()],
                     display_name: Annotated[str, Form(max_length=128)] = "",
                     who: Annotated[Principal, Depends(admin)], svc: Annotated[Services, Depends(services)]
                     ) -> Response:
    svc.accounts.add_user(username, password, role, display_name or None, by=who.name)
    return back("/admin/users")


@router.post("/admin/users/{user_id}")
def users_change_submit(*, user_id: api.ObjId, role: Annotated[Role, Form()],
                        disabled: Annotated[str, Form()] = "", who: Annotated[Principal, Depends(admin)],
                        svc: Annotated[Services, Depends(services)]) -> Response:
    api.change_user(user_id, api.UserChange(role=role, disabled=disabled == "on"), who=who,
                    svc=svc)
    return back("/admin/users")


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, who: Annotated[Principal, Depends(admin)],
                svc: Annotated[Services, Depends(services)]) -> Response:
    return render(request, "admin_tokens.html", who, nav="tokens", tokens=svc.accounts.tokens(),
                  users=svc.accounts.users(), secret=None)


@router.post("/admin/tokens", response_class=HTMLResponse)
def tokens_issue_submit(request: Request, user_id: Annotated[int, Form(ge=1, le=api.MAX_ID)],
                        name: Annotated[str, Form(max_length=128)], who: Annotated[Principal, Depends(admin)],
                        svc: Annotated[Services, Depends(services)]) -> Response:
    secret, _ = svc.accounts.issue_token(user_id, name, by=who.name)
    return render(request, "admin_tokens.html", who, nav="tokens", tokens=svc.accounts.tokens(),
                  users=svc.accounts.users(), secret=secret)


@router.post("/admin/tokens/{token_id}/revoke")
def tokens_revoke_submit(token_id: api.ObjId, who: Annotated[Principal, Depends(admin)],
                         svc: Annotated[Services, Depends(services)]) -> Response:
    svc.accounts.revoke_token(token_id, by=who.name)
    return back("/admin/tokens")


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(*, request: Request, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               action: Annotated[str | None, Query(max_length=64)] = None,
               who: Annotated[Principal, Depends(admin)], svc: Annotated[Services, Depends(services)]) -> Response:
    got = api.audit_page(svc, 50, offset, None, action or None)
    qs = {"action": action} if action else {}
    return render(request, "admin_audit.html", who, nav="audit", items=got["items"],
                  total=got["total"], offset=offset, action=action or "",
                  prev_link="/admin/audit?" + urlencode({**qs, "offset": max(0, offset - 50)})
                  if offset else None,
                  next_link="/admin/audit?" + urlencode({**qs, "offset": offset + 50})
                  if offset + 50 < got["total"] else None)


