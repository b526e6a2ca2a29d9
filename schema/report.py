"""The authorized credit report (信易贷): profile, current evaluations with explanations, records,
legal representative (masked ID) and commitments with whether they were kept. For a bank holding
the subject's unexpired consent, or INTERNAL viewers; each report is audited with its consent.

Its PDF (``pdf`` / ``pdfBase64``) is issued once per report object: numbered, signed with the platform
key and digested (hub.credit_reports); ``verifyCreditReport`` is PUBLIC and answers only whether a
number and a file digest belong together (docs/credit-report.md)."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.credit_reports import IssuedCreditReport
from hub.models import CreditRecord, Evaluation, Person, RecordKind, SubjectProfile
from hub.profiles import ALL_PARTS
from hub.rights.report_pdf import ConsentFacts, ReportContent
from schema import tiers
from schema.types import EvaluationType, PersonType, RecordType, SubjectType


@dataclass(frozen=True)
class CreditReport:
    profile: SubjectProfile
    generated_at: datetime
    consent_id: str | None
    # the one issue of this report's PDF, shared by `pdf` and `pdfBase64` (and their aliases)
    issuing: dict[str, asyncio.Future[IssuedCreditReport]] = field(default_factory=dict)

    @property
    def subject_uscc(self) -> str:
        return self.profile.subject.uscc


@strawberry.type(name="IssuedCreditReport", description="A credit report PDF as issued: its number, the SHA-256 "
                 "of its bytes (what verifyCreditReport checks) and the file.")
class IssuedCreditReportType:
    number: str = strawberry.field(description="The report number printed on every page (报告编号).")
    digest: str = strawberry.field(description="SHA-256 of the PDF bytes, 64 lowercase hexadecimal digits.")
    pdf_base64: str = strawberry.field(description="The signed PDF, base64.")


@strawberry.type(name="CreditReport", description="信用报告 for a loan decision (AUTHORIZED or INTERNAL).")
class CreditReportType:
    generated_at: datetime
    consent_id: str | None = strawberry.field(description="The authorization this report was issued under.")

    @strawberry.field
    def subject(self, root: strawberry.Parent[CreditReport]) -> SubjectType:
        return root.profile  # type: ignore[return-value]

    @strawberry.field(description="Current evaluations, each with its explanation.")
    def evaluations(self, root: strawberry.Parent[CreditReport], info: Info) -> list[EvaluationType]:
        current: list[Evaluation] = root.profile.current_evaluations(info.context.today)
        return current  # type: ignore[return-value]

    @strawberry.field
    def records(self, root: strawberry.Parent[CreditReport]) -> list[RecordType]:
        return list(root.profile.records)  # type: ignore[arg-type]

    @strawberry.field(description="信用承诺 and whether each was kept.")
    def commitments(self, root: strawberry.Parent[CreditReport]) -> list[RecordType]:
        kept: list[CreditRecord] = [r for r in root.profile.records if r.kind is RecordKind.COMMITMENT]
        return kept  # type: ignore[return-value]

    @strawberry.field
    def legal_representative(self, root: strawberry.Parent[CreditReport]) -> PersonType | None:
        person: Person | None = root.profile.subject.legal_representative
        return person  # type: ignore[return-value]

    @strawberry.field(description="The report as a signed PDF (base64) a loan officer can file; it holds only "
                      "what the viewer may see. The same issue as `pdf`.")
    async def pdf_base64(self, root: strawberry.Parent[CreditReport], info: Info) -> str:
        return base64.b64encode((await _issued(root, info)).pdf).decode()

    @strawberry.field(description="The report as issued: number, digest and the signed PDF.")
    async def pdf(self, root: strawberry.Parent[CreditReport], info: Info) -> IssuedCreditReportType:
        issued = await _issued(root, info)
        return IssuedCreditReportType(number=issued.number, digest=issued.digest,
                                      pdf_base64=base64.b64encode(issued.pdf).decode())


async def _issued(root: CreditReport, info: Info) -> IssuedCreditReport:
    future = root.issuing.get("pdf")
    if future is None:
        future = root.issuing["pdf"] = asyncio.ensure_future(_issue(root, info))
    return await future  # a cancelled request cancels the issue (a worker's render may still finish unused)


async def _issue(root: CreditReport, info: Info) -> IssuedCreditReport:
    context = info.context
    hub = context.hub
    profile, uscc = root.profile, root.subject_uscc
    current = profile.current_evaluations(context.today)
    evaluations = tiers.visible(context, current)
    person = profile.subject.legal_representative
    consent = next((c for c in context.consents.get(uscc, ()) if c.id == root.consent_id), None)
    schemes = {e.scheme: hub.schemes.get(e.scheme) for e in evaluations if e.scheme in hub.schemes}
    content = ReportContent(
        subject=profile.subject, generated_at=root.generated_at, consent_id=root.consent_id,
        viewer=context.viewer.org or context.viewer.label, evaluations=evaluations,
        records=tiers.visible(context, profile.records),
        legal_representative=person if person and tiers.field_allowed(
            context, "CreditReport", "legalRepresentative", uscc) else None,
        consent=ConsentFacts(consent.id, consent.grantee, consent.purpose, consent.granted_at, consent.expires_at)
        if consent is not None else None,
        scheme_names={key: scheme.name for key, scheme in schemes.items()},
        grade_labels={(key, grade.name): grade.label for key, scheme in schemes.items() for grade in scheme.grades})
    return await hub.credit_reports.issue(content, issued_to=context.viewer.label)


async def verify_credit_report(info: Info, number: str, digest: str) -> bool:
    return await info.context.hub.credit_reports.verify(number, digest)


async def credit_report(info: Info, uscc: str) -> CreditReportType | None:
    context = info.context
    access = await context.access_for_code(uscc)
    profile = await context.profiles.load((access.subject_uscc, ALL_PARTS))
    if profile is None:
        return None
    return CreditReport(profile, context.now, access.consent_id)  # type: ignore[return-value]
