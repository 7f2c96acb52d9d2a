"""Python steps: the PI scan over post texts, and linking doxxing posts to victims.

Linking is a union-find over the few posts already judged doxxing (thousands at the 1M-post
scale), so it runs in memory; every input to it is a keyed token, never a raw value."""

from __future__ import annotations

from collections import Counter, defaultdict

import pyarrow as pa

from pisentinel.detect.rules import NO_RULES
from pisentinel.models.context import RunContext

VICTIM_COMPOSITE = "PERSON_NAME+ADDRESS"
"""Token type of a victim known only by name and address (no ID number, no phone)."""

_KINDS = ("CN_ID_CARD", "PHONE_NUMBER", VICTIM_COMPOSITE)


def scan_posts(ctx: RunContext) -> None:
    """Findings (type, offsets, keyed token, masked form) of every post text: the engine's
    pooled detector, so 1M posts take minutes and no raw value leaves the engine. With a rules
    file (parameter `rules`) the user's own identifier types (学号, 工号) are found too, and
    their codes are kept as table `own_types` so that the SQL steps count them as identifiers
    a post binds (they have no column of their own there, nor a tier of the 2017
    interpretation)."""
    ctx.scan("posts", ["text"], "post_findings")
    own = sorted((ctx.detection_rules("rules") or NO_RULES).types)
    ctx.engine.register("own_types", pa.table({"type": pa.array(own, pa.string())}))


def composite_token(ctx: RunContext, name_token: str, address_token: str) -> str:
    return ctx.token(VICTIM_COMPOSITE, f"{name_token}|{address_token}")


class _Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        root = self.parent.setdefault(key, key)
        while root != self.parent[root]:
            root = self.parent[root]
        while key != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _identity_kind(seen: dict[str, Counter[str]]) -> str | None:
    """ID number if any post gives one; else the phone, unless the name+address pair recurs in
    more posts (a phone in a single dump may be a relative's written without its label)."""
    if seen["CN_ID_CARD"]:
        return "CN_ID_CARD"
    phone = max(seen["PHONE_NUMBER"].values(), default=0)
    pair = max(seen[VICTIM_COMPOSITE].values(), default=0)
    if phone or pair:
        return "PHONE_NUMBER" if phone >= pair else VICTIM_COMPOSITE
    return None


def link_victims(ctx: RunContext) -> None:
    """One victim per connected group of doxxing posts that share the ID-number token, the
    phone token or the name+address pair (or, for a post without an ID number, the address:
    a dump that leaves out the name still points at the same home). The victim's token is its
    most frequent ID token, else phone token, else name+address token (how leads of other
    datasets find it)."""
    posts = ctx.rows("SELECT post_key, id_token, id_masked, phone_token, phone_masked, "
                     "name_token, name_masked, address_token FROM doxxing_posts "
                     "WHERE is_doxx ORDER BY post_key")
    comps = _Components()
    keys_of: dict[str, list[tuple[str, str, str]]] = {}
    for p in posts:
        keys: list[tuple[str, str, str]] = []
        if p["id_token"]:
            keys.append(("CN_ID_CARD", p["id_token"], p["id_masked"] or ""))
        if p["phone_token"]:
            keys.append(("PHONE_NUMBER", p["phone_token"], p["phone_masked"] or ""))
        if p["name_token"] and p["address_token"]:
            keys.append((VICTIM_COMPOSITE,
                         composite_token(ctx, p["name_token"], p["address_token"]),
                         p["name_masked"] or ""))
        keys_of[p["post_key"]] = keys
        comps.find("post:" + p["post_key"])
        for _, token, _ in keys:
            comps.union("post:" + p["post_key"], token)
        if p["address_token"] and not p["id_token"]:
            comps.union("post:" + p["post_key"], p["address_token"])
    members: dict[str, list[str]] = defaultdict(list)
    for post_key in keys_of:
        members[comps.find("post:" + post_key)].append(post_key)
    out: dict[str, list[str]] = {c: [] for c in
                                 ("post_key", "victim_token", "victim_type", "victim_display")}
    for group in members.values():
        seen: dict[str, Counter[str]] = {t: Counter() for t in _KINDS}
        shown: dict[str, str] = {}
        for post_key in group:
            for kind, token, display in keys_of[post_key]:
                seen[kind][token] += 1
                shown[token] = min(shown.get(token, display), display)
        identity = _identity_kind(seen)
        if identity is None:
            continue  # a doxxing post with no linkable identifier: counted, not a victim
        token, _ = min(seen[identity].items(), key=lambda kv: (-kv[1], kv[0]))
        display = shown[token]
        for post_key in group:
            out["post_key"].append(post_key)
            out["victim_token"].append(token)
            out["victim_type"].append(identity)
            out["victim_display"].append(display)
    ctx.engine.register("victim_posts", pa.table(out, schema=pa.schema(
        [(c, pa.string()) for c in out])))
