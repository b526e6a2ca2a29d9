"""The authorized credit report: FORBIDDEN without consent, complete with it, audited with its consent."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import segno
from pypdf import PdfReader

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
    gql,
    register_bank,
    remove_subjects,
    resident_id,
    uscc,
)

SUBJECT = uscc(1200, region="410485")
BANK = "报告测试银行"
PDF_BANK = "报告PDF银行"
OBJECT = "mutation($t: ID!, $r: String!) { fileObjection(targetId: $t, reason: $r) { status } }"
VERIFY = "query($n: String!, $d: String!) { verifyCreditReport(number: $n, digest: $d) }"
REPORT = """query($u: String!) { creditReport(uscc: $u) { consentId subject { uscc name }
  evaluations { scheme grade reasons } records { id kind disclosure } commitments { id kept }
  legalRepresentative { name idMasked } } }"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str, client: httpx.AsyncClient, settings: Settings) -> None:
    await remove_subjects(hub, [SUBJECT])
    await register_bank(hub, BANK, "报告PDF银行")
    await add_subject(hub, SUBJECT, person_id=resident_id(1200), person_name="王五")
    await add_record(hub, SUBJECT, f"{SUBJECT}-commitment", kind="COMMITMENT", disclosure="PUBLIC",
                     decided_on=clock.today() - timedelta(days=90))
    await add_record(hub, SUBJECT, f"{SUBJECT}-contract", kind="CONTRACT_PERFORMANCE", disclosure="AUTHORIZED",
                     department="410425-SCJG")
    filed = await gql(client, OBJECT, bearer(settings, "platform", "郏县公共信用信息平台"), t=f"{SUBJECT}-contract",
                      r="合同已按期履行，记录有误")  # a pending 异议 contests it: the report marks it
    assert filed["data"]["fileObjection"]["status"] == "PENDING", filed
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


async def issue_pdf(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> dict[str, Any]:
    """A report issued to the PDF bank (consented) over HTTP: number, digest and the PDF bytes."""
    now = clock.now()
    if await consents.get_consent(hub.gateway, "consent-report-pdf") is None:
        await consents.create_consent(hub.gateway, Consent(
            id="consent-report-pdf", subject_uscc=SUBJECT, grantee=PDF_BANK, purpose="信易贷 流动资金贷款审查",
            granted_at=now, expires_at=now + timedelta(days=30), scopes=frozenset(ConsentScope)))
    body = await gql(client, "query($u: String!) { creditReport(uscc: $u) { pdf { number digest pdfBase64 } } }",
                     bearer(settings, "bank", PDF_BANK), u=SUBJECT)
    assert "errors" not in body, body
    issued: dict[str, Any] = body["data"]["creditReport"]["pdf"]
    issued["bytes"] = base64.b64decode(issued["pdfBase64"])
    return issued


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_the_pdf_reads_back_with_only_what_the_bank_may_see(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    issued = await issue_pdf(client, settings, hub)
    pdf = issued["bytes"]
    assert pdf.startswith(b"%PDF")
    pages = text_of(pdf)
    text = "".join(pages)
    assert "公共信用信息报告" in text and SUBJECT in text and "王五" in text
    # the platform and its region, the number on every page with its page number, China time
    assert "henan-jiaxian 信用信息平台" in text and "行政区划 410425" in text
    assert all(issued["number"] in page and f"第 {n} 页 共 {len(pages)} 页" in page
               for n, page in enumerate(pages, start=1))
    assert f"{clock.now().astimezone(clock.CHINA):%Y年%m月%d日}" in text and "北京时间" in text
    # the authorization it was issued under
    assert "consent-report-pdf" in text and PDF_BANK in text and "信易贷 流动资金贷款审查" in text
    # Chinese names only: scheme, grade label, record kinds; INTERNAL items absent
    assert "河南省公共信用综合评价" in text and "良好" in text and "河南省企业信用风险分类" not in text
    assert "信用承诺" in text and "合同履行" in text and "投诉举报" not in text
    for code_name in ("henan-public-credit", "henan-market-risk", "CONTRACT_PERFORMANCE", "COMMITMENT", "COMPLAINT"):
        assert code_name not in text
    # the contested record is marked, the others are not
    contract_line = next(line for line in text.splitlines() if "合同履行" in line)
    commitment_line = next(line for line in text.splitlines() if "履约情况待认定" in line)
    assert contract_line.startswith("【异议处理中】") and "【异议处理中】" not in commitment_line
    assert "声明" in text and "不得向第三方提供" in text  # the legal notice
    assert resident_id(1200) not in text and resident_id(1200)[:6] in text


async def test_verify_credit_report_is_public_and_says_only_true_or_false(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    issued = await issue_pdf(client, settings, hub)
    pdf, number = issued["bytes"], issued["number"]
    assert issued["digest"] == hashlib.sha256(pdf).hexdigest()
    assert re.fullmatch(r"XYBG-410425-\d{8}-[A-Z2-7]{12}", number)

    async def verify(num: str, digest: str) -> dict[str, Any]:
        return await gql(client, VERIFY, n=num, d=digest)  # no token: PUBLIC

    assert (await verify(number, hashlib.sha256(pdf).hexdigest()))["data"] == {"verifyCreditReport": True}
    assert (await verify(number.lower(), hashlib.sha256(pdf).hexdigest().upper()))["data"]["verifyCreditReport"]
    altered = bytearray(pdf)
    altered[len(altered) // 2] ^= 0x01
    assert (await verify(number, hashlib.sha256(altered).hexdigest()))["data"] == {"verifyCreditReport": False}
    unknown = number[:-12] + ("A" * 12 if not number.endswith("A" * 12) else "B" * 12)
    unknown_answer = await verify(unknown, hashlib.sha256(pdf).hexdigest())
    wrong_digest_answer = await verify(number, hashlib.sha256(b"another file").hexdigest())
    assert unknown_answer == wrong_digest_answer == {"data": {"verifyCreditReport": False}}  # indistinguishable
    malformed = await verify(number, "abc")
    assert malformed["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "SHA-256" in malformed["errors"][0][
        "message"]
    assert (await verify("12345", hashlib.sha256(pdf).hexdigest()))["errors"][0]["extensions"]["code"] == (
        "BAD_USER_INPUT")
    stored = await hub.gateway.run("MATCH (r:CreditReportIssue {number: $n}) RETURN r.digest AS d, "
                                   "r.consent_id AS c, r.subject_uscc AS s", {"n": number})
    assert stored == [{"d": issued["digest"], "c": "consent-report-pdf", "s": SUBJECT}]


async def test_the_qr_code_carries_the_number(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    issued = await issue_pdf(client, settings, hub)
    # the QR code is drawn as squares: re-draw the matrix segno makes for the expected text and find its
    # first row of modules in the page content
    from hub.rights.report_pdf import verification_text

    expected = segno.make(verification_text(SimpleNamespace(  # type: ignore[arg-type]
        number=issued["number"], platform_id=settings.platform_id, platform_region=settings.region)), error="m")
    page = PdfReader(io.BytesIO(issued["bytes"])).pages[0]
    content = page.get_contents()
    assert content is not None
    drawn = content.get_data().decode("latin-1")
    squares = len(re.findall(r" re f", drawn))
    assert squares == sum(sum(row) for row in expected.matrix_iter(border=0))
    assert issued["number"] in verification_text(SimpleNamespace(  # type: ignore[arg-type]
        number=issued["number"], platform_id=settings.platform_id, platform_region=settings.region))


async def test_the_pdf_is_signed_with_the_platform_key(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from hub.exchange.signing import load_or_create_key
    from hub.rights.report_signing import CERTIFICATE_FILE

    issued = await issue_pdf(client, settings, hub)
    kept = x509.load_pem_x509_certificate((settings.secrets_dir / CERTIFICATE_FILE).read_bytes())
    platform_public = load_or_create_key(settings.signing_key_text, settings.signing_key_file).public_key()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert kept.public_key().public_bytes(*raw) == platform_public.public_bytes(*raw)
    root = asn1_x509.Certificate.load(kept.public_bytes(serialization.Encoding.DER))
    signatures = PdfFileReader(io.BytesIO(issued["bytes"])).embedded_signatures
    assert len(signatures) == 1
    status = await async_validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage is not None and status.coverage.name == "ENTIRE_FILE"  # nothing appended after the signature
    # a stranger's certificate is not a trust root for it
    other = await async_validate_pdf_signature(PdfFileReader(io.BytesIO(issued["bytes"])).embedded_signatures[0],
                                   ValidationContext(trust_roots=[]))
    assert not other.trusted


async def test_a_bank_without_consent_gets_no_pdf(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, "query($u: String!) { creditReport(uscc: $u) { pdf { number } } }",
                     bearer(settings, "bank", "无授权银行"), u=SUBJECT)
    assert body["data"]["creditReport"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_one_report_object_is_issued_once(client: httpx.AsyncClient, settings: Settings,
                                                hub: CreditHub) -> None:
    await issue_pdf(client, settings, hub)  # the consent exists
    body = await gql(client, "query($u: String!) { creditReport(uscc: $u) { a: pdf { number digest } "
                     "b: pdf { number digest } pdfBase64 } }", bearer(settings, "bank", PDF_BANK), u=SUBJECT)
    report = body["data"]["creditReport"]
    assert report["a"] == report["b"]
    assert hashlib.sha256(base64.b64decode(report["pdfBase64"])).hexdigest() == report["a"]["digest"]
    stored = await hub.gateway.run("MATCH (r:CreditReportIssue {number: $n}) RETURN count(r) AS n",
                                   {"n": report["a"]["number"]})
    assert stored == [{"n": 1}]
