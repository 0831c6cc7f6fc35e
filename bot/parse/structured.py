"""Articles written out field by field, as JSON or YAML.

The keys are the Article's: ``title``, ``lede``, ``url``, ``published``,
``language``, ``sections`` (a list of ``{heading, bullets}``), ``quotes`` (a
list of ``{text, speaker}`` or plain strings) and ``hashtags`` (a list, or one
string of ``#tags``). Only ``lede`` or ``title`` is required. An unknown key is
an error, so a typo ("hashtag:") is caught instead of silently ignored.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from bot.errors import ArticleError
from bot.models import Quote

KNOWN_KEYS = frozenset(
    {"id", "title", "lede", "url", "published", "language", "sections", "quotes", "hashtags"}
)
_MARK_PAIRS = {"“": "”", "„": "“", "«": "»", '"': '"'}


def load_mapping(text: str, fmt: str, path: str) -> dict[str, Any]:
    """The top-level mapping of a JSON or YAML article."""
    try:
        if fmt == "json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ArticleError(path, f"line {exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}:{mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ArticleError(path, f"{where}invalid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise ArticleError(path, f"expected a mapping of article fields, found {_kind(data)}")
    unknown = sorted(str(k) for k in data if k not in KNOWN_KEYS)
    if unknown:
        raise ArticleError(
            path, f"unknown key {unknown[0]!r} (known keys: {', '.join(sorted(KNOWN_KEYS))})"
        )
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def text_field(data: dict[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ArticleError(path, f"{key}: expected text, found {_kind(value)}")
    return value


def sections_field(data: dict[str, Any], path: str) -> list[tuple[str | None, list[str]]]:
    raw = data.get("sections") or []
    if not isinstance(raw, list):
        raise ArticleError(path, f"sections: expected a list, found {_kind(raw)}")
    sections: list[tuple[str | None, list[str]]] = []
    for i, item in enumerate(raw):
        where = f"sections[{i}]"
        if not isinstance(item, dict):
            raise ArticleError(path, f"{where}: expected {{heading, bullets}}, found {_kind(item)}")
        extra = sorted(set(item) - {"heading", "bullets"})
        if extra:
            raise ArticleError(path, f"{where}: unknown key {extra[0]!r} (known: heading, bullets)")
        heading = item.get("heading")
        if heading is not None and not isinstance(heading, str):
            raise ArticleError(path, f"{where}.heading: expected text, found {_kind(heading)}")
        bullets = item.get("bullets") or []
        if not isinstance(bullets, list) or not all(isinstance(b, str) for b in bullets):
            raise ArticleError(path, f"{where}.bullets: expected a list of text")
        sections.append((heading, bullets))
    return sections


def quotes_field(data: dict[str, Any], path: str) -> list[Quote]:
    raw = data.get("quotes") or []
    if not isinstance(raw, list):
        raise ArticleError(path, f"quotes: expected a list, found {_kind(raw)}")
    quotes = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ArticleError(path, f"quotes[{i}]: expected {{text, speaker}} with text")
        extra = sorted(set(item) - {"text", "speaker"})
        if extra:
            raise ArticleError(
                path, f"quotes[{i}]: unknown key {extra[0]!r} (known: text, speaker)"
            )
        speaker = item.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise ArticleError(path, f"quotes[{i}].speaker: expected text, found {_kind(speaker)}")
        quotes.append(_quote_with_marks(item["text"].strip(), speaker))
    return quotes


def _quote_with_marks(text: str, speaker: str | None) -> Quote:
    from bot.parse.quotes import clean_quote_text

    open_mark, close_mark = "“", "”"
    if text[:1] in _MARK_PAIRS and len(text) > 1:
        candidate = _MARK_PAIRS[text[0]]
        closers = (candidate, "”") if text[0] == "„" else (candidate,)
        stripped = text.rstrip(",. ")
        if stripped.endswith(closers):
            open_mark, close_mark = text[0], stripped[-1]
            text = stripped[1:-1]
    return Quote(clean_quote_text(text), (speaker or "").strip() or None, open_mark, close_mark)


def hashtags_field(data: dict[str, Any], path: str) -> list[str]:
    raw = data.get("hashtags")
    if raw is None:
        return []
    if isinstance(raw, str):
        return raw.replace(",", " ").split()
    if not isinstance(raw, list) or not all(isinstance(t, str | int) for t in raw):
        raise ArticleError(path, "hashtags: expected a list of tags or one line of #tags")
    return [str(t) for t in raw]
