"""Connectors to other credit platforms' hubs over HTTP (docs/exchange-protocol.md).

:mod:`client` talks to one peer's GraphQL API with timeouts, retries (exponential backoff with full
jitter) and the peer's back-pressure signals; :mod:`job` runs one sync round — pull from children,
push to the parent, pull the public evaluations down — checkpointing each batch in Neo4j as it is
applied.
"""

from connectors.platform.client import PeerClient, PeerRefused, PeerUnavailable, RetryPolicy
from connectors.platform.job import LinkSummary, SyncJob, SyncSummary

__all__ = ["LinkSummary", "PeerClient", "PeerRefused", "PeerUnavailable", "RetryPolicy", "SyncJob", "SyncSummary"]
