"""Resumable file scans: a scan that is killed picks up where it stopped.

Beside the output (`findings.parquet`) a hidden folder `.findings.parquet.checkpoint/` holds the
findings of the batches scanned so far, in numbered Arrow files, and `state.json`: the scan's
settings and, per source, its size and modification time, how many batches are done and their
row, byte and finding counts. Parts and state are written to a temporary name and renamed, the
state last, so a kill at any moment leaves a checkpoint that names only complete parts. A re-run
with the same settings skips every finished source unread and the finished batches of the one it
was in; a source that changed since is scanned again. When the scan ends, the parts are merged
into the output (itself written atomically) and the folder is removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ScanCheckpoint", "SourceProgress", "scan_fingerprint"]

_VERSION = 1


@dataclass
class SourceProgress:
    """What is safely recorded of one source: `batches` scanned and flushed, and their counts."""

    size: int
    mtime_ns: int
    batches: int = 0
    complete: bool = False
    rows: int = 0
    bytes: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    first_part: int = 0  # parts before this one hold findings of an older version of the file

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "batches": self.batches,
                "complete": self.complete, "rows": self.rows, "bytes": self.bytes,
                "counts": dict(self.counts), "first_part": self.first_part}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SourceProgress:
        return cls(int(d["size"]), int(d["mtime_ns"]), int(d["batches"]), bool(d["complete"]),
                   int(d["rows"]), int(d["bytes"]), Counter(d["counts"]), int(d["first_part"]))


_NEVER = SourceProgress(0, 0, first_part=1 << 62)


def scan_fingerprint(settings: dict[str, Any]) -> str:
    """A hash of everything that decides a scan's findings except the sources themselves
    (which are checked one by one): a checkpoint made with other settings is not reused."""
    text = json.dumps({"version": _VERSION, **settings}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class ScanCheckpoint:
    """The checkpoint folder of one output file."""

    def __init__(self, output: str | Path, fingerprint: str, *, resume: bool = True) -> None:
        self.folder = self.folder_for(output)
        self.fingerprint = fingerprint
        self.sources: dict[str, SourceProgress] = {}
        self.parts: list[str] = []
        state = self._read_state() if resume else None
        if (state is not None and state.get("fingerprint") == fingerprint
                and all((self.folder / p).is_file() for p in state["parts"])):
            self.sources = {s: SourceProgress.from_json(p) for s, p in state["sources"].items()}
            self.parts = list(state["parts"])
        else:  # other settings, or a part gone missing: what it held would be lost, start over
            shutil.rmtree(self.folder, ignore_errors=True)
        # Owner-only: with --reveal the parts hold raw values until the scan ends.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._recorded = self.done_batches()

    @staticmethod
    def folder_for(output: str | Path) -> Path:
        output = Path(output)
        return output.with_name(f".{output.name}.checkpoint")

    @property
    def recorded_batches(self) -> int:
        """Batches whose findings are safely on disk (what a re-run would skip)."""
        return self._recorded

    def _read_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) and state.get("version") == _VERSION else None

    def progress_for(self, path: Path) -> SourceProgress:
        """The recorded progress of `path`, reset when the file changed since."""
        st = path.stat()
        known = self.sources.get(str(path))
        if known is None or (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
            known = SourceProgress(st.st_size, st.st_mtime_ns, first_part=len(self.parts))
            self.sources[str(path)] = known
        return known

    def done_batches(self) -> int:
        return sum(p.batches for p in self.sources.values())

    def flush(self, found: Sequence[pa.RecordBatch]) -> None:
        """Record `found` (the findings of batches not yet recorded) and the sources' progress
        after them (the objects `progress_for` handed out): the part first, then the state
        that names it."""
        if found:
            name = f"part-{len(self.parts):06d}.arrow"
            sink = pa.BufferOutputStream()
            with pa.ipc.new_file(sink, found[0].schema) as writer:
                for batch in found:
                    writer.write_batch(batch)
            _atomic_write(self.folder / name, sink.getvalue().to_pybytes())
            self.parts.append(name)
        state = {"version": _VERSION, "fingerprint": self.fingerprint, "parts": self.parts,
                 "sources": {s: p.to_json() for s, p in self.sources.items()}}
        _atomic_write(self.folder / "state.json",
                      json.dumps(state, ensure_ascii=False).encode("utf-8"))
        self._recorded = self.done_batches()

    def recorded(self, sources: Sequence[Path]) -> Iterator[pa.RecordBatch]:
        """Every recorded findings batch of `sources`, leaving out sources dropped since and
        findings of a file's older version."""
        for i, name in enumerate(self.parts):
            current = sorted(str(p) for p in sources
                             if self.sources.get(str(p), _NEVER).first_part <= i)
            if not current:
                continue
            wanted = pa.array(current, pa.string())
            with pa.memory_map(str(self.folder / name)) as src:
                reader = pa.ipc.open_file(src)
                for i in range(reader.num_record_batches):
                    batch = reader.get_batch(i)
                    keep = pc.is_in(batch.column("source"), value_set=wanted)
                    if pc.any(keep).as_py():
                        yield batch.filter(keep)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
