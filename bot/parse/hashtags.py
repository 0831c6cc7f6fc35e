"""Hashtags: the closing hashtag line and inline #tags.

A tag is ``#`` followed by letters, marks, digits or underscores, not only
digits, and not glued to a word before it (so ``page#anchor`` and ``&#39;`` are
not tags). Tags are kept without ``#``, deduplicated case-insensitively with
the first spelling kept, in order of first appearance.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

# Tag characters: letters, marks, digits, underscore, and the joiners some
# scripts need inside words (Persian "زلزله‌ترکیه" has a ZWNJ).
_TAG_CHARS = r"[\p{L}\p{M}\p{N}_\u200c\u200d]"
_TAG_RE = regex.compile(rf"(?<![\p{{L}}\p{{M}}\p{{N}}_&/])[#\uff03]({_TAG_CHARS}+)")
_DIRECTIONAL_RE = regex.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# One token of a hashtag line: "#Tag", "#Covid-19", "#PeaceTalks.", "#A#B#C".
_LINE_TOKEN_RE = regex.compile(rf"(?:[#\uff03]{_TAG_CHARS}+(?:[-–]{_TAG_CHARS}+)*)+[.,;:!?…]*")
_SYMBOL_RE = regex.compile(r"[\p{So}\p{Sk}\p{Extended_Pictographic}\ufe0f\u200d]+")
_URL_RE = regex.compile(r"(?i)\b(?:https?://|www\.)\S+")
# A closing line may be labelled ("Tags: #a #b") and separated by commas,
# middle dots or pipes as well as spaces.
_LABEL_RE = regex.compile(r"^(?:hash)?tags?\s*:\s*|^topics?\s*:\s*", regex.I)
_SEPARATORS_RE = regex.compile(r"[\s,;|·•]+")


def _clean_joiners(tag: str) -> str:
    return tag.strip("\u200c\u200d")


def inline_tags(text: str) -> list[str]:
    """The #tags written inside running text, outside URLs, without ``#``."""
    without_urls = _URL_RE.sub(" ", _DIRECTIONAL_RE.sub("", text))
    tags = (_clean_joiners(m.group(1)) for m in _TAG_RE.finditer(without_urls))
    return [t for t in tags if t and not t.isdigit()]


def hashtag_line(line: str) -> list[str] | None:
    """The tags of a line made only of hashtags, or ``None`` for any other line.

    "#a #b", "Tags: #a, #b" and "Tags: Tech Industry, Layoffs" (a label, then
    comma-separated phrases, each made one tag) are hashtag lines.
    """
    stripped = _DIRECTIONAL_RE.sub("", line).strip()
    body = _LABEL_RE.sub("", stripped)
    tokens = [t for t in _SEPARATORS_RE.split(body) if t and not _SYMBOL_RE.fullmatch(t)]
    if tokens and all(_LINE_TOKEN_RE.fullmatch(t) for t in tokens):
        tags = [
            tag for t in tokens for tag in inline_tags(t.replace("#", " #").replace("＃", " ＃"))
        ]
        if tags:
            return tags
    if body != stripped and body:
        phrases = [p.strip() for p in regex.split(r"[,;|·•]", body) if p.strip()]
        cleaned = [clean_tag(p) for p in phrases if len(p.split()) <= 4]
        tags = [t for t in cleaned if t]
        if tags and len(tags) == len(phrases):
            return tags
    return None


# Where a run of tags may trail a sentence: after its closing punctuation.
_SENTENCE_END_RE = regex.compile(r"[.!?…][\"'”’»)]*\s+")


def split_trailing_tags(line: str) -> tuple[str, list[str]]:
    """A sentence followed by a tag run ("... openly. Tags: #a #b"): the text and the tags.

    Only a run after the last sentence end counts, and only when everything
    after it is a hashtag line; tags inside running text stay where they are.
    """
    ends = list(_SENTENCE_END_RE.finditer(line))
    if not ends:
        return line, []
    last = ends[-1]
    tail = line[last.end() :]
    if "#" not in tail and "\uff03" not in tail:
        return line, []
    tags = hashtag_line(tail)
    if tags is None:
        return line, []
    return line[: last.end()].rstrip(), tags


def clean_tag(tag: str) -> str | None:
    """A tag as given in structured input ("#Foo", "Foo", "foo bar"), or ``None``."""
    tag = tag.strip().lstrip("#\uff03").strip()
    tag = _clean_joiners(regex.sub(r"[^\p{L}\p{M}\p{N}_\u200c\u200d]+", "", tag))
    if not tag or tag.isdigit():
        return None
    return tag


def dedupe_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """First spelling wins; comparison ignores case (``casefold``)."""
    seen: set[str] = set()
    out: list[str] = []
    for tag in tags:
        key = tag.casefold()
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return tuple(out)
