"""The ``postbot`` command line: thin wrappers over the library.

Only this module writes to stdout. Every ``PostbotError`` becomes one line on
stderr and exit code 1; usage errors exit 2 (click's default). Imports of
heavy modules happen inside the commands so that ``postbot --help`` and
``postbot preview`` start fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

from bot import __version__
from bot.errors import PostbotError

if TYPE_CHECKING:
    from bot.platforms import Platform

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG = "postbot.yaml"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the bot's own errors into one line and exit 1, never a traceback."""
    try:
        yield
    except PostbotError as exc:
        raise click.ClickException(str(exc)) from None


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postbot")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="postbot.yaml to use (default: $POSTBOT_CONFIG, else ./postbot.yaml).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """postbot: turn summarised news articles into posts that fit every platform."""
    ctx.ensure_object(dict)
    if config_path is None:
        config_path = Path(os.environ.get("POSTBOT_CONFIG") or DEFAULT_CONFIG)
    ctx.obj["config_path"] = config_path


@cli.command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parse as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["digest", "markdown", "json", "yaml"]),
    default=None,
    help="Article format (default: from the extension, then the content).",
)
def parse(article: Path, as_json: bool, fmt: str | None) -> None:
    """Show what postbot understood of one ARTICLE file."""
    from bot.parse import parse_file

    with user_errors():
        parsed = parse_file(article, fmt)
    if as_json:
        print_json(parsed.to_json())
        return
    click.echo(format_article(parsed.to_json()))


@cli.command()
@click.option("--platform", "platform_name", required=True, help="Platform whose rules to apply.")
@click.option(
    "--jsonl", is_flag=True, help='Read one {"text": ...} per line; print one result each.'
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Override the limit (Mastodon)."
)
def measure(platform_name: str, jsonl: bool, as_json: bool, limit: int | None) -> None:
    """Measure text on stdin by a platform's own counting rules.

    Without --jsonl, the whole of stdin is one text (one trailing newline is
    not counted). With --jsonl, thousands of texts are measured in one run.
    """
    from bot.errors import PlatformError
    from bot.platforms import get_platform

    try:
        platform = get_platform(platform_name, limit)
    except PlatformError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    stdin = sys.stdin.buffer
    if jsonl:
        bad = _measure_lines(platform, stdin)
        if bad:
            click.echo(f'Error: {bad} input line(s) were not {{"text": ...}} JSON', err=True)
            raise SystemExit(1)
        return
    try:
        text = stdin.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"stdin: not UTF-8 text (bad byte at offset {exc.start})"
        ) from None
    text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    result = measurement(platform, text)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    verdict = "fits" if result["fits"] else "does not fit"
    click.echo(f"{result['length']}/{result['limit']} {verdict}")


def measurement(platform: Platform, text: str) -> dict[str, Any]:
    """The ``measure`` result for one text (the contract other tools read)."""
    length, fits = platform.measure(text)
    result: dict[str, Any] = {"length": length, "limit": platform.limit, "fits": fits}
    if platform.name == "bluesky":
        result["facets"] = [f.to_json() for f in platform.facets(text)]
    return result


def _measure_lines(platform: Platform, stream: BinaryIO) -> int:
    """Measure a JSON-lines stream; returns how many lines were unusable."""
    out = sys.stdout
    bad = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            bad += 1
            out.write(json.dumps({"error": f'line {number}: expected {{"text": string}}'}) + "\n")
            continue
        out.write(json.dumps(measurement(platform, text), ensure_ascii=False) + "\n")
    out.flush()
    return bad


html_option = click.option(
    "--html",
    "html_out",
    metavar="OUT",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a self-contained HTML page to OUT (not with --json).",
)


def one_output(as_json: bool, html_out: Path | None) -> None:
    """--json and --html each say where the result goes: only one may."""
    if as_json and html_out is not None:
        raise click.UsageError("--json and --html cannot be used together; pick one")


def write_html(path: Path, html: str, what: str) -> None:
    """Write a page and say so in one line (stderr; stdout stays for data)."""
    from bot.htmlpage import write_page

    with user_errors():
        write_page(path, html)
    click.echo(f"wrote {path} ({what})", err=True)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@cli.command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    help="Platform to preview (repeatable; default: all).",
)
@click.option("--template", "templates", multiple=True, help="Template to render (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the posts as JSON.")
@html_option
@click.pass_context
def preview(
    ctx: click.Context,
    article: Path,
    platforms: tuple[str, ...],
    templates: tuple[str, ...],
    as_json: bool,
    html_out: Path | None,
) -> None:
    """Show the posts postbot would make of ARTICLE, with every segment's length.

    With --html OUT, write them as a page of cards styled after each
    platform, with a length meter per post.
    """
    from bot.preview import build_preview, render_text

    one_output(as_json, html_out)
    if platforms:
        from bot.platforms import PLATFORM_NAMES

        unknown = [p for p in platforms if p not in PLATFORM_NAMES]
        if unknown:  # a usage error, as in measure
            raise click.BadParameter(
                f"unknown platform {unknown[0]!r} (known: {', '.join(PLATFORM_NAMES)})",
                param_hint="--platform",
            )
    with user_errors():
        result = build_preview(
            article,
            platforms=platforms,
            templates=templates,
            template_dirs=user_template_dirs(ctx.obj["config_path"]),
        )
    if html_out is not None:
        from bot.htmlpage import config_badges, render_preview

        badges, warning = config_badges(ctx.obj["config_path"])
        if warning:
            click.echo(f"warning: {warning}", err=True)
        write_html(html_out, render_preview(result, badges), plural(len(result.posts), "post"))
    elif as_json:
        print_json(result.to_json())
    else:
        click.echo(render_text(result))
    if result.errors:
        raise SystemExit(1)


@cli.command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option("--to", "account", required=True, help="Account (from postbot.yaml) to post to.")
@click.option("--template", default="headline", show_default=True, help="Template to use.")
@click.option("--dry-run", is_flag=True, help="Show the exact requests; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print requests and segments as JSON.")
@click.pass_context
def post(
    ctx: click.Context, article: Path, account: str, template: str, dry_run: bool, as_json: bool
) -> None:
    """Publish ARTICLE to ACCOUNT now (or, with --dry-run, show what would be sent)."""
    import asyncio

    from bot.config import load_settings
    from bot.logs import setup_logging
    from bot.publish import post_now, segments_json

    with user_errors():
        settings = load_settings(ctx.obj["config_path"])
        setup_logging(settings, redact=settings.all_secret_values())
        dry_run = dry_run or settings.dry_run
        if dry_run:
            settings = settings.for_dry_run()
        result = asyncio.run(post_now(settings, article, account, template, dry_run))
    if as_json:
        print_json(
            {
                "requests": [r.to_json() for r in result.requests],
                "segments": segments_json(result),
                "receipts": [receipt_json(r) for r in result.receipts],
            }
        )
        return
    if dry_run:
        for request in result.requests:
            click.echo(format_request(request.to_json()))
        return
    for receipt in result.receipts:
        count = len(receipt.segments)
        for index, segment in enumerate(receipt.segments, start=1):
            where = segment.url or segment.remote_id
            click.echo(f"sent {index}/{count} to {receipt.account}: {where}")


def receipt_json(receipt: Any) -> dict[str, Any]:
    """What a platform answered for one post: the remote id and URL of each segment."""
    return {
        "account": receipt.account,
        "segments": [
            {"remote_id": s.remote_id, "url": s.url, **dict(s.extra)} for s in receipt.segments
        ],
    }


def parse_duration_option(value: str | None) -> float | None:
    if value is None:
        return None
    from bot.slots import RuleError, parse_duration

    try:
        return parse_duration(value).total_seconds()
    except RuleError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.option("--dry-run", is_flag=True, help="Send nothing; show each post as it would go out.")
@click.option("--for", "run_for", metavar="DURATION", help="Stop after this long (30s, 10m, 2h).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text or JSON.",
)
@click.pass_context
def run(ctx: click.Context, dry_run: bool, run_for: str | None, log_format: str | None) -> None:
    """Run the daemon: post every schedule's slots as they come."""
    import asyncio

    from bot.config import load_settings
    from bot.daemon import DaemonOptions, run_daemon
    from bot.logs import setup_logging

    seconds = parse_duration_option(run_for)
    with user_errors():
        settings = load_settings(ctx.obj["config_path"])
        setup_logging(settings, redact=settings.all_secret_values(), log_format=log_format)
        dry = dry_run or settings.dry_run
        options = DaemonOptions(dry_run=dry, run_for=seconds, on_sent=print_sent if dry else None)
        asyncio.run(run_daemon(ctx.obj["config_path"], options))


def print_sent(sent: Any) -> None:
    """In a dry run, each post as it would have gone out."""
    row = sent.row
    count = len(row.plan.segments)
    shape = f"thread of {count}" if count > 1 else "post"
    click.echo(f"── {row.schedule} · {row.slot} · {row.account} ({shape}) ──")
    for index, segment in enumerate(row.plan.segments, start=1):
        if count > 1:
            click.echo(f"[{index}/{count}]")
        click.echo(segment.text)
    click.echo()


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check schedule files (default: all of them) and postbot.yaml.

    Prints one line per problem as file:line:col: message and exits 1;
    exits 0 when everything is valid.
    """
    from bot.config import load_settings
    from bot.errors import ConfigError
    from bot.schedules import load_schedules

    try:
        settings = load_settings(ctx.obj["config_path"])
    except ConfigError as exc:
        click.echo(str(exc))
        raise SystemExit(1) from None
    schedules, problems = load_schedules(settings, list(files) if files else None)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo(
        f"ok: {len(schedules)} schedule(s), {len(settings.account_names)} account(s)", err=True
    )


@cli.command()
@click.option("--from", "start", metavar="ISO", help="Start at this time (default: now).")
@click.option(
    "--days", type=click.FloatRange(min=0.0, min_open=True), default=7.0, show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@html_option
@click.pass_context
def upcoming(
    ctx: click.Context, start: str | None, days: float, as_json: bool, html_out: Path | None
) -> None:
    """The next slots of every schedule, with the article and posts each would send.

    With --html OUT, write them as a calendar page: a column per day, a row
    per account, each slot with its time and its rendered post.
    """
    from datetime import UTC, datetime

    from bot.config import load_settings
    from bot.upcoming import upcoming as plan_upcoming

    one_output(as_json, html_out)

    when = datetime.now(UTC)
    if start:
        try:
            when = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(
                f"cannot read {start!r} as an ISO date and time", param_hint="--from"
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    with user_errors():
        settings = load_settings(ctx.obj["config_path"])
        result = plan_upcoming(settings, when, days)
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    if html_out is not None:
        from bot.htmlpage import calendar_page

        html = calendar_page(settings, result, when, days)
        write_html(html_out, html, plural(len(result.posts), "post"))
        return
    if as_json:
        print_json([p.to_json() for p in result.posts])
        return
    if not result.posts:
        click.echo(f"nothing scheduled in the next {days:g} day(s)")
    for post in result.posts:
        what = post.article or "(nothing new to post)"
        local = post.at.strftime("%a %Y-%m-%d %H:%M %Z")
        click.echo(f"{local}  ({post.at_utc:%H:%M} UTC)  {post.schedule} -> {post.account}: {what}")
        if post.error:
            click.echo(f"    error: {post.error}")
        elif post.plan:
            count = len(post.plan.segments)
            for index, segment in enumerate(post.plan.segments, start=1):
                label = f"[{index}/{count}] " if count > 1 else ""
                first = segment.text.split("\n", 1)[0]
                click.echo(f"    {label}{segment.length}/{segment.limit}  {first[:90]}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print every row as JSON.")
@click.pass_context
def history(ctx: click.Context, as_json: bool) -> None:
    """Every post in the outbox: its slot, status, attempts, error and links."""
    from bot.config import load_settings
    from bot.outbox import Outbox
    from bot.store import open_store

    with user_errors():
        settings = load_settings(ctx.obj["config_path"])
        store = open_store(settings.database_url)
        try:
            rows = Outbox(store).history()
        finally:
            store.dispose()
    entries = [history_entry(row) for row in rows]
    if as_json:
        print_json(entries)
        return
    if not entries:
        click.echo("no posts yet")
    for row, entry in zip(rows, entries, strict=True):
        links = " ".join(entry["urls"]) or " ".join(entry["remote_ids"])
        line = f"{entry['slot']}  {entry['schedule']} -> {entry['account']}  {entry['status']}"
        plural = "s" if entry["attempts"] != 1 else ""
        line += f"  ({entry['attempts']} attempt{plural})  {row.title[:60]}"
        click.echo(line)
        if entry["error"]:
            click.echo(f"    {entry['error']}")
        if links:
            click.echo(f"    {links}")


def history_entry(row: Any) -> dict[str, Any]:
    """One outbox row as ``history --json`` shows it (a contract)."""
    sent = row.sent
    return {
        "schedule": row.schedule,
        "account": row.account,
        "slot": row.slot,
        "status": row.status,
        "attempts": row.attempts,
        "error": row.last_error,
        "remote_ids": [s.remote_id for s in sent],
        "urls": [s.url for s in sent if s.url],
    }


def format_request(request: dict[str, Any]) -> str:
    """One request as a person reads it: line, headers, body."""
    lines = [f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in request["headers"].items()]
    if "json" in request:
        lines += ["", json.dumps(request["json"], ensure_ascii=False, indent=2)]
    elif request.get("body"):
        lines += ["", request["body"]]
    return "\n".join(lines) + "\n"


def user_template_dirs(config_path: Path) -> tuple[str, ...]:
    """The user's template folder: ``templates/`` beside postbot.yaml, if it exists."""
    folder = config_path.parent / "templates"
    return (str(folder),) if folder.is_dir() else ()


def format_article(data: dict[str, Any]) -> str:
    """The parse as a person reads it."""
    out = [f"title:     {data['title']}"]
    for key in ("url", "published", "language"):
        if data[key]:
            out.append(f"{key + ':':<10} {data[key]}")
    out.append(f"lede:      {data['lede']}")
    for section in data["sections"]:
        out.append("")
        out.append(f"## {section['heading']}" if section["heading"] else "## (no heading)")
        out.extend(f"  - {bullet}" for bullet in section["bullets"])
    if data["quotes"]:
        out.append("")
        out.append("quotes:")
        for quote in data["quotes"]:
            speaker = quote["speaker"] or "unknown speaker"
            out.append(f"  “{quote['text']}” — {speaker}")
    if data["hashtags"]:
        out.append("")
        out.append("hashtags:  " + " ".join(f"#{t}" for t in data["hashtags"]))
    return "\n".join(out)


def main() -> None:
    """Entry point of the ``postbot`` script."""
    cli(prog_name="postbot")


if __name__ == "__main__":  # pragma: no cover
    main()
