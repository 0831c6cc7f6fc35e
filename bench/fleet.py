"""A big project for the daemon benchmarks: thousands of schedules, one per file.

Every schedule reads the same folder of sample articles and posts a
``headline`` to one of a few hundred Mastodon accounts on the loopback sink.
Each has a daily cron slot far from the measuring window (so it is loaded
and scheduled, but quiet); the ones given ``fires`` also have an ``at`` slot
at that instant, which the fire-lag benchmark measures.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT, mastodon_accounts, write_config


def quiet_cron(now: datetime) -> str:
    """A daily cron time twelve hours away: never inside a benchmark's window."""
    at = now + timedelta(hours=12)
    return f"{at.minute} {at.hour} * * *"


def write_fleet(
    folder: Path,
    sink_url: str,
    schedules: int,
    accounts: int,
    fires: Mapping[int, datetime] | None = None,
    jitter: str = "0s",
) -> Path:
    """Write the project into ``folder`` and return its postbot.yaml.

    ``fires`` maps a schedule's number to the instant of its one measured
    slot; ``jitter`` is every schedule's ``jitter:``.
    """
    config = write_config(
        folder,
        mastodon_accounts(accounts, sink_url),
        database_url=f"sqlite:///{folder}/state/postbot.db",
    )
    content = folder / "content"
    for path in sorted((ROOT / "content").iterdir()):
        shutil.copy(path, content / path.name)
    cron = quiet_cron(datetime.now(UTC))
    fires = fires or {}
    for n in range(schedules):
        slots = f'  - cron: "{cron}"\n'
        if n in fires:
            slots += f'  - at: "{fires[n].strftime("%Y-%m-%d %H:%M:%S")}"\n'
        (folder / "schedules" / f"s{n:05}.yaml").write_text(
            f"name: s{n:05}\ntimezone: UTC\nsource: {{folder: content}}\njitter: {jitter}\n"
            f"slots:\n{slots}"
            f"posts:\n  - {{account: acct-{n % accounts:05}, template: headline}}\n",
            encoding="utf-8",
        )
    return config


@dataclass
class RunningDaemon:
    """A real ``postbot run`` subprocess and the log it writes."""

    process: subprocess.Popen[bytes]
    log: Path
    started: float

    @classmethod
    def start(cls, config: Path, log: Path, *args: str) -> RunningDaemon:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSTBOT_")}
        env["PYTHONUNBUFFERED"] = "1"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(config), "run", *args],
                cwd=config.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return cls(process, log, time.monotonic())

    def wait_running(self, timeout: float = 600) -> float:
        """Seconds from the start until the daemon logs that it runs."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if "postbot running" in self.log.read_text(encoding="utf-8", errors="replace"):
                return time.monotonic() - self.started
            if self.process.poll() is not None:
                raise RuntimeError(f"postbot run exited:\n{self.tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"postbot run did not start in {timeout:g}s:\n{self.tail()}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])
