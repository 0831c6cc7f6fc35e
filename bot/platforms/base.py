"""The ``Platform`` interface: one platform's text rules, as pure functions.

A Platform answers "how long is this text *as the platform counts it*" and
"would the platform accept it". ``count`` measures the text exactly as the
adapter will send it, so where the adapter escapes markup (Discord, Slack,
LinkedIn) the escaped form is what is counted.
"""

from __future__ import annotations

import dataclasses
from typing import Self

from bot.models import Facet


@dataclasses.dataclass(frozen=True)
class Platform:
    """Base class; subclasses override ``count`` and, where needed, the rest."""

    name: str
    limit: int

    def count(self, text: str) -> int:
        raise NotImplementedError

    def measure(self, text: str) -> tuple[int, bool]:
        """(length, fits) in one pass; the hot path of compose and ``measure``."""
        length = self.count(text)
        return length, length <= self.limit and self.accepts(text)

    def fits(self, text: str) -> bool:
        """Whether the platform would accept ``text`` as one post."""
        return self.measure(text)[1]

    def accepts(self, text: str) -> bool:
        """Rules other than the length limit; by default, text must not be blank."""
        return bool(text.strip())

    def facets(self, text: str) -> tuple[Facet, ...]:
        """Rich-text facets (only Bluesky has them)."""
        return ()

    def escape(self, text: str) -> str:
        """``text`` with the platform's markup characters made literal."""
        return text

    def with_limit(self, limit: int) -> Self:
        """The same rules with another limit (Mastodon instances set their own)."""
        return dataclasses.replace(self, limit=limit)
