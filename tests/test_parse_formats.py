"""Markdown with front matter, JSON and YAML articles, and format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ArticleError
from bot.parse import detect_format, parse_file, parse_text

MARKDOWN = """---
title: Ferry fares freeze for a year
url: https://example.org/ferries
published: 2026-11-20
hashtags: [Ferries, "#Transport"]
language: en
---

The island ferry company will freeze its fares until next November, its board
decided on Thursday.

## What it means

- A return ticket stays at 14 euros.
- Season tickets stay at **420 euros**, see [the fare table](https://example.org/fares).

## What it means

- Children under six still travel free.

> “Islanders should not pay for the fuel crisis twice.”
> — Maja Holm, board chair

Unions welcomed the #FareFreeze.
"""


def test_markdown_with_front_matter() -> None:
    article = parse_text(MARKDOWN, "markdown", "a.md")
    assert article.title == "Ferry fares freeze for a year"
    assert article.url == "https://example.org/ferries"
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2026-11-20T00:00:00+00:00"
    assert article.language == "en"
    assert article.lede == (
        "The island ferry company will freeze its fares until next November, its board "
        "decided on Thursday."
    )
    assert [(s.heading, s.bullets) for s in article.sections] == [
        (
            "What it means",
            (
                "A return ticket stays at 14 euros.",
                "Season tickets stay at 420 euros, see the fare table (https://example.org/fares).",
                "Children under six still travel free.",
                "Unions welcomed the #FareFreeze.",
            ),
        )
    ]
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("Islanders should not pay for the fuel crisis twice", "Maja Holm")
    ]
    assert article.hashtags == ("Ferries", "Transport", "FareFreeze")


def test_markdown_h1_is_the_title_without_front_matter() -> None:
    article = parse_text("# Ferries Freeze Fares\n\nThe lede is here.\n", "markdown", "a.md")
    assert (article.title, article.lede) == ("Ferries Freeze Fares", "The lede is here.")


STRUCTURED = {
    "title": "Ferry fares freeze",
    "url": "https://example.org/ferries",
    "published": "2026-11-20T10:00:00Z",
    "language": "en",
    "lede": "The ferry company freezes fares.",
    "sections": [{"heading": "Prices", "bullets": ["A return stays at 14 euros."]}],
    "quotes": [
        {"text": "“Islanders should not pay twice for fuel.”", "speaker": "Maja Holm"},
        "Prices will stay where they are now",
    ],
    "hashtags": ["Ferries", "#ferries", "Transport"],
}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_structured_articles(fmt: str) -> None:
    text = json.dumps(STRUCTURED)  # JSON is valid YAML too
    article = parse_text(text, fmt, f"a.{fmt}")
    assert article.to_json() == {
        "title": "Ferry fares freeze",
        "lede": "The ferry company freezes fares.",
        "url": "https://example.org/ferries",
        "published": "2026-11-20T10:00:00+00:00",
        "language": "en",
        "sections": [{"heading": "Prices", "bullets": ["A return stays at 14 euros."]}],
        "quotes": [
            {"text": "Islanders should not pay twice for fuel", "speaker": "Maja Holm"},
            {"text": "Prices will stay where they are now", "speaker": None},
        ],
        "hashtags": ["Ferries", "Transport"],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lede": "x", "hashtag": ["a"]}, "unknown key 'hashtag'"),
        ({"lede": 5.5, "sections": "nope"}, "sections: expected a list"),
        ({"lede": "x", "quotes": [{"speaker": "A"}]}, "quotes[0]: expected {text, speaker}"),
        ({"lede": "x", "published": "last tuesday"}, "published: cannot read"),
        ({"url": "https://example.org"}, "no article text found"),
        (["a", "list"], "expected a mapping of article fields, found a list"),
    ],
)
def test_structured_errors_name_the_file_and_the_field(data: object, message: str) -> None:
    with pytest.raises(ArticleError) as info:
        parse_text(json.dumps(data), "json", "bad.json")
    assert str(info.value).startswith("bad.json: ")
    assert message in str(info.value)


def test_yaml_syntax_error_is_located() -> None:
    with pytest.raises(ArticleError, match=r"^bad.yaml: line 2:\d+: invalid YAML"):
        parse_text("lede: fine\n  bad: [indent\n", "yaml", "bad.yaml")


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.md", "anything", "markdown"),
        ("a.json", "{}", "json"),
        ("a.yml", "a: b", "yaml"),
        ("a.yaml", "a: b", "yaml"),
        ("a.txt", "A lede.\n- a bullet", "digest"),
        ("a.txt", '{"lede": "x"}', "json"),
        ("noext", "---\ntitle: x\n---\nBody", "markdown"),
        ("noext", "Lede\n\n## Heading\n- b", "markdown"),
        ("noext", "A lede.\n- a bullet", "digest"),
    ],
)
def test_format_detection(name: str, text: str, fmt: str) -> None:
    assert detect_format(name, text) == fmt


def test_format_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text("lede: A lede given as YAML.\n", encoding="utf-8")
    assert parse_file(path, "yaml").lede == "A lede given as YAML."
    assert parse_file(path).lede == "lede: A lede given as YAML."
