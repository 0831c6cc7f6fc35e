"""Post templates: a sandboxed Jinja2 environment over the template folders.

Templates live in ``<platform>/<name>.j2`` (or ``<name>.j2`` for every
platform). A user's own folder (``templates:`` in postbot.yaml) is searched
before the defaults shipped in the package, so a user overrides a default by
writing a file of the same name. Templates are user input: they run in
Jinja2's immutable sandbox, and an unknown variable is an error
(``StrictUndefined``), reported as ``template:line: message``.

A line holding only ``---`` splits the rendered text into thread segments.

Context: ``article`` (title, lede, url, published, language, sections with
heading and bullets, quotes with text and speaker, hashtags, and two helpers:
``title_in_lede`` and ``read_more`` in the article's language), ``platform``
(name, limit), ``hashtags`` (the budgeted tags; prints as ``#A #B``), ``url``,
and ``quote`` in templates that use it (they render once per quote).
Filters: ``hashtags(n)``, ``camel``, ``quote_with_speaker``, ``shorten(n)``,
and ``shortenable``: ``{{ article.lede | shortenable }}`` or ``{% filter
shortenable %}...{% endfilter %}`` marks what may be cut when the post is too
long, so everything else (the link, "Read more:", a closing quote mark) stays.
``quote_with_speaker`` marks the quote's text, so its marks and speaker stay.
The rendered text carries these marks; ``compose`` removes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.errors import TemplateError
from bot.fitting import mark
from bot.models import Article, Quote

DEFAULT_TEMPLATE_DIR = Path(__file__).parent / "default_templates"
DEFAULT_TEMPLATES = ("headline", "quote", "thread")
SEGMENT_BREAK_RE = re.compile(r"^[ \t]*---[ \t]*$", re.M)


class Tags(list[str]):
    """The budgeted hashtags (without ``#``); prints as ``#A #B`` in a template."""

    def __str__(self) -> str:
        return " ".join(f"#{tag}" for tag in self)


def camel(phrase: str) -> str:
    """A phrase as a #CamelCase tag: "climate change" -> "#ClimateChange"."""
    words = re.findall(r"[^\W_]+", phrase)
    return "#" + "".join(w[:1].upper() + w[1:] for w in words) if words else ""


def quote_with_speaker(quote: Quote | dict[str, Any], *, shortenable: bool = False) -> str:
    """“Quote text” — Speaker, in the article's own quote marks.

    With ``shortenable`` (as the template filter does) only the quote's text
    is marked as the part that may be cut, so a quote too long for the post
    becomes “Quote te…” — Speaker rather than losing its mark and speaker.
    """
    if isinstance(quote, dict):
        quote = Quote(
            quote["text"], quote.get("speaker"), quote.get("open", "“"), quote.get("close", "”")
        )
    inner = mark(quote.text) if shortenable else quote.text
    text = f"{quote.open_mark}{inner}{quote.close_mark}"
    return f"{text} — {quote.speaker}" if quote.speaker else text


def _quote_filter(quote: Quote | dict[str, Any]) -> str:
    """The ``quote_with_speaker`` filter: the quote's text marked as shortenable."""
    return quote_with_speaker(quote, shortenable=True)


def hashtags_filter(tags: Iterable[str], n: int | None = None) -> str:
    """``#A #B`` from tag names (with or without ``#``), at most ``n`` of them."""
    names = [t.lstrip("#") for t in tags]
    return str(Tags(names[:n] if n is not None else names))


def title_in_lede(article: Article) -> bool:
    """Whether the title only repeats the lede's words (a title derived from it)."""
    words = re.findall(r"[^\W_]+", article.title.casefold())
    lede = set(re.findall(r"[^\W_]+", article.lede.casefold()))
    return bool(words) and all(w in lede for w in words)


# "Read more" in the article's language, for closing posts; English otherwise.
READ_MORE = {
    "en": "Read more",
    "de": "Weiterlesen",
    "fr": "Lire la suite",
    "es": "Leer más",
    "it": "Leggi di più",
    "nl": "Lees meer",
    "pt": "Leia mais",
    "pl": "Czytaj więcej",
    "sv": "Läs mer",
    "da": "Læs mere",
    "nb": "Les mer",
    "fi": "Lue lisää",
    "et": "Loe edasi",
    "uk": "Читати далі",
    "ru": "Читать далее",
    "ja": "続きを読む",
}


def read_more(language: str | None) -> str:
    base = (language or "en").split("-")[0].casefold()
    return READ_MORE.get(base, READ_MORE["en"])


def article_context(article: Article) -> dict[str, Any]:
    """What templates see of an article: plain data, nothing callable."""
    return {
        "id": article.id,
        "title": article.title,
        "title_in_lede": title_in_lede(article),
        "lede": article.lede,
        "url": article.url,
        "published": article.published_at,
        "language": article.language,
        "sections": [{"heading": s.heading, "bullets": list(s.bullets)} for s in article.sections],
        "quotes": [_quote_context(q) for q in article.quotes],
        "hashtags": list(article.hashtags),
        "read_more": read_more(article.language),
    }


def _quote_context(quote: Quote) -> dict[str, Any]:
    return {
        "text": quote.text,
        "speaker": quote.speaker,
        "open": quote.open_mark,
        "close": quote.close_mark,
    }


@dataclass(frozen=True)
class Template:
    """A loaded template: its name, where it came from, and whether it is per quote."""

    name: str
    path: str
    uses_quote: bool
    _template: jinja2.Template
    _env: TemplateEnvironment

    def render(self, context: dict[str, Any], shorten: Callable[[str, int], str]) -> str:
        """Render with ``context``; ``shorten`` is the platform-aware filter.

        The text still holds the marks of its shortenable parts
        (``bot.fitting.mark``): fitting it to a platform needs them.
        """
        try:
            return self._template.render({**context, "_shorten": shorten})
        except jinja2.TemplateError as exc:
            raise self._env.error(exc, self.path, exc.__traceback__) from None


_BLANK_RUN_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_TRAILING_SPACE_RE = re.compile(r"[ \t]+\n")


def split_segments(text: str) -> list[str]:
    """The thread segments of a rendered template (``---`` lines split it).

    Within a segment, runs of blank lines become one blank line and trailing
    spaces go, so template authors need not fight Jinja's whitespace rules.
    """
    segments = []
    for segment in SEGMENT_BREAK_RE.split(text):
        segment = _TRAILING_SPACE_RE.sub("\n", segment)
        segments.append(_BLANK_RUN_RE.sub("\n\n", segment).strip())
    return segments


class TemplateEnvironment:
    """The template folders, searched in order, and the sandbox that runs them."""

    def __init__(self, user_dirs: Sequence[str | Path] = ()) -> None:
        self.search_path = [Path(d) for d in user_dirs] + [DEFAULT_TEMPLATE_DIR]
        self.env = ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.search_path]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
            finalize=lambda value: "" if value is None else value,
        )
        self._outlines: dict[
            str, tuple[Callable[[], bool], tuple[frozenset[str], tuple[str, ...]]]
        ] = {}
        self.env.filters["camel"] = camel
        self.env.filters["quote_with_speaker"] = _quote_filter
        self.env.filters["shortenable"] = mark
        self.env.filters["hashtags"] = hashtags_filter
        self.env.filters["shorten"] = _shorten_filter

    def names(self, platform: str) -> list[str]:
        """Template names available for ``platform``, defaults first."""
        found = list(DEFAULT_TEMPLATES)
        for base in self.search_path:
            for folder in (base / platform, base):
                if folder.is_dir():
                    found += sorted(p.stem for p in folder.glob("*.j2") if p.stem not in found)
        return found

    def get(self, platform: str, name: str) -> Template:
        """The template ``name`` for ``platform`` (``<platform>/<name>.j2``, else ``<name>.j2``)."""
        candidates = [f"{platform}/{name}.j2", f"{name}.j2"]
        try:
            template = self.env.select_template(candidates)
        except jinja2.TemplatesNotFound:
            where = ", ".join(str(p) for p in self.search_path)
            raise TemplateError(
                f"{platform}/{name}.j2", f"no template {name!r} for {platform} (searched {where})"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise self.error(exc, exc.filename or candidates[0], exc.__traceback__) from None
        path = template.filename or candidates[0]
        return Template(
            name, self.display(path), self._uses(template.name, "quote"), template, self
        )

    def _uses(self, name: str | None, variable: str) -> bool:
        """Whether a template, or one it extends or includes, reads ``variable``."""
        seen: set[str] = set()
        pending = [name] if name else []
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            reads, references = self._outline(current)
            if variable in reads:
                return True
            pending.extend(references)
        return False

    def _outline(self, name: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """The variables one template reads and the templates it names.

        Parsed once per version of the file: every schedule that uses a
        template asks this, and a daemon may load thousands of schedules.
        The cache entry is keyed by Jinja's own ``uptodate`` check, so an
        edited template is read again.
        """
        cached = self._outlines.get(name)
        if cached is not None and cached[0]():
            return cached[1]
        source, _, uptodate = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        ast = self.env.parse(source)
        outline = (
            frozenset(meta.find_undeclared_variables(ast)),
            tuple(t for t in meta.find_referenced_templates(ast) if t),
        )
        if uptodate is not None:
            self._outlines[name] = (uptodate, outline)
        return outline

    def display(self, path: str) -> str:
        """A template path as a person recognises it."""
        p = Path(path)
        if p.is_relative_to(DEFAULT_TEMPLATE_DIR):
            return f"(built-in) {p.relative_to(DEFAULT_TEMPLATE_DIR)}"
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)

    def error(
        self, exc: jinja2.TemplateError, path: str, tb: TracebackType | None
    ) -> TemplateError:
        """A ``TemplateError`` naming ``template:line`` from a Jinja2 error."""
        line = getattr(exc, "lineno", None)
        filename = getattr(exc, "filename", None) or path
        while tb is not None:
            code = tb.tb_frame.f_code.co_filename
            if code.endswith(".j2"):
                filename, line = code, tb.tb_lineno
            tb = tb.tb_next
        message = str(exc.message or exc)
        if isinstance(exc, jinja2.UndefinedError):
            message = f"unknown variable: {message}"
        elif isinstance(exc, jinja2.TemplateSyntaxError):
            message = f"syntax error: {message}"
        return TemplateError(self.display(filename), message, line)


@jinja2.pass_context
def _shorten_filter(context: Any, text: str, n: int) -> str:
    """``shorten(n)``: at most ``n`` by the platform's own count, at a word, with "…"."""
    return context["_shorten"](str(text), int(n))  # type: ignore[no-any-return]


@lru_cache(maxsize=8)
def environment(user_dirs: tuple[str, ...] = ()) -> TemplateEnvironment:
    """A shared environment per set of user folders (templates compile once)."""
    return TemplateEnvironment(user_dirs)
