"""Plain-text news digests: lede, sections of bullets, quotes, hashtags.

The input is scraped and messy (see the sample digests under ``content/``):
bullets that are really headings, a heading repeated, an empty bullet,
headings without a marker, a quote on the line after its "X stated,", words
run together, hard-wrapped lines, a closing line of hashtags. This module
turns the lines into an outline; quotes and speakers are found by
``bot.parse.quotes``.

Two layouts are told apart: one paragraph per line (like the usual scraped
digest), and paragraphs separated by blank lines, possibly hard-wrapped. In
both, a line that stops mid-sentence continues on the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.parse.hashtags import hashtag_line, inline_tags, split_trailing_tags
from bot.parse.lines import (
    Kind,
    Line,
    classify,
    dash_attribution,
    ends_open,
    ends_with_quote,
    finished,
    heading_key,
    introduces_quote,
    metadata,
    starts_with_quote,
)


@dataclass
class Outline:
    """The structure of a digest before quotes and titles are worked out."""

    lede: str = ""
    title: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    sections: list[tuple[str | None, list[str]]] = field(default_factory=list)
    # Every tag in the order it first appears (hashtag lines and inline tags).
    tags: list[str] = field(default_factory=list)
    # Every piece of running text in reading order (lede first), for quotes.
    paragraphs: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


@dataclass
class _Layout:
    """How a digest lays out paragraphs: with blank lines, and how wide its lines are."""

    blank_lines: bool
    width: int

    def wrapped(self, line: str) -> bool:
        """A line long enough that its end was probably a wrap, not a paragraph end."""
        return self.width <= 100 and len(line) >= 0.6 * self.width


def _layout(blocks: list[list[str]]) -> _Layout:
    lengths = sorted(len(line) for block in blocks for line in block)
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    blank_lines = len(blocks) > 1 and any(len(b) > 1 for b in blocks)
    return _Layout(blank_lines, width)


def _continues(prev: Line, line: Line, layout: _Layout) -> bool:
    """Whether ``line`` continues the paragraph of ``prev``."""
    if line.marked or prev.kind not in (Kind.TEXT, Kind.ITEM):
        return False
    if line.kind not in (Kind.TEXT, Kind.HEADING):
        return False
    if ends_open(prev.text) or line.text[:1].islower():
        return True
    if starts_with_quote(line.text) and introduces_quote(prev.text):
        return True
    if finished(prev.text):
        # A hard-wrapped paragraph may wrap exactly at a sentence end.
        return layout.blank_lines and line.kind is Kind.TEXT and layout.wrapped(prev.last)
    # prev stops mid-sentence: a wrapped line continues, a heading does not.
    if line.kind is Kind.HEADING:
        return layout.wrapped(prev.last)
    return layout.blank_lines or layout.wrapped(prev.last)


def _join_wrapped(lines: list[Line], layout: _Layout) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, line, layout):
            prev.text = f"{prev.text} {line.text}"
            prev.last = line.text
            continue
        out.append(line)
    return out


def outline(text: str) -> Outline:
    """Read the lines of a normalised digest into an outline."""
    result = Outline()
    blocks = _blocks(text)
    layout = _layout(blocks)
    items: list[Line] = []
    for block in blocks:
        block_lines: list[Line] = []
        for raw in block:
            tags = hashtag_line(raw)
            if tags is not None:
                result.tags.extend(tags)
                continue
            meta = metadata(raw)
            if meta is not None:
                _set_meta(result, *meta)
                continue
            raw, trailing = split_trailing_tags(raw)
            result.tags.extend(trailing)
            if raw.startswith("# "):
                result.title = result.title or raw[2:].strip()
                continue
            previous = block_lines[-1] if block_lines else (items[-1] if items else None)
            if previous is not None and ends_with_quote(previous.text) and dash_attribution(raw):
                previous.text = f"{previous.text} {raw}"  # “…” then "— Speaker" on its own line
                continue
            line = classify(raw)
            if line.kind is Kind.EMPTY_ITEM:
                continue
            result.tags.extend(inline_tags(line.text))
            block_lines.append(line)
        items.extend(_join_wrapped(block_lines, layout))
    _assemble(result, items)
    return result


def _set_meta(result: Outline, key: str, value: str) -> None:
    if key == "url" and result.url is None:
        result.url = value
    elif key == "title" and result.title is None:
        result.title = value
    elif key == "published" and result.published is None:
        result.published = value
    elif key == "language" and result.language is None:
        result.language = value


def _assemble(result: Outline, items: list[Line]) -> None:
    # A first line that reads as a headline, followed by text, is the title.
    if (
        result.title is None
        and len(items) > 1
        and items[0].kind is Kind.HEADING
        and not items[0].marked
        and items[1].kind is not Kind.HEADING
    ):
        result.title = items.pop(0).text
    lede_index = next((i for i, it in enumerate(items) if it.kind is not Kind.HEADING), None)
    if lede_index is None:
        if items:  # only a headline: it is the title and the lede
            result.lede = items[0].text
            result.paragraphs.append(result.lede)
        return
    result.lede = items[lede_index].text
    result.paragraphs.append(result.lede)
    current: tuple[str | None, list[str]] | None = None
    for position, item in enumerate(items):
        if position == lede_index:
            continue
        if item.kind is Kind.HEADING:
            if (
                current is not None
                and current[0] is not None
                and heading_key(current[0]) == heading_key(item.text)
            ):
                continue  # the same heading repeated: keep filling its section
            current = (item.text, [])
            result.sections.append(current)
            continue
        if current is None:
            current = (None, [])
            result.sections.append(current)
        current[1].append(item.text)
        result.paragraphs.append(item.text)
    result.sections = [s for s in result.sections if s[1]]


__all__ = ["Outline", "outline"]
