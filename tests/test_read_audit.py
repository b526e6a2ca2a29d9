"""Who read a subject and when (issue 13 §1): the audit chain read back, for the credit office and the
departments that issued the subject's records — not for another department, not for a bank."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_record, add_subject, bearer, gql, register_bank, remove_subjects, resident_id, uscc

REGION = "411024"  # 鄢陵县: this module's subjects only
SUBJECT = uscc(9300, region=REGION)
ISSUER, OTHER = f"{REGION}-SCJG", f"{REGION}-ZJ"
BANK = "查阅记录银行"
READS = "query($u: String!) { subjectReads(uscc: $u) { action actor tier consentId at } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await remove_subjects(hub, [SUBJECT])
    await add_subject(hub, SUBJECT, person_id=resident_id(9300))
    await add_record(hub, SUBJECT, f"reads-{SUBJECT}", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                     department=ISSUER, decided_on=clock.today() - timedelta(days=10))
    await register_bank(hub, BANK)


async def test_the_credit_office_and_the_issuing_department_see_a_banks_read(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    admin = bearer(settings, "admin", "鄢陵县信用办")
    expires = (clock.now() + timedelta(days=5)).isoformat()
    granted = await gql(client, f"""mutation {{ grantConsent(uscc: "{SUBJECT}", grantee: "{BANK}", purpose: "信易贷",
        expiresAt: "{expires}") {{ id }} }}""", admin)
    consent = granted["data"]["grantConsent"]["id"]
    read = await gql(client, f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ name }} }} }}',
                     bearer(settings, "bank", BANK))
    assert read["data"]["subject"]["legalRepresentative"] is not None
    await hub.audit_log.drain()

    for viewer in (admin, bearer(settings, "agency", "鄢陵县市场监管局", department=ISSUER)):
        seen = await gql(client, READS, viewer, u=SUBJECT)
        entries = seen["data"]["subjectReads"]
        bank_reads = [e for e in entries if e["actor"] == f"bank:{BANK}"]
        assert bank_reads and bank_reads[0]["action"] == "read" and bank_reads[0]["consentId"] == consent
        assert bank_reads[0]["tier"] == "AUTHORIZED"
        assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)  # newest first


async def test_another_department_and_a_bank_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    other = await gql(client, READS, bearer(settings, "agency", "鄢陵县住建局", department=OTHER), u=SUBJECT)
    assert other["data"]["subjectReads"] is None
    [error] = other["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert f"departments that issued its records ({ISSUER})" in error["message"]
    bank = await gql(client, READS, bearer(settings, "bank", BANK), u=SUBJECT)
    assert bank["errors"][0]["extensions"]["code"] == "FORBIDDEN" and ISSUER not in bank["errors"][0]["message"]


async def test_an_unknown_subject_and_a_bad_code_are_named(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = bearer(settings, "admin", "鄢陵县信用办")
    unknown = await gql(client, READS, admin, u=uscc(9399, region=REGION))
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = await gql(client, READS, admin, u="not-a-code")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
