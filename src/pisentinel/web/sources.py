"""Data sources of the console: uploaded files and files registered by path, with their schema
and the column mapping an analyst fixed for each model input.

Uploads are streamed to ``<workspace>/uploads/<random>/<safe name>`` under a size limit; the
name keeps letters, digits, Han characters, dots, dashes and underscores of the file's base
name only, so no name can climb out of its folder. A path registered by an analyst must resolve
(symlinks followed) inside one of the allowed roots; one outside gets the same 403 whether or not
it exists, so the answer maps nothing of the server's disk. The schema shown is headers and the PI type
each column's values hold — never the values."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from pisentinel.engine.sources import SUPPORTED_SUFFIXES, SourceError, read_sample
from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.web.errors import ApiError

__all__ = ["DataSource", "SourceRegistry", "path_not_allowed", "resolve_user_path",
           "safe_filename"]

_UNSAFE = re.compile(r"[^0-9A-Za-z\u3400-\u9fff._\-]+")
SAMPLE_ROWS = 200


def safe_filename(name: str) -> str:
    """A file name fit to store: base name only, NFKC, unsafe characters as ``_``, no leading
    dots, at most 120 characters, with a supported suffix (else ApiError 400)."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).lstrip("._")[-120:]
    if not base or not base.lower().endswith(SUPPORTED_SUFFIXES):
        raise ApiError(400, "unsupported_file",
                       "不支持的文件类型，可用：" + "、".join(SUPPORTED_SUFFIXES),
                       "unsupported file type; use one of " + ", ".join(SUPPORTED_SUFFIXES))
    return base


@dataclass(frozen=True)
class DataSource:
    id: int
    name: str
    path: str
    origin: str
    size_bytes: int
    content_hash: str
    columns: list[dict[str, Any]]
    mappings: dict[str, dict[str, str]]
    created_by: str
    created_at: datetime

    def public(self) -> dict[str, Any]:
        """As the API shows it: uploads by name, registered paths in full (the analyst gave them)."""
        return {"id": self.id, "name": self.name, "origin": self.origin,
                "path": self.path if self.origin == "path" else None,
                "size_bytes": self.size_bytes, "content_hash": self.content_hash,
                "columns": self.columns, "mappings": self.mappings,
                "created_by": self.created_by, "created_at": self.created_at.isoformat()}


def _row(r: sa.RowMapping) -> DataSource:
    return DataSource(r["id"], r["name"], r["path"], r["origin"], r["size_bytes"],
                      r["content_hash"], list(r["columns"]), dict(r["mappings"]), r["created_by"],
                      r["created_at"])


def profile_columns(path: Path) -> list[dict[str, Any]]:
    """Headers and, per header, the PI type its sampled values hold (no values)."""
    from pisentinel.detect.columns import classify_column

    try:
        sample = read_sample(path, n_rows=SAMPLE_ROWS)
    except SourceError as e:
        raise ApiError(422, "unreadable_source", e.message("zh"), e.message("en")) from None
    out = []
    for name in sample.column_names:
        values = sample.column(name).cast("string").to_pylist()
        prof = classify_column(name, values)
        out.append({"name": name, "pi_type": prof.type, "confidence": round(prof.confidence, 3),
                    "sampled": prof.sampled})
    return out


def path_not_allowed() -> ApiError:
    """The one answer for every path outside the allowed roots, existing or not."""
    return ApiError(403, "path_not_allowed", "该路径不在允许读取的目录内（须为允许目录内的绝对路径）",
                    "that path is outside the folders sources may be read from "
                    "(give an absolute path inside one)")


def resolve_user_path(raw_path: str) -> Path:
    """A path typed by a user, resolved the same way whether or not it exists: ``..`` taken
    lexically first (a missing or symlinked folder before it changes nothing, so the answer
    cannot tell whether it exists), then the symlinks that exist followed. Relative paths and
    ``~user`` mean something only on the server, so they are refused as outside; an empty path
    or one with a NUL byte is a 400."""
    if not raw_path or "\x00" in raw_path:
        raise ApiError(400, "invalid_path", "路径无效", "invalid path")
    home = raw_path == "~" or raw_path.startswith("~/")  # the server's own user only
    expanded = os.path.expanduser(raw_path) if home else raw_path
    if not os.path.isabs(expanded):
        raise path_not_allowed()
    try:
        return Path(os.path.realpath(os.path.normpath(expanded)))
    except (OSError, ValueError):  # a race or an odd name: refuse, never tell why
        raise path_not_allowed() from None


def _exists(path: Path) -> bool:
    """Whether the path exists; a folder on the way that cannot be read counts as missing."""
    try:
        return path.exists()
    except OSError:
        return False


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


class SourceRegistry:
    def __init__(self, store: LeadStore, upload_dir: Path, roots: tuple[Path, ...],
                 max_upload_bytes: int) -> None:
        self.store = store
        self.upload_dir = upload_dir
        self.roots = roots
        self.max_upload_bytes = max_upload_bytes

    def upload(self, filename: str, stream: BinaryIO, *, by: str) -> DataSource:
        name = safe_filename(filename)
        folder = self.upload_dir / secrets.token_hex(8)
        folder.mkdir(parents=True, mode=0o700)
        target = folder / name
        written = 0
        try:
            with target.open("xb") as out:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    written += len(chunk)
                    if written > self.max_upload_bytes:
                        raise ApiError(413, "upload_too_large",
                                       f"文件超过上传上限（{self.max_upload_bytes // (1 << 20)} MB）",
                                       f"the file is over the upload limit "
                                       f"({self.max_upload_bytes // (1 << 20)} MB)")
                    out.write(chunk)
            if written == 0:
                raise ApiError(400, "empty_upload", "上传的文件为空", "the uploaded file is empty")
            target.chmod(0o600)
            return self._add(name, target, "upload", by)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def register(self, raw_path: str, *, by: str, name: str | None = None) -> DataSource:
        path = self.allowed_path(raw_path)
        if not path.is_file():
            raise ApiError(400, "not_a_file", "路径不是文件", "the path is not a file")
        if not path.name.lower().endswith(SUPPORTED_SUFFIXES):
            safe_filename(path.name)  # raises the unsupported-type error
        return self._add((name or path.name)[:255], path, "path", by)

    def allowed_path(self, raw_path: str) -> Path:
        """The path resolved, if it lies inside an allowed root and exists. Outside the roots
        the answer is the same 403 whether or not the path exists (see :meth:`contained_path`);
        only inside may "no such path" (404) be told apart."""
        path = self.contained_path(raw_path)
        if not _exists(path):
            raise ApiError(404, "no_such_path", "路径不存在", "no such path")
        return path

    def contained_path(self, raw_path: str) -> Path:
        """The path resolved (:func:`resolve_user_path`) without asking whether it exists, if it
        lies inside an allowed root; else the one 403 of :func:`path_not_allowed`.

        Resolving strictly first would answer "no such path" for a missing file anywhere and
        "not allowed" for an existing one: any signed-in user could map the server's files. So
        containment is checked first and on the resolved path, where a symlink inside a root
        that points out has already led out."""
        path = resolve_user_path(raw_path)
        if not any(path.is_relative_to(root) for root in self.roots):
            raise path_not_allowed()
        return path

    def _add(self, name: str, path: Path, origin: str, by: str) -> DataSource:
        columns = profile_columns(path)
        with self.store.engine.begin() as conn:
            sid = conn.execute(t.sources.insert().values(
                name=name, path=str(path), origin=origin, size_bytes=path.stat().st_size,
                content_hash=_file_hash(path), columns=columns, mappings={}, created_by=by,
                created_at=datetime.now(UTC)).returning(t.sources.c.id)).scalar_one()
        self.store.audit(by, f"source.{origin}", "source", str(sid), detail={"name": name})
        return self.get(sid)

    def get(self, source_id: int) -> DataSource:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t.sources).where(t.sources.c.id == source_id)
                               ).mappings().first()
        if row is None:
            raise ApiError(404, "not_found", "数据源不存在", "source not found")
        return _row(row)

    def page(self, limit: int, offset: int) -> tuple[list[DataSource], int]:
        with self.store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t.sources)).scalar_one()
            rows = conn.execute(sa.select(t.sources).order_by(t.sources.c.id.desc())
                                .limit(limit).offset(offset)).mappings().all()
        return [_row(r) for r in rows], int(total)

    def __iter__(self) -> Iterator[DataSource]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(t.sources).order_by(t.sources.c.id)).mappings().all()
        return iter([_row(r) for r in rows])

    def set_mapping(self, source_id: int, key: str, mapping: dict[str, str], *,
                    by: str) -> DataSource:
        src = self.get(source_id)
        mappings = {**src.mappings, key: {k: v for k, v in mapping.items() if v}}
        with self.store.engine.begin() as conn:
            conn.execute(t.sources.update().where(t.sources.c.id == source_id)
                         .values(mappings=mappings))
        self.store.audit(by, "source.mapping", "source", str(source_id),
                         detail={"input": key, "columns": sorted(mappings[key])})
        return self.get(source_id)


def mapping_for(source: DataSource, model_name: str, input_name: str) -> dict[str, Any]:
    """How the source's headers map onto a model input's canonical columns: the columns
    expected (required first), the headers, what matched (pinned by the analyst or inferred),
    and the error if a required column is still unmatched."""
    from pisentinel.engine.mapping import MappingError, resolve_mapping
    from pisentinel.models import UnknownModel, get_model

    try:
        model = get_model(model_name)
        spec = model.manifest.input(input_name)
    except (UnknownModel, KeyError):
        raise ApiError(404, "unknown_model_input", "未知的模型或输入", "unknown model or input") \
            from None
    if spec.kind != "table":
        return {"model": model_name, "input": input_name, "kind": spec.kind, "columns": [],
                "headers": [c["name"] for c in source.columns], "mapping": {}, "pinned": {},
                "error": None}
    pinned = source.mappings.get(f"{model_name}:{input_name}", {})
    headers = [c["name"] for c in source.columns]
    try:
        sample = read_sample(Path(source.path), n_rows=SAMPLE_ROWS)
        values = {c: sample.column(c).cast("string").to_pylist() for c in sample.column_names}
    except (SourceError, OSError):
        values = {}
    error = None
    try:
        mapping = resolve_mapping(headers, values, list(spec.required_columns),
                                  list(spec.optional_columns), spec.synonyms(), pinned)
    except MappingError as e:
        mapping = dict(e.matched)
        error = {"code": "mapping_incomplete", "message_zh": e.message("zh"),
                 "message_en": e.message("en")}
    columns = [{"name": c.name, "zh": c.description_zh, "required": c.required,
                "header": mapping.get(c.name), "pinned": c.name in pinned}
               for c in sorted(spec.columns, key=lambda c: not c.required)]
    return {"model": model_name, "input": input_name, "kind": spec.kind, "columns": columns,
            "headers": headers, "mapping": mapping, "pinned": pinned, "error": error}
