"""Quotations and who said them.

A quote is text of four words or more between “…”, "…", «…» or „…“ (mixed
curly and straight marks are accepted too). Its speaker comes from the
attribution around it, in the forms news prose uses:

* after the quote: ``“…,” Putin said`` / ``“…,” said Tomas Keller`` /
  ``“…,” association chair Tomas Keller added`` / ``“…,” according to X`` /
  ``“…,” the mayor, Ana Ruiz, said`` / ``“…” — Jane Doe``;
* before it: ``Trump stated, “…”`` (also across a line break),
  ``Keller, a major donor, added: “…”``, ``The mayor, Ana Ruiz, warned: “…”``,
  ``Smith said the economy was “…”``, ``Keller: “…”``, ``According to X, “…”``,
  ``Zelensky in his address: “…”``;
* a pronoun (``“…,” she said``) is resolved to the person most recently named
  as a speaker or as the subject of a sentence whose gender agrees (from a
  title or a first name), and a role (``the minister said``) to the last
  person named with that role; a speaker is never reported as a pronoun;
* a quote that follows another in the same breath (``“…,” Holden said.
  “…”``) or a sentence like ``Holden said the offer was an insult.`` keeps
  that speaker.

A name counts as a person only with evidence: a title ("President X"), a
known first name, a verb people do ("X stressed"), a relative "who", or
having spoken; so "Moscow will only engage" does not make Moscow a speaker.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from bot.models import Quote
from bot.parse.firstnames import gender_of, is_first_name
from bot.parse.lazyregex import LazyPattern
from bot.parse.names import (
    NAME_RUN,
    PERSON_VERBS,
    SPEECH_PHRASES,
    SPEECH_VERBS,
    has_title,
    is_title_word,
    last_name,
    sentence_ends,
    strip_titles,
    title_words,
)

_QUOTE_RE = regex.compile(
    r"“(?P<curly>[^“”\"\n]+)”"
    r"|„(?P<low>[^„“”\n]+)([“”])"
    r"|«(?P<guillemet>[^«»\n]+)»"
    r'|"(?P<straight>[^"“”\n]+)"'
    r'|“(?P<curly_straight>[^“”"\n]+)"'
    r'|"(?P<straight_curly>[^"“”\n]+)”'
)
_MARKS = {
    "curly": ("“", "”"),
    "low": ("„", "“"),
    "guillemet": ("«", "»"),
    "straight": ('"', '"'),
    "curly_straight": ("“", "”"),
    "straight_curly": ("“", "”"),
}
_MASK = "\u00b7"

_VERB = (
    r"\b(?:"
    + "|".join(p.replace(" ", r"\s+") for p in SPEECH_PHRASES)
    + "|"
    + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
    + r")\b"
)
_ADV = r"(?:\p{Ll}+ly|later|also|then|again|once|earlier|recently|previously|simply)"
_LOWER_WORD = r"(?:\p{Ll}[\p{Ll}\-]*)"
_NO_QUOTES = '[^“”«»„"]'
_APPOSITIVE = rf"(?:\s*,{_NO_QUOTES.replace(']', ',]')}{{1,90}},)?"
_ROLE_NOUNS = (
    "leader president minister chancellor official spokesperson spokesman spokeswoman chief chair "
    "chairman chairwoman ceo senator governor mayor secretary ambassador general commander coach "
    "author founder judge premier envoy prosecutor captain manager director"
).split()
_ROLE = "(?P<role>" + "|".join(_ROLE_NOUNS) + ")"
_LEAD = r"^\s*[,.!?;]?\s*"

_R_PRONOUN = LazyPattern(rf"{_LEAD}(?P<pro>(?i:he|she|they))\s+(?:{_ADV}\s+)?{_VERB}")
_R_VERB_NAME = LazyPattern(
    rf"{_LEAD}{_VERB}\s+(?:(?:{_LOWER_WORD}|\p{{Lu}}[\p{{L}}]*[’']s)\s+){{0,4}}(?P<name>{NAME_RUN})"
)
# "of the Finnish Meteorological Institute" after a name is an affiliation.
_AFFILIATION = rf"(?:\s+(?:of|from|at)\s+(?:the\s+)?{NAME_RUN})?"
_R_NAME_VERB = LazyPattern(
    rf"{_LEAD}(?:[\p{{L}}\-’']+\s+){{0,5}}?"
    rf"(?P<name>{NAME_RUN}){_AFFILIATION}{_APPOSITIVE}\s+(?:{_ADV}\s+)?{_VERB}"
)
_R_ROLE = LazyPattern(
    rf"{_LEAD}(?i:the)\s+(?:{_LOWER_WORD}\s+){{0,3}}{_ROLE}\s+(?:{_ADV}\s+)?{_VERB}"
)
_R_ACCORDING = LazyPattern(
    rf"{_LEAD}[Aa]ccording\s+to\s+(?:{_LOWER_WORD}\s+){{0,4}}(?P<name>{NAME_RUN})"
)
_R_DASH = LazyPattern(rf"^\s*[—―–-]\s*(?P<name>{NAME_RUN})")

_L_NAME_VERB = LazyPattern(
    rf"(?P<name>{NAME_RUN}){_AFFILIATION}{_APPOSITIVE}\s+(?:{_ADV}\s+)?{_VERB}{_NO_QUOTES}{{0,200}}$"
)
_L_VERB_NAME = LazyPattern(
    rf"{_VERB}\s+(?:[\p{{L}}\-]+\s+){{0,3}}?(?P<name>{NAME_RUN})"
    rf"(?:\s+(?:of|from|at)\s+{_NO_QUOTES.replace(']', ',:]')}{{1,80}})?\s*[,:]\s*$"
)
_L_NAME_COLON = LazyPattern(rf"^\s*(?:[\p{{L}}\-’']+\s+){{0,4}}?(?P<name>{NAME_RUN})\s*:\s*$")
_L_SUBJECT_COLON = LazyPattern(
    rf"^\s*(?:[\p{{L}}\-’']+\s+){{0,3}}?(?P<name>{NAME_RUN})\s+\p{{Ll}}{_NO_QUOTES}*:\s*$"
)
_L_ACCORDING = LazyPattern(
    rf"[Aa]ccording\s+to\s+(?:{_LOWER_WORD}\s+){{0,4}}(?P<name>{NAME_RUN})\s*,\s*$"
)
_L_PRONOUN = LazyPattern(
    rf"(?<![\p{{L}}])(?P<pro>(?i:he|she|they))\s+(?:{_ADV}\s+)?{_VERB}{_NO_QUOTES}{{0,200}}$"
)
_L_ROLE = LazyPattern(
    rf"(?i:the)\s+(?:{_LOWER_WORD}\s+){{0,3}}{_ROLE}\s+(?:{_ADV}\s+)?{_VERB}{_NO_QUOTES}{{0,200}}$"
)
_SPEECH_SENTENCE = LazyPattern(rf"(?P<name>{NAME_RUN}){_APPOSITIVE}\s+(?:{_ADV}\s+)?{_VERB}")
# "the mayor, Ana Ruiz, said" / "The club's manager, Tom Hale, warned": a noun
# phrase with a determiner or a possessive, then the name set off by commas.
# The name renames the role, so it is the speaker (and holds the role).
_ROLE_PHRASE = (
    r"(?P<desc>(?<![\p{L}\p{M}])(?:(?i:the|a|an|his|her|its|their|our|my|your)"
    r"|\p{Lu}[\p{L}\p{M}\-]*[’']s)(?:\s+[\p{L}\p{M}\-’']+){1,4})"
)
_ROLE_APPOSITIVE = rf"{_ROLE_PHRASE}\s*,\s*(?P<name>{NAME_RUN})\s*,\s+(?:{_ADV}\s+)?{_VERB}"
_R_ROLE_NAME = LazyPattern(rf"{_LEAD}{_ROLE_APPOSITIVE}")
_L_ROLE_NAME = LazyPattern(rf"{_ROLE_APPOSITIVE}{_NO_QUOTES}{{0,200}}$")
_ROLE_SPEECH_SENTENCE = LazyPattern(_ROLE_APPOSITIVE)

# A name followed, possibly after ", who", ", however," or an auxiliary, by a lowercase word.
_SUBJECT_RE = LazyPattern(
    rf"(?<![\p{{L}}\p{{M}}])(?P<name>{NAME_RUN})"
    rf"(?P<rel>,\s+who\b)?(?:,\s*\p{{Ll}}+,)?\s+"
    rf"(?:(?:has|have|had|is|was|also|{_ADV})\s+)*(?P<verb>\p{{Ll}}+)"
)
# "The mayor, Ana Ruiz, visited the shelters": the name renames the subject.
_ROLE_SUBJECT_RE = LazyPattern(
    rf"{_ROLE_PHRASE}\s*,\s*(?P<name>{NAME_RUN})\s*,\s+"
    rf"(?:(?:has|have|had|is|was|also|{_ADV})\s+)*(?P<verb>\p{{Ll}}+)"
)
_CLAUSE_START_RE = regex.compile(r"[,;:]\s|[—–]\s?")
_WORD_RE = regex.compile(r"[\p{L}\p{N}]+(?:[’'\-][\p{L}\p{N}]+)*")
_CJK_RE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_NOT_SUBJECT_VERBS = frozenset("of and or in on at to for with from by as than the a an".split())
# Words that show a name is an object, not the subject ("a meeting with Zelenskyy").
_OBJECT_MARKERS = frozenset(
    """
    with to by from against for at on in about into than over between among that which who
    whom whose and or but when while if because as is was were has have had said says told met
    after before like near under during via per toward towards through across behind beside
    """.split()
)


def word_count(text: str) -> int:
    """Words in a quote; CJK text without spaces counts two characters a word."""
    cjk = len(_CJK_RE.findall(text))
    return len(_WORD_RE.findall(_CJK_RE.sub(" ", text))) + cjk // 2


def clean_quote_text(text: str) -> str:
    """Quote text without surrounding space or a trailing comma or full stop."""
    text = " ".join(text.split())
    while text and text[-1] in ",." and not text.endswith("..."):
        text = text[:-1].rstrip()
    return text


@dataclass
class _Span:
    start: int
    end: int
    text: str
    kind: str


@dataclass
class _Paragraph:
    """A paragraph with its quotes masked out and its sentence ends found once."""

    text: str
    spans: list[_Span]
    masked: str = ""
    ends: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        chars = list(self.text)
        for span in self.spans:
            for i in range(span.start + 1, span.end - 1):
                chars[i] = _MASK
        self.masked = "".join(chars)
        self.ends = sentence_ends(self.masked)

    def sentence_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.ends, pos) - 1
        return self.ends[i] if i >= 0 else 0

    def sentence_end(self, pos: int) -> int:
        i = bisect.bisect_right(self.ends, pos)
        return self.ends[i] if i < len(self.ends) else len(self.masked)


def _find_spans(paragraph: str) -> list[_Span]:
    spans = []
    for m in _QUOTE_RE.finditer(paragraph):
        kind = next(k for k in _MARKS if m.group(k) is not None)
        spans.append(_Span(m.start(), m.end(), m.group(kind), kind))
    return spans


@dataclass
class _Person:
    name: str
    gender: str | None
    roles: set[str]


class _People:
    """Who counts as a person, and who was named when, in reading order."""

    def __init__(self, paragraphs: Sequence[_Paragraph]) -> None:
        self.known: dict[str, _Person] = {}
        self.history: list[_Person] = []
        for paragraph in paragraphs:
            for subject in _subject_candidates(paragraph.masked, 0, len(paragraph.masked)):
                evidence = (
                    has_title(subject.run)
                    or subject.relative
                    or subject.verb in PERSON_VERBS
                    or is_first_name(subject.name.split()[0])
                )
                if evidence:
                    self.register(subject.run, subject.name)

    def register(self, run: str, name: str) -> _Person:
        key = last_name(name).casefold()
        person = self.known.get(key)
        gender = gender_of(run.split())
        if person is None:
            person = _Person(name, gender, title_words(run))
            self.known[key] = person
        else:
            person.gender = person.gender or gender
            person.roles |= title_words(run)
        return person

    def is_person(self, name: str) -> bool:
        return last_name(name).casefold() in self.known or is_first_name(name.split()[0])

    def named(self, run: str, name: str) -> None:
        person = self.register(run, name)
        self.history.append(_Person(name, person.gender, person.roles))

    def pronoun(self, pronoun: str) -> str | None:
        wanted = {"he": "m", "she": "f"}.get(pronoun.casefold())
        if wanted is None:
            return None  # "they" is as often a group as a person
        for person in reversed(self.history):
            gender = self.known.get(last_name(person.name).casefold(), person).gender
            if gender in (None, wanted):
                return person.name
        return None

    def with_role(self, role: str) -> str | None:
        for person in reversed(self.history):
            roles = self.known.get(last_name(person.name).casefold(), person).roles
            if role.casefold() in roles:
                return person.name
        return None


@dataclass
class _Found:
    """An attribution: a name, or a pronoun or role to resolve, and where it ended."""

    name: str | None = None
    run: str | None = None
    pronoun: str | None = None
    role: str | None = None
    end: int = 0


def _named(m: regex.Match[str] | None) -> _Found | None:
    if m is None:
        return None
    run = m.group("name")
    name = strip_titles(run)
    if name and "desc" in m.re.groupindex:
        # "the mayor, Ana Ruiz,": the role words count as her titles.
        run = " ".join([*(w for w in m.group("desc").split() if is_title_word(w)), run])
    return _Found(name=name, run=run, end=m.end()) if name else None


def _attribute_right(context: str) -> _Found | None:
    """An attribution in the text after a quote."""
    for pattern in (_R_DASH, _R_VERB_NAME, _R_NAME_VERB, _R_ACCORDING, _R_ROLE_NAME):
        found = _named(pattern.search(context))
        if found:
            return found
    m = _R_PRONOUN.search(context)
    if m:
        return _Found(pronoun=m.group("pro"), end=m.end())
    m = _R_ROLE.search(context)
    if m:
        return _Found(role=m.group("role"), end=m.end())
    return None


def _attribute_left(context: str) -> _Found | None:
    """An attribution in the text before a quote (same sentence)."""
    patterns = (
        _L_NAME_VERB,
        _L_ROLE_NAME,
        _L_VERB_NAME,
        _L_NAME_COLON,
        _L_ACCORDING,
        _L_SUBJECT_COLON,
    )
    for pattern in patterns:
        found = _named(pattern.search(context))
        if found:
            return found
    m = _L_PRONOUN.search(context)
    if m:
        return _Found(pronoun=m.group("pro"))
    m = _L_ROLE.search(context)
    if m:
        return _Found(role=m.group("role"))
    return None


def _in_subject_position(paragraph: _Paragraph, name_start: int) -> bool:
    """No object-marking word between the clause start and the name."""
    start = paragraph.sentence_start(name_start)
    for m in _CLAUSE_START_RE.finditer(paragraph.masked, start, name_start):
        start = m.end()
    words = paragraph.masked[start:name_start].split()
    if len(words) > 6:
        return False
    return not any(w.strip(".,").casefold() in _OBJECT_MARKERS for w in words)


@dataclass
class _Subject:
    """A name followed by a verb: who may be the subject of a sentence."""

    run: str  # the capitalised run, with the role words of an appositive
    name: str
    verb: str
    relative: bool  # "Ruiz, who ..., said": a person for sure
    start: int  # where the subject starts (the role, for an appositive)


def _subject_candidates(masked: str, after: int, before: int) -> list[_Subject]:
    """Names followed by a verb ("Putin stressed", "Ruiz, who ..., said"), and
    roles renamed by their holder ("the mayor, Ana Ruiz, visited"), in order."""
    found = []
    for m in _SUBJECT_RE.finditer(masked, after, before):
        name = strip_titles(m.group("name"))
        if name:
            found.append(
                _Subject(m.group("name"), name, m.group("verb"), bool(m.group("rel")), m.start())
            )
    for m in _ROLE_SUBJECT_RE.finditer(masked, after, before):
        named = _named(m)
        if named and named.name and named.run:
            found.append(_Subject(named.run, named.name, m.group("verb"), False, m.start()))
    return sorted(found, key=lambda subject: subject.start)


def _subjects(
    paragraph: _Paragraph, people: _People, after: int, before: int
) -> list[tuple[str, str]]:
    found = []
    for subject in _subject_candidates(paragraph.masked, after, before):
        if subject.verb in _NOT_SUBJECT_VERBS:
            continue
        if not (subject.relative or _in_subject_position(paragraph, subject.start)):
            continue
        if people.is_person(subject.name) or has_title(subject.run):
            found.append((subject.run, subject.name))
    return found


_MAX_CONTEXT = 300  # an attribution sits right next to its quote


def _left_context(paragraphs: Sequence[_Paragraph], index: int, start: int) -> str:
    paragraph = paragraphs[index]
    begin = max(paragraph.sentence_start(start), start - _MAX_CONTEXT)
    context = paragraph.masked[begin:start]
    if (
        not context.strip()
        and index > 0
        and paragraphs[index - 1].masked.rstrip().endswith((",", ":"))
    ):
        previous = paragraphs[index - 1]
        end = len(previous.masked)
        context = previous.masked[max(previous.sentence_start(end - 1), end - _MAX_CONTEXT) :]
    return context


def _previous_sentence_speaker(paragraph: _Paragraph, start: int) -> _Found | None:
    """``Holden said the offer was an insult. “…”``: the sentence before names the speaker."""
    sentence_start = paragraph.sentence_start(start)
    if paragraph.masked[sentence_start:start].strip() or sentence_start == 0:
        return None
    previous_start = paragraph.sentence_start(sentence_start - 1)
    for pattern in (_SPEECH_SENTENCE, _ROLE_SPEECH_SENTENCE):
        found = _named(pattern.search(paragraph.masked, previous_start, sentence_start))
        if found:
            return found
    return None


def _resolve(found: _Found | None, people: _People) -> str | None:
    if found is None:
        return None
    if found.name:
        people.named(found.run or found.name, found.name)
        return found.name
    if found.pronoun:
        return people.pronoun(found.pronoun)
    if found.role:
        return people.with_role(found.role)
    return None


def extract_quotes(texts: Sequence[str]) -> list[Quote]:
    """Every quote of four words or more in ``texts`` (paragraphs), with its speaker."""
    paragraphs = [_Paragraph(t, _find_spans(t)) for t in texts]
    people = _People(paragraphs)
    quotes: list[Quote] = []
    seen: set[str] = set()
    for index, paragraph in enumerate(paragraphs):
        spans = paragraph.spans
        cursor = 0
        previous_speaker: str | None = None
        previous_end = -1
        i = 0
        while i < len(spans):
            span = spans[i]
            for run, name in _subjects(paragraph, people, cursor, span.start):
                people.named(run, name)
            body, close_at = span.text, span.end
            next_start = spans[i + 1].start if i + 1 < len(spans) else len(paragraph.masked)
            stop = min(next_start, paragraph.sentence_end(span.end), span.end + _MAX_CONTEXT)
            right = paragraph.masked[span.end : stop]
            found = _attribute_right(right)
            # “We will win,” she said, “and nobody will stop us.” is one quote.
            if found and i + 1 < len(spans):
                gap = paragraph.masked[span.end + found.end : spans[i + 1].start]
                if regex.fullmatch(r"[\s,:;]*", gap) and span.text.rstrip().endswith(","):
                    body = f"{span.text.rstrip()} {spans[i + 1].text.lstrip()}"
                    close_at = spans[i + 1].end
                    i += 1
            if found is None:
                found = _attribute_left(_left_context(paragraphs, index, span.start))
            speaker = _resolve(found, people)
            if found is None:
                # A quote right after another one's attribution keeps its speaker.
                between = paragraph.masked[previous_end : span.start] if previous_end >= 0 else ""
                if previous_speaker and previous_end >= 0 and len(between.split()) <= 8:
                    speaker = previous_speaker
                else:
                    speaker = _resolve(_previous_sentence_speaker(paragraph, span.start), people)
            cursor = close_at
            previous_speaker, previous_end = speaker, close_at + (found.end if found else 0)
            i += 1
            cleaned = clean_quote_text(body)
            if word_count(cleaned) >= 4 and cleaned.casefold() not in seen:
                seen.add(cleaned.casefold())
                open_mark, close_mark = _MARKS[span.kind]
                if span.kind == "low":
                    close_mark = paragraph.text[span.end - 1]
                quotes.append(Quote(cleaned, speaker, open_mark, close_mark))
        for run, name in _subjects(paragraph, people, cursor, len(paragraph.masked)):
            people.named(run, name)
    return quotes


__all__ = ["clean_quote_text", "extract_quotes", "is_title_word", "word_count"]
