"""Templates: sandbox, strict variables with file:line errors, filters, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import TemplateError
from bot.fitting import MARK_END, MARK_START, unmark
from bot.models import Article, Quote, Section
from bot.templates import (
    Tags,
    TemplateEnvironment,
    camel,
    hashtags_filter,
    quote_with_speaker,
    split_segments,
)

ARTICLE = Article(
    id="a1",
    title="Ferries freeze fares",
    lede="The island ferry company freezes its fares for a year.",
    url="https://example.org/ferries",
    sections=(Section("Prices", ("A return stays at 14 euros.",)),),
    quotes=(Quote("Islanders should not pay twice", "Maja Holm", "„", "“"),),
    hashtags=("Ferries", "Islands", "Transport"),
)


def render(tmp_path: Path, source: str, name: str = "t", platform: str = "x") -> str:
    folder = tmp_path / platform
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.j2").write_text(source, encoding="utf-8")
    env = TemplateEnvironment([tmp_path])
    from bot.templates import article_context

    template = env.get(platform, name)
    context = {
        "article": article_context(ARTICLE),
        "platform": {"name": platform, "limit": 280},
        "hashtags": Tags(["Ferries", "Islands"]),
        "url": ARTICLE.url,
        "quote": {"text": "Q text here", "speaker": "Someone", "open": "“", "close": "”"},
    }
    return template.render(context, lambda text, n: text[:n])


def test_unknown_variable_names_file_line_and_variable(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as info:
        render(tmp_path, "line one\n{{ article.titel }}\n")
    assert str(info.value) == (
        f"{tmp_path / 'x' / 't.j2'}:2: unknown variable: 'dict object' has no attribute 'titel'"
    )


def test_unknown_top_level_variable(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"t\.j2:3: unknown variable: 'nope' is undefined"):
        render(tmp_path, "a\n\n{{ nope }}\n")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"t\.j2:2: syntax error: "):
        render(tmp_path, "ok\n{% if %}\n")


def test_sandbox_refuses_unsafe_access(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="t.j2:1"):
        render(tmp_path, "{{ article.__class__.__mro__ }}{{ ''.__class__.__subclasses__() }}")


def test_none_prints_as_nothing(tmp_path: Path) -> None:
    assert render(tmp_path, "[{{ article.published }}]") == "[]"


def test_filters(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        "{{ article.hashtags | hashtags(2) }}|{{ 'climate change' | camel }}|"
        "{{ quote | quote_with_speaker }}|{{ 'abcdef' | shorten(3) }}|{{ hashtags }}",
    )
    # The quote's text carries the marks of a shortenable part; compose removes them.
    assert out == (
        f"#Ferries #Islands|#ClimateChange|“{MARK_START}Q text here{MARK_END}” — Someone|abc|"
        "#Ferries #Islands"
    )
    assert unmark(out) == (
        "#Ferries #Islands|#ClimateChange|“Q text here” — Someone|abc|#Ferries #Islands"
    )


def test_shortenable_marks_text_and_block_but_not_their_whitespace(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        "{{ ' lede ' | shortenable }}|{{ '  ' | shortenable }}|"
        "{% filter shortenable %}\n{{ article.title }}\n\n{% endfilter %}|"
        "{{ quote | quote_with_speaker | shortenable }}",
    )
    assert out == (
        f" {MARK_START}lede{MARK_END} |  |{MARK_START}Ferries freeze fares{MARK_END}\n\n|"
        f"{MARK_START}“Q text here” — Someone{MARK_END}"
    )


def test_filter_functions() -> None:
    assert camel("new  sleeper-train routes") == "#NewSleeperTrainRoutes"
    assert camel("") == ""
    assert hashtags_filter(["#A", "B", "C"], 2) == "#A #B"
    assert quote_with_speaker(ARTICLE.quotes[0]) == "„Islanders should not pay twice“ — Maja Holm"
    assert quote_with_speaker(Quote("No one said this", None)) == "“No one said this”"
    assert str(Tags([])) == ""


def test_segment_breaks() -> None:
    assert split_segments("one\n---\ntwo\n  ---  \nthree\n---\n") == ["one", "two", "three", ""]
    assert split_segments("a---b\n--- not a break") == ["a---b\n--- not a break"]
    assert split_segments("a\n\n\n\n b  \n\nc") == ["a\n\n b\n\nc"]


def test_user_folder_overrides_defaults_by_name(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "headline.j2").write_text("custom {{ article.title }}", encoding="utf-8")
    env = TemplateEnvironment([tmp_path])
    assert env.get("x", "headline").path.endswith("x/headline.j2")
    assert not env.get("x", "headline").path.startswith("(built-in)")
    assert env.get("x", "thread").path == "(built-in) x/thread.j2"
    assert env.get("mastodon", "headline").path == "(built-in) mastodon/headline.j2"


def test_platform_independent_template(tmp_path: Path) -> None:
    (tmp_path / "morning.j2").write_text("Morning: {{ article.title }}", encoding="utf-8")
    env = TemplateEnvironment([tmp_path])
    assert env.get("bluesky", "morning").name == "morning"
    assert "morning" in env.names("bluesky")


def test_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no template 'evening' for x"):
        TemplateEnvironment([tmp_path]).get("x", "evening")


def test_quote_templates_are_detected_through_inheritance() -> None:
    env = TemplateEnvironment()
    assert env.get("x", "quote").uses_quote
    assert not env.get("x", "headline").uses_quote
    assert not env.get("x", "thread").uses_quote


def test_every_platform_has_the_three_default_templates() -> None:
    from bot.platforms import PLATFORM_NAMES

    env = TemplateEnvironment()
    for platform in PLATFORM_NAMES:
        for name in ("headline", "quote", "thread"):
            assert env.get(platform, name).path == f"(built-in) {platform}/{name}.j2"
