"""Running a model: inputs → engine tables → SQL and Python steps → leads → the lead store.

Every run is recorded (inputs with content hashes, parameters, versions, timings, counts: the
chain of custody a case file needs). The run id is derived from the model, its version, the
parameters (a rules file by its digest), the mapping and the input hashes, so running the same
thing again is the same run: finished steps are skipped (their tables are kept in the run's
engine database), an interrupted run resumes where it stopped, and leads are upserted by
fingerprint, never duplicated."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pisentinel.detect.rules import DetectionRules, RulesError, load_rules
from pisentinel.engine.base import Engine, InputTable
from pisentinel.engine.sources import SourceError, discover_sources, read_sample
from pisentinel.leads import Lead, LeadStore
from pisentinel.models import Model
from pisentinel.models.context import RunContext

EventHandler = Callable[[str, str, Mapping[str, Any]], None]


class RunError(SourceError):
    """A run that cannot start as asked (unknown parameter, missing input): a usage error.

    The message may quote what the caller gave (a parameter's value, a rules file's path):
    on the command line that is the user's own input on their own machine, and naming it is
    the most helpful answer. `public_zh` / `public_en` say the same without quoting anything
    given, for a server answering a request (pisentinel.web.errors); by default the message."""

    def __init__(self, message_zh: str, message_en: str, *, public_zh: str | None = None,
                 public_en: str | None = None) -> None:
        super().__init__(path="run", message_zh=message_zh, message_en=message_en, exit_code=2)
        self.public_zh = message_zh if public_zh is None else public_zh
        self.public_en = message_en if public_en is None else public_en

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang.lower().startswith("zh") else self.message_en

    def public_message(self, lang: str = "zh") -> str:
        return self.public_zh if lang.lower().startswith("zh") else self.public_en


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    leads: list[Lead]
    lead_ids: tuple[int, ...]
    counts: dict[str, int]
    timings: dict[str, float]
    skipped_steps: list[str] = field(default_factory=list)


def file_hash(path: Path, cache_dir: Path | None = None) -> str:
    """sha256 of a file's bytes, cached by (path, size, mtime) so big inputs are read once."""
    st = path.stat()
    cache_key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    cache_file = cache_dir / "hashes.json" if cache_dir else None
    cache: dict[str, str] = {}
    if cache_file and cache_file.exists():
        cache = json.loads(cache_file.read_text("utf-8"))
        if cache_key in cache:
            return cache[cache_key]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = "sha256:" + h.hexdigest()
    if cache_file:
        cache[cache_key] = digest
        _write_json(cache_file, cache)
    return digest


def _write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), "utf-8")
    os.replace(tmp, path)


def versions(model: Model) -> dict[str, str]:
    out = {"model": model.manifest.version}
    for dist in ("pisentinel", "duckdb", "pyarrow", "pyspark"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def resolve_params(model: Model, given: Mapping[str, Any] | None) -> dict[str, Any]:
    specs = {p.name: p for p in model.manifest.params}
    out = model.manifest.param_defaults()
    for name, raw in (given or {}).items():
        if name not in specs:
            known = ", ".join(specs) or "无 / none"
            raise RunError(f"模型 {model.name} 没有参数 {name}（可用：{known}）",
                           f"model {model.name} has no parameter {name} (available: {known})",
                           public_zh=f"模型 {model.name} 没有所给的参数（可用：{known}）",
                           public_en=f"model {model.name} has no such parameter "
                                     f"(available: {known})")
        try:
            out[name] = specs[name].coerce(raw)
        except ValueError:
            raise RunError(f"参数 {name} 的值 {raw!r} 无效", f"invalid value {raw!r} for {name}",
                           public_zh=f"参数 {name} 的值无效（应与默认值 {specs[name].default!r} "
                                     "同类型）",
                           public_en=f"invalid value for {name} (expected the type of its "
                                     f"default, {specs[name].default!r})") from None
    return out


def load_param_rules(model: Model, params: Mapping[str, Any]) -> dict[str, DetectionRules]:
    """The rules files of the resolved parameters (manifest `kind: rules`), read and checked
    now, before any work: a missing or bad file is a usage error naming the parameter and the
    file (its public message names the parameter and what is wrong, not the path). An empty
    value means the built-in types only."""
    out: dict[str, DetectionRules] = {}
    for spec in model.manifest.params:
        path = params.get(spec.name) if spec.kind == "rules" else None
        if not path:
            continue
        try:
            out[spec.name] = load_rules(path)
        except RulesError as e:
            raise RunError(f"模型 {model.name} 的参数 {spec.name}：{e.message_zh}",
                           f"parameter {spec.name} of {model.name}: {e.message_en}",
                           public_zh=f"模型 {model.name} 的参数 {spec.name}：所给的规则文件："
                                     f"{e.reason_zh}",
                           public_en=f"parameter {spec.name} of {model.name}: the rules file "
                                     f"given: {e.reason_en}") from None
    return out


def _rules_digests(rules: Mapping[str, DetectionRules]) -> dict[str, str]:
    """`<param>_digest` → the file's SHA-256, as input files' content hashes are written."""
    return {f"{name}_digest": f"sha256:{r.digest}" for name, r in sorted(rules.items())}


def _identity_params(params: Mapping[str, Any], rules: Mapping[str, DetectionRules]
                     ) -> dict[str, Any]:
    """The parameters as the run id sees them: a rules file by its content, like an input, so
    an edited file is a new run and a renamed one is not."""
    return {**params, **{name: f"sha256:{r.digest}" for name, r in rules.items()}}


def is_database_url(value: str | Path) -> bool:
    return "://" in str(value)


def _input_paths(model: Model, name: str, given: Sequence[str | Path]) -> list[Any]:
    """Table inputs: files, folders expanded. `sources` inputs: the same plus database URLs
    (sqlite:///…, postgresql+psycopg://…). `files` inputs (APKs, policies): files, and the
    files under a folder."""
    try:
        kind = model.manifest.input(name).kind
    except KeyError:
        return list(given)
    if kind == "sources":
        urls = [str(p) for p in given if is_database_url(p)]
        files = [Path(p) for p in given if not is_database_url(p)]
        return [*urls, *(discover_sources(files) if files else [])]
    if kind == "table":
        return discover_sources([Path(p) for p in given])
    documents: list[Any] = []
    for p in map(Path, given):  # documents (APKs, policies): a folder stands for its files
        documents += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return documents


def displayed(source: str | Path) -> str:
    """A source as it may be shown and stored: database URLs without their password."""
    if is_database_url(source):
        from sqlalchemy.engine import make_url

        return make_url(str(source)).render_as_string(hide_password=True)
    return str(source)


def _source_hash(source: str | Path, cache_dir: Path) -> str:
    """A file's content hash; a database URL is identified by its address (password hidden)."""
    if is_database_url(source):
        return "url:" + hashlib.sha256(displayed(source).encode()).hexdigest()
    return file_hash(Path(source), cache_dir)


def _custody(input_record: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per input file for the run record: which input, where, its content hash, and
    how its headers were mapped (database passwords never stored)."""
    out = []
    for name, record in input_record.items():
        for path, digest in zip(record["paths"], record["hashes"], strict=True):
            entry = {"input": name, "path": displayed(path), "content_hash": digest}
            if record.get("mapping"):
                entry["mapping"] = record["mapping"]
            out.append(entry)
    return out


def _check_inputs(model: Model, inputs: Mapping[str, Sequence[Path]]) -> None:
    declared = {i.name for i in model.manifest.inputs}
    unknown = sorted(set(inputs) - declared)
    missing = sorted(i.name for i in model.manifest.inputs if i.required and i.name not in inputs)
    if unknown or missing:
        expected = ", ".join(f"{i.name}{'' if i.required else '?'}" for i in model.manifest.inputs)
        raise RunError(
            f"模型 {model.name} 的输入不符：缺少 {missing or '无'}，未知 {unknown or '无'}；"
            f"应为 {expected}",
            f"inputs of {model.name}: missing {missing}, unknown {unknown}; expected {expected}")


def _mapping_for(model: Model, name: str, paths: Sequence[Path],
                 user_map: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    from pisentinel.engine.mapping import resolve_mapping

    spec = model.manifest.input(name)
    sample = read_sample(paths[0], n_rows=200)
    values = {c: sample.column(c).cast("string").to_pylist() for c in sample.column_names}
    mapping = resolve_mapping(sample.column_names, values, list(spec.required_columns),
                              list(spec.optional_columns), spec.synonyms(), dict(user_map or {}))
    return mapping, list(sample.column_names)


def run_model(
    model: Model,
    inputs: Mapping[str, Sequence[str | Path]],
    *,
    workspace: Path,
    engine: str = "duckdb",
    master: str | None = None,
    params: Mapping[str, Any] | None = None,
    mappings: Mapping[str, Mapping[str, str]] | None = None,
    store: LeadStore | None = None,
    on_event: EventHandler | None = None,
    token_key: bytes | None = None,
    reveal_sink: Callable[[str, str, str], None] | None = None,
) -> RunResult:
    from pisentinel.engine.factory import open_engine
    from pisentinel.protect import load_project_key, mask_value, pseudonym_token

    emit = on_event or (lambda step, status, info: None)
    paths = {name: _input_paths(model, name, ps) for name, ps in inputs.items()}
    _check_inputs(model, paths)
    run_params = resolve_params(model, params)
    rules = load_param_rules(model, run_params)
    workspace.mkdir(parents=True, exist_ok=True)
    key = token_key or load_project_key(workspace)

    input_record: dict[str, dict[str, Any]] = {}
    for name, ps in paths.items():
        spec = model.manifest.input(name)
        record: dict[str, Any] = {"paths": [str(p) for p in ps], "kind": spec.kind,
                                  "hashes": [_source_hash(p, workspace) for p in ps]}
        if spec.kind == "table" and ps:
            mapping, headers = _mapping_for(model, name, ps, (mappings or {}).get(name))
            record |= {"mapping": mapping, "headers": headers,
                       "columns": sorted(set(mapping) | (set(headers) - set(mapping.values())))}
        input_record[name] = record

    fingerprint = json.dumps([model.name, model.manifest.version,
                              _identity_params(run_params, rules), engine,
                              {n: [r["hashes"], r.get("mapping")] for n, r in
                               sorted(input_record.items())}], sort_keys=True, default=str)
    run_id = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    run_dir = workspace / "runs" / run_id
    state_file = run_dir / "state.json"
    state: dict[str, Any] = json.loads(state_file.read_text("utf-8")) if state_file.exists() \
        else {"loaded": {}, "steps": {}, "finished": False}
    run_dir.mkdir(parents=True, exist_ok=True)

    store = store or LeadStore(f"sqlite:///{workspace / 'leads.db'}")
    try:
        store.get_run(run_id)
    except KeyError:
        store.start_run(model.name, params=run_params | _rules_digests(rules), run_id=run_id,
                        versions=versions(model),
                        inputs=_custody(input_record))

    eng: Engine = open_engine(engine, run_dir, master)
    timings: dict[str, float] = {}
    skipped: list[str] = []
    try:
        def token(type_code: str, value: str) -> str:
            """The keyed token; an authorised reveal store (web console) may keep the value."""
            tok = pseudonym_token(type_code, value, key)
            if reveal_sink is not None:
                reveal_sink(type_code, value, tok)
            return tok

        ctx = RunContext(model.manifest, eng, run_params, run_id, run_dir, key, token,
                         mask_value, input_record, rules)
        counts: dict[str, int] = {}
        for name, record in input_record.items():
            spec = model.manifest.input(name)
            if spec.kind != "table":
                continue
            if name in state["loaded"] and name in eng.tables():
                skipped.append(f"load:{name}")
                counts[f"rows:{name}"] = state["loaded"][name]
                continue
            emit(f"load:{name}", "start", {})
            t0 = time.perf_counter()
            n = eng.load(InputTable(name, tuple(Path(p) for p in record["paths"]),
                                    record["mapping"], spec.required_columns,
                                    spec.optional_columns))
            timings[f"load:{name}"] = time.perf_counter() - t0
            state["loaded"][name] = n
            counts[f"rows:{name}"] = n
            _write_json(state_file, state)
            emit(f"load:{name}", "done", {"rows": n})
        for step in model.manifest.steps:
            if step.name in state["steps"] and (step.python or step.name in eng.tables()):
                skipped.append(step.name)
                continue
            emit(step.name, "start", {})
            t0 = time.perf_counter()
            if step.sql:
                eng.execute(f"CREATE OR REPLACE TABLE {step.name} AS\n"
                            + ctx.render(model.sql(step.sql)))
            else:
                assert step.python is not None
                model.python_step(step.python)(ctx)
            timings[step.name] = time.perf_counter() - t0
            state["steps"][step.name] = round(timings[step.name], 3)
            _write_json(state_file, state)
            emit(step.name, "done", {"seconds": timings[step.name]})
        emit("leads", "start", {})
        t0 = time.perf_counter()
        leads = model.build_leads(ctx)
        result = store.upsert_leads(run_id, leads)
        timings["leads"] = time.perf_counter() - t0
        counts |= {"leads": len(leads), "leads_new": len(result.inserted),
                   "leads_updated": len(result.updated)}
        store.finish_run(run_id, counts=counts)
        state["finished"] = True
        state["timings"] = timings
        _write_json(state_file, state)
        emit("leads", "done", {"leads": len(leads)})
        return RunResult(run_id, run_dir, leads, result.ids, counts, timings, skipped)
    except BaseException:
        with contextlib.suppress(Exception):  # the original error matters more
            store.finish_run(run_id, status="interrupted")
        raise
    finally:
        eng.close()
