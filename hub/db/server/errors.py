"""The one exception of the local Neo4j manager."""


class Neo4jServerError(Exception):
    """The local Neo4j could not be installed, started or stopped; the message says why."""
