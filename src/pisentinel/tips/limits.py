"""Abuse limits of the public tip page: submissions per client, what files may come with a tip.

A public form with no sign-in is an open door for floods and for files that attack whoever
opens them later. Clients are counted in a sliding window under a per-process random key, so not
even memory holds a reporter's address; files are accepted only when their first bytes say they
are what their name says (PNG, JPEG, WebP, PDF or plain UTF-8 text) and within size limits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "TipRejected", "UploadPolicy", "sniff_type"]


class TipRejected(ValueError):
    """A tip or follow-up refused; ``code`` is stable, messages never quote what was sent."""

    def __init__(self, code: str, message_zh: str, message_en: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.status = status


class RateLimiter:
    """At most ``limit`` events per client in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._events: dict[bytes, deque[float]] = {}
        self._lock = threading.Lock()

    def _client_key(self, client: str) -> bytes:
        return hmac.new(self._key, client.encode(), hashlib.sha256).digest()[:16]

    def allow(self, client: str) -> bool:
        """Count one event for ``client``; False (and not counted) when over the limit."""
        now = self._clock()
        key = self._client_key(client)
        with self._lock:
            if len(self._events) > 100_000:  # forget idle clients rather than grow without end
                self._events = {k: q for k, q in self._events.items()
                                if q and q[-1] > now - self.window}
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


_SIGNATURES: tuple[tuple[str, tuple[str, ...], Callable[[bytes], bool]], ...] = (
    ("image/png", (".png",), lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", (".jpg", ".jpeg"), lambda b: b.startswith(b"\xff\xd8\xff")),
    ("image/webp", (".webp",), lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("application/pdf", (".pdf",), lambda b: b.startswith(b"%PDF-")),
    ("text/plain", (".txt",), lambda b: _is_text(b)),
)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_type(filename: str, data: bytes) -> str | None:
    """The media type when the file's bytes and its name's suffix agree, else None."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for media_type, suffixes, matches in _SIGNATURES:
        if suffix in suffixes:
            return media_type if matches(data) else None
    return None


@dataclass(frozen=True)
class UploadPolicy:
    max_files: int = 5
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 20 * 1024 * 1024

    def check(self, files: list[tuple[str, bytes]]) -> list[str]:
        """The media type of each file, or :class:`TipRejected` for the first that breaks a
        limit."""
        if len(files) > self.max_files:
            raise TipRejected("too_many_files", f"最多上传 {self.max_files} 个文件",
                              f"at most {self.max_files} files", 413)
        if sum(len(d) for _, d in files) > self.max_total_bytes:
            raise TipRejected("upload_too_large",
                              f"文件合计不能超过 {self.max_total_bytes // 1048576} MB",
                              f"files total more than {self.max_total_bytes // 1048576} MB", 413)
        types = []
        for i, (name, data) in enumerate(files, 1):
            if len(data) > self.max_file_bytes:
                raise TipRejected("file_too_large",
                                  f"第 {i} 个文件超过 {self.max_file_bytes // 1048576} MB",
                                  f"file {i} exceeds {self.max_file_bytes // 1048576} MB", 413)
            media_type = sniff_type(name, data)
            if media_type is None or not data:
                raise TipRejected("file_type",
                                  f"第 {i} 个文件类型不受支持（仅限 PNG、JPEG、WebP、PDF、TXT，"
                                  "且内容须与扩展名一致）",
                                  f"file {i}: only PNG, JPEG, WebP, PDF or TXT whose content "
                                  "matches the name", 415)
            types.append(media_type)
        return types
