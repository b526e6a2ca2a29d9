"""The one exception of the local Neo4j manager."""

from __future__ import annotations

from hub.errors import ConfigurationError


class Neo4jServerError(ConfigurationError):
    """The local Neo4j could not be installed, started or stopped; the message says why."""

    code = "NEO4J_SERVER_ERROR"
    exit_code = 1
    summary = "the local Neo4j could not be fetched, started or stopped (hub db …)"
