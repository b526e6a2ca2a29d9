"""A platform tree on one machine: real hub processes on loopback, each on its own local Neo4j.

The exchange tests (tests/test_platform_tree.py) and the sync bench (bench/sync.py) run county,
city and provincial hubs this way: every hub is a ``hub serve`` process with its own platform id,
level, region, JWT secret, Ed25519 key, peers file and platform tokens issued by its peers — what
three credit offices would configure, generated. Nothing here is used by a deployed hub.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hub.auth import issue_token
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.disclosure import Role
from hub.exchange.signing import generate_key_text, private_key_from_text, public_key_text
from hub.secret_text import new_secret
from hub.settings import Settings

HUB = str(Path(sys.executable).with_name("hub"))


@dataclass
class Platform:
    """One hub of the tree and everything it was configured with."""

    id: str
    level: str
    region: str
    parent: str | None
    instance: str
    folder: Path
    port: int = 0
    push_up: bool = False  # also push to the parent (the parent pulls from us either way)
    jwt_secret: str = field(default_factory=lambda: new_secret(48))
    data_key: str = field(default_factory=lambda: new_secret(48))
    signing_key: str = field(default_factory=generate_key_text)
    credentials: Neo4jCredentials | None = None
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_key(self) -> str:
        return public_key_text(private_key_from_text(self.signing_key))

    def env(self, **extra: str) -> dict[str, str]:
        assert self.credentials is not None, "start the databases first"
        return {**os.environ, "NEO4J_URI": self.credentials.uri, "NEO4J_USER": self.credentials.user,
                "NEO4J_PASSWORD": self.credentials.password, "HUB_PORT": str(self.port),
                "HUB_PLATFORM_ID": self.id, "HUB_LEVEL": self.level, "HUB_REGION": self.region,
                "HUB_PEERS_FILE": str(self.folder / "peers.yaml"), "HUB_STATE_DIR": str(self.folder),
                "HUB_JWT_SECRET": self.jwt_secret, "HUB_DATA_KEY": self.data_key,
                "HUB_SIGNING_KEY": self.signing_key, "HUB_LOG_LEVEL": "WARNING", **self.extra_env, **extra}

    def token(self, role: str, org: str, ttl_s: int = 24 * 3600, department: str | None = None) -> str:
        """A token this hub would issue (``hub token issue`` with its secret)."""
        return issue_token(self.jwt_secret, "credit-hub", role=Role(role), org=org, ttl_s=ttl_s, department=department)

    def gateway(self) -> Neo4jGateway:
        assert self.credentials is not None
        return Neo4jGateway(self.credentials.uri, self.credentials.user, self.credentials.password)


class PlatformTree:
    """Start, configure and stop a tree of hubs; run ``hub`` commands as any of them."""

    def __init__(self, folder: Path, platforms: Sequence[Platform], *, heap: str = "512m",
                 pagecache: str = "256m") -> None:
        self.folder, self.heap, self.pagecache = folder, heap, pagecache
        self.by_id = {p.id: p for p in platforms}
        self._started: list[LocalNeo4j] = []

    def __getitem__(self, platform_id: str) -> Platform:
        return self.by_id[platform_id]

    # --- lifecycle ---------------------------------------------------------------------------
    def start_databases(self) -> None:
        """Start every hub's Neo4j (in parallel: each takes seconds to boot).

        If any of them fails, the ones that did start are stopped before the error is raised: a
        failed setup leaves no server behind.
        """
        settings = Settings(HUB_NEO4J_HEAP=self.heap, HUB_NEO4J_PAGECACHE=self.pagecache)

        def start(platform: Platform) -> None:
            server = LocalNeo4j(settings, platform.instance)
            # three servers boot at once on a 2-core machine that may be busy: give them time
            platform.credentials, started = server.start(wait_s=300.0, echo=lambda _: None)
            if started:
                self._started.append(server)

        with ThreadPoolExecutor(max_workers=len(self.by_id)) as pool:
            outcomes = [pool.submit(start, platform) for platform in self.by_id.values()]
        failures = [error for error in (outcome.exception() for outcome in outcomes) if error is not None]
        if failures:
            self.stop()
            raise failures[0]

    def configure(self) -> None:
        """Ports, peers files and tokens: each hub issues its peers their platform tokens."""
        for platform in self.by_id.values():
            platform.folder.mkdir(parents=True, exist_ok=True)
            platform.port = platform.port or free_port()
        for platform in self.by_id.values():
            entries = []
            parent = self.by_id.get(platform.parent) if platform.parent else None
            if parent is not None:
                entries.append(self._entry(platform, parent, "parent", push=platform.push_up))
            for child in self.children(platform.id):
                entries.append(self._entry(platform, child, "child"))
            (platform.folder / "peers.yaml").write_text("peers:\n" + "".join(entries), encoding="utf-8")

    def _entry(self, me: Platform, peer: Platform, relation: str, *, push: bool | None = None,
               pull: bool = True) -> str:
        token_file = me.folder / f"token-from-{peer.id}"
        token_file.write_text(peer.token("platform", me.id))
        token_file.chmod(0o600)
        lines = [f"  - id: {peer.id}\n", f"    relation: {relation}\n", f"    url: {peer.url}\n",
                 f"    public_key: {peer.public_key}\n", f"    token_file: {token_file}\n",
                 f"    pull: {'true' if pull else 'false'}\n"]
        if push is not None:
            lines.append(f"    push: {'true' if push else 'false'}\n")
        return "".join(lines)

    def children(self, platform_id: str) -> list[Platform]:
        return [p for p in self.by_id.values() if p.parent == platform_id]

    def launch_hubs(self) -> None:
        """Start every ``hub serve``; :meth:`wait_ready` waits for them."""
        for platform in self.by_id.values():
            with open(platform.folder / "hub.log", "ab") as log:  # the child keeps its own descriptor
                platform.process = subprocess.Popen([HUB, "serve"], env=platform.env(), stdin=subprocess.DEVNULL,
                                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    async def wait_ready(self, timeout_s: float = 180.0) -> None:
        for platform in self.by_id.values():
            assert platform.process is not None, "launch the hubs first"
            await wait_ready(platform.url, timeout_s, platform.process.poll, platform.folder / "hub.log")

    def stop(self) -> None:
        for platform in self.by_id.values():
            if platform.process is not None and platform.process.poll() is None:
                os.killpg(platform.process.pid, signal.SIGTERM)
                try:
                    platform.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(platform.process.pid, signal.SIGKILL)
        for server in self._started:
            server.stop()
        self._started.clear()

    # --- acting as a hub ---------------------------------------------------------------------
    def cli(self, platform_id: str, *args: str, timeout_s: float = 600.0,
            **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``hub ARGS`` as that platform's operator would; output captured."""
        return subprocess.run([HUB, *args], env=self[platform_id].env(**env), capture_output=True, text=True,
                              timeout=timeout_s, check=False)

    def spawn(self, platform_id: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """Start ``hub ARGS`` without waiting (to kill it mid-way)."""
        platform = self[platform_id]
        with open(platform.folder / "cli.log", "ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen([HUB, *args], env=platform.env(**env), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    async def wipe(self, platform_ids: Iterable[str] | None = None) -> None:
        from hub.db import ingest

        for platform_id in platform_ids or self.by_id:
            gateway = self[platform_id].gateway()
            try:
                await ingest.wipe(gateway)
            finally:
                await gateway.close()


def free_port() -> int:
    """A loopback port free right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(url: str, timeout_s: float, exit_code: Callable[[], int | None] = lambda: None,
                     log: Path | None = None) -> None:
    """Until ``url``/readyz answers 200. RuntimeError if time runs out, or as soon as ``exit_code`` (the
    serving process's ``poll``) says it died — with the tail of its ``log``."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            code = exit_code()
            if code is not None:
                tail = _tail(log) if log is not None else ""
                raise RuntimeError(f"the hub at {url} exited with {code}:\n{tail}")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the hub at {url} was not ready within {timeout_s:.0f} s")


def _tail(log: Path) -> str:
    """The end of a dead process's log, for the error that reports it (read once, on the way out)."""
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def henan_tree(folder: Path, prefix: str = "tree") -> PlatformTree:
    """郏县 (county 410425) → 平顶山 (city 410400) → 河南 (province 410000), each on its own instance.

    Parents pull from their children; the county also pushes to the city (both directions are
    idempotent, so the tree exercises both). Children pull the downward feed from their parent.
    """
    return PlatformTree(folder, [
        Platform("henan-jiaxian", "county", "410425", "henan-pingdingshan", f"{prefix}-county",
                 folder / "county", push_up=True),
        Platform("henan-pingdingshan", "city", "410400", "henan-province", f"{prefix}-city", folder / "city"),
        Platform("henan-province", "province", "410000", None, f"{prefix}-province", folder / "province"),
    ])
