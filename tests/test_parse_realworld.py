"""Rules added for the habits of real digests: attributions, names, titles, lines."""

from __future__ import annotations

import pytest

from bot.models import Article
from bot.parse import parse_text

LEDE = "The regional council met in Bergen on Monday to decide the budget."


def parse(text: str, lede: str = LEDE) -> Article:
    return parse_text(f"{lede}\n{text}", "digest", "t.txt")


def speakers(text: str) -> list[str | None]:
    return [q.speaker for q in parse(text).quotes]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "- Ingrid Solheim, a council veteran, added: “The budget has to balance this year.”",
            "Ingrid Solheim",
        ),
        (
            "- Ingrid Solheim, who has chaired the council since 2019, wrote: “We cannot borrow again.”",
            "Ingrid Solheim",
        ),
        (
            "- Solheim said the regional economy was “in far better shape than anyone expected”.",
            "Solheim",
        ),
        (
            "- Solheim told the local paper later that the vote was “a turning point for the whole region”.",
            "Solheim",
        ),
        (
            "- “Europe must stand together in this,” said Ursula von der Leyen.",
            "Ursula von der Leyen",
        ),
        (
            "- “It was a dream for any young curator,” Rafael de la Fuente said.",
            "Rafael de la Fuente",
        ),
        ("- “We reject any foreign interference here,” Bashar al-Assad said.", "Bashar al-Assad"),
        ("- “The law is clear on this point,” Secretary of State Anna Holm said.", "Anna Holm"),
        (
            "- “Every minute counts in a crisis,” UN Secretary-General Tomas Berg said.",
            "Tomas Berg",
        ),
        (
            "- Ingrid Solheim in her closing speech: “We will not cut the ferries.”",
            "Ingrid Solheim",
        ),
        ('- “Mixed quote marks are still a quote", Solheim said.', "Solheim"),
    ],
)
def test_attribution_forms_of_real_digests(text: str, speaker: str) -> None:
    assert speakers(text) == [speaker]


def test_a_continued_quote_keeps_its_speaker() -> None:
    text = "- “We will hold the line on taxes,” Solheim said. “Nobody should pay more next year.”"
    assert speakers(text) == ["Solheim", "Solheim"]


def test_a_quote_after_a_said_sentence_gets_that_speaker() -> None:
    text = "- Solheim said the offer was not enough. “We expected far more from the ministry.”"
    assert speakers(text) == ["Solheim"]


def test_pronouns_agree_in_gender() -> None:
    text = (
        "- Mayor Maria Lind said the town was cut off. Fire chief Jonas Berg said crews were still out.\n"
        "- “We were left alone for hours and hours,” she said.\n"
        "- “Every crew has been working since midnight,” he said.\n"
    )
    assert speakers(text) == ["Maria Lind", "Jonas Berg"]


def test_a_subject_after_role_words_or_an_interjection_counts() -> None:
    text = (
        "- Council leader Maria Lind said costs were rising.\n"
        "- Ferry company chief executive Jonas Berg said fares would rise. “Passengers will pay a little more,” he said.\n"
        "- Lind, however, rejected the fare rise. “That is not acceptable to us,” she said.\n"
    )
    assert speakers(text) == ["Jonas Berg", "Lind"]


def test_a_role_resolves_to_the_person_with_that_role() -> None:
    text = (
        "- Finance Minister Anna Holm presented the figures. Opposition leader Tomas Berg criticised them.\n"
        "- “These numbers show real progress for families,” the minister said.\n"
    )
    assert speakers(text) == ["Anna Holm"]


def test_they_is_not_resolved_to_a_person() -> None:
    assert speakers(
        "- Officers said the road was closed. “We are still searching the area,” they said."
    ) == [None]


def test_a_capitalised_word_before_a_colon_is_not_a_speaker() -> None:
    text = "- Solheim thanked the voters on Facebook: “Every single vote counted this time.”"
    assert speakers(text) == ["Solheim"]


@pytest.mark.parametrize(
    ("lede", "title"),
    [
        (
            "Floods swept through the valley overnight, killing at least nine people and cutting power.",
            "Floods swept through the valley overnight",
        ),
        (
            "The airline will cut 800 jobs across Europe, the company announced on Friday, joining other carriers.",
            "The airline will cut 800 jobs across Europe",
        ),
        (
            "The Central Bank, which has raised rates ten times since 2022, cut its main rate on Thursday.",
            "The Central Bank cut its main rate on Thursday",
        ),
        (
            "Nordwind said on Wednesday it would close two plants, as demand for its turbines fell.",
            "Nordwind said on Wednesday it would close two plants",
        ),
        (
            "BERGEN (NTB) - The regional council approved the ferry budget on Monday.",
            "The regional council approved the ferry budget on Monday",
        ),
        (
            "Council leader Maria Lind — facing a revolt in her party — withdrew the plan on Tuesday.",
            "Council leader Maria Lind withdrew the plan on Tuesday",
        ),
        (
            "Shares in Norse Air, Fjordline, and Polar Jet fell sharply on Monday after fuel prices rose.",
            "Shares in Norse Air, Fjordline, and Polar Jet fell sharply on Monday after fuel prices rose",
        ),
        (
            "On Jan. 6 the committee released its final report on the storm damage.",
            "On Jan. 6 the committee released its final report on the storm damage",
        ),
        (
            "Climbers reached the summit of Mt. Everest on Tuesday despite strong winds.",
            "Climbers reached the summit of Mt. Everest on Tuesday despite strong winds",
        ),
        (
            "Speaking in Oslo on Monday, the minister confirmed that ferry fares will rise.",
            "The minister confirmed that ferry fares will rise",
        ),
    ],
)
def test_titles_of_real_ledes(lede: str, title: str) -> None:
    assert parse("", lede=lede).title == title


def test_separators_bylines_and_language_lines() -> None:
    article = parse(
        "By Maria Lind, Bergen correspondent\nLanguage: Norwegian\n***\n- The vote passed 30 to 11.\n* * *\n———\n"
    )
    assert article.sections[0].bullets == ("The vote passed 30 to 11.",)
    assert article.language == "nb"


def test_a_dash_attribution_line_belongs_to_the_quote_above() -> None:
    article = parse(
        "- Reactions\n“We did everything we could this season.”\n— Jonas Berg\n- Another bullet here."
    )
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("We did everything we could this season", "Jonas Berg")
    ]
    assert (
        article.sections[0].bullets[0] == "“We did everything we could this season.” — Jonas Berg"
    )


def test_a_hyphen_bullet_after_a_quote_is_not_an_attribution() -> None:
    article = parse(
        "- “We did everything we could this season.”\n- Next Steps\n- The club meets in March."
    )
    assert [s.heading for s in article.sections] == [None, "Next Steps"]


def test_emoji_bullets_and_sentence_like_lines() -> None:
    article = parse(
        "🔹 Match Summary\n🔹 The home side scored twice in the second half.\n"
        "- Council Leader Maria Lind and Mayor Jonas Berg met in Bergen on Friday\n"
    )
    assert [(s.heading, len(s.bullets)) for s in article.sections] == [("Match Summary", 2)]


def test_said_line_followed_by_the_quote() -> None:
    article = parse(
        "- Reactions\nLind said after the vote\n“This is the best budget in a decade.”\n"
    )
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("This is the best budget in a decade", "Lind")
    ]
    assert [s.heading for s in article.sections] == ["Reactions"]


def test_hard_wrapped_paragraph_that_wraps_at_a_sentence_end() -> None:
    text = (
        "The regional council met in Bergen on Monday to decide the budget for the\n"
        "coming year. Members argued for hours about the ferries.\n"
        "The vote was close.\n\n"
        "The Ferries\n"
        "The ferry budget grows by four percent, the first rise in a decade and a\n"
        "relief for islanders.\n"
    )
    article = parse_text(text, "digest", "t.txt")
    assert article.lede.endswith("The vote was close.")
    assert [(s.heading, len(s.bullets)) for s in article.sections] == [("The Ferries", 1)]


def test_wrapped_line_before_a_heading_is_not_joined_to_it() -> None:
    text = (
        "The regional council met in Bergen on Monday to decide the budget.\n\n"
        "The Ceremony\n"
        "The award was presented in the old town hall by last year’s winner\n"
        "Maria Lind\n"
        "Jury Verdict\n"
        "The jury praised the bold design and its respect for the old harbour.\n"
    )
    article = parse_text(text, "digest", "t.txt")
    assert [s.heading for s in article.sections] == ["The Ceremony", "Jury Verdict"]


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("#Covid-19 #Health", ["Covid", "Health"]),
        ("📌 #Economy #Markets", ["Economy", "Markets"]),
        ("#Bergen#Ferries#Budget", ["Bergen", "Ferries", "Budget"]),
        ("#Earthquake #Gaza\u200f", ["Earthquake", "Gaza"]),
        ("#Ferries #Budget.", ["Ferries", "Budget"]),
        ("\u200e#زلزله #زلزله\u200cترکیه", ["زلزله", "زلزله\u200cترکیه"]),
    ],
)
def test_closing_hashtag_lines_of_real_digests(line: str, tags: list[str]) -> None:
    assert list(parse(f"- A bullet here.\n{line}").hashtags) == tags


def test_tags_keep_document_order_including_a_leading_tag_line_and_headings() -> None:
    article = parse_text(
        f"#Breaking\n{LEDE}\n- #Ferries Update\n- Fares #Rise.\n#Bergen", "digest", "t"
    )
    assert article.hashtags == ("Breaking", "Ferries", "Rise", "Bergen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- Norse Air said fares will rise, and Norse Air said more.",
            "Norse Air said fares will rise",
        ),
        ("- The fjordAir board said nothing; fjordAir said more.", "fjordAir"),  # a brand, twice
        ("- Tags like #ferryNews stay as they are.", "#ferryNews"),
        ("- Lind spoke first. Talks ended in BergenLind said later.", "Bergen, Lind said"),
    ],
)
def test_glue_repair_leaves_brands_and_tags(text: str, expected: str) -> None:
    article = parse(text, lede="Maria Lind and the mayor of Bergen met on Monday.")
    assert expected in " ".join(article.sections[0].bullets)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("3 March 2026 | 10:45", "2026-03-03T10:45:00+00:00"),
        ("March 3, 2026 10:45 CET", "2026-03-03T10:45:00+01:00"),
        ("2026-03-03 10:45", "2026-03-03T10:45:00+00:00"),
        ("Tue, 03 Mar 2026 10:45:00 +0200", "2026-03-03T10:45:00+02:00"),
        ("2 hours ago", None),
    ],
)
def test_published_lines(value: str, iso: str | None) -> None:
    article = parse_text(f"Published: {value}\n{LEDE}", "digest", "t")
    assert (article.published_at.isoformat() if article.published_at else None) == iso


def test_only_a_headline() -> None:
    article = parse_text("Council Approves Ferry Budget", "digest", "t")
    assert (article.title, article.lede) == (
        "Council Approves Ferry Budget",
        "Council Approves Ferry Budget",
    )
