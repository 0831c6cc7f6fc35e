"""Markdown articles with YAML front matter.

Shape::

    ---
    title: …            # all optional
    url: https://…
    published: 2026-11-20
    hashtags: [a, b]
    language: en
    ---
    # Title (used when the front matter has none)

    The lede paragraph.

    ## A heading
    - a bullet
    - another bullet

    > “A quote of four words or more.”
    > — Speaker Name

Paragraphs after the lede are bullets of the current section, as in digests.
Inline links ``[text](url)`` become ``text (url)`` and emphasis markers are
dropped, because social posts show neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import regex
import yaml

from bot.errors import ArticleError
from bot.models import Quote
from bot.parse.lines import heading_key, strip_marker
from bot.parse.names import speaker_name
from bot.parse.quotes import clean_quote_text, extract_quotes

_FRONT_RE = regex.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", regex.S)
_HEADING_RE = regex.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT_RE = regex.compile(r"<!--.*?-->", regex.S)
_LINK_RE = regex.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK_RE = regex.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS_RE = regex.compile(
    r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?!\*)"
)
_CODE_RE = regex.compile(r"`([^`]+)`")
_ATTRIBUTION_RE = regex.compile(r"^[—―–-]{1,2}\s*(.+)$")
_OPENERS = {"“": "”", "„": "“", "«": "»", '"': '"'}


@dataclass
class MarkdownDoc:
    front: dict[str, Any]
    title: str | None = None
    lede: str = ""
    sections: list[tuple[str | None, list[str]]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, body); the mapping is empty when there is none."""
    m = _FRONT_RE.match(text)
    if not m:
        return {}, text
    try:
        front = yaml.safe_load(m.group(1) or "") or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""
        raise ArticleError(path, f"{where}front matter is not valid YAML") from exc
    if not isinstance(front, dict):
        raise ArticleError(path, "front matter must be a mapping of keys to values")
    return front, text[m.end() :]


def inline_text(text: str) -> str:
    """Markdown inline markup reduced to what a social post can show."""
    text = _LINK_RE.sub(
        lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) else m.group(2), text
    )
    text = _AUTOLINK_RE.sub(r"\1", text)
    text = _EMPHASIS_RE.sub(lambda m: m.group(2) or m.group(3), text)
    text = _CODE_RE.sub(r"\1", text)
    return " ".join(text.split())


def _blockquote(lines: list[str]) -> Quote | None:
    speaker = None
    body = [line for line in lines if line]
    if body:
        m = _ATTRIBUTION_RE.match(body[-1])
        if m and len(body) > 1:
            speaker = speaker_name(inline_text(m.group(1)))
            body = body[:-1]
    text = inline_text(" ".join(body))
    open_mark = text[:1]
    close_mark = _OPENERS.get(open_mark)
    if close_mark is None:
        open_mark, close_mark = "“", "”"
    else:
        text = text[1:]
        end = text.rfind(close_mark) if close_mark != "“" else max(text.rfind("“"), text.rfind("”"))
        if end >= 0:
            close_mark = text[end]
            tail = text[end + 1 :].strip()
            text = text[:end]
            if speaker is None:
                m = _ATTRIBUTION_RE.match(tail)
                speaker = speaker_name(inline_text(m.group(1))) if m else None
    text = clean_quote_text(text)
    return Quote(text, speaker, open_mark, close_mark) if text else None


def parse_markdown_body(body: str) -> MarkdownDoc:
    """The outline of a Markdown body (front matter already removed)."""
    doc = MarkdownDoc(front={})
    body = _COMMENT_RE.sub("", body)
    paragraph: list[str] = []
    quote_lines: list[str] = []
    current: tuple[str | None, list[str]] | None = None

    def flush_paragraph() -> None:
        nonlocal current
        if not paragraph:
            return
        text = inline_text(" ".join(paragraph))
        paragraph.clear()
        if not text:
            return
        doc.paragraphs.append(text)
        if not doc.lede:
            doc.lede = text
            return
        if current is None:
            current = (None, [])
            doc.sections.append(current)
        current[1].append(text)

    def flush_quote() -> None:
        if quote_lines:
            quote = _blockquote(quote_lines)
            quote_lines.clear()
            if quote is not None:
                doc.quotes.append(quote)

    list_item = False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith(">"):
            flush_paragraph()
            quote_lines.append(stripped[1:].strip())
            continue
        flush_quote()
        heading = _HEADING_RE.match(stripped)
        if heading:
            flush_paragraph()
            text = inline_text(heading.group(2))
            if len(heading.group(1)) == 1 and doc.title is None and not doc.lede:
                doc.title = text
            elif text and not (
                current and current[0] and heading_key(current[0]) == heading_key(text)
            ):
                current = (text, [])
                doc.sections.append(current)
            continue
        if not stripped:
            flush_paragraph()
            list_item = False
            continue
        item, marked = strip_marker(stripped)
        if marked:
            flush_paragraph()
            list_item = True
            if item:
                paragraph.append(item)
            else:
                list_item = False
            continue
        if list_item and line[:1].isspace():
            paragraph.append(stripped)  # continuation of a list item
            continue
        if list_item:
            flush_paragraph()
            list_item = False
        paragraph.append(stripped)
    flush_paragraph()
    flush_quote()
    doc.sections = [s for s in doc.sections if s[1]]
    # Quotes written inline in the prose count too.
    known = {q.text.casefold() for q in doc.quotes}
    for quote in extract_quotes(doc.paragraphs):
        if quote.text.casefold() not in known:
            doc.quotes.append(quote)
    return doc
