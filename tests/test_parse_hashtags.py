"""Hashtags: closing line, inline tags, deduplication and order."""

from __future__ import annotations

import pytest

from bot.parse import parse_text
from bot.parse.hashtags import hashtag_line, inline_tags, split_trailing_tags

LEDE = "The regional rail strike ended on Thursday after a 36-hour walkout."


def tags(text: str) -> tuple[str, ...]:
    return parse_text(f"{LEDE}\n{text}", "digest", "t").hashtags


def test_closing_line_and_inline_tags_in_order_of_first_appearance() -> None:
    assert tags("- Trains run again on #Line4 from Friday.\n#Rail #Strike #line4 #Unions") == (
        "Line4",
        "Rail",
        "Strike",
        "Unions",
    )


def test_first_spelling_wins_case_insensitively() -> None:
    assert tags("#RailStrike #railstrike #RAILSTRIKE #Trains") == ("RailStrike", "Trains")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#a #b", ["a", "b"]),
        ("Tags: #Rail, #Strike", ["Rail", "Strike"]),
        ("Hashtags: #Düsseldorf · #東京 | #Kyiv", ["Düsseldorf", "東京", "Kyiv"]),
        ("Tags: Rail Strike, Unions", ["RailStrike", "Unions"]),
        ("#Rail and more text", None),
        ("The #1 problem", None),
        ("#2026", None),
    ],
)
def test_hashtag_lines(line: str, expected: list[str] | None) -> None:
    assert hashtag_line(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read https://example.org/page#section now", []),
        ("HTML &#39; entity and a#b glued", []),
        ("Numbers #2026 are not tags but #COP30 is", ["COP30"]),
        ("Scripts: #Україна #東京 #São_Paulo.", ["Україна", "東京", "São_Paulo"]),
        ("(#inBrackets) and “#quoted”", ["inBrackets", "quoted"]),
    ],
)
def test_inline_tags(text: str, expected: list[str]) -> None:
    assert inline_tags(text) == expected


def test_hashtag_line_is_not_a_bullet() -> None:
    article = parse_text(f"{LEDE}\n- Trains run again.\n#Rail #Strike", "digest", "t")
    assert article.sections[0].bullets == ("Trains run again.",)


@pytest.mark.parametrize(
    ("line", "text", "tags"),
    [
        (
            "Data is open. Tags: #Glaciers #ClimateChange",
            "Data is open.",
            ["Glaciers", "ClimateChange"],
        ),
        ("Data is open! #Glaciers", "Data is open!", ["Glaciers"]),
        ("“It is done.” #Done", "“It is done.”", ["Done"]),
        # Tags inside running text are words of the sentence: they stay.
        ("The #Glaciers survey is open.", "The #Glaciers survey is open.", []),
        ("Data is open. Then #Glaciers melt.", "Data is open. Then #Glaciers melt.", []),
        ("No sentence end #Glaciers", "No sentence end #Glaciers", []),
    ],
)
def test_split_trailing_tags(line: str, text: str, tags: list[str]) -> None:
    assert split_trailing_tags(line) == (text, tags)


def test_trailing_tag_run_leaves_the_bullet_and_joins_the_hashtags() -> None:
    article = parse_text(
        "Lede of the story, told in one sentence.\n\n"
        "Next Steps\n\n"
        "The team will publish its data openly. Tags: #Glaciers #Alps\n",
        "digest",
    )
    assert article.sections[-1].bullets[-1] == "The team will publish its data openly."
    assert article.hashtags[:2] == ("Glaciers", "Alps")


@pytest.mark.parametrize("marker", ["- ", "• ", "* ", "1. ", "– "])
def test_a_closing_hashtag_line_with_a_list_marker_is_only_hashtags(marker: str) -> None:
    article = parse_text(
        f"{LEDE}\n- Talks\n- Unions meet the operator on Monday.\n"
        f"{marker}#Rail #Streik #night_trains #Łódź #鉄道\n",
        "digest",
        "t",
    )
    assert [(s.heading, s.bullets) for s in article.sections] == [
        ("Talks", ("Unions meet the operator on Monday.",))
    ]
    assert article.hashtags == ("Rail", "Streik", "night_trains", "Łódź", "鉄道")


def test_a_marked_labelled_tag_line_and_a_marked_heading_with_a_tag() -> None:
    article = parse_text(
        f"{LEDE}\n- #Rail Update\n- Trains run again.\n• Tags: Rail Strike, Unions\n", "digest", "t"
    )
    assert [(s.heading, s.bullets) for s in article.sections] == [
        ("#Rail Update", ("Trains run again.",))
    ]
    assert article.hashtags == ("Rail", "RailStrike", "Unions")
