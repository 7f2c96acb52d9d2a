"""The project key and the keys derived from it.

One secret per project — 32 random bytes in a key file readable only by its owner — from which
HKDF derives a separate key per purpose (pseudonym tokens, encryption, surrogates), so that
holding the token key (to link records) never lets anyone decrypt the reveal store.

Where the key comes from, first match wins:
1. ``PISENTINEL_KEY`` — the key in hex (for CI and containers, where a file is awkward);
2. ``PISENTINEL_KEY_FILE`` — a path to the key file;
3. ``<workspace>/.pisentinel/key`` when a workspace is given, else ``~/.pisentinel/key``.
The key file is created on first use. Procuratorates that collaborate across regions agree on a
shared secret and derive a **federation key** from it (`federation_key`); tokens computed under
it link across their datasets while each project's own key stays private.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pisentinel.protect.errors import ProjectKeyError

__all__ = [
    "KEY_BYTES",
    "derive_key",
    "federation_key",
    "key_file_path",
    "load_project_key",
]

KEY_BYTES = 32
ENV_KEY = "PISENTINEL_KEY"
ENV_KEY_FILE = "PISENTINEL_KEY_FILE"
_SALT = b"pisentinel/v1"


def key_file_path(workspace: str | os.PathLike[str] | None = None) -> Path:
    """Where the project key file is (or will be created)."""
    if path := os.environ.get(ENV_KEY_FILE):
        return Path(path).expanduser()
    base = Path(workspace) if workspace is not None else Path.home()
    return base / ".pisentinel" / "key"


def _parse_hex(text: str, origin: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ProjectKeyError(f"{origin} 不是十六进制密钥", f"{origin} is not a hex key") from None
    if len(key) < KEY_BYTES:
        raise ProjectKeyError(f"{origin} 的密钥不足 {KEY_BYTES} 字节",
                              f"the key in {origin} is shorter than {KEY_BYTES} bytes")
    return key


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ProjectKeyError(
            f"密钥文件 {path} 的权限过宽（应为 0600），请执行 chmod 600",
            f"key file {path} is readable by others (want 0600); run chmod 600 on it")
    return _parse_hex(path.read_text(encoding="ascii"), str(path))


def _create_key_file(path: Path) -> None:
    """Write a fresh key atomically: a reader never sees a half-written file, and of two
    processes creating it at once exactly one wins (the other then reads the winner's key)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_bytes(KEY_BYTES).hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_project_key(workspace: str | os.PathLike[str] | None = None, *,
                     create: bool = True) -> bytes:
    """The project's master key (32+ bytes), creating the key file on first use.

    Raises `ProjectKeyError` when the key is malformed, its file is readable by others, or it
    does not exist and `create` is false.
    """
    if env := os.environ.get(ENV_KEY):
        return _parse_hex(env, ENV_KEY)
    path = key_file_path(workspace)
    if not path.exists():
        if not create:
            raise ProjectKeyError(f"找不到项目密钥文件 {path}", f"no project key file at {path}")
        _create_key_file(path)
    return _read_key_file(path)


@lru_cache(maxsize=64)
def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (``token``, ``encrypt``, ``surrogate`` …) from `master`.

    Different purposes give independent keys (HKDF-SHA256), so one can be handed out without
    the others.
    """
    if len(master) < 16:
        raise ProjectKeyError("密钥过短", "key too short")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_SALT,
                info=f"pisentinel/{purpose}".encode())
    return hkdf.derive(master)


def federation_key(shared_secret: str | bytes, federation: str) -> bytes:
    """A master key shared by the members of `federation` (e.g. ``长三角-2026``).

    Every member derives the same key from the agreed secret, so pseudonym tokens made with it
    link across their datasets; use it only for exchanged lead bundles, never as a project key.
    The secret should carry at least 128 bits of entropy (e.g. ``secrets.token_hex(32)``).
    """
    secret = shared_secret.encode() if isinstance(shared_secret, str) else shared_secret
    if len(secret) < 16:
        raise ProjectKeyError("联合密钥的共享秘密过短（至少 16 字节）",
                              "federation shared secret too short (16 bytes at least)")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_SALT,
                info=f"pisentinel/federation/{federation}".encode())
    return hkdf.derive(secret)
