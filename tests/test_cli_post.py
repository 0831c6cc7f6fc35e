"""`postbot post`: dry-run shows exactly what a real publish sends; secrets never show."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import CONTENT, ROOT
from tests.servers import platforms as fakes

SECRETS = {
    "MASTODON_TOKEN": "mastodon-token",
    "BLUESKY_APP_PASSWORD": "app-pass",
    "X_USER_TOKEN": "x-token",
    "THREADS_TOKEN": "threads-token",
    "LINKEDIN_TOKEN": "linkedin-token",
    "TELEGRAM_BOT_TOKEN": "123:telegram-token",
    "HOOK_KEY": "hook-key",
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], dict[str, Any]]]:
    """A postbot.yaml with one account per platform, each on its loopback server."""
    servers = {
        "mastodon": fakes.MastodonServer(),
        "bluesky": fakes.BlueskyServer(),
        "x": fakes.XServer(),
        "threads": fakes.ThreadsServer(),
        "linkedin": fakes.LinkedInServer(),
        "telegram": fakes.TelegramServer(),
        "discord": fakes.DiscordServer(),
        "slack": fakes.SlackServer(),
        "webhook": fakes.WebhookServer(),
    }
    with ExitStack() as stack:
        for server in servers.values():
            server.start()
            stack.callback(server.stop)
        env = dict(SECRETS)
        env["DISCORD_WEBHOOK_URL"] = f"{servers['discord'].url}/api/webhooks/1/webhook-token"
        env["SLACK_WEBHOOK_URL"] = f"{servers['slack'].url}/services/T000/B000/secretpath"
        u = {name: s.url for name, s in servers.items()}
        accounts = {
            "news-mastodon": {
                "platform": "mastodon",
                "base_url": u["mastodon"],
                "token": "${MASTODON_TOKEN}",
            },
            "news-bluesky": {
                "platform": "bluesky",
                "base_url": u["bluesky"],
                "handle": "news.test",
                "app_password": "${BLUESKY_APP_PASSWORD}",
            },
            "news-x": {"platform": "x", "base_url": u["x"], "token": "${X_USER_TOKEN}"},
            "news-threads": {
                "platform": "threads",
                "base_url": u["threads"],
                "user_id": "123",
                "token": "${THREADS_TOKEN}",
            },
            "news-linkedin": {
                "platform": "linkedin",
                "base_url": u["linkedin"],
                "author": "urn:li:organization:1",
                "token": "${LINKEDIN_TOKEN}",
            },
            "news-telegram": {
                "platform": "telegram",
                "base_url": u["telegram"],
                "bot_token": "${TELEGRAM_BOT_TOKEN}",
                "chat_id": "@news",
            },
            "news-discord": {"platform": "discord", "webhook_url": "${DISCORD_WEBHOOK_URL}"},
            "news-slack": {"platform": "slack", "webhook_url": "${SLACK_WEBHOOK_URL}"},
            "custom": {
                "platform": "webhook",
                "url": f"{u['webhook']}/hook",
                "headers": {"X-Api-Key": "${HOOK_KEY}"},
            },
        }
        config = tmp_path / "postbot.yaml"
        config.write_text(yaml.safe_dump({"accounts": accounts}), encoding="utf-8")
        yield config, env, servers


def post(config: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Exit code and stdout (log lines go to stderr), or the error line on failure."""
    old = dict(os.environ)
    os.environ.update(env)
    try:
        result = CliRunner().invoke(cli, ["--config", str(config), "post", *args])
    finally:
        os.environ.clear()
        os.environ.update(old)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.stderr


DYNAMIC_KEYS = {
    "in_reply_to_id",
    "in_reply_to_tweet_id",
    "rkey",
    "createdAt",
    "uri",
    "cid",
    "repo",
    "reply_to_id",
    "creation_id",
    "message_id",
    "did",
}


def normalise(request: dict[str, Any]) -> dict[str, Any]:
    """A request without what legitimately differs between two runs: ids the
    platform assigned, record keys and times, and the length of bodies that
    carry them."""

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "<dynamic>" if k in DYNAMIC_KEYS else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    body = request.get("body")
    if body and "=" in body and "{" not in body:  # a form body: compare its fields
        from urllib.parse import parse_qsl

        body = scrub(dict(parse_qsl(body)))
    headers = {
        k: v
        for k, v in request["headers"].items()
        if k not in ("content-length", "idempotency-key")
    }
    url = re.sub(r"/v1\.0/\d+(?=$|\?)", "/v1.0/<id>", request["url"])
    return {
        **request,
        "url": url,
        "headers": headers,
        "json": scrub(request.get("json")),
        "body": body,
    }


ACCOUNTS = [
    "news-mastodon",
    "news-bluesky",
    "news-x",
    "news-threads",
    "news-linkedin",
    "news-telegram",
    "news-discord",
    "news-slack",
    "custom",
]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_dry_run_shows_exactly_the_requests_of_a_real_publish(world: Any, account: str) -> None:
    config, env, servers = world
    article = str(CONTENT / "night-trains.md")
    code, dry = post(
        config, env, article, "--to", account, "--template", "thread", "--dry-run", "--json"
    )
    assert code == 0, dry
    code, real = post(config, env, article, "--to", account, "--template", "thread", "--json")
    assert code == 0, real
    dry_data, real_data = json.loads(dry), json.loads(real)
    assert list(dry_data) == ["requests", "segments", "receipts"]
    assert dry_data["segments"] == real_data["segments"]
    # Each segment sent has its receipt, in order; dry-run's are plausible fakes.
    for data in (dry_data, real_data):
        sent = [s for r in data["receipts"] for s in r["segments"]]
        assert len(sent) == len(data["segments"])
        assert all(s["remote_id"] for s in sent)
    assert [normalise(r) for r in dry_data["requests"]] == [
        normalise(r) for r in real_data["requests"]
    ]
    assert len(dry_data["requests"]) >= len(dry_data["segments"])
    for request in dry_data["requests"]:
        assert not any(secret in json.dumps(request) for secret in SECRETS.values())


def test_real_post_prints_each_remote_url(world: Any) -> None:
    config, env, servers = world
    code, out = post(
        config,
        env,
        str(CONTENT / "harbour-bridge.txt"),
        "--to",
        "news-mastodon",
        "--template",
        "thread",
    )
    assert code == 0, out
    statuses = servers["mastodon"].statuses
    assert out.splitlines() == [
        f"sent {i}/{len(statuses)} to news-mastodon: {s['url']}"
        for i, s in enumerate(statuses, start=1)
    ]


def test_a_refused_post_is_one_line_and_exit_1(world: Any) -> None:
    config, env, servers = world
    servers["x"].fail_next(
        403, {"detail": "You are not permitted to perform this action.", "status": 403}
    )
    code, out = post(config, env, str(CONTENT / "robotics-cup.json"), "--to", "news-x")
    assert code == 1
    assert (
        out
        == "Error: news-x: credentials refused (403): You are not permitted to perform this action.\n"
    )


def test_unknown_account(world: Any) -> None:
    config, env, _ = world
    code, out = post(config, env, str(CONTENT / "robotics-cup.json"), "--to", "nobody")
    assert code == 1
    assert "unknown account 'nobody' (accounts: custom, news-bluesky," in out


def test_a_post_x_answers_with_500_is_sent_once_and_reported_unknown(world: Any) -> None:
    """X has no idempotency key: after a 5xx postbot looks for the post, never re-sends it."""
    config, env, servers = world
    x = servers["x"]
    x.fail_next(500, {"title": "Internal Server Error"}, path="/2/tweets", times=50)
    code, out = post(
        config, env, str(CONTENT / "robotics-cup.json"), "--to", "news-x", "--template", "headline"
    )
    assert code == 1
    assert out == (
        "Error: news-x: segment 1 of 1 may have been posted (server error 500 after the request "
        "reached the platform: Internal Server Error); not sending it again: check the account "
        "and post it by hand if it is missing\n"
    )
    assert [r.method for r in x.received if r.path == "/2/tweets"] == ["POST"]
    assert [r.path for r in x.received if r.method == "GET"] == [
        "/2/users/me",
        "/2/users/42/tweets",
    ]


def test_no_secret_appears_in_any_output_log_or_file(world: Any, tmp_path: Path) -> None:
    """Dry-run and failing publishes, as subprocesses: search everything they leave.

    Three servers echo the whole request (the token in Telegram's URL, the
    webhook's path, the headers) in their error bodies.
    """
    config, env, servers = world
    servers["mastodon"].fail_next(
        401, {"error": "The access token is invalid"}, path="/api/v1/statuses"
    )
    servers["bluesky"].fail_next(500, {"error": "InternalServerError"}, times=20)
    servers["telegram"].echo_next(400)
    servers["discord"].echo_next(500)
    servers["linkedin"].echo_next(403)
    full_env = {**os.environ, **env, "POSTBOT_NETWORK_GUARD": "loopback", "PYTHONPATH": str(ROOT)}
    captured = []
    runs = [
        ["post", str(CONTENT / "harbour-bridge.txt"), "--to", "news-telegram", "--dry-run"],
        [
            "post",
            str(CONTENT / "harbour-bridge.txt"),
            "--to",
            "news-discord",
            "--dry-run",
            "--json",
        ],
        ["post", str(CONTENT / "harbour-bridge.txt"), "--to", "news-mastodon"],  # 401
        [
            "post",
            str(CONTENT / "harbour-bridge.txt"),
            "--to",
            "news-bluesky",
        ],  # 500s until it gives up
        [
            "--config",
            str(config),
            "post",
            str(CONTENT / "harbour-bridge.txt"),
            "--to",
            "news-slack",
        ],
        ["post", str(CONTENT / "harbour-bridge.txt"), "--to", "news-telegram"],  # echoes, 400
        ["post", str(CONTENT / "harbour-bridge.txt"), "--to", "news-discord"],  # echoes, 500
        ["post", str(CONTENT / "harbour-bridge.txt"), "--to", "news-linkedin"],  # echoes, 403
    ]
    for args in runs:
        if args[0] != "--config":
            args = ["--config", str(config), *args]
        proc = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
            check=False,
        )
        captured += [proc.stdout, proc.stderr]
    assert any("credentials refused (401)" in text for text in captured)
    assert any("server error 500" in text for text in captured)
    assert any("POST http" in text for text in captured)
    assert any(
        "news-telegram: rejected (400): echo POST /bot***/sendMessage" in t for t in captured
    )
    assert any("news-discord: segment 1 of 1 may have been posted" in t for t in captured)
    assert any("echo POST ***?wait=true" in t for t in captured)  # the webhook path
    assert any("credentials refused (403): echo POST" in t for t in captured)
    assert any("authorization: Bearer ***" in t for t in captured)
    files = [
        p.read_text(errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != ".env"
    ]
    files = [f for f in files if "${" in f or "news-" in f] + files
    for secret in [*SECRETS.values(), "webhook-token", "secretpath"]:
        for text in captured:
            assert secret not in text
        for text in files:
            if "accounts:" in text:
                continue  # postbot.yaml itself holds only ${VAR} references
            assert secret not in text
