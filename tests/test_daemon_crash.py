"""The real daemon, killed with SIGKILL at random moments: every post goes out once.

A project of generated articles posts every second to a loopback Mastodon
(threads; idempotency keys) and a loopback Telegram (single messages; no
idempotency key, so a send cut off mid-way is truly unknown). ``postbot run``
runs as a subprocess and is killed with SIGKILL at random moments, many
times, and restarted each time. Then the servers and the outbox must agree:
every article posted exactly once per account, threads whole and chained, no
article lost; a Telegram post whose fate could not be known is ``unknown``
in history and at most once on the server, never resent blindly.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from tests.daemon_harness import (
    SCHEDULE,
    Daemons,
    accounts,
    audit_mastodon,
    audit_telegram,
    outbox_rows,
    owner_of_a_post_in_flight,
    settled,
    wait_until,
    write_articles,
)
from tests.project import make_project
from tests.servers.platforms import MastodonServer, TelegramServer

ARTICLES = 24
KILLS = 16


def test_sigkill_at_random_moments_posts_everything_exactly_once(tmp_path: Path) -> None:
    seed = int(os.environ.get("POSTBOT_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    mastodon = MastodonServer().start()
    telegram = TelegramServer().start()
    mastodon.latency = 0.12  # a kill lands inside a request now and then
    telegram.latency = 0.12
    try:
        config = make_project(
            tmp_path / "project",
            accounts(mastodon, telegram),  # type: ignore[arg-type]
            {"crash.yaml": SCHEDULE},
            articles=[],
            settings={"lease": "5s"},
        )
        write_articles(config.parent / "content", ARTICLES)
        database = f"sqlite:///{config.parent / 'state' / 'postbot.db'}"
        logs = tmp_path / "logs"
        logs.mkdir()
        daemons = Daemons(config, logs)
        try:
            for kill in range(KILLS):
                process = daemons.start()
                if kill == 0:  # the first kill surely lands while a post is in flight
                    in_flight = owner_of_a_post_in_flight(database, [mastodon, telegram], [process])
                    assert in_flight == 0, "the daemon did not start sending a post"
                else:
                    time.sleep(rng.uniform(0.4, 2.6))
                daemons.kill(process)
            final = daemons.start()
            wait_until(
                lambda: settled(database, ARTICLES, ["news-mastodon", "news-telegram"]),
                timeout=120,
                what=f"every article to be posted (seed {seed})",
                tail=daemons.tail,
            )
            daemons.wait_ready(final)
            assert daemons.stop(final) == 0, daemons.tail()
        finally:
            daemons.kill_all()
        rows = outbox_rows(database)
        context = f"seed {seed}\n{daemons.tail()}"
        try:
            audit_mastodon(rows, mastodon, ARTICLES)
            telegram_audit = audit_telegram(rows, telegram, ARTICLES)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{context}") from exc
        # The kills did land mid-way: restarted daemons took over posts a killed one held.
        assert daemons.started == KILLS + 1
        assert "released" in daemons.all_logs(), context
        print(f"seed {seed}: telegram {telegram_audit}")

        # What history shows for a post whose fate is unknown.
        result = CliRunner().invoke(cli, ["--config", str(config), "history", "--json"])
        assert result.exit_code == 0, result.output
        entries = json.loads(result.stdout)
        assert len(entries) == 2 * ARTICLES
        unknown = [e for e in entries if e["status"] == "unknown"]
        assert len(unknown) == telegram_audit.unknown
        assert all("not sending it again" in e["error"] for e in unknown)
    finally:
        mastodon.stop()
        telegram.stop()
