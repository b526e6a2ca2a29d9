"""The hub's application service: what the GraphQL face (schema/) and the CLI (hub/cli) call.

It composes the domain rules (codes, consent, disclosure, audit) with the Neo4j layer. Nothing
here knows GraphQL or HTTP; nothing above it writes Cypher. The connectors do not call it: the sync
job (connectors.platform) drives the exchange service it holds (``CreditHub.exchange``, hub.exchange),
and the file readers (connectors.shuanggongshi, connectors.archive) only turn files into checked rows,
which the CLI hands to this service (``import_file``) or to the bulk loader (hub.bulk_load).
"""

from __future__ import annotations

import difflib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub import audit as audit_chain
from hub import bank_consents, clock, read_audit
from hub.audit_log import AuditLog
from hub.auth import VerifiedTokens, token_key_id, verify_token_until
from hub.authority import PLATFORM, require_consent_keeper, require_consent_revoker, require_owner
from hub.bank_consents import ConsentPage, ConsentStatus
from hub.clock import CHINA
from hub.codes import is_uscc_prefix, parse_code, parse_region
from hub.commitments import Commitments
from hub.credit_check import CreditCheck, check
from hub.credit_info.submission import CreditInformation
from hub.credit_reports import CreditReports
from hub.db import (
    consents,
    distribution,
    organizations,
    records,
    reporting,
    subjects,
)
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import migrate
from hub.disclosure import ALL_SCOPES, ConsentScope, Viewer
from hub.discrepancy_reviews import DiscrepancyReviews, ReviewFlag
from hub.errors import BadInput, NotFound
from hub.exchange.peers import Platform, load_peers
from hub.exchange.service import Exchange
from hub.exchange.signing import load_or_create_key
from hub.grade_movement import GradeMovement, movement
from hub.grading.engine import ComputedBy
from hub.grading.reevaluation import Reevaluator, RunSummary, region_prefix
from hub.grading.schemes import SchemeRegistry
from hub.grading.scoring import ModelRegistry
from hub.high_attention import HighAttention
from hub.imports import FileImport, Importer, ImportOutcome
from hub.imports import Progress as ImportProgress
from hub.keyring import Keyring
from hub.models import Consent, OrganizationKind, RecordStatus, SubjectProfile
from hub.paging import page_size
from hub.person_records import PersonRecords
from hub.personal_data import PersonalDataVault
from hub.profiles import ProfilePart, Shape, SubjectPage
from hub.recent import Counted, Recent
from hub.reporting import MAX_REPORTING_MONTHS, DepartmentCounts, DepartmentReporting, MonthlyReporting
from hub.revocation import RevocationList
from hub.rights.calendar import WorkingCalendar
from hub.rights.objections import Objection, Objections
from hub.rights.origin import issued_elsewhere
from hub.rights.publicity import add_months, default_policy, load_policies
from hub.rights.repair import CreditRepair, RepairApplication
from hub.rights.report_pdf import ReportRenderer
from hub.rights.report_signing import CERTIFICATE_FILE, report_signer
from hub.settings import Settings
from hub.staff import StaffAccounts
from hub.supervision.inspections import Inspections
from hub.supervision.measures import MeasuresRegistry
from hub.supervision.statements import Notary
from hub.supervision.stored import Draw, DrawTarget, InspectionPlan
from hub.warnings.rules import RuleBook, RuleKind
from hub.warnings.service import WarningService

MAX_CONSENT_DAYS = 366  # an authorization for one loan decision; renewable
DEFAULT_PAGE = 20  # subjects in a page that asks for no size


class InvalidInput(BadInput):
    """A caller's input that breaks a rule; the message says which."""


class UnknownOrganization(BadInput):
    """A consent names a grantee that is not a registered bank (a typo would make a consent nobody can use)."""


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
        self.reevaluator = Reevaluator(gateway, self.schemes, self.models,
                                       computed_by=ComputedBy(settings.platform_id, settings.level))
        self.measures = MeasuresRegistry(self.schemes, settings.measures_dir)
        # One Ed25519 key per platform: it signs exchange batches and the statements of 双随机 draws.
        platform_key = load_or_create_key(settings.signing_key_text, settings.signing_key_file)
        self.inspections = Inspections(gateway, self.schemes, self.measures, self.vault,
                                       Notary(platform_key, settings.platform_id), self.regrade)
        self.calendar = WorkingCalendar(settings.calendar_file)
        policies = load_policies()
        self.publicity = policies[settings.publicity_policy] if settings.publicity_policy else default_policy()
        self.objections = Objections(gateway, self.calendar, self._regrade_after_decision, settings.platform_id,
                                     self.scheme_owner)
        self.commitments = Commitments(gateway, self.regrade, settings.platform_id)
        self.person_records = PersonRecords(gateway, self.vault)  # 自然人 decisions, INTERNAL (hub.person_records)
        self.credit_info = CreditInformation(gateway, self.regrade, self.publicity, settings.platform_id)
        self.repair = CreditRepair(gateway, self.publicity, self.reevaluator.subjects, settings.platform_id,
                                   self.calendar, self._repair_due_days)
        self.staff = StaffAccounts(gateway)  # the console's sign-in (hub.staff)
        self.revocations = RevocationList(gateway, settings.revocation_refresh_s, settings.token_max_ttl_s)
        self._token_ring_file = settings.jwt_keyring_file  # built once: a property that joins paths
        self._token_ring = settings.jwt_keyring
        self._verified_tokens = VerifiedTokens()
        self._token_ring_seen = (time.monotonic(), self._ring_mtime())
        audit_ring = settings.audit_keyring
        self.audit_log = AuditLog(gateway, audit_chain.AuditKeys.of(
            audit_ring.active, dict(audit_ring.keys), list(self._token_ring.keys.values())))
        self.warnings = WarningService(gateway, RuleBook(settings.warning_rules_dir), self.schemes, self.calendar,
                                       platform_id=settings.platform_id, level=settings.level,
                                       poll_s=settings.warning_poll_s, window=settings.warning_window)
        self.exchange = Exchange(
            gateway, Platform(settings.platform_id, settings.level, settings.region), load_peers(settings.peers_file),
            platform_key, settings.max_concurrent_batches, self.evaluation_issued)
        self.reports = ReportRenderer(settings.pdf_workers)
        # 信用报告: signed with the platform key under a kept self-signed certificate (hub.rights.report_signing)
        self.credit_reports = CreditReports(
            gateway, self.reports, report_signer(platform_key, settings.secrets_dir / CERTIFICATE_FILE,
                                                 settings.platform_id, settings.region),
            settings.platform_id, settings.region)
        self.grade_statistics = Recent(self._count_grade_movement, settings.statistics_max_age_s)
        self.discrepancy_reviews = DiscrepancyReviews(gateway, self.scheme_owner, self._regrade_after_decision)
        self.high_attention = HighAttention(gateway, self.schemes, self.models, settings.region,
                                            self._regrade_after_decision)

    def evaluation_issued(self, scheme_id: str, level: str | None) -> bool:
        """Whether an evaluation of ``scheme_id`` made on a platform of ``level`` (None: this hub) stands in its
        issuer's name: seed 000 §二.(一) reserves the public credit evaluation to the province (the scheme's
        ``reserved_to``); a scheme this hub does not know reserves nothing here."""
        if scheme_id not in self.schemes:
            return True
        return self.schemes.get(scheme_id).issued_at(level or self.settings.level)

    # --- lifecycle -------------------------------------------------------------------------
    async def migrate(self) -> int:
        return await migrate(self.gateway)

    async def ready(self) -> bool:
        return await self.gateway.ping()

    async def close(self) -> None:
        await self.audit_log.drain()
        self.reports.close()
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
    async def profiles(self, usccs: Sequence[str], parts: Shape,
                       viewer: Viewer) -> dict[str, SubjectProfile]:
        return await subjects.load_profiles(self.gateway, usccs, parts, viewer)

    async def search(self, text: str | None, *, after: str | None, first: int | None,
                     parts: Shape, viewer: Viewer) -> SubjectPage:
        """A page of ``first`` subjects (default 20, at most HUB_MAX_PAGE_SIZE) after the code ``after``."""
        size = page_size(first, self.settings.max_page_size, default=DEFAULT_PAGE)
        query = SearchQuery.parse(text)
        return await subjects.search_subjects(
            self.gateway, code_prefix=query.code_prefix, name_contains=query.name_contains,
            after=after, limit=size, parts=parts, viewer=viewer)

    async def count_search(self, text: str | None) -> int:
        """How many subjects ``search`` matches over every page (subjects are PUBLIC: SPEC §1)."""
        query = SearchQuery.parse(text)
        return await subjects.count_matching(self.gateway, code_prefix=query.code_prefix,
                                             name_contains=query.name_contains)

    async def tour_subject(self) -> tuple[str, str] | None:
        """(code, name) of a subject with AUTHORIZED records, for the tour `hub run` prints when ready."""
        return await subjects.with_most_authorized_records(self.gateway)

    async def count_subjects(self, region: str | None = None) -> int:
        """Every subject, or those of a region (a county, a city xxxx00, a province xx0000: as evaluate reads)."""
        if region is None:
            return await subjects.count_subjects(self.gateway)
        parse_region(region)
        return await subjects.count_subjects(self.gateway, region_prefix(region))

    def unseal_resident_id(self, sealed: str) -> str:
        return self.vault.unseal(sealed)

    # --- tokens (hub.auth, hub.keyring, hub.revocation) -------------------------------------
    @property
    def token_keys(self) -> Keyring:
        """The token keyring, re-read when its generated file changed (a rotation or a retirement
        elsewhere is seen within the revocation refresh interval; an unknown key id at once)."""
        ring_file = self._token_ring_file
        if ring_file is None:
            return self._token_ring
        checked, mtime = self._token_ring_seen
        if time.monotonic() - checked >= self.settings.revocation_refresh_s:
            current = ring_file.mtime()
            if current != mtime:
                self._token_ring = ring_file.load()
            self._token_ring_seen = (time.monotonic(), current)
        return self._token_ring

    def _ring_mtime(self) -> float | None:
        ring_file = self._token_ring_file
        return ring_file.mtime() if ring_file else None

    async def authenticate(self, token: str) -> Viewer:
        """The viewer a bearer token speaks for: signature under a key on the ring, lifetime within
        HUB_TOKEN_MAX_TTL, not revoked. Raises :class:`hub.auth.InvalidToken` (401) saying why."""
        ring = self.token_keys
        viewer = self._verified_tokens.get(token, ring)  # verified before under this very ring, not expired
        if viewer is None:
            viewer = self._verify(token, ring)
        await self.revocations.check(viewer)  # never cached: a revocation counts at once
        return viewer

    def _verify(self, token: str, ring: Keyring) -> Viewer:
        kid = token_key_id(token)
        if kid is not None and ring.secret(kid) is None and self._token_ring_file is not None:
            # a key rotated in elsewhere? look at the file again now (read only if it changed)
            self._token_ring_seen = (float("-inf"), self._token_ring_seen[1])
            ring = self.token_keys
        viewer, expires = verify_token_until(ring, self.settings.jwt_issuer, token,
                                             max_ttl_s=self.settings.token_max_ttl_s)
        self._verified_tokens.put(token, ring, viewer, expires)
        return viewer

    async def revoke_token(self, jti: str, *, by: str, reason: str = "") -> bool:
        if not jti.strip():
            raise InvalidInput("give the token id (jti) to revoke; `hub token inspect TOKEN` shows it")
        return await self.revocations.revoke_token(jti.strip(), by=by, reason=reason)

    async def revoke_organization_tokens(self, org: str, *, by: str, reason: str = "") -> int:
        if not org.strip():
            raise InvalidInput("give the organization whose tokens to revoke (as in their --org)")
        return await self.revocations.revoke_organization(org.strip(), by=by, reason=reason)

    # --- organizations ------------------------------------------------------------------------
    async def register_organization(self, name: str, kind: OrganizationKind) -> bool:
        """Make an organization known (a bank may then be named as a consent's grantee); True if new."""
        if not name.strip():
            raise InvalidInput("an organization needs a name (what its tokens' --org say)")
        return await organizations.register(self.gateway, name.strip(), kind.value, self.now())

    async def organizations(self, kind: OrganizationKind | None = None) -> list[tuple[str, str]]:
        return await organizations.names(self.gateway, kind.value if kind else None)

    async def _require_known_bank(self, grantee: str) -> None:
        kind = await organizations.kind_of(self.gateway, grantee)
        if kind == OrganizationKind.BANK.value:
            return
        if kind is not None:
            raise UnknownOrganization(f"grantee {grantee!r} is registered as {kind}, not as a bank: consents "
                                      "open a subject's data to a bank (信易贷)")
        banks = [name for name, _ in await organizations.names(self.gateway, OrganizationKind.BANK.value)]
        close = difflib.get_close_matches(grantee, banks, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(name) for name in close)}?" if close else ""
        raise UnknownOrganization(
            f"grantee {grantee!r} is not a bank known to this hub{hint} A bank becomes known when the credit "
            f"office registers it (`hub org add --kind bank NAME`) or issues it a token "
            f"(`hub token issue --role bank --org NAME`)")

    # --- consent ----------------------------------------------------------------------------
    async def grant_consent(self, *, uscc: str, grantee: str, purpose: str, expires_at: datetime,
                            scopes: frozenset[ConsentScope] | None, granted_by: Viewer) -> Consent:
        """Record a subject's authorization (授权书) of a bank. ``scopes`` None opens every scope (the
        contract's call without scopes, SPEC §4); an empty set is an error, never "everything"."""
        require_consent_keeper(granted_by, self.exchange.peers.by_id, "grantConsent")
        code = parse_code(uscc)
        now = self.now()
        expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=CHINA)
        if not grantee.strip():
            raise InvalidInput("grantee must name the bank's organization (as in its token's --org)")
        if scopes is not None and not scopes:
            raise InvalidInput("scopes is empty: a consent opens at least one of "
                               f"{', '.join(sorted(ALL_SCOPES))}; omit scopes to open all of them")
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
            granted_by=granted_by.label, scopes=ALL_SCOPES if scopes is None else scopes)
        await self._require_known_bank(consent.grantee)
        stored = await consents.create_consent(self.gateway, consent)
        if stored is None:
            raise NotFound(f"no subject with code {code} is known to this hub")
        return stored

    async def my_consents(self, viewer: Viewer, *, status: ConsentStatus | None, first: int | None,
                          after: str | None) -> ConsentPage:
        """The calling bank's own consents, newest first (hub.bank_consents: never another bank's)."""
        return await bank_consents.page(self.gateway, viewer, status=status, first=first, after=after,
                                        now=self.now())

    async def count_my_consents(self, viewer: Viewer, *, status: ConsentStatus | None) -> int:
        return await bank_consents.count(self.gateway, viewer, status=status, now=self.now())

    async def revoke_consent(self, consent_id: str, revoked_by: Viewer) -> Consent:
        """Withdraw an authorization: the subject's side, or the bank that holds it (hub.authority)."""
        held = await consents.get_consent(self.gateway, consent_id)
        if held is None:
            raise NotFound(f"no consent with id {consent_id!r}")
        require_consent_revoker(revoked_by, held.grantee, self.exchange.peers.by_id, f"revokeConsent {consent_id}")
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

    async def _regrade_after_decision(self, usccs: Sequence[str],
                                      scheme_ids: Sequence[str] | None) -> RunSummary | None:
        """Re-make evaluations after an upheld objection: of the given schemes that the hub grades
        (a scheme it has no model for is re-made by its department), or of every covered scheme."""
        if scheme_ids is None:
            return await self.reevaluator.subjects(usccs)
        graded = [scheme_id for scheme_id in scheme_ids if scheme_id in self.reevaluator.coverage]
        return await self.reevaluator.subjects(usccs, graded) if graded else None

    def _repair_due_days(self) -> int | None:
        """Working days a repair application is due in: the enabled ``repair-overdue`` rule's (the seeds say
        及时 and give no number; the credit office sets it in its rule file), None with no such rule."""
        rules = self.warnings.rules.enabled(RuleKind.REPAIR_OVERDUE)
        return min((rule.parameters.due_working_days for rule in rules), default=None)

    def scheme_owner(self, scheme_id: str | None) -> str:
        """Who owns the evaluations a scheme makes on this hub: a department code, or the platform."""
        if scheme_id is None or scheme_id not in self.schemes:
            return PLATFORM
        return self.schemes.get(scheme_id).owner_in(self.settings.region)

    async def set_record_status(self, record_id: str, status: RecordStatus, changed_by: Viewer) -> str:
        """Mark a record repaired or withdrawn (it stops counting) and re-grade its subject. Only the
        record's issuing department changes it (a record without one is the platform's: the credit office)."""
        found = await records.owner_of(self.gateway, record_id)
        if found is None:
            raise NotFound(f"no record with id {record_id!r}")
        department, origin = found
        elsewhere = issued_elsewhere(record_id, origin, self.settings.platform_id, "change its status")
        if elsewhere:
            raise InvalidInput(elsewhere)
        require_owner(changed_by, department or PLATFORM, f"record {record_id} ({status.value.lower()})")
        uscc = await records.set_status(self.gateway, record_id, status)
        if uscc is None:
            raise NotFound(f"no record with id {record_id!r}")
        await self.regrade([uscc])
        return uscc

    async def import_file(self, file: FileImport, progress: ImportProgress | None = None) -> ImportOutcome:
        """Records from a file (双公示) in bounded batches: stored (unknown subjects created from the file's
        names), tallied per department, and the subjects whose records changed re-graded (hub.imports).
        An import stopped part way resumes when the same file is imported again."""
        return await Importer(self.gateway, self.reevaluator).run(file, progress)

    async def review_flags(self) -> list[ReviewFlag]:
        return await self.discrepancy_reviews.standing()

    async def grade_distribution(self) -> list[distribution.GradeCount]:
        """How many subjects hold each grade of each scheme in force today (the console's charts)."""
        return await distribution.grade_distribution(self.gateway, self.today())

    async def grade_movement(self) -> Counted[GradeMovement]:
        """The grades in force by region and industry, and how they moved since the last evaluation; counted
        at most ``HUB_STATISTICS_MAX_AGE`` seconds ago (hub.recent: one scan of every evaluation in force)."""
        return await self.grade_statistics.get()

    async def _count_grade_movement(self) -> GradeMovement:
        return movement(await distribution.grade_breakdown(self.gateway, self.today()), self.schemes)

    # --- 事前信用核查 ------------------------------------------------------------------------
    async def credit_check(self, uscc: str, matter: str, viewer: Viewer) -> CreditCheck:
        """One answer for a department handling an application about ``matter`` (hub.credit_check).
        The GraphQL face admits only government callers (schema/tiers.py) and audits the answer."""
        code = parse_code(uscc)
        if not matter.strip():
            raise InvalidInput("matter is empty: name the application being handled (事项), e.g. 食品经营许可")
        if len(matter) > 200:
            raise InvalidInput("matter is longer than 200 characters")
        parts = frozenset({ProfilePart.RECORDS, ProfilePart.CURRENT_EVALUATIONS})
        found = await subjects.load_profiles(self.gateway, [code], parts, viewer)
        if code not in found:
            raise NotFound(f"no subject with code {code} is known to this hub")
        return check(found[code], matter.strip(), self.schemes, self.measures, self.today(), self.now())

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

    async def monthly_reporting(self, months: int, department: str | None = None) -> list[MonthlyReporting]:
        """合规率 and 及时率 per department and month, over the last ``months`` months (this one included)."""
        if not 1 <= months <= MAX_REPORTING_MONTHS:
            raise InvalidInput(f"months is {months}: give 1 to {MAX_REPORTING_MONTHS}")
        today = self.today()
        since = add_months(today.replace(day=1), 1 - months)
        return await reporting.monthly_rates(self.gateway, since=since, until=today, department=department)

    # --- a subject's file (the console's profile) ----------------------------------------------
    async def subject_consents(self, usccs: Sequence[str], viewer: Viewer) -> dict[str, list[Consent]]:
        """The consents each subject gave, newest first, as the viewer may list them: a bank only those granted
        to it (the others are other banks' business: hub.bank_consents), government all of them."""
        return await consents.of_subjects(self.gateway, usccs, viewer.grantee)

    async def subject_objections(self, usccs: Sequence[str]) -> dict[str, list[Objection]]:
        """Every objection each subject filed, newest first, with its state (INTERNAL: schema/tiers.py)."""
        return await self.objections.of_subjects(usccs)

    async def subject_repairs(self, usccs: Sequence[str]) -> dict[str, list[RepairApplication]]:
        """Every credit repair application of each subject, newest first, with its state (INTERNAL)."""
        return await self.repair.of_subjects(usccs)

    # --- supervision ------------------------------------------------------------------------
    async def inspection_plans(self, department: str | None = None) -> list[InspectionPlan]:
        return await self.inspections.plans(department)

    async def draws(self, plan_id: str | None = None) -> list[Draw]:
        return await self.inspections.draws(plan_id)

    async def draw_targets(self, draw_id: str, *, only_with_results: bool = False) -> list[DrawTarget]:
        return await self.inspections.targets(draw_id, only_with_results=only_with_results)

    async def record_inspection_result(self, draw_id: str, uscc: str, result: str, notes: str,
                                       viewer: Viewer) -> DrawTarget:
        return await self.inspections.record_result(draw_id, uscc, result, notes, viewer)

    # --- audit ------------------------------------------------------------------------------
    async def audit(self, events: Sequence[audit_chain.AuditEvent], *, wait: bool = True) -> None:
        """Commit ``events`` to the chain, batched with other requests' (group commit); ``wait=False``
        for what disclosed nothing: queued for the next batch, not waited for."""
        if wait:
            await self.audit_log.append(events)
        else:
            await self.audit_log.submit(events)

    async def reads_of(self, uscc: str, viewer: Viewer, first: int = 50) -> list[read_audit.ReadEntry]:
        """Who read a subject and when, newest first: for the credit office and the departments that issued
        its records (hub.read_audit)."""
        return await read_audit.reads_of(self.gateway, uscc, viewer, first)


