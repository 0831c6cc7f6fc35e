"""Benchmark: a daemon with 10,000 schedules and nothing due, for a minute.

A real ``postbot run`` (a subprocess, SQLite state) loads 10,000 schedule
files (see ``bench/fleet.py``) whose only slots are twelve hours away, and
is left alone. Measured from outside, through ``/proc``: the time until it
says it runs, its resident memory (RSS) once running and at the end, and
the CPU it used over ``--seconds`` (targets: RSS <= 80 MB, CPU near 0).

Run: ``.venv/bin/python -m bench.idle [--schedules 10000] [--seconds 60]``.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import time
from pathlib import Path

from bench.common import sink, workdir
from bench.fleet import RunningDaemon, write_fleet

TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    print(f"python {host.python_version()} on {host.machine()}, {os.cpu_count()} CPUs")
    with workdir() as folder, sink() as url:
        config = write_fleet(folder, url, args.schedules, 200)
        daemon = RunningDaemon.start(config, folder / "daemon.log")
        try:
            startup = daemon.wait_running()
            pid = daemon.process.pid
            time.sleep(2)  # let start-up work (catch-up, first timers) settle
            rss_start, cpu_start, wall_start = rss_mb(pid), cpu_seconds(pid), time.monotonic()
            peak = rss_start
            while time.monotonic() - wall_start < args.seconds:
                time.sleep(1)
                peak = max(peak, rss_mb(pid))
            cpu = cpu_seconds(pid) - cpu_start
            wall = time.monotonic() - wall_start
            rss_end = rss_mb(pid)
        finally:
            code = daemon.stop()
        if code != 0:
            raise SystemExit(f"postbot run exited with {code}:\n{daemon.tail()}")
    print(f"{args.schedules} schedules: running after {startup:.1f} s")
    print(
        f"idle {wall:.0f} s: RSS {rss_start:.1f} MB -> {rss_end:.1f} MB (peak {peak:.1f}), "
        f"CPU {cpu:.2f} s = {100 * cpu / wall:.2f}% of one core"
    )


if __name__ == "__main__":
    main()
