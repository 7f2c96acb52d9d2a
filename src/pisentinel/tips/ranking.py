"""Which named subjects the public reports most, with what the screening models found on them.

Ten tips about one parking app should put it above an app named once: each subject's score is
its number of tips plus ``model_weight`` for each model lead holding the same token (screened
evidence about the subject counts more than one more report). Ties go to the most recent tip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.tips.intake import MODEL

__all__ = ["SubjectTally", "rank_subjects"]


@dataclass(frozen=True)
class SubjectTally:
    token: str
    type: str
    display: str
    tips: int
    model_leads: int
    latest: datetime
    score: float
    lead_ids: tuple[int, ...]


def rank_subjects(store: LeadStore, *, limit: int = 50, model_weight: float = 2.0
                  ) -> list[SubjectTally]:
    """Named subjects of tips, highest score first."""
    with store.engine.connect() as conn:
        tips = conn.execute(sa.select(
            t.tips.c.subject_token, t.tips.c.subject_type, t.tips.c.lead_id,
            t.tips.c.created_at, t.leads.c.subject_display)
            .join(t.leads, t.leads.c.id == t.tips.c.lead_id)
            .order_by(t.tips.c.id)).all()
        tokens = sorted({r.subject_token for r in tips})
        model_leads: dict[str, set[int]] = {}
        for i in range(0, len(tokens), 500):
            for token, lead_id in conn.execute(
                    sa.select(t.lead_tokens.c.token, t.lead_tokens.c.lead_id)
                    .join(t.leads, t.leads.c.id == t.lead_tokens.c.lead_id)
                    .where(t.lead_tokens.c.token.in_(tokens[i:i + 500]),
                           t.leads.c.model != MODEL)):
                model_leads.setdefault(token, set()).add(int(lead_id))
    groups: dict[str, list[sa.Row]] = {}
    for row in tips:
        groups.setdefault(row.subject_token, []).append(row)
    out = []
    for token, rows in groups.items():
        latest = rows[-1]
        n_models = len(model_leads.get(token, ()))
        out.append(SubjectTally(
            token=token, type=latest.subject_type, display=latest.subject_display,
            tips=len(rows), model_leads=n_models, latest=latest.created_at,
            score=len(rows) + model_weight * n_models,
            lead_ids=tuple(int(r.lead_id) for r in rows)))
    out.sort(key=lambda s: (-s.score, -s.tips, -s.latest.timestamp()))
    return out[:limit]
