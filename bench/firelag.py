"""Benchmark: fire lag, from a slot's time to its request reaching the platform.

A real ``postbot run`` (a subprocess, SQLite state) loads 10,000 schedules
(see ``bench/fleet.py``), all quiet but for ``--fires`` of them, which have
one ``at`` slot each, spread evenly over a window of ``--window`` seconds
that opens ``--lead`` seconds after the files are written (so the daemon has
started by then). Several slots share each second, as real schedules share
round minutes; each goes to another account, and each schedule has
``jitter: 1s`` (``--jitter``), so its post is due at a stable random moment
of that second. The loopback sink (its own process) records when each
status arrives and the id it gave it; the outbox says which post each id
belongs to and when it was due. Lag = arrival - due time (the slot plus its
jitter). Printed: how many posts went out, and the lag's p50, p99 and max
(target: p99 <= 20 ms). ``--jitter 0s`` makes every slot of a second due at
the same instant: a small burst, where the last post of the second waits
for the others to be sent.

Run: ``.venv/bin/python -m bench.firelag [--schedules 10000] [--fires 1000]
[--window 100] [--lead 60] [--jitter 1s]``.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import percentile, sink, workdir
from bench.fleet import RunningDaemon, write_fleet
from bot.outbox import Outbox
from bot.store import open_store

ACCOUNTS = 200


def fire_times(schedules: int, fires: int, opens: datetime, window: float) -> dict[int, datetime]:
    """Schedule number -> its slot, ``fires`` slots over ``window`` seconds from ``opens``."""
    step = max(1, schedules // fires)
    return {
        k * step: (opens + timedelta(seconds=window * k / fires)).replace(microsecond=0)
        for k in range(fires)
    }


def lags_ms(database_url: str, record: Path) -> tuple[list[float], dict[str, int]]:
    """Each sent slot's lag in milliseconds, and the outbox rows by status."""
    arrived = {}
    for line in record.read_text(encoding="utf-8").splitlines():
        when, status_id = line.split("\t")
        arrived[status_id] = float(when)
    store = open_store(database_url)
    try:
        rows = Outbox(store).history()
    finally:
        store.dispose()
    statuses: dict[str, int] = {}
    lags = []
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
        if row.status == "sent" and row.sent:
            lags.append(1000 * (arrived[row.sent[0].remote_id] - row.due_at))
    return lags, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--fires", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=100.0, help="seconds")
    parser.add_argument("--lead", type=float, default=60.0, help="seconds to start the daemon")
    parser.add_argument("--jitter", default="1s", help="every schedule's jitter (0s: none)")
    args = parser.parse_args()
    print(f"python {host.python_version()} on {host.machine()}, {os.cpu_count()} CPUs")
    with workdir() as folder:
        record = folder / "arrivals.tsv"
        with sink(record) as url:
            opens = datetime.now(UTC) + timedelta(seconds=args.lead)
            fires = fire_times(args.schedules, args.fires, opens, args.window)
            config = write_fleet(folder, url, args.schedules, ACCOUNTS, fires, args.jitter)
            daemon = RunningDaemon.start(config, folder / "daemon.log")
            try:
                startup = daemon.wait_running()
                print(
                    f"{args.schedules} schedules, {len(fires)} slots over {args.window:g} s, "
                    f"jitter {args.jitter}; "
                    f"the daemon ran after {startup:.1f} s"
                )
                spare = (opens - datetime.now(UTC)).total_seconds()
                if spare < 6:  # the daemon enqueues 5 s ahead of a slot
                    raise SystemExit(
                        f"the daemon started too late for the window: use --lead {args.lead + 30:g}"
                    )
                time.sleep(spare + args.window + 5)
            finally:
                code = daemon.stop()
            if code != 0:
                raise SystemExit(f"postbot run exited with {code}:\n{daemon.tail()}")
        lags, statuses = lags_ms(f"sqlite:///{folder}/state/postbot.db", record)
    print(f"outbox rows: {statuses}")
    print(
        f"fire lag over {len(lags)} slots (ms): p50 {percentile(lags, 50):.1f}  "
        f"p99 {percentile(lags, 99):.1f}  max {max(lags):.1f}  min {min(lags):.1f}"
    )


if __name__ == "__main__":
    main()
