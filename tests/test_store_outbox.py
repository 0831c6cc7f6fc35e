"""The state database and the outbox contract, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.errors import StoreError
from bot.models import OutboxStatus, PostPlan, Segment, SentSegment
from bot.outbox import LeaseLost, NewRow, Outbox, OutboxJournal
from bot.store import SCHEMA_VERSION, Store, open_store, outbox, version_table
from tests.adapter_helpers import run

S = OutboxStatus
PLAN = PostPlan(
    "mastodon",
    "thread",
    (Segment("first 1/2", 9, 500), Segment("second 2/2", 10, 500)),
    "art-1",
    "en",
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.dispose()


def new_row(
    slot: str = "2026-12-01T09:00:00+00:00",
    account: str = "news-mastodon",
    article: str = "art-1",
    due_at: float | None = None,
    error: str | None = None,
) -> NewRow:
    return NewRow(
        schedule="world",
        slot=slot,
        account=account,
        article_id=article,
        article_key=article,
        content_hash="c0ffee",
        title=f"Title of {article}",
        plan=None if error else PLAN,
        due_at=time.time() - 1 if due_at is None else due_at,
        error=error,
    )


# -- schema ---------------------------------------------------------------------------------


def test_a_new_database_gets_the_current_schema_and_reopening_changes_nothing(
    db_url: str,
) -> None:
    first = open_store(db_url)
    Outbox(first).enqueue(new_row())
    first.dispose()
    again = open_store(db_url)
    try:
        with again.engine.connect() as conn:
            versions = conn.execute(select(version_table.c.version)).scalars().all()
        assert versions == [SCHEMA_VERSION]
        assert len(Outbox(again).history()) == 1
    finally:
        again.dispose()


def test_a_database_newer_than_postbot_is_refused(store: Store, db_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(version_table).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match=r"newer than this postbot understands"):
        open_store(db_url)


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    opened = open_store(f"sqlite:///{tmp_path / 'deep' / 'folder' / 'state.db'}")
    try:
        with opened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        opened.dispose()


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://bot:hunter2@127.0.0.1:1/postbot")
    message = str(caught.value)
    assert "\n" not in message
    assert "hunter2" not in message
    assert "cannot use the state database" in message


# -- enqueue ---------------------------------------------------------------------------------


def test_a_slot_is_enqueued_once_per_account(store: Store) -> None:
    box = Outbox(store)
    assert box.enqueue(new_row())
    assert not box.enqueue(new_row(article="art-2"))  # same slot and account
    assert box.enqueue(new_row(account="news-x"))  # same slot, another account
    assert box.slot_taken("world", "2026-12-01T09:00:00+00:00", "news-mastodon")
    assert not box.slot_taken("world", "2026-12-01T10:00:00+00:00", "news-mastodon")


def test_an_article_is_enqueued_once_per_schedule_and_account(store: Store) -> None:
    box = Outbox(store)
    assert box.enqueue(new_row(slot="2026-12-01T09:00:00+00:00"))
    assert not box.enqueue(new_row(slot="2026-12-01T10:00:00+00:00"))  # same article
    assert box.used_articles("world", "news-mastodon") == {"art-1"}


def test_enqueue_races_have_exactly_one_winner(store: Store, db_url: str) -> None:
    """Eight outboxes (own engines, like eight daemons) insert the same slot at once."""
    stores = [open_store(db_url, migrate=False) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    wins: list[bool] = []

    def contend(s: Store) -> None:
        barrier.wait()
        wins.append(Outbox(s).enqueue(new_row()))

    threads = [threading.Thread(target=contend, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert sorted(wins) == [False] * 7 + [True]
    assert len(Outbox(store).history()) == 1


def test_a_row_whose_plan_failed_is_born_failed_and_never_claimed(store: Store) -> None:
    box = Outbox(store)
    box.enqueue(new_row(error="cannot compose: the link alone is longer than 300"))
    assert box.claim(10) == []
    (row,) = box.history()
    assert row.status == S.FAILED
    assert row.last_error == "cannot compose: the link alone is longer than 300"


# -- claims and leases ---------------------------------------------------------------------


def test_claim_takes_due_rows_in_order_under_a_lease(store: Store) -> None:
    box = Outbox(store, owner="host:1:1", lease=30)
    now = time.time()
    box.enqueue(new_row(slot="s2", article="a2", due_at=now - 5))
    box.enqueue(new_row(slot="s1", article="a1", due_at=now - 10))
    box.enqueue(new_row(slot="s3", article="a3", due_at=now + 60))  # not due yet
    rows = box.claim(10, now=now)
    assert [r.slot for r in rows] == ["s1", "s2"]
    assert all(r.status == S.SENDING and r.claimed_by == "host:1:1" for r in rows)
    assert all(r.claimed_until == pytest.approx(now + 30) for r in rows)
    assert rows[0].plan == PLAN
    assert box.claim(10, now=now) == []  # claimed rows are not claimed again
    assert box.next_due() == pytest.approx(now + 30)  # the first lease to expire


def test_claim_respects_its_limit(store: Store) -> None:
    box = Outbox(store)
    for n in range(5):
        box.enqueue(new_row(slot=f"s{n}", article=f"a{n}"))
    assert len(box.claim(2)) == 2
    assert len(box.claim(0)) == 0
    assert len(box.claim(10)) == 3


def test_an_expired_lease_passes_the_row_on_and_fences_the_old_owner(store: Store) -> None:
    first = Outbox(store, owner="host-a:1:1", lease=30)
    second = Outbox(store, owner="host-b:2:2", lease=30)
    first.enqueue(new_row())
    (mine,) = first.claim(1)
    assert second.claim(1) == []  # leased
    (taken,) = second.claim(1, now=time.time() + 31)  # the lease ran out
    assert taken.id == mine.id
    assert taken.claimed_by == "host-b:2:2"
    with pytest.raises(LeaseLost):
        first.finish(mine, S.SENT)
    with pytest.raises(LeaseLost):
        first.save_progress(mine)
    second.finish(taken, S.SENT)
    (row,) = second.history()
    assert row.status == S.SENT
    assert row.claimed_by is None
    assert row.attempts == 1


def test_a_daemon_never_claims_again_a_row_it_is_still_sending(store: Store) -> None:
    box = Outbox(store, owner="host-a:1:1", lease=30)
    box.enqueue(new_row())
    box.enqueue(new_row(slot="2026-12-01T10:00:00+00:00", account="news-x", article="art-2"))
    sending = box.claim(1)
    later = time.time() + 31  # its lease lapsed (the database was away; renewals failed)
    again = box.claim(5, now=later, skip=[r.id for r in sending])
    assert {r.id for r in again}.isdisjoint(r.id for r in sending)
    assert len(again) == 1  # the other row only
    # Without the skip list, the lapsed row would be claimed by its own sender.
    assert sending[0].id in {r.id for r in box.claim(5, now=later + 1)}


def test_renew_extends_only_the_owners_leases(store: Store) -> None:
    first = Outbox(store, owner="host-a:1:1", lease=30)
    other = Outbox(store, owner="host-b:2:2", lease=30)
    first.enqueue(new_row(due_at=time.time() - 60))
    (row,) = first.claim(1, now=time.time() - 25)  # a lease that ends in 5 s
    other.renew([row.id])
    (still,) = first.history()
    assert still.claimed_until == pytest.approx(row.claimed_until)
    first.renew([row.id])
    (renewed,) = first.history()
    assert renewed.claimed_until is not None
    assert renewed.claimed_until > time.time() + 25


def test_concurrent_claims_never_share_a_row(store: Store, db_url: str) -> None:
    """Four claimers with their own engines drain 200 rows; each row goes to one of them."""
    box = Outbox(store)
    for n in range(200):
        box.enqueue(new_row(slot=f"s{n:03}", article=f"a{n}"))
    claimed: dict[str, list[int]] = {}
    stores = [open_store(db_url, migrate=False) for _ in range(4)]

    def drain(index: int, s: Store) -> None:
        me = Outbox(s, owner=f"host:{index}:0")
        got = claimed.setdefault(me.owner, [])
        while rows := me.claim(7):
            got += [r.id for r in rows]

    threads = [threading.Thread(target=drain, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    every = [row_id for ids in claimed.values() for row_id in ids]
    assert len(every) == 200
    assert len(set(every)) == 200


def test_claims_of_a_dead_daemon_on_this_host_are_released(store: Store) -> None:
    import socket
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_owner = f"{socket.gethostname()}:{int(gone.stdout)}:0"
    dead = Outbox(store, owner=dead_owner, lease=3600)
    dead.enqueue(new_row())
    dead.claim(1)
    living = Outbox(store, lease=30)
    assert living.claim(1) == []  # the lease is long
    assert living.release_dead_owners() == 1
    (row,) = living.claim(1)
    assert row.claimed_by == living.owner


def test_claims_of_live_daemons_and_other_hosts_are_left_alone(store: Store) -> None:
    import os
    import socket

    alive = Outbox(store, owner=f"{socket.gethostname()}:{os.getpid()}:0", lease=3600)
    elsewhere = Outbox(store, owner="another-host:1:0", lease=3600)
    alive.enqueue(new_row(slot="s1", article="a1"))
    alive.claim(1)
    elsewhere.enqueue(new_row(slot="s2", article="a2"))
    elsewhere.claim(1)
    assert Outbox(store).release_dead_owners() == 0


# -- outcomes and progress ------------------------------------------------------------------


def test_retry_later_puts_the_row_back_with_its_error(store: Store) -> None:
    box = Outbox(store)
    box.enqueue(new_row())
    (row,) = box.claim(1)
    later = time.time() + 120
    box.retry_later(row, later, "HTTP 503 from mastodon.example")
    assert box.claim(1) == []
    (back,) = box.history()
    assert back.status == S.PENDING
    assert back.attempts == 1
    assert back.due_at == pytest.approx(later)
    assert back.last_error == "HTTP 503 from mastodon.example"
    assert [r.id for r in box.claim(1, now=later + 1)] == [row.id]


def test_progress_survives_a_crash_and_the_next_owner_resumes_from_it(store: Store) -> None:
    """The journal writes each segment's receipt as it happens."""
    first = Outbox(store, owner="host-a:1:1", lease=30)
    first.enqueue(new_row())
    (row,) = first.claim(1)
    journal = OutboxJournal(first, row)
    run(journal.remember(0, {"idempotency_key": "k-0"}))
    run(journal.sent(0, SentSegment("111", "https://m.example/@a/111", {"uri": "u"})))
    run(journal.sending(1))
    # The daemon dies here. Another one takes the row after the lease.
    second = Outbox(store, owner="host-b:2:2", lease=30)
    (resumed,) = second.claim(1, now=time.time() + 31)
    again = OutboxJournal(second, resumed)
    assert again.sent_segments() == [SentSegment("111", "https://m.example/@a/111", {"uri": "u"})]
    assert again.material(0) == {"idempotency_key": "k-0"}
    assert again.inflight() == 1  # segment 2 may have gone out: the adapter must check
    run(again.sent(1, SentSegment("112", "https://m.example/@a/112")))
    second.finish(resumed, S.SENT)
    (done,) = second.history()
    assert [s.remote_id for s in done.sent] == ["111", "112"]


def test_history_lists_every_row_in_slot_order(store: Store) -> None:
    box = Outbox(store)
    box.enqueue(new_row(slot="2026-12-02T09:00:00+00:00", article="a2"))
    box.enqueue(new_row(slot="2026-12-01T09:00:00+00:00", article="a1"))
    box.enqueue(new_row(slot="2026-12-01T09:00:00+00:00", account="news-x", article="a1"))
    rows = box.history()
    assert [(r.slot[:10], r.account) for r in rows] == [
        ("2026-12-01", "news-mastodon"),
        ("2026-12-01", "news-x"),
        ("2026-12-02", "news-mastodon"),
    ]
    assert box.counts() == {"pending": 3}


def test_plans_are_stored_as_readable_json(store: Store) -> None:
    Outbox(store).enqueue(new_row())
    with store.engine.connect() as conn:
        stored = conn.execute(select(outbox.c.plan)).scalar_one()
    data = json.loads(stored)
    assert data["platform"] == "mastodon"
    assert [s["text"] for s in data["segments"]] == ["first 1/2", "second 2/2"]


def test_claim_holds_at_most_per_account_rows_of_one_account(store: Store) -> None:
    """A daemon does not hoard rows it cannot send yet (one at a time per account)."""
    box = Outbox(store)
    for n in range(6):
        box.enqueue(new_row(slot=f"s{n}", account="news-mastodon", article=f"a{n}"))
        box.enqueue(new_row(slot=f"s{n}", account="news-x", article=f"a{n}"))
    first = box.claim(10, per_account=1)
    assert sorted(r.account for r in first) == ["news-mastodon", "news-x"]
    assert [r.slot for r in first] == ["s0", "s0"]
    busy = {"news-mastodon": 1, "news-x": 1}
    assert box.claim(10, per_account=1, busy=busy) == []
    (next_x,) = box.claim(10, per_account=1, busy={"news-mastodon": 1})
    assert (next_x.account, next_x.slot) == ("news-x", "s1")
    assert len(box.claim(10, per_account=3, busy={"news-x": 2})) == 3 + 1


def test_a_version_1_database_is_migrated_keeping_its_rows(store: Store, db_url: str) -> None:
    from sqlalchemy import inspect

    from bot.store import daemons

    Outbox(store).enqueue(new_row())
    with store.engine.begin() as conn:  # as postbot with schema 1 left it
        daemons.drop(conn)
        conn.execute(update(version_table).values(version=1))
    migrated = open_store(db_url)
    try:
        with migrated.engine.connect() as conn:
            assert conn.execute(select(version_table.c.version)).scalar() == SCHEMA_VERSION == 2
            assert "daemons" in inspect(conn).get_table_names()
        assert len(Outbox(migrated).history()) == 1
    finally:
        migrated.dispose()


def test_missed_slots_are_withdrawn_but_late_ones_kept(store: Store) -> None:
    """A slot that came while no daemon ran is missed; one that came while one ran is late."""
    now = time.time()
    ran = Outbox(store, owner="host:1:1")
    with store.engine.begin() as conn:
        from bot.store import daemons

        conn.execute(
            daemons.insert().values(owner="host:1:1", started_at=now - 1000, last_seen=now - 500)
        )
    ran.enqueue(new_row(slot="tried", article="a4", due_at=now - 300))  # tried once, waits
    (tried,) = ran.claim(10, now=now)
    ran.retry_later(tried, now + 30, "HTTP 503")
    ran.enqueue(new_row(slot="late", article="a1", due_at=now - 700))  # a daemon ran then
    ran.enqueue(new_row(slot="missed", article="a2", due_at=now - 300))  # none did
    ran.enqueue(new_row(slot="recent", article="a3", due_at=now - 10))  # within catch_up
    assert ran.drop_unsent("world", missed_before=now - 60) == 1
    assert {r.slot for r in ran.history()} == {"late", "recent", "tried"}


def test_rows_ahead_are_withdrawn_when_a_schedule_changes(store: Store) -> None:
    now = time.time()
    box = Outbox(store)
    box.enqueue(new_row(slot="due", article="a1", due_at=now - 1))
    box.enqueue(new_row(slot="ahead", article="a2", due_at=now + 4))
    assert box.drop_unsent("world", after=now) == 1
    assert [r.slot for r in box.history()] == ["due"]
    assert box.used_articles("world", "news-mastodon") == {"a1"}  # a2 is free again


def test_heartbeat_records_the_daemon(store: Store) -> None:
    from bot.store import daemons

    box = Outbox(store, owner="host:7:7")
    box.heartbeat(100.0)
    box.heartbeat(100.0, stopped=True)
    with store.engine.connect() as conn:
        (row,) = conn.execute(select(daemons)).all()
    assert row.owner == "host:7:7"
    assert row.started_at == 100.0
    assert row.stopped_at is not None
    assert row.last_seen >= row.stopped_at - 1


def test_daemons_starting_together_on_a_new_database_migrate_it_once(db_url: str) -> None:
    barrier = threading.Barrier(6)
    errors: list[Exception] = []
    stores: list[Store] = []

    def start() -> None:
        barrier.wait()
        try:
            stores.append(open_store(db_url))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with stores[0].engine.connect() as conn:
            assert conn.execute(select(version_table.c.version)).scalars().all() == [SCHEMA_VERSION]
    finally:
        for s in stores:
            s.dispose()
