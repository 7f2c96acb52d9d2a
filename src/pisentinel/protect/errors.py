"""Errors of the protect layer. Messages are bilingual and never carry a value or a key."""

from __future__ import annotations

__all__ = ["DecryptionError", "ProjectKeyError", "ProtectError"]


class ProtectError(Exception):
    """Base of protect errors; `message_zh` and `message_en` are fit to show a user."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


class ProjectKeyError(ProtectError):
    """The project key is missing, malformed or unsafely stored."""


class DecryptionError(ProtectError):
    """A ciphertext did not authenticate: tampered, for another type, or under another key."""
