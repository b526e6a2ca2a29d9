"""Prometheus metrics for the hub (served as text at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from hub.disclosure import Viewer
from hub.web.limits import Admission


class HubMetrics:
    """One registry per app, so several hubs (tests, sync peers) can live in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("hub_graphql_requests", "GraphQL requests by role and status",
                                ["role", "status"], registry=self.registry)
        self.latency = Histogram("hub_graphql_request_seconds", "GraphQL request latency",
                                 ["role"], registry=self.registry,
                                 buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
        self.neo4j_up = Gauge("hub_neo4j_up", "1 when Neo4j answered the last readiness probe",
                              registry=self.registry)
        self.audit_entries = Counter("hub_audit_entries", "Audit entries appended",
                                     registry=self.registry)

    def track(self, admission: Admission) -> None:
        Gauge("hub_graphql_running", "GraphQL requests running now (HUB_MAX_CONCURRENT_REQUESTS)",
              registry=self.registry).set_function(lambda: admission.running)
        Gauge("hub_graphql_waiting", "GraphQL requests waiting for a turn (HUB_MAX_QUEUED_REQUESTS)",
              registry=self.registry).set_function(lambda: admission.waiting)

    def observe(self, viewer: Viewer, status: int, seconds: float) -> None:
        self.requests.labels(viewer.role.value, str(status)).inc()
        self.latency.labels(viewer.role.value).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
