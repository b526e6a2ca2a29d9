"""Per-request context: the viewer, the hub service, the profile loader, and the accesses used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from strawberry.dataloader import DataLoader

from hub.audit import AuditEvent
from hub.codes import InvalidCode, parse_uscc
from hub.commitments import Commitment
from hub.db.subjects import NOTHING, ProfilePart, ProfileShape
from hub.disclosure import Access, Role, Tier, Viewer
from hub.models import Consent, CreditRecord, SubjectProfile
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
    records: dict[str, dict[str, CreditRecord]] = field(default_factory=dict)
    accesses: dict[str | None, Access] = field(default_factory=dict)
    writes: list[AuditEvent] = field(default_factory=list)
    served: list[tuple[str, Tier, tuple[str, ...]]] = field(default_factory=list)
    profiles: DataLoader[ProfileKey, SubjectProfile | None] = field(init=False)
    commitments: DataLoader[str, list[Commitment]] = field(init=False)

    def __post_init__(self) -> None:
        self.profiles = DataLoader(load_fn=self._load_profiles, cache=True)
        self.commitments = DataLoader(load_fn=self._load_commitments, cache=True)

    async def _load_commitments(self, usccs: Sequence[str]) -> list[list[Commitment]]:
        """The commitments of every subject a request lists, in one round trip."""
        found = await self.hub.commitments.of_subjects(usccs)
        return [found.get(code, []) for code in usccs]

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
        """Keep the viewer's consents from this subject, and its records; the tier mechanism reads
        them (records: what an explanation cites). A profile loaded without records adds none."""
        uscc = profile.subject.uscc
        self.consents[uscc] = profile.consents
        if profile.records:
            self.records.setdefault(uscc, {}).update((record.id, record) for record in profile.records)

    def records_of(self, uscc: str) -> Mapping[str, CreditRecord]:
        return self.records.get(uscc, {})

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

    def note_served(self, what: str, subjects: Iterable[str | None], tier: Tier) -> None:
        """A list a root field served (the change feed, review flags, objections, a draw's targets):
        audited as one read naming every subject it served, whatever its tier."""
        self.served.append((what, tier, tuple(sorted({code for code in subjects if code}))))

    def audit_events(self) -> list[AuditEvent]:
        """Every read above PUBLIC, every list served, every refusal, every write of this request.

        An anonymous caller's refusals are one entry for the whole request (the fields refused and the
        subjects they were asked of): a query naming a refused field on a page of subjects must not
        append an entry per subject."""
        viewer = self.viewer
        events = list(self.writes)
        for what, tier, codes in self.served:
            events.append(AuditEvent(
                action="read", actor=viewer.label, role=viewer.role.value,
                subject_uscc=codes[0] if len(codes) == 1 else None, tier=tier.name, token_id=viewer.token_id,
                detail=f"{what} served {len(codes)} subjects: {', '.join(codes)}"))
        if viewer.role is Role.PUBLIC:
            refusal = _one_refusal(viewer, [a for a in self.accesses.values() if a.denied])
            return events + ([refusal] if refusal else [])
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


def _one_refusal(viewer: Viewer, accesses: list[Access]) -> AuditEvent | None:
    if not accesses:
        return None
    fields = sorted({what for access in accesses for what in access.denied})
    codes = sorted(access.subject_uscc or "-" for access in accesses)
    return AuditEvent(action="denied", actor=viewer.label, role=viewer.role.value,
                      subject_uscc=codes[0] if len(codes) == 1 and codes[0] != "-" else None,
                      tier=Tier.PUBLIC.name, token_id=viewer.token_id,
                      detail=f"{', '.join(fields)} on {len(codes)} subjects: {', '.join(codes)}")
