"""A bank's own consents (授权), as it lists them: only those granted to the calling bank, paged.

A consent is between a subject and one bank (信易贷): another bank has no business knowing it exists, so
the list — and its count — is the grantee's alone, decided here from the token's ``org`` claim, never from
an argument (docs/tiers.md, "Organizations and consents").
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.db import consents as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import BadInput, Forbidden
from hub.models import Consent
from hub.paging import page_size

MAX_PAGE = 100
DEFAULT_PAGE = 20
_CURSOR_PREFIX = "consent:"


class ConsentStatus(StrEnum):
    """Where a consent stands now: in force, past its expiry, or withdrawn."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"

    @classmethod
    def of(cls, consent: Consent, now: datetime) -> ConsentStatus:
        if consent.revoked_at is not None:
            return cls.REVOKED
        return cls.ACTIVE if consent.is_active(now) else cls.EXPIRED


@dataclass(frozen=True)
class ConsentPage:
    consents: tuple[Consent, ...]
    has_next: bool


def grantee_of(viewer: Viewer) -> str:
    """The bank a viewer speaks for; Forbidden for anyone else (the tier rule refuses them first)."""
    if viewer.role is not Role.BANK or not viewer.org:
        raise Forbidden("only a bank lists its consents, with a bank token naming its organization")
    return viewer.org


def encode_cursor(consent: Consent) -> str:
    text = f"{_CURSOR_PREFIX}{consent.granted_at.isoformat()}|{consent.id}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        at, _, consent_id = text.removeprefix(_CURSOR_PREFIX).partition("|")
        if not text.startswith(_CURSOR_PREFIX) or not consent_id:
            raise ValueError(text)
        return datetime.fromisoformat(at), consent_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput(f"after cursor {cursor!r} is not one this hub issued") from None


async def page(gateway: Neo4jGateway, viewer: Viewer, *, status: ConsentStatus | None, first: int | None,
               after: str | None, now: datetime) -> ConsentPage:
    """The calling bank's consents, newest grant first."""
    grantee = grantee_of(viewer)
    size = page_size(first, MAX_PAGE, default=DEFAULT_PAGE)
    position = decode_cursor(after) if after else None
    rows = await store.granted_to(gateway, grantee, status=status and status.value, now=now,
                                  after=position, limit=size + 1)
    return ConsentPage(tuple(rows[:size]), has_next=len(rows) > size)


async def count(gateway: Neo4jGateway, viewer: Viewer, *, status: ConsentStatus | None, now: datetime) -> int:
    """How many consents :func:`page` would list over every page."""
    return await store.count_granted_to(gateway, grantee_of(viewer), status=status and status.value, now=now)
