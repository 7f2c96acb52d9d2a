"""Captured traffic (HAR): which requests carried personal information, whether before the user
agreed to the policy, and whether in clear text.

A request carries a category when one of its query or body keys names it (imei=…, lat=…) with a
non-empty value, or when the detector finds a phone number, ID number or coordinates in its URL or
body. The consent moment is the first request to a consent endpoint (policy_lexicon.yaml
`consent_markers`); without one in the capture nothing is called "before consent". Values are
never kept: only the host, time and categories."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pisentinel.models.parking_app.knowledge import lexicon

__all__ = ["Request", "read_har"]

MAX_HAR_BYTES = 512 << 20
_DETECTED = {"PHONE_NUMBER": "PHONE_NUMBER", "CN_ID_CARD": "IDENTITY",
             "GPS_COORDINATE": "LOCATION", "LICENSE_PLATE": "LICENSE_PLATE"}
_KEY_SPLIT = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Request:
    entry: int
    time: str
    scheme: str
    host: str
    path: str
    categories: tuple[str, ...]
    before_consent: bool
    consent: bool
    app_header: str  # X-Requested-With: the package of a WebView or app that sent it


def _pairs(url: str, body: str) -> list[tuple[str, str]]:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    body = body.strip()
    if body.startswith("{"):
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            stack: list[Any] = [doc]
            while stack:
                node = stack.pop()
                for k, v in node.items():
                    if isinstance(v, dict):
                        stack.append(v)
                    elif v not in (None, "", [], {}):
                        pairs.append((str(k), str(v)))
    elif "=" in body:
        pairs += parse_qsl(body, keep_blank_values=True)
    return pairs


def _categories(url: str, body: str) -> set[str]:
    keys = {cat: {k.lower() for k in ks} for cat, ks in lexicon()["traffic_keys"].items()}
    found: set[str] = set()
    for k, v in _pairs(url, body):
        if not v.strip():
            continue
        key = k.lower()
        for cat, names in keys.items():
            if key in names or any(part in names for part in _KEY_SPLIT.split(key) if part):
                found.add(cat)
    from pisentinel.detect import scan_text

    for f in scan_text(f"{url}\n{body}"[:20000], types=list(_DETECTED)):
        found.add(_DETECTED[f.type])
    return found


def read_har(path: Path) -> list[Request]:
    path = Path(path)
    if path.stat().st_size > MAX_HAR_BYTES:
        raise ValueError(f"{path.name}: HAR 文件过大 / HAR file too large")
    doc = json.loads(path.read_text("utf-8-sig", errors="replace"))
    entries = (doc.get("log") or {}).get("entries") or []
    entries = sorted(enumerate(entries), key=lambda e: (str(e[1].get("startedDateTime", "")),
                                                        e[0]))
    markers = tuple(m.lower() for m in lexicon()["consent_markers"])
    rows: list[tuple[int, dict[str, Any], str, str, bool]] = []
    for i, e in entries:
        req = e.get("request") or {}
        url = str(req.get("url", ""))
        body = str((req.get("postData") or {}).get("text") or "")
        consent = any(m in url.lower() or m in body.lower() for m in markers)
        rows.append((i, e, url, body, consent))
    first_consent = next((k for k, r in enumerate(rows) if r[4]), None)
    out = []
    for k, (i, e, url, body, consent) in enumerate(rows):
        req = e.get("request") or {}
        headers = {str(h.get("name", "")).lower(): str(h.get("value", ""))
                   for h in req.get("headers") or []}
        parts = urlsplit(url)
        out.append(Request(
            entry=i + 1, time=str(e.get("startedDateTime", "")), scheme=parts.scheme,
            host=parts.hostname or "", path=parts.path,
            categories=tuple(sorted(_categories(url, body))),
            before_consent=first_consent is not None and k < first_consent,
            consent=consent, app_header=headers.get("x-requested-with", "")))
    return out
