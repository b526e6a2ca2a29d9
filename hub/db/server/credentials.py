"""How to reach one Neo4j server over Bolt, and how to hand that to a shell."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from hub.db.server.layout import _InstanceRecord


@dataclass(frozen=True)
class Neo4jCredentials:
    """How to reach one Neo4j server over Bolt."""

    uri: str
    user: str
    password: str

    def shell_exports(self) -> str:
        """POSIX-shell lines for ``eval "$(hub db env)"``; exported so child processes see them."""
        return "\n".join(
            f"export {key}={shlex.quote(value)}"
            for key, value in (
                ("NEO4J_URI", self.uri),
                ("NEO4J_USER", self.user),
                ("NEO4J_PASSWORD", self.password),
            )
        )


def _credentials(record: _InstanceRecord) -> Neo4jCredentials:
    return Neo4jCredentials(record.uri, record.user, record.password)
