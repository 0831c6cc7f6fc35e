"""Article sources: a folder, RSS/Atom feeds and HTTP JSON, served over loopback."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.errors import SourceError
from bot.schedules import SourceSpec
from bot.sources import Candidate, FolderSource, make_source
from bot.store import Store, open_store
from tests.adapter_helpers import run
from tests.conftest import CONTENT
from tests.servers.base import LoopbackServer, Reply, Request


class FeedServer(LoopbackServer):
    """Serves one document at /feed, honouring If-None-Match like a real server."""

    def __init__(self) -> None:
        super().__init__()
        self.body: bytes = b""
        self.content_type = "application/rss+xml"
        self.etag: str | None = None
        self.route("GET", "/feed", self.feed)

    def feed(self, request: Request) -> Reply:
        if self.etag and request.headers.get("if-none-match") == self.etag:
            return Reply(304)
        headers = {"Content-Type": self.content_type}
        if self.etag:
            headers["ETag"] = self.etag
        return Reply(200, self.body, headers)


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 feed of (guid, title, description) items."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<link>https://news.example.org/{guid}</link>"
        f"<pubDate>Tue, 0{n + 1} Dec 2026 09:00:00 GMT</pubDate>"
        f"<category>Harbour News</category>"
        f"<description><![CDATA[{body}]]></description></item>"
        for n, (guid, title, body) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed = FeedServer().start()
    try:
        yield feed  # type: ignore[misc]
    finally:
        feed.stop()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """The feed state (validators, remembered entries) on SQLite and on PostgreSQL."""
    opened = open_store(db_url)
    yield opened
    opened.dispose()


def fetch(spec: SourceSpec, store: Store | None = None, source: Any = None) -> list[Candidate]:
    async def go() -> list[Candidate]:
        async with httpx.AsyncClient() as client:
            chosen = source or make_source(spec, client, store)
            if source is not None:
                chosen.client = client
            return list(await chosen.fetch())

    return run(go())


# -- folder ------------------------------------------------------------------------------------


def test_a_folder_reads_every_article_format(tmp_path: Path) -> None:
    for path in CONTENT.iterdir():
        shutil.copy(path, tmp_path / path.name)
    found = fetch(SourceSpec("folder", str(tmp_path)))
    titles = sorted(c.article.title for c in found)
    assert len(titles) == len(list(CONTENT.iterdir())) == 5
    assert len({c.article.id for c in found}) == 5


def test_a_folder_article_keeps_its_id_when_edited(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: First\nurl: https://e.example/a\n---\nThe lede.\n", encoding="utf-8"
    )
    source = FolderSource(SourceSpec("folder", str(tmp_path)))
    (before,) = run(source.fetch())
    path.write_text(
        "---\ntitle: Second\nurl: https://e.example/b\n---\nA new lede.\n", encoding="utf-8"
    )
    os.utime(path, (1, 1))  # a different mtime even on a coarse clock
    (after,) = run(source.fetch())
    assert after.article.title == "Second"
    assert after.article.id == before.article.id
    assert after.article.content_hash != before.article.content_hash


def test_a_broken_file_is_reported_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(CONTENT / "night-trains.md", tmp_path / "good.md")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("A hidden draft.", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        found = fetch(SourceSpec("folder", str(tmp_path)))
    assert [c.article.title for c in found] == ["Night trains return between Vienna and Amsterdam"]
    errors = [r.getMessage() for r in caplog.records]
    assert any("broken.json" in e and "(skipped until the file changes)" in e for e in errors)
    assert any("empty.txt" in e for e in errors)
    assert not any(".hidden" in e for e in errors)


def test_folder_order_is_published_time_else_file_time(tmp_path: Path) -> None:
    (tmp_path / "dated.md").write_text(
        "---\ntitle: Dated\npublished: 2020-01-01T00:00:00Z\n---\nOld news.\n", encoding="utf-8"
    )
    (tmp_path / "undated.txt").write_text("Fresh news, no date.", encoding="utf-8")
    os.utime(tmp_path / "undated.txt", (1_700_000_000, 1_700_000_000))
    found = {c.article.title: c.order for c in fetch(SourceSpec("folder", str(tmp_path)))}
    assert found["Dated"] == 1_577_836_800
    assert found["Fresh news, no date"] == 1_700_000_000


def test_a_missing_folder_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot read the folder"):
        fetch(SourceSpec("folder", str(tmp_path / "gone")))


# -- feeds -------------------------------------------------------------------------------------


def test_an_rss_feed_becomes_articles(server: FeedServer, store: Store) -> None:
    server.body = rss(
        (
            "a1",
            "Harbour bridge to be repaired",
            "<p>The council voted.</p><ul><li>It costs 80m.</li></ul>",
        ),
        ("a2", "Night trains &amp; sleepers return", "<p>Three routes reopen.</p>"),
    )
    found = fetch(SourceSpec("feed", f"{server.url}/feed"), store)
    by_title = {c.article.title: c.article for c in found}
    assert set(by_title) == {"Harbour bridge to be repaired", "Night trains & sleepers return"}
    bridge = by_title["Harbour bridge to be repaired"]
    assert bridge.url == "https://news.example.org/a1"
    assert bridge.lede == "The council voted."
    assert bridge.sections[0].bullets == ("It costs 80m.",)
    assert "HarbourNews" in bridge.hashtags
    assert bridge.published_at is not None
    assert bridge.published_at.isoformat() == "2026-12-01T09:00:00+00:00"


def test_an_atom_feed_becomes_articles(server: FeedServer) -> None:
    server.content_type = "application/atom+xml"
    server.body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><id>urn:feed</id>
<updated>2026-12-01T09:00:00Z</updated>
<entry><id>urn:e1</id><title>Glaciers retreat</title><updated>2026-12-01T09:00:00Z</updated>
<link href="https://news.example.org/glaciers"/>
<content type="html">&lt;p&gt;Ice loss doubled this summer.&lt;/p&gt;</content></entry>
</feed>"""
    (only,) = fetch(SourceSpec("feed", f"{server.url}/feed"))
    assert only.article.title == "Glaciers retreat"
    assert only.article.lede == "Ice loss doubled this summer."
    assert only.article.url == "https://news.example.org/glaciers"


def test_every_entry_seen_stays_available_after_it_scrolls_off(
    server: FeedServer, store: Store
) -> None:
    spec = SourceSpec("feed", f"{server.url}/feed")
    server.body = rss(("a1", "One", "First."), ("a2", "Two", "Second."))
    first = fetch(spec, store)
    server.body = rss(("a3", "Three", "Third."), ("a4", "Four", "Fourth."))
    second = fetch(spec, store)
    assert {c.article.title for c in first} == {"One", "Two"}
    assert {c.article.title for c in second} == {"One", "Two", "Three", "Four"}
    ids = {c.article.title: c.article.id for c in second}
    assert ids["One"] == next(c.article.id for c in first if c.article.title == "One")


def test_a_conditional_get_answers_304_and_nothing_is_lost(
    server: FeedServer, store: Store
) -> None:
    spec = SourceSpec("feed", f"{server.url}/feed")
    server.body = rss(("a1", "One", "First."))
    server.etag = '"v1"'
    assert len(fetch(spec, store)) == 1
    again = fetch(spec, store)
    assert server.received[-1].headers.get("if-none-match") == '"v1"'
    assert len(again) == 1  # 304: the remembered entries


def test_a_feed_too_large_is_refused(server: FeedServer) -> None:
    server.body = rss(*[(f"a{n}", f"Title {n}", "x" * 500) for n in range(40)])
    with pytest.raises(SourceError, match=r"larger than 4096 bytes; not read"):
        fetch(SourceSpec("feed", f"{server.url}/feed", max_bytes=4096))


def test_a_slow_feed_times_out(server: FeedServer) -> None:
    server.body = rss(("a1", "One", "First."))
    server.slow_next(2.0)
    with pytest.raises(SourceError, match=r"no answer within 0.3s"):
        fetch(SourceSpec("feed", f"{server.url}/feed", timeout=0.3))


def test_a_malformed_feed_is_one_line(server: FeedServer) -> None:
    server.body = b"<html><body>Not a feed at all"
    with pytest.raises(SourceError) as caught:
        fetch(SourceSpec("feed", f"{server.url}/feed"))
    assert str(caught.value).startswith(f"source {server.url}/feed: malformed feed")
    assert "\n" not in str(caught.value)


def test_http_errors_name_the_source(server: FeedServer) -> None:
    server.fail_next(503)
    with pytest.raises(SourceError, match=r"/feed: HTTP 503"):
        fetch(SourceSpec("feed", f"{server.url}/feed"))


def test_source_headers_are_sent(server: FeedServer) -> None:
    from bot.config import Secret

    server.body = rss(("a1", "One", "First."))
    fetch(SourceSpec("feed", f"{server.url}/feed", {"Authorization": Secret("Bearer s3cret", "T")}))
    assert server.received[-1].headers["authorization"] == "Bearer s3cret"


# -- HTTP JSON ---------------------------------------------------------------------------------


def test_http_json_lists_of_articles(server: FeedServer) -> None:
    server.content_type = "application/json"
    articles = [
        {
            "id": "n-1",
            "title": "Ferries freeze fares",
            "lede": "Fares stay put.",
            "url": "https://e.example/1",
        },
        {"title": "Second story", "lede": "More news.", "hashtags": ["Ferries"]},
        {"url": "https://e.example/3"},  # no text: reported and skipped
    ]
    server.body = json.dumps({"articles": articles}).encode()
    found = fetch(SourceSpec("http_json", f"{server.url}/feed"))
    assert [c.article.title for c in found] == ["Ferries freeze fares", "Second story"]
    server.body = json.dumps(articles[:1]).encode()
    (again,) = fetch(SourceSpec("http_json", f"{server.url}/feed"))
    assert again.article.id == found[0].article.id


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "not JSON"),
        (b'{"data": 1}', 'expected a list of articles or {"articles": [...]}'),
    ],
)
def test_http_json_errors(server: FeedServer, body: bytes, message: str) -> None:
    server.body = body
    with pytest.raises(SourceError, match=re.escape(message)):
        fetch(SourceSpec("http_json", f"{server.url}/feed"))
