"""A 1 GB file that is one single line (a minified export, a log without newlines): streamed in
bounded memory, every planted identifier found at its true offset in the line.

The default size is 64 MB; set PISENTINEL_LONG_LINE_MB=1024 for the full run recorded in
RELIABILITY.md. The file is generated in a temporary folder and deleted afterwards."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .pi import id_number, phone

PISENTINEL = str(Path(sys.executable).with_name("pisentinel"))
FILLER = ("今天天气不错，我们在公园里散步，讨论了新的项目计划和预算安排。"
          "The quarterly report is due next week; please review section four. "
          "会议纪要已经发给大家，请在周五之前反馈意见。")


def write_long_line(path: Path, megabytes: int, every_chars: int = 200_000
                    ) -> list[tuple[int, str, str]]:
    """Write one line of about `megabytes` MB; return (offset, type, value) of what was planted
    (code-point offsets into the line)."""
    rng = random.Random(megabytes)
    planted: list[tuple[int, str, str]] = []
    target = megabytes << 20
    written_bytes = 0
    chars = 0
    block = FILLER * max(1, every_chars // len(FILLER))
    block_bytes = len(block.encode())
    with path.open("w", encoding="utf-8", newline="") as f:
        while written_bytes < target:
            f.write(block)
            chars += len(block)
            written_bytes += block_bytes
            kind = rng.choice(("CN_ID_CARD", "PHONE_NUMBER"))
            value = id_number(rng) if kind == "CN_ID_CARD" else phone(rng)
            cue = "身份证号" if kind == "CN_ID_CARD" else "手机"
            f.write(cue)
            chars += len(cue)
            planted.append((chars, kind, value))
            f.write(value + "。")
            chars += len(value) + 1
            written_bytes += len((cue + value + "。").encode())
    return planted


@pytest.mark.slow
def test_single_line_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    megabytes = int(os.environ.get("PISENTINEL_LONG_LINE_MB", "64"))
    big = tmp_path / "one_line.txt"
    planted = write_long_line(big, megabytes)
    out = tmp_path / "findings.jsonl"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [PISENTINEL, "scan", str(big), "-o", str(out),
         "--types", "CN_ID_CARD,PHONE_NUMBER"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PISENTINEL_LANG": "en"},
    )
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = {(r["start"], r["type"]) for r in map(json.loads, out.open(encoding="utf-8"))
             if r["row"] == 1}
    expected = {(o, t) for o, t, _v in planted}
    assert expected <= found, sorted(expected - found)[:5]
    text = out.read_text("utf-8")
    assert not any(v in text for _o, _t, v in planted[:50])
    # Memory is bounded by the segment and batch sizes, not the file: the same limit holds for
    # 64 MB and 1 GB.
    if before < peak_mib * 1024:
        assert peak_mib < 1500, f"peak RSS {peak_mib:.0f} MiB for a {megabytes} MB line"
    print(f"\n{megabytes} MB single line: {len(planted)} planted found, peak RSS {peak_mib:.0f} MiB")
