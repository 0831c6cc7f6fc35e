"""The one exception tree of postbot.

Every error the bot raises on purpose is a ``PostbotError``; anything else is a
bug. The command line prints a ``PostbotError`` as one line and exits 1, so each
message is built here, from the error's fields, and says *where* and *what*::

    PostbotError
      ArticleError(path, message)              an article file we cannot read or understand
      ConfigError(path, line, col, message)    postbot.yaml, schedules, ${VAR} references
      SourceError(source, message)             unreachable feed, malformed JSON/XML
      TemplateError(path, line, message)       unknown variable (StrictUndefined), syntax
      ComposeError(message)                    nothing fits (a URL longer than the limit)
      PlatformError(message)                   an unknown platform name
      StoreError(message)                      database schema too new, unreachable database
      OutputError(path, message)               a file postbot was asked to write (a page)
      PublishError(account, message)
        TransientError                         retry with backoff; the row stays pending
          RateLimited(retry_after)
          Timeout
          ServerError(status, retry_after)
        PermanentError                         the row becomes failed; never retried
          AuthError
          Rejected(status, platform_message)
          NetworkRefused                       the network guard refused a host
        DeliveryUnknown                        the request may have arrived; a human decides
"""

from __future__ import annotations

from pathlib import Path


class PostbotError(Exception):
    """Root of every error postbot raises on purpose."""


def shown_path(path: str | Path) -> str:
    """A path as a person wants it in a message: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _where(path: str | Path | None, line: int | None = None, col: int | None = None) -> str:
    parts = [shown_path(path) if path is not None else "<input>"]
    if line is not None:
        parts.append(str(line))
        if col is not None:
            parts.append(str(col))
    return ":".join(parts)


class ArticleError(PostbotError):
    """An article file that is missing, binary, empty or malformed."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class ConfigError(PostbotError):
    """A problem in a file the user edits, located as ``file:line:col``."""

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.col = col
        self.message = message
        super().__init__(f"{_where(path, line, col)}: {message}")


class SourceError(PostbotError):
    """An article source that could not be read (feed, folder, HTTP endpoint)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"source {source}: {message}")


class TemplateError(PostbotError):
    """A template that does not render: syntax error or unknown variable."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{_where(path, line)}: {message}")


class ComposeError(PostbotError):
    """An article that cannot be made into a post that fits."""


class PlatformError(PostbotError):
    """An unknown platform name, or a platform asked for something it lacks."""


class StoreError(PostbotError):
    """The state database cannot be used (unreachable, or a newer schema)."""


class OutputError(PostbotError):
    """A file the user asked for (``--html OUT``) that cannot be written."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class PublishError(PostbotError):
    """Publishing to an account failed; subclasses say whether to retry."""

    def __init__(self, account: str, message: str) -> None:
        self.account = account
        self.message = message
        super().__init__(f"{account}: {message}")


class TransientError(PublishError):
    """Worth retrying later: the request certainly did not take effect."""


class RateLimited(TransientError):
    """The platform asked us to wait ``retry_after`` seconds."""

    def __init__(self, account: str, retry_after: float, message: str = "") -> None:
        self.retry_after = max(0.0, retry_after)
        text = f"rate limited, retry after {self.retry_after:.0f}s"
        super().__init__(account, f"{text}: {message}" if message else text)


class Timeout(TransientError):
    """Connecting or waiting for a free connection timed out; nothing was sent."""


class ServerError(TransientError):
    """The platform answered 5xx, where sending again is harmless (see ``bot.adapters.base``).

    ``retry_after`` is the wait the platform named (a 503 with Retry-After), if any.
    """

    def __init__(
        self, account: str, status: int, message: str = "", retry_after: float | None = None
    ) -> None:
        self.status = status
        self.retry_after = None if retry_after is None else max(0.0, retry_after)
        super().__init__(account, f"server error {status}" + (f": {message}" if message else ""))


class PermanentError(PublishError):
    """Retrying cannot help; the post is marked failed."""


class AuthError(PermanentError):
    """The credentials were refused (401/403)."""


class Rejected(PermanentError):
    """The platform refused the post (4xx) with its own message."""

    def __init__(self, account: str, status: int, platform_message: str) -> None:
        self.status = status
        self.platform_message = platform_message
        super().__init__(account, f"rejected ({status}): {platform_message}")


class NetworkRefused(PermanentError):
    """A request to a host the network guard does not allow (tests run loopback-only)."""


class DeliveryUnknown(PublishError):
    """The request may have reached the platform; resending could post twice."""
