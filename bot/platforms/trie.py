"""Regex alternations of many literal strings, factored into a trie.

``re`` tries the branches of ``a|b|c`` one after another at every position,
so an alternation of a thousand TLDs or emoji sequences costs a thousand
tests per position. Factored by common prefixes, it costs one test per
character. Longer strings are tried before their prefixes, which is what a
longest-first alternation does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Trie = dict[str, "Trie"]


def trie_pattern(
    words: Iterable[str],
    literal: Callable[[str], str] = re.escape,
    end: str = "",
) -> str:
    """A regex matching the longest of ``words`` present; ``end`` follows each word.

    ``literal`` writes one character (for example as ``[aA]`` to ignore case),
    and ``end`` is a lookahead every complete word must satisfy.
    """
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: Trie) -> str:
        branches = [literal(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append(end)
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return build(trie)
