"""Per-request context: the viewer, the hub service, the profile loader, and the accesses used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from strawberry.dataloader import DataLoader

from hub.audit import AuditEvent
from hub.codes import InvalidCode, parse_uscc
from hub.db.subjects import NOTHING, ProfilePart, ProfileShape
from hub.disclosure import Access, Tier, Viewer
from hub.models import Consent, SubjectProfile
from hub.service import CreditHub
from schema.errors import bad_input

ProfileKey = tuple[str, ProfileShape | frozenset[ProfilePart]]


@dataclass
class HubContext:
    viewer: Viewer
    hub: CreditHub
    now: datetime
    today: date
    consents: dict[str, tuple[Consent, ...]] = field(default_factory=dict)
    accesses: dict[str | None, Access] = field(default_factory=dict)
    writes: list[AuditEvent] = field(default_factory=list)
    profiles: DataLoader[ProfileKey, SubjectProfile | None] = field(init=False)

    def __post_init__(self) -> None:
        self.profiles = DataLoader(load_fn=self._load_profiles, cache=True)

    async def _load_profiles(self, keys: Sequence[ProfileKey]) -> list[SubjectProfile | None]:
        """All subject lookups of one request in one round trip (aliases, batched root fields)."""
        shape = NOTHING
        for key in keys:
            shape |= ProfileShape.of(key[1])
        found = await self.hub.profiles([key[0] for key in keys], shape, self.viewer)
        for profile in found.values():
            self.remember(profile)
        return [found.get(key[0]) for key in keys]

    def remember(self, profile: SubjectProfile) -> None:
        """Keep the viewer's consents from this subject; the tier mechanism reads them."""
        self.consents[profile.subject.uscc] = profile.consents

    async def access_for_code(self, uscc: str) -> Access:
        """The access to a subject named by a root field's argument, its consents loaded first."""
        try:
            code = parse_uscc(uscc).value
        except InvalidCode as exc:
            raise bad_input(str(exc)) from None
        await self.profiles.load((code, frozenset()))
        return self.access_for(code)

    def access_for(self, subject_uscc: str | None) -> Access:
        access = self.accesses.get(subject_uscc)
        if access is None:
            access = Access(self.viewer, subject_uscc, self.today)
            active = [c for c in self.consents.get(subject_uscc or "", ())
                      if c.grantee == self.viewer.org and c.is_active(self.now)]
            if active:
                latest = max(active, key=lambda c: c.expires_at)
                access.consent_id = latest.id
                access.consent_scopes = frozenset().union(*(c.scopes for c in active))
            self.accesses[subject_uscc] = access
        return access

    def note_write(self, what: str, subject_uscc: str | None = None, consent_id: str | None = None) -> None:
        """Every write is audited with who made it (seeds 000 §四.(一), 004 第十八条)."""
        viewer = self.viewer
        self.writes.append(AuditEvent(action="write", actor=viewer.label, role=viewer.role.value,
                                      subject_uscc=subject_uscc, consent_id=consent_id,
                                      token_id=viewer.token_id, detail=what))

    def audit_events(self) -> list[AuditEvent]:
        """Every read above PUBLIC, every refusal, every write of this request."""
        viewer = self.viewer
        events = list(self.writes)
        for access in self.accesses.values():
            if access.used_tier > Tier.PUBLIC:
                events.append(AuditEvent(
                    action="read", actor=viewer.label, role=viewer.role.value,
                    subject_uscc=access.subject_uscc, tier=access.used_tier.name,
                    consent_id=access.consent_id, token_id=viewer.token_id))
            if access.denied:
                events.append(AuditEvent(
                    action="denied", actor=viewer.label, role=viewer.role.value,
                    subject_uscc=access.subject_uscc, tier=access.tier.name,
                    consent_id=access.consent_id, token_id=viewer.token_id,
                    detail=", ".join(sorted(set(access.denied)))))
        return events
