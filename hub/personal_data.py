"""Personal data of natural persons (legal representatives), stored so a database leak leaks nothing.

SPEC 2.5: a resident ID number is never shown whole outside INTERNAL and is not stored in clear.
The number is sealed with AES-256-GCM under a key held outside the database (``HUB_DATA_KEY`` or a
generated key file); a keyed fingerprint (HMAC-SHA256) lets the hub find the same person again
without decrypting; the masked form (``410425********123X``) is stored beside it for display.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.codes import mask_resident_id, parse_resident_id
from hub.errors import BadInput

_VERSION = "v1"

# The identity documents read as the resident ID (GB 11643) — the one whose format is checkable, and the
# number legal representatives are fingerprinted by, so the same person is one fingerprint however met.
RESIDENT_DOCUMENTS = frozenset({"身份证", "居民身份证"})


@dataclass(frozen=True)
class SealedId:
    sealed: str
    fingerprint: str
    masked: str


class PersonalDataVault:
    """Seals and unseals resident ID numbers with keys derived from one secret."""

    def __init__(self, secret: str) -> None:
        root = hashlib.sha256(secret.encode()).digest()
        self._aead = AESGCM(hmac.new(root, b"credit-hub/seal", hashlib.sha256).digest())
        self._fingerprint_key = hmac.new(root, b"credit-hub/fingerprint", hashlib.sha256).digest()

    def seal(self, resident_id: str) -> SealedId:
        value = parse_resident_id(resident_id)
        return SealedId(self.seal_text(value), self.fingerprint(value), mask_resident_id(value))

    def seal_document(self, document: str | None, number: str) -> SealedId:
        """A natural person's identity document sealed (a 双公示 row's 证件类型 and 证件号码).

        A resident ID (``document`` None or one of RESIDENT_DOCUMENTS) must be valid (``InvalidCode``
        otherwise) and is sealed as ``seal`` does, so its fingerprint is the one a legal representative
        with that number has. Another document (a passport…) has no checkable format: its fingerprint
        covers the document's name and the number (spaces dropped, upper case), its mask keeps the first
        and last two characters.
        """
        if document is None or document.strip() in RESIDENT_DOCUMENTS:
            return self.seal(number)
        kind, value = document.strip(), "".join(number.split()).upper()
        if not value:
            raise BadInput(f"the {kind} number is empty")
        masked = value[:2] + "*" * max(len(value) - 4, 1) + value[-2:] if len(value) > 4 else "*" * len(value)
        return SealedId(self.seal_text(value), self.fingerprint(f"{kind}\x1f{value}"), masked)

    def seal_text(self, text: str) -> str:
        """Any secret the database must hold but not show (an ID number, an unrevealed draw seed)."""
        nonce = os.urandom(12)
        ciphertext = self._aead.encrypt(nonce, text.encode(), _VERSION.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"

    def unseal(self, sealed: str) -> str:
        version, _, token = sealed.partition(":")
        if version != _VERSION:
            raise ValueError(f"unknown sealing version {version!r}")
        blob = base64.urlsafe_b64decode(token)
        return self._aead.decrypt(blob[:12], blob[12:], _VERSION.encode()).decode()

    def fingerprint(self, resident_id: str) -> str:
        return hmac.new(self._fingerprint_key, resident_id.upper().encode(), hashlib.sha256).hexdigest()
