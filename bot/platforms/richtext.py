"""Bluesky rich-text facets, detected as the official atproto client does.

The rules follow ``RichText.detectFacets`` of ``@atproto/api`` (packages/api/
src/rich-text/detection.ts): four scans in a fixed order (mentions, links,
tags, cashtags), each with its own separator rules, the result sorted by
byte offset. JavaScript regex semantics differ from Python's in ways that
matter here, so the character classes are spelled out:

* JS ``\\s`` includes U+FEFF and excludes U+0085;
* the mention's ``\\b`` is an ASCII word boundary;
* JS ``\\d`` is ASCII only, and the link regex's case-insensitive ``[a-z]``
  is ASCII only.

Offsets are UTF-8 bytes into the text as given, start inclusive, end
exclusive. Mention facets carry the handle; the publisher resolves it to a
DID and drops the facet when it does not resolve (as Bluesky's app does).
"""

from __future__ import annotations

import regex

from bot.models import Facet
from bot.platforms.tld import iana_tlds
from bot.platforms.units import grapheme_count, utf8_offsets

_WS = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_WORD = "A-Za-z0-9_"
_ASCII_BOUNDARY = f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"

_MENTION_RE = regex.compile(rf"(^|[{_WS}]|\()(@)([a-zA-Z0-9.-]+)({_ASCII_BOUNDARY})")
_URL_RE = regex.compile(
    rf"(^|[{_WS}]|\()(([Hh][Tt][Tt][Pp][Ss]?://[^{_WS}]+)"
    rf"|((?P<domain>[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+)[^{_WS}]*))"
)
_TAG_RE = regex.compile(
    rf"(^|[{_WS}])[#\uff03]((?!\ufe0f)[^{_WS}{_INVISIBLE}]*"
    rf"[^0-9{_WS}\p{{P}}{_INVISIBLE}]+[^{_WS}{_INVISIBLE}]*)?"
)
_CASHTAG_RE = regex.compile(
    rf"(^|[{_WS}]|\()\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_WS}]|\Z|[.,;:!?)\"'\u2019])"
)
_TRAILING_PUNCT_RE = regex.compile(r"\p{P}+\Z")
MAX_TAG_GRAPHEMES = 64


def is_valid_domain(domain: str) -> bool:
    """True when ``domain`` ends in ``.<tld>``, compared case-sensitively as atproto does.

    The IANA list is lowercase, so ``EXAMPLE.COM`` is not a domain here, just
    as it is not for Bluesky's client.
    """
    dot = domain.rfind(".")
    return dot >= 0 and domain[dot + 1 :] in iana_tlds()


def _strip_link_end(uri: str, end: int) -> tuple[str, int]:
    if uri and uri[-1] in ".,;:!?":
        uri, end = uri[:-1], end - 1
    if uri.endswith(")") and "(" not in uri:
        uri, end = uri[:-1], end - 1
    return uri, end


def detect_facets(text: str) -> tuple[Facet, ...]:
    """Every link, tag (and cashtag) and mention facet of ``text``, by byte offset."""
    found: list[tuple[int, int, str, str]] = []  # (start, end) in code points
    for m in _MENTION_RE.finditer(text):
        handle = m.group(3)
        if is_valid_domain(handle) or handle.endswith(".test"):
            found.append((m.start(2), m.end(3), "mention", handle))
    for m in _URL_RE.finditer(text):
        uri = m.group(2)
        if not uri.startswith("http"):
            domain = m.group("domain")
            if not domain or not is_valid_domain(domain):
                continue
            uri = "https://" + uri
        start = m.start(2)
        uri, end = _strip_link_end(uri, m.end(2))
        found.append((start, end, "link", uri))
    for m in _TAG_RE.finditer(text):
        candidate = m.group(2)
        if not candidate:
            continue
        tag = _TRAILING_PUNCT_RE.sub("", candidate.strip())
        if not tag or grapheme_count(tag) > MAX_TAG_GRAPHEMES:
            continue
        start = m.start(2) - 1
        found.append((start, start + 1 + len(tag), "tag", tag))
    for m in _CASHTAG_RE.finditer(text):
        found.append((m.start(2) - 1, m.end(2), "tag", "$" + m.group(2).upper()))
    if not found:
        return ()
    offsets = utf8_offsets(text)
    found.sort(key=lambda f: f[0])  # stable: ties keep the scan order
    return tuple(Facet(offsets[s], offsets[e], kind, value) for s, e, kind, value in found)
