"""`postbot validate`: every problem of a schedule file, located as file:line:col."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.project import make_project

ACCOUNTS = {
    "news-mastodon": {
        "platform": "mastodon",
        "base_url": "http://127.0.0.1:9",
        "token": "${MASTODON_TOKEN}",
    },
    "news-x": {"platform": "x", "token": "${X_TOKEN}"},
}

BROKEN = """\
name: world
timezone: Europe/Lundon
source: {folder: nowhere, headers: {Authorization: "Bearer ${FEED_TOKEN}"}}
pick: random
slots:
  - cron: "61 9 * * *"
  - weekly: "mon-fry 09:00"
  - every: 90 minutes
  - at: "tomorrow"
  - hourly: 1
jitter: 2 mins
quiet_hours: "22:00-22:00"
catch_up: 1h
posts:
  - {account: news-mastodon, template: thread}
  - {account: news-nowhere}
  - {account: news-x, template: nosuch}
  - {account: news-x, colour: red}
  - {account: news-x, hashtags: many}
"""

GOOD = """\
# yaml-language-server: $schema=../bot/schemas/schedule.schema.json
name: mornings
timezone: America/New_York
source: {folder: content}
pick: newest
slots:
  - cron: "0 9,13 * * mon-fri"
  - weekly: "sat,sun 10:30"
  - every: 90m
  - at: "2026-12-01 09:30"
jitter: 2m
quiet_hours: "22:00-07:00"
catch_up: 1h
repost_on_edit: true
posts:
  - {account: news-mastodon, template: thread, thread: true, hashtags: 3}
  - {account: news-x, template: headline}
"""


def validate(config: Path, *files: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", *files])
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, ACCOUNTS, {"broken.yaml": BROKEN, "good.yaml": GOOD}, articles=[])


def test_every_problem_is_located(project: Path) -> None:
    code, lines = validate(project, "schedules/broken.yaml")
    assert code == 1
    expected = [
        ("2:11", "unknown time zone 'Europe/Lundon'"),
        ("3:18", "folder 'nowhere' does not exist"),
        ("3:52", "header Authorization refers to ${FEED_TOKEN}, which is not set"),
        ("4:7", "'random' is not one of ['oldest', 'newest']"),
        ("6:11", "cron '61 9 * * *'"),
        ("7:13", "unknown day 'fry'"),
        ("8:12", "cannot read '90 minutes' as a duration"),
        ("9:9", "at 'tomorrow': expected a local date and time"),
        ("10:5", "unknown key 'hourly' (known: at, cron, every, weekly)"),
        ("11:9", "cannot read '2 mins' as a duration"),
        ("12:14", "quiet_hours '22:00-22:00': start and end are the same"),
        ("16:15", "unknown account 'news-nowhere' (accounts: news-mastodon, news-x)"),
        ("17:33", "template 'nosuch': no template 'nosuch' for x"),
        ("18:23", "unknown key 'colour'"),
        ("19:33", "'many' is not of type 'integer'"),
    ]
    assert len(lines) == len(expected), "\n".join(lines)
    for line, (where, message) in zip(lines, expected, strict=True):
        assert line.startswith(f"schedules/broken.yaml:{where}: "), line
        assert message in line, line


def test_a_valid_file_exits_0(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(project), "validate", "schedules/good.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "ok: 1 schedule(s), 2 account(s)" in result.stderr


def test_without_files_it_checks_the_whole_schedules_folder(project: Path) -> None:
    code, lines = validate(project)
    assert code == 1
    assert {line.split(":")[0] for line in lines} == {"schedules/broken.yaml"}


def test_yaml_syntax_errors_are_located(project: Path) -> None:
    (project.parent / "schedules" / "syntax.yaml").write_text(
        "name: syntax\nslots:\n  - every: 1h\n  posts: [\n", encoding="utf-8"
    )
    code, lines = validate(project, "schedules/syntax.yaml")
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith("schedules/syntax.yaml:4:3: invalid YAML")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("slots: [{every: 1h}]\nposts: [{account: news-x}]\n", "1:1", "missing 'source'"),
        (
            "source: {folder: content, feed: 'https://e.example/f'}\nslots: [{every: 1h}]\nposts: [{account: news-x}]\n",
            "1:9",
            "source needs exactly one of folder, feed or http_json",
        ),
        (
            "source: {folder: content}\nslots: [{every: 1h, cron: '0 9 * * *'}]\nposts: [{account: news-x}]\n",
            "2:9",
            "each slot has exactly one of cron, weekly, every or at",
        ),
        (
            "source: {folder: content}\nslots: []\nposts: [{account: news-x}]\n",
            "2:8",
            "should be non-empty",
        ),
        ("- just\n- a list\n", "1:1", "a schedule file is a mapping of settings"),
        (
            "source: {folder: content}\nslots: [{cron: '0 3 * * *'}]\nquiet_hours: '22:00-07:00'\nposts: [{account: news-x}]\n",
            "3:14",
            "quiet_hours cover every slot of the next two weeks",
        ),
        (
            "source: {feed: 'ftp://e.example/feed'}\nslots: [{every: 1h}]\nposts: [{account: news-x}]\n",
            "1:16",
            "'ftp://e.example/feed' does not match",
        ),
    ],
)
def test_more_problems(project: Path, text: str, where: str, message: str) -> None:
    (project.parent / "schedules" / "case.yaml").write_text(text, encoding="utf-8")
    code, lines = validate(project, "schedules/case.yaml")
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"schedules/case.yaml:{where}: "), lines[0]
    assert message in lines[0]


def test_two_schedules_with_one_name(project: Path) -> None:
    folder = project.parent / "schedules"
    (folder / "broken.yaml").unlink()
    (folder / "copy.yaml").write_text(GOOD, encoding="utf-8")
    code, lines = validate(project)
    assert code == 1
    assert lines == [
        "schedules/good.yaml: schedule name 'mornings' is already used by schedules/copy.yaml"
    ]


def test_a_broken_postbot_yaml_is_reported_too(project: Path) -> None:
    project.write_text("accounts:\n  a: {platform: myspace}\n", encoding="utf-8")
    code, lines = validate(project, "schedules/good.yaml")
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith("postbot.yaml:2:")


def test_the_shipped_schedules_are_valid_and_the_schema_is_valid_json_schema() -> None:
    import json

    from jsonschema import Draft202012Validator

    from tests.conftest import ROOT

    schema = json.loads((ROOT / "bot" / "schemas" / "schedule.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
