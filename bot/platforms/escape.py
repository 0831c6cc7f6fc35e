"""Markup escaping, so article text shows literally on platforms with markup.

Telegram (HTML and MarkdownV2, following tdlib's parsers), Slack mrkdwn,
Discord markdown and LinkedIn's "little" format. URLs are left intact where
escaping would break the link.
"""

from __future__ import annotations

import regex

_URL_RE = regex.compile(r"(?i)\bhttps?://[^\s<>]+")

# MarkdownV2: every one of these must be escaped outside code (Bot API docs).
_MARKDOWN_V2_SPECIAL = "_*[]()~`>#+-=|{}.!\\"
_MARKDOWN_V2_RE = regex.compile("([" + regex.escape(_MARKDOWN_V2_SPECIAL) + "])")

# Discord markdown: inline markers anywhere, block markers at a line start.
_DISCORD_INLINE_RE = regex.compile(r"([\\*_~`|\[\]()<>])")
# Block markers count only with a space after them ("# Heading", "- item").
_DISCORD_LINE_START_RE = regex.compile(r"(?m)^(\s*)([#>\-+]|\d+(?=\.\s))(?=\s|\.)")

# LinkedIn little: reserved characters need a backslash to be plain text.
_LITTLE_RESERVED_RE = regex.compile(r"([\\|{}@\[\]()<>#*_~])")
_HASHTAG_RE = regex.compile(
    r"(?<![\p{L}\p{N}_&/])[#\uff03]([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)"
)


def escape_telegram_html(text: str) -> str:
    """Telegram ``parse_mode=HTML``: only ``&``, ``<`` and ``>`` are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_telegram_markdown_v2(text: str) -> str:
    """Telegram ``parse_mode=MarkdownV2``: a backslash before each special character."""
    return _MARKDOWN_V2_RE.sub(r"\\\1", text)


def escape_slack(text: str) -> str:
    """Slack mrkdwn: ``&``, ``<`` and ``>`` are control characters, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _outside_urls(text: str, escape: regex.Pattern[str], replacement: str) -> str:
    out = []
    last = 0
    for m in _URL_RE.finditer(text):
        out.append(escape.sub(replacement, text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(escape.sub(replacement, text[last:]))
    return "".join(out)


def escape_discord(text: str) -> str:
    """Discord markdown made literal with backslashes; URLs stay clickable."""
    text = _outside_urls(text, _DISCORD_INLINE_RE, r"\\\1")
    return _DISCORD_LINE_START_RE.sub(r"\1\\\2", text)


def escape_linkedin(text: str) -> str:
    """LinkedIn "little" text: reserved characters escaped, #tags as hashtag templates.

    The Posts API docs: "All reserved characters need to be escaped with a
    backslash"; a hashtag is the template ``{hashtag|\\#|Tag}``, whose ``#``
    is escaped like any other.
    """
    out = []
    last = 0
    for m in _HASHTAG_RE.finditer(text):
        out.append(_LITTLE_RESERVED_RE.sub(r"\\\1", text[last : m.start()]))
        out.append("{hashtag|\\#|" + m.group(1) + "}")
        last = m.end()
    out.append(_LITTLE_RESERVED_RE.sub(r"\\\1", text[last:]))
    return "".join(out)
