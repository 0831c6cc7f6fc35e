"""X: twitter-text's conformance suite, and our own table of tricky texts.

The expected values in ``CASES`` were checked against the official
twitter-text 3.1.0 JavaScript library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms import get_platform
from bot.platforms.twitter_text import V1, V2, V3, TweetConfig, parse_tweet, weighted_length
from bot.platforms.twitter_urls import extract_urls, to_utf16_units

CONFORMANCE = Path(__file__).parent / "conformance"
SUITE = yaml.safe_load((CONFORMANCE / "twitter-text-validate.yml").read_text(encoding="utf-8"))
# twitter-text's is-valid-tweet merges v1 with the defaults: v1 weights, emoji parsing on.
V1_MERGED = TweetConfig(140, 1, 1, 23, True, ())
PARSE_SECTIONS = [
    ("WeightedTweetsCounterTest", V2),
    ("WeightedTweetsWithDiscountedEmojiCounterTest", V3),
    ("UnicodeDirectionalMarkerCounterTest", V3),
]


def _cases(section: str) -> list[Any]:
    return [pytest.param(c, id=c["description"]) for c in SUITE["tests"][section]]


def test_v3_config_matches_the_official_file() -> None:
    official = json.loads((CONFORMANCE / "twitter-text-config-v3.json").read_text())
    assert V3.max_weighted_length == official["maxWeightedTweetLength"]
    assert V3.scale == official["scale"]
    assert V3.default_weight == official["defaultWeight"]
    assert V3.transformed_url_length == official["transformedURLLength"]
    assert V3.emoji_parsing == official["emojiParsingEnabled"]
    assert V3.ranges == tuple((r["start"], r["end"], r["weight"]) for r in official["ranges"])
    assert (V1.max_weighted_length, V1.scale, V1.default_weight) == (140, 1, 1)


@pytest.mark.parametrize(
    ("section", "config", "case"),
    [
        pytest.param(section, config, case, id=f"{section}: {case['description']}")
        for section, config in PARSE_SECTIONS
        for case in SUITE["tests"][section]
    ],
)
def test_parse_tweet_conformance(section: str, config: TweetConfig, case: dict[str, Any]) -> None:
    result = parse_tweet(case["text"], config)
    assert {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": 0,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": 0,
        "validRangeEnd": result.valid_range_end,
    } == case["expected"]
    # The fast counter agrees with the reference walk.
    assert weighted_length(case["text"], config) == (result.weighted_length, result.valid)


@pytest.mark.parametrize("case", _cases("tweets"))
def test_tweet_validity_conformance(case: dict[str, Any]) -> None:
    assert parse_tweet(case["text"], V1_MERGED).valid is case["expected"]


# (description, text, weighted length, valid), checked against twitter-text 3.1.0.
CASES = [
    ("plain ASCII", "Hello world", 11, True),
    ("CJK weighs 2", "東京の新しい橋", 14, True),
    ("Hangul weighs 2", "서울 시장", 9, True),
    ("Latin Extended Additional weighs 2", "Việt Nam", 9, True),
    ("NFD is normalised first", "Cafe\u0301 au lait", 12, True),
    ("Arabic weighs 1", "قال الوزير", 10, True),
    ("curly quotes and en dash weigh 1", "“quoted” – text", 15, True),
    ("ellipsis and bullet weigh 2", "wait… • next", 14, True),
    ("family ZWJ sequence is one emoji", "a 👨‍👩‍👧‍👦 b", 6, True),
    ("skin tone joins its base", "👍🏽", 2, True),
    ("flag is one emoji", "🇺🇦", 2, True),
    ("invalid flag pair is two", "🇺🇺", 4, True),
    ("keycap with FE0F", "1️⃣", 2, True),
    ("keycap without FE0F", "1\u20e3", 2, True),
    ("bare copyright sign weighs 1", "©", 1, True),
    ("copyright with FE0F is one emoji", "©\ufe0f", 2, True),
    ("heart with text selector is not an emoji", "❤\ufe0e", 4, True),
    ("heart with emoji selector", "❤\ufe0f", 2, True),
    (
        "England tag sequence",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        2,
        True,
    ),
    ("Emoji 12 couple splits into parts", "🧑‍🤝‍🧑", 8, True),
    ("Emoji 13 flag splits into parts", "🏳️‍⚧️", 7, True),
    ("rainbow flag", "🏳️‍🌈", 2, True),
    (
        "URL with scheme is 23",
        "read https://news.example.org/2026/11/a-very-long-path?x=1",
        28,
        True,
    ),
    ("bare domain is a URL", "see example.com now", 31, True),
    ("trailing full stop is not part of the URL", "see example.com.", 28, True),
    ("parentheses balance", "(see https://en.example.org/wiki/Bridge_(structure))", 29, True),
    ("node.js is not a URL", "written in node.js today", 24, True),
    ("e.g. is not a URL", "e.g. this", 9, True),
    ("user:pass is not a URL", "http://user:pass@example.com", 28, True),
    ("email is not a URL", "mail news@example.com", 21, True),
    ("retired TLD twitter-text still knows", "visit foo.xperia", 29, True),
    ("TLD delegated after twitter-text", "listen at foo.music", 19, True),
    ("t.co link", "http://t.co/abc123", 23, True),
    ("t.co slug over 40 characters", "http://t.co/" + "a" * 41, 53, True),
    ("non-ASCII path stops the URL", "https://example.jp/パス", 27, True),
    ("IDN domain with scheme", "https://例え.jp/a", 23, True),
    ("bare IDN domain keeps only its ASCII part", "例え.jp", 7, True),
    ("hashtags and mentions count as typed", "#Rail @news_desk", 16, True),
    ("Windows line break counts two", "a\r\nb", 4, True),
    ("empty", "", 0, False),
    ("byte order mark is invalid", "a\ufeffb", 4, False),
    ("280 ASCII", "a" * 280, 280, True),
    ("281 ASCII", "a" * 281, 281, False),
    ("140 CJK", "の" * 140, 280, True),
    ("141 CJK", "の" * 141, 282, False),
]


@pytest.mark.parametrize(
    ("text", "length", "valid"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_tricky_texts(text: str, length: int, valid: bool) -> None:
    assert weighted_length(text) == (length, valid)
    x = get_platform("x")
    assert x.count(text) == length
    assert x.fits(text) is valid


# Bracketed groups in a URL path. twitter-text's JS path pattern has an
# unbracketed ``|`` (its ending-character alternation spliced in whole), so a
# group ends a path only straight after ``/``, an ending character or another
# group: after punctuation the URL stops before the punctuation, and the rest
# counts as text. (description, text, weighted length, URL twitter-text finds),
# each derived from the official regexes and checked against twitter-text 3.1.0.
PATH_PARENS_CASES = [
    ("group after a dot ends the URL", "https://ex.com/v1.(beta)", 30, "https://ex.com/v1"),
    ("short group after a dot", "https://ex.com/a.(b)", 27, "https://ex.com/a"),
    ("group after a comma", "https://ex.com/a,(b)", 27, "https://ex.com/a"),
    ("group after an exclamation mark", "https://ex.com/a!(b)", 27, "https://ex.com/a"),
    ("group after a colon", "https://ex.com/a:(b)", 27, "https://ex.com/a"),
    ("group after a tilde", "https://ex.com/a~(b)", 27, "https://ex.com/a"),
    ("nested group after a dot", "https://ex.com/a.(b(c))", 30, "https://ex.com/a"),
    ("bare domain, group after a dot", "ex.com/v1.(beta)", 30, "ex.com/v1"),
    (
        "group after an underscore",
        "https://ex.com/wiki/Foo_(bar)",
        23,
        "https://ex.com/wiki/Foo_(bar)",
    ),
    ("group right after the slash", "https://ex.com/(b)", 23, "https://ex.com/(b)"),
    ("two groups in a row", "https://ex.com/a(b)(c)", 23, "https://ex.com/a(b)(c)"),
    ("nested group after an underscore", "https://ex.com/a_(b(c))", 23, "https://ex.com/a_(b(c))"),
    ("group mid-path, letter at the end", "https://ex.com/a.(b)c", 23, "https://ex.com/a.(b)c"),
    (
        "group mid-path, more path after it",
        "https://ex.com/v1.(beta)/x",
        23,
        "https://ex.com/v1.(beta)/x",
    ),
    ("group mid-path, slash at the end", "https://ex.com/a.(b)/", 23, "https://ex.com/a.(b)/"),
    ("second group after a dot", "https://ex.com/a.(b)c.(d)", 27, "https://ex.com/a.(b)c"),
    ("group after a dot loses the query", "https://ex.com/a.(b)?x=1", 31, "https://ex.com/a"),
    ("group then query", "https://ex.com/a(b)?x=1", 23, "https://ex.com/a(b)?x=1"),
    ("group in the query", "https://ex.com/a?q=(b)", 24, "https://ex.com/a?q=(b"),
    ("dot and group in the query", "https://ex.com/a?q=x.(b)", 24, "https://ex.com/a?q=x.(b"),
    ("group after a dot, full stop", "https://ex.com/a.(b).", 28, "https://ex.com/a"),
    ("group after an underscore, full stop", "https://ex.com/a_(b).", 24, "https://ex.com/a_(b)"),
    ("group after a dot, exclamation mark", "https://ex.com/a.(b)!", 28, "https://ex.com/a"),
    ("inside brackets, group after a dot", "(see https://ex.com/a.(b))", 33, "https://ex.com/a"),
    (
        "inside brackets, group after an underscore",
        "(see https://ex.com/a_(b))",
        29,
        "https://ex.com/a_(b)",
    ),
]


@pytest.mark.parametrize(
    ("text", "length", "url"),
    [c[1:] for c in PATH_PARENS_CASES],
    ids=[c[0] for c in PATH_PARENS_CASES],
)
def test_bracketed_groups_in_url_paths(text: str, length: int, url: str) -> None:
    assert [e.url for e in extract_urls(to_utf16_units(text))] == [url]
    assert weighted_length(text) == (length, True)
    assert parse_tweet(text).weighted_length == length
    assert get_platform("x").count(text) == length


def test_whitespace_only_does_not_fit() -> None:
    # twitter-text's JS counts it valid; X itself refuses a blank post.
    assert weighted_length("   ") == (3, True)
    assert not get_platform("x").fits("   ")


TEXT = st.lists(
    st.one_of(
        st.text(max_size=8),
        st.sampled_from(
            [
                "https://example.com/a_(b)",
                "example.org",
                " ",
                ".",
                "👨‍👩‍👧",
                "🇺🇦",
                "1️⃣",
                "\ufe0f",
                "\u200d",
                "\U0001f3fd",
                "t.co/x",
                "例え.jp",
                "\u0301",
            ]
        ),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_fast_count_matches_the_reference_walk(text: str) -> None:
    reference = parse_tweet(text)
    assert weighted_length(text) == (reference.weighted_length, reference.valid)
