"""How each platform shows a post's text: which spans become links, tags and mentions.

A preview should look like the post will look, so this module answers, per
platform, "which parts of this text will the platform's app highlight", using
the same detection the platform's counting rules use wherever one exists:

* Bluesky: the rich-text facets postbot sends (``richtext.detect_facets``);
* X: twitter-text's URLs (``twitter_urls.extract_urls``), hashtags and
  ``@handles`` (up to 20 characters, not inside an e-mail address);
* Mastodon: URLs with a scheme and ``@user@domain`` mentions as its server
  finds them (``mastodon``), and hashtags;
* Threads: links, the first hashtag (Threads links one topic tag per post) and
  ``@handles``;
* LinkedIn: links, and the hashtags the little format turns into hashtag
  templates (``escape``); an ``@`` is escaped, so there are no mentions;
* Telegram: links, hashtags and ``@usernames`` (5 to 32 characters), which
  its apps link on their own;
* Discord, Slack and webhooks: links only (postbot suppresses Discord's
  mentions, and Slack's need ids).

Spans are code point offsets into the text as given, start inclusive, end
exclusive, never overlapping. Pure functions: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from bot.platforms.escape import _HASHTAG_RE
from bot.platforms.mastodon import _mention_spans, _url_spans
from bot.platforms.richtext import detect_facets
from bot.platforms.simple import _URL_RE as _PLAIN_URL_RE
from bot.platforms.twitter_urls import extract_urls, to_utf16_units
from bot.platforms.units import utf8_offsets

# Trailing punctuation is not part of a link where a sentence ends in one.
_LINK_TRAILER = ".,;:!?)\"'"
# twitter-text's valid mention: not after a word character, an e-mail's "@" or
# a "#"/"$"; at most 20 characters; not followed by another "@" or "://".
_X_MENTION_RE = regex.compile(
    r"(?<![A-Za-z0-9_!#$%&*@\uff20])[@\uff20][A-Za-z0-9_]{1,20}(?![A-Za-z0-9_@\uff20]|://)"
)
# Instagram/Threads user names: letters, digits, "." and "_", up to 30.
_THREADS_MENTION_RE = regex.compile(
    r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])"
)
# Telegram user names: 5 to 32 of letters, digits and "_".
_TELEGRAM_MENTION_RE = regex.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@])")


@dataclass(frozen=True, slots=True)
class Span:
    """One highlighted part of a post: ``text[start:end]`` is a link, tag or mention."""

    start: int
    end: int
    kind: str  # "link" | "tag" | "mention"
    value: str  # the link's URL, the tag without "#", the handle without "@"


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of the text as shown: plain (``kind`` empty) or highlighted.

    ``shown`` is what the platform displays (X and Mastodon shorten links);
    ``text`` is what was written.
    """

    text: str
    kind: str = ""
    value: str = ""
    shown: str = ""

    @property
    def href(self) -> str | None:
        """A link target safe to put in a page: only http(s) URLs."""
        lower = self.value.lower()
        if self.kind == "link" and lower.startswith(("http://", "https://")):
            return self.value
        return None


def spans(platform: str, text: str) -> tuple[Span, ...]:
    """The links, tags and mentions ``platform`` would highlight in ``text``."""
    finder = _FINDERS.get(platform, _links_only)
    found = sorted(finder(text), key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for span in found:
        if out and span.start < out[-1].end:
            continue  # overlapping: the one that starts first wins (a URL over its "#frag")
        out.append(span)
    return tuple(out)


def runs(platform: str, text: str) -> list[Run]:
    """``text`` cut into plain and highlighted runs, in order; joined they give ``text``."""
    out: list[Run] = []
    last = 0
    for span in spans(platform, text):
        if span.start > last:
            out.append(Run(text[last : span.start]))
        written = text[span.start : span.end]
        shown = display_url(platform, written) if span.kind == "link" else written
        out.append(Run(written, span.kind, span.value, shown))
        last = span.end
    if last < len(text):
        out.append(Run(text[last:]))
    return out


def display_url(platform: str, url: str) -> str:
    """A link as the platform prints it.

    Mastodon hides the scheme and ``www.`` and shows 30 characters, then "…";
    X shows its ``display_url``, likewise without scheme or ``www.``, cut at
    about 25 characters. The others show the link as written.
    """
    if platform not in ("mastodon", "x"):
        return url
    bare = regex.sub(r"(?i)^[a-z][a-z0-9+.-]*://(?:www\.)?", "", url)
    keep = 30 if platform == "mastodon" else 25
    return bare if len(bare) <= keep else bare[:keep] + "…"


def _bluesky(text: str) -> list[Span]:
    index = {byte: i for i, byte in enumerate(utf8_offsets(text))}
    return [
        Span(index[f.byte_start], index[f.byte_end], f.type, f.value) for f in detect_facets(text)
    ]


def _x(text: str) -> list[Span]:
    index = _utf16_index(text)
    found = [
        Span(index[e.start], index[e.end], "link", _with_scheme(e.url))
        for e in extract_urls(to_utf16_units(text))
        if e.start in index and e.end in index
    ]
    found += _tags(text)
    return found + [
        Span(m.start(), m.end(), "mention", m.group()[1:]) for m in _X_MENTION_RE.finditer(text)
    ]


def _with_scheme(url: str) -> str:
    """A bare ``example.com`` links to ``https://example.com``, as X's t.co link does."""
    return url if regex.match(r"(?i)https?://", url) else "https://" + url


def _mastodon(text: str) -> list[Span]:
    found = [Span(s, e, "link", text[s:e]) for s, e in _url_spans(text)]
    found += [Span(s, e, "mention", text[s + 1 : e]) for s, e, _ in _mention_spans(text)]
    return found + _tags(text)


def _threads(text: str) -> list[Span]:
    found = _links(text) + _tags(text)[:1]
    return found + [
        Span(m.start(), m.end(), "mention", m.group()[1:])
        for m in _THREADS_MENTION_RE.finditer(text)
    ]


def _linkedin(text: str) -> list[Span]:
    return _links(text) + _tags(text)


def _telegram(text: str) -> list[Span]:
    found = _links(text) + _tags(text)
    return found + [
        Span(m.start(), m.end(), "mention", m.group()[1:])
        for m in _TELEGRAM_MENTION_RE.finditer(text)
    ]


def _links_only(text: str) -> list[Span]:
    return _links(text)


def _links(text: str) -> list[Span]:
    """Links written with ``http(s)://`` or ``www.``, as most apps link them."""
    out = []
    for m in _PLAIN_URL_RE.finditer(text):
        url = m.group()
        while url and url[-1] in _LINK_TRAILER and not (url[-1] == ")" and "(" in url):
            url = url[:-1]
        if url:
            out.append(Span(m.start(), m.start() + len(url), "link", url))
    return out


def _tags(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "tag", m.group(1)) for m in _HASHTAG_RE.finditer(text)]


def _utf16_index(text: str) -> dict[int, int]:
    """UTF-16 unit offset -> code point offset, for every code point boundary."""
    index = {}
    units = 0
    for i, ch in enumerate(text):
        index[units] = i
        units += 2 if ord(ch) > 0xFFFF else 1
    index[units] = len(text)
    return index


_FINDERS = {
    "bluesky": _bluesky,
    "x": _x,
    "mastodon": _mastodon,
    "threads": _threads,
    "linkedin": _linkedin,
    "telegram": _telegram,
}

__all__ = ["Run", "Span", "display_url", "runs", "spans"]
