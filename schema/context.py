"""Per-request context: the viewer, the hub service, the profile loader, and the accesses used."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, partial
from typing import TypeVar

from strawberry.dataloader import DataLoader

from hub import audit
from hub.audit import AuditEvent
from hub.codes import parse_code
from hub.commitments import Commitment
from hub.disclosure import Access, Tier, Viewer
from hub.models import Consent, CreditRecord, SubjectProfile
from hub.profiles import NOTHING, ProfilePart, ProfileShape
from hub.rights.objections import Objection
from hub.rights.repair import RepairApplication
from hub.service import CreditHub
from hub.supervision.frequency import ClassFrequency
from hub.supervision.stored import InspectionPlan

ProfileKey = tuple[str, ProfileShape | frozenset[ProfilePart]]
T = TypeVar("T")


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
    served: list[audit.Served] = field(default_factory=list)
    operation: str | None = None  # for /metrics: type and root field (schema/operation_label.py)

    # Each loader is made when a request first uses one (most use only the profiles).
    @cached_property
    def profiles(self) -> DataLoader[ProfileKey, SubjectProfile | None]:
        return DataLoader(load_fn=self._load_profiles, cache=True)

    @cached_property
    def commitments(self) -> DataLoader[str, list[Commitment]]:
        return DataLoader(load_fn=self._load_commitments, cache=True)

    @cached_property
    def frequencies(self) -> DataLoader[InspectionPlan, list[ClassFrequency]]:
        return DataLoader(load_fn=self.hub.inspections.frequencies, cache=True)

    # a subject's file (schema/subject_file.py): every subject of a page at once, one statement each
    @cached_property
    def subject_consents(self) -> DataLoader[str, list[Consent]]:
        return DataLoader(load_fn=_by_code(partial(self.hub.subject_consents, viewer=self.viewer)), cache=True)

    @cached_property
    def subject_objections(self) -> DataLoader[str, list[Objection]]:
        return DataLoader(load_fn=_by_code(self.hub.subject_objections), cache=True)

    @cached_property
    def subject_repairs(self) -> DataLoader[str, list[RepairApplication]]:
        return DataLoader(load_fn=_by_code(self.hub.subject_repairs), cache=True)

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
        code = parse_code(uscc)
        await self.profiles.load((code, frozenset()))
        return self.access_for(code)

    def access_for(self, subject_uscc: str | None) -> Access:
        """The access to a subject, decided once per request by the consent rule (hub.disclosure)."""
        access = self.accesses.get(subject_uscc)
        if access is None:
            access = Access.of(self.viewer, subject_uscc, self.consents.get(subject_uscc or "", ()),
                               self.today, self.now)
            self.accesses[subject_uscc] = access
        return access

    def note_write(self, what: str, subject_uscc: str | None = None, consent_id: str | None = None) -> None:
        self.writes.append(audit.write_event(self.viewer, what, subject_uscc, consent_id))

    def note_served(self, what: str, subjects: Iterable[str | None], tier: Tier) -> None:
        """A list a root field served: audited as one read naming every subject it served (hub.audit)."""
        self.served.append(audit.Served.of(what, subjects, tier))

    def release(self) -> None:
        """Let go of what the request loaded, once it is answered and audited. graphql-core's execution keeps
        itself in a reference cycle (its resolve infos' helpers are its bound methods) and holds this context:
        without this, every profile, record and evaluation a request loaded waited for Python's cycle
        collector rather than going with the request (tests/test_request_garbage.py)."""
        for name in _LOADERS:
            loader = self.__dict__.pop(name, None)
            if loader is not None:
                loader.clear_all()
        for kept in (self.consents, self.records, self.accesses, self.writes, self.served):
            kept.clear()  # its audit entries are made (audit_events) before it is released

    def audit_events(self) -> list[AuditEvent]:
        """This request's audit entries, by the audit policy (hub.audit.request_events)."""
        return audit.request_events(self.viewer, self.writes, self.served, self.accesses.values())


# The context's loaders, as many as it declares: one added later is released with the others.
_LOADERS = tuple(name for name, member in vars(HubContext).items() if isinstance(member, cached_property))


def _by_code(load: Callable[[Sequence[str]], Awaitable[Mapping[str, list[T]]]],
             ) -> Callable[[Sequence[str]], Awaitable[list[list[T]]]]:
    """A loader's function from a service's ``{code: items}`` for the codes asked (none: an empty list)."""
    async def load_fn(codes: Sequence[str]) -> list[list[T]]:
        found = await load(codes)
        return [found.get(code, []) for code in codes]

    return load_fn
