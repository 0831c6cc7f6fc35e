"""Any article composes into segments that all fit, or fails with ComposeError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.compose import ComposeOptions, compose_all
from bot.errors import ComposeError
from bot.fitting import MARK_END, MARK_START
from bot.models import Article, Quote, Section
from bot.platforms import PLATFORM_NAMES, get_platform
from bot.templates import DEFAULT_TEMPLATES, TemplateEnvironment

ENV = TemplateEnvironment()
PIECES = st.sampled_from(
    [
        "word",
        "Zürich",
        "東京都",
        "👨‍👩‍👧",
        "🇺🇦",
        "https://example.org/a_(b)",
        "example.com",
        "@a.bsky.social",
        "#Tag",
        "e\u0301",
        "“quote”",
        "—",
        ".",
        ",",
        "\n",
        "\n\n",
        "_*~",
        "<b>&",
        "ن",
        "x" * 40,
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=6)), min_size=1, max_size=80).map(
    " ".join
)
TAG = st.from_regex(r"[A-Za-zé東]{1,20}", fullmatch=True)


@st.composite
def articles(draw: st.DrawFn) -> Article:
    sections = draw(
        st.lists(
            st.builds(
                Section,
                st.one_of(st.none(), TEXT),
                st.lists(TEXT, min_size=1, max_size=4).map(tuple),
            ),
            max_size=3,
        )
    )
    quotes = draw(st.lists(st.builds(Quote, TEXT, st.one_of(st.none(), TEXT)), max_size=2))
    return Article(
        id="p",
        title=draw(TEXT),
        lede=draw(TEXT),
        url=draw(
            st.one_of(
                st.none(),
                st.just("https://example.org/a"),
                st.just("https://example.org/" + "y" * 400),
            )
        ),
        sections=tuple(sections),
        quotes=tuple(quotes),
        hashtags=tuple(draw(st.lists(TAG, max_size=8, unique=True))),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    article=articles(),
    platform=st.sampled_from(PLATFORM_NAMES),
    template=st.sampled_from(DEFAULT_TEMPLATES),
    thread=st.sampled_from([None, True, False]),
)
def test_composed_segments_fit_or_compose_error(
    article: Article, platform: str, template: str, thread: bool | None
) -> None:
    rules = get_platform(platform)
    try:
        plans = compose_all(
            article, ENV.get(platform, template), rules, ComposeOptions(thread=thread)
        )
    except ComposeError:
        return
    for plan in plans:
        assert plan.segments
        for segment in plan.segments:
            assert segment.text.strip()
            assert MARK_START not in segment.text  # the shortenable marks never leak
            assert MARK_END not in segment.text
            length, fits = rules.measure(segment.text)
            assert fits
            assert length == segment.length <= segment.limit
