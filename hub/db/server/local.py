"""LocalNeo4j: one named instance's lifecycle — create, start, stop, status, wipe."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from hub.db.server.config import java_command, render_neo4j_conf
from hub.db.server.credentials import Neo4jCredentials, _credentials
from hub.db.server.errors import Neo4jServerError
from hub.db.server.fetch import _java, _maven_fetch, _require_tool
from hub.db.server.layout import InstanceStatus, _InstanceRecord, _load_record, _Paths, _save_record, _write_private
from hub.db.server.process import (
    _DETACH_SCRIPT,
    _ephemeral_port,
    _flock,
    _is_server_process,
    _port_accepts,
    _port_is_free,
    _tail_text,
    _wait_for_exit,
)
from hub.secret_text import new_secret
from hub.settings import DEFAULT_BOLT_PORT, Settings

log = logging.getLogger("hub.db.server")  # one logger for the package: the log format prints its name

Echo = Callable[[str], None]

DEFAULT_INSTANCE = "default"
NEO4J_USER = "neo4j"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
ADMIN_TIMEOUT_S = 120.0

_INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_VERSION = re.compile(r"[0-9][0-9A-Za-z.-]{0,39}")
_MEMORY_SIZE = re.compile(r"[1-9][0-9]*[kmgKMG]?")  # what both the JVM and Neo4j accept


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
            record = _load_record(self.paths.record) or self._create(echo)
            running = self._running_pid()
            if running is not None:
                self._wait_until_ready(running, record, wait_s)
                differs = self._sizes_differ()
                if differs:
                    echo(f"note: Neo4j {self.name} is already running with {differs}; "
                         f"`hub db stop --instance {self.name}` and start again to apply them")
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
                _save_record(self.paths.record, dataclasses.replace(record, version=self.version))
            log.info("Neo4j %s started (pid %d) at %s", self.name, pid, record.uri)
            return _credentials(record), True

    def _sizes_differ(self) -> str | None:
        """How the running server's memory sizes (its neo4j.conf, written when it was launched) differ from
        the settings' — a server started by another command with other sizes keeps them until restarted."""
        try:
            conf = dict(line.split("=", 1) for line in self.paths.conf_file.read_text().splitlines() if "=" in line)
        except OSError:
            return None
        wanted = {"server.memory.heap.max_size": ("heap", self.settings.neo4j_heap),
                  "server.memory.pagecache.size": ("page cache", self.settings.neo4j_pagecache)}
        found = [f"{what} {conf[key].strip()}, not the {size} asked for" for key, (what, size) in wanted.items()
                 if key in conf and conf[key].strip().lower() != size.lower()]
        return "; ".join(found) or None

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
        record = _load_record(self.paths.record)
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
        record = _load_record(self.paths.record)
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
            password=new_secret(),
            version=self.version,
        )
        _save_record(self.paths.record, record)
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
        """Must run before the first start: the system database reads it when initialised.

        The password follows ``--``: whatever it holds (an older instance's password may begin with
        ``-``), the admin tool reads it as the argument, never as an option.
        """
        self.admin(["dbms", "set-initial-password", "--", password], what="set-initial-password",
                   secret=password, java=java, lib=lib)

    def admin(self, arguments: list[str], *, what: str, timeout_s: float | None = ADMIN_TIMEOUT_S,
              secret: str | None = None, heap: str | None = None, java: str | None = None,
              lib: Path | None = None, on_line: Echo | None = None) -> str:
        """Run ``neo4j-admin`` (its ``AdminTool`` entry point) against this instance's home and conf and
        return its output; ``on_line`` hears each line as it comes. Raise naming ``what``, with the tail of
        the output (``secret`` masked), if it fails."""
        java = java or _java()
        lib = lib or self.ensure_installed()
        memory = [f"-Xmx{heap}"] if heap else []
        command = [java, *memory, "-cp", f"{lib}/*", ADMIN_TOOL, *arguments]
        lines: list[str] = []
        try:
            with subprocess.Popen(command, env=self._server_env(), cwd=self.home, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
                assert process.stdout is not None
                deadline = None if timeout_s is None else time.monotonic() + timeout_s
                for line in process.stdout:
                    lines.append(line)
                    if on_line:
                        on_line(line.rstrip("\n"))
                    if deadline is not None and time.monotonic() > deadline:
                        process.kill()
                        raise Neo4jServerError(f"neo4j-admin {what} timed out")
                returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise Neo4jServerError(f"neo4j-admin {what} timed out") from exc
        output = "".join(lines)
        if returncode != 0:
            if secret:
                output = output.replace(secret, "***")
            raise Neo4jServerError(
                f"neo4j-admin {what} failed for instance {self.name!r} (exit {returncode}):\n{_tail_text(output)}")
        return output

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

    # -- locking -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises start/stop/wipe of this instance across processes."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _flock(self.paths.lock_file):
            yield


def resolve_credentials(settings: Settings) -> Neo4jCredentials | None:
    """The server the hub should use: NEO4J_URI if set, else the created local instance."""
    if settings.neo4j_uri:
        return Neo4jCredentials(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password_text)
    local = LocalNeo4j(settings)
    if not local.status().created:
        return None
    return local.credentials()
