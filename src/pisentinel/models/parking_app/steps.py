"""The extraction step: APKs, policies and captured traffic become engine tables of facts (one row
per permission, SDK found, policy statement, request), next to the knowledge tables the SQL steps
join them with. Judging what is a violation is left to the SQL.

Each policy and capture is matched to its app by the package name or app label in its file name,
then by the package or label in its text (or a capture's X-Requested-With header), and when
there is one app only, to that app."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from pisentinel.engine.sources import SourceError
from pisentinel.models.context import RunContext
from pisentinel.models.parking_app.apk import ApkFacts, read_apk
from pisentinel.models.parking_app.knowledge import (
    app_scope,
    categories,
    continuous_permissions,
    permission_map,
    sdks,
)
from pisentinel.models.parking_app.policy import (
    ART17_ITEMS,
    ART17_ZH,
    PolicyFacts,
    analyse_policy,
    policy_text,
)
from pisentinel.models.parking_app.traffic import Request, read_har

__all__ = ["extract", "find_sdks", "mask_sentence"]

MAX_SENTENCE = 160
S, N, B = pa.string(), pa.int64(), pa.bool_()
SCHEMAS = {
    "apps": pa.schema([("app", S), ("label", S), ("version", S), ("source", S),
                       ("content_hash", S), ("dex_files", N), ("classes", N),
                       ("anomalies", N), ("policies", N), ("captures", N)]),
    "app_permissions": pa.schema([("app", S), ("permission", S)]),
    "app_sdks": pa.schema([("app", S), ("sdk_id", S), ("sdk_name", S), ("vendor", S),
                           ("sdk_category", S), ("location", B), ("device_ids", B),
                           ("prefix", S), ("classes", N), ("example_class", S)]),
    "policy_statements": pa.schema([("app", S), ("source", S), ("content_hash", S),
                                    ("kind", S), ("item", S), ("sentence_no", N),
                                    ("sentence", S)]),
    "traffic": pa.schema([("app", S), ("source", S), ("content_hash", S), ("entry", N),
                          ("time", S), ("scheme", S), ("host", S), ("categories", S),
                          ("before_consent", B), ("consent", B)]),
    "permission_categories": pa.schema([("permission", S), ("category", S),
                                        ("continuous", B), ("continuous_zh", S)]),
    "category_scope": pa.schema([("category", S), ("name_zh", S), ("sensitive", B),
                                 ("role", S)]),
    "art17_items": pa.schema([("item", S), ("name_zh", S)]),
}


def find_sdks(classes: Sequence[str], native_libs: Sequence[str] = ()) -> list[dict[str, Any]]:
    """SDKs whose package prefixes own at least one defined class (matched at package
    boundaries: com.umeng matches com.umeng.x.Y, not com.umengx.Y), or whose native library
    ships in lib/."""
    owner = {p: s for s in sdks() for p in s.prefixes}
    hits: dict[str, dict[str, Any]] = {}
    for cls in classes:
        parts = cls.split(".")
        for n in range(len(parts) - 1, 0, -1):
            sdk = owner.get(".".join(parts[:n]))
            if sdk is None:
                continue
            hit = hits.setdefault(sdk.id, {"sdk": sdk, "prefix": ".".join(parts[:n]),
                                           "classes": 0, "example_class": cls})
            hit["classes"] += 1
            break
    for lib in native_libs:
        for s in sdks():
            if s.id not in hits and any(lib.startswith(p) for p in s.native_libs):
                hits[s.id] = {"sdk": s, "prefix": "lib/" + lib, "classes": 0,
                              "example_class": lib}
    return [hits[k] for k in sorted(hits)]


def mask_sentence(text: str) -> str:
    """A policy sentence fit for evidence: PI in it masked (a customer-service mobile, an ID
    number in an example), cut to a readable length."""
    from pisentinel.detect import scan_text
    from pisentinel.protect import redact_text

    text = text[: MAX_SENTENCE * 2]
    masked = redact_text(text, scan_text(text), "mask")
    return masked if len(masked) <= MAX_SENTENCE else masked[: MAX_SENTENCE - 1] + "…"


def _owner(name_and_text: Iterable[str], apps: Sequence[ApkFacts]) -> ApkFacts | None:
    """The app a policy or capture belongs to: first by file name, then by content."""
    for hay in name_and_text:
        hay_l = hay.lower()
        by_package = [a for a in apps if a.package and a.package.lower() in hay_l]
        if by_package:
            return max(by_package, key=lambda a: len(a.package))
        by_label = sorted((a for a in apps if len(a.label) >= 2 and a.label in hay),
                          key=lambda a: -len(a.label))
        if len(by_label) == 1 or (by_label and len(by_label[0].label) > len(by_label[1].label)):
            return by_label[0]
    return apps[0] if len(apps) == 1 else None


def _knowledge_tables(app_type: str) -> dict[str, list[dict[str, Any]]]:
    scope = app_scope(app_type)
    cont = continuous_permissions()
    roles = {c: "necessary" for c in scope["necessary"]} | \
        {c: "tolerated" for c in scope.get("tolerated", ())}
    return {
        "permission_categories": [
            {"permission": p, "category": c, "continuous": p in cont,
             "continuous_zh": cont.get(p)} for p, cs in permission_map().items() for c in cs],
        "category_scope": [{"category": c.code, "name_zh": c.name_zh, "sensitive": c.sensitive,
                            "role": roles.get(c.code, "unnecessary")}
                           for c in categories().values()],
        "art17_items": [{"item": i, "name_zh": ART17_ZH[i]} for i in ART17_ITEMS],
    }


def _statements(app: str, source: str, digest: str, facts: PolicyFacts
                ) -> list[dict[str, Any]]:
    rows = []
    masked: dict[int, str] = {}
    for kind in ("collects", "denies", "purpose", "optional", "separate_consent",
                 "sdk_mentions", "vendor_mentions", "art17"):
        for item, nos in getattr(facts, kind).items():
            for no in nos[:3]:
                if no not in masked:
                    masked[no] = mask_sentence(facts.sentences[no])
                rows.append({"app": app, "source": source, "content_hash": digest,
                             "kind": kind.removesuffix("s") if kind.endswith("_mentions") else kind,
                             "item": item, "sentence_no": no + 1, "sentence": masked[no]})
    return rows


def _traffic_rows(app: str, source: str, digest: str, requests: Sequence[Request]
                  ) -> list[dict[str, Any]]:
    return [{"app": app, "source": source, "content_hash": digest, "entry": r.entry,
             "time": r.time, "scheme": r.scheme, "host": r.host,
             "categories": ",".join(r.categories), "before_consent": r.before_consent,
             "consent": r.consent} for r in requests if r.categories or r.consent]


def _files(ctx: RunContext, name: str) -> list[tuple[Path, str]]:
    record: Mapping[str, Any] = ctx.inputs.get(name) or {}
    return [(Path(p), str(h)) for p, h in zip(record.get("paths", ()), record.get("hashes", ()),
                                              strict=True)]


@contextmanager
def _reading(path: Path, what_zh: str, what_en: str) -> Iterator[None]:
    """A file that cannot be read stops the run as a SourceError naming it (exit code 3, a clear
    line in the CLI and the job page), never a traceback or a silently empty input."""
    try:
        yield
    except SourceError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        text = str(exc) if isinstance(exc, ValueError) and " / " in str(exc) else ""
        zh, _, en = text.removeprefix(f"{path.name}: ").partition(" / ")
        raise SourceError(path, zh or f"无法读取{what_zh}（{type(exc).__name__}）",
                          en or f"cannot read the {what_en} ({type(exc).__name__})") from None


def extract(ctx: RunContext) -> None:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    tables |= _knowledge_tables(ctx.params["app_type"])
    apps: list[ApkFacts] = []
    hashes: dict[str, tuple[str, str]] = {}
    for path, digest in _files(ctx, "apks"):
        with _reading(path, "安装包", "APK"):
            facts = read_apk(path)
        if not facts.package or facts.package in hashes:
            continue
        apps.append(facts)
        hashes[facts.package] = (path.name, digest)
    policies: dict[str, int] = {a.package: 0 for a in apps}
    for path, digest in _files(ctx, "policies"):
        with _reading(path, "隐私政策", "privacy policy"):
            text = policy_text(path)
        owner = _owner((path.name, text[:2000], text), apps)
        if owner is None:
            continue
        policies[owner.package] += 1
        tables["policy_statements"] += _statements(owner.package, path.name, digest,
                                                   analyse_policy(text, path.name))
    captures: dict[str, int] = {a.package: 0 for a in apps}
    for path, digest in _files(ctx, "traffic"):
        with _reading(path, "抓包记录（HAR）", "traffic capture (HAR)"):
            requests = read_har(path)
        headers = " ".join(sorted({r.app_header for r in requests if r.app_header}))
        owner = _owner((path.name, headers), apps)
        if owner is None:
            continue
        captures[owner.package] += 1
        tables["traffic"] += _traffic_rows(owner.package, path.name, digest, requests)
    for a in apps:
        source, digest = hashes[a.package]
        tables["apps"].append({
            "app": a.package, "label": a.label or a.package, "version": a.version_name,
            "source": source, "content_hash": digest, "dex_files": a.dex_files,
            "classes": len(a.classes), "anomalies": len(a.anomalies),
            "policies": policies[a.package], "captures": captures[a.package]})
        tables["app_permissions"] += [{"app": a.package, "permission": p}
                                      for p in a.permissions]
        for hit in find_sdks(a.classes, a.native_libs):
            s = hit["sdk"]
            tables["app_sdks"].append({
                "app": a.package, "sdk_id": s.id, "sdk_name": s.name_zh, "vendor": s.vendor_zh,
                "sdk_category": s.category, "location": s.location, "device_ids": s.device_ids,
                "prefix": hit["prefix"], "classes": hit["classes"],
                "example_class": hit["example_class"]})
    for name, schema in SCHEMAS.items():
        ctx.engine.register(name, pa.Table.from_pylist(tables[name], schema))
