"""One writer for the state database: queued writes are committed together.

A daemon writes to the outbox several times per post (a claim, each
segment's progress, the outcome). Done one transaction per write from many
threads, SQLite makes the writers wait on its lock (sleeping in its busy
handler), and every write pays for its own commit: in the burst benchmark a
single progress write took 8 ms of wall time. Here every write is a function
of a connection; writes queued while one batch commits run together in the
next, in one transaction, in one thread. Callers still wait for their own
write to be committed, so nothing is reported sent before it is recorded.

A write that fails on its own terms (``LeaseLost``: the row was taken over)
fails alone. A database error rolls the batch back and its writes are tried
again one by one, so one bad write cannot sink the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import PostbotError, StoreError
from bot.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Op = Callable[[Connection], Any]


class BatchWriter:
    def __init__(self, store: Store, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: list[tuple[Op, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="state-writer")

    async def run(self, op: Callable[[Connection], T]) -> T:
        """Run ``op`` in the next batch; return its result once committed."""
        return await self.submit(op)

    def submit(self, op: Callable[[Connection], T]) -> asyncio.Future[T]:
        """Queue ``op`` now (writes run in the order they were queued)."""
        if self._task is None or self._task.done():
            raise StoreError("the state writer is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((op, future))
        self._wake.set()
        return future

    async def close(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        while self._queue:
            self._wake.set()
            await asyncio.sleep(0.01)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                outcomes = await asyncio.to_thread(self._execute, [op for op, _ in batch])
                self.batches += 1
                self.writes += len(batch)
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue  # its caller went away (cancelled); the write stands
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)

    def _execute(self, ops: list[Op]) -> list[tuple[bool, Any]]:
        try:
            with self.store.engine.begin() as conn:
                return [_apply(op, conn) for op in ops]
        except SQLAlchemyError as exc:
            if len(ops) == 1:
                message = str(exc).splitlines()[0][:300]
                return [(False, StoreError(f"cannot write to the state database: {message}"))]
            log.warning("a batch of %d writes failed; trying them one by one", len(ops))
            return [self._execute([op])[0] for op in ops]


def _apply(op: Op, conn: Connection) -> tuple[bool, Any]:
    try:
        return True, op(conn)
    except PostbotError as exc:  # the write's own refusal (LeaseLost): the batch goes on
        return False, exc
