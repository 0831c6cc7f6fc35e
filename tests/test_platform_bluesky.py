"""Bluesky: graphemes and bytes, and facets as atproto's RichText detects them.

Every expected facet here was checked against ``@atproto/api``'s own
``detectFacetsWithoutResolution``.
"""

from __future__ import annotations

import pytest

from bot.platforms import get_platform
from bot.platforms.richtext import detect_facets

# (text, graphemes, UTF-8 bytes, facets as (byteStart, byteEnd, type, value))
CASES = [
    ("Hello #Rail fans", 16, 16, [(6, 11, "tag", "Rail")]),
    ("#Düsseldorf lights up the Rhine", 31, 32, [(0, 12, "tag", "Düsseldorf")]),
    (
        "Tags in scripts: #東京 #Україна #हिन्दी",
        33,
        60,
        [(17, 24, "tag", "東京"), (25, 40, "tag", "Україна"), (41, 60, "tag", "हिन्दी")],
    ),
    ("Trailing punctuation #tag!", 26, 26, [(21, 25, "tag", "tag")]),
    ("#multi_word___...", 17, 17, [(0, 11, "tag", "multi_word")]),
    ("numbers #2026 are not tags but #COP30 is", 40, 40, [(31, 37, "tag", "COP30")]),
    ("keycap #️⃣ is not a tag", 21, 27, []),
    ("(#inBrackets) is not a tag", 26, 26, []),
    ("fullwidth ＃タグ works", 19, 25, [(10, 19, "tag", "タグ")]),
    ("family #👨‍👩‍👧 tag", 13, 30, [(7, 12, "tag", "👨")]),
    ("read https://example.com/story.", 31, 31, [(5, 30, "link", "https://example.com/story")]),
    ("bare example.com/path works", 27, 27, [(5, 21, "link", "https://example.com/path")]),
    (
        "(https://en.example.org/wiki/Bridge_(structure))",
        48,
        48,
        [(1, 48, "link", "https://en.example.org/wiki/Bridge_(structure))")],
    ),
    ("not a link: node.js or e.g.", 27, 27, []),
    ("HTTPS://EXAMPLE.COM shouts", 26, 26, []),
    (
        "ask @alice.bsky.social or @bob.test",
        35,
        35,
        [(4, 22, "mention", "alice.bsky.social"), (26, 35, "mention", "bob.test")],
    ),
    ("email news@example.com is not a mention", 39, 39, []),
    ("@Alice.Bsky.Social capitals", 27, 27, []),
    (
        "dollar $AAPL and $tsla, not $TOOLONG",
        36,
        36,
        [(7, 12, "tag", "$AAPL"), (17, 22, "tag", "$TSLA")],
    ),
    ("Windows\r\nline break #tag", 23, 24, [(20, 24, "tag", "tag")]),
    ("emoji 👍🏽 then https://例え.jp/パス", 29, 44, [(20, 44, "link", "https://例え.jp/パス")]),
    (
        "mix: #café https://exämple.com and @carol.test.",
        47,
        49,
        [
            (5, 11, "tag", "café"),
            (12, 32, "link", "https://exämple.com"),
            (37, 48, "mention", "carol.test"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "graphemes", "size", "facets"), CASES, ids=[c[0][:40] for c in CASES]
)
def test_counts_and_facets(
    text: str, graphemes: int, size: int, facets: list[tuple[int, int, str, str]]
) -> None:
    bluesky = get_platform("bluesky")
    assert bluesky.count(text) == graphemes
    assert len(text.encode()) == size
    found = detect_facets(text)
    assert [(f.byte_start, f.byte_end, f.type, f.value) for f in found] == facets
    # The byte offsets select exactly the tag, link or mention in the text.
    data = text.encode()
    for f in found:
        selected = data[f.byte_start : f.byte_end].decode()
        if f.type == "tag":
            assert selected.lstrip("#＃$").upper() == f.value.lstrip("$").upper()
        elif f.type == "mention":
            assert selected == "@" + f.value


def test_300_graphemes_fit_301_do_not() -> None:
    bluesky = get_platform("bluesky")
    assert bluesky.fits("👍🏽" * 300)  # 300 graphemes, 2400 bytes
    assert not bluesky.fits("👍🏽" * 301)


def test_3000_bytes_is_the_other_limit() -> None:
    bluesky = get_platform("bluesky")
    family = "👨‍👩‍👧‍👦"  # 1 grapheme, 25 bytes
    assert bluesky.count(family * 120) == 120
    assert bluesky.fits(family * 120)  # 3000 bytes
    assert not bluesky.fits(family * 120 + "!")  # 3001 bytes, 121 graphemes


def test_combining_marks_are_one_grapheme_each() -> None:
    assert get_platform("bluesky").count("Cafe\u0301") == 4
