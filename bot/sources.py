"""Where articles come from: a folder, an RSS/Atom feed, or an HTTP JSON endpoint.

Every source answers ``fetch() -> list[Candidate]``: the articles it has now,
each with the time used to order them (published, else first seen or file
time). Which of them were already posted is the outbox's business.

* A folder: every file the parser reads; a file that cannot be parsed is
  reported (once per version) and skipped, the others still count. An
  article's identity is its file, so editing a file does not make it a new
  article.
* A feed: fetched with a conditional GET, bounded in size and time, parsed by
  feedparser. Entries are remembered in the state database, so an entry that
  was new at one poll is still there to post after the feed has moved on.
* An HTTP JSON endpoint: a list of articles (or ``{"articles": [...]}``) with
  the fields of a JSON article file.

Foreign errors become one-line ``SourceError``s that name the source.
"""

from __future__ import annotations

import asyncio
import calendar
import html
import json
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bot.errors import ArticleError, SourceError
from bot.models import Article, article_id
from bot.parse import parse_file, parse_text
from bot.schedules import SourceSpec
from bot.store import Store, articles, source_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    article: Article
    order: float  # epoch seconds: oldest first unless a schedule picks newest


class Source(ABC):
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    @abstractmethod
    async def fetch(self) -> list[Candidate]:
        """The articles available now."""


class FolderSource(Source):
    """Article files in a folder; parsed files are cached by size and mtime."""

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        self._cache: dict[Path, tuple[tuple[int, int], Candidate | None]] = {}

    async def fetch(self) -> list[Candidate]:
        return await asyncio.to_thread(self._scan)

    def _scan(self) -> list[Candidate]:
        folder = Path(self.spec.location)
        try:
            files = sorted(
                p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
            )
        except OSError as exc:
            raise SourceError(
                self.spec.location, f"cannot read the folder: {exc.strerror or exc}"
            ) from None
        found = []
        for path in files:
            stat = path.stat()
            version = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            if cached is None or cached[0] != version:
                self._cache[path] = (version, self._parse(path, stat.st_mtime))
            candidate = self._cache[path][1]
            if candidate is not None:
                found.append(candidate)
        return found

    def _parse(self, path: Path, mtime: float) -> Candidate | None:
        try:
            article = parse_file(path)
        except ArticleError as exc:
            log.error("%s (skipped until the file changes)", exc)  # the error names the file
            return None
        stable = article_id("folder", path.name, "")  # the file is the article
        article = replace(article, id=stable)
        order = article.published_at.timestamp() if article.published_at else mtime
        return Candidate(article, order)


class _HttpSource(Source):
    """Shared plumbing of the two HTTP sources: bounded, conditional GETs."""

    def __init__(self, spec: SourceSpec, client: httpx.AsyncClient, store: Store | None) -> None:
        super().__init__(spec)
        self.client = client
        self.store = store

    async def download(self) -> bytes | None:
        """The body, or None when unchanged since the last poll (304)."""
        headers = self.spec.request_headers()
        etag, modified = await asyncio.to_thread(self._validators)
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            async with self.client.stream(
                "GET",
                self.spec.location,
                headers=headers,
                timeout=self.spec.timeout,
                follow_redirects=True,
            ) as response:
                if response.status_code == 304:
                    return None
                if response.status_code >= 400:
                    raise SourceError(self.spec.location, f"HTTP {response.status_code}")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.spec.max_bytes:
                        raise SourceError(
                            self.spec.location, f"larger than {self.spec.max_bytes} bytes; not read"
                        )
                    chunks.append(chunk)
                await asyncio.to_thread(
                    self._save_validators,
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
                return b"".join(chunks)
        except httpx.TimeoutException:
            raise SourceError(
                self.spec.location, f"no answer within {self.spec.timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise SourceError(self.spec.location, f"{type(exc).__name__}: {exc}") from None

    def _validators(self) -> tuple[str | None, str | None]:
        if self.store is None:
            return None, None
        with self.store.connect() as conn:
            row = conn.execute(
                select(source_state.c.etag, source_state.c.last_modified).where(
                    source_state.c.source == self.spec.key
                )
            ).first()
        return (row[0], row[1]) if row else (None, None)

    def _save_validators(self, etag: str | None, modified: str | None) -> None:
        if self.store is None:
            return
        values = {
            "source": self.spec.key,
            "etag": etag,
            "last_modified": modified,
            "updated_at": time.time(),
        }
        with self.store.begin() as conn:
            conn.execute(self.store.upsert(source_state, ["source"], values))

    async def fetch(self) -> list[Candidate]:
        body = await self.download()
        fresh = self.parse(body) if body is not None else []
        if self.store is None:
            return fresh
        return await asyncio.to_thread(self._remember, fresh)

    @abstractmethod
    def parse(self, body: bytes) -> list[Candidate]:
        """Articles in a downloaded body."""

    def _remember(self, fresh: list[Candidate]) -> list[Candidate]:
        """Keep every entry ever seen, so one that scrolled off the feed still counts."""
        assert self.store is not None
        now = time.time()
        with self.store.begin() as conn:
            for candidate in fresh:
                a = candidate.article
                values = {
                    "source": self.spec.key,
                    "article_id": a.id,
                    "content_hash": a.content_hash,
                    "data": json.dumps(article_to_json(a)),
                    "published": candidate.order,
                    "first_seen": now,
                }
                conn.execute(self.store.upsert(articles, ["source", "article_id"], values))
            rows = conn.execute(
                select(articles.c.data, articles.c.published).where(
                    articles.c.source == self.spec.key
                )
            ).all()
        return [Candidate(article_from_json(json.loads(r[0])), r[1] or 0.0) for r in rows]


class FeedSource(_HttpSource):
    """RSS or Atom, through feedparser."""

    def parse(self, body: bytes) -> list[Candidate]:
        import feedparser

        feed = feedparser.parse(body)
        if feed.bozo and not feed.entries:
            reason = getattr(feed, "bozo_exception", "not a feed")
            raise SourceError(self.spec.location, f"malformed feed: {reason}")
        if feed.bozo:
            log.warning(
                "source %s: feed is not well-formed (%s); using its readable entries",
                self.spec.location,
                getattr(feed, "bozo_exception", "?"),
            )
        found = []
        for index, entry in enumerate(feed.entries):
            try:
                found.append(self._entry(entry))
            except ArticleError as exc:
                log.error(
                    "source %s: entry %d: %s (skipped)", self.spec.location, index + 1, exc.message
                )
        return found

    def _entry(self, entry: Any) -> Candidate:
        title = html_to_text(entry.get("title", ""))
        link = entry.get("link")
        body = ""
        if entry.get("content"):
            body = html_to_digest(entry["content"][0].get("value", ""))
        if not body.strip():
            body = html_to_digest(entry.get("summary", ""))
        text = f"Title: {title}\n{body}" if title else body
        article = parse_text(text or title, "digest", f"{self.spec.location} entry")
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        tags = [t.get("term", "") for t in entry.get("tags", []) if t.get("term")]
        identity = entry.get("id") or link or title
        article = replace(
            article,
            id=article_id(f"feed:{self.spec.location}", identity, title),
            url=link or article.url,
            published_at=published or article.published_at,
            hashtags=_merge_tags(article.hashtags, tags),
        )
        return Candidate(article, published.timestamp() if published else time.time())


class HttpJsonSource(_HttpSource):
    """A JSON list of articles (or ``{"articles": [...]}``) with the JSON article fields."""

    def parse(self, body: bytes) -> list[Candidate]:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise SourceError(self.spec.location, f"not JSON: {exc}") from None
        items = data.get("articles", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise SourceError(
                self.spec.location, 'expected a list of articles or {"articles": [...]}'
            )
        found = []
        for index, item in enumerate(items):
            try:
                article = parse_text(
                    json.dumps(item), "json", f"{self.spec.location} item {index + 1}"
                )
            except ArticleError as exc:
                log.error("source %s: %s (skipped)", self.spec.location, exc)
                continue
            identity = item.get("id") if isinstance(item, dict) else None
            article = replace(
                article,
                id=article_id(f"json:{self.spec.location}", identity or article.url, article.title),
            )
            found.append(
                Candidate(
                    article,
                    article.published_at.timestamp() if article.published_at else time.time(),
                )
            )
        return found


def make_source(spec: SourceSpec, client: httpx.AsyncClient, store: Store | None) -> Source:
    if spec.kind == "folder":
        return FolderSource(spec)
    if spec.kind == "feed":
        return FeedSource(spec, client, store)
    return HttpJsonSource(spec, client, store)


def _merge_tags(first: tuple[str, ...], more: list[str]) -> tuple[str, ...]:
    from bot.parse.hashtags import clean_tag, dedupe_tags

    return dedupe_tags([*first, *(t for t in (clean_tag(x) for x in more) if t)])


# -- HTML in feeds -------------------------------------------------------------------------------


class _DigestWriter(HTMLParser):
    """HTML to the digest text the parser reads: paragraphs, headings, bullets."""

    BLOCKS = {
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "tr",
        "section",
        "article",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self._flush()
            self.prefix = "- " if tag == "li" else ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(self.prefix + text)
        self.current, self.prefix = [], ""

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines)


def html_to_digest(markup: str) -> str:
    writer = _DigestWriter()
    writer.feed(markup or "")
    writer.close()
    return writer.text()


def html_to_text(markup: str) -> str:
    return " ".join(html.unescape(html_to_digest(markup)).split())


def article_to_json(article: Article) -> dict[str, Any]:
    data = article.to_json()
    data["id"] = article.id
    data["quotes"] = [
        {"text": q.text, "speaker": q.speaker, "open": q.open_mark, "close": q.close_mark}
        for q in article.quotes
    ]
    return data


def article_from_json(data: dict[str, Any]) -> Article:
    from bot.models import Quote, Section

    published = datetime.fromisoformat(data["published"]) if data.get("published") else None
    return Article(
        id=data["id"],
        title=data["title"],
        lede=data["lede"],
        url=data.get("url"),
        sections=tuple(
            Section(s["heading"], tuple(s["bullets"])) for s in data.get("sections", [])
        ),
        quotes=tuple(
            Quote(q["text"], q.get("speaker"), q.get("open", "“"), q.get("close", "”"))
            for q in data.get("quotes", [])
        ),
        hashtags=tuple(data.get("hashtags", [])),
        published_at=published,
        language=data.get("language"),
    )
