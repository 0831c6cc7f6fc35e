"""Article files in, ``Article`` out.

Three formats, told apart by extension and then by content:

* ``digest``: scraped plain text (a lede, bullets, headings, quotes, a
  hashtag line); the messiest and the most common;
* ``markdown``: YAML front matter and a Markdown body;
* ``json`` / ``yaml``: the Article's fields spelled out.

Everything here is pure apart from ``read_article_file``; errors are
``ArticleError`` naming the file, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from pathlib import Path
from typing import Any

import regex

from bot.errors import ArticleError
from bot.models import Article, Quote, Section, article_id
from bot.parse.digest import outline
from bot.parse.hashtags import clean_tag, dedupe_tags, inline_tags
from bot.parse.markdown import parse_markdown_body, split_front_matter
from bot.parse.names import repair_glued_words, standalone_capitalised
from bot.parse.normalize import clean_inline, normalize_line_breaks, normalize_text
from bot.parse.quotes import extract_quotes
from bot.parse.structured import (
    hashtags_field,
    load_mapping,
    quotes_field,
    sections_field,
    text_field,
)
from bot.parse.titles import MAX_TITLE, derive_title, shorten_at_word

FORMATS = ("digest", "markdown", "json", "yaml")
_EXTENSIONS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".txt": "digest",
}
MAX_ARTICLE_BYTES = 5 * 1024 * 1024


def read_article_file(path: str | Path) -> str:
    """The text of an article file, or an ``ArticleError`` saying what is wrong."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(path, "no such file") from None
    except IsADirectoryError:
        raise ArticleError(path, "is a directory, not an article file") from None
    except OSError as exc:
        raise ArticleError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(path, f"too large ({len(data)} bytes; articles are at most 5 MB)")
    if not data:
        raise ArticleError(path, "empty file")
    if b"\x00" in data:
        raise ArticleError(path, "binary file (contains NUL bytes), not article text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(path, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def detect_format(path: str | Path, text: str) -> str:
    """The format of an article, from its extension, else from its content."""
    by_extension = _EXTENSIONS.get(Path(path).suffix.casefold())
    if by_extension and by_extension != "digest":
        return by_extension
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "json"
    if regex.match(r"---[ \t]*\r?\n", head):
        return "markdown"
    if regex.search(r"(?m)^#{2,6}\s+\S", text):
        return "markdown"
    return by_extension or "digest"


def parse_file(path: str | Path, fmt: str | None = None, source: str | None = None) -> Article:
    """Read and parse one article file."""
    text = read_article_file(path)
    return parse_text(text, fmt or detect_format(path, text), str(path), source=source)


def parse_text(text: str, fmt: str, path: str = "<input>", source: str | None = None) -> Article:
    """Parse article ``text`` of format ``fmt``; ``path`` is only for messages."""
    if fmt not in FORMATS:
        raise ArticleError(path, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if not normalize_text(text).strip():
        raise ArticleError(path, "no text (only whitespace)")
    if fmt == "digest":
        return _from_digest(normalize_text(text), path, source)
    if fmt == "markdown":
        return _from_markdown(normalize_text(text, keep_indent=True), path, source)
    return _from_structured(normalize_line_breaks(text), fmt, path, source)


def parse_published(value: Any, path: str) -> dt.datetime | None:
    """A publication time from ISO 8601, RFC 2822 or a YAML date; naive means UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif isinstance(value, str):
        parsed_or_none = _parse_date_text(value.strip())
        if parsed_or_none is None:
            raise ArticleError(path, f"published: cannot read {value!r} as a date")
        parsed = parsed_or_none
    else:
        raise ArticleError(path, f"published: expected a date, found {type(value).__name__}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


_DATE_FORMATS = ("%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d")
_TIME_FORMATS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I %p")
# Common zone abbreviations in bylines; ambiguous ones take their usual meaning.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0,
    "WEST": 1, "MSK": 3, "IST": 5.5, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "EST": -5, "EDT": -4, "ET": -5, "CST": -6, "CDT": -5, "CT": -6, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "PT": -8,
}  # fmt: skip
_DATE_NOISE_RE = regex.compile(r"\s*(?:\||·|•|,|\bat\b|\bum\b|\bà\b)\s*")


def _parse_date_text(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    text = " ".join(_DATE_NOISE_RE.sub(" ", value).split())
    zone = dt.UTC
    words = text.split()
    if words and words[-1].upper() in _ZONES:
        zone = dt.timezone(dt.timedelta(hours=_ZONES[words[-1].upper()]))
        text = " ".join(words[:-1])
    for date_format in _DATE_FORMATS:
        for time_format in _TIME_FORMATS:
            try:
                return dt.datetime.strptime(text, date_format + time_format).replace(tzinfo=zone)
            except ValueError:
                continue
    try:  # RFC 2822, as in feeds: "Tue, 03 Mar 2026 10:45:00 +0200"
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _lenient_date(value: str | None) -> dt.datetime | None:
    """A digest's "Published:" line: a date we cannot read ("2 hours ago") is left out."""
    return _parse_date_text(value.strip()) if value else None


def _finish(
    *,
    path: str,
    source: str | None,
    title: str | None,
    lede: str,
    url: str | None,
    sections: list[tuple[str | None, list[str]]],
    quotes: list[Quote],
    tags: list[str],
    published: Any,
    language: str | None,
) -> Article:
    """Shared last step: clean fields, derive the title, build the Article."""
    lede = clean_inline(lede)
    title = clean_inline(title) if title else ""
    if not _has_words(lede) and not _has_words(title):
        raise ArticleError(path, "no article text found (no lede or title with words in it)")
    if not lede:
        lede = title
    if not title:
        title = derive_title(lede) or shorten_at_word(lede, MAX_TITLE)
    built_sections = []
    for heading, bullets in sections:
        cleaned = tuple(b for b in (clean_inline(x) for x in bullets) if b)
        if cleaned:
            built_sections.append(Section(clean_inline(heading) if heading else None, cleaned))
    hashtags = dedupe_tags(t for t in (clean_tag(x) for x in tags) if t)
    quotes = [
        Quote(
            clean_inline(q.text),
            clean_inline(q.speaker) or None if q.speaker else None,
            q.open_mark,
            q.close_mark,
        )
        for q in quotes
        if clean_inline(q.text)
    ]
    url = clean_inline(url) if url else None
    return Article(
        id=article_id(source or Path(path).name, url, title),
        title=title,
        lede=lede,
        url=url or None,
        sections=tuple(built_sections),
        quotes=tuple(quotes),
        hashtags=hashtags,
        published_at=parse_published(published, path),
        language=language.strip() if language else None,
    )


def _has_words(text: str) -> bool:
    return regex.search(r"[\p{L}\p{N}]", text) is not None


def _from_digest(text: str, path: str, source: str | None) -> Article:
    doc = outline(text)
    if not doc.lede and not doc.title:
        raise ArticleError(path, "no article text found (only hashtags or metadata)")
    known = standalone_capitalised(text)

    def repair(piece: str) -> str:
        return repair_glued_words(piece, known)

    lede = repair(doc.lede)
    sections = [(h, [repair(b) for b in bullets]) for h, bullets in doc.sections]
    paragraphs = [repair(p) for p in doc.paragraphs]
    tags = [*inline_tags(doc.title or ""), *doc.tags]
    return _finish(
        path=path,
        source=source,
        title=doc.title,
        lede=lede,
        url=doc.url,
        sections=sections,
        quotes=extract_quotes(paragraphs),
        tags=tags,
        published=_lenient_date(doc.published),
        language=doc.language,
    )


def _from_markdown(text: str, path: str, source: str | None) -> Article:
    front, body = split_front_matter(text, path)
    for key in ("title", "url", "language"):
        if front.get(key) is not None and not isinstance(front[key], str):
            raise ArticleError(path, f"front matter {key}: expected text")
    doc = parse_markdown_body(body)
    tags = hashtags_field({"hashtags": front.get("hashtags")}, path)
    for piece in [doc.lede, *(b for _, bs in doc.sections for b in bs)]:
        tags.extend(inline_tags(piece))
    return _finish(
        path=path,
        source=source,
        title=front.get("title") or doc.title,
        lede=doc.lede,
        url=front.get("url"),
        sections=doc.sections,
        quotes=doc.quotes,
        tags=tags,
        published=front.get("published"),
        language=front.get("language"),
    )


def _from_structured(text: str, fmt: str, path: str, source: str | None) -> Article:
    data = load_mapping(text, fmt, path)
    return _finish(
        path=path,
        source=source,
        title=text_field(data, "title", path),
        lede=text_field(data, "lede", path) or "",
        url=text_field(data, "url", path),
        sections=sections_field(data, path),
        quotes=quotes_field(data, path),
        tags=hashtags_field(data, path),
        published=data.get("published"),
        language=text_field(data, "language", path),
    )


__all__ = ["FORMATS", "detect_format", "parse_file", "parse_text", "read_article_file"]
