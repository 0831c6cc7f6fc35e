"""Regular expressions compiled the first time they are used.

The speaker-attribution patterns each embed the long speech-verb and name
alternations, and the ``regex`` module takes milliseconds to compile each
one. An article uses only the patterns its quotes reach (most attributions
are found by the first few), so compiling all of them at import cost every
``postbot preview`` and ``postbot parse`` a noticeable part of its start-up
for nothing (see BENCHMARKS.md, start-up).
"""

from __future__ import annotations

from collections.abc import Iterator

import regex


class LazyPattern:
    """A ``regex`` pattern with ``search`` and ``finditer``, compiled on first use."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: regex.Pattern[str] | None = None

    @property
    def compiled(self) -> regex.Pattern[str]:
        if self._compiled is None:
            self._compiled = regex.compile(self._source, self._flags)
        return self._compiled

    def search(
        self, string: str, pos: int | None = None, endpos: int | None = None
    ) -> regex.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def finditer(
        self, string: str, pos: int | None = None, endpos: int | None = None
    ) -> Iterator[regex.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)
