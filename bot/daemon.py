"""``postbot run``: the daemon.

APScheduler 3 (``AsyncIOScheduler``, UTC, one job per schedule with a
trigger that knows the schedule's slots) decides *when*. Each wake-up
enqueues the schedule's slots that are due (a few seconds ahead of time, so
a post is ready the moment its slot comes); what to post and whether it
already was lives in the outbox, so a restart or a second daemon never
posts twice. A worker claims due rows and publishes them, one at a time per
account, many accounts at once.

Lifecycle: ``start`` (open the store, release claims of this host's dead
daemons, load schedules, catch up on slots missed within each schedule's
``catch_up``, start the scheduler and the worker), ``run`` until a stop
signal or ``--for`` runs out, then ``stop`` (no new claims; in-flight posts
may finish within a grace period; anything still unfinished stays claimable
once its lease expires). SIGHUP, or a changed file, reloads postbot.yaml and
the schedules; a file that no longer loads is reported and its last good
version keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.config import Settings, load_settings
from bot.errors import ConfigError, PostbotError, SourceError, StoreError, TemplateError
from bot.logs import redact_also
from bot.outbox import NewRow, Outbox
from bot.planner import choices, plan_for, slot_key
from bot.platforms import get_platform
from bot.publish import Publisher, Sent
from bot.schedules import Schedule, load_schedule, schedule_file_mtimes
from bot.sources import Candidate, Source, make_source
from bot.store import Store, copy_state, open_store
from bot.templates import environment
from bot.transport import ClientShards, make_client
from bot.writer import BatchWriter

log = logging.getLogger(__name__)

# Enqueue this far ahead, so a post is ready when its slot comes. Not a whole
# number of seconds: slots sit on round seconds, and composing the posts of
# slots due later must not run in the same instant as sending those due now
# (measured with 10 slots a second: fire lag p50 25 ms at 5 s, 7 ms at 4.5 s).
LEAD = timedelta(seconds=4.5)
SOURCE_TTL = 30.0  # re-read a source at most this often
ENQUEUE_RETRY = 5.0  # seconds before a slot the database refused is enqueued again
# A row is claimed this long before it is due and sent at its time: the claim
# (a database write, queued behind whatever the writer is doing) is then not
# between the due moment and the request (fire lag p99 27 ms -> see BENCHMARKS.md).
CLAIM_AHEAD = 0.05
_FIRE_JOB = "bot.daemon:Daemon._fire_job"  # the scheduler's job, by reference (see _schedule)


@dataclass
class DaemonOptions:
    dry_run: bool = False
    run_for: float | None = None
    poll: float = 1.0
    concurrency: int = 64
    per_account: int = 1
    reload_every: float = 2.0
    grace: float = 20.0
    on_sent: Callable[[Sent], None] | None = None


class SlotTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires ``LEAD`` before each slot of a schedule (slot times: ``Schedule.slots``)."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None:
            slot = self.schedule.next_slot(now + LEAD - timedelta(microseconds=1))
        else:
            slot = self.schedule.next_slot(previous_fire_time + LEAD)
        return slot - LEAD if slot else None

    def __str__(self) -> str:
        return f"slots of {self.schedule.name}"


@dataclass
class _Loaded:
    """The schedules running now, by file and by name, and what they were loaded from."""

    by_path: dict[str, Schedule] = field(default_factory=dict)  # keyed by the file's path as text
    by_name: dict[str, Schedule] = field(default_factory=dict)
    mtimes: dict[str, int] = field(default_factory=dict)  # every file looked at, loaded or not
    folder_mtime: float = 0.0

    def put(self, path: str, schedule: Schedule) -> None:
        old = self.by_path.get(path)
        if old is not None and self.by_name.get(old.name) is old:
            del self.by_name[old.name]
        self.by_path[path] = schedule
        self.by_name.setdefault(schedule.name, schedule)

    def drop(self, path: str) -> Schedule:
        schedule = self.by_path.pop(path)
        if self.by_name.get(schedule.name) is schedule:
            del self.by_name[schedule.name]
            # Another file may hold a schedule of the same name (validate reports it).
            twin = next((s for s in self.by_path.values() if s.name == schedule.name), None)
            if twin is not None:
                self.by_name[schedule.name] = twin
        return schedule


class Daemon:
    def __init__(self, config_path: Path, options: DaemonOptions | None = None) -> None:
        self.config_path = config_path
        self.options = options or DaemonOptions()
        self.settings: Settings | None = None
        self.store: Store | None = None
        self.outbox: Outbox | None = None
        self.publisher: Publisher | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.loaded = _Loaded()
        self.sources: dict[str, tuple[Source, float, list[Candidate]]] = {}
        self.enqueued_until: dict[str, datetime] = {}
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self.inflight_accounts: dict[int, str] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._config_mtime = 0.0
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        self._clients: list[Any] = []
        self._idle: set[tuple[str, str]] = set()
        self._retries: dict[str, asyncio.Task[None]] = {}
        self._firing: set[asyncio.Task[Any]] = set()
        self.writer: BatchWriter | None = None
        self.started_at = time.time()

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Daemon:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        settings = self._load_settings()
        self.settings = settings
        self._config_mtime = _mtime(self.config_path)
        url = settings.database_url
        if self.options.dry_run:
            # A dry run must not mark anything as posted in the real state.
            self._temp_dir = tempfile.TemporaryDirectory(prefix="postbot-dry-run-")
            url = f"sqlite:///{self._temp_dir.name}/dry-run.db"
        self.store = await asyncio.to_thread(open_store, url)
        if self.options.dry_run:
            await self._copy_real_state(settings.database_url)
        self.outbox = Outbox(self.store, lease=settings.lease)
        self.writer = BatchWriter(self.store)
        self.writer.start()
        self.outbox.run = self.writer.run
        self.started_at = time.time()
        await self._heartbeat()
        released = await asyncio.to_thread(self.outbox.release_dead_owners)
        if released:
            log.info("released %d post(s) claimed by a daemon of this host that is gone", released)
        secrets = settings.all_secret_values()
        shards = ClientShards.create(
            self.options.concurrency,
            dry_run=self.options.dry_run,
            secrets=secrets,
            guard=settings.network_guard,
        )
        sources_client, _ = make_client(
            dry_run=False, secrets=secrets, guard=settings.network_guard, keep_requests=False
        )
        self._clients = [shards, sources_client]
        self.sources_client = sources_client
        self.publisher = Publisher(
            settings,
            self.outbox,
            shards,
            per_account=self.options.per_account,
            on_sent=self.options.on_sent,
        )
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._load_schedules(initial=True)
        await asyncio.to_thread(_prepare_text_rules, settings)
        await self._catch_up()
        self.scheduler.start()
        self._tasks = [
            asyncio.create_task(self._worker(), name="worker"),
            asyncio.create_task(self._renew_leases(), name="leases"),
            asyncio.create_task(self._watch_files(), name="reload"),
        ]
        mode = " (dry run: nothing is sent, state is thrown away)" if self.options.dry_run else ""
        log.info("postbot running with %d schedule(s)%s", len(self.loaded.by_path), mode)

    async def _heartbeat(self, stopped: bool = False) -> None:
        assert self.outbox is not None
        await self.outbox.run(partial(self.outbox.heartbeat, self.started_at, stopped))

    async def _copy_real_state(self, real_url: str) -> None:
        """A dry run starts from a copy of the real state: it picks what a real run would."""
        assert self.store is not None
        try:
            copied = await asyncio.to_thread(copy_state, real_url, self.store)
        except StoreError as exc:
            log.warning("dry run: %s; starting from an empty state", exc)
            return
        if copied:
            log.info("dry run: working on a copy of the state database (%d rows)", copied)

    async def run(self) -> None:
        """Run until ``request_stop`` (SIGTERM, SIGINT) or ``run_for`` seconds."""
        if self.options.run_for is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.options.run_for)
        else:
            await self.stopping.wait()

    def request_stop(self) -> None:
        log.info("stopping: no new posts; waiting for posts in flight")
        self.stopping.set()
        self.wake.set()

    def request_reload(self) -> None:
        if self.publisher is None or self.stopping.is_set():
            return  # still starting (it reads the files now anyway) or stopping
        log.info("SIGHUP: reloading postbot.yaml and schedules")
        self._reload()

    async def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.scheduler and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for retry in list(self._retries.values()):
            retry.cancel()  # the next start catches up what they would have enqueued
        if self._firing:  # a slot being enqueued finishes its row (it stops before the next)
            await asyncio.wait(list(self._firing), timeout=10)
        for task in self._tasks:
            task.cancel()
        if self.inflight:
            done, pending = await asyncio.wait(
                list(self.inflight.values()), timeout=self.options.grace
            )
            for task in pending:
                task.cancel()  # its row stays claimed; another daemon resumes it after the lease
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.outbox is not None:
            with contextlib.suppress(Exception):
                await self._heartbeat(stopped=True)
        if self.writer is not None:
            await self.writer.close()
        if self.publisher:
            await self.publisher.aclose()
        for client in self._clients:
            await client.aclose()
        if self.store:
            self.store.dispose()
        if self._temp_dir:
            self._temp_dir.cleanup()
        log.info("postbot stopped")

    def _load_settings(self) -> Settings:
        settings = load_settings(self.config_path)
        return settings.for_dry_run() if self.options.dry_run else settings

    # -- schedules ---------------------------------------------------------------------------

    def _load_schedules(self, initial: bool = False) -> None:
        assert self.settings is not None
        self.loaded.folder_mtime = _mtime(self.settings.schedules_dir)
        files = schedule_file_mtimes(self.settings)
        for name in list(self.loaded.by_path):
            if name not in files:
                log.info("schedule file %s is gone; its schedule stops", name)
                self._unschedule(self.loaded.drop(name), forget_ahead=True)
        for name in list(self.loaded.mtimes):
            if name not in files:  # gone, whether it had loaded or not
                del self.loaded.mtimes[name]
        for name, mtime in sorted(files.items()):
            if (
                not initial
                and self.loaded.mtimes.get(name) == mtime
                and name in self.loaded.by_path
            ):
                continue
            self.loaded.mtimes[name] = mtime
            schedule, problems = load_schedule(name, self.settings)
            for problem in problems:
                log.error("%s", problem)
            if schedule is None:
                if name in self.loaded.by_path:
                    log.error("%s: keeping the last good version of this schedule", name)
                continue
            redact_also(schedule.source.secret_values())
            old = self.loaded.by_path.get(name)
            if old is not None:
                self._unschedule(old, forget_ahead=True)
            self.loaded.put(name, schedule)
            if schedule.enabled:
                self._schedule(schedule)
            if not initial:
                log.info("loaded schedule %s from %s", schedule.name, name)

    def _schedule(self, schedule: Schedule) -> None:
        """One APScheduler job per schedule, as lean as it can be made.

        With 10,000 schedules every per-job object counts: the function is
        given by reference (one shared string, rather than a bound method and
        a reference string built for each job) and the job's id and name are
        the schedule's own name, not new strings.
        """
        assert self.scheduler is not None
        self.scheduler.add_job(
            _FIRE_JOB,
            SlotTrigger(schedule),
            args=(self, schedule.name),
            id=schedule.name,
            name=schedule.name,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )

    def _unschedule(self, schedule: Schedule, forget_ahead: bool = False) -> None:
        """Stop firing ``schedule``; with ``forget_ahead``, also its rows enqueued ahead.

        Slots are enqueued a few seconds early. When a schedule is edited,
        disabled or removed, its rows not yet due were made by the old
        version: they are dropped (nothing of them was sent) and the new
        version, if any, enqueues those slots again by its own rules.
        """
        assert self.scheduler is not None
        with contextlib.suppress(Exception):
            self.scheduler.remove_job(schedule.name)
        if forget_ahead and self.outbox is not None and self.writer is not None:
            now = datetime.now(UTC)
            # Queued now, so it runs before anything the new version enqueues.
            withdraw = self.writer.submit(
                partial(self.outbox.drop_unsent, schedule.name, None, now.timestamp())
            )
            withdraw.add_done_callback(partial(_report_withdrawn, schedule.name))
            self.enqueued_until[schedule.name] = now - timedelta(microseconds=1)

    def _by_name(self, name: str) -> Schedule | None:
        return self.loaded.by_name.get(name)

    def _reload(self) -> None:
        assert self.settings is not None
        assert self.publisher is not None
        try:
            settings = self._load_settings()
        except ConfigError as exc:
            log.error("%s (keeping the last good postbot.yaml)", exc)
        else:
            self.settings = settings
            self.publisher.settings = settings
        self._config_mtime = _mtime(self.config_path)
        self._load_schedules(initial=False)

    async def _watch_files(self) -> None:
        """Reload when postbot.yaml or a schedule file is added, removed or changed.

        Each tick looks at postbot.yaml and the schedules folder (a file
        added, removed or saved by renaming, as editors and git do, changes
        the folder); every file is looked at too, but with thousands of
        files less often (every ``reload_every`` per thousand files), so an
        idle daemon stays idle. SIGHUP reloads at once. The looking is done
        in a thread: the loop meanwhile sends posts.
        """
        assert self.settings is not None
        last_full = time.monotonic()
        while not self.stopping.is_set():
            await asyncio.sleep(self.options.reload_every)
            full_every = self.options.reload_every * max(1.0, len(self.loaded.mtimes) / 1000)
            full = time.monotonic() - last_full >= full_every
            if full:
                last_full = time.monotonic()
            if await asyncio.to_thread(self._files_changed, full):
                self._reload()

    def _files_changed(self, look_at_every_file: bool) -> bool:
        assert self.settings is not None
        if _mtime(self.config_path) != self._config_mtime:
            return True
        if _mtime(self.settings.schedules_dir) != self.loaded.folder_mtime:
            return True
        return look_at_every_file and schedule_file_mtimes(self.settings) != self.loaded.mtimes

    # -- enqueueing --------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        """Enqueue the slots missed while no daemon ran, within each schedule's ``catch_up``.

        "Missed" starts when a daemon was last seen running on this database
        (less a margin for what it may not have enqueued before it died): a
        first start against a new database catches up nothing, and a start
        beside a running daemon leaves the slots to it.
        """
        assert self.outbox is not None
        now = datetime.now(UTC)
        seen = await asyncio.to_thread(self.outbox.last_seen_other)
        if seen is None:
            log.info("first start against this state database: no slots to catch up")
            since = now
        else:
            margin = LEAD + timedelta(seconds=min(self.outbox.lease / 3, 10.0) + 5)
            since = datetime.fromtimestamp(seen, UTC) - margin
        box = self.outbox
        waiting = await asyncio.to_thread(box.schedules_with_unsent)
        for schedule in list(self.loaded.by_path.values()):
            if not schedule.enabled:
                continue
            window = now - schedule.catch_up
            dropped = 0
            if schedule.name in waiting:  # most schedules have nothing queued: no write
                dropped = await box.run(
                    partial(box.drop_unsent, schedule.name, window.timestamp(), None)
                )
            if dropped:
                log.info(
                    "schedule %s: %d slot(s) came while no postbot was running, more than "
                    "catch_up (%s) ago; their articles wait for the next slots",
                    schedule.name,
                    dropped,
                    schedule.catch_up,
                )
            start = max(window, min(since, now))
            self.enqueued_until[schedule.name] = start - timedelta(microseconds=1)
            await self._fire_due(schedule.name, now)

    async def _fire_job(self, name: str) -> None:
        """The scheduler's job: ``_fire_due``, which ``stop`` lets finish rather than cancel."""
        task = asyncio.current_task()
        if task is not None:
            self._firing.add(task)
            task.add_done_callback(self._firing.discard)
        await self._fire_due(name)

    async def _fire_due(self, name: str, now: datetime | None = None) -> None:
        """Enqueue every slot of ``name`` due by now (plus the lead), each once."""
        schedule = self._by_name(name)
        if schedule is None or not schedule.enabled or self.stopping.is_set():
            return
        now = now or datetime.now(UTC)
        start = self.enqueued_until.get(name, now - timedelta(seconds=1)) + timedelta(
            microseconds=1
        )
        end = now + LEAD + timedelta(microseconds=1)
        for slot in schedule.slots(start, end):
            if self.stopping.is_set():
                return  # the next start catches up what is left
            if slot < now - schedule.catch_up:  # only after the database was away a long time
                log.error(
                    "schedule %s, slot %s: not enqueued while the state database was "
                    "unavailable, and now older than catch_up (%s); skipped",
                    schedule.name,
                    slot_key(slot),
                    schedule.catch_up,
                )
                self.enqueued_until[name] = slot
                continue
            try:
                await self._enqueue_slot(schedule, slot)
            except StoreError as exc:
                # The database is away for a moment: this slot and the ones after
                # it are tried again shortly, not given up.
                log.warning(
                    "schedule %s, slot %s: %s; trying again in %.0fs",
                    schedule.name,
                    slot_key(slot),
                    exc,
                    ENQUEUE_RETRY,
                )
                self._fire_again_later(name)
                return
            except PostbotError as exc:
                log.error("schedule %s, slot %s: %s", schedule.name, slot_key(slot), exc)
            except Exception:
                log.exception(
                    "schedule %s, slot %s: unexpected error", schedule.name, slot_key(slot)
                )
            self.enqueued_until[name] = slot
        self.enqueued_until[name] = max(
            self.enqueued_until.get(name, end), end - timedelta(microseconds=1)
        )
        self.wake.set()

    def _fire_again_later(self, name: str) -> None:
        """Try ``_fire_due`` for ``name`` again in ``ENQUEUE_RETRY`` seconds (once at a time)."""
        if name in self._retries:
            return

        async def later() -> None:
            try:
                await asyncio.sleep(ENQUEUE_RETRY)
            finally:
                self._retries.pop(name, None)
            await self._fire_job(name)

        self._retries[name] = asyncio.create_task(later(), name=f"enqueue-retry:{name}")

    async def _candidates(self, schedule: Schedule) -> list[Candidate]:
        key = schedule.source.key
        cached = self.sources.get(key)
        now = time.monotonic()
        if cached is None:
            source = make_source(schedule.source, self.sources_client, self.store)
        else:
            source = cached[0]
            if now - cached[1] < SOURCE_TTL:
                return cached[2]
        try:
            found = await source.fetch()
        except SourceError as exc:
            log.error("%s", exc)
            found = cached[2] if cached else []
        self.sources[key] = (source, now, found)
        return found

    async def _enqueue_slot(self, schedule: Schedule, slot: datetime) -> None:
        assert self.settings is not None
        assert self.outbox is not None
        assert self.publisher is not None
        key = slot_key(slot)
        outbox = self.outbox
        env = environment(tuple(str(d) for d in self.settings.templates_dirs))
        candidates: list[Candidate] | None = None
        for spec in schedule.posts:
            if await asyncio.to_thread(outbox.slot_taken, schedule.name, key, spec.account):
                continue
            try:
                account = self.settings.account(spec.account)
                template = env.get(account.platform, spec.template)
                rules = await self.publisher.adapter(account).rules()
            except (ConfigError, TemplateError) as exc:
                log.error(
                    "schedule %s, slot %s, account %s: %s (slot skipped)",
                    schedule.name,
                    key,
                    spec.account,
                    exc,
                )
                continue
            if candidates is None:
                candidates = await self._candidates(schedule)
            used = await asyncio.to_thread(outbox.used_articles, schedule.name, spec.account)
            queued = False
            for choice in choices(schedule, candidates, template, used):
                plan, error = plan_for(choice, template, rules, spec)
                row = NewRow(
                    schedule=schedule.name,
                    slot=key,
                    account=spec.account,
                    article_id=choice.article.id,
                    article_key=choice.key,
                    content_hash=choice.article.content_hash,
                    title=choice.article.title,
                    plan=plan,
                    due_at=schedule.send_at(slot, spec.account).timestamp(),
                    error=error,
                )
                if await outbox.run(partial(outbox.enqueue, row)):
                    queued = True
                    if error:
                        log.error(
                            "schedule %s, slot %s, %s: %s", schedule.name, key, spec.account, error
                        )
                    break
                if await asyncio.to_thread(outbox.slot_taken, schedule.name, key, spec.account):
                    queued = True  # another daemon enqueued this slot meanwhile
                    break
            idle = (schedule.name, spec.account)
            if queued:
                self._idle.discard(idle)
            elif idle not in self._idle:  # said once, not at every slot of a quiet source
                self._idle.add(idle)
                log.info(
                    "schedule %s, slot %s: nothing new to post to %s (said once until there is)",
                    schedule.name,
                    key,
                    spec.account,
                )

    # -- publishing --------------------------------------------------------------------------

    async def _worker(self) -> None:
        """Claim due rows and start sending them, until stopped; never gives up.

        A database that is away for a moment (a restart, a failover, a lock
        held too long) is waited out: the worker says so once per failure,
        waits a poll interval and claims again, so posts resume by themselves.
        """
        while not self.stopping.is_set():
            try:
                await self._claim_and_wait()
            except StoreError as exc:
                log.warning("cannot claim posts: %s; trying again in %gs", exc, self.options.poll)
                await self._nap(self.options.poll)
            except Exception:
                log.exception("the worker failed; it starts again in %gs", self.options.poll)
                await self._nap(self.options.poll)

    async def _nap(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _claim_and_wait(self) -> None:
        """One round: claim what is due and free, then sleep until there may be more."""
        assert self.outbox is not None
        outbox = self.outbox
        # Cleared before claiming: a send that finishes from here on wakes the loop.
        self.wake.clear()
        capacity = self.options.concurrency - len(self.inflight)
        rows = []
        # Rows due after ``horizon`` were not yet taken by this claim.
        horizon = time.time() + CLAIM_AHEAD
        if capacity > 0:
            busy = Counter(self.inflight_accounts.values())
            rows = await outbox.run(
                partial(
                    outbox.claim,
                    capacity,
                    horizon,
                    self.options.per_account,
                    busy,
                    skip=list(self.inflight),  # its own, even if their lease lapsed
                )
            )
        for row in rows:
            task = asyncio.create_task(self._publish(row))
            self.inflight[row.id] = task
            self.inflight_accounts[row.id] = row.account
        if rows and len(rows) == capacity:
            return
        # Sleep until the next row falls due, a send finishes (its account is
        # free again), a slot is enqueued, or the poll interval passes. With
        # every place taken only a finished send can make room: no need to ask
        # the database when the next row falls due (in a burst, that query
        # after every send cost as much as the claim itself).
        timeout = self.options.poll
        if len(self.inflight) < self.options.concurrency:
            due = await asyncio.to_thread(outbox.next_due)
            # A row due after the claim's horizon is claimed just ahead of its
            # time (at once if that has passed meanwhile); one due before was
            # left for a reason (its account is busy) and a finished send wakes us.
            if due is not None and due > horizon:
                timeout = min(timeout, max(0.0, due - CLAIM_AHEAD - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout)

    async def _publish(self, row: Any) -> None:
        assert self.publisher is not None
        try:
            early = row.due_at - time.time()
            if early > 0:  # claimed ahead (``CLAIM_AHEAD``): sent at its time, not before
                await asyncio.sleep(early)
            await self.publisher.publish_row(row)
        except StoreError as exc:  # the outcome could not be recorded within the lease
            log.warning("row %d: %s; it resumes from its last recorded part", row.id, exc)
        except Exception:
            log.exception("row %d: unexpected error while publishing", row.id)
        finally:
            self.inflight.pop(row.id, None)
            self.inflight_accounts.pop(row.id, None)
            self.wake.set()

    async def _renew_leases(self) -> None:
        """Keep the leases of posts in flight, and this daemon's heartbeat, fresh."""
        assert self.outbox is not None
        while not self.stopping.is_set():
            await asyncio.sleep(min(self.outbox.lease / 3, 10.0))
            try:
                await self.outbox.run(partial(self.outbox.renew, list(self.inflight)))
                await self._heartbeat()
            except Exception as exc:  # noqa: BLE001 - the database may be away for a moment
                log.warning("could not renew leases: %s", str(exc).splitlines()[0][:200])


def _report_withdrawn(schedule: str, done: asyncio.Future[int]) -> None:
    if done.cancelled():
        return
    if error := done.exception():
        log.error("schedule %s: could not withdraw posts enqueued ahead: %s", schedule, error)
    elif count := done.result():
        log.info(
            "schedule %s changed: withdrew %d post(s) enqueued ahead of their slot", schedule, count
        )


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


WARM_UP_TEXT = "Warm-up #tag https://example.org/a?b=1 example.com @user@example.org @a.bsky.social"


def _prepare_text_rules(settings: Settings) -> None:
    """Measure a text with the rules of every platform the accounts use.

    Some rules build their patterns on first use (a URL pattern over every
    top-level domain takes a third of a second to compile); done here, the
    first slot does not pay for it while posts of other slots are due.
    """
    platforms = set()
    for name in settings.account_names:
        with contextlib.suppress(PostbotError):
            platforms.add(settings.account(name).platform)
    for platform in sorted(platforms):
        with contextlib.suppress(PostbotError):
            rules = get_platform(platform)
            rules.measure(WARM_UP_TEXT)
            rules.facets(WARM_UP_TEXT)


def freeze_what_start_loaded() -> None:
    """Move every object alive now out of the garbage collector's sight.

    What start loaded (settings, schedules, templates, triggers) lives as
    long as the process. Frozen, full collections no longer walk it: with
    10,000 schedules each took 300 ms, a pause in the middle of sending.
    """
    gc.collect()
    gc.freeze()


async def run_daemon(config_path: Path, options: DaemonOptions) -> None:
    """``postbot run``: the daemon with its signal handlers.

    The handlers are in place before it starts, so a SIGTERM that arrives
    while it is still starting stops it cleanly too.
    """
    daemon = Daemon(config_path, options)
    loop = asyncio.get_running_loop()
    handlers = {
        signal.SIGTERM: daemon.request_stop,
        signal.SIGINT: daemon.request_stop,
        signal.SIGHUP: daemon.request_reload,
    }
    for sig, handler in handlers.items():
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(sig, handler)
    try:
        await daemon.start()
        freeze_what_start_loaded()
        await daemon.run()
    finally:
        await daemon.stop()
        for sig in handlers:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


__all__ = ["Daemon", "DaemonOptions", "SlotTrigger", "freeze_what_start_loaded", "run_daemon"]
