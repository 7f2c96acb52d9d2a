"""Chinese personal names: where the surname ends.

A display mask keeps the surname (张三 → 张*, 欧阳娜娜 → 欧阳**); generalisation keeps only the
surname. Compound surnames come from the surname lexicon in the knowledge base (its two-character
entries), so a surname added there is honoured here without a code change.
"""

from __future__ import annotations

from functools import cache

from pisentinel.knowledge import lexicon

__all__ = ["compound_surnames", "surname_length"]


@cache
def compound_surnames() -> frozenset[str]:
    return frozenset(s for s in lexicon("surnames") if len(s) == 2)


def surname_length(name: str) -> int:
    """How many leading characters of `name` are its surname (1 or 2; 0 for an empty name).

    A compound surname counts only when a given name follows it: a bare ``欧阳`` is read as a
    surname and one given-name character, so a mask never shows a two-character name whole.
    """
    if not name:
        return 0
    if len(name) > 2 and name[:2] in compound_surnames():
        return 2
    return 1
