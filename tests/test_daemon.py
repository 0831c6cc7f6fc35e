"""The daemon: catch-up, reloads, dry-run, signals and logs, against loopback servers."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.daemon import Daemon, DaemonOptions
from tests.conftest import ROOT
from tests.daemon_harness import SECRETS, accounts, outbox_rows, write_articles
from tests.project import make_project
from tests.servers.platforms import MastodonServer, TelegramServer


@pytest.fixture
def servers() -> Iterator[tuple[MastodonServer, TelegramServer]]:
    mastodon = MastodonServer().start()
    telegram = TelegramServer().start()
    try:
        yield mastodon, telegram  # type: ignore[misc]
    finally:
        mastodon.stop()
        telegram.stop()


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POSTBOT_NETWORK_GUARD", "loopback")


def project(
    root: Path, servers: tuple[MastodonServer, TelegramServer], schedule: str, articles: int = 6
) -> Path:
    config = make_project(root, accounts(*servers), {"test.yaml": schedule}, articles=[])  # type: ignore[arg-type]
    write_articles(config.parent / "content", articles)
    return config


def database(config: Path) -> str:
    return f"sqlite:///{config.parent / 'state' / 'postbot.db'}"


def run_daemon(
    config: Path,
    seconds: float,
    during: Callable[[Daemon], Awaitable[None]] | None = None,
    **options: object,
) -> None:
    async def main() -> None:
        daemon = Daemon(config, DaemonOptions(run_for=seconds, **options))  # type: ignore[arg-type]
        async with daemon:
            tasks = [asyncio.create_task(daemon.run())]
            if during:
                tasks.append(asyncio.create_task(during(daemon)))
            await asyncio.gather(*tasks)

    asyncio.run(main())


def local_slot(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).astimezone().strftime("%Y-%m-%d %H:%M")


# -- catch-up ----------------------------------------------------------------------------------


def seen_running(config: Path, started: datetime, last_seen: datetime) -> None:
    """Record that a daemon ran against this project's database from ``started`` to ``last_seen``."""
    from bot.store import daemons, open_store

    store = open_store(database(config))
    with store.engine.begin() as conn:
        conn.execute(
            daemons.insert().values(
                owner="earlier:1:1",
                started_at=started.timestamp(),
                last_seen=last_seen.timestamp(),
            )
        )
    store.dispose()


def test_a_first_start_catches_up_nothing(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    """Slots before postbot ever ran against this database were not missed: nothing fires."""
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    schedule = f"timezone: UTC\nsource: {{folder: content}}\nslots: [{{at: '{earlier}'}}]\ncatch_up: 1h\nposts: [{{account: news-telegram}}]\n"
    config = project(tmp_path, servers, schedule)
    run_daemon(config, 1.0)
    assert outbox_rows(database(config)) == []
    assert servers[1].messages == []


def test_catch_up_fires_missed_slots_within_the_window_once(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    walls = {
        "missed": (now - timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M"),
        "too old": (now - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "future": (now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M"),
    }
    schedule = f"""\
timezone: UTC
source: {{folder: content}}
slots:
  - at: "{walls["missed"]}"
  - at: "{walls["too old"]}"
  - at: "{walls["future"]}"
catch_up: 1h
posts: [{{account: news-telegram}}]
"""
    config = project(tmp_path, servers, schedule)
    seen_running(config, started=now - timedelta(hours=5), last_seen=now - timedelta(minutes=25))
    run_daemon(config, 1.5)
    run_daemon(config, 1.5)  # a restart must not fire it again
    rows = outbox_rows(database(config))
    assert [(r.slot, r.status) for r in rows] == [
        (f"{walls['missed'].replace(' ', 'T')}:00+00:00", "sent")
    ]
    assert len(servers[1].messages) == 1


def test_slots_fire_on_time_one_post_each(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=20)
    started = time.time()
    run_daemon(config, 3.2)
    stopped = time.time()
    rows = outbox_rows(database(config))
    sent = [r for r in rows if r.status == "sent"]
    # One post per slot in the window, each sent no earlier than its slot.
    assert 2 <= len(sent) <= 4
    assert all(started - 1 <= datetime.fromisoformat(r.slot).timestamp() <= stopped for r in sent)
    assert all(r.updated_at >= r.due_at for r in sent)
    assert len(servers[1].messages) == len(sent)
    # Rows are claimed a little ahead of their time, but no request leaves early.
    arrivals = sorted(q.arrived for q in servers[1].received if q.path.endswith("/sendMessage"))
    assert len(arrivals) == len(sent)
    for arrived, due in zip(arrivals, sorted(r.due_at for r in sent), strict=True):
        assert due <= arrived < due + 1.0
    assert len({r.article_id for r in rows}) == len(rows)
    # Slots are enqueued a few seconds ahead; those not yet due wait, unsent.
    waiting = [r for r in rows if r.status == "pending"]
    assert waiting
    assert all(r.due_at > stopped - 1 for r in waiting)
    assert len(sent) + len(waiting) == len(rows)


# -- reloads -----------------------------------------------------------------------------------


def test_a_broken_schedule_keeps_its_last_good_version_running(
    tmp_path: Path,
    servers: tuple[MastodonServer, TelegramServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, good, articles=30)
    path = config.parent / "schedules" / "test.yaml"
    telegram = servers[1]
    mastodon = servers[0]
    seen: dict[str, int] = {}

    async def edit(daemon: Daemon) -> None:
        await asyncio.sleep(1.5)
        path.write_text(good.replace("slots:", "slots: [oops\n"), encoding="utf-8")
        await asyncio.sleep(1.0)
        seen["before"] = len(telegram.messages)
        await asyncio.sleep(2.0)
        seen["broken"] = len(telegram.messages)
        path.write_text(good.replace("news-telegram", "news-mastodon"), encoding="utf-8")
        await asyncio.sleep(1.0)
        seen["switched"] = len(telegram.messages)
        await asyncio.sleep(2.5)
        seen["end"] = len(telegram.messages)

    with caplog.at_level(logging.INFO):
        run_daemon(config, 9.0, edit, reload_every=0.2)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("test.yaml:3:2: invalid YAML" in e for e in errors), errors
    assert any("keeping the last good version" in e for e in errors)
    assert seen["broken"] > seen["before"]  # still posting while the file is broken
    assert mastodon.statuses  # the fixed file took effect
    # Posts the old version had enqueued ahead were withdrawn: Telegram got no more.
    assert seen["end"] == seen["switched"]


def test_a_broken_postbot_yaml_keeps_the_last_good_one(
    tmp_path: Path,
    servers: tuple[MastodonServer, TelegramServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, good, articles=30)
    telegram = servers[1]
    counts: list[int] = []

    async def break_config(daemon: Daemon) -> None:
        await asyncio.sleep(1.0)
        config.write_text("accounts: [not, a, mapping\n", encoding="utf-8")
        await asyncio.sleep(1.0)
        counts.append(len(telegram.messages))
        await asyncio.sleep(2.0)
        counts.append(len(telegram.messages))

    with caplog.at_level(logging.INFO):
        run_daemon(config, 4.5, break_config, reload_every=0.2)
    assert counts[1] > counts[0]
    assert any("keeping the last good postbot.yaml" in r.getMessage() for r in caplog.records)


# -- platform errors -----------------------------------------------------------------------------


def test_a_refused_post_is_failed_and_the_next_slots_go_on(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=10)
    telegram = servers[1]
    telegram.fail_next(
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    )
    run_daemon(config, 3.2)
    rows = [r for r in outbox_rows(database(config)) if r.status != "pending"]  # not yet due
    assert rows[0].status == "failed"
    assert rows[0].last_error is not None
    assert "chat not found" in rows[0].last_error
    assert [r.status for r in rows[1:]] == ["sent"] * (len(rows) - 1)
    assert len(rows) >= 2


def test_a_server_error_is_retried_later_not_lost(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1h}]\ncatch_up: 1h\nposts: [{account: news-mastodon}]\n"
    config = project(tmp_path, servers, schedule)
    now = datetime.now(UTC)
    seen_running(config, now - timedelta(hours=3), now - timedelta(hours=2))
    mastodon = servers[0]
    mastodon.fail_next(503, {"error": "down for maintenance"}, times=20, path="/statuses")
    run_daemon(config, 2.0)
    (row,) = outbox_rows(database(config))
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.due_at > time.time() + 10  # backed off
    assert "503" in (row.last_error or "")


# -- as a process: dry-run, signals, logs --------------------------------------------------------


def postbot(config: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTBOT_")}
    env.update(SECRETS)
    env["POSTBOT_NETWORK_GUARD"] = "loopback"
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def test_dry_run_prints_each_post_sends_nothing_and_keeps_no_state(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-mastodon, template: thread}, {account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule)
    process = postbot(config, "run", "--dry-run", "--for", "3s")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert servers[0].received == []
    assert servers[1].received == []
    assert not (config.parent / "state").exists()
    assert "── test · " in out
    assert "news-mastodon (thread of" in out
    assert "Story 000: the harbour council decides" in out
    assert "dry run: nothing is sent" in err
    for secret in SECRETS.values():
        assert secret not in out + err


def test_sigterm_stops_cleanly(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=50)
    process = postbot(config, "run")
    deadline = time.monotonic() + 30
    while not servers[1].messages and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping: no new posts" in err
    assert err.rstrip().endswith("postbot stopped")
    rows = outbox_rows(database(config))
    assert all(r.status in ("sent", "pending") for r in rows)


def test_sighup_reloads_the_schedules(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=50)
    # A long reload interval: only the signal can make it notice the change soon.
    process = postbot(config, "run")
    try:
        deadline = time.monotonic() + 30
        while not servers[1].messages and time.monotonic() < deadline:
            time.sleep(0.1)
        path = config.parent / "schedules" / "test.yaml"
        path.write_text(schedule.replace("news-telegram", "news-mastodon"), encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while not servers[0].statuses and time.monotonic() < deadline:
            time.sleep(0.1)
        assert servers[0].statuses
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert "SIGHUP: reloading" in err


def test_json_logs_one_object_per_line_with_the_post_url(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-mastodon}]\n"
    config = project(tmp_path, servers, schedule)
    process = postbot(config, "run", "--for", "2.5s", "--log-format", "json")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    records = [json.loads(line) for line in err.splitlines()]
    sent = [r for r in records if r["message"].startswith("sent ")]
    assert sent
    assert all(r["account"] == "news-mastodon" for r in sent)
    assert all(r["urls"][0].startswith(servers[0].url) for r in sent)
    assert all(SECRETS["MASTODON_TOKEN"] not in line for line in err.splitlines())


def test_a_missing_config_is_one_line(tmp_path: Path) -> None:
    process = postbot(tmp_path / "nowhere.yaml", "run", "--for", "1s")
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert err.strip().splitlines() == [
        f"Error: {tmp_path / 'nowhere.yaml'}: no such file (pass --config PATH or set POSTBOT_CONFIG)"
    ]


def test_a_slot_enqueued_ahead_but_missed_past_catch_up_gives_its_article_back(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    """Rows wait a few seconds ahead of their slot; if postbot was down past catch_up, they go."""
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 1s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=30)
    run_daemon(config, 1.5)
    waiting = {r.article_id for r in outbox_rows(database(config)) if r.status == "pending"}
    assert waiting
    time.sleep(6.5)  # down until every waiting slot is more than catch_up in the past
    restarted = time.time()
    run_daemon(config, 1.5)
    rows = outbox_rows(database(config))
    assert len({r.article_id for r in rows}) == len(rows)  # still one row per article
    late = [r for r in rows if r.updated_at >= restarted and r.due_at < restarted - 2]
    assert late == []  # nothing went out long after its slot
    # The articles of the withdrawn slots were posted by the next run's slots.
    assert waiting & {r.article_id for r in rows if r.status == "sent"}


def test_dry_run_starts_from_the_real_state(
    tmp_path: Path, servers: tuple[MastodonServer, TelegramServer]
) -> None:
    """After real posts, a dry run shows the next unposted article and leaves the state alone."""
    schedule = "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\nposts: [{account: news-telegram}]\n"
    config = project(tmp_path, servers, schedule, articles=30)
    run_daemon(config, 2.2)
    before = outbox_rows(database(config))
    posted = [r.title for r in before if r.status == "sent"]
    assert posted
    process = postbot(config, "run", "--dry-run", "--for", "2s")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "working on a copy of the state database" in err
    for title in posted:
        assert title not in out  # already posted for real: not shown again
    assert "Story 0" in out
    after = outbox_rows(database(config))
    assert [(r.id, r.status) for r in after] == [(r.id, r.status) for r in before]
