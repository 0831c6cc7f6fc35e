"""One adapter per platform, by name (an explicit registry; no plugins)."""

from __future__ import annotations

from bot.adapters.base import Adapter, Journal, MemoryJournal, RetryPolicy
from bot.adapters.bluesky import BlueskyAdapter
from bot.adapters.discord import DiscordAdapter
from bot.adapters.linkedin import LinkedInAdapter
from bot.adapters.mastodon import MastodonAdapter
from bot.adapters.slack import SlackAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.threads import ThreadsAdapter
from bot.adapters.webhook import WebhookAdapter
from bot.adapters.x import XAdapter
from bot.errors import PlatformError

ADAPTERS: dict[str, type[Adapter]] = {
    cls.platform: cls
    for cls in (
        XAdapter,
        MastodonAdapter,
        BlueskyAdapter,
        ThreadsAdapter,
        LinkedInAdapter,
        TelegramAdapter,
        DiscordAdapter,
        SlackAdapter,
        WebhookAdapter,
    )
}


def get_adapter(platform: str) -> type[Adapter]:
    try:
        return ADAPTERS[platform]
    except KeyError:
        known = ", ".join(ADAPTERS)
        raise PlatformError(f"no adapter for platform {platform!r} (known: {known})") from None


__all__ = ["ADAPTERS", "Adapter", "Journal", "MemoryJournal", "RetryPolicy", "get_adapter"]
