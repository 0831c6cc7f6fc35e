"""Platforms whose counting rule is short: Threads, LinkedIn, Telegram,
Discord, Slack and the generic webhook.

Where the platform's documentation leaves the counting unit open
([UNCONFIRMED] in platforms.md), we count conservatively: the unit that
gives the larger number among the plausible ones, so a post we call fitting
is never rejected for length.
"""

from __future__ import annotations

import dataclasses

import regex

from bot.platforms.base import Platform
from bot.platforms.escape import (
    escape_discord,
    escape_linkedin,
    escape_slack,
    escape_telegram_html,
)
from bot.platforms.units import graphemes, utf8_len, utf16_len

_EMOJI_CLUSTER_RE = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_URL_RE = regex.compile(r"(?i)\bhttps?://[^\s<>\"]+|\b(?:www\.)[^\s<>\"]+")
MAX_THREADS_LINKS = 5


@dataclasses.dataclass(frozen=True)
class Threads(Platform):
    """500 "characters"; "emojis are counted as the number of UTF-8 bytes".

    Meta does not publish the algorithm for other text. Conservative: each
    emoji cluster counts its UTF-8 bytes, every other cluster its UTF-16 code
    units (never fewer than its graphemes or code points). At most 5 links.
    """

    name: str = "threads"
    limit: int = 500

    def count(self, text: str) -> int:
        total = utf16_len(text)
        if not _EMOJI_CLUSTER_RE.search(text):
            return total
        for cluster in graphemes(text):
            if _EMOJI_CLUSTER_RE.search(cluster):
                total += utf8_len(cluster) - utf16_len(cluster)
        return total

    def accepts(self, text: str) -> bool:
        links = {m.group(0).rstrip(".,;:!?)") for m in _URL_RE.finditer(text)}
        return super().accepts(text) and len(links) <= MAX_THREADS_LINKS


@dataclasses.dataclass(frozen=True)
class LinkedIn(Platform):
    """3000 characters of commentary [UNCONFIRMED limit and unit].

    Counted conservatively: UTF-16 units of the escaped "little" text we send
    (LinkedIn's services are Java, whose strings count UTF-16 units).
    """

    name: str = "linkedin"
    limit: int = 3000

    def count(self, text: str) -> int:
        return utf16_len(self.escape(text))

    def escape(self, text: str) -> str:
        return escape_linkedin(text)


@dataclasses.dataclass(frozen=True)
class Telegram(Platform):
    """1 to 4096 characters after entity parsing: Unicode code points.

    tdlib checks ``utf8_length`` of the parsed text, which counts code points.
    We send HTML with every special character escaped, so the parsed text is
    exactly the plain text counted here.
    """

    name: str = "telegram"
    limit: int = 4096

    def count(self, text: str) -> int:
        return len(text)

    def escape(self, text: str) -> str:
        return escape_telegram_html(text)


@dataclasses.dataclass(frozen=True)
class Discord(Platform):
    """``content`` up to 2000 characters [UNCONFIRMED unit].

    Counted conservatively in UTF-16 units of the escaped content we send.
    """

    name: str = "discord"
    limit: int = 2000

    def count(self, text: str) -> int:
        return utf16_len(self.escape(text))

    def escape(self, text: str) -> str:
        return escape_discord(text)


@dataclasses.dataclass(frozen=True)
class Slack(Platform):
    """Incoming webhooks truncate ``text`` after 40,000 characters [UNCONFIRMED unit].

    Counted conservatively in UTF-16 units of the escaped mrkdwn we send.
    """

    name: str = "slack"
    limit: int = 40_000

    def count(self, text: str) -> int:
        return utf16_len(self.escape(text))

    def escape(self, text: str) -> str:
        return escape_slack(text)


@dataclasses.dataclass(frozen=True)
class Webhook(Platform):
    """A platform we do not ship, reached by configuration; the account sets the limit.

    Counts grapheme clusters, what a reader sees; a user whose platform counts
    otherwise sets a lower ``limit`` on the account.
    """

    name: str = "webhook"
    limit: int = 5000

    def count(self, text: str) -> int:
        return len(graphemes(text))
