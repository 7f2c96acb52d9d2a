"""Errors of the protect layer. Messages are bilingual and never carry a value or a key."""

from __future__ import annotations

from pisentinel.errors import BilingualError

__all__ = ["DecryptionError", "ProjectKeyError", "ProtectError"]


class ProtectError(BilingualError):
    """Base of protect errors; `message_zh` and `message_en` are fit to show a user."""


class ProjectKeyError(ProtectError):
    """The project key is missing, malformed or unsafely stored."""


class DecryptionError(ProtectError):
    """A ciphertext did not authenticate: tampered, for another type, or under another key."""
