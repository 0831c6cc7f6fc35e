"""Article + template + platform -> PostPlan whose every segment fits.

Pure and deterministic: the same inputs give the same plan. The steps, when a
segment is too long for the platform (measured by the platform's own count):

1. render with the hashtag budget;
2. if threading is allowed, drop budgeted hashtags one at a time, lowest
   priority (last) first, while a segment holding them is too long; then split
   the long segment at paragraphs, lines, sentences, then words, and number
   the thread "1/5" (the numbers count);
3. otherwise make one post, cutting as little as it can: fewer hashtags if
   that alone makes the text fit; else cut only the parts the template marks
   as shortenable (a quote's text, a headline's title and lede), at a word
   with "…", keeping the budgeted hashtags where they leave room; else cut the
   body as a whole, keeping every link.

Nothing is ever cut inside a URL, mention, hashtag or grapheme cluster; a
plan that cannot fit (a single URL longer than the limit) is a ComposeError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from bot.errors import ComposeError
from bot.fitting import Fits, fit, shorten, shorten_marked, split, unmark
from bot.models import Article, PostPlan, Quote, Segment
from bot.platforms import Platform
from bot.templates import Tags, Template, article_context, split_segments

# How many hashtags read well on each platform, unless a schedule says otherwise.
HASHTAG_BUDGET = {
    "x": 2,
    "mastodon": 4,
    "bluesky": 3,
    "threads": 1,  # Threads links one topic tag per post
    "linkedin": 3,
    "telegram": 3,
    "discord": 3,
    "slack": 3,
    "webhook": 5,
}
# Platforms without a way to chain posts into a thread get one post.
NO_THREADS = frozenset({"linkedin"})
# Renders the template with these hashtags: its segments, marks kept.
Render = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class ComposeOptions:
    """How to compose: threading, hashtag budget, thread numbering.

    ``thread=None`` lets the template decide: a template with explicit ``---``
    breaks (or named "thread") makes a thread, any other a single post.
    """

    thread: bool | None = None
    hashtags: int | None = None
    numbering: bool = True


DEFAULT_OPTIONS = ComposeOptions()


def hashtag_budget(platform: Platform, options: ComposeOptions) -> int:
    if options.hashtags is not None:
        return max(0, options.hashtags)
    return HASHTAG_BUDGET.get(platform.name, 3)


def compose_all(
    article: Article,
    template: Template,
    platform: Platform,
    options: ComposeOptions = DEFAULT_OPTIONS,
) -> list[PostPlan]:
    """Every post a template makes of an article: one per quote for quote templates."""
    if template.uses_quote:
        return [compose(article, template, platform, options, quote=q) for q in article.quotes]
    return [compose(article, template, platform, options)]


def compose(
    article: Article,
    template: Template,
    platform: Platform,
    options: ComposeOptions = DEFAULT_OPTIONS,
    quote: Quote | None = None,
) -> PostPlan:
    """One post (or thread) of ``article`` for ``platform``, every segment fitting."""
    fits = _fits(platform)
    render = partial(_render, article, template, platform, quote)
    budget = min(hashtag_budget(platform, options), len(article.hashtags))
    tags = list(article.hashtags[:budget])
    segments = render(tags)
    if _threaded(template, options, platform, segments):
        segments = _thread(_thread_segments(render, tags, fits), platform, options.numbering)
    else:
        segments = [_single_post(render, tags, fits, "\n\n".join(segments))]
    if not segments:
        raise ComposeError(f"{template.path}: rendered no text for {platform.name}")
    return PostPlan(
        platform=platform.name,
        template=template.name,
        segments=tuple(_segment(platform, s) for s in segments),
        article_id=article.id,
        language=article.language,
    )


def _fits(platform: Platform) -> Fits:
    return lambda text: platform.measure(text)[1]


def _thread_segments(render: Render, tags: list[str], fits: Fits) -> list[str]:
    """The thread's segments, with fewer hashtags while one showing them is too long.

    Nothing is cut in a thread (a long segment is split instead), so the
    shortenable marks are simply removed.
    """
    segments = [unmark(s) for s in render(tags)]
    while tags and any(not fits(s) and f"#{tags[-1]}" in s for s in segments):
        tags = tags[:-1]
        segments = [unmark(s) for s in render(tags)]
    return segments


def _single_post(render: Render, tags: list[str], fits: Fits, text: str) -> str:
    """One post that fits (``text`` is the render with every budgeted tag).

    Hashtags give way only when that saves the text from being cut; when it
    has to be cut anyway, the cut goes into the template's shortenable parts
    and the budgeted hashtags stay (fewer only if they leave those parts no
    room). A template that marks nothing is cut as a whole, as ``shorten``
    does: its links kept, then as many trailing tags as fit.
    """
    if fits(unmark(text)):
        return unmark(text)
    fewer = ["\n\n".join(render(tags[:n])) for n in range(len(tags) - 1, -1, -1)]
    for candidate in fewer:
        if fits(unmark(candidate)):
            return unmark(candidate)
    for candidate in [text, *fewer]:
        cut = shorten_marked(candidate, fits)
        if cut is not None:
            return unmark(cut)
    return shorten(unmark(text), fits)


def _render(
    article: Article, template: Template, platform: Platform, quote: Quote | None, tags: list[str]
) -> list[str]:
    context = {
        "article": article_context(article),
        "platform": {"name": platform.name, "limit": platform.limit},
        "hashtags": Tags(tags),
        "url": article.url,
    }
    if quote is not None:
        context["quote"] = {
            "text": quote.text,
            "speaker": quote.speaker,
            "open": quote.open_mark,
            "close": quote.close_mark,
        }
    text = template.render(context, partial(shorten_to, platform))
    return [s for s in split_segments(text) if s]


def shorten_to(platform: Platform, text: str, limit: int) -> str:
    """The template filter ``shorten(n)``: at most ``limit`` by the platform's count.

    Marked parts inside ``text`` are what is cut (a quote keeps its speaker),
    and they stay marked, so the post's own fitting can cut them further.
    """
    bounded = replace(platform, limit=min(limit, platform.limit)) if limit > 0 else platform
    return fit(text, _fits(bounded)) if text.strip() else text


def _threaded(
    template: Template, options: ComposeOptions, platform: Platform, segments: list[str]
) -> bool:
    if platform.name in NO_THREADS:
        return False
    if options.thread is not None:
        return options.thread
    return len(segments) > 1 or template.name == "thread"


def _thread(segments: list[str], platform: Platform, numbering: bool) -> list[str]:
    """Split long segments and number the thread, reserving room for the numbers."""
    fits = _fits(platform)
    pieces = [p for s in segments for p in split(s, fits)]
    if len(pieces) == 1 or not numbering:
        return pieces
    for digits in (1, 2, 3):
        widest = "9" * digits
        reserve = f"\n{widest}/{widest}"
        fits_numbered = _fits_with_suffix(platform, reserve)
        pieces = [p for s in segments for p in split(s, fits_numbered)]
        if len(pieces) < 10**digits:
            total = len(pieces)
            numbered = [f"{p}\n{i}/{total}" for i, p in enumerate(pieces, start=1)]
            if all(fits(n) for n in numbered):
                return numbered
    raise ComposeError(f"a thread of {len(pieces)} posts is too long to number")


def _fits_with_suffix(platform: Platform, suffix: str) -> Callable[[str], bool]:
    return lambda text: platform.measure(text + suffix)[1]


def _segment(platform: Platform, text: str) -> Segment:
    length, fits = platform.measure(text)
    if not fits:
        raise ComposeError(f"{platform.name}: a segment does not fit ({length}/{platform.limit})")
    return Segment(text=text, length=length, limit=platform.limit, facets=platform.facets(text))
