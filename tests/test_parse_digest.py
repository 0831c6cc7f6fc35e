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


# A first line without a full stop is a headline, not the start of the lede.
HEADLINE = "Night bus network doubles in Tallinn"
FIRST_SENTENCE = "The city added twelve routes on Sunday."


@pytest.mark.parametrize(
    "text",
    [
        f"{HEADLINE}\n{FIRST_SENTENCE}\nRoutes\n- Line 5 runs until 4 am.\n",
        f"{HEADLINE}\n{FIRST_SENTENCE}\n- Line 5 runs until 4 am.\n",
        f"{HEADLINE}\r\n{FIRST_SENTENCE}\r\n\r\nRoutes\r\nLine 5 runs until 4 am.\r\n",
        "Night\u00a0bus\u00a0network doubles in Tallinn\n" + FIRST_SENTENCE,
        f"{HEADLINE}\n\n{FIRST_SENTENCE}\n",
    ],
    ids=["heading-after", "bullet-after", "crlf-blank-lines", "nbsp", "blank-line-between"],
)
def test_a_headline_line_then_a_sentence_is_title_and_lede(text: str) -> None:
    article = digest(text)
    assert (article.title, article.lede) == (HEADLINE, FIRST_SENTENCE)


@pytest.mark.parametrize(
    ("text", "title", "lede"),
    [
        # The lede may start with a name: still not glued to the headline.
        (
            "Ferry fares frozen for islanders\nKaren Lund announced the freeze on Friday.\n",
            "Ferry fares frozen for islanders",
            "Karen Lund announced the freeze on Friday.",
        ),
        # A quote opening the lede.
        (
            "Islanders cheer fare freeze\n“This keeps the island alive,” Karen Lund said.\n",
            "Islanders cheer fare freeze",
            "“This keeps the island alive,” Karen Lund said.",
        ),
    ],
    ids=["lede-starts-with-a-name", "lede-starts-with-a-quote"],
)
def test_headline_then_lede_variants(text: str, title: str, lede: str) -> None:
    article = digest(text)
    assert (article.title, article.lede) == (title, lede)


def test_a_long_first_line_without_full_stop_is_the_lede_but_not_glued_to_the_next() -> None:
    # Too long for a headline (over 90 characters), but short enough to look wrapped.
    first = (
        "The city of Tallinn added twelve night bus routes on Sunday after complaints from "
        "shift workers"
    )
    article = digest(f"{first}\nIt is the biggest change since 2004.\n- Fares stay the same.\n")
    assert article.lede == first
    assert article.sections[0].bullets == (
        "It is the biggest change since 2004.",
        "Fares stay the same.",
    )


def test_a_bullet_without_full_stop_is_not_glued_to_the_sentence_after_it() -> None:
    article = digest(
        "Port Meridian will dredge its channel.\n- Costs\n- Dredging costs 40 million\n"
        "The state pays half of it.\n- Ferries pay the rest\nMost of it comes from fares.\n"
    )
    assert article.sections[0].bullets == (
        "Dredging costs 40 million",
        "The state pays half of it.",
        "Ferries pay the rest",
        "Most of it comes from fares.",
    )


def test_a_line_stopping_on_an_article_or_preposition_goes_on() -> None:
    article = digest(
        f"{LEDE}\nThe new terminal will be built next to the\nOld Customs House by 2029.\n"
        "Funding comes from\nBrussels and the port itself.\n"
    )
    assert article.sections[0].bullets == (
        "The new terminal will be built next to the Old Customs House by 2029.",
        "Funding comes from Brussels and the port itself.",
    )


# Hard-wrapped at 70 columns; two wraps fall before a capitalised name.
WRAPPED = """\
Port Meridian will dredge its northern channel this winter so that the
larger ferries of Baltic Link can dock there from next spring, Harbour
Master Ines Duarte told the council on Monday evening after the vote.

The work costs 40 million euros, of which the state pays half and the
port borrows the rest. Council leader Karen Lund said the loan would be
repaid from docking fees within twelve years, and the opposition leader
Jonas Berg called the plan "a bet on ferries that may never come".

Next Steps
Dredging starts in November and ends in March.
The first ferry is due in April.
"""


def test_hard_wrapped_paragraphs_join_across_names_but_not_separate_lines() -> None:
    article = digest(WRAPPED)
    assert article.lede.startswith("Port Meridian will dredge")
    assert "from next spring, Harbour Master Ines Duarte told the council" in article.lede
    assert article.lede.endswith("after the vote.")
    first, steps = article.sections
    assert first.bullets == (
        "The work costs 40 million euros, of which the state pays half and the port borrows "
        "the rest. Council leader Karen Lund said the loan would be repaid from docking fees "
        "within twelve years, and the opposition leader Jonas Berg called the plan "
        '"a bet on ferries that may never come".',
    )
    # Short one-sentence lines under a heading are separate, wrapped text or not.
    assert (steps.heading, steps.bullets) == (
        "Next Steps",
        ("Dredging starts in November and ends in March.", "The first ferry is due in April."),
    )


def test_separate_sentence_lines_stay_separate_in_a_blank_line_layout() -> None:
    quotes = (
        "“We waited forty minutes in the rain,” said commuter Liis Kask.",
        "“The new timetable is much better,” driver Priit Saar said.",
        "“My shift ends at three, so this changes everything for me.”",
        "“Nobody asked the drivers first,” union chair Mart Kull added.",
    )
    facts = ("Twelve routes were added.", "Fares stay at two euros.", "Buses run every 20 minutes.")
    text = (
        f"{HEADLINE}\n\n{FIRST_SENTENCE}\n\n* What Riders Say\n"
        + "\n".join(quotes)
        + "\n\nKey Facts\n"
        + "\n".join(facts)
        + "\n"
    )
    article = digest(text)
    assert [(s.heading, s.bullets) for s in article.sections] == [
        ("What Riders Say", quotes),
        ("Key Facts", facts),
    ]
    assert [q.speaker for q in article.quotes] == ["Liis Kask", "Priit Saar", None, "Mart Kull"]


def test_a_brand_in_lower_case_starts_a_new_line_not_a_continuation() -> None:
    article = digest(f"{LEDE}\n\nKey Facts\nSales rose 4 percent.\niPhone sales fell 2 percent.\n")
    assert article.sections[0].bullets == ("Sales rose 4 percent.", "iPhone sales fell 2 percent.")
