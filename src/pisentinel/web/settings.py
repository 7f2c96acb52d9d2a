"""Server settings: where the workspace and the store are, what may be read, how long things last."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """What ``pisentinel serve`` is started with.

    ``workspace`` holds the project key, uploads (``uploads/``), run folders and, unless
    ``store_url`` says otherwise, the SQLite lead store. ``allowed_roots`` are the only folders a
    source may be registered from by path (uploads are always allowed): an analyst must not be
    able to point the server at ``/etc``. ``cookie_secure`` stays on unless the console is served
    over plain HTTP to a non-loopback address during a trial — browsers accept secure cookies
    from ``127.0.0.1`` and ``localhost``.
    """

    workspace: Path
    store_url: str | None = None
    allowed_roots: tuple[Path, ...] = ()
    max_upload_bytes: int = 512 * 1024 * 1024
    cookie_secure: bool = True
    session_hours: float = 12.0
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0
    run_workers: int = 1
    reveal_index_max_cells: int = 2_000_000
    title: str = "pisentinel"
    detection_rules: Path | None = None  # a `--rules` file for /detect, /redact and 个人信息检测
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def upload_dir(self) -> Path:
        return self.workspace / "uploads"

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.workspace.resolve() / 'leads.db'}"

    def readable_roots(self) -> tuple[Path, ...]:
        """Folders sources may come from: the upload folder and the allowed roots, resolved."""
        return (self.upload_dir.resolve(), *(p.expanduser().resolve() for p in self.allowed_roots))
