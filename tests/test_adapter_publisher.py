"""The daemon's side of the adapters: ``Publisher`` sending outbox rows to loopback servers.

The same error map as ``postbot post``, with the outbox in between, on SQLite
and PostgreSQL: a post that may have been made ends ``unknown`` after one
request (never four tries times eight attempts), a post found after a 5xx is
``sent`` once, a wait the platform names is kept, a Threads post cut off by a
crash resumes from its container, and no secret a server echoes reaches
``last_error``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from bot.adapters import RetryPolicy
from bot.config import Settings, load_settings
from bot.outbox import NewRow, Outbox, Row
from bot.publish import Publisher
from bot.store import Store, open_store, outbox
from tests.adapter_helpers import plan, run
from tests.servers import platforms as fakes
from tests.servers.base import LoopbackServer

SECRETS = {
    "X_TOKEN": "x-token",
    "THREADS_TOKEN": "threads-token",
    "TELEGRAM_TOKEN": "123:telegram-token",
    "MASTODON_TOKEN": "mastodon-token",
}
LATER = 7 * 24 * 3600.0  # far enough ahead that every back-off has run out


@dataclass
class World:
    settings: Settings
    servers: dict[str, Any]
    store: Store
    outbox: Outbox

    def secrets(self) -> list[str]:
        return [*SECRETS.values(), "webhook-token", f"{self.servers['discord'].url}/api/webhooks"]


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[World]:
    servers: dict[str, Any] = {
        "x": fakes.XServer(),
        "threads": fakes.ThreadsServer(),
        "telegram": fakes.TelegramServer(),
        "mastodon": fakes.MastodonServer(),
        "discord": fakes.DiscordServer(),
    }
    with ExitStack() as stack:
        for server in servers.values():
            server.start()
            stack.callback(server.stop)
        u = {name: s.url for name, s in servers.items()}
        accounts = {
            "x": {"platform": "x", "base_url": u["x"], "token": "${X_TOKEN}"},
            "threads": {
                "platform": "threads",
                "base_url": u["threads"],
                "user_id": "99",
                "token": "${THREADS_TOKEN}",
            },
            "telegram": {
                "platform": "telegram",
                "base_url": u["telegram"],
                "bot_token": "${TELEGRAM_TOKEN}",
                "chat_id": "@news",
            },
            "mastodon": {
                "platform": "mastodon",
                "base_url": u["mastodon"],
                "token": "${MASTODON_TOKEN}",
            },
            "discord": {"platform": "discord", "webhook_url": "${DISCORD_WEBHOOK_URL}"},
        }
        env = {**SECRETS, "DISCORD_WEBHOOK_URL": f"{u['discord']}/api/webhooks/1/webhook-token"}
        config = tmp_path / "postbot.yaml"
        config.write_text(yaml.safe_dump({"accounts": accounts}), encoding="utf-8")
        store = open_store(db_url)
        stack.callback(store.dispose)
        yield World(load_settings(config, environ=env), servers, store, Outbox(store))


def enqueue(world: World, account: str) -> Row:
    platform = world.settings.account(account).platform
    world.outbox.enqueue(
        NewRow(
            schedule="world",
            slot="2026-12-01T09:00:00+00:00",
            account=account,
            article_id="art-1",
            article_key="art-1",
            content_hash="c0ffee",
            title="Ferries freeze fares for a year",
            plan=plan(platform, "headline"),
            due_at=time.time() - 1,
        )
    )
    (row,) = world.outbox.claim(1)
    return row


def publish(world: World, row: Row, box: Outbox | None = None) -> None:
    async def go() -> None:
        async with httpx.AsyncClient() as client:
            publisher = Publisher(
                world.settings,
                box or world.outbox,
                client,
                policy=RetryPolicy(attempts=4, base_delay=0.01, max_delay=1.0),
            )
            await publisher.publish_row(row)

    run(go())


def drain(world: World, rounds: int = 10) -> Row:
    """Publish the row as the daemon would, attempt after attempt, until it is settled."""
    for _ in range(rounds):
        rows = world.outbox.claim(1, now=time.time() + LATER)
        if not rows:
            break
        publish(world, rows[0])
    (row,) = world.outbox.history()
    return row


def creates(server: LoopbackServer, path: str) -> int:
    return sum(1 for r in server.received if r.method == "POST" and r.path.endswith(path))


def test_x_answering_500_to_every_post_is_sent_once_and_ends_unknown(world: World) -> None:
    x = world.servers["x"]
    x.fail_next(500, {"title": "Internal Server Error"}, path="/2/tweets", times=100)
    publish(world, enqueue(world, "x"))
    row = drain(world)
    assert row.status == "unknown"
    assert row.attempts == 1
    assert creates(x, "/2/tweets") == 1  # not 4 tries x 8 attempts
    assert any(r.path == "/2/users/42/tweets" for r in x.received)  # it looked first
    assert x.posts == []
    assert row.last_error == (
        "x: segment 1 of 1 may have been posted (server error 500 after the request reached "
        "the platform: Internal Server Error); not sending it again: check the account and "
        "post it by hand if it is missing"
    )


def test_x_500_after_the_post_was_made_is_found_and_sent_once(world: World) -> None:
    x = world.servers["x"]
    x.fail_next(500, {"title": "Internal Server Error"}, path="/2/tweets", after_processing=True)
    publish(world, enqueue(world, "x"))
    (row,) = world.outbox.history()
    assert row.status == "sent"
    assert [s.remote_id for s in row.sent] == [p["id"] for p in x.posts]
    assert len(x.posts) == 1
    assert creates(x, "/2/tweets") == 1


def test_a_503_that_names_its_wait_is_retried_then_and_posts_once(world: World) -> None:
    telegram = world.servers["telegram"]
    telegram.fail_next(
        503, {"ok": False, "description": "Service Unavailable"}, {"Retry-After": "600"}
    )
    publish(world, enqueue(world, "telegram"))
    (row,) = world.outbox.history()
    assert row.status == "pending"
    assert row.due_at >= time.time() + 590  # the platform's wait, not the usual 30 s
    assert "server error 503" in (row.last_error or "")
    assert telegram.messages == []
    row = drain(world)
    assert row.status == "sent"
    assert len(telegram.messages) == 1
    assert creates(telegram, "/sendMessage") == 2


def test_mastodon_keeps_retrying_a_500_under_one_key_and_posts_once(world: World) -> None:
    mastodon = world.servers["mastodon"]
    mastodon.fail_next(500, {"error": "Internal"}, path="/api/v1/statuses", times=6)
    publish(world, enqueue(world, "mastodon"))
    assert world.outbox.history()[0].status == "pending"
    row = drain(world)
    assert row.status == "sent"
    assert len(mastodon.statuses) == 1
    keys = {r.headers["idempotency-key"] for r in mastodon.received if r.method == "POST"}
    assert len(keys) == 1
    assert creates(mastodon, "/api/v1/statuses") == 7


def test_threads_killed_between_container_and_publish_is_sent_by_another_daemon(
    world: World,
) -> None:
    """The row as a killed daemon leaves it: the container saved, the segment in flight."""
    threads = world.servers["threads"]
    row = enqueue(world, "threads")
    text = row.plan.segments[0].text if row.plan else ""
    made = httpx.post(
        f"{threads.url}/v1.0/99/threads",
        data={"media_type": "TEXT", "text": text, "access_token": "threads-token"},
    )
    container = made.json()["id"]
    row.progress = {"material": {"0": {"container": container}}, "inflight": 0}
    world.outbox.save_progress(row)
    other = Outbox(world.store, owner="other:1:1")
    (taken,) = other.claim(1, now=time.time() + world.outbox.lease + 1)  # the lease lapsed
    assert taken.progress["inflight"] == 0
    publish(world, taken, other)
    (row,) = world.outbox.history()
    assert row.status == "sent"
    assert [p["text"] for p in threads.posts] == [text]
    assert creates(threads, "/threads") == 1  # the test's own: no second container
    assert creates(threads, "/threads_publish") == 1
    assert row.sent[0].remote_id == threads.posts[0]["id"]


@pytest.mark.parametrize(
    ("account", "status", "outcome"),
    [("telegram", 400, "failed"), ("discord", 500, "unknown"), ("x", 400, "failed")],
)
def test_no_secret_a_server_echoes_reaches_the_database(
    world: World, account: str, status: int, outcome: str
) -> None:
    world.servers[account].echo_next(status)
    publish(world, enqueue(world, account))
    (row,) = world.outbox.history()
    assert row.status == outcome
    assert "echo POST" in (row.last_error or "")
    assert "***" in (row.last_error or "")
    with world.store.connect() as conn:
        stored = " ".join(str(tuple(r)) for r in conn.execute(select(outbox)))
    for secret in world.secrets():
        assert secret not in stored
