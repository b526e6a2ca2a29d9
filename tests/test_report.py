"""The authorized credit report: FORBIDDEN without consent, complete with it, audited with its consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.db import consents
from hub.disclosure import ConsentScope
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    add_evaluation,
    add_record,
    add_subject,
    bearer,
    register_bank,
    remove_subjects,
    resident_id,
    uscc,
)

SUBJECT = uscc(1200, region="410485")
BANK = "报告测试银行"
REPORT = """query($u: String!) { creditReport(uscc: $u) { consentId subject { uscc name }
  evaluations { scheme grade reasons } records { id kind disclosure } commitments { id kept }
  legalRepresentative { name idMasked } } }"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [SUBJECT])
    await register_bank(hub, BANK, "报告PDF银行")
    await add_subject(hub, SUBJECT, person_id=resident_id(1200), person_name="王五")
    await add_record(hub, SUBJECT, f"{SUBJECT}-commitment", kind="COMMITMENT", disclosure="PUBLIC",
                     decided_on=clock.today() - timedelta(days=90))
    await add_record(hub, SUBJECT, f"{SUBJECT}-contract", kind="CONTRACT_PERFORMANCE", disclosure="AUTHORIZED")
    await add_record(hub, SUBJECT, f"{SUBJECT}-complaint", kind="COMPLAINT", disclosure="INTERNAL")
    await add_evaluation(hub, SUBJECT, f"{SUBJECT}-public", scheme="henan-public-credit", grade="良",
                         disclosure="PUBLIC", score=80)
    await add_evaluation(hub, SUBJECT, f"{SUBJECT}-risk", scheme="henan-market-risk", grade="B",
                         disclosure="INTERNAL", score=300)


async def report(client: httpx.AsyncClient, headers: dict[str, str], code: str = SUBJECT) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": REPORT, "variables": {"u": code}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_bank_without_consent_is_forbidden(client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in (bearer(settings, "bank", BANK), {}):
        body = await report(client, headers)
        assert body["data"]["creditReport"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_with_consent_the_bank_gets_the_report_audited_with_it(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    now = clock.now()
    consent = await consents.create_consent(hub.gateway, Consent(
        id="consent-report-test", subject_uscc=SUBJECT, grantee=BANK, purpose="信易贷 loan review",
        granted_at=now, expires_at=now + timedelta(days=30), scopes=frozenset(ConsentScope)))
    assert consent is not None
    body = await report(client, bearer(settings, "bank", BANK))
    assert "errors" not in body, body
    data = body["data"]["creditReport"]
    assert data["consentId"] == "consent-report-test" and data["subject"]["uscc"] == SUBJECT
    assert {r["id"].removeprefix(f"{SUBJECT}-") for r in data["records"]} == {"commitment", "contract"}
    assert [c["id"] for c in data["commitments"]] == [f"{SUBJECT}-commitment"]
    assert {e["scheme"] for e in data["evaluations"]} == {"henan-public-credit"}
    masked = data["legalRepresentative"]["idMasked"]
    assert masked.startswith("410425") and "*" in masked and resident_id(1200) not in str(body)
    audited = await hub.gateway.run(
        "MATCH (a:AuditEntry {subject_uscc: $s, consent_id: 'consent-report-test'}) RETURN a.tier AS tier",
        {"s": SUBJECT})
    assert audited and audited[-1]["tier"] == "AUTHORIZED"


async def test_internal_viewers_get_the_whole_report(client: httpx.AsyncClient, settings: Settings) -> None:
    data = (await report(client, bearer(settings, "agency", "县市场监管局")))["data"]["creditReport"]
    assert {r["id"].removeprefix(f"{SUBJECT}-") for r in data["records"]} == {"commitment", "contract", "complaint"}
    assert {e["scheme"] for e in data["evaluations"]} == {"henan-public-credit", "henan-market-risk"}


async def test_a_malformed_code_is_a_clear_error(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await report(client, bearer(settings, "bank", BANK), code="91410485")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "has 8 characters" in body["errors"][0]["message"]


async def test_the_pdf_reads_back_with_only_what_the_bank_may_see(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    import base64
    import io

    from pypdf import PdfReader

    now = clock.now()
    await consents.create_consent(hub.gateway, Consent(
        id="consent-report-pdf", subject_uscc=SUBJECT, grantee="报告PDF银行", purpose="信易贷 loan review",
        granted_at=now, expires_at=now + timedelta(days=30), scopes=frozenset(ConsentScope)))
    response = await client.post("/graphql", headers=bearer(settings, "bank", "报告PDF银行"), json={
        "query": "query($u: String!) { creditReport(uscc: $u) { pdfBase64 } }", "variables": {"u": SUBJECT}})
    pdf = base64.b64decode(response.json()["data"]["creditReport"]["pdfBase64"])
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "信用报告" in text and SUBJECT in text and "王五" in text
    assert "consent-report-pdf" in text  # the authorization it was issued under
    assert "henan-public-credit" in text and "henan-market-risk" not in text  # risk classes are INTERNAL
    assert resident_id(1200) not in text and resident_id(1200)[:6] in text
    assert "COMPLAINT" not in text and "CONTRACT_PERFORMANCE" in text
