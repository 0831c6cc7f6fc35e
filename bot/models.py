"""Plain data that flows through postbot: frozen dataclasses, no I/O.

``Article`` is what a source and the parser produce; ``PostPlan`` is what
compose makes of it for one platform; ``Receipt`` is what a platform answered.
Everything here is immutable so it can be shared between the scheduler, the
outbox and the adapters without copies or surprises.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Section:
    """A run of bullets, under a heading when the article gives one."""

    heading: str | None
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation with its speaker, and the marks the article used for it.

    ``text`` carries no quote marks; ``open_mark``/``close_mark`` let a template
    put the quote back in the article's own marks ("…" or «…» or „…“).
    """

    text: str
    speaker: str | None = None
    open_mark: str = "\u201c"
    close_mark: str = "\u201d"


@dataclass(frozen=True, slots=True)
class Article:
    """One summarised news article.

    ``id`` is stable for the same source and url (or title), so an article
    keeps its identity when its text is edited; ``content_hash`` changes with
    every edit, which is how an edit is told from a new article.
    """

    id: str
    title: str
    lede: str
    url: str | None = None
    sections: tuple[Section, ...] = ()
    quotes: tuple[Quote, ...] = ()
    hashtags: tuple[str, ...] = ()
    published_at: datetime | None = None
    language: str | None = None

    @property
    def content_hash(self) -> str:
        """A hash of everything a post could show, to notice edits."""
        digest = hashlib.sha256()
        for part in self._content_parts():
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()[:16]

    def _content_parts(self) -> list[str]:
        parts = [self.title, self.lede, self.url or "", self.language or ""]
        for section in self.sections:
            parts.append(section.heading or "")
            parts.extend(section.bullets)
        for quote in self.quotes:
            parts.extend([quote.text, quote.speaker or ""])
        parts.extend(self.hashtags)
        return parts

    def to_json(self) -> dict[str, Any]:
        """The shape ``postbot parse --json`` prints (the contract other tools read)."""
        return {
            "title": self.title,
            "lede": self.lede,
            "url": self.url,
            "published": self.published_at.isoformat() if self.published_at else None,
            "language": self.language,
            "sections": [{"heading": s.heading, "bullets": list(s.bullets)} for s in self.sections],
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "hashtags": list(self.hashtags),
        }


def article_id(source: str, url: str | None, title: str) -> str:
    """The stable id of an article: a hash of where it came from and its url or title."""
    key = f"{source}\n{url or title}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Facet:
    """A Bluesky rich-text facet: a UTF-8 byte range and what it means."""

    byte_start: int
    byte_end: int
    type: str  # "link" | "tag" | "mention"
    value: str  # the URI, the tag without "#", the handle without "@"

    def to_json(self) -> dict[str, Any]:
        return {
            "byteStart": self.byte_start,
            "byteEnd": self.byte_end,
            "type": self.type,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Segment:
    """One post of a plan (a thread has several), measured by its platform."""

    text: str
    length: int
    limit: int
    facets: tuple[Facet, ...] = ()


@dataclass(frozen=True, slots=True)
class PostPlan:
    """What compose decided to send to one platform for one article."""

    platform: str
    template: str
    segments: tuple[Segment, ...]
    article_id: str = ""
    language: str | None = None

    @property
    def is_thread(self) -> bool:
        return len(self.segments) > 1


@dataclass(frozen=True, slots=True)
class SentSegment:
    """What the platform answered for one segment: the ids the next reply needs."""

    remote_id: str
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Receipt:
    """Every segment of a plan that was sent, in order."""

    account: str
    segments: tuple[SentSegment, ...]

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.segments if s.url]


class OutboxStatus(StrEnum):
    """The life of an outbox row: pending -> sending -> sent | failed | unknown."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
