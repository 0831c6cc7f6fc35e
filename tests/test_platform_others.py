"""Threads, LinkedIn, Telegram, Discord, Slack and the generic webhook."""

from __future__ import annotations

import pytest

from bot.errors import PlatformError
from bot.platforms import PLATFORM_NAMES, get_platform
from bot.platforms.escape import (
    escape_discord,
    escape_linkedin,
    escape_slack,
    escape_telegram_html,
    escape_telegram_markdown_v2,
)


def test_every_platform_is_registered() -> None:
    assert PLATFORM_NAMES == (
        "x",
        "mastodon",
        "bluesky",
        "threads",
        "linkedin",
        "telegram",
        "discord",
        "slack",
        "webhook",
    )
    for name in PLATFORM_NAMES:
        platform = get_platform(name)
        assert platform.name == name
        assert platform.limit > 0
        assert platform.fits("Hello")
        assert not platform.fits("")
        assert not platform.fits(" \n ")


def test_unknown_platform_lists_the_known_ones() -> None:
    with pytest.raises(PlatformError, match=r"unknown platform 'myspace' \(known: x, mastodon, "):
        get_platform("myspace")


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Hello", 5),
        ("Hi 👋", 3 + 4),  # an emoji counts its UTF-8 bytes
        ("👨‍👩‍👧", 18),
        ("🇺🇦", 8),
        ("東京", 2),
        ("𝔘", 2),  # astral, not an emoji: UTF-16 units (conservative)
        ("Cafe\u0301", 5),
    ],
)
def test_threads_counting(text: str, length: int) -> None:
    assert get_platform("threads").count(text) == length


def test_threads_allows_five_links() -> None:
    links = " ".join(f"https://example.com/{i}" for i in range(5))
    threads = get_platform("threads")
    assert threads.fits(links)
    assert not threads.fits(links + " https://example.com/6")


def test_telegram_counts_code_points() -> None:
    telegram = get_platform("telegram")
    assert telegram.count("👨‍👩‍👧") == 5
    assert telegram.count("<b>") == 3  # escaped for HTML, but counted as the reader sees it
    assert telegram.fits("a" * 4096)
    assert not telegram.fits("a" * 4097)


def test_telegram_escaping() -> None:
    assert escape_telegram_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert escape_telegram_markdown_v2(
        "1. Done-ish (ok)! #tag a_b *x* [y] ~z~ `c` > q | e = f {g} + h."
    ) == (r"1\. Done\-ish \(ok\)\! \#tag a\_b \*x\* \[y\] \~z\~ \`c\` \> q \| e \= f \{g\} \+ h\.")
    assert escape_telegram_markdown_v2("back\\slash") == "back\\\\slash"


def test_discord_escaping_keeps_links_working() -> None:
    text = "**Bold** _it_ ~x~ `c` ||s|| see https://example.com/a_b_(c)"
    assert escape_discord(text) == (
        r"\*\*Bold\*\* \_it\_ \~x\~ \`c\` \|\|s\|\| see https://example.com/a_b_(c)"
    )
    assert escape_discord("# Heading\n> quote\n- item\n1. first") == (
        "\\# Heading\n\\> quote\n\\- item\n\\1. first"
    )
    assert escape_discord("#Tag at a line start\n-5 degrees") == "#Tag at a line start\n-5 degrees"


def test_discord_counts_escaped_utf16() -> None:
    discord = get_platform("discord")
    assert discord.count("😀") == 2
    assert discord.count("a_b") == 4
    assert discord.fits("a" * 2000)
    assert not discord.fits("a" * 1999 + "_")


def test_slack_escaping_and_counting() -> None:
    assert escape_slack("Q&A <now> *kept*") == "Q&amp;A &lt;now&gt; *kept*"
    assert get_platform("slack").count("a&b") == 7


def test_linkedin_little_format() -> None:
    text = "Road_works (phase 2) at #Aldermoor: see https://example.com/a_b @noon {x} [y] <z> *~|\\"
    assert escape_linkedin(text) == (
        r"Road\_works \(phase 2\) at {hashtag|\#|Aldermoor}: see https://example.com/a\_b "
        r"\@noon \{x\} \[y\] \<z\> \*\~\|\\"
    )


def test_linkedin_counts_the_escaped_text() -> None:
    linkedin = get_platform("linkedin")
    assert linkedin.count("a_b") == 4
    assert linkedin.count("#Tag") == len(r"{hashtag|\#|Tag}")
    assert linkedin.fits("a" * 3000)
    assert not linkedin.fits("a" * 2999 + "(")


def test_webhook_counts_graphemes_and_takes_a_limit() -> None:
    webhook = get_platform("webhook", limit=10)
    assert webhook.count("👨‍👩‍👧 ok") == 4
    assert webhook.fits("a" * 10)
    assert not webhook.fits("a" * 11)
