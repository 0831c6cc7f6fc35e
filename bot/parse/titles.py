"""A short title from a lede: its main clause, at most 120 characters.

News ledes are long compound sentences ("X did Y, killing Z, officials
said"). The headline a reader expects is the main clause. We take the first
sentence, drop a dateline ("WASHINGTON —"), an introductory clause ("Speaking
in Oslo, ...") and a parenthetical relative clause (", which has ..., ");
then cut before the first trailing clause: a coordinated or relative clause
(", but", ", which"), a participle phrase (", killing ..."), an attribution
(", officials said"), a semicolon, dash or colon. Only when that is still
too long do we drop office titles before names, cut a subordinate clause or a
trailing phrase, and in the end cut at a word with "…".
"""

from __future__ import annotations

import regex

from bot.parse.names import NAME_RUN_RE, SPEECH_VERBS, has_title, sentence_ends, strip_titles

MAX_TITLE = 120

# "WASHINGTON —", "LONDON (Reuters) -", "KYIV, Ukraine —"
_DATELINE_RE = regex.compile(
    r"^\p{Lu}[\p{Lu}\p{M}.'’\- ]{1,40}(?:,\s*[\p{L}. ]{2,30})?"
    r"\s*(?:\([^)]{1,30}\))?\s*[—–-]+\s+(?=\p{Lu})"
)
_INTRO_WORDS = (
    r"(?:After|Although|Though|While|As|When|Despite|Following|Amid|With|Since|Before|Because|"
    r"If|Once|During|Speaking|According|Reaffirming|Unlike|Like|Ahead|Weeks|Days|Months|Years)"
)
_INTRO_RE = regex.compile(
    rf"^(?:(?P<word>{_INTRO_WORDS})\b[^,]{{3,90}}"
    r"|(?P<participle>\p{Lu}\p{Ll}+ing)\s+(?P<next>\p{Ll}+)\b[^,]{0,90}"
    r"|(?:On|In|At|For|By|Under|Over|Earlier|Later|Last|This)\b[^,]{2,40}),\s+"
)
_SUBJECT_START_RE = regex.compile(
    r"^(?:\p{Lu}|(?:the|a|an|it|he|she|they|we|its|his|her|their|our)\s)"
)
_LIST_CONTINUES_RE = regex.compile(r"^[^,]{1,30},\s+(?:and|or)\b")
_RELATIVE_RE = regex.compile(r",\s+(?:which|who)\b[^,]{3,110},\s+(?=\p{Ll})")
_NOT_PARTICIPLES = frozenset(
    "nothing something anything everything king thing spring evening morning building ceiling "
    "meeting wedding string during according including bring sibling darling".split()
)
_ATTRIBUTION_VERBS = SPEECH_VERBS | {"showed", "shows", "show", "found", "estimated", "estimates"}
_ATTRIBUTION_TAIL_RE = regex.compile(
    r",\s+(?:[\p{L}’'\-]+\s+){0,6}?(?:"
    + "|".join(sorted(_ATTRIBUTION_VERBS))
    + r")\b[^,]{0,40}(?:,|$)"
)
_PAIRED_DASHES_RE = regex.compile(r"\s+[—–]\s+[^—–,]{1,80}\s+[—–]\s+")
# Boundaries after which the rest of a sentence is a subordinate or second clause.
_CLAUSE_BREAKS = [
    r",\s+(?:but|yet|while|whereas|although|though|which|who|as|after|amid|despite|"
    r"saying|adding|citing|according|even|with|including|prompting|sparking)\b",
    r";\s+",
    r"\s+[—–]\s+|—",
    r":\s+",
]
_SUBORDINATE = (
    r"\s+(?:as|while|after|because|since|although|though|when|amid|despite|following|"
    r"until|unless|whereas)\s+"
)
_TRAILING_PHRASE = r"\s+(?:on|in|for|with|at|over|after|amid|during|from|to|against|into)\s+"


def first_sentence(text: str) -> str:
    ends = sentence_ends(text)
    if not ends:
        return text.strip()
    return text[: ends[0]].strip().rstrip('.!?…”"’»)').strip()


def _drop_intro(sentence: str) -> str:
    m = _INTRO_RE.match(sentence)
    if not m:
        return sentence
    rest = sentence[m.end() :]
    if len(rest) <= 20 or not _SUBJECT_START_RE.match(rest) or _LIST_CONTINUES_RE.match(rest):
        return sentence
    if m.group("participle"):
        following = m.group("next")
        if following in SPEECH_VERBS or following in ("has", "have", "had", "is", "was", "will"):
            return sentence  # "Boeing said ...": a name, not a participle
    return rest[0].upper() + rest[1:]


def _participle_break(sentence: str) -> int | None:
    for m in regex.finditer(r",\s+(\p{Ll}{2,}ing)\b", sentence):
        if m.group(1) not in _NOT_PARTICIPLES and m.start() >= 20:
            return m.start()
    return None


def main_clause(sentence: str) -> str:
    """The sentence without a dateline, introductory clause or trailing clauses."""
    sentence = _DATELINE_RE.sub("", sentence)
    sentence = _drop_intro(sentence)
    sentence = _RELATIVE_RE.sub(" ", sentence)
    sentence = _PAIRED_DASHES_RE.sub(" ", sentence)  # "Ruto — facing protests — withdrew"
    cuts = [
        m.start() for p in _CLAUSE_BREAKS if (m := regex.search(p, sentence)) and m.start() >= 20
    ]
    participle = _participle_break(sentence)
    if participle is not None:
        cuts.append(participle)
    if cuts:
        sentence = sentence[: min(cuts)]
    tail = _ATTRIBUTION_TAIL_RE.search(sentence)
    if tail and tail.start() >= 20:
        sentence = sentence[: tail.start()]
    return sentence.strip().rstrip(",;:")


def shorten_at_word(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + "…"


def drop_name_titles(text: str) -> str:
    """ "Russian President Vladimir Putin" -> "Vladimir Putin", as headlines do."""

    def shorter(m: regex.Match[str]) -> str:
        run = m.group(1)
        name = strip_titles(run) if has_title(run) else None
        return m.group(0).replace(run, name, 1) if name and len(name.split()) >= 2 else m.group(0)

    return NAME_RUN_RE.sub(shorter, text)


def _list_comma(text: str, comma: int) -> bool:
    """A comma inside a number or a list ("6-2, 6-2", "energy, defence and ...")."""
    before, after = text[:comma], text[comma + 1 :]
    if before[-1:].isdigit() and after.lstrip()[:1].isdigit():
        return True
    return bool(regex.match(r"\s*[^,]{1,30}?(?:,|\s(?:and|or)\s)", after))


def _shorter(clause: str, limit: int) -> str:
    """Cut a clause that is still too long, at the gentlest boundary that fits:
    a subordinate clause, a comma that is not part of a list, a trailing
    phrase that does not start inside a list, and last a word."""
    subordinate = [
        m.start() for m in regex.finditer(_SUBORDINATE, clause) if 40 <= m.start() <= limit
    ]
    if subordinate:
        return clause[: subordinate[0]]
    commas = [i for i, ch in enumerate(clause) if ch == ","]
    plain = [i for i in commas if 40 <= i <= limit and not _list_comma(clause, i)]
    if plain:
        return clause[: plain[-1]]
    first_list = min((i for i in commas if _list_comma(clause, i)), default=len(clause))
    phrases = [
        m.start()
        for m in regex.finditer(_TRAILING_PHRASE, clause)
        if 40 <= m.start() <= min(limit, first_list)
    ]
    if phrases:
        return clause[: phrases[-1]]
    return shorten_at_word(clause, limit)


def derive_title(lede: str, limit: int = MAX_TITLE) -> str:
    """A headline for an article that has none."""
    clause = main_clause(first_sentence(lede))
    if len(clause) > limit:
        clause = drop_name_titles(clause)
    if len(clause) > limit:
        clause = _shorter(clause, limit)
    return clause.strip().rstrip(",;:")
