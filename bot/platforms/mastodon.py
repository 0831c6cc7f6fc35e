"""Mastodon: grapheme clusters, URLs as 23, remote mentions as ``@user``.

The server's ``StatusLengthValidator`` counts the extended grapheme clusters
of ``spoiler_text`` plus the status text, after two substitutions in the
text (not in the spoiler):

* every URL *with a scheme* found by twitter-text's Ruby extractor (with
  Mastodon's own URL rules: more schemes, wider path and query characters)
  becomes 23 characters; a bare ``example.com`` is counted as written;
* every mention ``@user@domain`` becomes ``@user`` (unless its domain is over
  253 characters).

The limit is the instance's ``configuration.statuses.max_characters``, read
by the adapter from ``GET /api/v2/instance``; 500 when unknown.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import regex

from bot.platforms.base import Platform
from bot.platforms.tld import twitter_text_tlds
from bot.platforms.units import grapheme_count

URL_LENGTH = 23
DEFAULT_LIMIT = 500
MAX_URL_LENGTH = 4096
MAX_MENTION_DOMAIN = 253

_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
# RFC 3987 ucschar and iprivate, allowed in Mastodon's query.
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_BEFORE = rf"(?:[^A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]|[{_DIRECTIONAL}]|^)"
_DOMAIN_CHAR = (
    rf"[^!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{{|}}~{_SPACES}\x00-\x1f\x7f"
    rf"\ufffe\ufeff\uffff{_DIRECTIONAL}]"
)
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}(?:[_\-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
# The gem's path characters, still used for balanced parentheses.
_GEM_PATH_CHAR = rf"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}]"
_PARENS = (
    rf"(?:\((?:{_GEM_PATH_CHAR}+|(?:{_GEM_PATH_CHAR}*\({_GEM_PATH_CHAR}+\){_GEM_PATH_CHAR}*))\))"
)
_PATH_CHAR = r"[^\p{White_Space}<>()?]"
_PATH_END = rf"(?:[^\p{{White_Space}}()?!*\"'「」<>;:=,.$%\[\]~&|@]|{_PARENS})"
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:{_PATH_CHAR}+/))"
_QUERY_CHAR = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
_QUERY_END = rf"[a-z0-9_&=#/\-{_UCHARS}]"
_SCHEMES = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"

# Account::MENTION_RE; [[:word:]] in Ruby is letters, marks, decimal digits, connectors.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION_RE = regex.compile(
    rf"(?<![=/\p{{L}}\p{{M}}\p{{Nd}}\p{{Pc}}])@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)"
    rf"(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
_END_MENTION_RE = regex.compile(rf"[@\uff20{_LATIN}]|://")


@lru_cache(maxsize=1)
def _url_re() -> regex.Pattern[str]:
    tlds = "|".join(regex.escape(t) for t in twitter_text_tlds())
    tld = rf"(?:(?:{tlds})(?=[^0-9a-z@+\-]|$)|xn--[0-9a-z]+)"
    return regex.compile(
        rf"(?P<before>{_BEFORE})"
        rf"(?P<url>(?P<protocol>{_SCHEMES})?"
        rf"(?P<domain>{_SUBDOMAIN}*{_DOMAIN_NAME}{tld})"
        rf"(?::[0-9]+)?(?:/{_PATH}*)?(?:\?{_QUERY_CHAR}*{_QUERY_END})?)",
        regex.I | regex.V0,
    )


_TCO_RE = regex.compile(r"^https?://t\.co/([a-z0-9]+)", regex.I)


def _idna_length(domain: str) -> int | None:
    """Length of ``domain`` in IDNA2003 ASCII form, or None when it is not valid."""
    try:
        return len(domain.encode("idna"))
    except UnicodeError:
        return None


def _url_spans(text: str) -> list[tuple[int, int]]:
    if ":" not in text:
        return []
    spans = []
    for m in _url_re().finditer(text):
        if not m.group("protocol"):
            continue  # Mastodon does not shorten URLs without a scheme
        url, start = m.group("url"), m.start("url")
        short = _TCO_RE.match(url)
        if short:
            if len(short.group(1)) > 40:
                continue
            url = short.group(0)
        domain = m.group("domain")
        ascii_length = _idna_length(domain)
        if ascii_length is None:
            continue
        if len(url) + max(0, ascii_length - len(domain)) > MAX_URL_LENGTH:
            continue
        spans.append((start, start + len(url)))
    return spans


def _mention_spans(text: str) -> list[tuple[int, int, str]]:
    if "@" not in text and "\uff20" not in text:
        return []
    spans = []
    for m in _MENTION_RE.finditer(text):
        if _END_MENTION_RE.match(text, m.end()):
            continue
        user, _, domain = m.group(1).partition("@")
        if len(domain) > MAX_MENTION_DOMAIN:
            continue
        spans.append((m.start(), m.end(1), "@" + user))
    return spans


def countable_text(text: str) -> str:
    """The text as the server counts it: URLs as 23 x's, mentions as ``@user``."""
    if not text.strip():
        return ""
    entities = [(s, e, "x" * URL_LENGTH) for s, e in _url_spans(text)]
    entities += _mention_spans(text)
    if not entities:
        return text
    entities.sort(key=lambda e: e[0])
    out = []
    last = 0
    for start, end, replacement in entities:
        if start < last:
            continue  # overlapping entities: the first one wins
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


@dataclasses.dataclass(frozen=True)
class Mastodon(Platform):
    name: str = "mastodon"
    limit: int = DEFAULT_LIMIT

    def count(self, text: str) -> int:
        return grapheme_count(countable_text(text))

    def count_with_spoiler(self, text: str, spoiler_text: str) -> int:
        """Length of a status with a content warning (counted as written)."""
        return grapheme_count(spoiler_text + countable_text(text))
