"""Users, sign-in, server-side sessions and API tokens, kept in the lead store.

Passwords are argon2id hashes (argon2-cffi). A session id and an API token are random secrets
handed to the client once; the store keeps only their SHA-256, so a copy of the database lets
no one sign in. After ``max_failed_logins`` wrong passwords in a row an account is locked for
``lockout_minutes``; sign-ins and failures go to the audit log (user name only, never the
password)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.web.errors import ApiError
from pisentinel.web.roles import Role

__all__ = ["Accounts", "Principal", "SessionInfo", "TokenInfo", "User"]

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
TOKEN_PREFIX = "pis_"
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# A hash to verify against for unknown users, so a failed sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("pisentinel-dummy-password")


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user, and how they proved it (a session with its CSRF token, or an
    API token, which needs no CSRF token because browsers never send it on their own)."""

    user: User
    via: str
    csrf_token: str | None = None

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def name(self) -> str:
        return self.user.username


@dataclass(frozen=True)
class SessionInfo:
    secret: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user(row: sa.RowMapping) -> User:
    return User(row["id"], row["username"], row["display_name"], Role(row["role"]),
                bool(row["disabled"]), row["failed_logins"], row["locked_until"],
                row["created_at"], row["last_login_at"])


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ApiError(400, "weak_password", f"密码至少 {MIN_PASSWORD} 个字符",
                       f"passwords need at least {MIN_PASSWORD} characters")


class Accounts:
    """Users, sessions and tokens over a :class:`LeadStore`'s database."""

    def __init__(self, store: LeadStore, *, session_hours: float = 12.0,
                 max_failed_logins: int = 5, lockout_minutes: float = 15.0) -> None:
        self.store = store
        self.engine = store.engine
        self.session_ttl = timedelta(hours=session_hours)
        self.max_failed = max_failed_logins
        self.lockout = timedelta(minutes=lockout_minutes)

    # --- users -----------------------------------------------------------------------------

    def add_user(self, username: str, password: str, role: Role | str,
                 display_name: str | None = None, *, by: str = "system") -> User:
        if not _USERNAME.match(username):
            raise ApiError(400, "invalid_username", "用户名只能包含字母、数字、点、横线和下划线（2–64 个字符）",
                           "user names are 2-64 letters, digits, dots, dashes or underscores")
        check_password_strength(password)
        role = Role(role)
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(t.users.c.id).where(t.users.c.username == username))
            if exists.first() is not None:
                raise ApiError(409, "user_exists", "用户名已存在", "that user name is taken")
            uid = conn.execute(t.users.insert().values(
                username=username, display_name=display_name or username,
                password_hash=_hasher.hash(password), role=role.value, disabled=False,
                failed_logins=0, locked_until=None, created_at=_now(), last_login_at=None)
                .returning(t.users.c.id)).scalar_one()
        self.store.audit(by, "user.add", "user", username, detail={"role": role.value})
        return self.get_user(uid)

    def get_user(self, user_id: int) -> User:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).mappings().first()
        if row is None:
            raise ApiError(404, "not_found", "用户不存在", "user not found")
        return _user(row)

    def find_user(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.users).where(t.users.c.username == username)
                               ).mappings().first()
        return None if row is None else _user(row)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.users).order_by(t.users.c.id)).mappings().all()
        return [_user(r) for r in rows]

    def update_user(self, user_id: int, *, by: str, role: Role | str | None = None,
                    disabled: bool | None = None, password: str | None = None,
                    display_name: str | None = None) -> User:
        user = self.get_user(user_id)
        values: dict[str, object] = {}
        if role is not None:
            values["role"] = Role(role).value
        if disabled is not None:
            values["disabled"] = disabled
        if display_name is not None:
            values["display_name"] = display_name
        if password is not None:
            check_password_strength(password)
            values |= {"password_hash": _hasher.hash(password), "failed_logins": 0,
                       "locked_until": None}
        if values:
            with self.engine.begin() as conn:
                conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))
                if disabled or password is not None:  # end the user's sessions
                    conn.execute(t.sessions.delete().where(t.sessions.c.user_id == user_id))
            changed = sorted(k for k in values if k != "password_hash")
            self.store.audit(by, "user.update", "user", user.username,
                             detail={"changed": changed, "role": values.get("role", "")})
        return self.get_user(user_id)

    # --- sign-in and sessions --------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> User:
        """The user if the password is right and the account usable; else ApiError 401 (or
        423 while locked). Every outcome is audited."""
        user = self.find_user(username) if _USERNAME.match(username or "") else None
        now = _now()
        if user is None:
            _verify(_DUMMY_HASH, password)
            self.store.audit(username[:64] if _USERNAME.match(username or "") else "?",
                             "auth.login_failed", "user", None, detail={"why": "unknown user"})
            raise _bad_credentials()
        if user.locked_until and user.locked_until > now:
            self.store.audit(user.username, "auth.login_locked", "user", user.username)
            raise ApiError(423, "account_locked", "密码错误次数过多，账户已暂时锁定，请稍后再试",
                           "too many wrong passwords; the account is locked for a while")
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(t.users.c.password_hash)
                                  .where(t.users.c.id == user.id)).scalar_one()
        ok = _verify(stored, password)
        if not ok or user.disabled:
            if not ok:
                failed = user.failed_logins + 1
                lock = now + self.lockout if failed >= self.max_failed else None
                with self.engine.begin() as conn:
                    conn.execute(t.users.update().where(t.users.c.id == user.id).values(
                        failed_logins=0 if lock else failed, locked_until=lock))
                self.store.audit(user.username, "auth.login_failed", "user", user.username,
                                 detail={"why": "password", "locked": bool(lock)})
            else:
                self.store.audit(user.username, "auth.login_failed", "user", user.username,
                                 detail={"why": "disabled"})
            raise _bad_credentials()
        with self.engine.begin() as conn:
            values: dict[str, object] = {"failed_logins": 0, "locked_until": None,
                                         "last_login_at": now}
            if _hasher.check_needs_rehash(stored):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(t.users.update().where(t.users.c.id == user.id).values(**values))
        self.store.audit(user.username, "auth.login", "user", user.username)
        return self.get_user(user.id)

    def open_session(self, user: User) -> SessionInfo:
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        expires = now + self.session_ttl
        with self.engine.begin() as conn:
            conn.execute(t.sessions.delete().where(t.sessions.c.expires_at < now))
            conn.execute(t.sessions.insert().values(
                id_hash=_digest(secret), user_id=user.id, csrf_token=csrf, created_at=now,
                expires_at=expires))
        return SessionInfo(secret, csrf, expires)

    def session_principal(self, secret: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.sessions.c.csrf_token, t.sessions.c.expires_at, t.users)
                .join(t.users, t.users.c.id == t.sessions.c.user_id)
                .where(t.sessions.c.id_hash == _digest(secret))).mappings().first()
        if row is None or row["expires_at"] <= _now() or row["disabled"]:
            return None
        return Principal(_user(row), "session", row["csrf_token"])

    def close_session(self, secret: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.sessions.delete().where(t.sessions.c.id_hash == _digest(secret)))

    # --- API tokens ------------------------------------------------------------------------

    def issue_token(self, user_id: int, name: str, *, by: str) -> tuple[str, TokenInfo]:
        """A new API token for a user: the secret (shown once) and its record."""
        user = self.get_user(user_id)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            tid = conn.execute(t.api_tokens.insert().values(
                user_id=user.id, name=name[:128] or "token", token_hash=_digest(secret),
                prefix=secret[:10], created_at=_now(), last_used_at=None, revoked_at=None)
                .returning(t.api_tokens.c.id)).scalar_one()
        self.store.audit(by, "token.issue", "api_token", str(tid),
                         detail={"user": user.username})
        return secret, self.get_token(tid)

    def get_token(self, token_id: int) -> TokenInfo:
        rows = self._tokens(t.api_tokens.c.id == token_id)
        if not rows:
            raise ApiError(404, "not_found", "令牌不存在", "token not found")
        return rows[0]

    def tokens(self) -> list[TokenInfo]:
        return self._tokens(None)

    def _tokens(self, cond: sa.ColumnElement[bool] | None) -> list[TokenInfo]:
        query = (sa.select(t.api_tokens, t.users.c.username)
                 .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
                 .order_by(t.api_tokens.c.id))
        if cond is not None:
            query = query.where(cond)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [TokenInfo(r["id"], r["user_id"], r["username"], r["name"], r["prefix"],
                          r["created_at"], r["last_used_at"], r["revoked_at"]) for r in rows]

    def revoke_token(self, token_id: int, *, by: str) -> TokenInfo:
        self.get_token(token_id)
        with self.engine.begin() as conn:
            conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == token_id,
                                                     t.api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=_now()))
        self.store.audit(by, "token.revoke", "api_token", str(token_id))
        return self.get_token(token_id)

    def token_principal(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.api_tokens.c.id.label("token_id"), t.api_tokens.c.revoked_at,
                          t.api_tokens.c.last_used_at, t.users)
                .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
                .where(t.api_tokens.c.token_hash == _digest(secret))).mappings().first()
        if row is None or row["revoked_at"] is not None or row["disabled"]:
            return None
        now = _now()
        last = row["last_used_at"]
        if last is None or now - last > timedelta(minutes=1):  # not a write per request
            with self.engine.begin() as conn:
                conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == row["token_id"])
                             .values(last_used_at=now))
        return Principal(_user(row), "token")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _bad_credentials() -> ApiError:
    return ApiError(401, "bad_credentials", "用户名或密码错误", "wrong user name or password")
