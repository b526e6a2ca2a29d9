"""The bench's peer: @neo4j/graphql 7 on Apollo Server 5 (Node), over the same Neo4j as the hub.

bench/peer/ holds its source (server.mjs, typeDefs.graphql: the hub's graph of docs/data-model.md),
package.json and the lockfile; ``npm ci`` installs node_modules there through npm's own
configuration when it is missing or older than the lockfile. The PUBLIC rule (and a consenting
bank's) is given to the peer as ``where`` filters in its queries, below; the peer writes no audit.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.db.server import Neo4jCredentials
from tests.loopback import free_port

PEER_DIR = Path(__file__).with_name("peer")

_RECORDS_PUBLISHED = ('status: {eq: "ACTIVE"}, '
                      "OR: [{publicityEndsOn: {eq: null}}, {publicityEndsOn: {gte: $today}}]")

# The hub's lookups (bench/lookup.py) and the peer's, field for field, in the hub's order (items of one
# moment by id). The peer's filters are the tier rule of hub/disclosure.py: PUBLIC items; a bank holding
# an all-scopes consent also sees AUTHORIZED ones and the legal representative; records only while published.
PUBLIC = """query($uscc: String!, $today: Date!) { subjects(where: {uscc: {eq: $uscc}}) {
  uscc name kind region status
  evaluations(where: {disclosure: {eq: "PUBLIC"}}, sort: [{evaluatedAt: DESC}, {id: ASC}]) {
    scheme grade score disclosure evaluatedAt }
  records(where: {disclosure: {eq: "PUBLIC"}, PUBLISHED}, sort: [{decidedOn: DESC}, {id: ASC}]) {
    id kind decidedOn disclosure }
} }""".replace("PUBLISHED", _RECORDS_PUBLISHED)

BANK = """query($uscc: String!, $today: Date!, $bank: String!) { subjects(where: {uscc: {eq: $uscc}}) {
  uscc name kind region status
  consents(where: {grantee: {eq: $bank}}) { id scopes expiresAt revokedAt }
  evaluations(where: {disclosure: {in: ["PUBLIC", "AUTHORIZED"]}}, sort: [{evaluatedAt: DESC}, {id: ASC}]) {
    scheme grade score disclosure evaluatedAt }
  records(where: {disclosure: {in: ["PUBLIC", "AUTHORIZED"]}, PUBLISHED}, sort: [{decidedOn: DESC}, {id: ASC}]) {
    id kind decidedOn disclosure }
  legalRepresentative { name idMasked }
} }""".replace("PUBLISHED", _RECORDS_PUBLISHED)

# A page of 100 subjects in code order with their PUBLIC evaluations, given the predicate the hub's
# keyset page uses (uscc > $after on the code index).
LIST = """query($after: String!) { subjects(where: {uscc: {gt: $after}}, sort: [{uscc: ASC}], limit: 100) {
  uscc name evaluations(where: {disclosure: {eq: "PUBLIC"}}, sort: [{evaluatedAt: DESC}, {id: ASC}]) {
    scheme grade score }
} }"""


def ensure_installed() -> None:
    """``npm ci`` in bench/peer when node_modules is missing or older than the lockfile."""
    lock, modules = PEER_DIR / "package-lock.json", PEER_DIR / "node_modules"
    if modules.exists() and modules.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        raise SystemExit("the bench's peer needs Node 20 and npm (bench/peer/package.json)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)
    modules.touch()


@contextmanager
def running_peer(credentials: Neo4jCredentials, database: str = "neo4j") -> Iterator[int]:
    """Start the peer on a free loopback port; yield the port; stop it."""
    ensure_installed()
    port = free_port()
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "NEO4J_DATABASE": database, "PEER_PORT": str(port)}
    process = subprocess.Popen(["node", "server.mjs"], cwd=PEER_DIR, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_for_peer(port: int, timeout_s: float = 120) -> None:
    """Until the peer answers on its port (building its schema takes a few seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise SystemExit(f"the bench's peer did not start within {timeout_s:.0f} s") from None
            await asyncio.sleep(0.5)
