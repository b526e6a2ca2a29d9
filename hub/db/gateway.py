"""The Neo4j gateway: one async driver, managed transactions, and errors translated at the edge.

A Neo4j outage must never surface as a driver stack trace: every driver failure becomes
:class:`DatabaseUnavailable`, whose message names the server and what to do, and the gateway logs
one line when the database goes away and one when it comes back. The driver reconnects by itself,
so the hub recovers without a restart.

Inside an HTTP request every transaction carries the request's remaining time as its Neo4j
transaction timeout (hub/deadline.py): the server stops the work of a request that ran out of time,
and the caller gets :class:`hub.errors.DeadlineExceeded`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, AsyncSession, Query, unit_of_work
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from hub import deadline, errors
from hub.settings import NEO4J_POOL_SIZE

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


class DatabaseUnavailable(errors.DatabaseUnavailable):
    """Neo4j cannot be reached or refused us; the message is safe to show a caller."""


class TransactionTooLarge(errors.TransactionTooLarge):
    """Neo4j refused a transaction over its memory limit; the message says which limit and what to do."""


# Neo4j's codes for "this transaction needs more memory than allowed" (Status.General in neo4j-common):
# the pool of all transactions (db.memory.transaction.total.max, by default 70 % of the heap), one
# transaction's own limit (db.memory.transaction.max), and the heap itself. They are transient errors to
# the driver, which retries them — but the same work fails the same way, so they are not "unavailable".
MEMORY_LIMIT_CODES = frozenset({
    "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
    "Neo.TransientError.General.TransactionMemoryLimit",
    "Neo.TransientError.General.TransactionOutOfMemoryError",
    "Neo.TransientError.General.OutOfMemoryError",
})


@dataclass
class StatementCount:
    """The statements (managed transactions or auto-commit queries: round trips that each commit or
    read once) sent to Neo4j for one piece of work — a request, a test's call. Counts nest: what an
    inner count sees, the count around it sees too."""

    reads: int = 0
    writes: int = 0
    outer: StatementCount | None = None

    def add(self, *, reads: int = 0, writes: int = 0) -> None:
        count: StatementCount | None = self
        while count is not None:
            count.reads += reads
            count.writes += writes
            count = count.outer


@dataclass
class StatementStats:
    """Everything this gateway sent since it started, by access mode: how many statements and how long
    they took, round trip included (/metrics)."""

    reads: int = 0
    writes: int = 0
    read_seconds: float = 0.0
    write_seconds: float = 0.0
    failures: int = 0

    def add(self, *, write: bool, seconds: float) -> None:
        if write:
            self.writes += 1
            self.write_seconds += seconds
        else:
            self.reads += 1
            self.read_seconds += seconds


_counting: ContextVar[StatementCount | None] = ContextVar("hub_statement_count", default=None)


@contextmanager
def counting() -> Iterator[StatementCount]:
    """Count the statements the work inside this block sends, tasks it starts included (they copy the
    context). Work done for it elsewhere is counted where it is done on its behalf: the audit's group
    commit adds its batch's write to every request whose entries the batch carries (hub.audit_log)."""
    count = StatementCount(outer=_counting.get())
    token = _counting.set(count)
    try:
        yield count
    finally:
        _counting.reset(token)


def current_count() -> StatementCount | None:
    """The count of the work running now, if anything counts it."""
    return _counting.get()


class Neo4jGateway:
    """Owns the driver; runs units of work in managed (retried) transactions."""

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j",
                 timeout_s: float = 5.0) -> None:
        self.uri = uri
        self.database = database
        self._driver = AsyncGraphDatabase.driver(
            uri, auth=(user, password),
            connection_timeout=timeout_s,
            connection_acquisition_timeout=timeout_s,
            max_transaction_retry_time=timeout_s,
            liveness_check_timeout=30.0,
            max_connection_pool_size=NEO4J_POOL_SIZE,
            notifications_min_severity="OFF",
        )
        # Reads go to followers on a cluster (``neo4j://``); one bookmark manager per process makes
        # them causal: a read always sees this process's own earlier writes.
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        self._available = True
        self.stats = StatementStats()

    @property
    def available(self) -> bool:
        """False from a failure that looked like an outage until the next statement that succeeds."""
        return self._available

    async def close(self) -> None:
        await self._driver.close()

    async def read(self, work: Work[T]) -> T:
        return await self._run(work, write=False)

    async def write(self, work: Work[T]) -> T:
        return await self._run(work, write=True)

    async def run(self, query: str, parameters: dict[str, Any] | None = None, *,
                  write: bool = False) -> list[dict[str, Any]]:
        """A single statement in its own transaction; returns the records as dicts."""

        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(query, parameters or {})
            # zip, not Record.data(): nodes and relationships stay driver objects
            return [dict(zip(record.keys(), record.values(), strict=True)) async for record in result]

        return await self._run(work, write=write)

    async def query(self, query: str, parameters: dict[str, Any] | None = None, *,
                    plain: bool = False) -> list[dict[str, Any]]:
        """One read statement as an auto-commit query: a single round trip (RUN and PULL pipelined)
        instead of a managed transaction's BEGIN … COMMIT. Retried once if the connection was stale.

        ``plain``: the statement returns maps, lists and values only — no node, relationship or path —
        so its rows are kept as the driver decoded them. ``Record.data()`` copies every nested map and
        list to turn graph types into dicts: for a page of 100 profiles that copy cost more CPU than
        decoding the rows (bench/lookup.py)."""

        async def work(session: AsyncSession) -> list[dict[str, Any]]:
            result = await session.run(Query(query, timeout=deadline.transaction_timeout()),
                                       parameters or {})
            if plain:
                return [dict(zip(record.keys(), record.values(), strict=True)) async for record in result]
            return [record.data() async for record in result]

        try:
            return await self._with_session(work)
        except DatabaseUnavailable:
            return await self._with_session(work)

    async def write_query(self, query: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One write statement as an auto-commit query: a single round trip, routed to the leader.
        Not retried: the caller decides what a failure means (the audit's group commit falls back to
        its locked path)."""

        async def work(session: AsyncSession) -> list[dict[str, Any]]:
            result = await session.run(query, parameters or {})
            return [record.data() async for record in result]

        return await self._with_session(work, write=True)

    async def autocommit(self, query: str, parameters: dict[str, Any] | None = None) -> None:
        """A statement that manages its own transactions (``CALL { } IN TRANSACTIONS``)."""

        async def work(session: AsyncSession) -> None:
            result = await session.run(query, parameters or {})
            await result.consume()

        await self._with_session(work, write=True)

    def database_replaced(self) -> None:
        """Forget the bookmarks of this process: the database was replaced underneath it (``hub load``
        runs neo4j-admin database import), so they name transactions the new one never had and every
        session would wait for them (BookmarkTimeout)."""
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()

    async def ping(self) -> bool:
        """True when Neo4j answers a trivial query now (readiness)."""
        try:
            await self.run("RETURN 1 AS ok")
        except DatabaseUnavailable:
            return False
        return True

    async def _run(self, work: Work[T], *, write: bool) -> T:
        async def guarded(tx: AsyncManagedTransaction) -> T:
            try:
                return await work(tx)
            except TransientError as exc:  # the driver would retry it; the same work fails the same way
                if exc.code in MEMORY_LIMIT_CODES:
                    raise self._too_large(exc) from exc
                raise

        async def in_transaction(session: AsyncSession) -> T:
            runner = session.execute_write if write else session.execute_read
            timeout = deadline.transaction_timeout()
            if timeout is None:
                return await runner(guarded)
            return await runner(unit_of_work(timeout=timeout)(guarded))

        return await self._with_session(in_transaction, write=write)

    async def _with_session(self, work: Callable[[AsyncSession], Awaitable[T]], *, write: bool = False) -> T:
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        count = _counting.get()
        if count is not None:
            count.add(reads=0 if write else 1, writes=1 if write else 0)
        started = time.perf_counter()
        try:
            result = await self._session(work, mode)
        except BaseException:
            self.stats.failures += 1
            raise
        finally:
            self.stats.add(write=write, seconds=time.perf_counter() - started)
        if not self._available:
            self._available = True
            log.warning("Neo4j at %s is reachable again", self.uri)
        return result

    async def _session(self, work: Callable[[AsyncSession], Awaitable[T]], mode: str) -> T:
        try:
            async with self._driver.session(database=self.database, default_access_mode=mode,
                                            bookmark_manager=self._bookmarks) as session:
                return await work(session)
        except AuthError as exc:
            self._went_down(exc)
            raise DatabaseUnavailable(
                f"Neo4j at {self.uri} refused the hub's credentials; check NEO4J_USER and "
                "NEO4J_PASSWORD (or `hub db env`)") from exc
        except ClientError as exc:
            if "TransactionTimedOut" not in (exc.code or ""):
                raise
            raise errors.DeadlineExceeded(
                "the request ran past its time (HUB_REQUEST_TIMEOUT); Neo4j stopped its transaction") from exc
        except TransientError as exc:
            if exc.code in MEMORY_LIMIT_CODES:
                raise self._too_large(exc) from exc
            self._went_down(exc)
            raise DatabaseUnavailable(
                f"the credit database (Neo4j at {self.uri}) is unavailable; the request was not "
                "served — try again shortly") from exc
        except (ServiceUnavailable, SessionExpired, DriverError, OSError) as exc:
            self._went_down(exc)
            raise DatabaseUnavailable(
                f"the credit database (Neo4j at {self.uri}) is unavailable; the request was not "
                "served — try again shortly") from exc

    def _too_large(self, exc: TransientError) -> TransactionTooLarge:
        return TransactionTooLarge(
            f"Neo4j at {self.uri} refused a transaction that needed more memory than it allows "
            f"({exc.message or exc.code}); nothing of it was written. The work has to go in smaller "
            "batches, or Neo4j needs a larger heap (HUB_NEO4J_HEAP for the hub's local server)")

    def _went_down(self, exc: BaseException) -> None:
        if self._available:
            self._available = False
            log.error("Neo4j at %s is unavailable: %s", self.uri, exc)


def native(value: Any) -> Any:
    """Neo4j temporal values to Python's (Date → date, DateTime → datetime); others unchanged."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    return value


def temporal(value: Any) -> Any:
    """A temporal property as Python's: from ISO text (a projection's ``toString(x.at)``, ~30 times
    cheaper for the driver to decode than its temporal types) or from a driver type (``x { .* }``)."""
    if value is None:  # a property not asked for, or not set
        return None
    if isinstance(value, str):
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.split("[", 1)[0])  # a zone id in brackets: the offset says it
    return native(value)
