"""Every platform's text rules, by name.

``get_platform("mastodon", limit=1000)`` gives the rules with an instance's
own limit. The rules are pure: no I/O, no clock; adapters fetch what is
per-account (Mastodon's limit) and pass it in.
"""

from __future__ import annotations

from bot.errors import PlatformError
from bot.platforms.base import Platform
from bot.platforms.bluesky import Bluesky
from bot.platforms.mastodon import Mastodon
from bot.platforms.simple import Discord, LinkedIn, Slack, Telegram, Threads, Webhook
from bot.platforms.x import X

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        X(),
        Mastodon(),
        Bluesky(),
        Threads(),
        LinkedIn(),
        Telegram(),
        Discord(),
        Slack(),
        Webhook(),
    )
}
PLATFORM_NAMES: tuple[str, ...] = tuple(PLATFORMS)


def get_platform(name: str, limit: int | None = None) -> Platform:
    """The rules of platform ``name``, optionally with another ``limit``."""
    try:
        platform = PLATFORMS[name]
    except KeyError:
        known = ", ".join(PLATFORM_NAMES)
        raise PlatformError(f"unknown platform {name!r} (known: {known})") from None
    return platform.with_limit(limit) if limit is not None else platform


__all__ = ["PLATFORMS", "PLATFORM_NAMES", "Platform", "get_platform"]
