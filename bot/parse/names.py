"""People's names in news prose: finding them, stripping titles, repairing glue.

News digests name people as "Russian President Vladimir Putin", "association
chair Tomas Keller" or just "Putin". A speaker is reported as the name the
article gives, without the titles and roles in front of it. Scraped text also
glues words together ("Moscow's stanceTrump stated,"); we split such a token
when its capitalised tail is a word the article uses on its own elsewhere, or
when a speech verb follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import regex

# Verbs that introduce or close a quotation ("Putin said", "said Keller").
SPEECH_VERBS = frozenset(
    """
    said says stated states told tells added adds noted notes warned warns wrote writes
    explained explains insisted insists argued argues asked asks declared declares
    remarked remarks stressed stresses emphasized emphasised emphasizes emphasises
    underlined underscored continued continues replied replies responded responds
    claimed claims commented comments concluded concludes acknowledged acknowledges
    admitted admits announced announces observed observes recalled recalls posted posts
    tweeted tweets conceded concedes cautioned cautions predicted predicts suggested
    suggests maintained maintains urged urges vowed vows pledged pledges promised
    promises reiterated reiterates recounted quipped joked exclaimed confirmed confirms
    countered counters shouted whispered wrote explained testified testifies lamented
    laments called described mused boasted complained complains objected objects
    answered answers sagte sagt erklärte betonte meinte dit déclaré expliqué dijo afirmó
    explicó disse detto
    """.split()
)

# Speech verbs of more than one word; matched before the single words.
SPEECH_PHRASES = ("a dit", "a déclaré", "a expliqué", "ha detto", "ha dicho", "pointed out")

# Verbs that make the subject before them a person ("Putin stressed that ...").
PERSON_VERBS = SPEECH_VERBS | frozenset(
    """
    expressed believes believed thinks thought questioned voiced reaffirmed rejected
    accused criticised criticized praised welcomed dismissed denied signed met visited
    blamed hopes hoped wants wanted feels felt made underscored reiterated described
    called revealed refused agreed disagreed appeared sought
    """.split()
)

# Titles and roles that precede a name and are not part of it.
TITLE_WORDS = frozenset(
    """
    president presidents vice prime minister ministers chancellor secretary senator sen
    representative rep governor gov mayor dr doctor prof professor mr mrs ms miss mx sir
    dame lord lady king queen prince princess pope cardinal bishop archbishop rabbi imam
    reverend rev father sister brother general gen colonel col major maj captain capt
    lieutenant lt sergeant sgt admiral commander chief director ceo cfo cto coo chair
    chairman chairwoman chairperson spokesperson spokesman spokeswoman judge justice
    ambassador envoy commissioner inspector detective officer coach manager founder head
    leader deputy attorney auditor treasurer speaker premier sheikh emir sultan
    chancellor-elect president-elect mp mep congressman congresswoman councillor
    councilor councilman councilwoman superintendent marshal dean rector provost
    engineer scientist researcher economist analyst lead co-author author lawyer expert
    activist teacher nurse farmer resident owner member organiser organizer curator
    historian architect coordinator official adviser advisor consultant negotiator
    executive striker goalkeeper captain midfielder defender forward player champion
    winner manager referee state governor-general crown opposition party leader
    prosecutor minister foreign defence defense finance health interior economy labor labour
    """.split()
)

# Words that may join the parts of a title ("Secretary-General", "President-elect").
_TITLE_JOINERS = frozenset({"general", "elect", "in", "chief", "designate", "at", "large"})

# Abbreviated titles that end in a full stop without ending the sentence.
ABBREVIATED_TITLES = (
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Mx",
    "Prof",
    "St",
    "Gen",
    "Sen",
    "Rep",
    "Gov",
    "Lt",
    "Col",
    "Capt",
    "Sgt",
    "Maj",
    "Rev",
    "Jr",
    "Sr",
)

# Capitalised words that start sentences or name things, never people.
NOT_NAMES = frozenset(
    """
    the a an this that these those but and or so yet however meanwhile still also then
    now today yesterday tomorrow on in at after before when while as if though although
    since because during despite for with without by from to of it its he she they we i
    you his her their our my your there here what who why how where which speaking
    according reaffirming some many most all both each every no not one two three monday
    tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    """.split()
)

NAME_PARTICLES = frozenset(
    "van von de da del della di du la le bin al el ibn ter den der dos das ben abu of".split()
)
# Particles that may start a name ("de Gaulle said", "van der Berg said").
_LEADING_PARTICLES = "(?:van|von|de|da|del|della|di|du|la|le|ter|den|der)"

PRONOUNS = frozenset({"he", "she", "they"})

# One capitalised word: "Putin", "O'Brien", "McDonald", "al-Assad"; an initial
# ("J.") or an acronym with dots ("U.S."); an abbreviated title ("Dr.").
_CAP_WORD = (
    r"(?:(?:" + "|".join(ABBREVIATED_TITLES) + r")\.(?=\s)"
    r"|\p{Lu}\.(?:\p{Lu}\.)*"
    r"|(?:al|el|bin|ibn|abu|ben|ul|ould)-\p{Lu}[\p{L}\p{M}]*(?![\p{L}\p{M}])"
    r"|\p{Lu}[\p{L}\p{M}]*(?:[’']\p{Lu}[\p{L}\p{M}]*|-\p{L}[\p{L}\p{M}]*)*(?![\p{L}\p{M}]))"
)
_PARTICLE = "(?:" + "|".join(sorted(NAME_PARTICLES)) + ")"
# A run of capitalised words, possibly joined by up to two name particles
# ("Ursula von der Leyen", "Bank of England Governor Andrew Bailey").
NAME_RUN = (
    rf"(?:(?<![\p{{L}}\p{{M}}]){_LEADING_PARTICLES}\s+(?:{_LEADING_PARTICLES}\s+)?(?=\p{{Lu}}))?"
    rf"{_CAP_WORD}(?:\s+(?:{_PARTICLE}\s+){{0,2}}{_CAP_WORD}){{0,6}}"
)
NAME_RUN_RE = regex.compile(rf"(?<![\p{{L}}\p{{M}}])({NAME_RUN})(?:[’']s\b)?")

_GLUED_RE = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}#@/_.])(\p{Ll}{2,}|\p{Lu}\p{Ll}{2,})"
    r"(\p{Lu}(?:[\p{L}\p{M}’']*\p{L})?)(?![\p{L}\p{M}\p{N}_])"
)
_SHORT_HEADS = frozenset({"by", "to", "of", "in", "on", "at", "as", "for", "and"})
_WORD_RE = regex.compile(r"[\p{L}\p{M}]+")


def _bare(word: str) -> str:
    return word.strip(".").casefold()


def is_title_word(word: str) -> bool:
    """A title or office word, hyphenated ones included ("Secretary-General")."""
    bare = _bare(word)
    if bare in TITLE_WORDS:
        return True
    parts = bare.split("-")
    return len(parts) > 1 and all(p in TITLE_WORDS or p in _TITLE_JOINERS for p in parts)


def strip_titles(run: str) -> str | None:
    """The personal name at the end of a capitalised run, or ``None``.

    "Russian President Vladimir Putin" -> "Vladimir Putin";
    "U.S. President Donald Trump" -> "Donald Trump"; "President" -> None.
    """
    words = run.split()
    # Everything up to the last title word is title, nationality or office.
    last_title = -1
    for i, word in enumerate(words):
        if is_title_word(word):
            last_title = i
    words = words[last_title + 1 :]
    while words and (_bare(words[0]) in NOT_NAMES or words[0] == "of"):
        words = words[1:]
    while words and words[-1].casefold() in NAME_PARTICLES:
        words = words[:-1]
    if not words:
        return None
    if any(_bare(w) in NOT_NAMES for w in words):
        return None
    name = " ".join(words)
    if name.endswith(".") and not regex.search(r"(?:^|\s)\p{Lu}\.$", name):
        name = name.rstrip(".")
    return name or None


def has_title(run: str) -> bool:
    """Whether a capitalised run carries a title or office ("President X")."""
    return any(is_title_word(word) for word in run.split()[:-1])


def title_words(run: str) -> set[str]:
    """The title and office words of a run, lower case ("Health Minister X" -> minister, health)."""
    return {_bare(w) for w in run.split() if is_title_word(w)}


def last_name(name: str) -> str:
    """The surname used to match later mentions ("Vladimir Putin" -> "Putin")."""
    return name.split()[-1]


def repair_glued_words(text: str, known_words: Iterable[str]) -> str:
    """Split tokens like "stanceTrump" or "RiyadhMacron" that scraping glued together.

    A token is split only when its capitalised tail stands alone elsewhere in
    the article (``known_words``), the token itself appears only once (a
    brand like "easyJet" or "iPhone" is written the same way every time), and
    its head is a plausible word: at least three lower-case letters or a short
    function word ("byTrump"), or, when capitalised, a known word too.
    Hashtags, mentions and URLs are left alone.
    """
    known = set(known_words)

    def fix(match: regex.Match[str], part: str) -> str:
        head, tail = match.group(1), match.group(2)
        token = match.group(0)
        after = part[match.end() : match.end() + 40]
        following = _WORD_RE.search(after)
        next_word = following.group(0) if following else ""
        if text.count(token) > 1:
            return token  # written the same way twice: a brand, not a scraping accident
        if len(tail) < 3:
            # "announcementÓ Broin": a short name part, known with the word after it.
            return f"{head} {tail}" if f"{tail} {next_word}" in text.replace(token, "") else token
        if tail not in known:
            return token
        if head[0].isupper():
            # "in RiyadhMacron said": two names; a comma keeps them apart.
            ok = head in known or next_word.casefold() in SPEECH_VERBS
            return f"{head}, {tail}" if ok else token
        ok = len(head) >= 3 or head in _SHORT_HEADS
        return f"{head} {tail}" if ok else token

    return _outside_urls(text, lambda part: _GLUED_RE.sub(lambda m: fix(m, part), part))


_URL_LIKE_RE = regex.compile(r"(?i)\b(?:https?://|www\.)\S+")


def _outside_urls(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to everything but URLs."""
    out, last = [], 0
    for m in _URL_LIKE_RE.finditer(text):
        out.append(change(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(change(text[last:]))
    return "".join(out)


def standalone_capitalised(text: str) -> set[str]:
    """Capitalised words that appear on their own in ``text`` (for glue repair)."""
    return {
        m.group(0) for m in regex.finditer(r"(?<![\p{L}\p{M}])\p{Lu}\p{Ll}+(?![\p{L}\p{M}])", text)
    }


_ABBREVIATION_BEFORE_RE = regex.compile(
    r"(?:(?<![\p{L}\p{M}])(?:"
    + "|".join(ABBREVIATED_TITLES)
    + r"|\p{Lu}|U\.S|U\.K|U\.N|E\.U|e\.g|i\.e|etc|vs|No|Inc|Ltd|Co|Corp|Mt|Ft|Ave|Blvd|Rd"
    r"|Dept|Univ|approx|a\.m|p\.m|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec))$"
)
# A sentence ends at . ! ? or … (and a closing quote or bracket after it),
# before whitespace and a capital, digit or opening quote, or at the end.
_SENTENCE_END_RE = regex.compile(r"[.!?…]+[”\"’»)]?(?=\s+[\p{Lu}\p{N}“\"«„‘(\[]|\s*$)")
_OPENERS = "“«„"
_CLOSERS = "”»“"


def sentence_ends(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets just past each sentence end in ``text[start:end]``.

    A full stop after an abbreviation ("Dr.", "U.S.") or an initial ("J.")
    does not end a sentence, nor does anything inside an open quotation
    (a quote ends a sentence only where it closes).
    """
    stop = len(text) if end is None else end
    found = []
    depth = 0
    scanned = 0
    for m in _SENTENCE_END_RE.finditer(text, start, stop):
        depth = _quote_depth(text, scanned, m.start(), depth)
        scanned = m.start()
        if m.group(0).startswith(".") and _ABBREVIATION_BEFORE_RE.search(
            text[max(0, m.start() - 8) : m.start()]
        ):
            continue
        if depth > 0 and not any(c in _CLOSERS for c in m.group(0)):
            continue
        found.append(m.end())
    return found


def _quote_depth(text: str, begin: int, end: int, depth: int) -> int:
    """The quotation depth at ``end``, given the depth at ``begin``."""
    for ch in text[begin:end]:
        if ch in _OPENERS and not (ch == "“" and depth > 0):
            depth += 1
        elif ch in _CLOSERS and depth > 0:
            depth -= 1
    return depth


def speaker_name(text: str) -> str | None:
    """The name in an attribution line: "Katrin Hofbauer, head of services" -> "Katrin Hofbauer"."""
    text = text.strip().rstrip(".")
    m = NAME_RUN_RE.match(text)
    if m:
        name = strip_titles(m.group(1))
        if name:
            return name
    head = text.split(",")[0].strip()
    return head or None
