"""Which parts of a post each platform highlights (bot.platforms.display)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms import PLATFORM_NAMES
from bot.platforms.display import Run, display_url, runs, spans
from bot.platforms.richtext import detect_facets

TEXT = (
    "🚀 See https://example.org/story?x=1. #Harbour and @alice@mastodon.example "
    "or @bob_x, mail me@host.org; example.com #1 #café"
)


def found(platform: str, text: str = TEXT) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.kind) for s in spans(platform, text)]


def test_bluesky_highlights_exactly_its_facets() -> None:
    text = "👩‍👩‍👧 Fares freeze #Aldermoor https://example.org/f and @news.example.com (see example.com)."
    raw = text.encode("utf-8")
    facets = [(raw[f.byte_start : f.byte_end].decode(), f.type) for f in detect_facets(text)]
    assert found("bluesky", text) == facets
    assert facets == [
        ("#Aldermoor", "tag"),
        ("https://example.org/f", "link"),
        ("@news.example.com", "mention"),
        ("example.com", "link"),
    ]
    assert spans("bluesky", text)[-1].value == "https://example.com"


def test_x_links_tags_and_mentions() -> None:
    assert found("x") == [
        ("https://example.org/story?x=1", "link"),
        ("#Harbour", "tag"),
        ("@bob_x", "mention"),
        ("example.com", "link"),  # X links a bare domain (and counts it as 23)
        ("#café", "tag"),
    ]
    bare = [s for s in spans("x", TEXT) if s.kind == "link"][-1]
    assert bare.value == "https://example.com"


def test_x_offsets_survive_characters_outside_the_bmp() -> None:
    text = "𝕏𝕏 https://example.org 🎉 #Tag"
    assert found("x", text) == [("https://example.org", "link"), ("#Tag", "tag")]


def test_mastodon_links_only_with_a_scheme_and_whole_remote_mentions() -> None:
    assert found("mastodon") == [
        ("https://example.org/story?x=1", "link"),
        ("#Harbour", "tag"),
        ("@alice@mastodon.example", "mention"),
        ("@bob_x", "mention"),
        ("#café", "tag"),
    ]


def test_threads_links_one_topic_tag() -> None:
    assert found("threads", "Read https://example.org/a. #First #Second @someone.") == [
        ("https://example.org/a", "link"),
        ("#First", "tag"),
        ("@someone", "mention"),
    ]


def test_linkedin_tags_are_the_hashtag_templates_and_no_mentions() -> None:
    assert found("linkedin", "Big news #Harbour_2026 from @someone https://example.org") == [
        ("#Harbour_2026", "tag"),
        ("https://example.org", "link"),
    ]


def test_telegram_usernames_need_five_characters() -> None:
    assert found("telegram", "@abc and @abcde #tag") == [("@abcde", "mention"), ("#tag", "tag")]


@pytest.mark.parametrize("platform", ["discord", "slack", "webhook"])
def test_links_only(platform: str) -> None:
    assert found(platform, "See https://example.org/x, #tag @someone www.example.com.") == [
        ("https://example.org/x", "link"),
        ("www.example.com", "link"),
    ]


def test_a_fragment_is_part_of_its_link_not_a_tag() -> None:
    text = "https://example.org/page#section"
    for platform in PLATFORM_NAMES:
        assert found(platform, text) == [(text, "link")], platform


def test_displayed_links() -> None:
    url = "https://www.example.org/a-long-path/for-the-story?x=1"
    assert display_url("mastodon", url) == "example.org/a-long-path/for-th…"
    assert display_url("mastodon", "https://example.org/short") == "example.org/short"
    assert display_url("x", url) == "example.org/a-long-path/f…"
    assert display_url("bluesky", url) == url
    (link,) = [r for r in runs("mastodon", f"Read {url} now") if r.kind]
    assert (link.text, link.shown, link.href) == (url, "example.org/a-long-path/for-th…", url)


def test_only_web_links_get_a_target() -> None:
    assert Run("x", "link", "https://example.org").href == "https://example.org"
    assert Run("x", "link", "javascript:alert(1)").href is None
    assert Run("x", "link", "gemini://example.org").href is None
    assert Run("#x", "tag", "x").href is None


PIECES = st.sampled_from(list("ab #@.:/_-é🎉()\n") + ["https://", "www.", ".com", "＃"])


@given(st.lists(PIECES, max_size=40).map("".join))
def test_runs_put_the_text_back_together(text: str) -> None:
    for platform in PLATFORM_NAMES:
        pieces = runs(platform, text)
        assert "".join(r.text for r in pieces) == text
        found_spans = spans(platform, text)
        assert all(a.end <= b.start for a, b in zip(found_spans, found_spans[1:], strict=False))
        assert all(s.start < s.end for s in found_spans)
