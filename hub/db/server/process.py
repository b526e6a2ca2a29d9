"""Operating-system plumbing: locks, detaching, telling our server's process from others, ports."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from hub.db.server.config import ENTRY_POINT
from hub.db.server.layout import LOOPBACK

# Runs the server as an orphan of a short-lived shell: the shell prints the server's pid
# and exits, so the caller never has a child to reap and no pipe of the caller's is held.
_DETACH_SCRIPT = 'log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & echo $!'


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
