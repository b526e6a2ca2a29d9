"""Bearer tokens: who is calling (SPEC §4). Signed HS256 JWTs, issued by ``hub token issue``.

No ``Authorization`` header means PUBLIC. Anything else that is not a valid, unexpired token signed
with the hub's key — forged, tampered, ``alg: none``, expired, garbage — is refused with a message
that says which of those it is (HTTP 401 at the edge).
"""

from __future__ import annotations

import time
import uuid

import jwt

from hub.disclosure import Role, Viewer
from hub.errors import Unauthenticated

ALGORITHM = "HS256"
AUDIENCE = "credit-hub"


class InvalidToken(Unauthenticated):
    """A bearer token the hub refuses; ``str()`` is safe to show the caller."""


def issue_token(
    key: str, issuer: str, *, role: Role, org: str | None, department: str | None = None,
    ttl_s: int = 3600, now: float | None = None,
) -> str:
    if role is not Role.PUBLIC and not org:
        raise ValueError(f"a {role.value} token must name its organization (--org)")
    if ttl_s <= 0:
        raise ValueError("--ttl must be a positive number of seconds")
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {
        "iss": issuer, "aud": AUDIENCE, "sub": org or "public", "role": role.value,
        "iat": issued, "nbf": issued, "exp": issued + ttl_s, "jti": uuid.uuid4().hex,
    }
    if org:
        claims["org"] = org
    if department:
        claims["dept"] = department
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_token(key: str, issuer: str, token: str) -> Viewer:
    """Return the viewer a token speaks for, or raise :class:`InvalidToken` saying why."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise InvalidToken("bearer token is not a JWT (expected header.payload.signature)") from None
    algorithm = str(header.get("alg", ""))
    if algorithm != ALGORITHM:
        raise InvalidToken(f"token algorithm {algorithm!r} is not accepted; hub tokens are {ALGORITHM}")
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=issuer,
            options={"require": ["exp", "iat", "sub", "role", "aud", "iss"]}, leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token has expired; ask the credit office for a new one") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("token signature does not verify: it was forged or tampered with") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("token is not valid yet (nbf/iat in the future)") from None
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
        raise InvalidToken("token was not issued by this hub (wrong issuer or audience)") from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"token lacks the required claim {exc.claim!r}") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"token is malformed: {exc}") from None
    try:
        role = Role(claims["role"])
    except ValueError:
        raise InvalidToken(f"token role {claims['role']!r} is not one of "
                           f"{', '.join(r.value for r in Role)}") from None
    org = claims.get("org")
    if role is not Role.PUBLIC and not org:
        raise InvalidToken(f"a {role.value} token must name its organization")
    return Viewer(role=role, org=org, department=claims.get("dept"), token_id=claims.get("jti"))
