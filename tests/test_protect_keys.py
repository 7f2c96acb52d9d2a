"""Project key, derived keys, pseudonym tokens and reversible encryption."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pisentinel.protect import (
    DecryptionError,
    ProjectKeyError,
    decrypt_value,
    derive_key,
    encrypt_value,
    federation_key,
    is_token,
    key_file_path,
    load_project_key,
    normalize_value,
    pseudonym_token,
    token_type,
)

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PISENTINEL_KEY", raising=False)
    monkeypatch.delenv("PISENTINEL_KEY_FILE", raising=False)


# --- keys -------------------------------------------------------------------------------------

def test_key_file_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    key = load_project_key(tmp_path)
    path = tmp_path / ".pisentinel" / "key"
    assert path == key_file_path(tmp_path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_project_key(tmp_path) == key
    assert load_project_key(tmp_path / "other") != key
    assert [p.name for p in path.parent.iterdir()] == ["key"]


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_project_key(tmp_path), range(16)))
    assert len(keys) == 1
    assert [p.name for p in (tmp_path / ".pisentinel").iterdir()] == ["key"]


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_project_key(tmp_path)
    path = key_file_path(tmp_path)
    path.chmod(0o644)
    with pytest.raises(ProjectKeyError) as info:
        load_project_key(tmp_path)
    assert "0600" in str(info.value)


def test_missing_key_without_create(tmp_path: Path) -> None:
    with pytest.raises(ProjectKeyError):
        load_project_key(tmp_path, create=False)


def test_env_key_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_project_key(tmp_path)
    monkeypatch.setenv("PISENTINEL_KEY", KEY_A.hex())
    assert load_project_key(tmp_path) == KEY_A
    monkeypatch.setenv("PISENTINEL_KEY", "not hex")
    with pytest.raises(ProjectKeyError) as info:
        load_project_key(tmp_path)
    assert "not hex" not in str(info.value)
    monkeypatch.setenv("PISENTINEL_KEY", "abcd")
    with pytest.raises(ProjectKeyError):
        load_project_key(tmp_path)


def test_env_key_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "keys" / "project.key"
    monkeypatch.setenv("PISENTINEL_KEY_FILE", str(target))
    key = load_project_key()
    assert target.exists()
    assert bytes.fromhex(target.read_text()) == key


def test_derived_keys_are_separate() -> None:
    token_key, enc_key = derive_key(KEY_A, "token/v1"), derive_key(KEY_A, "encrypt/v1")
    assert len(token_key) == len(enc_key) == 32
    assert len({token_key, enc_key, KEY_A, derive_key(KEY_B, "token/v1")}) == 4


def test_federation_key_is_shared_by_secret_and_name() -> None:
    secret = os.urandom(32).hex()
    assert federation_key(secret, "长三角") == federation_key(secret, "长三角")
    assert federation_key(secret, "长三角") != federation_key(secret, "京津冀")
    with pytest.raises(ProjectKeyError):
        federation_key("short", "长三角")


# --- tokens -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("type_code", "forms"), [
    ("PHONE_NUMBER", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                      "008613812345678", "１３８１２３４５６７８", "一三八一二三四五六七八",
                      "138\u200b1234\u200b5678"]),
    ("CN_ID_CARD", ["11010119900307777X", "11010119900307777x", "110101 19900307 777X",
                    "１１０１０１１９９００３０７７７７Ｘ"]),
    ("BANK_CARD", ["6222021234567890", "6222 0212 3456 7890"]),
    ("EMAIL", ["Zhang.San@QQ.com", " zhang.san@qq.com "]),
    ("LICENSE_PLATE", ["京A12345", "京A·12345", "京a 12345", "京A-12345"]),
    ("PASSPORT", ["E12345678", "e 1234 5678"]),
    ("IP_ADDRESS", ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"]),
    ("GPS_COORDINATE", ["39.9042,116.4074", "39.904200, 116.407400"]),
    ("BIRTH_DATE", ["1990-03-07", "1990年3月7日", "1990/3/7", "19900307"]),
    ("PERSON_NAME", ["阿依古丽·买买提", "阿依古丽•买买提", "阿依古丽 · 买买提"]),
])
def test_token_stable_across_surface_forms(type_code: str, forms: list[str]) -> None:
    tokens = {pseudonym_token(type_code, form, KEY_A) for form in forms}
    assert len(tokens) == 1, {f: normalize_value(type_code, f) for f in forms}


def test_token_shape() -> None:
    token = pseudonym_token("PHONE_NUMBER", "13812345678", KEY_A)
    assert token.startswith("PHONE_NUMBER:ph_")
    assert is_token(token)
    assert token_type(token) == "PHONE_NUMBER"
    assert "13812345678" not in token and "5678" not in token
    assert len(token) < 48


def test_token_differs_across_keys_types_and_values() -> None:
    a = pseudonym_token("PHONE_NUMBER", "13812345678", KEY_A)
    assert pseudonym_token("PHONE_NUMBER", "13812345678", KEY_B) != a
    assert pseudonym_token("PHONE_NUMBER", "13812345679", KEY_A) != a
    other_type = pseudonym_token("QQ_NUMBER", "13812345678", KEY_A)
    assert other_type.rpartition("_")[2] != a.rpartition("_")[2]


def test_minor_links_with_id_card() -> None:
    value = "44030520150101002X"
    assert pseudonym_token("MINOR", value, KEY_A) == pseudonym_token("CN_ID_CARD", value, KEY_A)


def test_federation_tokens_link_across_projects() -> None:
    fed = federation_key("a shared secret of 32+ characters", "长三角")
    assert pseudonym_token("PHONE_NUMBER", "13812345678", fed) == pseudonym_token(
        "PHONE_NUMBER", "138 1234 5678", federation_key("a shared secret of 32+ characters",
                                                        "长三角"))


def test_token_uses_project_key_when_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PISENTINEL_KEY", KEY_B.hex())
    assert pseudonym_token("EMAIL", "a@b.cn") == pseudonym_token("EMAIL", "a@b.cn", KEY_B)


# --- encryption -------------------------------------------------------------------------------

@pytest.mark.parametrize(("type_code", "value"), [
    ("CN_ID_CARD", "11010119900307777X"), ("PERSON_NAME", "欧阳娜娜"),
    ("ADDRESS", "北京市朝阳区建国路88号"), ("EMAIL", ""),
])
def test_encryption_round_trip(type_code: str, value: str) -> None:
    sealed = encrypt_value(type_code, value, KEY_A)
    assert sealed.startswith("enc1.")
    assert value == "" or value not in sealed
    assert decrypt_value(type_code, sealed, KEY_A) == value
    assert encrypt_value(type_code, value, KEY_A) != sealed  # fresh nonce each time


def test_ciphertext_and_token_keys_are_independent() -> None:
    sealed = encrypt_value("PHONE_NUMBER", "13812345678", KEY_A)
    with pytest.raises(DecryptionError):
        decrypt_value("PHONE_NUMBER", sealed, derive_key(KEY_A, "token/v1"))


def _flip(sealed: str, index: int) -> str:
    body = sealed[len("enc1."):]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[index] ^= 0x01
    return "enc1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("index", [0, 11, 12, -1])
def test_tampered_ciphertext_is_refused_without_plaintext(index: int) -> None:
    value = "11010119900307777X"
    sealed = encrypt_value("CN_ID_CARD", value, KEY_A)
    with pytest.raises(DecryptionError) as info:
        decrypt_value("CN_ID_CARD", _flip(sealed, index), KEY_A)
    assert value not in str(info.value) and value not in repr(info.value)
    assert "解密失败" in info.value.message("zh")
    assert "decryption refused" in info.value.message("en")


@pytest.mark.parametrize("bad", ["", "enc1.", "enc1.!!!", "enc1.AAAA", "plain text"])
def test_malformed_ciphertext_is_refused(bad: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt_value("PHONE_NUMBER", bad, KEY_A)


def test_wrong_type_or_key_is_refused() -> None:
    sealed = encrypt_value("PHONE_NUMBER", "13812345678", KEY_A)
    with pytest.raises(DecryptionError):
        decrypt_value("QQ_NUMBER", sealed, KEY_A)
    with pytest.raises(DecryptionError):
        decrypt_value("PHONE_NUMBER", sealed, KEY_B)
