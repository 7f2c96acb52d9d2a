"""PSI over HTTP between two instances: a responder router (``psi_router``) and a client
(``run_psi``).

Every message body is signed with the sender's federation key (``X-Pisentinel-Key``: the
verify key, ``X-Pisentinel-Signature``: Ed25519 over the exact body); a responder answers only
peers whose card it trusts, and the client accepts only answers signed by the peer it called.
Messages carry blinded group elements and a session id — no identifier, no pseudonym token.

    POST /federation/psi/v1/sessions              {"items": [H(x)^a …]}
         → {"session", "double": [H(x)^ab …], "items": [H(y)^b …]}
    POST /federation/psi/v1/sessions/{session}/result   {"double": [H(y)^ba …]}
         → {"shared": <count>}
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from nacl.exceptions import BadSignatureError

from pisentinel.federation.identity import FederationIdentity, PeerCard
from pisentinel.federation.psi import (
    Identifier,
    PsiError,
    PsiParty,
    SharedIdentifier,
    decode_points,
    encode_points,
)

__all__ = ["PSI_PATH", "PsiOutcome", "psi_app", "psi_router", "run_psi"]

PSI_PATH = "/federation/psi/v1/sessions"
KEY_HEADER = "x-pisentinel-key"
SIG_HEADER = "x-pisentinel-signature"
MAX_BODY = 64 * 1024 * 1024
SESSION_SECONDS = 600.0
MAX_SESSIONS = 16

OnShared = Callable[[PeerCard, str, list[SharedIdentifier]], None]


def _signed(identity: FederationIdentity, body: dict[str, Any], status: int = 200) -> Response:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return Response(raw, status_code=status, media_type="application/json", headers={
        KEY_HEADER: identity.card().verify_key,
        SIG_HEADER: base64.b64encode(identity.sign(raw)).decode()})


def _verify(raw: bytes, headers: Any, peers: Sequence[PeerCard]) -> PeerCard | None:
    key = headers.get(KEY_HEADER, "")
    peer = next((p for p in peers if p.verify_key == key), None)
    if peer is None:
        return None
    try:
        peer.verifier().verify(raw, base64.b64decode(headers.get(SIG_HEADER, ""), validate=True))
    except (BadSignatureError, ValueError):
        return None
    return peer


def _error(status: int, code: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message_zh": zh, "message_en": en}},
                        status_code=status)


@dataclass
class _Session:
    peer: PeerCard
    party: PsiParty
    double_theirs: list[bytes]
    started: float = field(default_factory=time.monotonic)


def psi_router(identity: FederationIdentity, trusted: Sequence[PeerCard],
               identifiers: Callable[[], Sequence[Identifier]], on_shared: OnShared,
               *, max_items: int = 200_000) -> APIRouter:
    """The responder: ``identifiers()`` gives this side's set per session; ``on_shared(peer,
    session, shared)`` receives this side's shared identifiers when the client reports back."""
    router = APIRouter(include_in_schema=False)
    sessions: dict[str, _Session] = {}
    lock = threading.Lock()

    async def _body(request: Request) -> tuple[bytes, PeerCard | None]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return raw, None
        return raw, _verify(raw, request.headers, trusted)

    @router.post(PSI_PATH)
    async def start(request: Request) -> Response:
        raw, peer = await _body(request)
        if peer is None:
            return _error(401, "untrusted_peer", "请求方不在信任名单中或签名无效",
                          "the caller is not a trusted peer or the signature is wrong")
        try:
            theirs = decode_points(json.loads(raw).get("items"), limit=max_items)
            party = PsiParty(identifiers())
            double_theirs, mine = party.answer(theirs)
        except (PsiError, ValueError, AttributeError):
            return _error(400, "bad_message", "PSI 消息格式不正确", "malformed PSI message")
        session_id = secrets.token_hex(16)
        now = time.monotonic()
        with lock:
            for sid in [s for s, v in sessions.items() if now - v.started > SESSION_SECONDS]:
                del sessions[sid]
            if len(sessions) >= MAX_SESSIONS:
                return _error(429, "busy", "进行中的会话过多，请稍后再试", "too many open sessions")
            sessions[session_id] = _Session(peer, party, double_theirs)
        return _signed(identity, {"session": session_id, "double": encode_points(double_theirs),
                                  "items": encode_points(mine)})

    @router.post(PSI_PATH + "/{session_id}/result")
    async def result(session_id: str, request: Request) -> Response:
        raw, peer = await _body(request)
        with lock:
            session = sessions.get(session_id)
            if session is None or peer is None or peer.verify_key != session.peer.verify_key:
                return _error(404, "unknown_session", "会话不存在或已过期",
                              "no such session (or it expired)")
            del sessions[session_id]
        try:
            double_mine = decode_points(json.loads(raw).get("double"), limit=max_items)
            shared = session.party.learn(session_id, double_mine, session.double_theirs)
        except (PsiError, ValueError, AttributeError):
            return _error(400, "bad_message", "PSI 消息格式不正确", "malformed PSI message")
        on_shared(session.peer, session_id, shared)
        return _signed(identity, {"shared": len(shared)})

    return router


def psi_app(identity: FederationIdentity, trusted: Sequence[PeerCard],
            identifiers: Callable[[], Sequence[Identifier]], on_shared: OnShared) -> FastAPI:
    """A stand-alone responder app (``pisentinel psi serve``)."""
    app = FastAPI(title="pisentinel PSI", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(psi_router(identity, trusted, identifiers, on_shared))
    return app


@dataclass(frozen=True)
class PsiOutcome:
    session: str
    shared: list[SharedIdentifier]
    sent: int
    received: int


def _post(http: httpx.Client, url: str, identity: FederationIdentity, peer: PeerCard,
          body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body, separators=(",", ":")).encode()
    response = http.post(url, content=raw, headers={
        "content-type": "application/json", KEY_HEADER: identity.card().verify_key,
        SIG_HEADER: base64.b64encode(identity.sign(raw)).decode()})
    if response.status_code != 200:
        try:
            err = response.json()["error"]
            zh, en = str(err["message_zh"]), str(err["message_en"])
        except (ValueError, KeyError, TypeError):
            zh, en = "对方返回错误", "the peer refused"
        raise PsiError(f"{zh}（{response.status_code}）", f"{en} ({response.status_code})")
    if _verify(response.content, response.headers, [peer]) is None:
        raise PsiError("对方回应的签名无效", "the answer is not signed by the peer")
    data = json.loads(response.content)
    if not isinstance(data, dict):
        raise PsiError("对方回应格式不正确", "malformed answer")
    return data


def run_psi(base_url: str, identity: FederationIdentity, peer: PeerCard,
            items: Sequence[Identifier], *, http: httpx.Client | None = None,
            timeout: float = 120.0, party: PsiParty | None = None) -> PsiOutcome:
    """Run one session against the responder at ``base_url``; both sides learn the
    intersection. Returns this side's shared identifiers with their link tokens. ``party``
    (built from ``items`` if not given) lets a caller keep the session's state."""
    party = party or PsiParty(items)
    own = http is None
    client = http or httpx.Client(timeout=timeout)
    try:
        first = _post(client, base_url.rstrip("/") + PSI_PATH, identity, peer,
                      {"items": encode_points(party.blinded())})
        session_id = first.get("session")
        if not isinstance(session_id, str) or not session_id.isalnum() or len(session_id) > 64:
            raise PsiError("对方回应格式不正确", "malformed answer")
        double_mine = decode_points(first.get("double"))
        theirs = decode_points(first.get("items"))
        shared, double_theirs = party.finish(session_id, double_mine, theirs)
        _post(client, f"{base_url.rstrip('/')}{PSI_PATH}/{session_id}/result", identity, peer,
              {"double": encode_points(double_theirs)})
    finally:
        if own:
            client.close()
    return PsiOutcome(session_id, shared, len(party.items), len(theirs))
