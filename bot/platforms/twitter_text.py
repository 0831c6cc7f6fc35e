"""X's weighted length, exactly as twitter-text 3.1.0 (JavaScript) computes it.

The algorithm (``parseTweet``): normalise to NFC; find URLs and emoji; walk the
text in UTF-16 code units, adding 23 per URL, the default weight per emoji
sequence, and per other character the weight of the range it falls in
(config v3: 1 for U+0000..U+10FF and three General Punctuation ranges, else 2).
The text is valid when its weight is between 1 and 280 and it contains none of
U+FFFE, U+FEFF, U+FFFF.

Two of twitter-text's quirks are kept on purpose, because X's own counter has
them: after a URL the walk skips the length of the URL's *text* (which for a
bare domain with a path can be shorter than its span), and an entity that
starts inside a surrogate pair or a skipped region is ignored.

``parse_tweet`` is the reference: a literal walk that also gives the valid
range. ``weighted_length`` computes the same length and validity in bulk and
is what counting uses; the tests hold the two to each other.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.platforms.emoji import emoji_spans
from bot.platforms.twitter_urls import extract_urls, to_utf16_units

_INVALID_RE = re.compile("[\ufffe\ufeff\uffff]")
_PAIR_RE = re.compile("[\ud800-\udbff][\udc00-\udfff]")


@dataclass(frozen=True)
class TweetConfig:
    """A twitter-text configuration (``config/v1.json`` .. ``v3.json``)."""

    max_weighted_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    emoji_parsing: bool
    ranges: tuple[tuple[int, int, int], ...]  # (first, last, weight), inclusive

    def weight_of(self, code: int) -> int:
        for first, last, weight in self.ranges:
            if first <= code <= last:
                return weight
        return self.default_weight


_V23_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
V1 = TweetConfig(140, 1, 1, 23, False, ())
V2 = TweetConfig(280, 100, 200, 23, False, _V23_RANGES)
V3 = TweetConfig(280, 100, 200, 23, True, _V23_RANGES)


@dataclass(frozen=True)
class ParsedTweet:
    """twitter-text's ``parseTweet`` result; ranges are UTF-16 indices of the input."""

    weighted_length: int
    valid: bool
    permillage: int
    display_range_end: int
    valid_range_end: int


def _normalise(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _entities(
    normal: str, units: str, config: TweetConfig
) -> tuple[dict[int, int], dict[int, int]]:
    """UTF-16 start -> units to skip, for URLs and for emoji."""
    urls = {e.start: len(e.url) for e in extract_urls(units)}
    emoji: dict[int, int] = {}
    if config.emoji_parsing and not normal.isascii():
        spans = emoji_spans(normal)
        if spans:
            if len(units) == len(normal):
                emoji = {start: end - start for start, end in spans}
            else:
                offsets = _utf16_offsets(normal)
                emoji = {offsets[s]: offsets[e] - offsets[s] for s, e in spans}
    return urls, emoji


def _utf16_offsets(text: str) -> list[int]:
    offsets = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        offsets[i] = total
        total += 2 if ord(ch) > 0xFFFF else 1
    offsets[len(text)] = total
    return offsets


def parse_tweet(text: str, config: TweetConfig = V3) -> ParsedTweet:
    """The reference walk of twitter-text's ``parseTweet``, unit by unit."""
    normal = _normalise(text)
    units = to_utf16_units(normal)
    urls, emoji = _entities(normal, units, config)
    limit = config.max_weighted_length * config.scale
    weight = 0
    valid = True
    valid_index = 0
    i = 0
    while i < len(units):
        if i in urls:
            weight += config.transformed_url_length * config.scale
            i += urls[i] - 1
        elif i in emoji:
            weight += config.default_weight
            i += emoji[i] - 1
        else:
            code = ord(units[i])
            if 0xD800 <= code <= 0xDBFF and i + 1 < len(units):
                following = ord(units[i + 1])
                if 0xDC00 <= following <= 0xDFFF:
                    i += 1
                    code = following
            weight += config.weight_of(code)
        if valid:
            valid = units[i] not in "\ufffe\ufeff\uffff"
        if valid and weight <= limit:
            valid_index = i
        i += 1
    weighted = weight // config.scale
    valid = valid and 0 < weighted <= config.max_weighted_length
    # JavaScript computes this in floating point; so must we to agree.
    permillage = math.floor(weighted / config.max_weighted_length * 1000)
    original = len(to_utf16_units(text))
    return ParsedTweet(
        weighted_length=weighted,
        valid=valid,
        permillage=permillage,
        display_range_end=original - 1 if original else 0,
        valid_range_end=valid_index + original - len(units),
    )


@lru_cache(maxsize=8)
def _range_patterns(config: TweetConfig) -> tuple[tuple[re.Pattern[str], int], ...]:
    return tuple(
        (re.compile(f"[{re.escape(chr(first))}-{re.escape(chr(last))}]"), weight)
        for first, last, weight in config.ranges
    )


@lru_cache(maxsize=8)
def _ascii_weight(config: TweetConfig) -> int | None:
    """The one weight all ASCII characters share, if they do (they do in v1..v3)."""
    weights = {config.weight_of(code) for code in range(128)}
    return weights.pop() if len(weights) == 1 else None


def _plain_weight(units: str, config: TweetConfig) -> int:
    """Weight of a stretch with no entities (never splitting a surrogate pair).

    A surrogate pair is one step weighing its low unit's weight (the default:
    no configured range covers surrogates); every other unit weighs its range.
    """
    if not units:
        return 0
    if units.isascii() and (ascii_weight := _ascii_weight(config)) is not None:
        return len(units) * ascii_weight
    pairs = len(_PAIR_RE.findall(units))
    total = 0
    counted = 0
    for pattern, weight in _range_patterns(config):
        n = len(pattern.findall(units))
        total += n * weight
        counted += n
    return total + (len(units) - pairs - counted) * config.default_weight


def weighted_length(text: str, config: TweetConfig = V3) -> tuple[int, bool]:
    """(weighted length, valid): ``parse_tweet`` without the ranges, in bulk."""
    normal = _normalise(text)
    units = to_utf16_units(normal)
    urls, emoji = _entities(normal, units, config)
    weight = 0
    i = 0
    for start in sorted(urls.keys() | emoji.keys()):
        if start < i:
            continue  # inside a URL or emoji already counted
        if (
            start > i
            and "\udc00" <= units[start] <= "\udfff"
            and "\ud800" <= units[start - 1] <= "\udbff"
        ):
            continue  # starts inside a surrogate pair: the walk steps over it
        weight += _plain_weight(units[i:start], config)
        if start in urls:
            weight += config.transformed_url_length * config.scale
            i = start + urls[start]
        else:
            weight += config.default_weight
            i = start + emoji[start]
    weight += _plain_weight(units[i:], config)
    weighted = weight // config.scale
    valid = 0 < weighted <= config.max_weighted_length and not _INVALID_RE.search(units)
    return weighted, valid
