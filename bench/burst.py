"""Benchmark: a burst of 1,000 accounts x 10 posts due in the same minute.

The outbox holds 10,000 due rows (one single-post plan each); a daemon
(in-process, the real ``Daemon`` with its worker, claims, leases and
journal writes, 64 posts in flight, one at a time per account) drains it
into a Mastodon-like sink in another process. Measured: posts per second
and time to drain, on SQLite and on PostgreSQL. In the same run, bare httpx
posts the same 10,000 bodies to the same sink with the same concurrency:
the floor postbot is measured against (target: postbot at 80% or more).

Run: ``.venv/bin/python -m bench.burst [--accounts 1000] [--posts 10] [--no-postgres]``.
PostgreSQL: the server in ``POSTBOT_TEST_DATABASE_URL``, else a throwaway one
started from the installed binaries (as the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as host
import time
from pathlib import Path

import httpx

from bench.common import TOKEN, mastodon_accounts, post_text, sink, workdir, write_config
from bot.daemon import Daemon, DaemonOptions, freeze_what_start_loaded
from bot.models import PostPlan, Segment
from bot.outbox import NewRow, Outbox
from bot.store import open_store

CONCURRENCY = 64


def fill(database_url: str, accounts: list[str], posts: int) -> float:
    """Enqueue ``posts`` due rows per account, as the daemon does; seconds taken."""
    store = open_store(database_url)
    box = Outbox(store)
    now = time.time()
    started = time.perf_counter()
    n = 0
    for slot in range(posts):
        for account in accounts:
            text = post_text(n)
            plan = PostPlan("mastodon", "headline", (Segment(text, len(text), 500),), f"a{n}", "en")
            box.enqueue(
                NewRow(
                    "burst",
                    f"2026-12-01T09:00:{slot:02}+00:00",
                    account,
                    f"a{n}",
                    f"a{n}",
                    "hash",
                    f"Story {n}",
                    plan,
                    now - 1,
                )
            )
            n += 1
    elapsed = time.perf_counter() - started
    store.dispose()
    return elapsed


async def drain(config: Path, total: int) -> float:
    """Seconds for a daemon to publish ``total`` due rows."""
    done = asyncio.Event()
    count = 0

    def on_sent(_: object) -> None:
        nonlocal count
        count += 1
        if count == total:
            done.set()

    options = DaemonOptions(concurrency=CONCURRENCY, per_account=1, on_sent=on_sent)
    daemon = Daemon(config, options)
    await daemon.start()
    freeze_what_start_loaded()  # as postbot run does
    started = time.perf_counter()
    try:
        await asyncio.wait_for(done.wait(), timeout=1800)
        return time.perf_counter() - started
    finally:
        await daemon.stop()


async def bare(url: str, total: int, shards: int = 1) -> float:
    """Seconds for bare httpx to post ``total`` bodies with ``CONCURRENCY`` in flight.

    ``shards`` > 1 spreads the connections over that many clients, as postbot
    does (see ``bot.transport.ClientShards``): the fair floor for it.
    """
    per = max(1, CONCURRENCY // shards)
    limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
    clients = [httpx.AsyncClient(limits=limits, timeout=30) for _ in range(shards)]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with gate:
            response = await clients[n % shards].post(
                f"{url}/api/v1/statuses",
                json={"status": post_text(n), "visibility": "public", "language": "en"},
                headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": f"k{n}"},
            )
            response.raise_for_status()
            response.json()

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(n) for n in range(total)))
        return time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()


def report(label: str, total: int, seconds: float, floor: float | None = None) -> float:
    rate = total / seconds
    line = f"{label:<28} {total:>6} posts in {seconds:6.2f} s  {rate:8,.0f} posts/s"
    if floor:
        line += f"  {100 * rate / floor:5.1f}% of bare httpx"
    print(line, flush=True)
    return rate


def run_postbot(
    label: str, url: str, database_url: str, accounts: int, posts: int, floor: float
) -> None:
    with workdir() as folder:
        config = write_config(folder, mastodon_accounts(accounts, url), database_url=database_url)
        names = [f"acct-{n:05}" for n in range(accounts)]
        enqueue = fill(database_url, names, posts)
        total = accounts * posts
        print(f"{label}: enqueued {total} rows in {enqueue:.2f} s ({total / enqueue:,.0f} rows/s)")
        report(f"postbot ({label})", total, asyncio.run(drain(config, total)), floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    total = args.accounts * args.posts
    print(f"python {host.python_version()} on {host.machine()}, {os.cpu_count()} CPUs")
    print(f"{args.accounts} accounts x {args.posts} posts, {CONCURRENCY} in flight")
    shards = -(-CONCURRENCY // 4)
    with sink() as url:
        asyncio.run(bare(url, 500))  # warm-up
        report("bare httpx, one client", total, asyncio.run(bare(url, total)))
        floor = report(
            f"bare httpx, {shards} clients", total, asyncio.run(bare(url, total, shards))
        )
        with workdir() as folder:
            run_postbot(
                "sqlite", url, f"sqlite:///{folder}/state.db", args.accounts, args.posts, floor
            )
        if not args.no_postgres:
            from tests.pg import fresh_database, postgres_server

            with postgres_server() as server:
                if server is None:
                    print("postgresql: no server (set POSTBOT_TEST_DATABASE_URL); skipped")
                else:
                    with fresh_database(server) as pg:
                        run_postbot("postgresql", url, pg, args.accounts, args.posts, floor)
        report(f"bare httpx, {shards} clients", total, asyncio.run(bare(url, total, shards)))


if __name__ == "__main__":
    main()
