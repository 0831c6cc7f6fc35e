"""The outbox: what makes publishing exactly-once.

The contract, in the manner of a store interface:

* ``enqueue`` inserts one row per (schedule, slot, account), and at most one
  row per (schedule, account, article) as well, under unique keys, with
  ``INSERT ... ON CONFLICT DO NOTHING``: whoever loses the insert (a second
  daemon, a restarted one, a catch-up) does nothing. Nothing is sent for a
  slot before its row exists.
* ``claim`` takes rows that are due: ``pending`` rows whose ``due_at`` has
  come, and ``sending`` rows whose lease has expired (their daemon died).
  A claim sets ``claimed_by`` and ``claimed_until`` (a lease) and status
  ``sending``; on PostgreSQL it skips rows another daemon has locked.
* Every later write names the owner (``claimed_by``) in its WHERE clause. A
  daemon whose lease lapsed and whose row was taken over cannot write any
  more: its update matches nothing and it stops (``LeaseLost``).
* Progress is written as it happens: the idempotency material of a segment
  before it is sent, and its remote id as soon as it is sent, so a half-sent
  thread resumes with the next segment, replying to the last one sent.
* A row ends ``sent``, ``failed`` (the platform refused; never retried) or
  ``unknown`` (it may have arrived; never resent blindly: a human decides).
  Transient failures put it back to ``pending`` with a later ``due_at``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Float,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from bot.errors import PostbotError
from bot.models import Facet, OutboxStatus, PostPlan, Segment, SentSegment
from bot.store import Store, daemons, outbox

S = OutboxStatus
T = TypeVar("T")


class Runner(Protocol):
    """Runs one write (a function of a connection) somewhere, returning its result."""

    def __call__(self, op: Callable[[Connection], T]) -> Awaitable[T]: ...


class LeaseLost(PostbotError):
    """Another daemon took over a row whose lease had lapsed."""


@dataclass
class NewRow:
    schedule: str
    slot: str
    account: str
    article_id: str
    article_key: str
    content_hash: str
    title: str
    plan: PostPlan | None
    due_at: float
    error: str | None = None  # set when composing failed: the row is born failed


@dataclass
class Row:
    id: int
    schedule: str
    slot: str
    account: str
    article_id: str
    title: str
    plan: PostPlan | None
    status: str
    attempts: int
    due_at: float
    last_error: str | None
    progress: dict[str, Any]
    claimed_by: str | None = None
    claimed_until: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    article_key: str = ""

    @property
    def sent(self) -> list[SentSegment]:
        return [sent_from_json(s) for s in self.progress.get("sent", [])]


def owner_id() -> str:
    """host:pid:start, so a restarted daemon on the same host can spot its dead self."""
    return f"{socket.gethostname()}:{os.getpid()}:{int(time.time())}"


class Outbox:
    def __init__(self, store: Store, owner: str | None = None, lease: float = 30.0) -> None:
        self.store = store
        self.owner = owner or owner_id()
        self.lease = lease
        # How the async paths (journal, publisher, daemon) run a write: by
        # default in a thread, in its own transaction; the daemon swaps in
        # a BatchWriter that commits many writes at once.
        self.run: Runner = self._in_thread

    async def _in_thread(self, op: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(self.transaction, op)

    def transaction(self, op: Callable[[Connection], T]) -> T:
        """Run ``op`` in a transaction of its own."""
        with self.store.begin() as conn:
            return op(conn)

    @contextlib.contextmanager
    def _begin(self, conn: Connection | None) -> Iterator[Connection]:
        """``conn`` when a caller batches writes, else a transaction of our own."""
        if conn is not None:
            yield conn
        else:
            with self.store.begin() as own:
                yield own

    # -- writing rows ----------------------------------------------------------------------

    def enqueue(self, row: NewRow, conn: Connection | None = None) -> bool:
        """Insert a row; False when its slot or its article was already taken."""
        now = time.time()
        values = {
            "schedule": row.schedule,
            "slot": row.slot,
            "account": row.account,
            "article_id": row.article_id,
            "article_key": row.article_key,
            "content_hash": row.content_hash,
            "title": row.title,
            "plan": json.dumps(plan_to_json(row.plan)) if row.plan else None,
            "status": S.FAILED if row.error else S.PENDING,
            "attempts": 0,
            "due_at": row.due_at,
            "last_error": row.error,
            "progress": "{}",
            "created_at": now,
            "updated_at": now,
        }
        # RETURNING, not rowcount: with RETURNING in play psycopg reports rowcount -1.
        stmt = self.store.insert_ignoring_conflicts(outbox).values(**values).returning(outbox.c.id)
        with self._begin(conn) as c:
            return c.execute(stmt).first() is not None

    def slot_taken(self, schedule: str, slot: str, account: str) -> bool:
        with self.store.connect() as conn:
            query = select(outbox.c.id).where(
                outbox.c.schedule == schedule, outbox.c.slot == slot, outbox.c.account == account
            )
            return conn.execute(query).first() is not None

    def used_articles(self, schedule: str, account: str) -> set[str]:
        """Article keys this schedule already used for this account."""
        with self.store.connect() as conn:
            query = select(outbox.c.article_key).where(
                outbox.c.schedule == schedule, outbox.c.account == account
            )
            return {r[0] for r in conn.execute(query)}

    # -- claiming ----------------------------------------------------------------------------

    def claim(
        self,
        limit: int,
        now: float | None = None,
        per_account: int | None = None,
        busy: Mapping[str, int] | None = None,
        conn: Connection | None = None,
        skip: Collection[int] = (),
    ) -> list[Row]:
        """Take up to ``limit`` due rows for this owner, under a lease.

        With ``per_account``, at most that many rows of one account are held
        at a time, counting ``busy`` (rows this daemon is already sending):
        a daemon does not hoard rows it cannot work on yet, which would hold
        them away from other daemons until their lease ran out. ``skip``: rows
        this daemon is sending now; if their lease lapsed (the database was
        away), claiming them again would send them twice in one process.

        Two steps, safe against other daemons: pick candidates with a plain
        read, then claim them with an UPDATE whose WHERE repeats the "due"
        condition (on PostgreSQL through ``FOR UPDATE SKIP LOCKED``), so a
        row another daemon took in between is simply not returned.
        """
        if limit <= 0:
            return []
        now = time.time() if now is None else now
        taken = Counter(busy or {})
        full = [a for a, n in taken.items() if per_account is not None and n >= per_account]
        peek, claim = _claim_statements(self.store.is_postgres)
        with self._begin(conn) as c:
            candidates = c.execute(
                peek, {"now": now, "full": full, "skip": list(skip), "peek": limit * 4 + 50}
            ).all()
        picked: list[int] = []
        for row_id, account in candidates:
            if per_account is not None and taken[account] >= per_account:
                continue
            taken[account] += 1
            picked.append(row_id)
            if len(picked) >= limit:
                break
        if not picked:
            return []
        values = {"now": now, "picked": picked, "owner": self.owner, "until": now + self.lease}
        with self._begin(conn) as c:
            rows = [row_from_db(r._mapping) for r in c.execute(claim, values)]
        return sorted(rows, key=lambda r: (r.due_at, r.id))

    def drop_unsent(
        self,
        schedule: str,
        missed_before: float | None = None,
        after: float | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Delete never-tried pending rows of ``schedule``; their articles go back to the pool.

        Rows are enqueued a little ahead of their slot. Two cases make such a
        row wrong to send:

        * its slot was *missed*: it came while no daemon was running, and is
          now older than the schedule's ``catch_up`` (``missed_before``). A
          row whose slot came while some daemon ran is only late (queued
          behind others of its account) and stays;
        * the schedule was edited, disabled or removed before the slot came
          (``after``: rows not yet due; a new version enqueues its own).

        Nothing of such a row was sent (never claimed, no progress), so
        deleting it is safe. A row another daemon claimed meanwhile is no
        longer ``pending`` and stays.
        """
        stmt = delete(outbox).where(
            outbox.c.schedule == schedule,
            outbox.c.status == S.PENDING,
            outbox.c.attempts == 0,
            outbox.c.progress == "{}",
        )
        if missed_before is not None:
            alive_then = (
                select(daemons.c.owner)
                .where(
                    daemons.c.started_at <= outbox.c.due_at, daemons.c.last_seen >= outbox.c.due_at
                )
                .exists()
            )
            stmt = stmt.where(outbox.c.due_at < missed_before, ~alive_then)
        if after is not None:
            stmt = stmt.where(outbox.c.due_at > after)
        with self._begin(conn) as c:
            return int(c.execute(stmt).rowcount or 0)

    def schedules_with_unsent(self) -> set[str]:
        """Schedules that have never-tried pending rows (what ``drop_unsent`` may delete)."""
        with self.store.connect() as conn:
            query = (
                select(outbox.c.schedule)
                .where(outbox.c.status == S.PENDING, outbox.c.attempts == 0)
                .distinct()
            )
            return {r[0] for r in conn.execute(query)}

    def heartbeat(
        self, started_at: float, stopped: bool = False, conn: Connection | None = None
    ) -> None:
        """Record that this daemon runs (or, with ``stopped``, that it stopped cleanly)."""
        now = time.time()
        values = {
            "owner": self.owner,
            "started_at": started_at,
            "last_seen": now,
            "stopped_at": now if stopped else None,
        }
        with self._begin(conn) as c:
            c.execute(self.store.upsert(daemons, ["owner"], values))

    def last_seen_other(self) -> float | None:
        """When another daemon was last seen running on this database (None: never)."""
        with self.store.connect() as conn:
            value = conn.execute(
                select(func.max(daemons.c.last_seen)).where(daemons.c.owner != self.owner)
            ).scalar()
        return float(value) if value is not None else None

    def release_dead_owners(self) -> int:
        """Release claims of daemons on this host that no longer run (a crash, a kill)."""
        host = socket.gethostname()
        with self.store.connect() as conn:
            owners = {
                r[0]
                for r in conn.execute(
                    select(outbox.c.claimed_by).where(
                        outbox.c.status == S.SENDING, outbox.c.claimed_by.is_not(None)
                    )
                )
            }
        dead = [o for o in owners if o.split(":")[0] == host and o != self.owner and not _alive(o)]
        if not dead:
            return 0
        with self.store.begin() as conn:
            result = conn.execute(
                update(outbox)
                .where(outbox.c.status == S.SENDING, outbox.c.claimed_by.in_(dead))
                .values(claimed_until=0.0)
            )
        return int(result.rowcount or 0)

    def renew(self, row_ids: list[int], conn: Connection | None = None) -> None:
        """Extend the lease of rows still being worked on."""
        if not row_ids:
            return
        now = time.time()
        with self._begin(conn) as c:
            c.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_(row_ids),
                    outbox.c.claimed_by == self.owner,
                    outbox.c.status == S.SENDING,
                )
                .values(claimed_until=now + self.lease, updated_at=now)
            )

    # -- progress and outcomes --------------------------------------------------------------

    def _write(self, row: Row, conn: Connection | None, **values: Any) -> None:
        """Update a row this daemon holds; LeaseLost when another daemon took it over."""
        values.setdefault("updated_at", time.time())
        stmt = _owned_row_update(tuple(sorted(values)))
        params = {f"new_{k}": v for k, v in values.items()}
        with self._begin(conn) as c:
            if c.execute(stmt, {"row_id": row.id, "owner": self.owner, **params}).rowcount != 1:
                raise LeaseLost(f"outbox row {row.id}: the lease was lost to another daemon")

    def save_progress(self, row: Row, conn: Connection | None = None) -> None:
        self._write(
            row, conn, progress=json.dumps(row.progress), claimed_until=time.time() + self.lease
        )

    def finish(
        self,
        row: Row,
        status: OutboxStatus,
        error: str | None = None,
        conn: Connection | None = None,
    ) -> None:
        self._write(
            row,
            conn,
            status=status,
            last_error=error,
            attempts=row.attempts + 1,
            progress=json.dumps(row.progress),
            claimed_by=None,
            claimed_until=None,
        )

    def retry_later(
        self, row: Row, due_at: float, error: str, conn: Connection | None = None
    ) -> None:
        self._write(
            row,
            conn,
            status=S.PENDING,
            due_at=due_at,
            last_error=error,
            attempts=row.attempts + 1,
            progress=json.dumps(row.progress),
            claimed_by=None,
            claimed_until=None,
        )

    # -- reading --------------------------------------------------------------------------------

    def history(self, limit: int | None = None) -> list[Row]:
        query = select(outbox).order_by(outbox.c.slot, outbox.c.schedule, outbox.c.account)
        if limit:
            query = query.limit(limit)
        with self.store.connect() as conn:
            return [row_from_db(r._mapping) for r in conn.execute(query)]

    def next_due(self) -> float | None:
        """The earliest time a row becomes claimable (a due pending row or an expiring lease)."""
        with self.store.connect() as conn:
            pending = conn.execute(
                select(func.min(outbox.c.due_at)).where(outbox.c.status == S.PENDING)
            ).scalar()
            leases = conn.execute(
                select(func.min(outbox.c.claimed_until)).where(outbox.c.status == S.SENDING)
            ).scalar()
        times = [t for t in (pending, leases) if t is not None]
        return min(times) if times else None

    def counts(self) -> dict[str, int]:
        with self.store.connect() as conn:
            rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
            return {status: count for status, count in rows}


@functools.cache
def _claim_statements(postgres: bool) -> tuple[Select[Any], Update]:
    """The two statements of a claim, built once (see ``_owned_row_update`` for why).

    The peek lists due rows, leaving out the accounts already full and the
    rows to skip; the claim takes the picked rows that are still due, the
    "due" condition repeated, so a row another daemon took in between is not
    returned (on PostgreSQL also ``FOR UPDATE SKIP LOCKED``).
    """
    now = bindparam("now", type_=Float)
    due = or_(
        and_(outbox.c.status == S.PENDING.value, outbox.c.due_at <= now),
        and_(
            outbox.c.status == S.SENDING.value,
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
        ),
    )
    peek = (
        select(outbox.c.id, outbox.c.account)
        .where(
            due,
            outbox.c.account.not_in(bindparam("full", expanding=True)),
            outbox.c.id.not_in(bindparam("skip", expanding=True)),
        )
        .order_by(outbox.c.due_at, outbox.c.id)
        .limit(bindparam("peek", type_=Integer))
    )
    target = select(outbox.c.id).where(outbox.c.id.in_(bindparam("picked", expanding=True)), due)
    if postgres:
        target = target.with_for_update(skip_locked=True)
    claim = (
        update(outbox)
        .where(outbox.c.id.in_(target.scalar_subquery()))
        .values(
            status=S.SENDING.value,
            claimed_by=bindparam("owner"),
            claimed_until=bindparam("until"),
            updated_at=now,
        )
        .returning(*outbox.c)
    )
    return peek, claim


@functools.cache
def _owned_row_update(columns: tuple[str, ...]) -> Update:
    """``UPDATE outbox SET <columns>`` of one row held by one owner, built once per column set.

    Building a SQLAlchemy statement costs several times more than running
    it (measured on SQLite: 411 µs against 77 µs for a finish), and a
    daemon writes every post's row at least once; a statement made of bound
    parameters is built once and its compiled form is reused.
    """
    return (
        update(outbox)
        .where(
            outbox.c.id == bindparam("row_id"),
            outbox.c.claimed_by == bindparam("owner"),
            outbox.c.status == S.SENDING.value,
        )
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def _alive(owner: str) -> bool:
    try:
        pid = int(owner.split(":")[1])
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- JSON forms of plans and receipts ------------------------------------------------------


def plan_to_json(plan: PostPlan) -> dict[str, Any]:
    return {
        "platform": plan.platform,
        "template": plan.template,
        "article_id": plan.article_id,
        "language": plan.language,
        "segments": [
            {
                "text": s.text,
                "length": s.length,
                "limit": s.limit,
                "facets": [f.to_json() for f in s.facets],
            }
            for s in plan.segments
        ],
    }


def plan_from_json(data: dict[str, Any]) -> PostPlan:
    segments = tuple(
        Segment(
            s["text"],
            s["length"],
            s["limit"],
            tuple(
                Facet(f["byteStart"], f["byteEnd"], f["type"], f["value"])
                for f in s.get("facets", [])
            ),
        )
        for s in data["segments"]
    )
    return PostPlan(
        data["platform"],
        data["template"],
        segments,
        data.get("article_id", ""),
        data.get("language"),
    )


def sent_to_json(segment: SentSegment) -> dict[str, Any]:
    return {"remote_id": segment.remote_id, "url": segment.url, "extra": dict(segment.extra)}


def sent_from_json(data: dict[str, Any]) -> SentSegment:
    return SentSegment(data["remote_id"], data.get("url"), dict(data.get("extra") or {}))


def row_from_db(m: Any) -> Row:
    return Row(
        id=m["id"],
        schedule=m["schedule"],
        slot=m["slot"],
        account=m["account"],
        article_id=m["article_id"],
        title=m["title"],
        plan=plan_from_json(json.loads(m["plan"])) if m["plan"] else None,
        status=m["status"],
        attempts=m["attempts"],
        due_at=m["due_at"],
        last_error=m["last_error"],
        progress=json.loads(m["progress"] or "{}"),
        claimed_by=m["claimed_by"],
        claimed_until=m["claimed_until"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        article_key=m["article_key"],
    )


@dataclass
class OutboxJournal:
    """The adapters' Journal, kept in an outbox row."""

    outbox: Outbox
    row: Row
    pending: list[int] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """The row's id and birth time: stable across resumes, never reused."""
        return f"{self.row.id}:{self.row.created_at!r}"

    def sent_segments(self) -> list[SentSegment]:
        return self.row.sent

    def material(self, index: int) -> dict[str, str]:
        return dict(self.row.progress.get("material", {}).get(str(index), {}))

    def inflight(self) -> int | None:
        value = self.row.progress.get("inflight")
        return int(value) if value is not None else None

    async def remember(self, index: int, material: dict[str, str]) -> None:
        self.row.progress.setdefault("material", {})[str(index)] = dict(material)
        self.row.progress["inflight"] = index
        await self._save()

    async def sending(self, index: int) -> None:
        if self.row.progress.get("inflight") != index:
            self.row.progress["inflight"] = index
            await self._save()

    async def not_sent(self, index: int) -> None:
        if self.row.progress.get("inflight") == index:
            self.row.progress["inflight"] = None

    async def sent(self, index: int, segment: SentSegment) -> None:
        self.row.progress.setdefault("sent", []).append(sent_to_json(segment))
        self.row.progress["inflight"] = None
        if index + 1 < len(self.row.plan.segments if self.row.plan else ()):
            await self._save()
        # The last segment's receipt is written with the row's final status.

    async def _save(self) -> None:
        row, box = self.row, self.outbox
        await box.run(lambda conn: box.save_progress(row, conn))
