"""Units platforms count text in: graphemes, code points, UTF-16 units, bytes.

Each platform counts differently, and a counter that disagrees with the
platform is how posts get rejected. These helpers are the only place the
units are defined.
"""

from __future__ import annotations

import regex

_GRAPHEME_RE = regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters (what a reader sees as one character)."""
    return _GRAPHEME_RE.findall(text)


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME_RE.findall(text))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript and Java count."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_offsets(text: str) -> list[int]:
    """``offsets[i]`` is the UTF-8 byte offset of code point ``i`` (and of the end)."""
    offsets = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        offsets[i] = total
        code = ord(ch)
        total += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    offsets[len(text)] = total
    return offsets
