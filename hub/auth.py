"""Bearer tokens: who is calling (SPEC §4). Signed HS256 JWTs, issued by ``hub token issue``.

No ``Authorization`` header means PUBLIC. Anything else that is not a valid, unexpired token signed
with one of the hub's keys — forged, tampered, ``alg: none``, expired, garbage, signed with a key
that was retired, living longer than the hub's maximum lifetime — is refused with a message that says
which of those it is (HTTP 401 at the edge). Revoked tokens are refused by :mod:`hub.revocation`,
which needs the database; this module needs none.

Keys rotate (:mod:`hub.keyring`): a token names the key that signed it in its ``kid`` header; a
token without one (issued before key ids existed) is tried against every key on the ring.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from typing import Any

import jwt

from hub.disclosure import Role, Viewer
from hub.errors import Unauthenticated
from hub.keyring import Keyring

ALGORITHM = "HS256"
AUDIENCE = "credit-hub"
LEEWAY_S = 5  # clock skew allowed on exp and iat


class InvalidToken(Unauthenticated):
    """A bearer token the hub refuses; ``str()`` is safe to show the caller."""


def _ring(keys: Keyring | str) -> Keyring:
    return keys if isinstance(keys, Keyring) else Keyring.of("token", keys)


def issue_token(
    keys: Keyring | str, issuer: str, *, role: Role, org: str | None, department: str | None = None,
    ttl_s: int = 3600, now: float | None = None, max_ttl_s: int | None = None,
) -> str:
    """A signed token with the ring's active key (its id in the ``kid`` header)."""
    if role is not Role.PUBLIC and not org:
        raise ValueError(f"a {role.value} token must name its organization (--org)")
    if ttl_s <= 0:
        raise ValueError("--ttl must be a positive number of seconds")
    if max_ttl_s is not None and ttl_s > max_ttl_s:
        raise ValueError(f"--ttl {ttl_s} is longer than the maximum token lifetime of {max_ttl_s} seconds "
                         "(HUB_TOKEN_MAX_TTL)")
    ring = _ring(keys)
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {
        "iss": issuer, "aud": AUDIENCE, "sub": org or "public", "role": role.value,
        "iat": issued, "nbf": issued, "exp": issued + ttl_s, "jti": uuid.uuid4().hex,
    }
    if org:
        claims["org"] = org
    if department:
        claims["dept"] = department
    return jwt.encode(claims, ring.active_secret, algorithm=ALGORITHM, headers={"kid": ring.active})


def token_key_id(token: str) -> str | None:
    """The key id an HS256 token names in its header, unverified (None when it names none)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None
    kid = header.get("kid") if header.get("alg") == ALGORITHM else None
    return str(kid) if kid is not None else None


def token_claims(token: str) -> dict[str, object]:
    """The claims of a token, unverified (for ``hub token inspect``: what to revoke)."""
    try:
        return dict(jwt.decode(token, options={"verify_signature": False}))
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"token is malformed: {exc}") from None


def verify_token(keys: Keyring | str, issuer: str, token: str, *, max_ttl_s: int | None = None) -> Viewer:
    """Return the viewer a token speaks for, or raise :class:`InvalidToken` saying why."""
    return verify_token_until(keys, issuer, token, max_ttl_s=max_ttl_s)[0]


def verify_token_until(keys: Keyring | str, issuer: str, token: str, *,
                       max_ttl_s: int | None = None) -> tuple[Viewer, int]:
    """As :func:`verify_token`, with the token's expiry (``exp``, seconds since the epoch)."""
    ring = _ring(keys)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise InvalidToken("bearer token is not a JWT (expected header.payload.signature)") from None
    algorithm = str(header.get("alg", ""))
    if algorithm != ALGORITHM:
        raise InvalidToken(f"token algorithm {algorithm!r} is not accepted; hub tokens are {ALGORITHM}")
    kid = header.get("kid")
    if kid is not None:
        secret = ring.secret(str(kid))
        if secret is None:
            raise InvalidToken(f"token was signed with key {str(kid)[:40]!r}, which this hub does not hold "
                               "(retired, or never this hub's); ask the credit office for a new one")
        candidates = [secret]
    else:  # issued before key ids: any key on the ring may have signed it
        candidates = list(ring.keys.values())
    claims = _decode(token, candidates, issuer)
    issued_at = claims["iat"]
    if max_ttl_s is not None and int(claims["exp"]) - int(issued_at) > max_ttl_s:
        raise InvalidToken(f"token lives {int(claims['exp']) - int(issued_at)} seconds, longer than this hub's "
                           f"maximum token lifetime of {max_ttl_s} seconds; ask the credit office for a new one")
    try:
        role = Role(claims["role"])
    except ValueError:
        raise InvalidToken(f"token role {claims['role']!r} is not one of "
                           f"{', '.join(r.value for r in Role)}") from None
    org = claims.get("org")
    if role is not Role.PUBLIC and not org:
        raise InvalidToken(f"a {role.value} token must name its organization")
    return Viewer(role=role, org=org, department=claims.get("dept"), token_id=claims.get("jti"),
                  issued_at=int(issued_at)), int(claims["exp"])


class VerifiedTokens:
    """Tokens verified before, kept until they expire: a bank sends the same token with every request, and
    decoding and checking it again (three passes over it in PyJWT) was a tenth of a consented lookup's CPU.

    An entry is the exact token text, the ring object it verified under and its expiry. It answers only
    for that ring — a rotation or a retirement loads a new ring, so every token is verified again — and
    only until ``exp`` (with the leeway :func:`verify_token` allows). Revocation is not cached: the
    caller checks it on every request. What failed to verify is never kept."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[Keyring, Viewer, int]] = OrderedDict()

    def get(self, token: str, ring: Keyring) -> Viewer | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        kept_ring, viewer, expires = entry
        if kept_ring is not ring or time.time() >= expires + LEEWAY_S:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return viewer

    def put(self, token: str, ring: Keyring, viewer: Viewer, expires: int) -> None:
        self._entries[token] = (ring, viewer, expires)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _decode(token: str, secrets: list[str], issuer: str) -> dict[str, Any]:
    for secret in secrets:
        try:
            return _decode_with(token, secret, issuer)
        except jwt.InvalidSignatureError:
            continue
    raise InvalidToken("token signature does not verify: it was forged or tampered with") from None


def _decode_with(token: str, key: str, issuer: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=issuer,
            options={"require": ["exp", "iat", "sub", "role", "aud", "iss"]}, leeway=LEEWAY_S,
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token has expired; ask the credit office for a new one") from None
    except jwt.InvalidSignatureError:
        raise
    except jwt.ImmatureSignatureError:
        raise InvalidToken("token is not valid yet (nbf/iat in the future)") from None
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
        raise InvalidToken("token was not issued by this hub (wrong issuer or audience)") from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"token lacks the required claim {exc.claim!r}") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"token is malformed: {exc}") from None
