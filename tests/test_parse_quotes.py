"""Quotes of four words or more, and who said them."""

from __future__ import annotations

import pytest

from bot.models import Article
from bot.parse import parse_text

LEDE = (
    "Environment minister Clara Voss presented the new coastal protection plan in Bremen on Monday."
)


def quotes(text: str) -> list[tuple[str, str | None]]:
    article: Article = parse_text(f"{LEDE}\n{text}", "digest", "test.txt")
    return [(q.text, q.speaker) for q in article.quotes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # X said / stated / told / added / noted / warned, after the quote
        (
            "“The dunes are our first line of defence,” Voss said.",
            [("The dunes are our first line of defence", "Voss")],
        ),
        (
            "“We will not wait for the next storm surge,” Voss warned on Tuesday.",
            [("We will not wait for the next storm surge", "Voss")],
        ),
        (
            "“Every island gets its own plan this time,” Voss told reporters.",
            [("Every island gets its own plan this time", "Voss")],
        ),
        # said X
        (
            "“The sea level data leaves no doubt at all,” said Jonas Mertens.",
            [("The sea level data leaves no doubt at all", "Jonas Mertens")],
        ),
        # a title plus name, after the verb and before it
        (
            "“The plan finally funds the small harbours too,” said harbour association chair "
            "Tomas Keller.",
            [("The plan finally funds the small harbours too", "Tomas Keller")],
        ),
        (
            "“The plan finally funds the small harbours too,” association chair Tomas Keller "
            "added.",
            [("The plan finally funds the small harbours too", "Tomas Keller")],
        ),
        # X: “…”
        (
            "Mertens: “The sea level data leaves no doubt at all.”",
            [("The sea level data leaves no doubt at all", "Mertens")],
        ),
        # according to X
        (
            "“Construction starts before the summer season,” according to planner Ida Brandt.",
            [("Construction starts before the summer season", "Ida Brandt")],
        ),
        (
            "According to Ida Brandt, “construction starts before the summer season.”",
            [("construction starts before the summer season", "Ida Brandt")],
        ),
        # X stated, “…” on one line
        (
            "Voss stated, “We have learned from the floods of the last decade.”",
            [("We have learned from the floods of the last decade", "Voss")],
        ),
        # A dash attribution
        (
            "“Protecting the coast protects the whole region.” — Clara Voss",
            [("Protecting the coast protects the whole region", "Clara Voss")],
        ),
    ],
)
def test_attribution_forms(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert quotes(text) == expected


def test_quote_on_the_line_after_x_stated() -> None:
    assert quotes(
        "Mertens stated,\n“The sea level data leaves no doubt at all.” He left early."
    ) == [("The sea level data leaves no doubt at all", "Mertens")]


def test_pronoun_resolves_to_the_last_person_named_as_subject_or_speaker() -> None:
    text = (
        "Voss stressed that the plan had been agreed with the islands and with Jonas Mertens.\n"
        "- “This is the most expensive plan we have ever made,” she said.\n"
        "- “It will pay for itself within one bad winter,” said Jonas Mertens.\n"
        "- “We ran the numbers three times to be sure,” he added.\n"
    )
    # Mertens is named as an object first: that does not make "she" him.
    assert quotes(text) == [
        ("This is the most expensive plan we have ever made", "Voss"),
        ("It will pay for itself within one bad winter", "Jonas Mertens"),
        ("We ran the numbers three times to be sure", "Jonas Mertens"),
    ]


def test_pronoun_does_not_resolve_to_a_place() -> None:
    text = (
        "Voss noted that Hamburg will only join if the federal money arrives.\n"
        "- “We need the money before the spring tides,” she said.\n"
    )
    assert quotes(text) == [("We need the money before the spring tides", "Voss")]


def test_pronoun_with_nobody_named_gives_no_speaker() -> None:
    article = parse_text("“We need the money before the spring tides,” she said.", "digest", "t")
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("We need the money before the spring tides", None)
    ]


def test_run_together_words_are_repaired_and_name_the_speaker() -> None:
    article = parse_text(
        f"{LEDE}\nThe islands opposed the planVoss stated,\n"
        "“We will listen to every island council.”\n",
        "digest",
        "t",
    )
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("We will listen to every island council", "Voss")
    ]
    assert "the plan Voss stated," in article.sections[0].bullets[0]


def test_brand_names_are_not_split() -> None:
    article = parse_text(
        "Sales of the iPhone and eBay listings rose in YouTube videos.", "digest", "t"
    )
    assert article.lede == "Sales of the iPhone and eBay listings rose in YouTube videos."


@pytest.mark.parametrize(
    ("text", "quote", "marks"),
    [
        ("“The dunes are our first line,” Voss said.", "The dunes are our first line", ("“", "”")),
        ('"The dunes are our first line," Voss said.', "The dunes are our first line", ('"', '"')),
        ("«Les dunes sont notre défense», a dit Voss.", "Les dunes sont notre défense", ("«", "»")),
        ("„Die Dünen schützen uns alle“, sagte Voss.", "Die Dünen schützen uns alle", ("„", "“")),
    ],
)
def test_quote_marks(text: str, quote: str, marks: tuple[str, str]) -> None:
    article = parse_text(f"{LEDE}\n{text}", "digest", "t")
    assert [(q.text, q.speaker, q.open_mark, q.close_mark) for q in article.quotes] == [
        (quote, "Voss", *marks)
    ]


def test_short_quotes_are_not_quotes() -> None:
    assert quotes("Critics called the plan “too little” and “far too late”, Voss said.") == []


def test_quote_text_has_no_marks_and_no_trailing_comma_or_full_stop() -> None:
    assert quotes("“Is this really the best we can do for the islands?” Voss asked.") == [
        ("Is this really the best we can do for the islands?", "Voss")
    ]
    assert quotes("“We will see what the winter brings...” Voss said.") == [
        ("We will see what the winter brings...", "Voss")
    ]


def test_a_quote_interrupted_by_its_attribution_is_one_quote() -> None:
    assert quotes("“We will build the dikes first,” Voss said, “and the dunes after that.”") == [
        ("We will build the dikes first, and the dunes after that", "Voss")
    ]


def test_speaker_is_never_a_pronoun() -> None:
    found = quotes(
        "- “We will build the dikes first,” he said.\n- “And then the dunes come next,” she said.\n"
    )
    assert all(speaker not in ("he", "she", "they", "He", "She") for _, speaker in found)


# A role, then the holder's name set off by commas: the name is the speaker.
SURVEY = "The dune survey is finished for this winter"


@pytest.mark.parametrize(
    "text",
    [
        f"The island warden, Ines Holm, said: “{SURVEY}.”",
        f"The island warden, Ines Holm, warned: «{SURVEY}.»",
        f'"{SURVEY}," the island warden, Ines Holm, said.',
        f"„{SURVEY}“, the island’s warden, Ines Holm, added on Friday.",
        f"Her deputy, Ines Holm, told reporters: “{SURVEY}.”",
        # A capitalised word in the role is not the speaker.
        f"The Amrum warden, Ines Holm, said: “{SURVEY}.”",
        f"Amrum’s chief warden, Ines Holm, stated,\n“{SURVEY}.”",
        # The sentence before the quote names her.
        f"The island warden, Ines Holm, said the count was done. “{SURVEY}.”",
    ],
)
def test_a_name_in_apposition_to_a_role_is_the_speaker(text: str) -> None:
    assert quotes(text) == [(SURVEY, "Ines Holm")]


def test_a_name_in_apposition_is_the_subject_for_pronouns_and_roles() -> None:
    text = (
        "- The park director, Ines Holm, inspected the dunes with Jonas Mertens.\n"
        f"- “{SURVEY},” she said.\n"
        "- “Every island will get the same help this time,” the director said.\n"
    )
    assert quotes(text) == [
        (SURVEY, "Ines Holm"),
        ("Every island will get the same help this time", "Ines Holm"),
    ]


def test_forms_around_an_appositive_that_already_worked_still_do() -> None:
    assert quotes(f"Holm, the island warden, warned: “{SURVEY}.”") == [(SURVEY, "Holm")]
    assert quotes(f"After the count, Ines Holm, the warden, said: “{SURVEY}.”") == [
        (SURVEY, "Ines Holm")
    ]
    # A place between commas is no speaker, and a role alone names nobody.
    assert quotes(f"In Wyk, the warden said: “{SURVEY}.”") == [(SURVEY, None)]
