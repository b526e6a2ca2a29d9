"""Issuing and verifying credit reports (信用报告, seed 004 (三) 信用报告应用; docs/credit-report.md).

A report gets a number when it is issued: ``XYBG-<region>-<China date>-<12 random base32 characters>``.
The random part (60 bits) keeps numbers from being enumerated or counted — a sequence would tell
anyone holding two reports how many the hub issued between them. The PDF is rendered, signed with
the platform key and digested (SHA-256 of the signed bytes) in the renderer's worker processes; the
number and digest are stored, and :meth:`CreditReports.verify` answers one question only: did this
hub issue a report with this number whose file has exactly this digest. An unknown number and a
wrong digest give the same ``False`` by the same path (one indexed read, one constant-time compare),
so the answer does not tell whether a number exists to someone without the file.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass, replace

from hub.clock import CHINA
from hub.db import credit_reports as store
from hub.db.gateway import Neo4jGateway
from hub.errors import BadInput
from hub.rights.report_pdf import ReportContent, ReportRenderer
from hub.rights.report_signing import ReportSigner

NUMBER_PREFIX = "XYBG"  # 信用报告
NUMBER_SHAPE = re.compile(r"^XYBG-\d{6}-\d{8}-[A-Z2-7]{12}$")
DIGEST_SHAPE = re.compile(r"^[0-9a-f]{64}$")
_ABSENT = "0" * 64  # compared against when a number is unknown, so both paths do the same work


@dataclass(frozen=True)
class IssuedCreditReport:
    number: str
    digest: str  # SHA-256 (hex) of ``pdf``
    pdf: bytes


class CreditReports:
    def __init__(self, gateway: Neo4jGateway, renderer: ReportRenderer, signer: ReportSigner,
                 platform_id: str, region: str) -> None:
        self.gateway, self.renderer, self.signer = gateway, renderer, signer
        self.platform_id, self.region = platform_id, region

    def new_number(self, content: ReportContent) -> str:
        day = content.generated_at.astimezone(CHINA)
        tail = base64.b32encode(secrets.token_bytes(10)).decode()[:12]
        return f"{NUMBER_PREFIX}-{self.region}-{day:%Y%m%d}-{tail}"

    async def issue(self, content: ReportContent, issued_to: str) -> IssuedCreditReport:
        """Number, render, sign and digest a report, and keep its number and digest."""
        numbered = replace(content, number=self.new_number(content), platform_id=self.platform_id,
                           platform_region=self.region)
        issued = await self.renderer.issue(numbered, self.signer)
        await store.record_issue(self.gateway, store.IssuedReport(
            number=numbered.number, digest=issued.digest, issued_at=content.generated_at,
            subject_uscc=content.subject.uscc, issued_to=issued_to, consent_id=content.consent_id))
        return IssuedCreditReport(numbered.number, issued.digest, issued.pdf)

    async def verify(self, number: str, digest: str) -> bool:
        """Whether this hub issued report ``number`` and ``digest`` is the SHA-256 of its file, unaltered."""
        number, digest = number.strip().upper(), digest.strip().lower()
        if not NUMBER_SHAPE.match(number):
            raise BadInput(f"number {number[:40]!r} is not a credit report number (XYBG-<region>-<yyyymmdd>-"
                           "<12 characters>, as printed on the report)")
        if not DIGEST_SHAPE.match(digest):
            raise BadInput("digest must be the SHA-256 of the PDF file as 64 hexadecimal digits")
        stored = await store.digest_of(self.gateway, number)
        matches = hmac.compare_digest((stored or _ABSENT).encode(), digest.encode())
        return matches and stored is not None
