"""Roles of the console, each including the ones below it.

viewer (读取，仅见脱敏线索) < analyst (上传数据、运行模型、研判、评论) < reviewer (确认、立案、
经说明理由查看原始值) < admin (用户、令牌、审计日志)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Role"]


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank

    def label(self, lang: str) -> str:
        if lang == "en":
            return self.value
        return {"viewer": "查看员", "analyst": "分析员", "reviewer": "审核员",
                "admin": "管理员"}[self.value]
