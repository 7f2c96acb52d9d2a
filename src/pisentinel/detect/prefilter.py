"""Prefilter: which texts need which recognizers.

Most rows of real data hold no PI. One hyperscan pass over a whole Arrow buffer finds the rows
(and the recognizer families) worth the exact, slower Python work; everything else is skipped.
Without hyperscan the same patterns run through Python's `re` per row: slower, same findings,
since the prefilter only ever widens what the exact recognizers look at."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.health import health_heads
from pisentinel.knowledge import lexicon, load_yaml, weighted_lexicon

hyperscan: Any
try:  # pragma: no cover - import guard
    import hyperscan
except ImportError:  # pragma: no cover
    hyperscan = None

_CN_NUM = "〇零一二三四五六七八九幺两壹贰叁肆伍陆柒捌玖○"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# (regex in the common subset of hyperscan and Python re, family bit)
_REGEX_PATTERNS: list[tuple[str, int]] = [
    # Anchored on a preceding non-digit so that a run reports once, not at every digit. In a
    # batch buffer a row starts right after the previous row's last byte, which may be a digit:
    # rows that begin with a digit get DIGITS without the scan (`_leading_digit_rows`).
    (r"(?:^|[^0-9])[0-9]{5}", F.DIGITS),
    (r"[0-9]{2,4}(?:[ \t\-.·_/]{1,2}|\r?\n)[0-9]{2,4}(?:[ \t\-.·_/]{1,2}|\r?\n)[0-9]{2}",
     F.DIGITS),
    (r"[0-9]{3,}\r?\n[0-9]{3,}", F.DIGITS),
    # Full-width forms can hide any numeric or Latin type: open them all. The recognizers read
    # the normalised text, the prefilter the raw one, so whatever normalisation changes also
    # opens a user's rules (CUSTOM): their patterns are written for the normalised form.
    (r"[０-９]{2}", F.DIGITS | F.IP | F.GPS | F.TIME | F.EMAIL | F.PLATE | F.USCC | F.LANDLINE
     | F.CUSTOM),
    (r"[Ａ-Ｚａ-ｚ]", F.EMAIL | F.PLATE | F.DIGITS | F.CONTACT_CUE | F.USCC | F.CUSTOM),
    ("[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}", F.USCC),
    (r"0[1-9][0-9]{1,2}[ \-)]{0,2}[2-9][0-9]{6}", F.LANDLINE),
    (f"[{_CN_NUM}][ \\-.·]?[{_CN_NUM}][ \\-.·]?[{_CN_NUM}][ \\-.·]?[{_CN_NUM}][ \\-.·]?[{_CN_NUM}]",
     F.DIGITS | F.CUSTOM),
    ("[0-9０-９][\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]", F.DIGITS),
    ("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]", F.CUSTOM),
    ("@", F.EMAIL),
    ("[＠]", F.EMAIL),
    (f"[{_PROVINCES}][ ·\\-•]?[A-Za-zＡ-Ｚａ-ｚ]", F.PLATE),
    (r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", F.IP),
    (r"[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:", F.IP),
    (r"[0-9]{1,3}\.[0-9]{4}", F.GPS),
    # A MAC address, by the middle of its shape (starting on a separator is what keeps this
    # cheap: hex classes start a partial match at every digit). Advertising IDs (IDFA, OAID)
    # are UUIDs and count only with their label, which opens the family by itself.
    (r"[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-]", F.DEVICE),
    # Whereabouts need at least two times in one text, on one line or not: a tracker's log
    # prints a point a line.
    (r"[0-9]{1,2}[:：时点][0-9]{2}[\s\S]{1,80}[0-9]{1,2}[:：时点][0-9]{2}", F.TIME),
    ("[0-9一二三四五六七八九十]{1,4}(?:号楼|栋|幢|单元)", F.ADDRESS),
    ("[0-9]{2,5}(?:室|房)", F.ADDRESS),
    ("(?:路|街|巷|弄|道|村|组)[0-9一二三四五六七八九十百]{1,5}号", F.ADDRESS),
    ("(?:省|市|区|县)[\u4e00-\u9fff]{1,6}(?:路|街|大道|镇|乡|村)", F.ADDRESS),
]

_LITERALS: list[tuple[tuple[str, ...], int]] = [
    (("QQ", "qq", "Qq", "扣扣", "Q号", "q号", "企鹅号", "加Q", "加q"), F.CONTACT_CUE),
    (("微信", "vx", "VX", "Vx", "wx", "WX", "Wx", "薇信", "V信", "v信", "威信", "加V", "加v",
      "wechat", "WeChat", "加微"), F.CONTACT_CUE),
    (("出生", "生日", "生于", "DOB", "dob", "irth"), F.BIRTH),
    (("护照", "assport", "ASSPORT", "证件", "港澳", "通行证", "回乡证", "来往内地", "台胞", "台湾",
      "赴台", "入台"), F.DOC_CUE),
    (("经纬", "坐标", "北纬", "南纬", "东经", "西经", "lat", "Lat", "lng", "Lng", "lon", "Lon",
      "定位", "GPS", "gps"), F.GPS),
]


@cache
def _literal_families() -> list[tuple[tuple[str, ...], int]]:
    rules = load_yaml("names_addresses.yaml")
    out = list(_LITERALS)
    out.append((tuple(weighted_lexicon("medical")), F.MEDICAL))
    out.append((health_heads(), F.MEDICAL))
    out.append((tuple(weighted_lexicon("religion")), F.RELIGION))
    out.append((tuple(weighted_lexicon("biometric")), F.BIOMETRIC))
    out.append((tuple(rules["address_labels"]), F.ADDRESS))
    # A device identifier's label opens the device recognizer (an IMEI is known by its label).
    out.append((tuple(load_yaml("cues.yaml")["types"]["DEVICE_ID"]["positive"]), F.DEVICE))
    return out


@cache
def _name_patterns() -> list[tuple[str, int]]:
    """A name label or a form of address only counts next to a surname: 姓名：张…, 王…先生."""
    rules = load_yaml("names_addresses.yaml")
    first = "".join(sorted({s[0] for s in lexicon("surnames")}))
    labels = "|".join(sorted(map(re.escape, rules["name_labels"]), key=len, reverse=True))
    forms = "|".join(map(re.escape, [*rules["polite_forms"], *rules["address_forms"]]))
    verbs = "|".join(map(re.escape, rules["contact_verbs"]))
    return [(f"(?:{labels})[：:是为叫 \t]{{0,2}}[{first}]", F.NAME),
            (f"(?:{verbs})[：:\\s]?[{first}]", F.NAME),
            (f"[{first}][\u4e00-\u9fff]{{1,2}}(?:{forms})", F.NAME)]


@cache
def _all_patterns() -> tuple[list[str], list[int]]:
    exprs, fams = [], []
    for expr, fam in [*_REGEX_PATTERNS, *_name_patterns()]:
        exprs.append(expr)
        fams.append(fam)
    for words, fam in _literal_families():
        for w in sorted(set(words)):
            exprs.append(re.escape(w))
            fams.append(fam)
    return exprs, fams


def _hs_expr(expr: str) -> bytes:
    """Python-re spelling to hyperscan: non-ASCII characters as \\x{...} escapes."""
    return "".join(c if ord(c) < 128 else f"\\x{{{ord(c):x}}}" for c in expr).encode("ascii")


def _leading_digit_rows(data: bytes, offsets: np.ndarray) -> np.ndarray:
    """Rows whose first byte is an ASCII digit: their leading run may continue the previous
    row's digits in the buffer, where the anchored DIGITS pattern cannot see where it starts."""
    starts, ends = offsets[:-1], offsets[1:]
    nonempty = np.flatnonzero(ends > starts)
    if not len(nonempty):
        return nonempty
    first = np.frombuffer(data, dtype=np.uint8)[starts[nonempty]]
    return nonempty[(first >= 0x30) & (first <= 0x39)]


class Prefilter:
    """Family bits per text for a list of texts (or an Arrow string array). `extra` are the
    patterns of a user's rules (Python `re` syntax): they set the CUSTOM bit. Hyperscan reads
    them in its prefilter mode, which over-approximates what it cannot run exactly (lookbehind,
    backreferences); a pattern it refuses even so makes every row a CUSTOM candidate."""

    def __init__(self, use_hyperscan: bool = True, extra: Sequence[str] = ()) -> None:
        exprs, fams = _all_patterns()
        self.engine = "hyperscan" if (use_hyperscan and hyperscan is not None) else "re"
        self._custom_everywhere = False
        self._local = threading.local()
        self._db: Any = None
        self._re: list[tuple[int, re.Pattern[str]]] | None = None
        self._single_db: Any = None
        if self.engine == "hyperscan":
            usable = [e for e in extra if _hyperscan_accepts(e)]
            self._custom_everywhere = len(usable) < len(extra)
            extra = usable
        self._exprs = [*exprs, *extra]
        self.family_of = np.array([*fams, *[F.CUSTOM] * len(extra)], dtype=np.int64)
        if self.engine == "hyperscan":
            flags = [hyperscan.HS_FLAG_UTF8] * len(exprs) + [
                hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_PREFILTER] * len(extra)
            self._flags = flags
            self._db = _compile(self._exprs, flags)
        else:
            self._re = self._re_patterns(len(exprs))

    def _scratch(self, name: str, db: Any) -> Any:
        """Hyperscan's scratch space belongs to one scan at a time: one per thread, so that a
        scanner shared by a web server's threads does not fail with ScratchInUseError."""
        scratches: dict[str, Any] = self._local.__dict__.setdefault("scratches", {})
        if name not in scratches:
            scratches[name] = hyperscan.Scratch(db)
        return scratches[name]

    def families_for_buffer(self, data: bytes, offsets: np.ndarray) -> np.ndarray:
        """Family bits for each of the len(offsets)-1 UTF-8 strings packed in `data`
        (Arrow layout: string i is data[offsets[i]:offsets[i+1]])."""
        n = len(offsets) - 1
        out = np.zeros(n, dtype=np.int64)
        if n == 0:
            return out
        if self.engine != "hyperscan":
            for i in range(n):
                out[i] = self.families_for_text(
                    data[offsets[i] : offsets[i + 1]].decode("utf-8", "replace"))
            return out
        ids: list[int] = []
        ends: list[int] = []
        append_id, append_end = ids.append, ends.append
        bounds = [int(o) for o in offsets]
        hot: list[int] = []
        pos, stop = bounds[0], bounds[-1]
        while pos < stop:
            # Matches of one row are counted; a row that keeps matching (a long digit run
            # reports at every position) stops the scan, is scanned alone by a database that
            # reports each pattern once, and the scan resumes at the next row.
            row_end, count = -1, 0

            def on_match(pid: int, _from: int, to: int, _flags: int, _ctx: object,
                         shift: int = pos) -> bool:
                nonlocal row_end, count
                end = to + shift
                append_id(pid)
                append_end(end)
                if end <= row_end:
                    count += 1
                    return count >= _MAX_MATCHES_PER_ROW
                row_end, count = bounds[bisect.bisect_right(bounds, end - 1)], 1
                return False

            try:
                self._db.scan(data[pos:stop], match_event_handler=on_match,
                              scratch=self._scratch("main", self._db))
                break
            except hyperscan.ScanTerminated:
                hot.append(bisect.bisect_right(bounds, row_end - 1) - 1)
                pos = row_end
        out[_leading_digit_rows(data, offsets)] |= F.DIGITS
        if self._custom_everywhere:
            out[np.flatnonzero(offsets[1:] > offsets[:-1])] |= F.CUSTOM
        if ids:
            rows = np.searchsorted(offsets, np.asarray(ends, dtype=np.int64) - 1,
                                   side="right") - 1
            np.bitwise_or.at(out, np.clip(rows, 0, n - 1), self.family_of[np.asarray(ids)])
        for i in hot:
            out[i] = self._families_single_match(data[bounds[i] : bounds[i + 1]])
        return out

    def _families_single_match(self, row: bytes) -> int:
        if self._single_db is None:
            self._single_db = _compile(self._exprs, [
                f | hyperscan.HS_FLAG_SINGLEMATCH for f in self._flags])
        bits = 0

        def on_match(pid: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
            nonlocal bits
            bits |= int(self.family_of[pid])

        self._single_db.scan(row, match_event_handler=on_match,
                             scratch=self._scratch("single", self._single_db))
        return bits | (F.CUSTOM if self._custom_everywhere and row else 0)

    def _re_patterns(self, n_builtin: int) -> list[tuple[int, re.Pattern[str]]]:
        """Built-in patterns grouped by family; a user's patterns each on its own (their
        group names and inline flags must not meet in one alternation)."""
        grouped = _re_groups(self._exprs[:n_builtin],
                             [int(f) for f in self.family_of[:n_builtin]])
        return grouped + [(F.CUSTOM, re.compile(e)) for e in self._exprs[n_builtin:]]

    def _families_by_re(self, text: str) -> int:
        if self._re is None:
            self._re = self._re_patterns(len(_all_patterns()[0]))
        bits = 0
        for fam, rx in self._re:
            if rx.search(text):
                bits |= fam
        return bits

    def families_for_text(self, text: str) -> int:
        if self.engine == "hyperscan":
            data = text.encode("utf-8")
            return int(self.families_for_buffer(data, np.array([0, len(data)]))[0])
        return self._families_by_re(text)


_MAX_MATCHES_PER_ROW = 512


def _compile(exprs: list[str], flags: list[int]) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[_hs_expr(e) for e in exprs], ids=list(range(len(exprs))),
               flags=flags)
    return db


def _hyperscan_accepts(expr: str) -> bool:
    try:
        _compile([expr], [hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_PREFILTER])
    except hyperscan.error:
        return False
    return True


def _re_groups(exprs: list[str], fams: list[int]) -> list[tuple[int, re.Pattern[str]]]:
    groups: dict[int, list[str]] = {}
    for e, f in zip(exprs, fams, strict=True):
        groups.setdefault(f, []).append(e)
    return [(f, re.compile("|".join(f"(?:{e})" for e in es))) for f, es in groups.items()]
