"""Where one instance lives: its paths, what ``instance.json`` records, its status snapshot."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from hub.db.server.errors import Neo4jServerError

LOOPBACK = "127.0.0.1"


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


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600: the file may hold a password."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _load_record(path: Path) -> _InstanceRecord | None:
    try:
        raw = json.loads(path.read_text())
        return _InstanceRecord(
            port=int(raw["port"]),
            user=str(raw["user"]),
            password=str(raw["password"]),
            version=str(raw["version"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Neo4jServerError(f"unreadable {path}: {exc}") from exc


def _save_record(path: Path, record: _InstanceRecord) -> None:
    payload = {
        "port": record.port,
        "user": record.user,
        "password": record.password,
        "version": record.version,
    }
    _write_private(path, json.dumps(payload, indent=2) + "\n")
