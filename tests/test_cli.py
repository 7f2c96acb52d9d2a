"""The command line as a user drives it: real files in, real files out, exit codes to trust."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pisentinel.cli import app
from pisentinel.detect.validators import id_check_char
from pisentinel.protect import load_project_key, surrogate_value

runner = CliRunner()
ID = "11010119900307777" + id_check_char("11010119900307777")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "posts.txt").write_text(
        f"第一行没有信息\n联系张三 手机13812345678\n身份证{ID}，邮箱a@b.cn\n", "utf-8")
    (folder / "客户.csv").write_bytes(
        f"姓名,手机号,备注\n李四,13912345678,订单号20230101123456\n王五,15012345678,身份证{ID}\n"
        .encode("gbk"))
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_scan_folder_to_jsonl_masks_values(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.jsonl"
    code, output = invoke("scan", str(data), "-o", str(out))
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    by_type = {(Path(r["source"]).name, r["row"], r["type"]) for r in rows}
    assert ("posts.txt", 2, "PHONE_NUMBER") in by_type
    assert ("posts.txt", 3, "CN_ID_CARD") in by_type
    assert ("客户.csv", 1, "PHONE_NUMBER") in by_type
    assert ("客户.csv", 2, "CN_ID_CARD") in by_type
    text = out.read_text("utf-8")
    assert ID not in text and "13812345678" not in text
    phone = next(r for r in rows if r["type"] == "PHONE_NUMBER" and r["row"] == 2)
    line = (data / "posts.txt").read_text("utf-8").splitlines()[1]
    assert line[phone["start"] : phone["end"]] == "13812345678"
    assert "CN_ID_CARD" in output


def test_scan_reveal_is_audited(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                ) -> None:
    monkeypatch.setenv("PISENTINEL_HOME", str(tmp_path / "home"))
    out = tmp_path / "raw.parquet"
    code, _ = invoke("scan", str(data / "posts.txt"), "--reveal", "-o", str(out))
    assert code == 0
    assert ID in pq.read_table(out).column("raw").to_pylist()
    log = (tmp_path / "home" / "audit.jsonl").read_text("utf-8")
    assert "scan --reveal" in log and ID not in log


def test_types_and_columns_filters(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    code, _ = invoke("scan", str(data / "客户.csv"), "--columns", "备注", "--types", "CN_ID_CARD",
                     "-o", str(out))
    assert code == 0
    lines = out.read_text("utf-8-sig").splitlines()
    assert len(lines) == 2 and "CN_ID_CARD" in lines[1] and "备注" in lines[1]


def test_exit_codes(data: Path, tmp_path: Path) -> None:
    assert invoke("scan", str(data), "--fail-on-findings")[0] == 1
    code, output = invoke("scan", str(data / "客户.csv"), "--columns", "不存在的列")
    assert code == 4 and "不存在的列" in output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert invoke("scan", str(empty))[0] == 5
    assert invoke("scan", str(data), "--types", "NOPE")[0] == 2
    assert invoke("scan", str(data), "-o", str(tmp_path / "x.docx"))[0] == 2


def test_failed_scan_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n3,4,5\n")
    out = tmp_path / "out.jsonl"
    code, output = invoke("scan", str(bad), "-o", str(out))
    assert code == 3 and "bad.csv" in output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_profile_and_types(data: Path) -> None:
    code, output = invoke("profile", str(data / "客户.csv"))
    assert code == 0
    assert "PERSON_NAME" in output and "PHONE_NUMBER" in output
    code, output = invoke("--lang", "en", "types")
    assert code == 0 and "BIOMETRIC" in output and "Sensitive" in output


@pytest.mark.parametrize("method", ["mask", "token", "generalize", "label", "remove"])
def test_redact_table_keeps_shape_and_drops_pi(data: Path, tmp_path: Path, method: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PISENTINEL_KEY", "11" * 32)
    out = tmp_path / f"red_{method}.csv"
    code, output = invoke("redact", str(data / "客户.csv"), "-o", str(out), "--method", method)
    assert code == 0, output
    text = out.read_text("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["姓名", "手机号", "备注"] and len(rows) == 3
    for raw in (ID, "13912345678", "15012345678", "李四"):
        assert raw not in text
    assert "20230101123456" in text  # an order number is not PI and stays


def test_redact_masks_a_mistyped_id_in_an_id_column(tmp_path: Path) -> None:
    """A wrong check digit makes a value no ID for the detector, but in a 身份证号 column it is
    a mistyped ID one digit from the real one: the redacted copy must not show it. Placeholders
    (无) and numbers in columns that say they are not PI (订单号) stay."""
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    src = tmp_path / "名单.csv"
    src.write_text(f"身份证号,订单号\n{ID},202301011234567890\n{wrong},202301011234567891\n无,\n",
                   encoding="utf-8")
    out = tmp_path / "名单_脱敏.csv"
    code, output = invoke("redact", str(src), "-o", str(out))
    assert code == 0, output
    rows = list(csv.reader(out.read_text("utf-8-sig").splitlines()))
    assert rows[1][0] == ID[:6] + "*" * 8 + ID[-4:]
    assert rows[2][0] == wrong[:6] + "*" * 8 + wrong[-4:]
    assert rows[3][0] == "无"
    assert [r[1] for r in rows[1:3]] == ["202301011234567890", "202301011234567891"]
    assert "1 处未通过校验" in output


def test_redact_text_file_mask(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts_masked.txt"
    code, _ = invoke("redact", str(data / "posts.txt"), "-o", str(out))
    assert code == 0
    lines = out.read_text("utf-8").splitlines()
    assert lines[0] == "第一行没有信息"
    assert "138****5678" in lines[1] and ID[:6] + "********" + ID[-4:] in lines[2]


def test_redact_surrogates_come_from_the_workspace_key(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`redact --method surrogate -w` draws surrogates from that workspace's key, as tokens are:
    two workspaces (two keys) give one phone number two surrogates, one workspace the same one
    on every run. HOME is a temporary folder, so a default key, if one were used, is no one's."""
    for var in ("PISENTINEL_KEY", "PISENTINEL_KEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    src = tmp_path / "名单.txt"
    src.write_text("手机13912345678\n", encoding="utf-8")

    def redacted(workspace: str, name: str) -> str:
        out = tmp_path / name
        code, output = invoke("redact", str(src), "-o", str(out), "--method", "surrogate",
                              "-w", str(tmp_path / workspace))
        assert code == 0, output
        return out.read_text("utf-8")

    first, again, other = redacted("ws_a", "a1.txt"), redacted("ws_a", "a2.txt"), redacted(
        "ws_b", "b.txt")
    assert first == again and first != other
    key = load_project_key(tmp_path / "ws_a", create=False)
    assert first == f"手机{surrogate_value('PHONE_NUMBER', '13912345678', key)}\n"


def test_redact_labels_follow_lang(tmp_path: Path) -> None:
    """Labels (`label`, and `generalize` where it falls back to one) are in the language of
    `--lang`: an English user's copy says [Phone number], not [电话号码]."""
    src = tmp_path / "帖子.txt"
    src.write_text("他信仰佛教，手机13912345678\n", encoding="utf-8")
    expected = {("zh", "label"): "他[宗教信仰]，手机[电话号码]",
                ("zh", "generalize"): "他[宗教信仰]，手机139",
                ("en", "label"): "他[Religious belief]，手机[Phone number]",
                ("en", "generalize"): "他[Religious belief]，手机139"}
    for lang, method in expected:
        out = tmp_path / f"{lang}_{method}.txt"
        code, output = invoke("--lang", lang, "redact", str(src), "-o", str(out),
                              "--method", method)
        assert code == 0, output
        assert out.read_text("utf-8") == expected[lang, method] + "\n", (lang, method)


def test_auto_workers_pool_only_large_inputs() -> None:
    """`-j 0` (the default) keeps small scans in one process: a pool costs seconds to start."""
    from pisentinel.cli.scan import AUTO_WORKERS_FROM_BYTES, auto_workers

    assert auto_workers(0) == 1 and auto_workers(AUTO_WORKERS_FROM_BYTES - 1) == 1
    cores = len(os.sched_getaffinity(0))
    assert auto_workers(AUTO_WORKERS_FROM_BYTES) == max(1, min(4, cores))


@pytest.mark.parametrize("command", [
    ["redact", "{src}", "-o", "{out}", "--method", "token", "-w", "{ws}"],
    ["bundle", "card", "--region", "330100", "-w", "{ws}"],
])
def test_an_unsafe_project_key_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 command: list[str]) -> None:
    """A key file others can read stops the command with exit code 2 and the fix to make, no
    traceback and no output written."""
    for var in ("PISENTINEL_KEY", "PISENTINEL_KEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    key = tmp_path / "ws" / ".pisentinel" / "key"
    key.parent.mkdir(parents=True)
    key.write_text("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=\n")
    key.chmod(0o644)
    src = tmp_path / "名单.txt"
    src.write_text("手机13912345678\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    args = [a.format(src=src, out=out, ws=tmp_path / "ws") for a in command]
    code, output = invoke(*args)
    assert code == 2, output
    assert "chmod 600" in output and "Traceback" not in output
    assert not out.exists()
