"""Making text fit a length limit: shortening and splitting, never mid-token.

Text is cut only between tokens: a URL, a @mention, a #hashtag or a word is
never broken, and neither is a grapheme cluster. Text without spaces (Chinese,
Japanese) may be cut between characters. Lengths are measured by a
``measure`` function (the platform's own counter), so the result fits exactly
as the platform counts, whatever its unit.

A template marks the parts of a post that may be cut (``mark``; the
``shortenable`` filter, and the quote text in ``quote_with_speaker``), so that
a post too long is cut there, and what the template puts around those parts
(closing quote mark, "— Speaker", "Read more: <link>") stays whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from bot.errors import ComposeError
from bot.parse.names import sentence_ends

Fits = Callable[[str], bool]
ELLIPSIS = "…"
# A shortenable part is wrapped in two Unicode noncharacters, which Unicode
# reserves for a program's internal use, so they never mean anything in a post.
MARK_START = "\ufdd0"
MARK_END = "\ufdd1"
_MARKS_RE = regex.compile("[\ufdd0\ufdd1]")
_MARKED_RE = regex.compile("\ufdd0([^\ufdd0\ufdd1]*)\ufdd1")
_BLANK_RUN_RE = regex.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_TRAILING_SPACE_RE = regex.compile(r"[ \t]+\n")

_TOKEN_RE = regex.compile(r"\S+")
_PROTECTED_RE = regex.compile(
    r"(?i)^(?:[(\[“\"'«]*)(?:https?://|www\.|[@#＃]\w|[\w.-]+\.[a-z]{2,}(?:/|$))"
)
_URL_RE = regex.compile(r"(?i)(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+\.[a-z]{2,}/\S*")
_CJK_RE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_TRAILING_PUNCT = " ,;:—–-"


@dataclass(frozen=True)
class Token:
    """A whitespace-free run of text and the whitespace that came before it."""

    text: str
    before: str

    @property
    def protected(self) -> bool:
        return bool(_PROTECTED_RE.match(self.text))

    @property
    def is_url(self) -> bool:
        return bool(_URL_RE.search(self.text))


def tokens(text: str) -> list[Token]:
    """``text`` as tokens; CJK runs become one token per character."""
    out: list[Token] = []
    last = 0
    for m in _TOKEN_RE.finditer(text):
        before = text[last : m.start()]
        word = m.group(0)
        if _CJK_RE.search(word) and not _PROTECTED_RE.match(word):
            for i, cluster in enumerate(regex.findall(r"\X", word)):
                out.append(Token(cluster, before if i == 0 else ""))
        else:
            out.append(Token(word, before))
        last = m.end()
    return out


def join(parts: list[Token]) -> str:
    if not parts:
        return ""
    return parts[0].text + "".join(t.before + t.text for t in parts[1:])


def shorten(text: str, fits: Fits) -> str:
    """``text`` cut at a token boundary, with "…", so that it fits.

    URLs are kept wherever they are, and a trailing run of URLs, tags and
    mentions (a post's link and hashtags) stays at the end. Raises
    ComposeError when even the URLs alone do not fit.
    """
    if fits(text):
        return text
    parts = tokens(text)
    tail_start = len(parts)
    while tail_start > 0 and parts[tail_start - 1].protected:
        tail_start -= 1
    body, tail = parts[:tail_start], parts[tail_start:]

    def candidate(keep: int) -> str:
        kept = body[:keep]
        head = join(kept).rstrip(_TRAILING_PUNCT + ".")
        rest = [t for t in body[keep:] if t.is_url] + tail
        pieces = [head + ELLIPSIS] if head else []
        out = pieces[0] if pieces else ""
        for token in rest:
            sep = token.before if out else ""
            out += (sep if sep.strip(" ") or sep == "" else " ") + token.text if out else token.text
        return out.strip()

    low = 0 if candidate(0) else 1  # keep at least one word when there is no link or tag
    high = len(body) - 1  # the most tokens that still fit
    if low > high or not fits(candidate(low)):
        return _shorten_tail(tail, body, fits, text)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(candidate(mid)):
            low = mid
        else:
            high = mid - 1
    return candidate(low)


def _shorten_tail(tail: list[Token], body: list[Token], fits: Fits, text: str) -> str:
    """When the link and tags alone are too long: keep every URL, then as many
    of the tags and mentions as fit, in order."""
    urls = [t.text for t in body + tail if t.is_url]
    kept = " ".join(urls)
    if urls and not fits(kept):
        if len(urls) == 1:
            raise ComposeError(f"a link alone is longer than the limit: {urls[0][:80]}")
        raise ComposeError(f"its {len(urls)} links together are longer than the limit")
    for token in tail:
        if token.is_url:
            continue
        candidate = f"{kept} {token.text}".strip()
        if fits(candidate):
            kept = candidate
    if not kept:
        raise ComposeError(f"nothing of this text fits the limit: {text[:80]!r}")
    return kept


def mark(text: str) -> str:
    """``text`` marked as a part of the post that may be cut to make it fit.

    Marks inside are dropped (the outer mark wins), and the whitespace around
    the text stays outside the marks, so a template's blank lines tidy up as
    they would without them. Blank text is not marked: there is nothing to cut.
    """
    plain = unmark(text)
    core = plain.strip()
    if not core:
        return plain
    lead = plain[: len(plain) - len(plain.lstrip())]
    trail = plain[len(plain.rstrip()) :]
    return f"{lead}{MARK_START}{core}{MARK_END}{trail}"


def unmark(text: str) -> str:
    """``text`` without its marks: what is posted and what is measured."""
    return _MARKS_RE.sub("", text) if MARK_START in text or MARK_END in text else text


def fit(text: str, fits: Fits) -> str:
    """``text`` made to fit, its marks kept (a later, tighter fit can cut again).

    As it is if it fits; else with only its marked parts cut
    (``shorten_marked``); else cut as a whole by ``shorten``, which keeps
    the links and as many trailing tags as fit.
    """
    if fits(unmark(text)):
        return text
    cut = shorten_marked(text, fits)
    return cut if cut is not None else shorten(unmark(text), fits)


def shorten_marked(text: str, fits: Fits) -> str | None:
    """``text`` made to fit by cutting only its marked parts, still marked.

    The parts give way from the last one, as a reader would lose them: it is
    cut at a word with "…"; when not even its first word fits, it goes whole
    and the part before it is cut instead. The first part keeps at least a
    word. None when that cannot make the text fit (or nothing is marked), so
    the caller can choose another way (fewer hashtags, or ``shorten``).
    """
    pieces = _pieces(text)
    if fits(_join(pieces, marked=False)):
        return _join(pieces, marked=True)
    for i in range(len(pieces) - 2, 0, -2):
        cut = _cut_part(pieces, i, fits)
        if cut is not None:
            pieces[i] = cut
            return _join(pieces, marked=True)
        pieces[i] = ""
    return None


def _pieces(text: str) -> list[str]:
    """Fixed text at even indexes, marked parts at odd ones (unmarked).

    Marks that do not pair up (say, a stray noncharacter in an article) are
    ignored, so such text is simply one fixed piece.
    """
    pieces: list[str] = _MARKED_RE.split(text)
    if any(MARK_START in p or MARK_END in p for p in pieces[::2]):
        return [unmark(text)]
    return pieces


def _join(pieces: list[str], *, marked: bool) -> str:
    """The text from its pieces; tidied where a part was dropped (its blank lines go)."""
    text = "".join(
        f"{MARK_START}{p}{MARK_END}" if marked and i % 2 and p else p for i, p in enumerate(pieces)
    )
    if any(not p for p in pieces[1::2]):
        text = _BLANK_RUN_RE.sub("\n\n", _TRAILING_SPACE_RE.sub("\n", text)).strip()
    return text


def _cut_part(pieces: list[str], i: int, fits: Fits) -> str | None:
    """Part ``i`` cut at a word so the whole text fits; None if not even a word does."""
    part = pieces[i]
    lead = part[: len(part) - len(part.lstrip())]
    trail = part[len(part.rstrip()) :]

    def fits_whole(core: str) -> bool:
        candidate = [*pieces[:i], lead + core + trail, *pieces[i + 1 :]]
        return fits(_join(candidate, marked=False))

    try:
        core = shorten(part.strip(), fits_whole)
    except ComposeError:
        return None
    return lead + core + trail if core and fits_whole(core) else None


def split(text: str, fits: Fits) -> list[str]:
    """``text`` as consecutive pieces that each fit.

    Cut at paragraphs, then lines, sentences, clauses, and words (and, for
    unspaced scripts, characters), always at the coarsest level that has more
    than one unit. A heading is never left alone at the end of a piece, and a
    piece cut between words is balanced against the next one.
    """
    if fits(text):
        return [text]
    for level, joiner in _LEVELS:
        units = level(text)
        if joiner in ("\n\n", "\n"):
            units = _attach_headings(units, joiner)
        if len(units) > 1:
            break
    else:
        raise ComposeError(f"cannot split this into pieces that fit: {text[:80]!r}")
    if level is _words:
        return _balance(_pack_words(units, fits), fits)
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if fits(candidate):
            current = candidate
            continue
        if current:
            pieces.append(current)
        if fits(unit):
            current = unit
        else:
            sub = split(unit, fits)
            pieces.extend(sub[:-1])
            current = sub[-1]
    if current:
        pieces.append(current)
    return pieces


def _is_heading(unit: str) -> bool:
    line = unit.strip()
    return "\n" not in line and len(line) <= 100 and line[-1:] not in ".!?…:;,”\"'»)"


def _attach_headings(units: list[str], joiner: str) -> list[str]:
    """A heading travels with the unit after it."""
    out: list[str] = []
    pending = ""
    for unit in units:
        if pending:
            unit = pending + joiner + unit
            pending = ""
        if _is_heading(unit) and unit is not units[-1]:
            pending = unit
            continue
        out.append(unit)
    if pending:
        out.append(pending)
    return out


def _pack_words(units: list[str], fits: Fits) -> list[list[str]]:
    """Word units (each with its leading whitespace) packed greedily into pieces."""
    pieces: list[list[str]] = []
    current: list[str] = []
    for unit in units:
        if current and fits("".join([*current, unit]).strip()):
            current.append(unit)
            continue
        if current:
            pieces.append(current)
        current = [unit]
        if not fits(unit.strip()):
            raise ComposeError(
                f"a single word or link is longer than the limit: {unit.strip()[:80]!r}"
            )
    if current:
        pieces.append(current)
    return pieces


def _balance(pieces: list[list[str]], fits: Fits) -> list[str]:
    """Move words from the second-to-last piece into a short last piece, then join."""
    if len(pieces) >= 2:
        head, last = pieces[-2], pieces[-1]
        while len(head) > len(last) + 1 and fits("".join([head[-1], *last]).strip()):
            head, last = head[:-1], [head[-1], *last]
        pieces = [*pieces[:-2], head, last]
    return ["".join(piece).strip() for piece in pieces]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in regex.split(r"\n\s*\n", text) if p.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for end in sentence_ends(text):
        if text[start:end].strip():
            pieces.append(text[start:end].strip())
        start = end
    if text[start:].strip():
        pieces.append(text[start:].strip())
    return pieces


_CLAUSE_END_RE = regex.compile(r"(?<=[,;:])\s+|\s+(?=[—–]\s)")


def _clauses(text: str) -> list[str]:
    """Pieces after a comma, semicolon or colon, or before a spaced dash."""
    return [c.strip() for c in _CLAUSE_END_RE.split(text) if c.strip()]


def _words(text: str) -> list[str]:
    """Tokens with their leading whitespace, so joining them restores the text."""
    parts = tokens(text)
    return [(t.before if i else "") + t.text for i, t in enumerate(parts)]


_LEVELS: list[tuple[Callable[[str], list[str]], str]] = [
    (_paragraphs, "\n\n"),
    (_lines, "\n"),
    (_sentences, " "),
    (_clauses, " "),
    (_words, ""),
]
