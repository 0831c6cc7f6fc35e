"""URL detection exactly as twitter-text 3.1.0 (JavaScript) does it.

X counts every URL as 23 weighted characters, so which substrings are URLs
decides the length. The rules (from twitter-text's ``extractUrlsWithIndices``
and its regular expressions, checked against the official library's output):

* a URL is ``[protocol] domain [:port] [/path] [?query]``, where protocol is
  only ``http://`` or ``https://``; bare domains count when their TLD is known;
* the character before it must not be an ASCII letter or digit, ``@``, ``$``,
  ``#`` (or their fullwidth forms); a bare domain must also not follow
  ``-``, ``_``, ``.`` or ``/``, and only its ASCII part counts;
* each domain label must be 1..63 characters once punycode-encoded; the whole
  URL at most 4096 characters with its protocol;
* a path cannot end in most punctuation, parentheses must balance (one level
  of nesting), and a bracketed group ends a path only where punctuation does
  not come right before it (``/v1.(beta)`` stops after ``v1``); a bare domain
  keeps its port and query only with a path;
* ``t.co`` links are cut after the slug, and dropped with a slug over 40.

JavaScript runs this regex on UTF-16 code units without the ``u`` flag, so
callers pass a string whose astral characters are split into surrogate pairs
(``to_utf16_units``); every index is then a UTF-16 index, as in twitter-text.
The ``i`` flag's case folding is spelled out in the character classes,
because Python's folding adds letters JavaScript's does not (ı, ſ, K, Å).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.platforms.tld import twitter_text_tlds
from bot.platforms.trie import trie_pattern

# Characters JavaScript's case-insensitive matching adds to the path and
# domain classes (their case partners fall in the LATIN/Cyrillic ranges).
_FOLDED = (
    "\u0260\u0269\u0275\u0280\u0283\u0288\u028a\u028c\u0292\u0399\u03b9"
    "\u1c80-\u1c87\u1fbe\u2c65\u2c66\u2c7e\u2c7f\ua7dc"
)
_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"

_BEFORE = rf"(?:[^A-Za-z0-9@\uff20$#\uff03{_INVALID}]|[{_DIRECTIONAL}]|^)"
_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}(?:[_\-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_PUNYCODE = r"(?:[Xx][Nn]--[\-0-9A-Za-z]+)"
_TLD_END = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
_PATH_CHAR = rf"[A-Za-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}{_FOLDED}]"
_PARENS = rf"(?:\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\))"
_PATH_END_CHAR = rf"[+\-A-Za-z{_CYRILLIC}0-9=_#/{_LATIN}{_FOLDED}]"
# One step of the path. twitter-text's JS splices its path-ending pattern
# (``ending-char|(parens)``) into the path pattern without a group, so that
# ``|`` splits the whole step: either path characters (with bracketed groups)
# ending in an ending character, or a bracketed group *on its own*. So
# ``/v1.(beta)`` stops after ``v1``, while ``/Foo_(bar)`` and ``/a.(b)c`` are
# whole. X counts this way, so we keep the three alternatives flat on purpose.
_PATH = (
    rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END_CHAR}"
    rf"|{_PARENS}"
    rf"|@{_PATH_CHAR}+/)"
)
_QUERY_CHAR = r"[A-Za-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[A-Za-z0-9\-_&=#/]"
_ASCII_LABEL = rf"[\-A-Za-z0-9{_LATIN}{_FOLDED}]"

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG = 40
_DEFAULT_PROTOCOL = "https://"


def _tld_char(ch: str) -> str:
    """One non-ASCII TLD character, matching both its cases as JavaScript's ``i`` flag does."""
    upper = ch.upper()
    if upper != ch and len(upper) == 1:
        return "[" + re.escape(ch) + re.escape(upper) + "]"
    return re.escape(ch)


@lru_cache(maxsize=1)
def _tld_alternation() -> str:
    """The TLDs as one pattern, ASCII ones and the others apart.

    Without its ``u`` flag, JavaScript's ``i`` never matches a non-ASCII
    character to an ASCII one, so the ASCII TLDs are exactly Python's
    ``(?ai:...)`` (ASCII-only case folding; plain IGNORECASE would also fold
    i, k and s to İ ı, K and ſ); that also compiles a quarter faster than a
    ``[aA]`` class per letter, which the others keep. No ASCII TLD shares a
    first character with a non-ASCII one, so the two parts cannot shadow
    each other.
    """
    tlds = twitter_text_tlds()
    ascii_part = trie_pattern([t for t in tlds if t.isascii()], end=_TLD_END)
    other = trie_pattern([t for t in tlds if not t.isascii()], literal=_tld_char, end=_TLD_END)
    return f"(?ai:{ascii_part})|{other}"


def _tld() -> str:
    return rf"(?:{_tld_alternation()}|{_PUNYCODE})"


@lru_cache(maxsize=1)
def _ascii_domain() -> re.Pattern[str]:
    """Only needed for URLs without a scheme; compiled on first use."""
    return re.compile(rf"(?:{_ASCII_LABEL}+\.)+(?:{_tld()})")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    domain = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}{_tld()})"
    url = re.compile(
        rf"(?P<before>{_BEFORE})"
        rf"(?P<url>(?P<protocol>[Hh][Tt][Tt][Pp][Ss]?://)?"
        rf"(?P<domain>{domain})"
        rf"(?::(?P<port>[0-9]+))?"
        rf"(?P<path>/{_PATH}*)?"
        rf"(?P<query>\?{_QUERY_CHAR}*{_QUERY_END})?)"
    )
    tco = re.compile(
        rf"^[Hh][Tt][Tt][Pp][Ss]?://[Tt]\.[Cc][Oo]/([A-Za-z0-9]+)(?:\?{_QUERY_CHAR}*{_QUERY_END})?"
    )
    return url, tco


def compile_patterns() -> None:
    """Build the (large) patterns now rather than on the first URL."""
    _patterns()


@dataclass
class UrlEntity:
    """A URL twitter-text found: its text and its UTF-16 index range."""

    url: str
    start: int
    end: int


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


def _surrogates(match: re.Match[str]) -> str:
    code = ord(match.group(0)) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def to_utf16_units(text: str) -> str:
    """``text`` with each astral character split into its two surrogates."""
    return _ASTRAL_RE.sub(_surrogates, text)


def _from_units(units: str) -> str:
    """Pair surrogates back into code points (lone ones stay), as punycode.js does."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _punycode_label_length(label: str) -> int:
    """Length of ``label`` after punycode.js 1.4.1 ``toASCII``."""
    parts = re.split("[.\u3002\uff0e\uff61]", label)
    encoded = []
    for part in parts:
        if any(not (" " <= ch <= "~") for ch in part):
            encoded.append("xn--" + _from_units(part).encode("punycode").decode("ascii"))
        else:
            encoded.append(part)
    return len(".".join(encoded))


def _valid_url(url: str, protocol: str, domain: str) -> bool:
    if domain.startswith("xn--") and not _ascii_domain().search(domain):
        return False
    for label in domain.split("."):
        if not 1 <= _punycode_label_length(label) <= 63:
            return False
    return len(protocol) + len(url) <= MAX_URL_LENGTH


_DOTTED_TOKEN_RE = re.compile(f"[^{_SPACES}]*\\.[^{_SPACES}]*")


def _matches(url_re: re.Pattern[str], units: str) -> list[re.Match[str]]:
    """``url_re.finditer(units)``, run only over the tokens that contain a dot.

    No part of a URL can be whitespace except the one character before it,
    and every URL has a dot, so scanning each dotted token (with the
    character before it) finds exactly what scanning the whole text finds.
    """
    out: list[re.Match[str]] = []
    for token in _DOTTED_TOKEN_RE.finditer(units):
        out.extend(url_re.finditer(units, max(token.start() - 1, 0), token.end()))
    return out


def extract_urls(units: str, without_protocol: bool = True) -> list[UrlEntity]:
    """Every URL in ``units`` (a UTF-16 unit string), as twitter-text finds them."""
    if not units or ("." not in units if without_protocol else ":" not in units):
        return []
    url_re, tco = _patterns()
    found: list[UrlEntity] = []
    for m in _matches(url_re, units):
        url, protocol, domain = m.group("url"), m.group("protocol"), m.group("domain")
        end = m.end()
        start = end - len(url)
        if not _valid_url(url, protocol or _DEFAULT_PROTOCOL, domain):
            continue
        if not protocol:
            if not without_protocol or re.search(r"[\-_./]\Z", m.group("before")):
                continue
            last: UrlEntity | None = None
            ascii_end = 0
            for am in _ascii_domain().finditer(domain):
                # twitter-text locates each match with indexOf from the last end.
                ascii_start = domain.find(am.group(0), ascii_end)
                ascii_end = ascii_start + len(am.group(0))
                last = UrlEntity(am.group(0), start + ascii_start, start + ascii_end)
                found.append(last)
            if last is None:
                continue
            if m.group("path"):
                last.url = url.replace(domain, last.url, 1)
                last.end = end
            continue
        short = tco.match(url)
        if short:
            if len(short.group(1)) > MAX_TCO_SLUG:
                continue
            url = short.group(0)
            end = start + len(url)
        found.append(UrlEntity(url, start, end))
    return found
