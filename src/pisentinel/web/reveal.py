"""The reveal store: raw values behind pseudonym tokens, encrypted, shown only to a reviewer who
states a reason, every time in the audit log.

Leads hold keyed pseudonym tokens (``PHONE_NUMBER:ph_…``), never raw values. To let a reviewer
see who a lead is about, the raw value behind each lead token is written here at run time,
sealed with ``encrypt_value`` under the project key (AES-GCM, the token type as associated data).

How values get here (the hook):

* :meth:`RevealStore.sink` is a ``reveal_sink(type_code, value, token)`` callable. A runner that
  calls it wherever it computes ``ctx.token(type, value)`` records every token exactly; the
  framework change is one line in ``models.runner.run_model`` (wrap the ``token`` lambda it
  passes to ``RunContext`` so it also calls an optional ``reveal_sink`` argument) — not made
  here, since the runner belongs to the model framework.
* Until then :func:`index_run` fills the store after a run: for each token of the run's leads it
  re-derives tokens of the run's table inputs' cell values for that token's type and keeps the
  values whose token matches. Bounded by ``max_cells``; tokens made from composite or derived
  values (a victim's name + address) are not recoverable this way and report as unavailable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from pisentinel.engine.sources import SourceError, read_batches
from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.protect import decrypt_value, encrypt_value, pseudonym_token, token_type

__all__ = ["RevealStore", "index_run"]


class RevealStore:
    def __init__(self, store: LeadStore, key: bytes) -> None:
        self.store = store
        self.key = key
        self._pending: dict[str, tuple[str, str]] = {}

    def sink(self, type_code: str, value: str, token: str) -> None:
        """The ``reveal_sink`` hook: remember ``value`` for ``token`` (written by :meth:`flush`)."""
        self._pending.setdefault(token, (type_code, value))

    def flush(self, run_id: str) -> int:
        """Write what the sink collected; returns how many new tokens were stored."""
        pending, self._pending = self._pending, {}
        return self.put_many(run_id, ((tok, tv[0], tv[1]) for tok, tv in pending.items()))

    def put_many(self, run_id: str, items: Iterable[tuple[str, str, str]]) -> int:
        rows = [{"token": tok, "ciphertext": encrypt_value(typ, val, self.key), "run_id": run_id,
                 "created_at": datetime.now(UTC)} for tok, typ, val in items]
        if not rows:
            return 0
        with self.store.engine.begin() as conn:
            have = set(conn.execute(sa.select(t.reveal_values.c.token).where(
                t.reveal_values.c.token.in_([r["token"] for r in rows]))).scalars())
            new = [r for r in rows if r["token"] not in have]
            if new:
                conn.execute(t.reveal_values.insert(), new)
        return len(new)

    def has(self, tokens: Iterable[str]) -> set[str]:
        wanted = list(set(tokens))
        if not wanted:
            return set()
        with self.store.engine.connect() as conn:
            return set(conn.execute(sa.select(t.reveal_values.c.token)
                                    .where(t.reveal_values.c.token.in_(wanted))).scalars())

    def reveal(self, token: str) -> str | None:
        """The raw value behind ``token`` or None. Callers audit before they call."""
        with self.store.engine.connect() as conn:
            sealed = conn.execute(sa.select(t.reveal_values.c.ciphertext)
                                  .where(t.reveal_values.c.token == token)).scalar()
        if sealed is None:
            return None
        return decrypt_value(token_type(token), sealed, self.key)


def run_tokens(store: LeadStore, run_id: str) -> set[str]:
    """Every token of the leads a run last touched (subjects and linked tokens)."""
    with store.engine.connect() as conn:
        ids = sa.select(t.leads.c.id).where(t.leads.c.last_run_id == run_id)
        return set(conn.execute(sa.select(t.lead_tokens.c.token)
                                .where(t.lead_tokens.c.lead_id.in_(ids))).scalars())


def index_run(reveals: RevealStore, run_id: str, files: Iterable[Path], *,
              max_cells: int = 2_000_000) -> dict[str, int]:
    """Fill the reveal store for a finished run by matching tokens against input cells.

    Returns counts: tokens wanted, found, cells read. Values never leave this function except
    sealed."""
    wanted = run_tokens(reveals.store, run_id) - reveals.has(run_tokens(reveals.store, run_id))
    types = sorted({token_type(tok) for tok in wanted})
    found: dict[str, tuple[str, str]] = {}
    cells = 0
    for path in files:
        if not wanted - set(found) or cells >= max_cells:
            break
        try:
            for batch in read_batches(path, batch_rows=20_000):
                for column in batch.batch.columns:
                    for value in set(column.to_pylist()):
                        if not value or len(value) > 200:
                            continue
                        cells += 1
                        for typ in types:
                            tok = pseudonym_token(typ, value, reveals.key)
                            if tok in wanted and tok not in found:
                                found[tok] = (typ, value.strip())
                if cells >= max_cells or not wanted - set(found):
                    break
        except SourceError:
            continue
    stored = reveals.put_many(run_id, ((tok, typ, val) for tok, (typ, val) in found.items()))
    return {"wanted": len(wanted), "found": len(found), "stored": stored, "cells": cells}
