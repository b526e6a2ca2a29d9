"""Fetching the server's jars through Maven, and finding the ``mvn`` and ``java`` it needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hub.db.server.errors import Neo4jServerError
from hub.db.server.process import _tail_text

# (groupId, artifactId): the server, its bootloader/entry points, and neo4j-admin.
MAVEN_ARTIFACTS = (
    ("org.neo4j.app", "neo4j-server"),
    ("org.neo4j", "neo4j"),
    ("org.neo4j", "neo4j-command-line"),
)
# The plugin version Maven 3.8's super-POM binds; pinned so other Maven versions agree.
DEPENDENCY_PLUGIN_VERSION = "2.8"
# A complete 5.26 runtime is ~210 jars; far fewer means Maven stopped half way.
MIN_JARS = 150
MVN_TIMEOUT_S = 1800.0


def render_pom(version: str) -> str:
    """A POM whose only job is to make Maven resolve the server's runtime classpath."""
    dependencies = "".join(
        f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version></dependency>\n"
        for group, artifact in MAVEN_ARTIFACTS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<project>\n"
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>local.credit-hub</groupId>\n"
        "  <artifactId>neo4j-runtime</artifactId>\n"
        f"  <version>{version}</version>\n"
        "  <packaging>pom</packaging>\n"
        "  <dependencies>\n"
        f"{dependencies}"
        "  </dependencies>\n"
        "  <build><pluginManagement><plugins><plugin>\n"
        "    <groupId>org.apache.maven.plugins</groupId>\n"
        "    <artifactId>maven-dependency-plugin</artifactId>\n"
        f"    <version>{DEPENDENCY_PLUGIN_VERSION}</version>\n"
        "  </plugin></plugins></pluginManagement></build>\n"
        "</project>\n"
    )


def _require_tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Neo4jServerError(f"`{name}` not found on PATH; {hint}")
    return path


def _java() -> str:
    """JAVA_HOME's java if set (as the official scripts do), else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home, "bin", "java"), os.X_OK):
        return str(Path(java_home, "bin", "java"))
    return _require_tool("java", "install a Java 17 or 21 runtime (e.g. openjdk-17-jre-headless)")


def _maven_fetch(mvn: str, staging: Path, version: str) -> int:
    """Resolve the runtime classpath into ``staging/lib``; return the jar count."""
    (staging / "pom.xml").write_text(render_pom(version))
    command = [
        mvn,
        "-q",
        "-B",
        "dependency:copy-dependencies",
        "-DoutputDirectory=lib",
        "-DincludeScope=runtime",
    ]
    try:
        result = subprocess.run(
            command,
            cwd=staging,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=MVN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Neo4jServerError(f"Maven did not finish within {MVN_TIMEOUT_S:.0f}s") from exc
    if result.returncode != 0:
        raise Neo4jServerError(
            f"Maven could not fetch Neo4j {version} (exit {result.returncode}):\n"
            f"{_tail_text(result.stdout + result.stderr)}"
        )
    shutil.rmtree(staging / "target", ignore_errors=True)
    jars = list((staging / "lib").glob("*.jar"))
    if len(jars) < MIN_JARS or not any(j.name.startswith("neo4j-server-") for j in jars):
        raise Neo4jServerError(f"Maven fetched only {len(jars)} jars for Neo4j {version}; expected a full server")
    return len(jars)
