"""Helpers for adapter tests: accounts on loopback servers, plans, a fake sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bot.adapters import MemoryJournal, RetryPolicy, get_adapter
from bot.adapters.base import Adapter
from bot.compose import ComposeOptions, compose
from bot.config import Account, load_settings
from bot.models import Article, PostPlan, Quote, Section
from bot.platforms import get_platform
from bot.templates import TemplateEnvironment
from tests.servers.base import LoopbackServer

T = TypeVar("T")

ARTICLE = Article(
    id="art-1",
    title="Ferries freeze fares for a year",
    lede="The island ferry company will freeze its fares until next November, its board decided.",
    url="https://example.org/ferries",
    sections=(Section("Prices", ("A return stays at 14 euros.", "Children still travel free.")),),
    quotes=(Quote("Islanders should not pay for the fuel crisis twice", "Maja Holm"),),
    hashtags=("Ferries", "Islands"),
    language="en",
)


class Sleeps:
    """A sleep that does not sleep, remembering how long it was asked to."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def account(tmp_path: Path, name: str, fields: dict[str, Any], env: dict[str, str]) -> Account:
    """An account as postbot.yaml would define it, secrets from ``env``."""
    import yaml

    config = tmp_path / "postbot.yaml"
    config.write_text(yaml.safe_dump({"accounts": {name: fields}}), encoding="utf-8")
    return load_settings(config, environ=env).account(name)


def plan(
    platform: str, template: str = "thread", article: Article = ARTICLE, thread: bool | None = None
) -> PostPlan:
    chosen = TemplateEnvironment().get(platform, template)
    quote = article.quotes[0] if chosen.uses_quote else None
    return compose(
        article, chosen, get_platform(platform), ComposeOptions(thread=thread), quote=quote
    )


@contextmanager
def serving(server: LoopbackServer) -> Iterator[LoopbackServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def publish(
    acct: Account,
    the_plan: PostPlan,
    sleeps: Sleeps | None = None,
    journal: MemoryJournal | None = None,
) -> Any:
    async with httpx.AsyncClient() as client:
        adapter: Adapter = get_adapter(acct.platform)(
            acct, client, RetryPolicy(attempts=4, base_delay=0.01), sleeps or Sleeps()
        )
        return await adapter.publish(the_plan, journal or MemoryJournal())
