"""Whitespace clean-up for scraped text.

Scraped digests carry Windows line breaks, non-breaking spaces and zero-width
characters that make identical text compare unequal and throw off lengths.
We normalise those, and only those: typographic quotes, dashes and ellipses are
the author's choice and stay exactly as written.
"""

from __future__ import annotations

import regex

# Characters that render as nothing and only get in the way. The zero-width
# joiner and non-joiner are *not* here: emoji sequences and several scripts
# (Persian, Indic) need them between two visible characters.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad\u180e"
_INVISIBLE_RE = regex.compile(f"[{_INVISIBLE}]")
# A joiner that joins nothing (next to a space, or at a line's edge) is junk.
_STRAY_JOINER_RE = regex.compile(r"(?:(?<=^|\s)[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$))", regex.M)
# Every horizontal space that is not a plain space: NBSP, narrow NBSP, figure
# space, the U+2000 block, ideographic space, tabs.
_SPACES_RE = regex.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE_RE = regex.compile(r" {2,}")
_LINE_BREAKS_RE = regex.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")


def normalize_line_breaks(text: str) -> str:
    """Only CRLF, CR and Unicode line separators become ``\\n`` (for YAML and JSON)."""
    return _LINE_BREAKS_RE.sub("\n", text)


def normalize_text(text: str, keep_indent: bool = False) -> str:
    """Return ``text`` with line breaks, spaces and invisibles normalised.

    Lines keep their order; each line is stripped at both ends (at the end
    only with ``keep_indent``, for Markdown) and runs of spaces become one
    space. Blank lines are kept (they separate paragraphs).
    """
    text = normalize_line_breaks(text)
    text = _INVISIBLE_RE.sub("", text)
    text = _STRAY_JOINER_RE.sub("", text)
    lines = []
    for line in text.split("\n"):
        indent = ""
        if keep_indent:
            body = line.lstrip(" \t")
            indent = " " * (len(line) - len(body))
            line = body
        line = _MULTI_SPACE_RE.sub(" ", _SPACES_RE.sub(" ", line)).strip()
        lines.append(indent + line if line else "")
    return "\n".join(lines)


_LONE_SURROGATE_RE = regex.compile(r"[\ud800-\udfff]")


def clean_inline(text: str) -> str:
    """Normalise a single field (a title, a bullet) to one line.

    A lone surrogate (possible in JSON as ``"\\ud800"``) cannot be sent as
    UTF-8 anywhere; it becomes U+FFFD, the replacement character.
    """
    text = _LONE_SURROGATE_RE.sub("\ufffd", text)
    return " ".join(normalize_text(text).split())
