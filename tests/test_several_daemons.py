"""Three `postbot run` processes on one PostgreSQL, killed at random: each post goes out once.

Ten schedules fire every second, each to its own account on a loopback
Mastodon (half of them threads), from one folder of articles: 320 slots with
a post. Three daemons share one PostgreSQL database; any of them is killed
with SIGKILL at random moments and restarted. Afterwards every slot's post
is on the server exactly once, whole and chained, and none is missing.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.outbox import Row
from tests.daemon_harness import (
    Daemons,
    outbox_rows,
    owner_of_a_post_in_flight,
    wait_until,
    write_articles,
)
from tests.project import make_project
from tests.servers.platforms import MastodonServer

SCHEDULES = 10
ARTICLES = 32
DAEMONS = 3


def schedule(n: int) -> str:
    template = "thread" if n % 2 else "headline"
    return (
        f"name: s{n}\nsource: {{folder: content}}\nslots: [{{every: 1s}}]\ncatch_up: 30s\n"
        f"posts: [{{account: news-{n}, template: {template}}}]\n"
    )


def all_settled(database: str) -> bool:
    try:
        rows = outbox_rows(database)
    except Exception:  # noqa: BLE001 - not created yet
        return False
    final = [r for r in rows if r.status in ("sent", "failed", "unknown")]
    return len(final) >= SCHEDULES * ARTICLES and len(final) == len(rows)


def audit(rows: list[Row], server: MastodonServer) -> None:
    by_id = {s["id"]: s for s in server.statuses}
    per_account: dict[str, set[str]] = {}
    claimed: list[str] = []
    for row in rows:
        assert row.status == "sent", f"{row.schedule} {row.slot}: {row.status} {row.last_error}"
        assert row.plan is not None
        ids = [s.remote_id for s in row.sent]
        assert len(ids) == len(row.plan.segments)
        for index, (remote_id, segment) in enumerate(zip(ids, row.plan.segments, strict=True)):
            assert by_id[remote_id]["content"] == segment.text
            assert by_id[remote_id]["in_reply_to_id"] == (ids[index - 1] if index else None)
        claimed += ids
        articles = per_account.setdefault(row.account, set())
        assert row.article_id not in articles, f"{row.account}: article posted twice"
        articles.add(row.article_id)
    assert {a: len(ids) for a, ids in per_account.items()} == {
        f"news-{n}": ARTICLES for n in range(SCHEDULES)
    }
    assert sorted(claimed) == sorted(by_id), "the server has posts no outbox row accounts for"


def test_three_daemons_one_postgres_random_kills(tmp_path: Path, pg_url: str) -> None:
    seed = int(os.environ.get("POSTBOT_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    server = MastodonServer().start()
    server.latency = 0.04
    try:
        accounts = {
            f"news-{n}": {
                "platform": "mastodon",
                "base_url": server.url,
                "token": "${MASTODON_TOKEN}",
            }
            for n in range(SCHEDULES)
        }
        config = make_project(
            tmp_path / "project",
            accounts,
            {f"s{n}.yaml": schedule(n) for n in range(SCHEDULES)},
            articles=[],
            settings={"lease": "4s"},
        )
        write_articles(config.parent / "content", ARTICLES)
        logs = tmp_path / "logs"
        logs.mkdir()
        daemons = Daemons(config, logs, extra_env={"POSTBOT_DATABASE_URL": pg_url})
        kills = 0
        try:
            running = [daemons.start() for _ in range(DAEMONS)]
            deadline = time.monotonic() + ARTICLES + 8  # while slots still have articles
            while time.monotonic() < deadline or kills < 10:
                time.sleep(rng.uniform(0.3, 2.0))
                victim = rng.randrange(DAEMONS)
                if kills in (0, 4):  # these two surely mid-send (the first one must be)
                    in_flight = owner_of_a_post_in_flight(pg_url, [server], running)
                    assert in_flight is not None or kills, "no daemon started sending a post"
                    victim = victim if in_flight is None else in_flight
                daemons.kill(running[victim])
                kills += 1
                if rng.random() < 0.3:
                    time.sleep(rng.uniform(0.5, 3.0))  # stays down a while
                running[victim] = daemons.start()
            wait_until(
                lambda: all_settled(pg_url),
                timeout=180,
                what=f"every slot's post (seed {seed})",
                tail=daemons.tail,
            )
            for process in running:
                daemons.wait_ready(process)
                assert daemons.stop(process) == 0, daemons.tail()
        finally:
            daemons.kill_all()
        rows = outbox_rows(pg_url)
        try:
            audit(rows, server)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nseed {seed}\n{daemons.tail()}") from exc
        assert len(rows) >= 300
        assert kills >= 10
        # Posts in flight in a killed daemon were taken over by its restarted self.
        assert "released" in daemons.all_logs()
        print(f"seed {seed}: {len(rows)} slots, {len(server.statuses)} posts, {kills} kills")

        # Every command works on PostgreSQL: history reads the same rows.
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "history", "--json"],
            env={"POSTBOT_DATABASE_URL": pg_url},
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)) == len(rows)
    finally:
        server.stop()
