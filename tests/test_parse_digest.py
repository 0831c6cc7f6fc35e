"""The digest rules, one test (or table) per rule of the parser."""

from __future__ import annotations

import pytest

from bot.models import Article
from bot.parse import parse_text


def digest(text: str) -> Article:
    return parse_text(text, "digest", "test.txt")


def headings(article: Article) -> list[str | None]:
    return [s.heading for s in article.sections]


LEDE = (
    "The harbour authority of Port Meridian approved a plan to dredge the northern channel "
    "on Monday, allowing larger ferries to dock, but it delayed a vote on the new terminal."
)


def test_first_paragraph_is_the_lede_and_title_is_its_main_clause() -> None:
    article = digest(LEDE + "\nThe plan costs 40 million.\n")
    assert article.lede == LEDE
    # The main clause ("... to dock") is 129 characters: cut at its last comma.
    assert article.title == (
        "The harbour authority of Port Meridian approved a plan to dredge the northern "
        "channel on Monday"
    )
    assert len(article.title) <= 120


@pytest.mark.parametrize(
    ("lede", "title"),
    [
        # A leading participle clause is not the main clause.
        (
            "Speaking to reporters in Oslo, the minister confirmed that fuel taxes will rise in "
            "January.",
            "The minister confirmed that fuel taxes will rise in January",
        ),
        # Cut before a relative clause.
        (
            "Voters in Lisbon backed a ban on new short-term rentals, which the city council "
            "had proposed in the spring.",
            "Voters in Lisbon backed a ban on new short-term rentals",
        ),
        # Too long even as a main clause: office titles before names go first.
        (
            "Brazilian President Luiz Inácio Lula da Silva has expressed that he is ready to "
            "host talks with Argentine President Javier Milei in Brasília next month.",
            "Luiz Inácio Lula da Silva has expressed that he is ready to host talks with Javier "
            "Milei in Brasília next month",
        ),
        # An abbreviation does not end the first sentence.
        (
            "The U.S. Senate passed the bill on Friday. It now goes to the House.",
            "The U.S. Senate passed the bill on Friday",
        ),
    ],
)
def test_title_derivation(lede: str, title: str) -> None:
    assert digest(lede).title == title


def test_title_never_exceeds_120_characters() -> None:
    lede = " ".join(["word"] * 80) + "."
    title = digest(lede).title
    assert len(title) <= 120
    assert title.endswith("…")


def test_a_given_title_wins() -> None:
    assert digest("Title: Ferries Get Bigger\n" + LEDE).title == "Ferries Get Bigger"
    # A first line that reads as a headline, followed by the text, is the title.
    article = digest("Port Meridian Approves Dredging\n\n" + LEDE)
    assert article.title == "Port Meridian Approves Dredging"
    assert article.lede == LEDE


@pytest.mark.parametrize(
    ("line", "is_heading"),
    [
        ("- Talks Possible, But Conditions Apply", True),
        ("• A Political Resolution Is Still Within Reach", True),
        ("* Focus on Rights, Not Land Grab", True),
        ("Trump’s Frustration and Peace Push", True),
        ("1. Launch Went Smoothly", True),
        ("KEY FIGURES", True),
        ("- Next Steps:", True),
        ("- The ferry will run twice a day from March.", False),  # a sentence
        ("- Prices Rose Sharply.", False),  # sentence-ending punctuation
        ("- the council has not decided yet", False),  # not capitalised
        ("- Engineers will replace the deck in sections and repaint the towers", False),
        ("- “Every Word Here Is Capitalised In This Quote,” he said", False),
    ],
)
def test_headings_versus_bullets(line: str, is_heading: bool) -> None:
    article = digest(f"{LEDE}\n{line}\n- A bullet that follows the line above it.\n")
    expected = line.lstrip("-•* 0123456789.").rstrip(":")
    if is_heading:
        assert headings(article) == [expected]
    else:
        assert expected not in headings(article)
        assert any(expected.split()[1] in b for s in article.sections for b in s.bullets)


def test_plain_paragraphs_after_the_lede_are_bullets_of_the_current_section() -> None:
    article = digest(
        f"{LEDE}\nA paragraph before any heading.\n- The Channel\nA paragraph under it.\n"
        "- And a bullet under it.\n"
    )
    assert [(s.heading, s.bullets) for s in article.sections] == [
        (None, ("A paragraph before any heading.",)),
        ("The Channel", ("A paragraph under it.", "And a bullet under it.")),
    ]


def test_repeated_heading_collapses_and_empty_bullets_are_dropped_in_order() -> None:
    article = digest(
        f"{LEDE}\n- Costs And Funding\n- The grant covers half.\n-\n- Costs And Funding\n"
        "- Loans cover the rest.\n•\n- What Happens Next\n- Work starts in May.\n"
    )
    assert [(s.heading, s.bullets) for s in article.sections] == [
        ("Costs And Funding", ("The grant covers half.", "Loans cover the rest.")),
        ("What Happens Next", ("Work starts in May.",)),
    ]


def test_repeated_heading_with_different_case_or_punctuation_collapses() -> None:
    article = digest(f"{LEDE}\n- Costs and Funding\n- One.\n- Costs And Funding:\n- Two.\n")
    assert headings(article) == ["Costs and Funding"]


def test_hard_wrapped_paragraphs_are_joined() -> None:
    article = digest(
        "The harbour authority approved a plan to dredge the northern\n"
        "channel on Monday, allowing larger ferries to dock.\n\n"
        "Work will begin in March and last\nuntil the autumn.\n"
    )
    assert article.lede.startswith(
        "The harbour authority approved a plan to dredge the northern channel"
    )
    assert article.sections[0].bullets == ("Work will begin in March and last until the autumn.",)


def test_whitespace_is_normalised_but_typography_is_kept() -> None:
    text = (
        "The\u00a0mayor\u200b said the “new” bridge—finished early—cost €3\u202fm…\r\n"
        "- It opens on\tFriday.\r\n"
    )
    article = digest(text)
    assert article.lede == "The mayor said the “new” bridge—finished early—cost €3 m…"
    assert article.sections[0].bullets == ("It opens on Friday.",)


def test_emoji_joiners_survive_normalisation() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    article = digest(f"Families {family} queued all night for tickets to the opening.")
    assert family in article.lede


def test_url_and_published_metadata_lines() -> None:
    article = digest(
        f"Source: https://example.org/a?b=1\nPublished: 2026-11-20T08:00:00+01:00\n{LEDE}\n"
    )
    assert article.url == "https://example.org/a?b=1"
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2026-11-20T08:00:00+01:00"
    assert article.lede == LEDE
