"""Shared pieces of the benchmarks: the sink process, projects, figures."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"


@contextlib.contextmanager
def sink(record: Path | None = None) -> Iterator[str]:
    """The Mastodon-like sink (bench/sink.py) in its own process; yields its URL."""
    args = [sys.executable, "-m", "bench.sink"]
    if record:
        args += ["--record", str(record)]
    process = subprocess.Popen(
        args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise RuntimeError(f"the sink did not start: {line!r}")
    try:
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)
        process.stdout.close()


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="postbot-bench-") as folder:
        yield Path(folder)


def mastodon_accounts(count: int, base_url: str) -> dict[str, dict[str, Any]]:
    """``count`` Mastodon accounts on ``base_url`` (limit given: no instance lookups)."""
    return {
        f"acct-{n:05}": {
            "platform": "mastodon",
            "base_url": base_url,
            "token": "${BENCH_TOKEN}",
            "limit": 500,
        }
        for n in range(count)
    }


def write_config(folder: Path, accounts: dict[str, Any], **settings: Any) -> Path:
    config = folder / "postbot.yaml"
    data = {"timezone": "UTC", **settings, "accounts": accounts}
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (folder / "schedules").mkdir(exist_ok=True)
    (folder / "content").mkdir(exist_ok=True)
    os.environ["BENCH_TOKEN"] = TOKEN
    return config


def post_text(n: int) -> str:
    """A realistic status of about 200 characters, different for every ``n``."""
    return (
        f"Story {n}: the harbour council voted to repair the old bridge instead of "
        f"building a new one; work starts in March and lasts four years. "
        f"https://news.example.org/stories/{n} #Harbour #Infrastructure"
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lower = int(k)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):.1f}  p99 {percentile(values, 99):.1f}  "
        f"max {max(values):.1f}  mean {statistics.fmean(values):.1f}"
    )


def pg_url() -> str | None:
    """The PostgreSQL server to use (POSTBOT_BENCH_DATABASE_URL), if any."""
    return os.environ.get("POSTBOT_BENCH_DATABASE_URL") or None
