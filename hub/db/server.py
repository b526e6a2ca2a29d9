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
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from hub.settings import DEFAULT_BOLT_PORT, Settings

log = logging.getLogger(__name__)

Echo = Callable[[str], None]

DEFAULT_INSTANCE = "default"
NEO4J_USER = "neo4j"
LOOPBACK = "127.0.0.1"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

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
ADMIN_TIMEOUT_S = 120.0

# The ``server.jvm.additional`` lines of the stock Neo4j 5.26 neo4j.conf, which the
# official ``neo4j`` script passes to the JVM. We launch the entry point ourselves, so we
# pass them too. Deliberately left out: -XX:+AlwaysPreTouch, which commits the whole heap
# up front and slows start — wrong for several small instances side by side on one box.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    "-Dfile.encoding=UTF-8",  # added by the official bootloader, not by neo4j.conf
)

_INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_VERSION = re.compile(r"[0-9][0-9A-Za-z.-]{0,39}")
_MEMORY_SIZE = re.compile(r"[1-9][0-9]*[kmgKMG]?")  # what both the JVM and Neo4j accept

# Runs the server as an orphan of a short-lived shell: the shell prints the server's pid
# and exits, so the caller never has a child to reap and no pipe of the caller's is held.
_DETACH_SCRIPT = 'log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & echo $!'


class Neo4jServerError(Exception):
    """The local Neo4j could not be installed, started or stopped; the message says why."""


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


@dataclass(frozen=True)
class InstanceStatus:
    """A snapshot of one local instance, for ``hub db status`` and for fixtures."""

    name: str
    installed: bool
    created: bool
    running: bool
    pid: int | None
    uri: str | None
    home: Path

    def describe(self) -> str:
        """One line a human can act on."""
        if self.running:
            return f"Neo4j {self.name}: running (pid {self.pid}) at {self.uri} — {self.home}"
        if self.created:
            return f"Neo4j {self.name}: stopped; would listen at {self.uri} — {self.home}"
        fetched = "fetched" if self.installed else "not fetched yet"
        return f"Neo4j {self.name}: not created (server jars {fetched}) — {self.home}"


@dataclass(frozen=True)
class _InstanceRecord:
    """What ``instance.json`` persists: chosen once at creation, reused by every start."""

    port: int
    user: str
    password: str
    version: str

    @property
    def uri(self) -> str:
        return f"bolt://{LOOPBACK}:{self.port}"


@dataclass(frozen=True)
class _Paths:
    """Every path of one instance, absolute, so neo4j.conf never depends on a cwd."""

    home: Path

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def import_dir(self) -> Path:
        return self.home / "import"

    @property
    def record(self) -> Path:
        return self.home / "instance.json"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def lock_file(self) -> Path:
        return self.home / ".lock"

    def directories(self) -> tuple[Path, ...]:
        return (self.conf_dir, self.data, self.logs, self.run, self.plugins, self.import_dir)


# --------------------------------------------------------------------------- rendering


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


def render_neo4j_conf(home: Path, port: int, heap: str, pagecache: str) -> str:
    """neo4j.conf for one instance: loopback only, Bolt only, auth on, no phoning home.

    The ``server.jvm.additional`` lines are what we pass to the JVM ourselves; they are
    repeated here so that the file also works with a stock ``neo4j console``.
    """
    paths = _Paths(home)
    lines = [
        "# Generated by hub.db.server at every start; edits are overwritten.",
        f"server.default_listen_address={LOOPBACK}",
        f"server.default_advertised_address={LOOPBACK}",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address={LOOPBACK}:{port}",
        f"server.bolt.advertised_address={LOOPBACK}:{port}",
        "server.http.enabled=false",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        "dbms.usage_report.enabled=false",
        f"server.memory.heap.initial_size={heap}",
        f"server.memory.heap.max_size={heap}",
        f"server.memory.pagecache.size={pagecache}",
        f"server.directories.data={paths.data}",
        f"server.directories.logs={paths.logs}",
        f"server.directories.run={paths.run}",
        f"server.directories.plugins={paths.plugins}",
        f"server.directories.import={paths.import_dir}",
        *(f"server.jvm.additional={flag}" for flag in JVM_FLAGS),
    ]
    return "\n".join(lines) + "\n"


def java_command(java: str, lib: Path, home: Path, heap: str) -> list[str]:
    """The command line the official bootloader would build for ``neo4j console``."""
    paths = _Paths(home)
    classpath = os.pathsep.join(f"{d}/*" for d in (paths.plugins, paths.conf_dir, lib))
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        "-cp",
        classpath,
        ENTRY_POINT,
        f"--home-dir={home}",
        f"--config-dir={paths.conf_dir}",
    ]


# --------------------------------------------------------------------------- public API


class LocalNeo4j:
    """One named local instance plus the shared installation it runs from."""

    def __init__(self, settings: Settings, instance: str | None = None) -> None:
        self.settings = settings
        self.name = instance or settings.db_instance
        if not _INSTANCE_NAME.fullmatch(self.name):
            raise Neo4jServerError(f"invalid instance name {self.name!r}: use letters, digits, '-' and '_'")
        self.version = settings.neo4j_version
        if not _VERSION.fullmatch(self.version):
            raise Neo4jServerError(f"invalid Neo4j version {self.version!r}")
        for label, size in (
            ("HUB_NEO4J_HEAP", settings.neo4j_heap),
            ("HUB_NEO4J_PAGECACHE", settings.neo4j_pagecache),
        ):
            if not _MEMORY_SIZE.fullmatch(size):
                raise Neo4jServerError(f"{label}={size!r}: expected a size like 512m or 1g")
        state = settings.state_dir.expanduser().absolute()
        self.install_root = state / "neo4j"
        self.install_dir = self.install_root / self.version
        self.instances_root = state / "instances"
        self.paths = _Paths(self.instances_root / self.name)
        self._launched_at = 0.0  # logs older than our last launch do not explain its failure

    @property
    def home(self) -> Path:
        return self.paths.home

    @property
    def lib_dir(self) -> Path:
        return self.install_dir / "lib"

    # -- installation ----------------------------------------------------------------

    def is_installed(self) -> bool:
        """True once an install completed: the directory only appears by atomic rename."""
        return self.lib_dir.is_dir()

    def ensure_installed(self, echo: Echo = print) -> Path:
        """Fetch the server's jars through Maven unless already there; return the lib dir.

        Downloads into a hidden staging directory and renames it into place only when
        complete, so a killed fetch never leaves something that looks installed. A lock
        keeps two concurrent callers from running Maven twice.
        """
        if self.is_installed():
            return self.lib_dir
        _java()
        mvn = _require_tool("mvn", "install Maven (e.g. apt-get install maven)")
        self.install_root.mkdir(parents=True, exist_ok=True)
        with _flock(self.install_root / f".{self.version}.lock"):
            if self.is_installed():
                return self.lib_dir
            self._remove_partial_installs()
            echo(f"fetching Neo4j {self.version} through Maven…")
            staging = Path(tempfile.mkdtemp(prefix=f".{self.version}.", suffix=".partial", dir=self.install_root))
            try:
                jars = _maven_fetch(mvn, staging, self.version)
                staging.chmod(0o755)
                os.rename(staging, self.install_dir)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        echo(f"Neo4j {self.version} fetched: {jars} jars in {self.lib_dir}")
        log.info("installed Neo4j %s into %s", self.version, self.install_dir)
        return self.lib_dir

    def _remove_partial_installs(self) -> None:
        """Staging dirs of killed fetches; safe to delete because we hold the install lock."""
        for leftover in self.install_root.glob(f".{self.version}.*.partial"):
            log.info("removing partial Neo4j download %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)

    # -- lifecycle -------------------------------------------------------------------

    def start(self, wait_s: float = 120.0, echo: Echo = print) -> tuple[Neo4jCredentials, bool]:
        """Start the instance unless it runs; return its credentials and whether we started it.

        Returns only once a Bolt session with the instance's credentials answers
        ``RETURN 1``, so callers can connect immediately. Creates the instance (port,
        password) on first use. If the server we launched does not come up, it is stopped
        and the error carries the tail of its logs.
        """
        lib = self.ensure_installed(echo)
        java = _java()
        with self._locked():
            record = self._load_record() or self._create(echo)
            running = self._running_pid()
            if running is not None:
                self._wait_until_ready(running, record, wait_s)
                return _credentials(record), False
            self.paths.pid_file.unlink(missing_ok=True)
            self._prepare(java, lib, record, echo)
            echo(f"starting Neo4j {self.name} on {record.uri}…")
            pid = self._launch(java, lib)
            try:
                self._wait_until_ready(pid, record, wait_s)
            except BaseException:
                self._terminate(pid, timeout_s=30.0)
                self.paths.pid_file.unlink(missing_ok=True)
                raise
            if record.version != self.version:
                self._save_record(dataclasses.replace(record, version=self.version))
            log.info("Neo4j %s started (pid %d) at %s", self.name, pid, record.uri)
            return _credentials(record), True

    def stop(self, timeout_s: float = 60.0) -> bool:
        """SIGTERM the server (clean shutdown), SIGKILL after ``timeout_s``; True if it ran."""
        if not self.home.is_dir():
            return False
        with self._locked():
            pid = self._running_pid()
            if pid is not None:
                self._terminate(pid, timeout_s)
                log.info("Neo4j %s stopped (pid %d)", self.name, pid)
            self.paths.pid_file.unlink(missing_ok=True)
            return pid is not None

    def status(self) -> InstanceStatus:
        """A lock-free snapshot; a stale pid file reads as not running."""
        record = self._load_record()
        pid = self._running_pid()
        return InstanceStatus(
            name=self.name,
            installed=self.is_installed(),
            created=record is not None,
            running=pid is not None,
            pid=pid,
            uri=record.uri if record else None,
            home=self.home,
        )

    def credentials(self) -> Neo4jCredentials:
        record = self._load_record()
        if record is None:
            raise Neo4jServerError(
                f"Neo4j instance {self.name!r} has not been created yet (run `hub db start --instance {self.name}`)"
            )
        return _credentials(record)

    def wipe(self) -> None:
        """Stop the instance and delete it, data included; the installation stays."""
        self.stop()
        if self.home.is_dir():
            with self._locked():
                shutil.rmtree(self.home)
            log.info("Neo4j instance %s wiped", self.name)

    # -- creation and preparation ------------------------------------------------------

    def _create(self, echo: Echo) -> _InstanceRecord:
        """Choose the instance's port and password once; instance.json marks it created."""
        port = self._choose_port()
        record = _InstanceRecord(
            port=port,
            user=NEO4J_USER,
            password=secrets.token_urlsafe(24),
            version=self.version,
        )
        self._save_record(record)
        echo(f"created Neo4j instance {self.name} (Bolt port {port}) in {self.home}")
        return record

    def _choose_port(self) -> int:
        """7687 for ``default`` when free; otherwise a free port no sibling has claimed."""
        claimed = self._ports_of_other_instances()
        wants_default = self.name == DEFAULT_INSTANCE and DEFAULT_BOLT_PORT not in claimed
        if wants_default and _port_is_free(DEFAULT_BOLT_PORT):
            return DEFAULT_BOLT_PORT
        for _ in range(50):
            port = _ephemeral_port()
            if port not in claimed and port != DEFAULT_BOLT_PORT:
                return port
        raise Neo4jServerError("could not find a free loopback port for Neo4j")

    def _ports_of_other_instances(self) -> set[int]:
        ports: set[int] = set()
        for record_file in self.instances_root.glob("*/instance.json"):
            if record_file.parent != self.home:
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    ports.add(int(json.loads(record_file.read_text())["port"]))
        return ports

    def _prepare(self, java: str, lib: Path, record: _InstanceRecord, echo: Echo) -> None:
        """Directories, a fresh neo4j.conf from current settings, and the initial password."""
        for directory in self.paths.directories():
            directory.mkdir(parents=True, exist_ok=True)
        self.paths.conf_file.write_text(
            render_neo4j_conf(self.home, record.port, self.settings.neo4j_heap, self.settings.neo4j_pagecache)
        )
        if not _port_is_free(record.port):
            raise Neo4jServerError(
                f"Bolt port {record.port} of Neo4j instance {self.name!r} is used by another "
                f'process; stop that process, or change "port" in {self.paths.record}. '
                "(A server of this instance whose neo4j.pid was lost shows up in "
                f"`pgrep -af -- '--home-dir={self.home}'`.)"
            )
        if not (self.paths.data / "databases" / "system").exists():
            echo(f"setting the initial password of Neo4j {self.name}…")
            self._set_initial_password(java, lib, record.password)

    def _set_initial_password(self, java: str, lib: Path, password: str) -> None:
        """Must run before the first start: the system database reads it when initialised."""
        command = [java, "-cp", f"{lib}/*", ADMIN_TOOL, "dbms", "set-initial-password", password]
        try:
            result = subprocess.run(
                command,
                env=self._server_env(),
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=ADMIN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Neo4jServerError("neo4j-admin set-initial-password timed out") from exc
        if result.returncode != 0:
            output = _tail_text((result.stdout + result.stderr).replace(password, "***"))
            raise Neo4jServerError(
                f"neo4j-admin dbms set-initial-password failed for instance {self.name!r} "
                f"(exit {result.returncode}):\n{output}"
            )

    # -- process handling --------------------------------------------------------------

    def _server_env(self) -> dict[str, str]:
        """The caller's environment minus hub/Neo4j secrets, plus where the instance lives."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("HUB_", "NEO4J_"))}
        env["NEO4J_HOME"] = str(self.home)
        env["NEO4J_CONF"] = str(self.paths.conf_dir)
        return env

    def _launch(self, java: str, lib: Path) -> int:
        """Start the server fully detached and record its pid; return the pid.

        New session, stdin from /dev/null, stdout/stderr to logs/console.log, no inherited
        descriptors: a CI job waiting on our stdout/stderr pipes must never wait on Neo4j.
        """
        console = self.paths.console_log
        if console.exists():
            console.replace(console.with_name("console.log.1"))
        command = java_command(java, lib, self.home, self.settings.neo4j_heap)
        self._launched_at = time.time()
        log.debug("launching %s", shlex.join(command))
        result = subprocess.run(
            ["/bin/sh", "-c", _DETACH_SCRIPT, "sh", str(console), *command],
            env=self._server_env(),
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            start_new_session=True,
            close_fds=True,
            timeout=30,
            check=False,
        )
        pid_text = result.stdout.strip()
        if result.returncode != 0 or not pid_text.isdigit():
            raise Neo4jServerError(f"could not launch Neo4j {self.name}: {result.stderr.strip() or pid_text!r}")
        pid = int(pid_text)
        _write_private(self.paths.pid_file, f"{pid}\n")
        return pid

    def _running_pid(self) -> int | None:
        """The pid from neo4j.pid if it is our server: alive, not a zombie, same home."""
        try:
            pid = int(self.paths.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_server_process(pid, self.home) else None

    def _terminate(self, pid: int, timeout_s: float) -> None:
        """SIGTERM lets Neo4j checkpoint and release its store lock; SIGKILL if it hangs."""
        for sig, grace in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 10.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if _wait_for_exit(pid, self.home, grace):
                return
            log.warning("Neo4j %s (pid %d) ignored %s for %.0fs", self.name, pid, sig.name, grace)
        raise Neo4jServerError(f"Neo4j {self.name} (pid {pid}) survived SIGKILL")

    def _wait_until_ready(self, pid: int, record: _InstanceRecord, wait_s: float) -> None:
        """Poll until ``RETURN 1`` succeeds with the stored credentials.

        A TCP connect alone is not enough: Bolt listens before the databases are online.
        A wrong password fails at once — retrying would only trip Neo4j's lockout.
        """
        deadline = time.monotonic() + wait_s
        with GraphDatabase.driver(
            record.uri,
            auth=(record.user, record.password),
            connection_timeout=2.0,
            connection_acquisition_timeout=5.0,
        ) as driver:
            while True:
                if not _is_server_process(pid, self.home):
                    raise Neo4jServerError(f"Neo4j {self.name} exited during startup.\n{self._log_tail()}")
                if _port_accepts(record.port):
                    try:
                        with driver.session() as session:
                            session.run("RETURN 1").consume()
                        return
                    except AuthError as exc:
                        raise Neo4jServerError(
                            f"Neo4j {self.name} rejected the password stored in {self.paths.record}: {exc}"
                        ) from exc
                    except (DriverError, Neo4jError, OSError) as exc:
                        log.debug("Neo4j %s not ready yet: %s", self.name, exc)
                if time.monotonic() >= deadline:
                    raise Neo4jServerError(
                        f"Neo4j {self.name} did not answer on {record.uri} within {wait_s:.0f}s; "
                        f"stopping it.\n{self._log_tail()}"
                    )
                time.sleep(0.5)

    def _log_tail(self) -> str:
        """The last lines of the logs that explain a failed start, with their paths."""
        parts = []
        for path in (self.paths.console_log, self.paths.logs / "neo4j.log"):
            # 1 s of slack: file timestamps come from a coarser clock than time.time()
            if not path.is_file() or path.stat().st_mtime < self._launched_at - 1.0:
                continue
            text = _tail_text(path.read_text("utf-8", "replace"))
            if text.strip():
                parts.append(f"--- last lines of {path}:\n{text}")
        parts.append(f"(details: {self.paths.logs / 'debug.log'})")
        return "\n".join(parts)

    # -- persistence ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises start/stop/wipe of this instance across processes."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _flock(self.paths.lock_file):
            yield

    def _load_record(self) -> _InstanceRecord | None:
        try:
            raw = json.loads(self.paths.record.read_text())
            return _InstanceRecord(
                port=int(raw["port"]),
                user=str(raw["user"]),
                password=str(raw["password"]),
                version=str(raw["version"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Neo4jServerError(f"unreadable {self.paths.record}: {exc}") from exc

    def _save_record(self, record: _InstanceRecord) -> None:
        payload = {
            "port": record.port,
            "user": record.user,
            "password": record.password,
            "version": record.version,
        }
        _write_private(self.paths.record, json.dumps(payload, indent=2) + "\n")


def resolve_credentials(settings: Settings) -> Neo4jCredentials | None:
    """The server the hub should use: NEO4J_URI if set, else the created local instance."""
    if settings.neo4j_uri:
        return Neo4jCredentials(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password or "")
    local = LocalNeo4j(settings)
    if not local.status().created:
        return None
    return local.credentials()


# --------------------------------------------------------------------------- helpers


def _credentials(record: _InstanceRecord) -> Neo4jCredentials:
    return Neo4jCredentials(record.uri, record.user, record.password)


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


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, released by the kernel even if we are killed.

    If the file was deleted while we waited (``wipe`` removes the instance dir, lock
    included), the lock we got guards nothing: take it again on the new file.
    """
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                current = path.stat().st_ino
            except FileNotFoundError:
                continue
            if current != os.fstat(handle.fileno()).st_ino:
                continue
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
            return


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600: the file may hold a password."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _is_server_process(pid: int, home: Path) -> bool:
    """Whether ``pid`` is a live Neo4j server for ``home`` (guards against pid reuse).

    Zombies count as dead: the server runs as an orphan and some init processes (in
    containers, micro-VMs) never reap orphans.
    """
    found = _process_state_and_args(pid) if pid > 0 else None
    if found is None:
        return False
    state, args = found
    return not state.startswith("Z") and ENTRY_POINT in args and f"--home-dir={home}" in args


def _process_state_and_args(pid: int) -> tuple[str, list[str]] | None:
    """(state letter, argv) of a process, from procfs or, where there is none, from ps."""
    proc = Path("/proc", str(pid))
    if Path("/proc/self").exists():
        try:
            state = proc.joinpath("stat").read_text().rpartition(")")[2].split()[0]
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
        except (OSError, IndexError):
            return None
        return state, argv
    result = subprocess.run(  # macOS: argv is only available space-joined
        ["ps", "-o", "stat=,args=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    fields = result.stdout.split()
    if result.returncode != 0 or not fields:
        return None
    return fields[0], fields[1:]


def _wait_for_exit(pid: int, home: Path, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while _is_server_process(pid, home):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def _port_is_free(port: int) -> bool:
    """Whether Neo4j could bind the port (it sets SO_REUSEADDR too, so TIME_WAIT is fine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _ephemeral_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _port_accepts(port: int) -> bool:
    """Cheap pre-check so we only build Bolt sessions once something listens."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0):
            return True
    except OSError:
        return False


def _tail_text(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
