"""The subject a tip names — an app, a company, a phone behind a scheme — as a pseudonym token.

Citizens write one app five ways (``XX停车``, ``XX停车 App``, ``xx停车APP``); a tip about it must
land on the same token as the other tips and as the model leads about it, so each kind of name
has one canonical form before it is tokenised with :func:`pisentinel.protect.pseudonym_token`
under the project key. Companies go to the ``ORGANIZATION`` (or ``USCC``) token the screening
models use; phone numbers to ``PHONE_NUMBER``, so a tip about a recruiter's phone links with the
fake-recruitment lead built on that phone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pisentinel.detect import scan_text
from pisentinel.detect.validators import uscc_ok
from pisentinel.errors import BilingualError
from pisentinel.protect import mask_value, normalize_value, pseudonym_token, redact_text

__all__ = ["SUBJECT_KINDS", "NamedSubject", "SubjectError", "canonical_name", "name_subject"]

# kind → (token type, Subject.type, label zh, label en)
SUBJECT_KINDS: dict[str, tuple[str, str, str, str]] = {
    "app": ("APP_NAME", "app", "App 名称", "app name"),
    "package": ("APP_PACKAGE", "app", "App 包名", "app package"),
    "company": ("ORGANIZATION", "organisation", "公司 / 单位名称", "company or organisation"),
    "uscc": ("USCC", "organisation", "统一社会信用代码", "unified social credit code"),
    "phone": ("PHONE_NUMBER", "phone", "电话号码", "phone number"),
    "website": ("WEBSITE", "website", "网站 / 网址", "website"),
    "account": ("ACCOUNT", "account", "账号（微信号、QQ、公众号等）", "account"),
}

_APP_SUFFIX = re.compile(r"(app|软件|客户端|手机版|官方版|小程序)+$")
_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)
_PACKAGE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_HOST = re.compile(r"^[a-z0-9\u4e00-\u9fff-]+(\.[a-z0-9\u4e00-\u9fff-]+)+$")
MAX_NAME = 120


class SubjectError(BilingualError, ValueError):
    """The named subject cannot be read as its kind (message in Chinese and English, never the
    value)."""


@dataclass(frozen=True)
class NamedSubject:
    """``token`` links; ``display`` is fit for a screen (a phone masked, a company as named)."""

    kind: str
    type: str
    token_type: str
    token: str
    display: str


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def canonical_name(kind: str, value: str) -> str:
    """The form of ``value`` that is tokenised for ``kind`` (raises :class:`SubjectError`)."""
    if kind not in SUBJECT_KINDS:
        raise SubjectError("未知的举报对象类型", "unknown kind of subject")
    text = _fold(value)
    if not text or len(text) > MAX_NAME:
        raise SubjectError(f"请填写被举报对象（不超过 {MAX_NAME} 字）",
                           f"name the subject ({MAX_NAME} characters at most)")
    if kind == "app":
        name = _PUNCT_OR_SPACE.sub("", text.casefold())
        name = _APP_SUFFIX.sub("", name) or name
        if not name:
            raise SubjectError("App 名称无法识别", "the app name is empty")
        return name
    if kind == "package":
        name = text.lower().replace(" ", "")
        if not _PACKAGE.match(name):
            raise SubjectError("App 包名格式不正确（如 com.example.parking）",
                               "not an app package name (e.g. com.example.parking)")
        return name
    if kind == "uscc":
        code = normalize_value("USCC", text)
        if not uscc_ok(code):
            raise SubjectError("统一社会信用代码无效（18 位，校验位不符）",
                               "not a valid unified social credit code")
        return code
    if kind == "phone":
        digits = normalize_value("PHONE_NUMBER", text)
        if not digits.isdigit() or not 5 <= len(digits) <= 12:
            raise SubjectError("电话号码格式不正确", "not a phone number")
        return digits
    if kind == "website":
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.lower())
        host = re.split(r"[/?#]", host, maxsplit=1)[0].rsplit("@", 1)[-1].split(":")[0]
        host = host.removeprefix("www.").rstrip(".")
        if not _HOST.match(host):
            raise SubjectError("网址格式不正确", "not a website address")
        return host
    if kind == "account":
        return re.sub(r"\s+", "", text).lower()
    return re.sub(r"\s+", " ", text)  # company: as the models tokenise organisation names


def _display(kind: str, canonical: str, given: str) -> str:
    if kind == "phone":
        return mask_value("PHONE_NUMBER", canonical)
    if kind == "account":
        return mask_value("WECHAT_ID", canonical)
    shown = re.sub(r"\s+", " ", _fold(given))
    # A company or app name can carry a person's name or number (个体户张三): mask what is found.
    findings = [f for f in scan_text(shown) if f.score >= 0.5]
    return redact_text(shown, findings, "mask") if findings else shown


def name_subject(kind: str, value: str, key: bytes) -> NamedSubject:
    """The named subject as a token under ``key`` (the project key) and a display form."""
    canonical = canonical_name(kind, value)
    token_type, subject_type, _, _ = SUBJECT_KINDS[kind]
    return NamedSubject(kind=kind, type=subject_type, token_type=token_type,
                        token=pseudonym_token(token_type, canonical, key),
                        display=_display(kind, canonical, value))
