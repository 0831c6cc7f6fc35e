"""The README's examples work: its postbot.yaml and schedule validate as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import ROOT

ENV = {
    "MASTODON_TOKEN": "m",
    "BLUESKY_APP_PASSWORD": "b",
    "X_USER_TOKEN": "x",
    "THREADS_TOKEN": "t",
    "LINKEDIN_TOKEN": "l",
    "TELEGRAM_BOT_TOKEN": "1:tg",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/abc",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x",
    "HOOK_KEY": "hook",
}


def test_the_readme_configuration_and_schedule_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_text, schedule_text = re.findall(
        r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
    )[:2]
    (tmp_path / "postbot.yaml").write_text(config_text, encoding="utf-8")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "world.yaml").write_text(schedule_text, encoding="utf-8")
    (tmp_path / "content" / "world").mkdir(parents=True)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "ok: 1 schedule(s), 9 account(s)" in result.output
