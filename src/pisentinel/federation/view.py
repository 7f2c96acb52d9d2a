"""Cross-region links in the store, and the merged 类案 view of a scheme across regions.

After a PSI session each side gives its leads holding a shared identifier the session's link
token (role ``fed:<peer fingerprint>``). A bundle from that peer carries the same link token on
its leads, so once imported, the local and the peer's leads about one phone or company share a
token: :meth:`LeadStore.linked_leads` joins them, and :func:`cross_region_cases` groups them by
link token into one case per shared subject, with each region's leads and counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from pisentinel.federation.bundle import federation_role
from pisentinel.federation.identity import PeerCard
from pisentinel.federation.psi import SharedIdentifier
from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t

__all__ = ["CrossRegionCase", "RegionLead", "cross_region_cases", "record_links"]


def record_links(store: LeadStore, peer: PeerCard, session: str,
                 shared: Sequence[SharedIdentifier], *, by: str = "federation") -> int:
    """Attach the session's link tokens to the local leads holding the shared identifiers;
    audit the session (counts and types only). Returns the (lead, link) pairs added."""
    added = store.add_token_aliases(((s.token, s.link_token) for s in shared),
                                    federation_role(peer))
    types: dict[str, int] = {}
    for s in shared:
        types[s.type] = types.get(s.type, 0) + 1
    store.audit(by, "federation.psi", "peer", peer.fingerprint, None,
                {"peer": peer.name, "session": session, "shared": len(shared),
                 "shared_by_type": types, "lead_links": added})
    return added


@dataclass(frozen=True)
class RegionLead:
    region: str
    lead_id: int
    model: str
    title_zh: str
    severity_level: str
    affected_people: int


@dataclass(frozen=True)
class CrossRegionCase:
    """One scheme across regions: leads joined by link tokens (the phone and the company a
    scheme uses are two links, one case), with each lead's region."""

    link_tokens: tuple[str, ...]
    leads: tuple[RegionLead, ...]

    @property
    def regions(self) -> list[str]:
        return sorted({lead.region for lead in self.leads})

    @property
    def affected_people(self) -> int:
        return sum(lead.affected_people for lead in self.leads)

    def by_region(self) -> dict[str, list[RegionLead]]:
        out: dict[str, list[RegionLead]] = {}
        for lead in self.leads:
            out.setdefault(lead.region, []).append(lead)
        return out


def cross_region_cases(store: LeadStore, *, home: str = "本地区",
                       min_regions: int = 2) -> list[CrossRegionCase]:
    """Schemes seen by at least ``min_regions`` regions (this one named ``home``; imported
    leads by their bundle's sender): leads and link tokens in connected groups, widest
    footprint first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.lead_tokens.c.token, t.leads.c.id, t.leads.c.model, t.leads.c.title_zh,
                      t.leads.c.severity_level, t.leads.c.affected_people,
                      t.federation_imports.c.sender)
            .join(t.leads, t.leads.c.id == t.lead_tokens.c.lead_id)
            .outerjoin(t.federation_imports,
                       t.federation_imports.c.run_id == t.leads.c.first_run_id)
            .where(t.lead_tokens.c.token.like("LINK:%"))
            .order_by(t.lead_tokens.c.token, t.leads.c.id)).all()
    leads: dict[int, RegionLead] = {}
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for r in rows:
        leads[int(r.id)] = RegionLead(r.sender or home, int(r.id), r.model, r.title_zh,
                                      r.severity_level, int(r.affected_people))
        parent[root(f"lead:{r.id}")] = root(r.token)
    groups: dict[str, tuple[set[str], set[int]]] = {}
    for node in list(parent):
        tokens, ids = groups.setdefault(root(node), (set(), set()))
        kind, _, value = node.partition(":")
        if kind == "lead":
            ids.add(int(value))
        else:
            tokens.add(node)
    cases = [CrossRegionCase(tuple(sorted(tokens)), tuple(leads[i] for i in sorted(ids)))
             for tokens, ids in groups.values()]
    cases = [c for c in cases if len(c.regions) >= min_regions]
    cases.sort(key=lambda c: (-len(c.regions), -c.affected_people, c.link_tokens))
    return cases
