"""Signed batches: every batch between platforms is a JWS (RFC 7515) signed with Ed25519 (RFC 8037).

Each platform has one Ed25519 key pair. Its private key is ``HUB_SIGNING_KEY`` (32 bytes, base64url)
or, when unset, generated once into ``$HUB_STATE_DIR/secrets/platform-ed25519.key`` (mode 0600); its
public key (``hub sync key``) is what peers put in their peers file. The JWS header's ``kid`` names
the signing platform; a batch opens only with that platform's registered key, so a relay — a
gateway, a proxy, an intermediate platform — that alters one byte of the batch makes it refused
whole. Signing the exact bytes (not a re-serialization) keeps verification independent of JSON
formatting on either side.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub import errors

ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vnd.credit-hub.batch+json"

_jws = jwt.PyJWS(algorithms=[ALGORITHM])


class BatchRefused(errors.BatchRefused):
    """A batch that is not opened at all: bad signature, unknown signer, malformed envelope.

    ``str()`` says why and is safe to return to the sender.
    """


@dataclass(frozen=True)
class OpenedBatch:
    signer: str
    payload: bytes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    try:
        raw = _unb64(text.strip())
    except ValueError:
        raise ValueError("HUB_SIGNING_KEY is not base64url") from None
    if len(raw) != 32:
        raise ValueError(f"HUB_SIGNING_KEY must be 32 bytes (an Ed25519 seed), got {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A peer's public key as its peers-file entry writes it (32 bytes, base64url)."""
    try:
        raw = _unb64(str(text).strip())
    except ValueError:
        raise ValueError("public_key is not base64url") from None
    if len(raw) != 32:
        raise ValueError(f"public_key must be 32 bytes of Ed25519, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return _b64(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def generate_key_text() -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    return _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def load_or_create_key(configured: str | None, path: Path) -> Ed25519PrivateKey:
    """The platform's signing key: the configured one, else the generated file (created once)."""
    if configured:
        return private_key_from_text(configured)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this hub won the race
            return private_key_from_text(path.read_text())
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_text())
    return private_key_from_text(path.read_text())


def sign(payload: bytes, key: Ed25519PrivateKey, signer: str, content_type: str = MEDIA_TYPE) -> str:
    """The payload (a batch, unless ``content_type`` says otherwise) as a compact JWS whose ``kid`` is
    the signing platform's id."""
    return _jws.encode(payload, key, algorithm=ALGORITHM, headers={"kid": signer, "cty": content_type})


class SignatureInvalid(ValueError):
    """A compact JWS that does not verify with the one key it is checked against; ``str()`` says why."""


def verify_with(token: str, key: Ed25519PublicKey) -> tuple[dict[str, object], bytes]:
    """Header and payload of a compact JWS signed with ``key`` (EdDSA), or :class:`SignatureInvalid`.

    For documents a third party checks against a key it obtained out of band (a draw's signed
    statements, docs/draw-protocol.md §6); a batch is opened with :func:`open_signed`, which first
    looks the signer's key up by ``kid``.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise SignatureInvalid("not a compact JWS (header.payload.signature)")
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_unb64(header_b64))
        signature, payload = _unb64(signature_b64), _unb64(payload_b64)
    except (ValueError, UnicodeDecodeError):
        raise SignatureInvalid("a segment is not base64url-encoded JSON") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise SignatureInvalid(f"the signature algorithm is not {ALGORITHM} (Ed25519)")
    try:
        key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        raise SignatureInvalid("the signature does not verify with the given public key: the document was "
                               "altered after signing, or signed with another key") from None
    return header, payload


def open_signed(token: str, keys: Mapping[str, Ed25519PublicKey]) -> OpenedBatch:
    """Verify a signed batch against the signer's registered key; raise :class:`BatchRefused`.

    Verification is RFC 7515 §5.2 done directly with ``cryptography``: the Ed25519 signature over
    ``BASE64URL(header) '.' BASE64URL(payload)``. (PyJWT's decoder checks every character of a segment
    in a Python loop — about 300 ms per megabyte, longer than applying the batch.)
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise BatchRefused("the batch is not a compact JWS (header.payload.signature)")
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_unb64(header_b64))
    except (ValueError, UnicodeDecodeError):
        raise BatchRefused("the batch's JWS header is not readable") from None
    if not isinstance(header, dict):
        raise BatchRefused("the batch's JWS header is not a JSON object")
    if header.get("alg") != ALGORITHM:
        raise BatchRefused(f"batch signature algorithm {header.get('alg')!r} is not accepted; "
                           f"batches are signed with {ALGORITHM} (Ed25519)")
    signer = header.get("kid")
    key = keys.get(signer) if isinstance(signer, str) else None
    if key is None or not isinstance(signer, str):
        raise BatchRefused(f"the batch is signed by {signer!r}, which is not a registered peer of this hub")
    try:
        signature, payload = _unb64(signature_b64), _unb64(payload_b64)
    except ValueError:
        raise BatchRefused("the signed batch is malformed: a segment is not base64url") from None
    try:
        key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        raise BatchRefused(f"the batch's signature does not verify with {signer}'s key: it was altered "
                           "after signing (or signed with another key); nothing of it was applied") from None
    return OpenedBatch(signer, payload)


def _unb64(segment: str) -> bytes:
    """base64url without padding (RFC 7515 §2), for keys and JWS segments alike; any other character
    is refused (ValueError)."""
    try:
        return base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None
