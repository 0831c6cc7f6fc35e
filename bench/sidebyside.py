"""Side by side: postbot's adapters against the official SDKs, in one run.

* Bluesky: postbot's ``BlueskyAdapter`` and the ``atproto`` SDK's ``Client``
  post the same posts (a link and two tags each, with the same facets) to
  the same real PDS (``tests/pds``, started on loopback), one after another.
* Mastodon: postbot's ``MastodonAdapter`` and ``Mastodon.py`` post the same
  statuses (with an idempotency key) to the same loopback sink
  (``bench/sink.py``, its own process).

Measured for each: client CPU time per post (this process's CPU; the
servers run in their own), wall time per post, and the import time of the
client (a fresh interpreter importing it, less a bare interpreter's start;
the median of five). Both sides log in once and reuse their session; facets
and texts are made before the clock starts. Target: postbot's CPU per post
at most a third of the SDK's.

Run: ``.venv/bin/python -m bench.sidebyside [--bluesky 300] [--mastodon 2000]``
(``pip install -e '.[bench]'`` brings the SDKs; the PDS needs Node.js and
``make pds``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as host
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, sink, workdir
from bot.adapters import MemoryJournal, get_adapter
from bot.config import Account, load_settings
from bot.models import Facet, PostPlan, Segment
from bot.platforms import get_platform

PASSWORD_VARIABLE = "BENCH_BLUESKY_PASSWORD"
TOKEN_VARIABLE = "BENCH_MASTODON_TOKEN"


@dataclass
class Figures:
    label: str
    posts: int
    cpu: float
    wall: float

    def line(self, floor: Figures | None = None) -> str:
        cpu, wall = 1000 * self.cpu / self.posts, 1000 * self.wall / self.posts
        text = f"{self.label:<34} {self.posts:>5} posts  CPU {cpu:6.2f} ms/post"
        text += f"  wall {wall:6.2f} ms/post"
        if floor:
            text += (
                f"  CPU {self.cpu / self.posts / (floor.cpu / floor.posts):4.2f}x of {floor.label}"
            )
        return text


def timed(label: str, posts: int, run: Callable[[], None]) -> Figures:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return Figures(label, posts, time.process_time() - cpu, time.perf_counter() - wall)


def import_ms(statement: str, runs: int = 5) -> float:
    """Median milliseconds a fresh interpreter spends on ``statement``, less a bare start."""

    def once(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return time.perf_counter() - started

    bare = statistics.median(once("pass") for _ in range(runs))
    return 1000 * (statistics.median(once(statement) for _ in range(runs)) - bare)


def texts(count: int) -> list[str]:
    return [
        f"Post {n}: the harbour council voted to repair the old bridge; work starts in March. "
        f"https://news.example.org/stories/{n} #Harbour #Bridge{n % 7}"
        for n in range(count)
    ]


def account(folder: Path, name: str, fields: dict[str, Any]) -> Account:
    import yaml

    config = folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump({"accounts": {name: fields}}), encoding="utf-8")
    return load_settings(config, environ=dict(os.environ)).account(name)


# -- Bluesky ------------------------------------------------------------------------------------


def bluesky(count: int, folder: Path) -> tuple[Figures, Figures]:
    from atproto import Client, models

    from tests.pds_server import running_pds

    rules = get_platform("bluesky")
    posts = texts(count)
    plans = [
        PostPlan(
            "bluesky", "bench", (Segment(t, rules.count(t), 300, rules.facets(t)),), f"b{n}", "en"
        )
        for n, t in enumerate(posts)
    ]

    def sdk_facet(facet: Facet) -> Any:
        feature = (
            models.AppBskyRichtextFacet.Link(uri=facet.value)
            if facet.type == "link"
            else models.AppBskyRichtextFacet.Tag(tag=facet.value)
        )
        return models.AppBskyRichtextFacet.Main(
            index=models.AppBskyRichtextFacet.ByteSlice(
                byte_start=facet.byte_start, byte_end=facet.byte_end
            ),
            features=[feature],
        )

    sdk_facets = [[sdk_facet(f) for f in plan.segments[0].facets] for plan in plans]
    with running_pds() as pds:
        handle = next(iter(pds.accounts))
        os.environ[PASSWORD_VARIABLE] = pds.accounts[handle]["password"]
        acct = account(
            folder,
            "bench-bluesky",
            {
                "platform": "bluesky",
                "base_url": pds.url,
                "handle": handle,
                "app_password": f"${{{PASSWORD_VARIABLE}}}",
            },
        )

        async def postbot() -> Figures:
            async with httpx.AsyncClient(timeout=30) as client:
                adapter = get_adapter("bluesky")(acct, client)
                await adapter.publish(plans[0], MemoryJournal())  # logs in, outside the clock
                cpu, wall = time.process_time(), time.perf_counter()
                for plan in plans[1:]:
                    await adapter.publish(plan, MemoryJournal())
                return Figures(
                    "postbot BlueskyAdapter",
                    len(plans) - 1,
                    time.process_time() - cpu,
                    time.perf_counter() - wall,
                )

        ours = asyncio.run(postbot())
        client = Client(base_url=pds.url)
        client.login(handle, pds.accounts[handle]["password"])
        client.send_post(text=posts[0], facets=sdk_facets[0])
        theirs = timed(
            f"atproto {version('atproto')} Client",
            count - 1,
            lambda: [
                client.send_post(text=t, facets=f)
                for t, f in zip(posts[1:], sdk_facets[1:], strict=True)
            ],
        )
    return ours, theirs


# -- Mastodon -----------------------------------------------------------------------------------


def mastodon(count: int, folder: Path) -> tuple[Figures, Figures]:
    from mastodon import Mastodon

    posts = texts(count)
    plans = [
        PostPlan("mastodon", "bench", (Segment(t, len(t), 500),), f"m{n}", "en")
        for n, t in enumerate(posts)
    ]
    with sink() as url:
        os.environ[TOKEN_VARIABLE] = "bench-token"
        acct = account(
            folder,
            "bench-mastodon",
            {
                "platform": "mastodon",
                "base_url": url,
                "token": f"${{{TOKEN_VARIABLE}}}",
                "limit": 500,
            },
        )

        async def postbot() -> Figures:
            async with httpx.AsyncClient(timeout=30) as client:
                adapter = get_adapter("mastodon")(acct, client)
                await adapter.publish(plans[0], MemoryJournal())  # opens the connection
                cpu, wall = time.process_time(), time.perf_counter()
                for plan in plans[1:]:
                    await adapter.publish(plan, MemoryJournal())
                return Figures(
                    "postbot MastodonAdapter",
                    len(plans) - 1,
                    time.process_time() - cpu,
                    time.perf_counter() - wall,
                )

        ours = asyncio.run(postbot())
        api = Mastodon(access_token="bench-token", api_base_url=url, version_check_mode="none")
        api.status_post(posts[0], visibility="public", language="en", idempotency_key="k0")
        theirs = timed(
            f"Mastodon.py {version('Mastodon.py')}",
            count - 1,
            lambda: [
                api.status_post(t, visibility="public", language="en", idempotency_key=f"k{n}")
                for n, t in enumerate(posts[1:], start=1)
            ],
        )
    return ours, theirs


def version(distribution: str) -> str:
    from importlib.metadata import version as installed

    return installed(distribution)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bluesky", type=int, default=300, help="posts to the PDS per client")
    parser.add_argument("--mastodon", type=int, default=2000, help="statuses per client")
    args = parser.parse_args()
    print(f"python {host.python_version()} on {host.machine()}, {os.cpu_count()} CPUs")
    with workdir() as folder:
        ours, theirs = bluesky(args.bluesky, folder)
        print(theirs.line())
        print(ours.line(theirs))
        ours, theirs = mastodon(args.mastodon, folder)
        print(theirs.line())
        print(ours.line(theirs))
    print("import time (ms, fresh interpreter, median of 5):")
    for label, statement in (
        ("postbot Bluesky adapter", "import bot.adapters.bluesky"),
        ("atproto Client", "from atproto import Client"),
        ("postbot Mastodon adapter", "import bot.adapters.mastodon"),
        ("Mastodon.py", "from mastodon import Mastodon"),
    ):
        print(f"  {label:<26} {import_ms(statement):7.1f}")


if __name__ == "__main__":
    main()
