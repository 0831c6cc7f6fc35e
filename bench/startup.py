"""Benchmark: how long a command takes from a cold start of the interpreter.

Each command runs ``--runs`` times, every time in a new process (nothing is
warm but the operating system's file cache, as for a person typing it
twice): ``postbot --help``, ``postbot preview`` on a sample article (every
template for every platform), and ``postbot measure`` of one text. Printed:
the median, the fastest and the slowest wall time (target: preview at most
0.4 s).

Run: ``.venv/bin/python -m bench.startup [--runs 10]``.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import statistics
import subprocess
import sys
import time

from bench.common import ROOT

COMMANDS = {
    "postbot --help": (["--help"], None),
    "postbot preview content/harbour-bridge.txt": (["preview", "content/harbour-bridge.txt"], None),
    "postbot measure --platform x": (
        ["measure", "--platform", "x"],
        "Ferries freeze fares for a year #Islands https://example.org/ferries\n",
    ),
}


def once(args: list[str], stdin: str | None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        input=stdin,
        text=True,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"python {host.python_version()} on {host.machine()}, {os.cpu_count()} CPUs")
    bare = statistics.median(once_python() for _ in range(args.runs))
    print(f"{'python -c pass':<46} median {bare:5.3f} s")
    for label, (argv, stdin) in COMMANDS.items():
        times = [once(argv, stdin) for _ in range(args.runs)]
        print(
            f"{label:<46} median {statistics.median(times):5.3f} s  "
            f"min {min(times):5.3f}  max {max(times):5.3f}"
        )


def once_python() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
