"""Shortening and splitting never cut a URL, mention, hashtag or grapheme."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ComposeError
from bot.fitting import shorten, split, tokens
from bot.platforms import get_platform


def fits_within(n: int):  # type: ignore[no-untyped-def]
    return lambda text: len(text) <= n


def test_shorten_keeps_the_link_and_tags_at_the_end() -> None:
    text = (
        "A rather long headline about ferries and fares and islands https://example.org/f #Ferries"
    )
    out = shorten(text, fits_within(60))
    assert out == "A rather long headline about… https://example.org/f #Ferries"
    assert len(out) == 60


def test_shorten_keeps_a_link_in_the_middle() -> None:
    text = "Read https://example.org/story about the ferry fares that will not rise this year"
    out = shorten(text, fits_within(50))
    assert "https://example.org/story" in out
    assert out.endswith("…")
    assert len(out) <= 50


def test_shorten_drops_tags_before_the_link() -> None:
    out = shorten("https://example.org/" + "x" * 30 + " #A #B #C", fits_within(53))
    assert out == "https://example.org/" + "x" * 30 + " #A"


def test_a_link_longer_than_the_limit_is_an_error() -> None:
    with pytest.raises(ComposeError, match="a link alone is longer than the limit"):
        shorten("see https://example.org/" + "x" * 100, fits_within(40))


def test_split_prefers_paragraphs_then_sentences_then_clauses() -> None:
    text = "First paragraph here.\n\nSecond one. It has two sentences."
    assert split(text, fits_within(40)) == [
        "First paragraph here.",
        "Second one. It has two sentences.",
    ]
    assert split("One, two, three, four.", fits_within(12)) == ["One, two,", "three, four."]


def test_split_keeps_a_heading_with_its_paragraph() -> None:
    text = "Intro sentence here.\n\nA Heading\n\nBody of the section."
    assert split(text, fits_within(40)) == [
        "Intro sentence here.",
        "A Heading\n\nBody of the section.",
    ]


def test_split_balances_the_last_piece() -> None:
    words = " ".join(f"w{i:02d}" for i in range(30))  # 119 characters, no punctuation
    pieces = split(words, fits_within(100))
    assert len(pieces) == 2
    assert abs(len(pieces[0]) - len(pieces[1])) <= 4
    assert " ".join(pieces) == words


def test_cjk_splits_between_characters() -> None:
    text = "東京都は新しい橋を開通させました" * 3
    pieces = split(text, fits_within(20))
    assert "".join(pieces) == text
    assert all(len(p) <= 20 for p in pieces)


def test_tokens_treat_cjk_per_character_but_keep_links_whole() -> None:
    assert [t.text for t in tokens("東京 https://例え.jp/パス #タグ")] == [
        "東",
        "京",
        "https://例え.jp/パス",
        "#タグ",
    ]


PROTECTED = ["https://example.org/a_(b)", "@alice.bsky.social", "#Düsseldorf", "👨‍👩‍👧", "🇺🇦"]
WORDS = st.lists(
    st.one_of(st.sampled_from(PROTECTED), st.from_regex(r"[a-zé東]{1,12}[.,]?", fullmatch=True)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(words=WORDS, limit=st.integers(min_value=30, max_value=120))
def test_split_and_shorten_never_break_a_protected_token(words: list[str], limit: int) -> None:
    text = " ".join(words)
    bluesky = get_platform("bluesky", limit=limit)
    fits = bluesky.fits
    pieces = split(text, fits)
    assert all(fits(p) for p in pieces)
    for token in PROTECTED:
        if token in text:
            assert any(token in p for p in pieces)
    error = ""
    try:
        short = [shorten(text, fits)]
    except ComposeError as exc:
        error, short = str(exc), []
    assert not error or "links together" in error  # links are never dropped
    assert all(fits(s) for s in short)
    for piece in [*pieces, *short]:
        for fragment in ("https://example.org/a_", "@alice.bsky", "#Düssel"):
            if fragment in piece:
                assert any(t in piece for t in PROTECTED)
