"""Classifying the lines of a plain-text digest.

A digest line is a list item ("- ", "• ", "* ", "1. ", or an emoji bullet),
a heading, a hashtag line, a metadata line ("Source: https://…",
"Published: …", a byline), a separator ("***"), or running text. A heading is
a short line without sentence-ending punctuation made mostly of capitalised
words (in a heading of more than five words, every word but the small ones);
a bullet is a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import regex

from bot.parse.names import NAME_RUN, SPEECH_VERBS

_SYMBOL_BULLET = r"(?:\p{Extended_Pictographic}\ufe0f?|[▶►➤➔→✓✔☐☑■□▸▹◆◇])"
_MARKER_RE = regex.compile(rf"^(?:[-•*·‣◦▪–]|\d{{1,2}}[.)]|{_SYMBOL_BULLET})(?:\s+|$)")
_EMPTY_MARKER_RE = regex.compile(r"^(?:[-•*·‣◦▪–]|\d{1,2}[.)])$")
_SEPARATOR_RE = regex.compile(r"^(?:[*_\-—–=~·•.#\s]{3,}|[—–]+)$")
_SENTENCE_END = ".!?…;,"
_CLOSERS = '”"’»)]'
_SMALL_WORDS = frozenset(
    """
    a an the and or but nor for so yet of in on at to by up as via per vs with from into
    onto over than that is are was be not no its it his her their our amid after about
    """.split()
)
_WORD_RE = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}’'\-.&]*")
_META_URL_RE = regex.compile(
    r"^(?:(?:source|url|link|read more|original|full story|more)\s*:\s*)?(https?://\S+)$", regex.I
)
_META_RE = regex.compile(
    r"^(?P<key>title|headline|published|date|updated|language|lang)\s*:\s*(?P<value>.+)$", regex.I
)
_BYLINE_RE = regex.compile(
    rf"^(?:[Bb]y|[Rr]eporting by|[Ee]dited by|[Ww]ritten by|[Vv]on|[Pp]ar)\s+{NAME_RUN}"
    r"(?:\s*(?:,|and|&|–|—|-|\|)\s*[^.!?]{0,80})?$"
)
# A real dash, not a hyphen: "- Name" is a bullet, "— Name" an attribution.
_DASH_ATTRIBUTION_RE = regex.compile(rf"^[—―–]\s*(?P<name>{NAME_RUN})(?:\s*,\s*[^.!?]{{0,80}})?$")
_QUOTE_OPENERS = '“„«"'
_QUOTE_CLOSERS = '”“»"'
LANGUAGE_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "italian": "it",
    "italiano": "it", "dutch": "nl", "nederlands": "nl", "portuguese": "pt", "português": "pt",
    "polish": "pl", "polski": "pl", "swedish": "sv", "svenska": "sv", "danish": "da",
    "dansk": "da", "norwegian": "nb", "norsk": "nb", "finnish": "fi", "suomi": "fi",
    "estonian": "et", "eesti": "et", "ukrainian": "uk", "українська": "uk", "russian": "ru",
    "русский": "ru", "japanese": "ja", "日本語": "ja", "chinese": "zh", "中文": "zh",
    "arabic": "ar", "العربية": "ar", "turkish": "tr", "türkçe": "tr", "greek": "el",
    "czech": "cs", "hungarian": "hu", "romanian": "ro", "korean": "ko", "한국어": "ko",
}  # fmt: skip


class Kind(Enum):
    ITEM = "item"  # a list item (marker stripped)
    TEXT = "text"  # running text without a marker
    HEADING = "heading"
    EMPTY_ITEM = "empty"  # "-" alone, or a separator line


@dataclass
class Line:
    kind: Kind
    text: str
    marked: bool = False
    last: str = ""  # the last physical line joined into ``text``
    # How far the last physical line reached, marker included: a hard wrap
    # happens near the wrap column, so this is what the column is compared to.
    end_column: int = 0

    def __post_init__(self) -> None:
        self.last = self.last or self.text
        self.end_column = self.end_column or len(self.last)

    @property
    def spans_lines(self) -> bool:
        """Whether wrapped physical lines were joined into this one."""
        return self.text != self.last


def strip_marker(line: str) -> tuple[str, bool]:
    """The line without its list marker, and whether it had one."""
    m = _MARKER_RE.match(line)
    if not m:
        return line, False
    return line[m.end() :].strip(), True


def is_heading(text: str) -> bool:
    """Short, no sentence-ending punctuation, mostly capitalised words."""
    text = clean_heading(text)
    if not text or len(text) > 100 or text[0] in _QUOTE_OPENERS:
        return False
    stripped = text.rstrip(_CLOSERS)
    if not stripped or stripped[-1] in _SENTENCE_END:
        return False
    words = _WORD_RE.findall(text)
    if not words or len(words) > 14:
        return False
    if not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    significant = [w for w in words if w.casefold() not in _SMALL_WORDS and not w[0].isdigit()]
    if not significant:
        return False
    lowercase = [w for w in significant if not w[0].isupper()]
    if any(w.casefold() in SPEECH_VERBS for w in lowercase):
        return False  # "Prime Minister Keir Starmer said:" introduces a quote
    if len(words) > 5:
        return not lowercase  # a long title-case heading capitalises every word
    return (len(significant) - len(lowercase)) / len(significant) >= 0.75


def classify(raw: str) -> Line:
    """Classify one non-blank, normalised line."""
    if _EMPTY_MARKER_RE.match(raw) or _SEPARATOR_RE.match(raw):
        return Line(Kind.EMPTY_ITEM, "")
    text, marked = strip_marker(raw)
    if not text:
        return Line(Kind.EMPTY_ITEM, "")
    if is_heading(text):
        return Line(Kind.HEADING, clean_heading(text), marked, end_column=len(raw))
    return Line(Kind.ITEM if marked else Kind.TEXT, text, marked, end_column=len(raw))


def clean_heading(text: str) -> str:
    text = text.strip().strip("*_").strip()
    if text.endswith(":"):
        text = text[:-1].rstrip()
    return text


def heading_key(text: str) -> str:
    """Headings that differ only in case, spacing or punctuation are the same."""
    return " ".join(regex.sub(r"[^\p{L}\p{N}]+", " ", text).casefold().split())


def metadata(line: str) -> tuple[str, str] | None:
    """("url"|"title"|"published"|"language"|"byline", value) for a metadata line."""
    m = _META_URL_RE.match(line)
    if m:
        return "url", m.group(1)
    if _BYLINE_RE.match(line) and len(line.split()) <= 14:
        return "byline", line
    m = _META_RE.match(line)
    if not m:
        return None
    key = m.group("key").casefold()
    value = m.group("value").strip()
    if key in ("title", "headline"):
        return "title", value
    if key in ("language", "lang"):
        named = LANGUAGE_NAMES.get(value.casefold())
        if named:
            return "language", named
        if regex.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", value):
            return "language", value.replace("_", "-")
        return None
    return "published", value


def dash_attribution(line: str) -> bool:
    """A line like "— Novak Djokovic" or "– Carlos Alcaraz, champion"."""
    return bool(_DASH_ATTRIBUTION_RE.match(line)) and len(line.split()) <= 12


def ends_with_quote(text: str) -> bool:
    return text.rstrip().rstrip(".,").endswith(tuple(_QUOTE_CLOSERS))


_INTRODUCES_QUOTE_RE = regex.compile(
    r"\b(?:" + "|".join(sorted(SPEECH_VERBS)) + r")\b(?:\s+[\p{L}’'\-]+){0,5}\s*$"
)


def introduces_quote(text: str) -> bool:
    """A line like "Alcaraz said after the match", with the quote on the next line."""
    return bool(_INTRODUCES_QUOTE_RE.search(text))


def starts_with_quote(text: str) -> bool:
    return text[:1] in _QUOTE_OPENERS


def ends_open(text: str) -> bool:
    """A line that stops mid-sentence ("Trump stated,") continues on the next."""
    return text.rstrip().endswith((",", ":"))


def finished(text: str) -> bool:
    """Whether a line ends a sentence."""
    return text.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…")


# Words no sentence or headline ends on: a line that stops on one of them was
# cut mid-sentence, whatever its length ("... dredge the" / "Northern Channel").
_DANGLING = frozenset(
    """
    a an the and or nor of to with by from for at into onto than whose their its our my your
    """.split()
)
# Capitalised words that only start a sentence; mid-sentence they are written
# in lower case, so a line that begins with one begins a new sentence. Months,
# weekdays and "I" are capitalised anywhere, so they are not here.
_SENTENCE_STARTERS = frozenset(
    """
    the a an this that these those it its he she they we you there here but and or so yet
    however meanwhile still also then now today yesterday tomorrow in on at after before when
    while as if though although since because during despite for with without by from to of
    what who why how where which some many most all both each every no not his her their our
    my your one two three four five six seven eight nine ten last earlier later according
    speaking asked under over until unlike like instead once
    """.split()
)
_FIRST_WORD_RE = regex.compile(r"[\p{L}\p{M}’']+")


def starts_lower(text: str) -> bool:
    """A line that starts with a lower-case word, so mid-sentence ("channel on
    Monday"); a brand like "iPhone" or "eBay" may start a sentence and does not count."""
    return bool(_LOWER_START_RE.match(text))


_LOWER_START_RE = regex.compile(r"\p{Ll}+(?![\p{Lu}\p{N}])")


def dangling(text: str) -> bool:
    """A line that stops on an article, conjunction or preposition ("... by the")."""
    words = text.split()
    return bool(words) and words[-1].casefold() in _DANGLING


def starts_sentence(text: str) -> bool:
    """A line whose first word is capitalised only because a sentence starts there."""
    m = _FIRST_WORD_RE.match(text)
    if m is None:
        return False
    return m.group(0)[0].isupper() and m.group(0).casefold() in _SENTENCE_STARTERS


def headline(text: str) -> bool:
    """A line that reads as a sentence-case headline ("Harbour raises fees for cruise ships").

    Short, starting with a capital, one clause with no sentence-ending or
    clause-opening punctuation at its end, and not stopping on "the" or "of".
    """
    words = text.split()
    return (
        len(text) <= _MAX_HEADLINE
        and 2 <= len(words) <= 14
        and (text[0].isupper() or text[0].isdigit())
        and not finished(text)
        and not ends_open(text)
        and not dangling(text)
        and not _MID_SENTENCE_END_RE.search(text)
    )


_MAX_HEADLINE = 90
# A full stop, question or exclamation mark followed by another sentence.
_MID_SENTENCE_END_RE = regex.compile(r"[.!?…][”\"’»)]?\s+\p{Lu}")
