"""Running the real ``postbot run`` as subprocesses, killing them, and checking the result.

Used by the crash tests: a project of generated articles posting to loopback
Mastodon and Telegram servers, daemons started and SIGKILLed at random, then
an audit of what the servers received against what the outbox says.
"""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.outbox import Outbox, Row
from bot.store import open_store
from tests.conftest import ROOT
from tests.servers.platforms import MastodonServer, TelegramServer

SECRETS = {"MASTODON_TOKEN": "mastodon-token", "TELEGRAM_BOT_TOKEN": "123:telegram-token"}


def write_articles(folder: Path, count: int) -> None:
    """``count`` JSON articles long enough to make Mastodon threads of several posts."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        bullets = [
            f"Point {k} of story {n}: the council heard evidence from residents, engineers "
            f"and the harbour authority before the vote on item {k}, which took most of the day."
            for k in range(1, 6)
        ]
        article = {
            "title": f"Story {n:03}: the harbour council decides",
            "lede": f"Story {n:03}. The harbour council met on Tuesday and decided what to do "
            "about the bridge, the ferries and the night trains, after a long debate.",
            "url": f"https://news.example.org/story-{n:03}",
            "published": f"2026-11-01T{n // 60:02}:{n % 60:02}:00Z",
            "sections": [{"heading": "What was decided", "bullets": bullets}],
            "hashtags": ["Harbour", "Council"],
        }
        (folder / f"story-{n:03}.json").write_text(json.dumps(article), encoding="utf-8")


def accounts(mastodon: MastodonServer, telegram: TelegramServer) -> dict[str, Any]:
    return {
        "news-mastodon": {
            "platform": "mastodon",
            "base_url": mastodon.url,
            "token": "${MASTODON_TOKEN}",
        },
        "news-telegram": {
            "platform": "telegram",
            "base_url": telegram.url,
            "bot_token": "${TELEGRAM_BOT_TOKEN}",
            "chat_id": "@news",
        },
    }


SCHEDULE = """\
name: crash
source: {folder: content}
slots:
  - every: 1s
catch_up: 10s
posts:
  - {account: news-mastodon, template: thread}
  - {account: news-telegram, template: headline}
"""


@dataclass
class Daemons:
    """Starts and kills ``postbot run`` processes for one project."""

    config: Path
    logs: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0
    log_of: dict[int, Path] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSTBOT_")}
        env.update(SECRETS)
        env["POSTBOT_NETWORK_GUARD"] = "loopback"
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    def start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"daemon-{self.started:03}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.running.append(process)
        self.log_of[process.pid] = self.logs / f"daemon-{self.started:03}.log"
        return process

    def wait_ready(self, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
        """Until the daemon says it runs (before that a SIGTERM may find Python still importing)."""
        path = self.log_of[process.pid]
        wait_until(
            lambda: "postbot running" in path.read_text(encoding="utf-8", errors="replace"),
            timeout,
            f"daemon {process.pid} to start",
            self.tail,
        )

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.running.remove(process)

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 60) -> int:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=timeout)
        self.running.remove(process)
        return code

    def kill_all(self) -> None:
        for process in list(self.running):
            self.kill(process)

    def all_logs(self) -> str:
        return "\n".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.logs.glob("daemon-*.log"))
        )

    def tail(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.logs.glob("daemon-*.log"))[-3:]:
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
            out.append(f"--- {path.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(out)


def outbox_rows(database_url: str) -> list[Row]:
    store = open_store(database_url, migrate=False)
    try:
        return Outbox(store).history()
    finally:
        store.dispose()


def owner_of_a_post_in_flight(
    database: str, servers: list[Any], running: list[subprocess.Popen[bytes]]
) -> int | None:
    """The index in ``running`` of a daemon that is sending a post right now.

    Once the daemons are posting (a first post has gone out, so they have
    started and asked the platforms what they need to know), the servers are
    slowed down until some daemon has claimed a row and is waiting for the
    platform's answer, so killing that daemon surely leaves a claimed,
    perhaps half-sent, post behind for another daemon to resume. None when
    no daemon claims anything in time.
    """

    def rows() -> list[Row]:
        try:
            return outbox_rows(database)
        except Exception:  # noqa: BLE001 - the first daemon has not created the tables yet
            return []

    deadline = time.monotonic() + 90
    while not any(r.status == "sent" for r in rows()):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)
    latencies = [server.latency for server in servers]
    for server in servers:
        server.latency = 2.0
    try:
        pids = {p.pid: n for n, p in enumerate(running)}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for row in rows():
                pid = int(row.claimed_by.split(":")[1]) if row.claimed_by else None
                if row.status == "sending" and pid in pids:
                    return pids[pid]
            time.sleep(0.05)
        return None
    finally:
        for server, latency in zip(servers, latencies, strict=True):
            server.latency = latency


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, tail: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}\n{tail()}")


def settled(database_url: str, articles: int, account_names: list[str]) -> bool:
    """Every article has a finished row for every account."""
    try:
        rows = outbox_rows(database_url)
    except Exception:  # noqa: BLE001 - not created yet
        return False
    done = {(r.account, r.article_id) for r in rows if r.status in ("sent", "failed", "unknown")}
    busy = any(r.status in ("pending", "sending") for r in rows)
    per_account = {a: sum(1 for acct, _ in done if acct == a) for a in account_names}
    return not busy and all(count >= articles for count in per_account.values())


@dataclass
class Audit:
    sent: int = 0
    unknown: int = 0
    unknown_arrived: int = 0


def audit_mastodon(rows: list[Row], server: MastodonServer, articles: int) -> Audit:
    """Every article's thread is on the server exactly once, whole and in order."""
    mine = [r for r in rows if r.account == "news-mastodon"]
    assert len({r.article_id for r in mine}) == len(mine) == articles
    by_id = {s["id"]: s for s in server.statuses}
    assert len(by_id) == len(server.statuses)
    claimed: list[str] = []
    for row in mine:
        assert row.status == "sent", f"{row.slot}: {row.status} {row.last_error}"
        assert row.plan is not None
        ids = [s.remote_id for s in row.sent]
        assert len(ids) == len(row.plan.segments)
        for index, (remote_id, segment) in enumerate(zip(ids, row.plan.segments, strict=True)):
            status = by_id[remote_id]
            assert status["content"] == segment.text
            assert status["in_reply_to_id"] == (ids[index - 1] if index else None)
        claimed += ids
    # Nothing on the server that the outbox does not account for: nothing posted twice.
    assert sorted(claimed) == sorted(by_id), "the server has posts no outbox row accounts for"
    return Audit(sent=len(mine))


def audit_telegram(rows: list[Row], server: TelegramServer, articles: int) -> Audit:
    """Each article at most once on the server; exactly once unless its row says unknown."""
    mine = [r for r in rows if r.account == "news-telegram"]
    assert len({r.article_id for r in mine}) == len(mine) == articles
    texts = [html.unescape(m["text"]) for m in server.messages]
    audit = Audit()
    for row in mine:
        assert row.plan is not None
        (segment,) = row.plan.segments
        copies = texts.count(segment.text)
        if row.status == "sent":
            audit.sent += 1
            assert copies == 1, f"{row.slot}: sent, but {copies} copies on the server"
        else:
            assert row.status == "unknown", f"{row.slot}: {row.status} {row.last_error}"
            audit.unknown += 1
            audit.unknown_arrived += copies
            assert copies <= 1, f"{row.slot}: unknown, and {copies} copies on the server"
    assert len(texts) == audit.sent + audit.unknown_arrived
    return audit
