"""The authorized credit report (信易贷): profile, current evaluations with explanations, records,
legal representative (masked ID) and commitments with whether they were kept. For a bank holding
the subject's unexpired consent, or INTERNAL viewers; each report is audited with its consent."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.models import CreditRecord, Evaluation, Person, RecordKind, SubjectProfile
from hub.profiles import ALL_PARTS
from hub.rights.report_pdf import ReportContent
from schema import tiers
from schema.types import EvaluationType, PersonType, RecordType, SubjectType


@dataclass(frozen=True)
class CreditReport:
    profile: SubjectProfile
    generated_at: datetime
    consent_id: str | None

    @property
    def subject_uscc(self) -> str:
        return self.profile.subject.uscc


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

    @strawberry.field(description="The report as a PDF (base64) a loan officer can file; it holds only "
                      "what the viewer may see.")
    async def pdf_base64(self, root: strawberry.Parent[CreditReport], info: Info) -> str:
        context = info.context
        profile, uscc = root.profile, root.subject_uscc
        current = profile.current_evaluations(context.today)
        person = profile.subject.legal_representative
        content = ReportContent(
            subject=profile.subject, generated_at=root.generated_at, consent_id=root.consent_id,
            viewer=context.viewer.label, evaluations=tiers.visible(context, current),
            records=tiers.visible(context, profile.records),
            legal_representative=person if person and tiers.field_allowed(
                context, "CreditReport", "legalRepresentative", uscc) else None)
        return base64.b64encode(await context.hub.reports.render(content)).decode()


async def credit_report(info: Info, uscc: str) -> CreditReportType | None:
    context = info.context
    access = await context.access_for_code(uscc)
    profile = await context.profiles.load((access.subject_uscc, ALL_PARTS))
    if profile is None:
        return None
    return CreditReport(profile, context.now, access.consent_id)  # type: ignore[return-value]
