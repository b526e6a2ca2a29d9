"""A draw's signed statements: what the hub published at each step, signed with the platform's key.

A digest the hub stores beside a draw proves nothing to someone who can write the database (or edit
an exported file): they can change the inputs and recompute every digest to match. What they cannot
do without the platform's Ed25519 private key is sign. So at every step the hub signs what it
publishes — a compact JWS (EdDSA, ``kid`` = platform id) over canonical JSON — and a verifier checks
the draw against those statements and a public key it obtained out of band (``platform { publicKey }``,
``hub sync key``). docs/draw-protocol.md §6 lists the statements and their fields.

The statements of one draw form a chain: each names the SHA-256 of the one before (``previous``),
so a statement cannot be dropped from the middle or moved to another draw unnoticed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.exchange.signing import SignatureInvalid, public_key_text, sign, verify_with

STATEMENT = "credit-hub/draw-statement/v2"
CONTENT_TYPE = "application/vnd.credit-hub.draw-statement+json"


class Step(StrEnum):
    """What a statement attests."""

    COMMIT = "commit"  # the seed's commitment, the plan, the attempt (and a re-draw's reason)
    FREEZE = "freeze"  # the frozen inputs' digests, the ratios, the population size
    REVEAL = "reveal"  # the seed, the result digest, the number of targets
    SUPERSEDE = "supersede"  # a re-draw replaced this draw (and revealed its seed if it was still secret)
    RESULT = "result"  # one inspection result (PUBLIC, 一公开): no time of day, no sequence number
    RESULTS = "results"  # how many results are recorded so far (INTERNAL: its updates show the order)


class StatementInvalid(ValueError):
    """A statement that does not open with the trusted key or is not a draw statement; says why."""


def canonical(payload: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def fingerprint(token: str) -> str:
    """Hex SHA-256 of a compact JWS: what the next statement names as ``previous``."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Statement:
    """An opened statement: its token, step, draw and every signed field."""

    token: str
    fields: Mapping[str, Any]

    @property
    def step(self) -> Step:
        return Step(self.fields["step"])

    @property
    def draw(self) -> str:
        return str(self.fields["draw"])

    @property
    def previous(self) -> str | None:
        value = self.fields.get("previous")
        return None if value is None else str(value)

    def get(self, name: str) -> Any:
        return self.fields.get(name)


class Notary:
    """Signs a draw's statements with the platform's key; one per hub."""

    def __init__(self, key: Ed25519PrivateKey, platform: str) -> None:
        self._key = key
        self.platform = platform
        self.public_key: Ed25519PublicKey = key.public_key()

    @property
    def public_key_text(self) -> str:
        return public_key_text(self._key)

    def sign(self, step: Step, draw_id: str, previous: str | None, **fields: Any) -> str:
        payload = {**fields, "statement": STATEMENT, "step": step.value, "platform": self.platform,
                   "draw": draw_id, "previous": previous}
        return sign(canonical(payload), self._key, self.platform, CONTENT_TYPE)


def open_statement(token: str, key: Ed25519PublicKey) -> Statement:
    """Verify ``token`` with ``key`` and read it; :class:`StatementInvalid` names what is wrong."""
    try:
        _, payload = verify_with(token, key)
        fields = json.loads(payload)
    except SignatureInvalid as exc:
        raise StatementInvalid(str(exc)) from None
    except (ValueError, UnicodeDecodeError):
        raise StatementInvalid("the signed payload is not JSON") from None
    if not isinstance(fields, dict) or fields.get("statement") != STATEMENT:
        raise StatementInvalid(f"not a draw statement (expected \"statement\": \"{STATEMENT}\")")
    if fields.get("step") not in {step.value for step in Step} or not isinstance(fields.get("draw"), str):
        raise StatementInvalid("the statement names no known step or no draw")
    return Statement(token, fields)
