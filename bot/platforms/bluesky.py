"""Bluesky: at most 300 grapheme clusters AND at most 3000 UTF-8 bytes.

Both limits come from the ``app.bsky.feed.post`` lexicon (``maxGraphemes``
300, ``maxLength`` 3000, where lexicon string lengths are UTF-8 bytes). Links
and mentions count exactly as written; nothing is normalised.
"""

from __future__ import annotations

import dataclasses

from bot.models import Facet
from bot.platforms.base import Platform
from bot.platforms.richtext import detect_facets
from bot.platforms.units import grapheme_count, utf8_len

MAX_BYTES = 3000


@dataclasses.dataclass(frozen=True)
class Bluesky(Platform):
    name: str = "bluesky"
    limit: int = 300
    max_bytes: int = MAX_BYTES

    def count(self, text: str) -> int:
        return grapheme_count(text)

    def accepts(self, text: str) -> bool:
        return super().accepts(text) and utf8_len(text) <= self.max_bytes

    def facets(self, text: str) -> tuple[Facet, ...]:
        return detect_facets(text)
