"""Mastodon: graphemes of the countable text (URLs as 23, remote mentions as @user)."""

from __future__ import annotations

import pytest

from bot.platforms import get_platform
from bot.platforms.mastodon import Mastodon, countable_text

CASES = [
    ("plain", "Hello", 5),
    ("URL with a scheme is 23", "read https://example.com/very/long/path?x=1&y=2", 28),
    ("URL without a scheme counts as written", "see example.com", 15),
    ("remote mention counts as @user", "cc @alice@mastodon.example", 9),
    ("local mention", "hi @bob", 7),
    ("ZWJ family is one grapheme", "family 👨‍👩‍👧‍👦", 8),
    ("flag is one grapheme", "🇺🇦 flag", 6),
    ("skin tone is one grapheme", "👍🏽", 1),
    ("keycap is one grapheme", "1️⃣", 1),
    ("no normalisation: NFD stays one grapheme per base", "Cafe\u0301", 4),
    ("CJK counts 1 each", "東京の橋", 4),
    ("Windows line break is one grapheme", "a\r\nb", 3),
    ("gemini scheme is a URL", "gemini://example.org/x", 23),
    ("t.co", "http://t.co/abc", 23),
    ("URL right after a letter is not one", "aaahttp://example.com", 21),
    ("an e-mail is neither a mention nor a URL", "mail news@example.com", 21),
    ("trailing full stop stays outside the URL", "https://example.com/a.", 24),
    ("two URLs", "https://a.example.com and https://b.example.org/x", 51),
    ("blank text counts nothing", "   ", 0),
]


@pytest.mark.parametrize(("text", "length"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_counting(text: str, length: int) -> None:
    assert get_platform("mastodon").count(text) == length


def test_remote_mention_with_overlong_domain_counts_in_full() -> None:
    text = "@alice@" + "b" * 250 + ".example"
    assert countable_text(text) == text


def test_spoiler_counts_as_written() -> None:
    mastodon = Mastodon()
    assert (
        mastodon.count_with_spoiler("see https://example.com/x", "CW: https://a.b/c") == 17 + 4 + 23
    )


def test_limit_comes_from_the_instance() -> None:
    text = "a" * 600
    assert not get_platform("mastodon").fits(text)
    assert get_platform("mastodon", limit=1000).fits(text)
    assert get_platform("mastodon", limit=1000).limit == 1000
