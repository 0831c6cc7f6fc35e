"""`postbot parse` as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import CONTENT


def test_parse_json_has_exactly_the_contract_keys() -> None:
    result = CliRunner().invoke(cli, ["parse", str(CONTENT / "harbour-bridge.txt"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "title",
        "lede",
        "url",
        "published",
        "language",
        "sections",
        "quotes",
        "hashtags",
    ]
    assert all(list(s) == ["heading", "bullets"] for s in data["sections"])
    assert all(list(q) == ["text", "speaker"] for q in data["quotes"])


def test_parse_human_output() -> None:
    result = CliRunner().invoke(cli, ["parse", str(CONTENT / "harbour-bridge.txt")])
    assert result.exit_code == 0
    assert "## Why the Bridge Matters" in result.output
    assert "— Maren Holt" in result.output


def test_parse_format_option_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text('{"lede": "Given as JSON."}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", str(path), "--json", "--format", "digest"])
    assert json.loads(result.output)["lede"] == '{"lede": "Given as JSON."}'


def test_bad_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "parse", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == f"Error: {path}: empty file\n"


def test_unknown_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["parse", "x.txt", "--format", "pdf"])
    assert result.exit_code == 2
