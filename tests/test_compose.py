"""compose(): hashtag budget, threads, shortening, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.compose import ComposeOptions, compose, compose_all, hashtag_budget
from bot.errors import ComposeError
from bot.fitting import MARK_END, MARK_START
from bot.models import Article, Quote, Section
from bot.parse import parse_text
from bot.platforms import PLATFORM_NAMES, get_platform
from bot.templates import TemplateEnvironment

ENV = TemplateEnvironment()


def article(**changes: object) -> Article:
    base = {
        "id": "a1",
        "title": "Ferries freeze fares for a year",
        "lede": "The island ferry company will freeze its fares until next November.",
        "url": "https://example.org/ferries",
        "sections": (Section("Prices", ("A return stays at 14 euros.", "Children travel free.")),),
        "quotes": (Quote("Islanders should not pay for the fuel crisis twice", "Maja Holm"),),
        "hashtags": ("Ferries", "Islands", "Transport", "FuelPrices"),
    }
    base.update(changes)
    return Article(**base)  # type: ignore[arg-type]


def test_headline_has_title_link_and_budgeted_hashtags() -> None:
    plan = compose(article(), ENV.get("x", "headline"), get_platform("x"))
    assert [s.text for s in plan.segments] == [
        "Ferries freeze fares for a year\n\nhttps://example.org/ferries\n\n#Ferries #Islands"
    ]
    assert plan.segments[0].length == 31 + 2 + 23 + 2 + 17
    assert plan.segments[0].limit == 280


def test_schedule_budget_overrides_the_platform_default() -> None:
    plan = compose(
        article(), ENV.get("x", "headline"), get_platform("x"), ComposeOptions(hashtags=1)
    )
    assert plan.segments[0].text.endswith("\n\n#Ferries")
    plan = compose(
        article(), ENV.get("x", "headline"), get_platform("x"), ComposeOptions(hashtags=0)
    )
    assert "#" not in plan.segments[0].text


def test_hashtags_are_dropped_lowest_priority_first_before_shortening(tmp_path: Path) -> None:
    title = "t" * 240
    plan = compose(article(title=title, lede=title), ENV.get("x", "headline"), get_platform("x"))
    text = plan.segments[0].text
    # 240 + 2 + 23 + 2 + "#Ferries" (8) = 275 fits; "#Islands" would not.
    assert text.endswith("#Ferries")
    assert "#Islands" not in text
    assert title in text


def test_too_long_single_post_is_shortened_keeping_the_link() -> None:
    lede = " ".join(["word"] * 200)
    plan = compose(article(title=lede, lede=lede), ENV.get("x", "headline"), get_platform("x"))
    (segment,) = plan.segments
    assert segment.length <= 280
    assert "https://example.org/ferries" in segment.text
    assert "…" in segment.text
    # The text is cut anyway, so dropping hashtags would not save it: they stay.
    assert segment.text.endswith("…\n\nhttps://example.org/ferries\n\n#Ferries #Islands")


def test_thread_is_numbered_and_numbers_count() -> None:
    lede = " ".join(f"Sentence number {i} says something." for i in range(40))
    plan = compose(article(lede=lede), ENV.get("x", "thread"), get_platform("x"))
    total = len(plan.segments)
    assert total > 3
    for i, segment in enumerate(plan.segments, start=1):
        assert segment.text.endswith(f"\n{i}/{total}")
        assert segment.length <= 280
        assert get_platform("x").count(segment.text) == segment.length
    assert plan.segments[-1].text.startswith("Read more: https://example.org/ferries")


def test_no_threading_means_one_shortened_post() -> None:
    lede = " ".join(f"Sentence number {i} says something." for i in range(40))
    plan = compose(
        article(lede=lede), ENV.get("x", "thread"), get_platform("x"), ComposeOptions(thread=False)
    )
    assert len(plan.segments) == 1


def test_linkedin_joins_a_thread_into_one_post() -> None:
    plan = compose(article(), ENV.get("linkedin", "thread"), get_platform("linkedin"))
    assert len(plan.segments) == 1
    assert "• A return stays at 14 euros." in plan.segments[0].text


def test_one_post_per_quote() -> None:
    quotes = (
        Quote("First quote of four words", "A"),
        Quote("Second quote of four words", None, "«", "»"),
    )
    plans = compose_all(
        article(quotes=quotes), ENV.get("mastodon", "quote"), get_platform("mastodon")
    )
    assert [p.segments[0].text.split("\n")[0] for p in plans] == [
        "“First quote of four words” — A",
        "«Second quote of four words»",
    ]
    assert compose_all(article(quotes=()), ENV.get("x", "quote"), get_platform("x")) == []


def test_bluesky_segments_carry_facets() -> None:
    plan = compose(article(), ENV.get("bluesky", "headline"), get_platform("bluesky"))
    facets = plan.segments[0].facets
    assert [(f.type, f.value) for f in facets] == [
        ("link", "https://example.org/ferries"),
        ("tag", "Ferries"),
        ("tag", "Islands"),
        ("tag", "Transport"),
    ]


def test_a_url_longer_than_the_limit_is_a_compose_error() -> None:
    url = "https://example.org/" + "x" * 300
    with pytest.raises(ComposeError, match="link alone is longer than the limit"):
        compose(article(url=url), ENV.get("x", "headline"), get_platform("bluesky"))


def test_compose_is_deterministic() -> None:
    one = compose(article(), ENV.get("x", "thread"), get_platform("x"))
    two = compose(article(), ENV.get("x", "thread"), get_platform("x"))
    assert one == two


def test_mastodon_instance_limit_is_honoured() -> None:
    lede = " ".join(["word"] * 200)
    small = compose(article(lede=lede), ENV.get("mastodon", "headline"), get_platform("mastodon"))
    large = compose(
        article(lede=lede), ENV.get("mastodon", "headline"), get_platform("mastodon", 5000)
    )
    assert small.segments[0].length <= 500 < large.segments[0].length


NOVAK = (
    "the committee will review every single line of the budget before the summer recess, "
    "and we expect each ministry to present a clear account of its spending, its savings and "
    "its plans for the coming year, because taxpayers deserve to know where their money goes "
    "and why, and we will not accept vague answers or missing figures from anyone, whatever "
    "their rank or their department, and every report will be published in full"
)
BUDGET_URL = (
    "https://news.example.org/2026/11/parliament-budget-committee-promises-line-by-line-review"
)


def test_a_shortened_quote_keeps_its_closing_mark_speaker_link_and_hashtags() -> None:
    digest = (
        "Title: Budget committee promises a line-by-line review\n"
        f"Source: {BUDGET_URL}\n\n"
        "The budget committee will review every ministry's spending.\n\n"
        f'Finance Minister Jana Novak said: "{NOVAK}."\n\n'
        "#Budget #Parliament #Finance\n"
    )
    parsed = parse_text(digest, "digest")
    (plan,) = compose_all(parsed, ENV.get("x", "quote"), get_platform("x"))
    (segment,) = plan.segments
    quoted, rest = segment.text.split("…", 1)
    assert quoted.startswith('"the committee will review')
    assert NOVAK.startswith(quoted[1:].rstrip(","))  # cut at a word, nothing changed before
    assert rest == f'" — Jana Novak\n\n{BUDGET_URL}\n\n#Budget #Parliament'
    assert get_platform("x").count(segment.text) == segment.length <= 280


def _long_quote(limit: int) -> str:
    """A quote of whole sentences, longer than ``limit`` characters."""
    sentence = NOVAK + ". "
    return (sentence * (limit // len(sentence) + 2)).strip().rstrip(".")


@pytest.mark.parametrize("name", PLATFORM_NAMES)
def test_every_platform_cuts_only_the_quote_text(name: str) -> None:
    platform = get_platform(name)
    quote = Quote(_long_quote(platform.limit), "Jana Novak", "«", "»")
    plan = compose(article(url=BUDGET_URL), ENV.get(name, "quote"), platform, quote=quote)
    (segment,) = plan.segments
    assert platform.measure(segment.text) == (segment.length, True)
    assert MARK_START not in segment.text
    assert MARK_END not in segment.text
    budget = min(hashtag_budget(platform, ComposeOptions()), 4)
    tags = " ".join(f"#{t}" for t in article().hashtags[:budget])
    assert segment.text.endswith(f"…» — Jana Novak\n\n{BUDGET_URL}\n\n{tags}")
    kept = segment.text[1 : segment.text.index("…»")]
    assert quote.text.startswith(kept)
    assert quote.text[len(kept)] in " ,"  # cut at a word


def test_a_quote_that_fits_without_hashtags_keeps_every_word() -> None:
    # Hashtags give way when that saves the quote from being cut.
    # 228 characters: the post is 286 with two hashtags, 277 with one.
    said = ", ".join(["Islanders should not pay for the fuel crisis twice"] * 4)
    quote = Quote(said + " and they know it well", "Maja Holm")
    plan = compose(article(), ENV.get("x", "quote"), get_platform("x"), quote=quote)
    text = plan.segments[0].text
    assert text.startswith(f"“{quote.text}” — Maja Holm")
    assert text.endswith("\n\n#Ferries")


def test_the_shorten_filter_keeps_the_speaker(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "short.j2").write_text(
        "{{ quote | quote_with_speaker | shorten(60) }}\n\n{{ url }}", encoding="utf-8"
    )
    env = TemplateEnvironment([tmp_path])
    quote = Quote(NOVAK, "Jana Novak")
    plan = compose(article(), env.get("x", "short"), get_platform("x"), quote=quote)
    assert plan.segments[0].text == (
        "“the committee will review every single line…” — Jana Novak\n\nhttps://example.org/ferries"
    )


def test_a_very_long_title_keeps_the_link_and_hashtags() -> None:
    title = " ".join(f"title{i}" for i in range(120))
    plan = compose(article(title=title), ENV.get("x", "headline"), get_platform("x"))
    text = plan.segments[0].text
    assert text.startswith("title0 title1 ")
    assert text.endswith("…\n\nhttps://example.org/ferries\n\n#Ferries #Islands")
    assert plan.segments[0].length <= 280


def test_a_very_long_lede_is_cut_below_its_title() -> None:
    lede = " ".join(f"lede{i}" for i in range(1200))
    plan = compose(article(lede=lede), ENV.get("telegram", "headline"), get_platform("telegram"))
    text = plan.segments[0].text
    assert text.startswith("Ferries freeze fares for a year\n\nlede0 lede1 ")
    assert text.endswith("…\n\nhttps://example.org/ferries\n\n#Ferries #Islands #Transport")
    assert plan.segments[0].length <= 4096


def test_a_thread_made_one_post_keeps_read_more_and_loses_its_last_sections_first() -> None:
    lede = "The island ferry company will freeze its fares until next November. " * 3
    sections = (
        Section("Prices", ("A return stays at 14 euros.", "Children travel free.")),
        Section("Routes", ("Three routes keep their timetable.",)),
    )
    plan = compose(
        article(lede=lede.strip(), sections=sections),
        ENV.get("x", "thread"),
        get_platform("x"),
        ComposeOptions(thread=False),
    )
    (segment,) = plan.segments
    assert segment.text == (
        f"{lede.strip()}\n\nPrices\n\nA return…\n\n"
        "Read more: https://example.org/ferries\n\n#Ferries #Islands"
    )
    assert segment.length <= 280
