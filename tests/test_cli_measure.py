"""`postbot measure` as tools drive it: plain, --json, --jsonl, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli


def run(args: list[str], stdin: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "measure", *args],
        input=stdin.encode(),
        capture_output=True,
        check=False,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_human_output_ignores_one_trailing_newline() -> None:
    assert run(["--platform", "x"], "Hello https://example.com/a\n") == (0, "29/280 fits\n", "")
    assert run(["--platform", "x"], "a" * 281) == (0, "281/280 does not fit\n", "")


def test_json_output() -> None:
    result = CliRunner().invoke(
        cli, ["measure", "--platform", "mastodon", "--json"], input="hi @a@b.c"
    )
    assert json.loads(result.output) == {"length": 5, "limit": 500, "fits": True}


def test_bluesky_json_has_facets() -> None:
    result = CliRunner().invoke(
        cli, ["measure", "--platform", "bluesky", "--json"], input="#Düsseldorf!"
    )
    assert json.loads(result.output) == {
        "length": 12,
        "limit": 300,
        "fits": True,
        "facets": [{"byteStart": 0, "byteEnd": 12, "type": "tag", "value": "Düsseldorf"}],
    }


def test_jsonl_one_result_per_line_in_order() -> None:
    lines = [json.dumps({"text": t}) for t in ["a", "東京", "a" * 300]]
    code, out, err = run(["--platform", "x", "--jsonl"], "\n".join(lines) + "\n")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"length": 1, "limit": 280, "fits": True},
        {"length": 4, "limit": 280, "fits": True},
        {"length": 300, "limit": 280, "fits": False},
    ]


def test_jsonl_bad_line_is_reported_in_place_and_exit_1() -> None:
    code, out, err = run(["--platform", "x", "--jsonl"], '{"text": "a"}\nnot json\n{"text": "b"}\n')
    assert code == 1
    results = [json.loads(line) for line in out.splitlines()]
    assert results[0]["length"] == 1
    assert results[1] == {"error": 'line 2: expected {"text": string}'}
    assert results[2]["length"] == 1
    assert err.count("\n") == 1


def test_limit_override() -> None:
    assert run(["--platform", "mastodon", "--limit", "1000"], "a" * 600) == (
        0,
        "600/1000 fits\n",
        "",
    )


@pytest.mark.parametrize("name", ["myspace", "X"])
def test_unknown_platform_is_one_line_and_exit_2(name: str) -> None:
    code, out, err = run(["--platform", name], "hi")
    assert code == 2
    assert out == ""
    assert err.startswith(f"Error: unknown platform '{name}' (known: x, mastodon, bluesky,")
    assert err.count("\n") == 1
