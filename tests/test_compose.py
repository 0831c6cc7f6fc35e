"""compose(): hashtag budget, threads, shortening, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.compose import ComposeOptions, compose, compose_all
from bot.errors import ComposeError
from bot.models import Article, Quote, Section
from bot.platforms import get_platform
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
