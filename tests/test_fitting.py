"""Shortening and splitting never cut a URL, mention, hashtag or grapheme."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ComposeError
from bot.fitting import (
    MARK_END,
    MARK_START,
    fit,
    mark,
    shorten,
    shorten_marked,
    split,
    tokens,
    unmark,
)
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


def test_mark_leaves_whitespace_outside_and_the_outer_mark_wins() -> None:
    assert mark("  a b \n") == f"  {MARK_START}a b{MARK_END} \n"
    assert mark(" \n") == " \n"  # nothing to cut
    assert mark(f"x {mark('y')}") == f"{MARK_START}x y{MARK_END}"
    assert unmark(mark("a b")) == "a b"


QUOTE_POST = (
    f"“{mark('the committee will review every line of the budget')}” — Jana Novak"
    " https://example.org/b #Budget"
)


def test_shorten_marked_cuts_only_the_marked_part() -> None:
    out = shorten_marked(QUOTE_POST, fits_within(75))
    assert out is not None
    assert unmark(out) == "“the committee will review…” — Jana Novak https://example.org/b #Budget"
    assert out.count(MARK_START) == out.count(MARK_END) == 1  # still marked, to cut again


def test_shorten_marked_keeps_a_fitting_text_as_it_is() -> None:
    assert shorten_marked(QUOTE_POST, fits_within(200)) == QUOTE_POST


def test_shorten_marked_gives_up_when_not_a_word_of_the_part_fits() -> None:
    # "“the…” — Jana Novak https://example.org/b #Budget" is 49 characters.
    assert shorten_marked(QUOTE_POST, fits_within(49)) is not None
    assert shorten_marked(QUOTE_POST, fits_within(48)) is None
    assert shorten_marked("nothing marked here", fits_within(5)) is None


SECTIONS = "\n\n".join(
    [
        mark("Lede one two three four."),
        mark("Prices\n\nA return stays at 14 euros."),
        mark("Routes\n\nThree routes keep their timetable."),
        "Read more: https://example.org/x",
    ]
)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        pytest.param(
            120,
            "Lede one two three four.\n\nPrices\n\nA return stays at 14 euros.\n\n"
            "Routes\n\nThree routes…\n\nRead more: https://example.org/x",
            id="the last part is cut",
        ),
        pytest.param(
            95,
            "Lede one two three four.\n\nPrices\n\nA return stays at 14 euros.\n\n"
            "Read more: https://example.org/x",
            id="a last part without room for a word goes whole",
        ),
        pytest.param(
            70,
            "Lede one two three four.\n\nPrices\n\nA…\n\nRead more: https://example.org/x",
            id="then the part before it is cut",
        ),
        pytest.param(
            40, "Lede…\n\nRead more: https://example.org/x", id="the first part keeps a word"
        ),
    ],
)
def test_marked_parts_give_way_from_the_last(limit: int, expected: str) -> None:
    out = shorten_marked(SECTIONS, fits_within(limit))
    assert out is not None
    assert unmark(out) == expected
    assert len(unmark(out)) <= limit


def test_the_first_part_is_never_dropped() -> None:
    assert shorten_marked(SECTIONS, fits_within(38)) is None


def test_marks_that_do_not_pair_up_are_plain_text() -> None:
    text = f"{MARK_START}one two three four five six"
    assert shorten_marked(text, fits_within(15)) is None
    assert fit(text, fits_within(15)) == "one two three…"


def test_fit_cuts_the_marked_part_else_the_whole_text() -> None:
    assert unmark(fit(QUOTE_POST, fits_within(75))).startswith("“the committee will review…”")
    assert fit(QUOTE_POST, fits_within(200)) == QUOTE_POST
    # Not even a word of the quote fits: cut as a whole, keeping the link and tag.
    assert fit(QUOTE_POST, fits_within(40)) == "“the… https://example.org/b #Budget"


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
