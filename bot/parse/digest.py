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
    dangling,
    dash_attribution,
    ends_open,
    ends_with_quote,
    finished,
    heading_key,
    headline,
    introduces_quote,
    metadata,
    starts_lower,
    starts_sentence,
    starts_with_quote,
    strip_marker,
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


_MAX_WRAP = 100  # text wrapped wider than this is not hard-wrapped by a tool or a person
_SLACK = 0.9
_NEAR = 0.85  # a line this close to the wrap column ends where a wrap would


@dataclass
class _Layout:
    """How a digest lays out paragraphs: with blank lines, and hard-wrapped or not.

    ``width`` is the wrap column, or 0 when the lines are not hard-wrapped.
    Short lines alone are no evidence (a headline and a one-line lede are
    short too): it takes several lines that end near the same column, the
    best of them lines that surely go on (the next starts in lower case).
    """

    blank_lines: bool
    width: int
    # A line near the column surely goes on: the text is clearly hard-wrapped.
    sure_wraps: bool

    def cut(self, prev: Line, line: Line) -> bool:
        """Whether ``prev`` ends where a wrap would cut it: ``line``'s first word
        would not have fit on it. Optimal-fit wrappers (``fmt``) stop a little
        short of the width, hence the slack."""
        first_word = line.text.split()[0] if line.text.split() else ""
        return self.width > 0 and prev.end_column + 1 + len(first_word) > _SLACK * self.width


def _surely_wraps(line: str, following: str) -> bool:
    """``following`` starts in lower case and without a marker, so ``line`` goes on there."""
    text, _ = strip_marker(following)
    return (
        text == following
        and starts_lower(following)
        and metadata(following) is None
        and not finished(line)
    )


def _layout(blocks: list[list[str]]) -> _Layout:
    lengths = sorted(len(line) for block in blocks for line in block)
    typical = lengths[int(len(lengths) * 0.9)] if lengths else 0
    wraps = [
        len(line)
        for block in blocks
        for line, following in zip(block, block[1:], strict=False)
        if _surely_wraps(line, following) and len(line) <= _MAX_WRAP
    ]
    width = max([typical, *wraps]) if typical <= _MAX_WRAP else max(wraps, default=typical)
    near = sum(1 for n in lengths if _NEAR * width <= n <= width)
    sure = sum(1 for n in wraps if n >= _NEAR * width)
    # Among long unwrapped lines (bullets, links), only wrapped paragraphs
    # (two sure wraps) show a column; one stray break does not.
    evidence = sure >= 2 or (near >= 3 and typical <= _MAX_WRAP)
    hard_wrapped = 0 < width <= _MAX_WRAP and evidence
    blank_lines = len(blocks) > 1 and any(len(b) > 1 for b in blocks)
    return _Layout(blank_lines, width if hard_wrapped else 0, hard_wrapped and sure > 0)


def _continues(prev: Line, line: Line, layout: _Layout) -> bool:
    """Whether ``line`` continues the paragraph of ``prev``."""
    if line.marked or prev.kind not in (Kind.TEXT, Kind.ITEM):
        return False
    if line.kind not in (Kind.TEXT, Kind.HEADING):
        return False
    if ends_open(prev.text) or starts_lower(line.text):
        return True
    if starts_with_quote(line.text) and introduces_quote(prev.text):
        return True
    if finished(prev.text):
        return _wraps_at_sentence_end(prev, line, layout)
    if dangling(prev.text):
        return True  # "... dredge the" / "Northern Channel on Monday."
    if starts_sentence(line.text):
        return False  # a headline or a bullet without its full stop, then a new sentence
    # A name or a number after a line that stops mid-clause: a wrap only where
    # the line reaches the wrap column (a heading after it stays a heading).
    return layout.cut(prev, line)


def _wraps_at_sentence_end(prev: Line, line: Line, layout: _Layout) -> bool:
    """A new sentence on the next line continues the paragraph only in clearly
    hard-wrapped text with blank lines between paragraphs (without them, a line
    end after a full stop is the only sign of a paragraph end), and only after
    a line that already wrapped or that a wrap would have cut there; otherwise
    separate one-sentence lines (quotes, facts) stay separate bullets."""
    if not (layout.blank_lines and layout.sure_wraps and line.kind is Kind.TEXT):
        return False
    return prev.spans_lines or layout.cut(prev, line)


def _join_wrapped(lines: list[Line], layout: _Layout) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, line, layout):
            prev.text = f"{prev.text} {line.text}"
            prev.last = line.text
            prev.end_column = line.end_column
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
            tags = _tag_line(raw)
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


def _tag_line(raw: str) -> list[str] | None:
    """The tags of a line made only of hashtags, list marker or not: a closing
    "- #EU #tech" is the article's tags, not a bullet of its own."""
    tags = hashtag_line(raw)
    if tags is None:
        text, marked = strip_marker(raw)
        tags = hashtag_line(text) if marked and text else None
    return tags


def _set_meta(result: Outline, key: str, value: str) -> None:
    if key == "url" and result.url is None:
        result.url = value
    elif key == "title" and result.title is None:
        result.title = value
    elif key == "published" and result.published is None:
        result.published = value
    elif key == "language" and result.language is None:
        result.language = value


def _is_headline(first: Line, second: Line) -> bool:
    """A first line in title case (a heading) followed by text, or a short
    sentence-case line without a full stop ("Harbour authority raises fees
    for cruise ships") followed by a paragraph (weaker evidence, so not by a
    bullet: a list may open with a bullet that lacks its full stop)."""
    if first.marked or second.kind is Kind.HEADING:
        return False
    if first.kind is Kind.HEADING:
        return True
    return (
        first.kind is Kind.TEXT
        and second.kind is Kind.TEXT
        and not first.spans_lines
        and headline(first.text)
    )


def _assemble(result: Outline, items: list[Line]) -> None:
    if result.title is None and len(items) > 1 and _is_headline(items[0], items[1]):
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
