"""This hub's place in the platform tree and the peers it exchanges with.

A hub runs at one level — county (县级), city (市级) or province (省级) — configured with
``HUB_LEVEL``, its region code ``HUB_REGION`` and its platform id ``HUB_PLATFORM_ID``. Its peers are
listed in a YAML file (``HUB_PEERS_FILE``)::

    peers:
      - id: henan-jiaxian              # the peer's HUB_PLATFORM_ID
        relation: child                # child (a platform below) or parent (the one above)
        url: http://10.0.0.5:8000      # where its hub serves /graphql
        public_key: 3q2-7w...          # its Ed25519 public key (`hub sync key` there)
        token_file: /etc/hub/jiaxian.token   # a platform token it issued to us (or token_env: NAME)
        pull: true                     # child: pull its upward feed; parent: pull its downward feed
        push: false                    # parent only: push our upward feed to it

Either side may move the data: a parent pulls from a child that cannot reach it, a child pushes to a
parent that cannot reach it. Both directions are idempotent, so configuring both costs only traffic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.datafile import DataFileError, FileProblem, LineMap, LineSeq, read_data_file, require_keys, text
from hub.errors import ConfigurationError
from hub.exchange import levels
from hub.exchange.signing import public_key_from_text


class Relation(StrEnum):
    CHILD = "child"
    PARENT = "parent"


class PeersFileError(DataFileError):
    """The peers file is malformed; the message names the line."""


@dataclass(frozen=True)
class Platform:
    """This hub as its peers know it."""

    id: str
    level: str
    region: str

    @property
    def rank(self) -> int:
        return levels.rank(self.level)

    def levels_up_to(self) -> list[str]:
        return levels.up_to(self.level)

    def levels_from(self) -> list[str]:
        return levels.from_(self.level)


@dataclass(frozen=True)
class Peer:
    id: str
    relation: Relation
    url: str
    public_key: Ed25519PublicKey
    token_file: Path | None = None
    token_env: str | None = None
    pull: bool = True
    push: bool = True

    def token(self) -> str:
        """The platform token this peer issued to us, read when needed (it may be rotated)."""
        if self.token_env:
            value = os.environ.get(self.token_env)
            if not value:
                raise PeerTokenMissing(f"peer {self.id}: environment variable {self.token_env} is not set")
            return value.strip()
        if self.token_file is None:
            raise PeerTokenMissing(f"peer {self.id} has no token_file or token_env in the peers file")
        try:
            return self.token_file.read_text().strip()
        except OSError as exc:
            raise PeerTokenMissing(f"peer {self.id}: cannot read token_file {self.token_file}: {exc}") from None


class PeerTokenMissing(ConfigurationError):
    pass


@dataclass(frozen=True)
class Peers:
    """The peers of this hub, by id."""

    by_id: Mapping[str, Peer]

    @property
    def children(self) -> list[Peer]:
        return [p for p in self.by_id.values() if p.relation is Relation.CHILD]

    @property
    def parent(self) -> Peer | None:
        return next((p for p in self.by_id.values() if p.relation is Relation.PARENT), None)

    def get(self, peer_id: str | None) -> Peer | None:
        return self.by_id.get(peer_id) if peer_id else None


NO_PEERS = Peers({})


def load_peers(path: Path | None) -> Peers:
    if path is None:
        return NO_PEERS
    return read_data_file(path, lambda doc: _build(doc, path.parent), PeersFileError)


def _build(document: object, base: Path) -> Peers:
    if not isinstance(document, LineMap):
        raise FileProblem(1, "the peers file must be a mapping with a 'peers' list")
    require_keys(document, "the peers file", ["peers"])
    entries = document["peers"]
    if not isinstance(entries, LineSeq):
        raise FileProblem(document.at("peers"), "peers must be a list")
    peers: dict[str, Peer] = {}
    for entry in entries:
        if not isinstance(entry, LineMap):
            raise FileProblem(entries.line, "each peer must be a mapping (id, relation, url, public_key…)")
        peer = _peer(entry, base)
        if peer.id in peers:
            raise FileProblem(entry.line, f"peer {peer.id!r} is listed twice")
        peers[peer.id] = peer
    parents = [p.id for p in peers.values() if p.relation is Relation.PARENT]
    if len(parents) > 1:
        raise FileProblem(entries.line, f"a hub has one parent platform, the file names {', '.join(parents)}")
    return Peers(peers)


def _peer(entry: LineMap, base: Path) -> Peer:
    require_keys(entry, "a peer", ["id", "relation", "url", "public_key"],
                 ["token_file", "token_env", "pull", "push"])
    peer_id = text(entry, "id", "a peer")
    what = f"peer {peer_id}"
    try:
        relation = Relation(text(entry, "relation", what))
    except ValueError:
        raise FileProblem(entry.at("relation"), f"{what}: relation must be child or parent") from None
    url = text(entry, "url", what).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise FileProblem(entry.at("url"), f"{what}: url must start with http:// or https://")
    try:
        key = public_key_from_text(text(entry, "public_key", what))
    except ValueError as exc:
        raise FileProblem(entry.at("public_key"), f"{what}: {exc}") from None
    flags = {}
    for flag in ("pull", "push"):
        value = entry.get(flag, True)
        if not isinstance(value, bool):
            raise FileProblem(entry.at(flag), f"{what}: {flag} must be true or false")
        flags[flag] = value
    if relation is Relation.CHILD and "push" in entry:
        raise FileProblem(entry.at("push"), f"{what}: push is for a parent; a child pushes to us itself")
    token_file = Path(text(entry, "token_file", what)) if "token_file" in entry else None
    if token_file is not None and not token_file.is_absolute():
        token_file = base / token_file
    token_env = text(entry, "token_env", what) if "token_env" in entry else None
    return Peer(peer_id, relation, url, key, token_file, token_env, flags["pull"],
                flags["push"] and relation is Relation.PARENT)
