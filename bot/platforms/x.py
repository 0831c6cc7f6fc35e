"""X (Twitter): 280 weighted characters, as twitter-text 3.1.0 counts them.

See ``twitter_text`` for the algorithm. ``fits`` is false for empty or
whitespace-only text (X rejects it, though twitter-text's JS counts it) and
for text containing U+FFFE, U+FEFF or U+FFFF.
"""

from __future__ import annotations

import dataclasses

from bot.platforms.base import Platform
from bot.platforms.twitter_text import V3, weighted_length


@dataclasses.dataclass(frozen=True)
class X(Platform):
    name: str = "x"
    limit: int = V3.max_weighted_length

    def count(self, text: str) -> int:
        return weighted_length(text)[0]

    def measure(self, text: str) -> tuple[int, bool]:
        length, valid = weighted_length(text)
        return length, valid and length <= self.limit and self.accepts(text)
