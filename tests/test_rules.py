"""A user's own detection rules (`--rules`): custom types and patterns, word lists, allow lists."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pisentinel.cli import app
from pisentinel.detect import Scanner
from pisentinel.detect.rules import DetectionRules, RulesError, load_rules
from pisentinel.knowledge import pi_types
from pisentinel.protect import pseudonym_token, redact_table, redact_text
from pisentinel.synth.pi_text import luhn_check_digit

CARD = "880000000000123" + luhn_check_digit("880000000000123")
BAD_CARD = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)

RULES = """
types:
  EMPLOYEE_ID: {name_zh: 工号, name_en: employee number, sensitive: true,
                mask: {keep_prefix: 2, keep_suffix: 2}}
patterns:
  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.4, context: [工号, 员工编号]}
  - {type: BANK_CARD, regex: '88[0-9]{14}', score: 0.7, validator: luhn, name: 内部卡}
dictionaries:
  - {type: PERSON_NAME, words: [王小二, 赵大宝], score: 0.9}
allow:
  values: ['13800138000']
  patterns: ['400[0-9]{7}']
"""


@pytest.fixture()
def rules(tmp_path: Path) -> DetectionRules:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return load_rules(path, frozenset(pi_types()))


def spans(scanner: Scanner, text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start:f.end]) for f in scanner.scan_text(text)]


def test_custom_type_needs_its_cue_word(rules: DetectionRules) -> None:
    """Score 0.4 alone is below the default 0.5; the cue 工号 just before lifts it to 0.7."""
    scanner = Scanner(rules=rules, ner="off")
    text = "工号GH123456，快递GH654321"
    found = scanner.scan_text(text)
    assert [(f.type, text[f.start:f.end], f.score) for f in found] == [
        ("EMPLOYEE_ID", "GH123456", 0.7)]
    assert found[0].explanation.cues == ("工号",)
    assert found[0].explanation.describe() == "rules/EMPLOYEE_ID#0; 上下文:工号"


def test_validator_word_list_and_built_in_types_side_by_side(rules: DetectionRules) -> None:
    scanner = Scanner(rules=rules, ner="off")
    text = f"赵大宝的会员卡{CARD}，另一张{BAD_CARD}，手机13912345678"
    assert spans(scanner, text) == [("PERSON_NAME", "赵大宝"), ("BANK_CARD", CARD),
                                    ("PHONE_NUMBER", "13912345678")]
    assert spans(Scanner(ner="off"), text) == [("PHONE_NUMBER", "13912345678")]


def test_allow_list_values_and_patterns_hide_built_in_findings(rules: DetectionRules) -> None:
    scanner = Scanner(rules=rules, ner="off")
    text = "测试手机138-0013-8000，客服电话4001234567，本人手机13912345678"
    assert spans(Scanner(ner="off"), text)[0] == ("PHONE_NUMBER", "138-0013-8000")
    assert spans(scanner, text) == [("PHONE_NUMBER", "13912345678")]


def test_scan_batch_masks_custom_types_by_their_own_rule(rules: DetectionRules) -> None:
    batch = pa.record_batch({"备注": pa.array(["员工编号：GH123456", None, "无"])})
    rows = Scanner(rules=rules, ner="off").scan_batch(batch).to_pylist()
    assert [(r["row"], r["type"], r["masked"], r["sensitive"]) for r in rows] == [
        (0, "EMPLOYEE_ID", "GH****56", True)]


def test_types_filter_accepts_custom_codes(rules: DetectionRules) -> None:
    scanner = Scanner(rules=rules, types=["EMPLOYEE_ID"], ner="off")
    assert spans(scanner, "工号GH123456 手机13912345678") == [("EMPLOYEE_ID", "GH123456")]
    with pytest.raises(ValueError):
        Scanner(types=["EMPLOYEE_ID"])


@pytest.mark.parametrize("regex", [r"(?<![0-9A-Z])ZX[0-9]{6}", r"(?:ZX)?[0-9]*ZX[0-9]{6}"])
def test_hyperscan_and_re_prefilters_agree_on_custom_patterns(tmp_path: Path, regex: str
                                                               ) -> None:
    """A lookbehind runs in hyperscan's prefilter mode; a pattern that can match the empty
    string is refused by hyperscan, so every row becomes a candidate: same findings either way."""
    path = tmp_path / "r.yaml"
    path.write_text(f"types: {{TICKET: {{}}}}\npatterns:\n  - {{type: TICKET, regex: '{regex}', "
                    "score: 0.8}\n", encoding="utf-8")
    rules = load_rules(path, frozenset(pi_types()))
    texts = ["票号ZX123456", "AZX123456", "无", "", "ZX12345", "前文ZX654321后文", None]
    results = [Scanner(rules=rules, ner="off", use_hyperscan=h).scan_texts(texts)
               for h in (True, False)]
    flat = [[(f.type, f.start, f.end) for f in found] for found in results[0]]
    assert flat == [[(f.type, f.start, f.end) for f in found] for found in results[1]]
    assert flat[0] == [("TICKET", 2, 10)] and flat[5] == [("TICKET", 2, 10)]


@pytest.mark.parametrize(("text", "where"), [
    ("patterns:\n  - {type: NOPE, regex: x}\n", "patterns[0]"),
    ("patterns:\n  - {type: PHONE_NUMBER, regex: '(x'}\n", "patterns[0]"),
    ("patterns:\n  - {type: PHONE_NUMBER, regex: x, validator: crc}\n", "patterns[0].validator"),
    ("patterns:\n  - {type: PHONE_NUMBER, regex: x, score: 2}\n", "patterns[0].score"),
    ("dictionaries:\n  - {type: PERSON_NAME, words: []}\n", "dictionaries[0].words"),
    ("types: {PHONE_NUMBER: {}}\n", "types.PHONE_NUMBER"),
    ("types: {bad-code: {}}\n", "types.bad-code"),
    ("allow: {values: x}\n", "allow.values"),
    ("colours: [red]\n", "colours"),
    ("patterns: [\n", "YAML"),
])
def test_bad_rules_name_the_file_and_the_entry(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "规则.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path, frozenset(pi_types()))
    assert str(path) in err.value.message_en and where in err.value.message_en
    assert str(path) in err.value.message_zh


def test_cli_scan_with_rules_in_one_process_and_in_a_pool(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    data = tmp_path / "员工.txt"
    data.write_text("员工工号GH123456，手机13912345678，测试号码13800138000\n王小二的工号GH654321\n",
                    encoding="utf-8")
    runner = CliRunner()
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"f{workers}.jsonl"
        result = runner.invoke(app, ["scan", str(data), "--rules", str(tmp_path / "rules.yaml"),
                                     "-o", str(out), "-j", workers])
        assert result.exit_code == 0, result.output
        assert "工号" in result.output  # the summary names the custom type
        outputs.append(sorted(out.read_text("utf-8").splitlines()))
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[0]]
    assert sorted((r["row"], r["type"], r["masked"]) for r in rows) == [
        (1, "EMPLOYEE_ID", "GH****56"), (1, "PHONE_NUMBER", "139****5678"),
        (2, "EMPLOYEE_ID", "GH****21"), (2, "PERSON_NAME", "王**")]


def test_cli_refuses_a_bad_rules_file_with_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("patterns:\n  - {type: NOPE, regex: x}\n", "utf-8")
    (tmp_path / "a.txt").write_text("手机13912345678\n", "utf-8")
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "a.txt"), "--rules",
                                      str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2
    assert "NOPE" in result.output and "patterns[0]" in result.output


@pytest.mark.parametrize("use_hyperscan", [True, False])
def test_custom_patterns_see_through_obfuscation(rules: DetectionRules, use_hyperscan: bool
                                                 ) -> None:
    """Patterns match the normalised text, as the built-in ones do: full-width forms, zero-width
    characters and digits written as Chinese numerals are read through, and offsets still point
    into the original."""
    scanner = Scanner(rules=rules, ner="off", use_hyperscan=use_hyperscan)
    for text in ("工号ＧＨ１２３４５６", "工号GH12\u200b3456", "工号GH一二三四五六"):
        assert spans(scanner, text) == [("EMPLOYEE_ID", text[2:])], text


@pytest.mark.parametrize(("method", "shown"), [
    ("mask", "GH****56"), ("surrogate", "GH****56"), ("label", "[工号]"), ("generalize", "[工号]"),
])
def test_cli_redact_gives_custom_types_their_rule(tmp_path: Path, method: str, shown: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`redact --rules` treats a custom type as `scan --rules` shows it (GH****56, 工号), in a
    text file and in a table's cells alike, and built-in types as before."""
    monkeypatch.setenv("PISENTINEL_KEY", "11" * 32)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "员工.txt").write_text("员工工号GH123456，手机13912345678\n", encoding="utf-8")
    (tmp_path / "员工.csv").write_text("编号,备注\n工号GH123456,手机13912345678\n",
                                       encoding="utf-8")
    for name in ("员工.txt", "员工.csv"):
        out = tmp_path / f"red_{method}_{name}"
        result = CliRunner().invoke(app, ["redact", str(tmp_path / name), "-o", str(out),
                                          "--rules", str(tmp_path / "rules.yaml"),
                                          "--method", method])
        assert result.exit_code == 0, result.output
        text = out.read_text("utf-8-sig")
        assert f"工号{shown}" in text, (name, text)
        assert "GH123456" not in text and "13912345678" not in text


def test_custom_type_tokens_link_across_written_forms(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """One employee number written three ways (GH123456, GH-123456, GH一二三四五六), all found by a
    rule that allows the dash, gets one token from `redact --method token`, as a built-in number
    does whatever its separators and numerals: the token of the value scan reports, which is
    the token of scan's own token column."""
    key = "11" * 32
    monkeypatch.setenv("PISENTINEL_KEY", key)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.replace("GH[0-9]{6}", "GH-?[0-9]{6}"), encoding="utf-8")
    forms = ("GH123456", "GH-123456", "GH一二三四五六")
    src = tmp_path / "员工.txt"
    src.write_text("".join(f"工号{form}\n" for form in forms), encoding="utf-8")
    out = tmp_path / "员工_token.txt"
    result = CliRunner().invoke(app, ["redact", str(src), "-o", str(out), "--rules", str(rules),
                                      "--method", "token"])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    expected = pseudonym_token("EMPLOYEE_ID", "GH123456", bytes.fromhex(key))
    assert lines == [f"工号{expected}"] * 3
    batch = pa.record_batch({"备注": pa.array([f"工号{form}" for form in forms])})
    scanned = Scanner(rules=load_rules(rules), ner="off").scan_batch(
        batch, token=lambda t, v: pseudonym_token(t, v, bytes.fromhex(key)))
    assert scanned.column("token").to_pylist() == [expected] * 3


def test_custom_type_token_is_the_same_in_text_and_in_a_column(tmp_path: Path) -> None:
    """A value of the user's type gets one token from text redaction (over the finding's value)
    and from whole-column redaction (over the cell), however it is written: both read it through
    `own_type_value`, the column by way of `CustomType.value_of`."""
    key = bytes.fromhex("11" * 32)
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.replace("GH[0-9]{6}", "GH-?[0-9]{6}"), encoding="utf-8")
    scanner = Scanner(rules=load_rules(path), ner="off")
    forms = ["GH123456", "GH-123456", "GH一二三四五六", "GH-一二三四五六", "ＧＨ１２３４５６",
             "GH12\u200b3456"]
    expected = pseudonym_token("EMPLOYEE_ID", "GH123456", key)
    table = redact_table(pa.table({"工号": forms, "备注": ["x"] * len(forms)}),
                         {"工号": "EMPLOYEE_ID"}, "token", key=key, own_types=scanner.own_types)
    assert table.column("工号").to_pylist() == [expected] * len(forms)
    for form in forms:
        text = f"员工工号{form}，请核对"
        found = scanner.scan_text(text)
        assert [f.type for f in found] == ["EMPLOYEE_ID"], form
        assert redact_text(text, found, "token", key=key, own_types=scanner.own_types) == \
            f"员工工号{expected}，请核对", form


def test_cli_profile_reports_custom_types(tmp_path: Path) -> None:
    """`profile --rules`: a column of the user's own type is classified as that type."""
    (tmp_path / "rules.yaml").write_text(RULES.replace("score: 0.4", "score: 0.8"),
                                         encoding="utf-8")
    table = tmp_path / "员工.csv"
    table.write_text("编号,手机\nGH123456,13912345678\nGH654321,13812345678\n无,\n",
                     encoding="utf-8")
    out = tmp_path / "profile.json"
    result = CliRunner().invoke(app, ["profile", str(table), "--rules",
                                      str(tmp_path / "rules.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    found = {p["column"]: p["type"] for p in json.loads(out.read_text("utf-8"))}
    assert found == {"编号": "EMPLOYEE_ID", "手机": "PHONE_NUMBER"}


def test_a_column_header_is_context_for_a_rule(rules: DetectionRules) -> None:
    """A 工号 column of bare GH numbers: the header carries the cue the cells lack."""
    batch = pa.record_batch({"工号": ["GH123456", "GH654321"], "备注": ["GH111111", "无"]})
    found = Scanner(rules=rules, ner="off").scan_batch(batch).to_pydict()
    hits = sorted(zip(found["column"], found["row"], found["type"], strict=True))
    assert hits == [("工号", 0, "EMPLOYEE_ID"), ("工号", 1, "EMPLOYEE_ID")]


def test_a_repr_shows_counts_and_the_digest_never_the_words(rules: DetectionRules,
                                                           tmp_path: Path) -> None:
    """Dictionaries and allow lists may hold real names and numbers: the rules' repr, and the
    repr of what carries them (a scan request, a scan job, a run's context), counts them and
    names the file by its digest."""
    from pisentinel.engine.base import ScanRequest
    from pisentinel.engine.scanning import ScanJob
    from pisentinel.models import get_model
    from pisentinel.models.context import RunContext
    from pisentinel.protect import mask_value

    key = b"run-key-not-to-be-shown-0123456"
    holders = [
        rules, *rules.patterns, ScanRequest("t", ["text"], "out", rules=rules),
        ScanJob(("text",), key, None, 0.5, "_row", False, rules, rows_are_persons=False),
        RunContext(get_model("pi_inventory").manifest, None, {}, "r",  # type: ignore[arg-type]
                   tmp_path, key, lambda t, v: "", mask_value, rules={"rules": rules}),
    ]
    words = ["王小二", "赵大宝", "13800138000", "400[0-9]", "员工编号", "GH[0-9]",
             "88[0-9]", "run-key", repr(key)]
    for holder in holders:
        shown = repr(holder)
        assert not [w for w in words if w in shown], type(holder).__name__
    assert repr(rules) == ("DetectionRules(types=1, patterns=3, allow_values=1, "
                           f"allow_patterns=1, digest='{rules.digest}')")
    assert len(rules.digest) == 64 and "DetectionRules(" in repr(holders[-1])
    assert repr(rules.patterns[2]) == (
        "PatternRule(type='PERSON_NAME', name='PERSON_NAME#words0', score=0.9, "
        f"validator=None, regex_chars={len(rules.patterns[2].regex.pattern)}, "
        "context_words=0)")
