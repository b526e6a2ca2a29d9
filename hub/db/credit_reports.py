"""Issued credit reports (信用报告): the number and the digest of each PDF this hub issued.

Only what verification needs and what an auditor asks (who had it issued, about whom, under which
consent, when); never the report's content. ``verifyCreditReport`` reads the digest by number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.db.gateway import Neo4jGateway

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT credit_report_number IF NOT EXISTS FOR (r:CreditReportIssue) REQUIRE r.number IS UNIQUE",
)


@dataclass(frozen=True)
class IssuedReport:
    number: str
    digest: str
    issued_at: datetime
    subject_uscc: str
    issued_to: str
    consent_id: str | None


async def record_issue(gateway: Neo4jGateway, issued: IssuedReport) -> None:
    await gateway.run(
        """
        CREATE (:CreditReportIssue {number: $number, digest: $digest, issued_at: $issued_at,
                                    subject_uscc: $subject_uscc, issued_to: $issued_to, consent_id: $consent_id})
        """,
        {"number": issued.number, "digest": issued.digest, "issued_at": issued.issued_at,
         "subject_uscc": issued.subject_uscc, "issued_to": issued.issued_to, "consent_id": issued.consent_id},
        write=True)


async def digest_of(gateway: Neo4jGateway, number: str) -> str | None:
    """The digest stored for a report number, or None when this hub issued no such number."""
    rows = await gateway.query("MATCH (r:CreditReportIssue {number: $number}) RETURN r.digest AS digest",
                               {"number": number})
    return rows[0]["digest"] if rows else None
