"""Throughput of the detector side by side with Presidio, JioNLP and a plain `re` baseline.

One run, one process, one generated corpus (`pisentinel.synth.generate_corpus`: most rows are
PI-free chatter, `--pi-rate` of them carry planted PI and hard negatives). MB = 10^6 UTF-8 bytes.
Each engine is reported in MB/s of wall time and of process CPU time (the cores are shared, so the
CPU figure is the fairer "per core" one), with the 1-minute load average at the time.

Presidio runs on a sub-sample of at least 1 MB (every k-th row) and is scaled; its NLP engine is a
blank Chinese spaCy tokenizer saved to disk (no model can be downloaded here), with Chinese
PatternRecognizers equivalent to the `re` baseline (same patterns, ID MOD 11-2 and Luhn in
`validate_result`).

    .venv/bin/python benchmarks/bench_speed.py --mb 24 --seed 7

Needs the `bench` extra: presidio-analyzer, spacy, jionlp.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import pyarrow as pa

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "detector.md"

Span = tuple[str, int, int]
# Rows scanned before timing starts (a tenth of them for engines called text by text): enough
# for every recognizer to have compiled its patterns and loaded its tables once.
WARM_ROWS = 2_000

# --------------------------------------------------------------------------------------------
# The plain `re` baseline: the patterns a careful engineer writes in an afternoon, with CJK-aware
# boundaries instead of \b, and the two checksums. The Presidio recognizers use the same strings.

_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"
BASELINE_PATTERNS: dict[str, str] = {
    "CN_ID_CARD": _B + r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                       r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]" + _E,
    "PHONE_NUMBER": r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])",
    "BANK_CARD": _B + r"(?:62[0-9]{14,17}|[3-6][0-9]{15})" + _E,
    "EMAIL": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
    "LICENSE_PLATE": rf"[{_PROV}][{_L}](?:[DF][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[DF]|[{_L}0-9]{{5}})"
                     + _E,
    "IP_ADDRESS": r"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
                  r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9.])",
}
# The rest of the pattern tier's types, for Presidio doing the same job (these need their cue
# words: a bare 9-digit number or letter+8 digits means nothing alone).
SAME_JOB_PATTERNS: dict[str, str] = {
    "QQ_NUMBER": r"(?<![0-9])[1-9][0-9]{4,10}(?![0-9])",
    "WECHAT_ID": r"(?<![A-Za-z0-9_-])[A-Za-z][A-Za-z0-9_-]{5,19}(?![A-Za-z0-9_-])",
    "PASSPORT": _B + r"(?:[EeGgDdSsPp][0-9]{8}|[Ee][A-HJ-NP-Za-hj-np-z][0-9]{7})" + _E,
    "HK_MACAO_PERMIT": _B + r"[CcWwHhMm][0-9]{8}" + _E,
    "TAIWAN_PERMIT": _B + r"(?:[Tt][0-9]{8}|[0-9]{8})" + _E,
    "GPS_COORDINATE": r"(?<![0-9.])-?[0-9]{1,3}\.[0-9]{4,8}\s*[,，]\s*-?[0-9]{1,3}\.[0-9]{4,8}",
    "USCC": _B + r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}" + _E,
    "BIRTH_DATE": r"(?<![0-9])(?:19|20)[0-9]{2}[-/.年](?:0?[1-9]|1[0-2])[-/.月](?:0?[1-9]|[12][0-9]|3[01])日?",
    "LANDLINE": r"(?<![0-9])0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(?![0-9])",
}
_ID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_valid(v: str) -> bool:
    """MOD 11-2 check digit and a real calendar date (no region table: a baseline)."""
    if "10X98765432"[sum(int(d) * w for d, w in zip(v[:17], _ID_W, strict=True)) % 11] != \
            v[17].upper():
        return False
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return born <= date.today()


def luhn_valid(v: str) -> bool:
    digits = [int(c) for c in reversed(v)]
    return (sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])) % 10 == 0


_VALIDATORS: dict[str, Callable[[str], bool]] = {"CN_ID_CARD": id_valid, "BANK_CARD": luhn_valid}


class ReBaseline:
    """`re`, one pattern per type, finditer + validation; overlapping hits keep the first type
    in table order (an ID contains no phone, but a card may contain one)."""

    name = "re baseline"

    def __init__(self) -> None:
        self._compiled = [(t, re.compile(p), _VALIDATORS.get(t)) for t, p in
                          BASELINE_PATTERNS.items()]

    def scan(self, text: str) -> list[Span]:
        out: list[Span] = []
        for type_, pat, valid in self._compiled:
            for m in pat.finditer(text):
                if valid is None or valid(m.group()):
                    s, e = m.span()
                    if not any(s < b and a < e for _, a, b in out):
                        out.append((type_, s, e))
        return out


# --------------------------------------------------------------------------------------------
# Other engines behind the same `scan(text) -> [(type, start, end)]` shape


class PisentinelText:
    name = "pisentinel scan_text"

    def __init__(self) -> None:
        from pisentinel import scan_text

        self._scan = scan_text

    def scan(self, text: str) -> list[Span]:
        return [(f.type, f.start, f.end) for f in self._scan(text)]


class JioNLP:
    """JioNLP's five extractors; JioNLP has no bank-card extractor and no checksums."""

    name = "JioNLP extractors"

    def __init__(self) -> None:
        import jionlp as jio

        self._fns = [("CN_ID_CARD", jio.extract_id_card),
                     ("PHONE_NUMBER", jio.extract_phone_number), ("EMAIL", jio.extract_email),
                     ("LICENSE_PLATE", jio.extract_motor_vehicle_licence_plate),
                     ("IP_ADDRESS", jio.extract_ip_address)]

    def scan(self, text: str) -> list[Span]:
        return [(t, d["offset"][0], d["offset"][1]) for t, fn in self._fns
                for d in fn(text, detail=True)]


class Presidio:
    """Presidio AnalyzerEngine on a blank zh spaCy tokenizer with Chinese PatternRecognizers.

    Lean (default): five types, no context words — the cheapest Presidio can be. `same_job`:
    fifteen types, roughly what pisentinel's pattern tier covers (the `re` baseline's six plus
    `SAME_JOB_PATTERNS`), with pisentinel's own cue words as Presidio context words (its context
    enhancer then raises scores near labels, as pisentinel's scoring does) and Presidio's
    `PhoneRecognizer` for CN numbers, as in the anchor measurement of reference/pii-anchors.md."""

    name = "Presidio AnalyzerEngine"

    def __init__(self, same_job: bool = False) -> None:
        import spacy
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine

        model_dir = Path(tempfile.mkdtemp(prefix="pisentinel-blank-zh-"))
        spacy.blank("zh").to_disk(model_dir)
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "zh", "model_name": str(model_dir)}])
        nlp_engine.load()

        def recognizer(entity: str, pattern: str, valid: Callable[[str], bool] | None
                       ) -> PatternRecognizer:
            class _R(PatternRecognizer):
                def validate_result(self, pattern_text: str) -> bool | None:
                    return valid(pattern_text) if valid else None

            context = _cue_words(entity) if same_job else None
            return _R(supported_entity=entity, supported_language="zh", context=context,
                      patterns=[Pattern(entity.lower(), pattern, 0.6)])

        wanted: tuple[str, ...] = ("CN_ID_CARD", "PHONE_NUMBER", "BANK_CARD", "EMAIL",
                                   "LICENSE_PLATE")
        registry = RecognizerRegistry(supported_languages=["zh"])
        if same_job:
            from presidio_analyzer.predefined_recognizers import PhoneRecognizer

            self.name = "Presidio AnalyzerEngine (same job)"
            wanted = (*wanted, "IP_ADDRESS", *SAME_JOB_PATTERNS)
            registry.add_recognizer(PhoneRecognizer(supported_language="zh",
                                                    supported_regions=("CN",),
                                                    context=_cue_words("PHONE_NUMBER")))
        for t in wanted:
            pattern = BASELINE_PATTERNS.get(t) or SAME_JOB_PATTERNS[t]
            registry.add_recognizer(recognizer(t, pattern, _VALIDATORS.get(t)))
        self._engine = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine,
                                      supported_languages=["zh"])
        self._entities = list(wanted)

    def scan(self, text: str) -> list[Span]:
        res = self._engine.analyze(text=text, language="zh", entities=self._entities)
        return [(r.entity_type, r.start, r.end) for r in res]


def _cue_words(pi_type: str) -> list[str]:
    from pisentinel.knowledge import load_yaml

    return list(load_yaml("cues.yaml")["types"].get(pi_type, {}).get("positive", []))


class Engine(Protocol):
    name: str

    def scan(self, text: str) -> list[Span]: ...


ENGINES: dict[str, Callable[[], Engine]] = {
    "pisentinel": PisentinelText, "re": ReBaseline, "jionlp": JioNLP, "presidio": Presidio,
}

# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Run:
    engine: str
    mb: float
    wall_s: float
    cpu_s: float
    findings: int
    load: float
    note: str = ""

    @property
    def wall_mbps(self) -> float:
        return self.mb / self.wall_s if self.wall_s else float("inf")

    @property
    def cpu_mbps(self) -> float:
        return self.mb / self.cpu_s if self.cpu_s else float("inf")


def _mb(texts: Iterable[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def time_texts(name: str, scan: Callable[[str], list[Span]], texts: list[str], note: str = ""
               ) -> Run:
    for text in texts[:WARM_ROWS // 10]:  # first-call compilation and lazy loading are not
        scan(text)                          # throughput: every engine is warmed the same way
    w0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(scan(t)) for t in texts)
    w1, c1 = time.perf_counter(), time.process_time()
    return Run(name, _mb(texts), w1 - w0, c1 - c0, n, os.getloadavg()[0], note)


def _batch_scanner(ner: str = "near") -> tuple[Callable[[pa.RecordBatch], pa.RecordBatch], str]:
    """`Scanner.scan_batch` with the trained name/address model `ner` (off = the pattern tier)."""
    from pisentinel.detect import Scanner

    scanner = Scanner(ner=ner)
    return scanner.scan_batch, f"; name/address model: {ner}"


def time_batches(texts: list[str], batch_rows: int, ner: str = "off") -> Run:
    scan_batch, caveat = _batch_scanner(ner)
    batches = [pa.record_batch({"text": pa.array(texts[i : i + batch_rows], pa.string())})
               for i in range(0, len(texts), batch_rows)]
    scan_batch(batches[0].slice(0, WARM_ROWS))
    w0, c0 = time.perf_counter(), time.process_time()
    n = sum(scan_batch(b).num_rows for b in batches)
    w1, c1 = time.perf_counter(), time.process_time()
    label = "pisentinel scan_batch" + (" (pattern tier)" if ner == "off" else f" (ner {ner})")
    return Run(label, _mb(texts), w1 - w0, c1 - c0, n, os.getloadavg()[0],
               f"Arrow batches of {batch_rows:,} rows{caveat}")


def subsample(texts: list[str], mb: float) -> list[str]:
    """Every k-th row, so the sub-sample has the corpus's mix of rows."""
    k = max(1, int(_mb(texts) / mb))
    return texts[::k]


def render(runs: list[Run], corpus_note: str, presidio_ratio: str) -> str:
    lines = [
        "## Throughput, side by side (`benchmarks/bench_speed.py`)",
        "",
        corpus_note,
        "",
        "| engine | MB scanned | MB/s (wall) | MB/s (CPU) | findings | load (1 min) | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(f"| {r.engine} | {r.mb:.2f} | {r.wall_mbps:.2f} | {r.cpu_mbps:.2f} | "
                     f"{r.findings:,} | {r.load:.2f} | {r.note} |")
    lines += ["", presidio_ratio, ""]
    return "\n".join(lines)


def write_section(path: Path, key: str, body: str) -> None:
    """Replace (or append) the section between `<!-- key:start -->` and `<!-- key:end -->`."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else (
        "# Detector benchmarks\n\nMeasured by the scripts in `benchmarks/`; see "
        "`benchmarks/README.md` for how to reproduce.\n")
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=24.0, help="corpus size in MB (>= 20)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pi-rate", type=float, default=0.1, help="share of rows with planted PI")
    ap.add_argument("--presidio-mb", type=float, default=1.0)
    ap.add_argument("--batch-rows", type=int, default=20_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=[*ENGINES, "batch"])
    ap.add_argument("--write", type=Path, default=RESULTS)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--section", default="speed",
                    help="section of the results file to replace (one per corpus variant)")
    args = ap.parse_args(argv)

    from pisentinel.synth import generate_corpus

    t0 = time.perf_counter()
    rows = max(1000, int(args.mb * 1e6 / 447))  # ~447 bytes a row on average
    texts = generate_corpus(rows, args.seed, pi_rate=args.pi_rate)
    mb = _mb(texts)
    print(f"corpus: {len(texts):,} rows, {mb:.2f} MB, generated in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)

    runs: list[Run] = []
    if "batch" not in args.skip:
        runs.append(time_batches(texts, args.batch_rows))
        runs.append(time_batches(texts, args.batch_rows, ner="near"))
        print(runs[-1], file=sys.stderr)
    for key in ("pisentinel", "re", "jionlp"):
        if key in args.skip:
            continue
        eng = ENGINES[key]()
        runs.append(time_texts(eng.name, eng.scan, texts))
        print(runs[-1], file=sys.stderr)
    ratio = ""
    if "presidio" not in args.skip:
        sub = subsample(texts, args.presidio_mb)
        pres_runs = []
        for same_job in (False, True):
            pres = Presidio(same_job=same_job)
            run = time_texts(pres.name, pres.scan, sub,
                             f"sub-sample of {len(sub):,} rows, scaled")
            runs.append(run)
            pres_runs.append(run)
            print(run, file=sys.stderr)
        same = time_batches(sub, args.batch_rows)
        same.engine, same.note = "pisentinel scan_batch (same sub-sample)", "for the ratio"
        runs.append(same)
        best = next((r for r in runs if r.engine == "pisentinel scan_batch (pattern tier)"),
                    same)
        ratio = "pisentinel `scan_batch` (pattern tier) vs Presidio in this run (floor: ≥ 100×): " \
            + "; ".join(f"{r.engine}: {best.cpu_mbps / r.cpu_mbps:,.0f}× by CPU time, "
                        f"{best.wall_mbps / r.wall_mbps:,.0f}× by wall time" for r in pres_runs) \
            + "."
    note = (f"Corpus: `generate_corpus(rows={len(texts):,}, seed={args.seed}, "
            f"pi_rate={args.pi_rate})`, {mb:.2f} MB UTF-8, {sum(map(len, texts)):,} characters; "
            f"one process; {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} shared cores. "
            "Findings count each engine's own output (types differ: JioNLP and Presidio cover "
            "five or six types, the re baseline six, pisentinel all).")
    body = render(runs, note, ratio)
    print(body)
    if not args.no_write:
        write_section(args.write, args.section, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
