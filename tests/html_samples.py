"""Made-up previews for the page tests: hostile text, and meters at every level."""

from __future__ import annotations

from bot.models import Article, PostPlan, Segment
from bot.preview import Preview, PreviewPost

HOSTILE = (
    '<script>alert("boom")</script> & "quotes" <img src=x onerror=alert(1)> '
    "https://example.org/a?b=1&c=<2> #Tag @someone"
)
LONG_LINK = "https://example.org/" + "x" * 300


def made_up_preview() -> Preview:
    """Four X segments: at 36%, exactly 90%, exactly 100% and past the limit.

    Composed posts always fit, so an amber or red meter needs a plan made by hand.
    """
    article = Article(id="a", title='Title with <b>markup</b> & "quotes"', lede="Lede.")
    plans = [
        PostPlan("x", "headline", (Segment(HOSTILE, 100, 280),)),
        PostPlan(
            "x", "thread", (Segment("Ninety per cent.", 252, 280), Segment("Full.", 280, 280))
        ),
        PostPlan("x", "long", (Segment(LONG_LINK + " " + "y" * 200, 301, 280),)),
    ]
    return Preview(article, [PreviewPost(p.platform, p.template, p) for p in plans])
