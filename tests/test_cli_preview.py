"""`postbot preview` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.platforms import PLATFORM_NAMES, get_platform
from tests.conftest import CONTENT


def test_human_output_headers_carry_lengths() -> None:
    result = CliRunner().invoke(
        cli, ["preview", str(CONTENT / "harbour-bridge.txt"), "--platform", "x"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("x/headline  ") and line.endswith("/280") for line in lines)
    thread = [line for line in lines if line.startswith("x/thread ")]
    assert thread[0].startswith("x/thread 1/")
    total = thread[0].split()[1].split("/")[1]
    assert len(thread) == int(total)


def test_json_contract_for_every_platform() -> None:
    path = CONTENT / "glacier-study.txt"
    result = CliRunner().invoke(cli, ["preview", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["article", "posts"]
    assert data["article"]["title"] == "Glacier Loss Doubles in the Alps"
    seen = {(p["platform"], p["template"]) for p in data["posts"]}
    quotes = len(data["article"]["quotes"])
    for platform in PLATFORM_NAMES:
        assert {(platform, t) for t in ("headline", "quote", "thread")} <= seen
        assert (
            sum(1 for p in data["posts"] if p["platform"] == platform and p["template"] == "quote")
            == quotes
        )
    for post in data["posts"]:
        rules = get_platform(post["platform"])
        assert post["segments"]
        for segment in post["segments"]:
            keys = (
                ["text", "length", "limit", "facets"]
                if post["platform"] == "bluesky"
                else ["text", "length", "limit"]
            )
            assert list(segment) == keys
            assert segment["text"].strip()
            assert rules.measure(segment["text"]) == (segment["length"], True)
            assert segment["limit"] == rules.limit


def test_quote_posts_name_their_speakers() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "preview",
            str(CONTENT / "harbour-bridge.txt"),
            "--json",
            "--platform",
            "mastodon",
            "--template",
            "quote",
        ],
    )
    posts = json.loads(result.output)["posts"]
    firsts = [p["segments"][0]["text"].split("\n")[0] for p in posts]
    assert firsts[0].endswith("— Maren Holt")
    assert firsts[1].endswith("— Priya Natarajan")


def test_user_template_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "short.j2").write_text("Now: {{ article.title }}", encoding="utf-8")
    (tmp_path / "postbot.yaml").write_text("timezone: UTC\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "postbot.yaml"),
            "preview",
            str(CONTENT / "robotics-cup.json"),
            "--platform",
            "x",
            "--template",
            "short",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["posts"][0]["segments"][0]["text"] == (
        "Now: Student team from Tartu wins the European Robotics Cup"
    )


def test_broken_user_template_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "templates" / "x").mkdir(parents=True)
    (tmp_path / "templates" / "x" / "headline.j2").write_text(
        "{{ article.title }}\n{{ artcle.lede }}\n"
    )
    (tmp_path / "postbot.yaml").write_text("timezone: UTC\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "postbot.yaml"),
            "preview",
            str(CONTENT / "robotics-cup.json"),
            "--platform",
            "x",
        ],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "headline.j2:2: unknown variable: 'artcle' is undefined" in result.output


def test_unknown_platform_is_a_usage_error_as_in_measure() -> None:
    result = CliRunner().invoke(
        cli, ["preview", str(CONTENT / "robotics-cup.json"), "--platform", "myspace"]
    )
    assert result.exit_code == 2
    assert "unknown platform 'myspace' (known: x, mastodon, bluesky," in result.output
