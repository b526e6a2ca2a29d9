"""The hub's application service: what the GraphQL face and the connectors call.

It composes the domain rules (codes, consent, disclosure, audit) with the Neo4j layer. Nothing
here knows GraphQL or HTTP; nothing above it writes Cypher.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub import audit as audit_chain
from hub import clock
from hub.clock import CHINA
from hub.codes import InvalidCode, is_uscc_prefix, parse_region, parse_uscc
from hub.db import audit_store, consents, evaluations, ingest, records, reporting, subjects, supervision
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import migrate
from hub.db.reporting import DepartmentCounts, DepartmentReporting
from hub.db.subjects import ProfilePart, SubjectPage
from hub.disclosure import ALL_SCOPES, ConsentScope, Viewer
from hub.errors import BadInput, NotFound
from hub.exchange.peers import Platform, load_peers
from hub.exchange.service import Exchange
from hub.exchange.signing import load_or_create_key
from hub.grading.models import ModelRegistry
from hub.grading.schemes import SchemeRegistry
from hub.inspections import Inspections
from hub.models import Consent, RecordStatus, SubjectKind, SubjectProfile
from hub.personal_data import PersonalDataVault
from hub.reevaluation import Reevaluator, RunSummary
from hub.rights.calendar import WorkingCalendar
from hub.rights.objections import Objections
from hub.rights.publicity import default_policy, load_policies
from hub.rights.repair import CreditRepair
from hub.settings import Settings
from hub.supervision.measures import MeasuresRegistry
from hub.warnings.rules import RuleBook
from hub.warnings.service import WarningService

MAX_CONSENT_DAYS = 366  # an authorization for one loan decision; renewable


class InvalidInput(BadInput):
    """A caller's input that breaks a rule; the message says which."""


@dataclass(frozen=True)
class SearchQuery:
    code_prefix: str | None
    name_contains: str | None

    @classmethod
    def parse(cls, text: str | None) -> SearchQuery:
        """A code prefix searches by code; anything else by name (CONTAINS, on a text index)."""
        term = (text or "").strip()
        if not term:
            return cls(None, None)
        if len(term) > 100:
            raise InvalidInput("search text is longer than 100 characters")
        if is_uscc_prefix(term):
            return cls(term.upper(), None)
        return cls(None, term)


class CreditHub:
    """One per process: holds the gateway and the keys, hands out the operations."""

    def __init__(self, settings: Settings, gateway: Neo4jGateway) -> None:
        self.settings = settings
        self.gateway = gateway
        self.vault = PersonalDataVault(settings.personal_data_key)
        self.schemes = SchemeRegistry(settings.schemes_dir)
        self.models = ModelRegistry(settings.models_dir)
        self.reevaluator = Reevaluator(gateway, self.schemes, self.models)
        self.measures = MeasuresRegistry(self.schemes, settings.measures_dir)
        self.inspections = Inspections(gateway, self.schemes, self.measures, self.vault)
        self.calendar = WorkingCalendar(settings.calendar_file)
        policies = load_policies()
        self.publicity = policies[settings.publicity_policy] if settings.publicity_policy else default_policy()
        self.objections = Objections(gateway, self.calendar, self.reevaluator.subjects, settings.platform_id)
        self.repair = CreditRepair(gateway, self.publicity, self.reevaluator.subjects, settings.platform_id)
        self.warnings = WarningService(gateway, RuleBook(settings.warning_rules_dir), self.schemes, self.calendar,
                                       platform_id=settings.platform_id, level=settings.level,
                                       poll_s=settings.warning_poll_s, window=settings.warning_window)
        self._audit_key = hashlib.sha256(("audit|" + settings.jwt_key).encode()).digest()
        self.exchange = Exchange(
            gateway, Platform(settings.platform_id, settings.level, settings.region), load_peers(settings.peers_file),
            load_or_create_key(settings.signing_key, settings.signing_key_file),
            settings.max_concurrent_batches)

    # --- lifecycle -------------------------------------------------------------------------
    async def migrate(self) -> int:
        return await migrate(self.gateway)

    async def ready(self) -> bool:
        return await self.gateway.ping()

    async def close(self) -> None:
        await self.gateway.close()

    # --- time -------------------------------------------------------------------------------
    @staticmethod
    def now() -> datetime:
        return clock.now()

    @staticmethod
    def today() -> date:
        """Today on the Chinese calendar (publicity windows and validity are Beijing dates)."""
        return clock.today()

    # --- subjects ---------------------------------------------------------------------------
    async def profiles(self, usccs: Sequence[str], parts: frozenset[ProfilePart],
                       viewer: Viewer) -> dict[str, SubjectProfile]:
        return await subjects.load_profiles(self.gateway, usccs, parts, _grantee(viewer))

    async def search(self, text: str | None, *, after: str | None, first: int,
                     parts: frozenset[ProfilePart], viewer: Viewer) -> SubjectPage:
        query = SearchQuery.parse(text)
        return await subjects.search_subjects(
            self.gateway, code_prefix=query.code_prefix, name_contains=query.name_contains,
            after=after, limit=first, parts=parts, grantee=_grantee(viewer))

    async def count_subjects(self) -> int:
        return await subjects.count_subjects(self.gateway)

    def unseal_resident_id(self, sealed: str) -> str:
        return self.vault.unseal(sealed)

    # --- consent ----------------------------------------------------------------------------
    async def grant_consent(self, *, uscc: str, grantee: str, purpose: str, expires_at: datetime,
                            scopes: frozenset[ConsentScope] | None, granted_by: Viewer) -> Consent:
        code = _code(uscc)
        now = self.now()
        expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=CHINA)
        if not grantee.strip():
            raise InvalidInput("grantee must name the bank's organization (as in its token's --org)")
        if not purpose.strip():
            raise InvalidInput("purpose must say what the authorization is for, e.g. 信易贷 loan review")
        if expires <= now:
            raise InvalidInput(f"expiresAt {expires.isoformat()} is not in the future")
        if expires > now + timedelta(days=MAX_CONSENT_DAYS):
            raise InvalidInput(f"expiresAt is more than {MAX_CONSENT_DAYS} days away; an "
                               "authorization must be renewed at least yearly")
        consent = Consent(
            id=f"consent-{uuid.uuid4().hex[:16]}", subject_uscc=code, grantee=grantee.strip(),
            purpose=purpose.strip(), granted_at=now, expires_at=expires,
            granted_by=granted_by.label, scopes=scopes or ALL_SCOPES)
        stored = await consents.create_consent(self.gateway, consent)
        if stored is None:
            raise NotFound(f"no subject with code {code} is known to this hub")
        return stored

    async def revoke_consent(self, consent_id: str) -> Consent:
        revoked = await consents.revoke_consent(self.gateway, consent_id, self.now())
        if revoked is None:
            raise NotFound(f"no consent with id {consent_id!r}")
        return revoked

    # --- evaluation -----------------------------------------------------------------------
    async def evaluate(self, scheme_ids: Sequence[str] | None = None, region: str | None = None, *,
                       batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> RunSummary:
        if region is not None:
            parse_region(region)
        return await self.reevaluator.run(scheme_ids, region, batch_size=batch_size, progress=progress)

    async def regrade(self, usccs: Sequence[str]) -> RunSummary:
        """Re-grade subjects whose records changed, without a full run."""
        return await self.reevaluator.subjects(usccs)

    async def set_record_status(self, record_id: str, status: RecordStatus) -> str:
        """Mark a record repaired or withdrawn (it stops counting) and re-grade its subject."""
        uscc = await records.set_status(self.gateway, record_id, status)
        if uscc is None:
            raise NotFound(f"no record with id {record_id!r}")
        await self.regrade([uscc])
        return uscc

    async def add_records(self, rows: Sequence[dict[str, object]]) -> int:
        """Store validated records and re-grade the subjects they concern."""
        count = await ingest.upsert_records(self.gateway, rows)
        await self.regrade(sorted({str(row["subject_uscc"]) for row in rows}))
        return count

    async def import_records(self, subjects: Mapping[str, str], rows: Sequence[dict[str, object]]) -> int:
        """Records from a file (双公示): unknown subjects are created from the file's names first."""
        await ingest.ensure_subjects(self.gateway, [
            {"uscc": code, "name": name or code, "kind": SubjectKind.from_uscc(code).value, "region": code[2:8]}
            for code, name in subjects.items()])
        return await self.add_records(rows)

    async def review_flags(self) -> list[dict[str, object]]:
        return await evaluations.open_flags(self.gateway)

    # --- 双公示 reporting -------------------------------------------------------------------
    async def record_reporting(self, import_id: str, *, kind: str, source_platform: str, received_on: date | None,
                               per_department: Mapping[str, DepartmentCounts]) -> int:
        """Keep one import's per-department counts for the rates of seed 004 §一.(二); recording the
        same ``import_id`` again replaces its counts rather than adding to them."""
        return await reporting.record_tallies(self.gateway, import_id, kind=kind, source_platform=source_platform,
                                              received_on=received_on, imported_at=self.now(),
                                              per_department=per_department)

    async def department_reporting(self, department: str | None = None, *, received_from: date | None = None,
                                   received_to: date | None = None) -> list[DepartmentReporting]:
        """合规率 and 及时率 per department, over every import or those received in a date range."""
        if received_from is not None and received_to is not None and received_from > received_to:
            raise InvalidInput(f"the received-on range starts on {received_from.isoformat()}, after it ends "
                               f"on {received_to.isoformat()}")
        return await reporting.department_rates(self.gateway, department=department,
                                                received_from=received_from, received_to=received_to)

    # --- supervision ------------------------------------------------------------------------
    async def inspection_plans(self) -> list[dict[str, object]]:
        return await supervision.list_plans(self.gateway)

    async def draws(self, plan_id: str | None = None) -> list[dict[str, object]]:
        return await supervision.list_draws(self.gateway, plan_id)

    async def draw_targets(self, draw_id: str, *, only_with_results: bool = False) -> list[dict[str, object]]:
        return await supervision.targets_of(self.gateway, draw_id, only_with_results=only_with_results)

    async def record_inspection_result(self, draw_id: str, uscc: str, result: str,
                                       notes: str) -> dict[str, object]:
        return await self.inspections.record_result(draw_id, uscc, result, notes)

    # --- audit ------------------------------------------------------------------------------
    async def audit(self, events: Sequence[audit_chain.AuditEvent]) -> None:
        if events:
            await audit_store.append(self.gateway, events, self._chain)

    async def verify_audit(self) -> audit_chain.VerifyReport:
        head = await audit_store.head(self.gateway)
        return await audit_chain.verify(self._audit_key, audit_store.entries(self.gateway), head)

    def _chain(self, seq: int, prev: str,
               events: Sequence[audit_chain.AuditEvent]) -> list[audit_chain.AuditEntry]:
        return audit_chain.chain(self._audit_key, seq, prev, events)


def _grantee(viewer: Viewer) -> str | None:
    """Only a bank's own consents matter to what it may see; others need none."""
    return viewer.org if viewer.role.value == "bank" else None


def _code(uscc: str) -> str:
    try:
        return parse_uscc(uscc).value
    except InvalidCode as exc:
        raise InvalidInput(str(exc)) from exc


def parse_code(uscc: str) -> str:
    """Validate a code for a caller (raises :class:`InvalidInput` saying what is wrong)."""
    return _code(uscc)
