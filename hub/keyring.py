"""Keyrings: several secrets valid at once, one of them active, each named by a key id.

Two secrets of the hub rotate this way, each on its own ring (neither is derived from the other):

- the **token** ring signs bearer tokens (HS256); a token names its key in the JWT ``kid`` header, so a
  hub verifies tokens signed by any key still on the ring while it issues with the active one;
- the **audit** ring keys the HMAC chain of the audit log; every entry records the key id it was
  made with, so ``hub audit verify`` checks old entries with the key they were made with after a
  rotation.

A ring comes from the environment (an active secret and the previous ones still accepted, e.g.
``HUB_JWT_SECRET`` and ``HUB_JWT_PREVIOUS_SECRETS``) or, when the environment sets none, from a
generated file in ``$HUB_STATE_DIR/secrets/`` (mode 0600) that ``hub token rotate-key`` and
``hub audit rotate-key`` rotate. A key id is a fingerprint of its secret (``k-`` and 12 hex digits of
SHA-256 over the ring's purpose and the secret), so the same secret has the same id whichever way it
was configured, and the id reveals nothing usable about the secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub import clock
from hub.errors import ConfigurationError
from hub.secret_text import new_secret

GENERATED_LENGTH = 64


class KeyringError(ConfigurationError):
    """A keyring that cannot be read, or a rotation that cannot be done; the message says why."""


def key_id(purpose: str, secret: str) -> str:
    """The id of ``secret`` on a ring for ``purpose`` ("token", "audit")."""
    return "k-" + hashlib.sha256(f"{purpose}|{secret}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Keyring:
    """The secrets of one purpose by key id; ``active`` is the one new signatures use."""

    purpose: str
    active: str
    keys: Mapping[str, str]

    @classmethod
    def of(cls, purpose: str, active: str, previous: Iterable[str] = ()) -> Keyring:
        keys = {key_id(purpose, secret): secret for secret in (*previous, active)}
        return cls(purpose, key_id(purpose, active), keys)

    @property
    def active_secret(self) -> str:
        return self.keys[self.active]

    def secret(self, kid: str) -> str | None:
        return self.keys.get(kid)

    @property
    def ids(self) -> list[str]:
        return list(self.keys)


class KeyringFile:
    """A generated ring kept in a file (0600), rotated by the CLI.

    ``{"active": kid, "keys": [{"kid": …, "secret": …, "created_at": …}, …]}``, oldest first. A
    legacy single-secret file (the hub's ``jwt.key`` before rings existed) is taken in as the first key,
    so tokens signed with it keep verifying.
    """

    def __init__(self, purpose: str, path: Path, legacy: Path | None = None) -> None:
        self.purpose = purpose
        self.path = path
        self.legacy = legacy

    def load(self) -> Keyring:
        """The ring, created with one generated key (or the legacy one) on first use."""
        if not self.path.exists():
            first = self.legacy.read_text().strip() if self.legacy and self.legacy.exists() else new_secret(
                GENERATED_LENGTH)
            self._write(key_id(self.purpose, first), [self._entry(first)], create=True)
        return self._read()

    def mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return None

    def rotate(self) -> Keyring:
        """Add a new generated key and make it active; every key already on the ring stays valid."""
        entries = self._entries()
        secret = new_secret(GENERATED_LENGTH)
        entries.append(self._entry(secret))
        self._write(key_id(self.purpose, secret), entries)
        return self._read()

    def retire(self, kid: str) -> Keyring:
        """Take a key off the ring: what it signed stops verifying. The active key cannot be retired."""
        ring = self._read()
        if kid not in ring.keys:
            raise KeyringError(f"no {self.purpose} key {kid!r} on the ring; keys: {', '.join(ring.ids)}")
        if kid == ring.active:
            raise KeyringError(f"{kid} is the active {self.purpose} key; rotate first, then retire it")
        self._write(ring.active, [e for e in self._entries() if e["kid"] != kid])
        return self._read()

    def _entry(self, secret: str) -> dict[str, str]:
        return {"kid": key_id(self.purpose, secret), "secret": secret, "created_at": clock.now().isoformat()}

    def _entries(self) -> list[dict[str, str]]:
        self.load()
        document = self._document()
        return list(document["keys"])

    def _document(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise ValueError("expected an object with 'active' and 'keys'")
            return document
        except (OSError, ValueError) as exc:
            raise KeyringError(f"{self.purpose} keyring {self.path} cannot be read: {exc}") from None

    def _read(self) -> Keyring:
        document = self._document()
        keys: dict[str, str] = {}
        for entry in document["keys"]:
            secret = str(entry["secret"])
            keys[key_id(self.purpose, secret)] = secret
        active = str(document.get("active"))
        if active not in keys:
            raise KeyringError(f"{self.purpose} keyring {self.path}: the active key {active!r} is not on the ring")
        return Keyring(self.purpose, active, keys)

    def _write(self, active: str, entries: list[dict[str, str]], *, create: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"active": active, "keys": entries}, indent=1)
        temporary = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        if create:
            with contextlib.suppress(FileExistsError):  # two processes at once: the first file wins
                os.link(temporary, self.path)
            os.unlink(temporary)
        else:
            os.replace(temporary, self.path)
