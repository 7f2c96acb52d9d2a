"""The base of pisentinel's user-facing errors: a message in Chinese and one in English, both
fit to show and to log, so neither may quote a value, a key or the data it came from."""

from __future__ import annotations

__all__ = ["BilingualError"]


class BilingualError(Exception):
    """`message_zh` and `message_en` are fit to show a user; `str()` gives both."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en
