"""Property tests: any text either parses or fails with the project's own error."""

from __future__ import annotations

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ArticleError
from bot.parse import FORMATS, parse_text

# Text biased towards what digests are made of: markers, quotes, hashes, breaks.
PIECES = st.sampled_from(
    [
        "- ",
        "• ",
        "* ",
        "#",
        "##",
        "“",
        "”",
        "„",
        "«",
        "»",
        '"',
        "\n",
        "\r\n",
        "\u00a0",
        "\u200b",
        "\u200d",
        " said ",
        " he said",
        ":",
        ",",
        ".",
        "—",
        "---\n",
        "> ",
        "> — ",
        "{",
        "}",
        "[",
        "]",
        "Putin",
        "Keller",
        "stated,",
        "Tags: ",
        "https://example.org/x#y",
        "1. ",
        "\t",
        "🇺🇦",
        "👩‍👩‍👧",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=12), PIECES), max_size=40).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=TEXT, fmt=st.sampled_from(FORMATS))
def test_random_text_parses_or_raises_article_error(text: str, fmt: str) -> None:
    try:
        article = parse_text(text, fmt, "random")
    except ArticleError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith("random: ")
        assert "\n" not in message
        return
    assert article.title
    assert article.lede
    assert len(article.title) <= 120 or fmt != "digest"
    assert all(s.bullets for s in article.sections)
    assert all(b.strip() for s in article.sections for b in s.bullets)
    assert len({t.casefold() for t in article.hashtags}) == len(article.hashtags)
    json.dumps(article.to_json())


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "title",
                        "lede",
                        "sections",
                        "quotes",
                        "hashtags",
                        "heading",
                        "bullets",
                        "text",
                        "speaker",
                        "url",
                        "published",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=12,
    )
)
def test_random_structures_parse_or_raise_article_error(data: object) -> None:
    for fmt in ("json", "yaml"):
        with contextlib.suppress(ArticleError):
            parse_text(json.dumps(data), fmt, "random")
