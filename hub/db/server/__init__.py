"""A local Neo4j Community server that the hub fetches, configures, starts and stops itself.

Why: development machines and CI here have Java and Maven but no Docker and no Neo4j
package. Neo4j Community is published as ordinary Maven artifacts, so ``mvn
dependency:copy-dependencies`` on a three-line POM yields a complete, runnable server
(``org.neo4j.server.CommunityEntryPoint``). Maven resolves them through its own
configuration (``~/.m2/settings.xml``, mirrors, proxies), so nothing here names a registry.

Layout under ``settings.state_dir``::

    neo4j/<version>/pom.xml, lib/*.jar     shared, immutable, installed atomically
    instances/<name>/conf/neo4j.conf       re-rendered from settings at every start
    instances/<name>/{data,logs,run,plugins,import}/
    instances/<name>/instance.json         port, user, password, version (mode 0600)
    instances/<name>/neo4j.pid             pid of the running server
    instances/<name>/logs/console.log      the server's stdout and stderr
    instances/<name>/.lock                 flock: one start/stop/wipe at a time

Several named instances (``default``, ``test``, ``county``…) can run side by side; each
keeps the loopback Bolt port it was given at creation.

Modules: ``layout`` (an instance's paths, ``instance.json``, the status snapshot), ``fetch``
(the POM and Maven, finding ``mvn`` and ``java``), ``config`` (neo4j.conf, JVM flags, the java
command), ``process`` (flock, detaching, pid and port checks), ``local`` (``LocalNeo4j``, its
lifecycle, and ``resolve_credentials``), ``credentials`` (``Neo4jCredentials``), ``errors``.
"""

from hub.db.server.config import ENTRY_POINT, JVM_FLAGS, java_command, render_neo4j_conf
from hub.db.server.credentials import Neo4jCredentials
from hub.db.server.errors import Neo4jServerError
from hub.db.server.fetch import (
    DEPENDENCY_PLUGIN_VERSION,
    MAVEN_ARTIFACTS,
    MIN_JARS,
    MVN_TIMEOUT_S,
    render_pom,
)
from hub.db.server.layout import LOOPBACK, InstanceStatus
from hub.db.server.local import (
    ADMIN_TIMEOUT_S,
    ADMIN_TOOL,
    DEFAULT_INSTANCE,
    NEO4J_USER,
    Echo,
    LocalNeo4j,
    resolve_credentials,
)

__all__ = [
    "ADMIN_TIMEOUT_S",
    "ADMIN_TOOL",
    "DEFAULT_INSTANCE",
    "DEPENDENCY_PLUGIN_VERSION",
    "ENTRY_POINT",
    "JVM_FLAGS",
    "LOOPBACK",
    "MAVEN_ARTIFACTS",
    "MIN_JARS",
    "MVN_TIMEOUT_S",
    "NEO4J_USER",
    "Echo",
    "InstanceStatus",
    "LocalNeo4j",
    "Neo4jCredentials",
    "Neo4jServerError",
    "java_command",
    "render_neo4j_conf",
    "render_pom",
    "resolve_credentials",
]
