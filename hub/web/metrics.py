"""Prometheus metrics for the hub (served as text at /metrics, to the addresses HUB_METRICS_ALLOW names).

What an operator watches (docs/grafana-dashboard.json draws them):

- GraphQL requests by role and HTTP status, and their latency by role and by **operation** — the
  operation's type and root field (``query subject``; ``query (several)`` for batched root fields): names
  from the schema only, never a client's operation name or alias, so a client cannot grow the label set;
- GraphQL errors by ``extensions.code`` (they travel in HTTP 200 answers, so the status does not show them);
- Neo4j: statements sent and time spent, by access mode, and failures (hub.db.gateway.StatementStats);
  statements per request by role and mode; readiness (``hub_neo4j_up``);
- the audit chain's group commit: batches, their time, entries committed (hub.audit_log);
- sync per peer: seconds since each direction's last round and dead letters held (read at scrape time);
- warning subscriptions open; the process (CPU, memory, open files) from prometheus_client's collectors.

One registry per app, so several hubs (tests, sync peers) can live in one process.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from hub.audit_log import AuditLog
from hub.db.gateway import StatementCount, StatementStats
from hub.disclosure import Viewer
from hub.web.limits import Admission

_SECONDS = (.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5)
_STATEMENTS = (0, 1, 2, 3, 5, 10, 20, 50)


@dataclass(frozen=True)
class RequestOutcome:
    """What /metrics learns of one GraphQL request once its response is ready."""

    viewer: Viewer
    status: int
    seconds: float
    operation: str | None = None  # None: refused before an operation was known
    error_codes: tuple[str, ...] = ()
    statements: StatementCount | None = None


@dataclass(frozen=True)
class SyncState:
    """Seconds since each peer's last round per direction, and the dead letters held per peer."""

    since_last_round: Mapping[tuple[str, str], float] = field(default_factory=dict)
    dead_letters: Mapping[str, int] = field(default_factory=dict)


class _Totals(Collector):
    """Counters kept by the gateway and the audit writer themselves, read at scrape time."""

    def __init__(self, stats: StatementStats, audit: AuditLog) -> None:
        self.stats, self.audit = stats, audit

    def collect(self) -> Iterable[Metric]:
        statements = CounterMetricFamily("hub_neo4j_statements", "Statements sent to Neo4j", labels=["mode"])
        statements.add_metric(["read"], self.stats.reads)
        statements.add_metric(["write"], self.stats.writes)
        seconds = CounterMetricFamily("hub_neo4j_statement_seconds", "Time spent in Neo4j statements, round "
                                      "trips included", labels=["mode"])
        seconds.add_metric(["read"], self.stats.read_seconds)
        seconds.add_metric(["write"], self.stats.write_seconds)
        yield statements
        yield seconds
        yield CounterMetricFamily("hub_neo4j_statement_failures", "Statements that raised (database down, "
                                  "timeout, refused)", value=self.stats.failures)
        yield CounterMetricFamily("hub_audit_batches", "Audit group-commit batches written", value=self.audit.batches)
        yield CounterMetricFamily("hub_audit_batch_seconds", "Time spent writing audit batches",
                                  value=self.audit.batch_seconds)
        yield CounterMetricFamily("hub_audit_entries_committed", "Audit entries committed by the batches",
                                  value=self.audit.entries)


class HubMetrics:
    def __init__(self, stats: StatementStats | None = None, audit: AuditLog | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("hub_graphql_requests", "GraphQL requests by role and status",
                                ["role", "status"], registry=self.registry)
        self.latency = Histogram("hub_graphql_request_seconds", "GraphQL request latency",
                                 ["role"], registry=self.registry, buckets=_SECONDS)
        self.operations = Histogram("hub_graphql_operation_seconds", "GraphQL request latency by operation "
                                    "(type and root field)", ["operation"], registry=self.registry, buckets=_SECONDS)
        self.errors = Counter("hub_graphql_errors", "GraphQL and HTTP errors by extensions.code",
                              ["code"], registry=self.registry)
        self.statements = Histogram("hub_graphql_request_statements", "Neo4j statements per GraphQL request",
                                    ["role", "mode"], registry=self.registry, buckets=_STATEMENTS)
        self.neo4j_up = Gauge("hub_neo4j_up", "1 when Neo4j answered the last readiness probe",
                              registry=self.registry)
        self.audit_entries = Counter("hub_audit_entries", "Audit entries appended",
                                     registry=self.registry)
        self.sync_since = Gauge("hub_sync_seconds_since_last_round", "Seconds since the last sync round with "
                                "a peer, by direction", ["peer", "direction"], registry=self.registry)
        self.dead_letters = Gauge("hub_sync_dead_letters", "Items a peer sent that this hub refused and holds",
                                  ["peer"], registry=self.registry)
        if stats is not None and audit is not None:
            self.registry.register(_Totals(stats, audit))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def track(self, admission: Admission, subscriptions: Callable[[], int] | None = None) -> None:
        Gauge("hub_graphql_running", "GraphQL requests running now (HUB_MAX_CONCURRENT_REQUESTS)",
              registry=self.registry).set_function(lambda: admission.running)
        Gauge("hub_graphql_waiting", "GraphQL requests waiting for a turn (HUB_MAX_QUEUED_REQUESTS)",
              registry=self.registry).set_function(lambda: admission.waiting)
        if subscriptions is not None:
            Gauge("hub_warning_subscriptions", "Warning subscriptions open (WebSocket)",
                  registry=self.registry).set_function(subscriptions)

    def observe(self, outcome: RequestOutcome) -> None:
        role = outcome.viewer.role.value
        self.requests.labels(role, str(outcome.status)).inc()
        self.latency.labels(role).observe(outcome.seconds)
        self.operations.labels(outcome.operation or "(refused)").observe(outcome.seconds)
        for code in outcome.error_codes:
            self.errors.labels(code).inc()
        if outcome.statements is not None:
            self.statements.labels(role, "read").observe(outcome.statements.reads)
            self.statements.labels(role, "write").observe(outcome.statements.writes)

    def sync(self, state: SyncState) -> None:
        """The peers' sync state as read now: a peer that is gone from the data is gone from the metrics."""
        self.sync_since.clear()
        for (peer, direction), seconds in state.since_last_round.items():
            self.sync_since.labels(peer, direction).set(seconds)
        self.dead_letters.clear()
        for peer, count in state.dead_letters.items():
            self.dead_letters.labels(peer).set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def may_scrape(address: str | None, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether a client at ``address`` may read /metrics (HUB_METRICS_ALLOW)."""
    if address is None:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:  # a test transport's or a proxy's name, not an address
        return False
    return any(client in network for network in networks)
