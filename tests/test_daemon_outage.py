"""The state database goes away for a few seconds while the daemon runs: nothing is lost.

A real PostgreSQL database is made to refuse connections (and its open ones
are cut) for three seconds while a daemon posts every second to a loopback
Mastodon. The slots that came meanwhile are enqueued once it is back, the
worker claims again by itself, and every slot's post is on the server once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.daemon import Daemon, DaemonOptions
from tests.daemon_harness import SECRETS, outbox_rows, write_articles
from tests.project import make_project
from tests.servers.platforms import MastodonServer

# The server cuts connections the pool holds; psycopg may warn, when one of
# those dead connections is collected, that it was never closed.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SCHEDULE = """\
name: outage
source: {folder: content}
slots: [{every: 1s}]
catch_up: 1h
posts: [{account: news-mastodon, template: headline}]
"""


@pytest.fixture
def mastodon() -> Iterator[MastodonServer]:
    server = MastodonServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, pg_url: str) -> None:
    """Secrets, loopback only, and the state on the PostgreSQL server the test cuts off."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POSTBOT_NETWORK_GUARD", "loopback")
    monkeypatch.setenv("POSTBOT_DATABASE_URL", pg_url)


def cut_off(database_url: str, seconds: float) -> None:
    """Refuse new connections to the database and end the open ones, for ``seconds``."""
    url = make_url(database_url)
    name = url.database
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        time.sleep(seconds)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()


def test_a_database_outage_loses_no_slot_and_posts_each_once(
    tmp_path: Path, pg_url: str, mastodon: MastodonServer
) -> None:
    account = {"platform": "mastodon", "base_url": mastodon.url, "token": "${MASTODON_TOKEN}"}
    config = make_project(
        tmp_path / "project",
        {"news-mastodon": account},
        {"outage.yaml": SCHEDULE},
        articles=[],
        settings={"lease": "2s"},
    )
    write_articles(config.parent / "content", 40)
    outage: list[float] = []

    async def main() -> None:
        daemon = Daemon(config, DaemonOptions(run_for=16.0, poll=0.5))
        async with daemon:

            async def during() -> None:
                await asyncio.sleep(3)
                outage.append(time.time())
                await asyncio.to_thread(cut_off, pg_url, 3.0)
                outage.append(time.time())

            await asyncio.gather(daemon.run(), during())

    asyncio.run(main())
    stopped = time.time()

    # Rows are enqueued a few seconds ahead; those not yet due at the stop wait.
    rows = [
        r for r in outbox_rows(pg_url) if datetime.fromisoformat(r.slot).timestamp() < stopped - 1
    ]
    slots = sorted(datetime.fromisoformat(r.slot) for r in rows)
    assert len(slots) >= 12
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert all(gap == timedelta(seconds=1) for gap in gaps), f"a slot is missing: {slots}"
    start, end = outage
    assert any(start <= s.timestamp() <= end for s in slots), "no slot came during the outage"
    assert slots[-1].timestamp() > end + 5  # and the daemon went on afterwards
    assert all(r.status == "sent" for r in rows), [
        (r.slot, r.status, r.last_error) for r in rows if r.status != "sent"
    ]
    texts = [s["content"] for s in mastodon.statuses]
    sent = [r for r in outbox_rows(pg_url) if r.status == "sent"]
    assert len(texts) == len(set(texts)) == len(sent)  # each post once


def test_an_outcome_that_cannot_be_recorded_yet_is_recorded_when_the_database_is_back(
    tmp_path: Path,
    pg_url: str,
    mastodon: MastodonServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = {"platform": "mastodon", "base_url": mastodon.url, "token": "${MASTODON_TOKEN}"}
    config = make_project(
        tmp_path / "project", {"news-mastodon": account}, {"outage.yaml": SCHEDULE}, articles=[]
    )
    write_articles(config.parent / "content", 1)  # one post: the first slot's
    mastodon.latency = 3.0  # its answer comes while the database is away

    async def main() -> None:
        daemon = Daemon(config, DaemonOptions(run_for=16.0, poll=0.5))
        async with daemon:

            async def during() -> None:
                deadline = time.monotonic() + 10
                while not any(r.status == "sending" for r in outbox_rows(pg_url)):
                    assert time.monotonic() < deadline, "the post was never claimed"
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(cut_off, pg_url, 4.0)

            await asyncio.gather(daemon.run(), during())

    with caplog.at_level("WARNING"):
        asyncio.run(main())
    rows = [r for r in outbox_rows(pg_url) if r.status != "pending"]
    assert [r.status for r in rows] == ["sent"]
    assert len(mastodon.statuses) == 1
    assert "cannot record its outcome yet" in caplog.text
