"""Stable error bodies: ``{"error": {"code", "message_zh", "message_en"}}``.

Codes are part of the API contract (scripts branch on them); messages may be reworded. No
message ever quotes a submitted value, since that value may be personal information."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "bad_request", "error_body", "forbidden", "not_found", "unauthenticated"]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_zh: str, message_en: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message_zh, self.message_en)

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


def error_body(code: str, message_zh: str, message_en: str) -> dict[str, Any]:
    return {"error": {"code": code, "message_zh": message_zh, "message_en": message_en}}


def not_found(what_zh: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found")


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", "当前角色无权执行此操作", "your role may not do this")


def unauthenticated() -> ApiError:
    return ApiError(401, "unauthenticated", "请先登录", "sign in first",
                    {"WWW-Authenticate": "Bearer"})


def bad_request(code: str, message_zh: str, message_en: str) -> ApiError:
    return ApiError(400, code, message_zh, message_en)
