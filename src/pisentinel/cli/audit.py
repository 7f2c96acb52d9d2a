"""A local append-only audit log for acts that expose raw PI from the command line (--reveal).
It records who, when, what command and which inputs — never the values revealed."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path


def audit_log_path() -> Path:
    home = Path(os.environ.get("PISENTINEL_HOME", Path.home() / ".pisentinel"))
    return home / "audit.jsonl"


def record(action: str, **detail: object) -> Path:
    path = audit_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"at": dt.datetime.now(dt.UTC).isoformat(), "user": getpass.getuser(),
             "action": action, **detail}
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
