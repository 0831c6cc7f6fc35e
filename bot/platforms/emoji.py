"""Finding the emoji sequences twitter-text 3.1.0 counts as one character.

The tables come from ``emoji_data`` (generated, Emoji 11.0 as twemoji 11
knows it); this module only turns them into one regular expression, tried in
twemoji's order: known sequences, keycaps, the FE0F-only symbols, emoji with a
skin tone, text-default emoji, other single emoji, and a lone U+FE0F.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.platforms import emoji_data
from bot.platforms.trie import trie_pattern

_SKINS = "\U0001f3fb-\U0001f3ff"
_REGIONAL = "\U0001f1e6-\U0001f1ff"


def _ranges(chars: str) -> str:
    """Characters as a regex class body of merged ranges.

    ``re`` tests astral characters listed one by one in a class linearly, so
    a thousand emoji written as single characters cost a thousand comparisons
    per position; merged ranges cost a few.
    """
    codes = sorted({ord(c) for c in chars})
    parts = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(parts)


def _cls(chars: str) -> str:
    return "[" + _ranges(chars) + "]"


@lru_cache(maxsize=1)
def emoji_pattern() -> re.Pattern[str]:
    """The compiled pattern; built on first use, so start-up stays fast."""
    text_bases = "".join(c for c in emoji_data.TEXT_DEFAULT if c in emoji_data.MODIFIER_BASES)
    emoji_bases = "".join(c for c in emoji_data.MODIFIER_BASES if c not in emoji_data.TEXT_DEFAULT)
    not_text = r"(?:\ufe0f|(?!\ufe0e))"
    parts = [
        trie_pattern(emoji_data.SEQUENCES),
        r"[#*0-9]\ufe0f?\u20e3",
        _cls(emoji_data.FE0F_ONLY) + r"\ufe0f",
        f"(?:{_cls(text_bases)}{not_text}|{_cls(emoji_bases)})[{_SKINS}]",
        _cls(emoji_data.TEXT_DEFAULT) + not_text,
        "[" + _ranges(emoji_data.EMOJI_DEFAULT) + _SKINS + _REGIONAL + "]",
        r"\ufe0f",
    ]
    return re.compile("|".join(f"(?:{p})" for p in parts))


@lru_cache(maxsize=1)
def _starts() -> re.Pattern[str]:
    """Characters an emoji can start with; text without any has no emoji."""
    firsts = {s[0] for s in emoji_data.SEQUENCES}
    firsts |= set(emoji_data.TEXT_DEFAULT + emoji_data.EMOJI_DEFAULT + emoji_data.FE0F_ONLY)
    ranges = _SKINS + _REGIONAL + "\ufe0f\u20e3#*0-9"
    return re.compile("[" + _ranges("".join(firsts)) + ranges + "]")


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point spans of every emoji sequence, left to right."""
    starts = _starts()
    candidate = starts.search(text)
    if candidate is None:
        return []
    pattern = emoji_pattern()
    spans = []
    # Same result as pattern.finditer(text), but the big pattern only runs
    # where an emoji can start.
    while candidate is not None:
        m = pattern.match(text, candidate.start())
        if m is None:
            candidate = starts.search(text, candidate.start() + 1)
            continue
        spans.append(m.span())
        candidate = starts.search(text, m.end())
    return spans
