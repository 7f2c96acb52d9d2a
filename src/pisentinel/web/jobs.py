"""Run jobs: a model started from the console runs in a background worker thread while the page
follows its progress.

A job is a row in ``run_jobs``: the model, parameters, the sources per input, the events the
runner reports (``load:bookings start``, ``site_flags done`` …) and, once known, the run id of the
run record. Runs are idempotent and resumable (see ``models.runner``), so a job interrupted by a
server restart is marked ``interrupted`` and simply started again. After a run the reveal store
is filled for the run's lead tokens (:func:`pisentinel.web.reveal.index_run`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pisentinel.engine.sources import SourceError
from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.models import Model, UnknownModel, get_model
from pisentinel.models.manifest import NO_RULES, is_no_rules
from pisentinel.web.errors import ApiError
from pisentinel.web.i18n import text
from pisentinel.web.reveal import RevealStore, index_run
from pisentinel.web.sources import SourceRegistry, resolve_user_path

__all__ = ["Job", "JobRunner"]

log = logging.getLogger("pisentinel.web.jobs")
MAX_EVENTS = 500


@dataclass(frozen=True)
class Job:
    id: int
    model: str
    params: dict[str, Any]
    inputs: dict[str, list[int]]
    status: str
    events: list[dict[str, Any]]
    run_id: str | None
    error_zh: str | None
    error_en: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None

    def public(self) -> dict[str, Any]:
        done = sum(1 for e in self.events if e.get("status") == "done")
        return {"id": self.id, "model": self.model, "params": self.params, "inputs": self.inputs,
                "status": self.status, "events": self.events, "steps_done": done,
                "run_id": self.run_id,
                "error": None if self.error_zh is None else
                {"message_zh": self.error_zh, "message_en": self.error_en},
                "created_by": self.created_by, "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def _job(r: sa.RowMapping) -> Job:
    return Job(r["id"], r["model"], dict(r["params"]), dict(r["inputs"]), r["status"],
               list(r["events"]), r["run_id"], r["error_zh"], r["error_en"], r["created_by"],
               r["created_at"], r["finished_at"])


class JobRunner:
    def __init__(self, store: LeadStore, sources: SourceRegistry, reveals: RevealStore,
                 workspace: Path, *, workers: int = 1, max_index_cells: int = 2_000_000,
                 served_rules: Path | None = None, served_digest: str = "") -> None:
        self.store = store
        self.served_rules = served_rules.expanduser().resolve() if served_rules else None
        self.served_digest = f"sha256:{served_digest}" if served_rules and served_digest else ""
        self.sources = sources
        self.reveals = reveals
        self.workspace = workspace
        self.max_index_cells = max_index_cells
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                       thread_name_prefix="pisentinel-run")
        self._lock = threading.Lock()
        with store.engine.begin() as conn:  # jobs a previous server left running
            conn.execute(t.run_jobs.update().where(t.run_jobs.c.status.in_(("queued", "running")))
                         .values(status="interrupted", finished_at=datetime.now(UTC)))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, model_name: str, inputs: Mapping[str, list[int]],
               params: Mapping[str, Any], *, by: str) -> Job:
        """Check the request now (model, inputs, parameters, mappings), then queue it."""
        try:
            model = get_model(model_name)
        except UnknownModel:
            raise ApiError(404, "unknown_model", "未知模型", "unknown model") from None
        from pisentinel.models.runner import RunError, load_param_rules, resolve_params

        declared = {i.name: i for i in model.manifest.inputs}
        for name in inputs:
            if name not in declared:
                known = ", ".join(declared)
                raise ApiError(400, "unknown_input", f"模型没有所给的输入（可用：{known}）",
                               f"the model has no such input (available: {known})")
        for spec in model.manifest.inputs:
            if spec.required and not inputs.get(spec.name):
                raise ApiError(400, "missing_input", f"缺少必需的输入：{spec.name}（{spec.description_zh}）",
                               f"missing required input: {spec.name}")
        for ids in inputs.values():
            for sid in ids:
                self.sources.get(sid)
        try:
            resolved = resolve_params(model, self._rules_files(model, params))
            load_param_rules(model, resolved)  # a missing or bad rules file: 400 now, not later
        except RunError as e:  # its public message: no path or value the user submitted
            raise ApiError(400, "invalid_params", e.public_zh, e.public_en) from None
        with self.store.engine.begin() as conn:
            jid = conn.execute(t.run_jobs.insert().values(
                model=model.name, params=_jsonable(resolved), inputs={k: list(v) for k, v in
                                                                     inputs.items()},
                status="queued", events=[], run_id=None, error_zh=None, error_en=None,
                created_by=by, created_at=datetime.now(UTC), finished_at=None)
                .returning(t.run_jobs.c.id)).scalar_one()
        self.store.audit(by, "run.start", "run_job", str(jid), detail={"model": model.name})
        self.pool.submit(self._run, jid)
        return self.get(jid)

    def _rules_files(self, model: Model, params: Mapping[str, Any]) -> dict[str, Any]:
        """Rules-file parameters (manifest `kind: rules`) by their resolved path. An empty one
        is the served rules file (`serve --rules`): the company's own types are what the
        console detects with, so a run counts them too unless another file is named, or a
        word of NO_RULES (none, 无) asks for no file: built-in types only, as on the CLI."""
        out = dict(params)
        for spec in model.manifest.params:
            if spec.kind != "rules":
                continue
            raw = str(out.get(spec.name) or "").strip()
            if is_no_rules(raw):
                out[spec.name] = ""
            elif raw:
                out[spec.name] = str(self._rules_path(raw))
            elif self.served_rules is not None:
                out[spec.name] = str(self.served_rules)
        return out

    def served_rules_public(self) -> dict[str, str] | None:
        """The served rules file as anyone who may list the models may see it: its file name
        and digest, which tell which version of whose types a run counts, but not its folder on
        the server nor its content."""
        if self.served_rules is None:
            return None
        return {"name": self.served_rules.name, "digest": self.served_digest}

    def rules_param_public(self) -> dict[str, Any]:
        """A rules parameter as this server treats it. Its manifest text says what an empty
        value means on the command line (built-in types only); on a server started with
        `--rules` it means the served file, so the API says so, with the same words as the
        run form, and names the words that ask for no file."""
        served = self.served_rules_public()
        out: dict[str, Any] = {"served_rules": served, "no_rules_words": list(NO_RULES)}
        for lang in ("zh", "en"):
            empty = text("rules_default_builtin", lang)
            if served is not None:
                digest = f" ({served['digest'][:19]}…)" if served["digest"] else ""
                empty = (text("rules_default_served", lang) + served["name"] + digest
                         + text("rules_opt_out", lang))
            out[lang] = text("param_rules", lang) + ("。" if lang == "zh" else ". ") + empty
        return out

    def _rules_path(self, raw: str) -> Path:
        """A rules file named by the user must lie inside the folders sources may be read from:
        the console must not read any file of the server, nor tell which exist (a path outside
        is refused the same way, existing or not). The served rules file may be named wherever
        it lies. A missing file inside is left for the runner to name in its error."""
        if self.served_rules is not None and resolve_user_path(raw) == self.served_rules:
            return self.served_rules
        return self.sources.contained_path(raw)

    def get(self, job_id: int) -> Job:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t.run_jobs).where(t.run_jobs.c.id == job_id)
                               ).mappings().first()
        if row is None:
            raise ApiError(404, "not_found", "运行任务不存在", "run job not found")
        return _job(row)

    def page(self, limit: int, offset: int) -> tuple[list[Job], int]:
        with self.store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t.run_jobs)).scalar_one()
            rows = conn.execute(sa.select(t.run_jobs).order_by(t.run_jobs.c.id.desc())
                                .limit(limit).offset(offset)).mappings().all()
        return [_job(r) for r in rows], int(total)

    def _update(self, job_id: int, **values: Any) -> None:
        with self._lock, self.store.engine.begin() as conn:
            conn.execute(t.run_jobs.update().where(t.run_jobs.c.id == job_id).values(**values))

    def _event(self, job_id: int, events: list[dict[str, Any]], step: str, status: str,
               info: Mapping[str, Any]) -> None:
        entry: dict[str, Any] = {"step": step, "status": status,
                                 "at": datetime.now(UTC).isoformat()}
        entry |= {k: v for k, v in info.items() if isinstance(v, int | float)}
        events.append(entry)
        self._update(job_id, events=events[-MAX_EVENTS:])

    def _run(self, job_id: int) -> None:
        from pisentinel.models.runner import run_model
        from pisentinel.protect import load_project_key

        job = self.get(job_id)
        events: list[dict[str, Any]] = []
        self._update(job_id, status="running")
        try:
            model = get_model(job.model)
            paths: dict[str, list[str]] = {}
            mappings: dict[str, dict[str, str]] = {}
            for name, ids in job.inputs.items():
                paths[name] = []
                for sid in ids:
                    src = self.sources.get(sid)
                    paths[name].append(src.path)
                    if pinned := src.mappings.get(f"{job.model}:{name}"):
                        mappings.setdefault(name, {}).update(pinned)
            result = run_model(model, paths, workspace=self.workspace, params=job.params,
                               mappings=mappings, store=self.store,
                               on_event=lambda s, st, i: self._event(job_id, events, s, st, i),
                               token_key=load_project_key(self.workspace))
            self._update(job_id, run_id=result.run_id)
            self._event(job_id, events, "reveal_index", "start", {})
            files = [Path(p) for name, ps in paths.items()
                     if model.manifest.input(name).kind == "table" for p in ps]
            counts = index_run(self.reveals, result.run_id, files,
                               max_cells=self.max_index_cells)
            self._event(job_id, events, "reveal_index", "done",
                        {"tokens": counts["found"], "cells": counts["cells"]})
            self._update(job_id, status="succeeded", finished_at=datetime.now(UTC))
        except (SourceError, ApiError) as e:
            zh, en = _job_error(e)
            self._update(job_id, status="failed", error_zh=zh, error_en=en,
                         finished_at=datetime.now(UTC))
        except Exception as e:  # the job must end visibly; the message may quote data, so not kept
            log.error("run job %s failed: %s", job_id, type(e).__name__)
            self._update(job_id, status="failed", error_zh=f"运行失败（{type(e).__name__}）",
                         error_en=f"the run failed ({type(e).__name__})",
                         finished_at=datetime.now(UTC))


def _job_error(e: SourceError | ApiError) -> tuple[str, str]:
    """A failed job's message in zh and en, as its page and the API show it: a RunError's
    public message (a rules file that vanished after the job was queued must not be named by
    the path the user typed)."""
    from pisentinel.models.runner import RunError

    if isinstance(e, RunError):
        return e.public_zh, e.public_en
    if isinstance(e, SourceError):
        return e.message("zh"), e.message("en")
    return e.message_zh, e.message_en


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
