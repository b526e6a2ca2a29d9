"""Every mutation, attacked with a foreign department's (or another party's) token over HTTP.

The attack of issue 10 §1: a 住建局 token filed an objection against a 市场监管局 penalty, upheld it itself,
and the penalty was withdrawn. Here each mutation of the schema has a case in :data:`CASES` that sends
it with a token that does not own the thing it touches, and checks both the refusal and that nothing
changed (the supervision mutations have theirs in tests/test_supervision_ownership.py).
:func:`test_every_mutation_has_a_foreign_token_case` enumerates the Mutation type, so a new mutation
without a case fails the suite. docs/tiers.md ("Who may write what") is the table these
cases check.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.authority import NotTheOwner
from hub.disclosure import Role, Viewer
from hub.models import RecordStatus
from hub.service import CreditHub
from hub.settings import Settings
from schema.build import build_schema
from tests import test_supervision_ownership, test_warnings
from tests.builders import (
    SCJG,
    ZJ,
    add_record,
    add_subject,
    bearer,
    department,
    gql,
    register_bank,
    remove_subjects,
    resident_id,
    uscc,
)

REGION = "410423"  # 鲁山县: a Henan county no other test module grades
SUBJECT = uscc(5100, region=REGION)
PENALTY, OLD_PENALTY = f"{SUBJECT}-penalty", f"{SUBJECT}-old-penalty"
BANK, OTHER_BANK = "外部测试银行甲", "外部测试银行乙"
PLATFORM_ORG = "郏县公共信用信息平台"

# The supervision mutations (plans, inspector pools, draws, results) are attacked with every stranger's
# token in tests/test_supervision_ownership.py; the completeness test counts a mutation that module sends.
SUPERVISION_CASES = inspect.getsource(test_supervision_ownership)
# The warning lifecycle (acknowledge, handle, dismiss) in tests/test_warnings.py, on warnings its engine raised.
WARNING_CASES = inspect.getsource(test_warnings.test_a_stranger_decides_no_warning)


@dataclass
class Attack:
    client: httpx.AsyncClient
    settings: Settings
    hub: CreditHub

    async def call(self, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
        return await gql(self.client, query, headers, **variables)

    def refused(self, body: dict[str, Any], *, code: str = "FORBIDDEN", says: str = "") -> str:
        assert body.get("data") is None or all(v is None for v in body["data"].values()), body
        [error] = body["errors"]
        assert error["extensions"]["code"] == code, error
        assert says in error["message"], error["message"]
        return str(error["message"])

    async def record_status(self, record_id: str) -> str:
        rows = await self.hub.gateway.run("MATCH (r:Record {id: $id}) RETURN r.status AS s", {"id": record_id})
        return str(rows[0]["s"])

    async def grade(self) -> str:
        rows = await self.hub.gateway.run(
            "MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: 'henan-public-credit'}) "
            "RETURN e.grade AS g", {"u": SUBJECT})
        return str(rows[0]["g"])


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [SUBJECT])
    await hub.gateway.run("MATCH (o:Objection {target_id: $p}) DETACH DELETE o", {"p": PENALTY}, write=True)
    today = clock.today()
    await add_subject(hub, SUBJECT, person_id=resident_id(5100))
    for record_id, decided, severity in ((PENALTY, today - timedelta(days=20), "SERIOUS"),
                                         (OLD_PENALTY, today - timedelta(days=400), "GENERAL")):
        await add_record(hub, SUBJECT, record_id, kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                         severity=severity, decided_on=decided, publicity_ends_on=decided + timedelta(days=1000),
                         department=SCJG)  # 市场监管局's penalties
    await hub.evaluate(["henan-public-credit"], REGION)
    await register_bank(hub, BANK, OTHER_BANK)


@pytest.fixture
def attack(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> Attack:
    return Attack(client, settings, hub)


GRANT = """mutation($u: String!, $g: String!, $e: DateTime!) {
  grantConsent(uscc: $u, grantee: $g, purpose: "信易贷", expiresAt: $e) { id } }"""
REVOKE = "mutation($i: ID!) { revokeConsent(id: $i) { id active } }"
FILE = "mutation($t: ID!) { fileObjection(targetId: $t, reason: \"处罚对象有误\") { id department status } }"
RESOLVE = "mutation($i: ID!) { resolveObjection(id: $i, upheld: true, reasons: \"撤回\") { status } }"
APPLY = "mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: \"已整改\") { id department status } }"
DECIDE = "mutation($i: ID!) { decideCreditRepair(id: $i, approve: true, reason: \"同意\") { status } }"
RECORD_COMMITMENT = """mutation($i: CommitmentInput!) { recordCommitment(input: $i) { id department } }"""
DECIDE_COMMITMENT = """mutation($i: ID!) { decideCommitmentFulfilment(id: $i, fulfilled: false, reasons: "未履约")
  { fulfilment } }"""
SUBMIT = """mutation($i: [CreditInformationInput!]!) { submitCreditInformation(items: $i) { stored { id outcome } } }"""
PUSH = "mutation { pushChanges(batch: \"x.y.z\") { applied } }"
ACK = "mutation { acknowledgeChanges(upTo: \"1\") }"


def _in_days(days: int) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def grant_consent(a: Attack) -> None:
    before = await a.hub.gateway.run("MATCH (c:Consent {subject_uscc: $u}) RETURN count(c) AS n", {"u": SUBJECT})
    for who in (department(a.settings, ZJ), bearer(a.settings, "bank", BANK), {}):
        body = await a.call(GRANT, who, u=SUBJECT, g=BANK, e=_in_days(30))
        a.refused(body, says="restricted to the roles admin, platform")
    after = await a.hub.gateway.run("MATCH (c:Consent {subject_uscc: $u}) RETURN count(c) AS n", {"u": SUBJECT})
    assert after == before


async def revoke_consent(a: Attack) -> None:
    granted = await a.call(GRANT, bearer(a.settings, "admin", "郏县信用办"), u=SUBJECT, g=BANK, e=_in_days(30))
    consent_id = granted["data"]["grantConsent"]["id"]
    a.refused(await a.call(REVOKE, bearer(a.settings, "bank", OTHER_BANK), i=consent_id),
              says="your bank does not hold this consent")
    a.refused(await a.call(REVOKE, department(a.settings, ZJ), i=consent_id), says="restricted to the roles")
    opened = await a.call('query($u: String!) { subject(uscc: $u) { legalRepresentative { idMasked } } }',
                          bearer(a.settings, "bank", BANK), u=SUBJECT)
    assert opened["data"]["subject"]["legalRepresentative"] is not None  # still in force


async def file_objection(a: Attack) -> None:
    a.refused(await a.call(FILE, bearer(a.settings, "bank", BANK), t=PENALTY), says="restricted to the roles")
    filed = await a.call(FILE, department(a.settings, ZJ), t=PENALTY)  # on the subject's behalf: allowed …
    objection = filed["data"]["fileObjection"]
    assert (objection["department"], objection["status"]) == (SCJG, "PENDING")  # … but routed to the issuer
    a.refused(await a.call(RESOLVE, department(a.settings, ZJ), i=objection["id"]), says=f"department {SCJG}")
    await a.hub.gateway.run("MATCH (o:Objection {id: $i}) DETACH DELETE o", {"i": objection["id"]}, write=True)


async def resolve_objection(a: Attack) -> None:
    """The attack of the issue, end to end: 住建局 files against 市场监管局's penalty and upholds it."""
    grade = await a.grade()
    filed = await a.call(FILE, bearer(a.settings, "platform", PLATFORM_ORG), t=PENALTY)
    objection_id = filed["data"]["fileObjection"]["id"]
    for who in (department(a.settings, ZJ), bearer(a.settings, "admin", "郏县信用办"),
                bearer(a.settings, "agency", "郏县市场监管局")):  # a department token without --department
        message = a.refused(await a.call(RESOLVE, who, i=objection_id), says=f"belongs to department {SCJG}")
        assert "only that department may change or decide it" in message
    assert await a.record_status(PENALTY) == "ACTIVE" and await a.grade() == grade
    pending = await a.hub.gateway.run("MATCH (o:Objection {id: $i}) RETURN o.status AS s", {"i": objection_id})
    assert pending[0]["s"] == "PENDING"
    await a.hub.gateway.run("MATCH (o:Objection {id: $i}) DETACH DELETE o", {"i": objection_id}, write=True)


async def apply_for_credit_repair(a: Attack) -> None:
    a.refused(await a.call(APPLY, bearer(a.settings, "bank", BANK), r=OLD_PENALTY), says="restricted to the roles")
    applied = (await a.call(APPLY, department(a.settings, ZJ), r=OLD_PENALTY))["data"]["applyForCreditRepair"]
    assert (applied["department"], applied["status"]) == (SCJG, "PENDING")  # decided by the issuer only
    assert await a.record_status(OLD_PENALTY) == "ACTIVE"


async def decide_credit_repair(a: Attack) -> None:
    applied = await a.call(APPLY, bearer(a.settings, "platform", PLATFORM_ORG), r=OLD_PENALTY)
    application_id = applied["data"]["applyForCreditRepair"]["id"]
    for who in (department(a.settings, ZJ), bearer(a.settings, "admin", "郏县信用办")):
        a.refused(await a.call(DECIDE, who, i=application_id), says=f"belongs to department {SCJG}")
    assert await a.record_status(OLD_PENALTY) == "ACTIVE"
    state = await a.hub.gateway.run("MATCH (r:RepairApplication {id: $i}) RETURN r.status AS s", {"i": application_id})
    assert state[0]["s"] == "PENDING"


def _commitment(**extra: str) -> dict[str, str]:
    return {"uscc": SUBJECT, "kind": "NOTIFICATION", "matter": "食品经营许可", "text": "承诺材料真实", **extra}


async def _commitments(a: Attack) -> list[Any]:
    rows = await a.hub.gateway.run("MATCH (c:Commitment {subject_uscc: $u}) RETURN c.id AS id, c.fulfilment AS f "
                                   "ORDER BY id", {"u": SUBJECT})
    return [(row["id"], row["f"]) for row in rows]


async def record_commitment(a: Attack) -> None:
    before = await _commitments(a)
    # a department records for itself only; a bank, the credit office and the public not at all
    a.refused(await a.call(RECORD_COMMITMENT, department(a.settings, ZJ), i=_commitment(department=SCJG)),
              says=f"belongs to department {SCJG}")
    # roles that never see recordCommitment never see its input type either: the field, named inline, is refused
    inline = (f'mutation {{ recordCommitment(input: {{uscc: "{SUBJECT}", kind: NOTIFICATION, matter: "食品经营许可", '
              'text: "承诺材料真实"}) { id } }')
    for who in (bearer(a.settings, "admin", "郏县信用办"), bearer(a.settings, "platform", PLATFORM_ORG)):
        a.refused(await a.call(inline, who), says="restricted to the roles agency")
    a.refused(await a.call(RECORD_COMMITMENT, bearer(a.settings, "agency", "郏县市场监管局"), i=_commitment()),
              says="an agency token with --department")
    assert await _commitments(a) == before


async def decide_commitment_fulfilment(a: Attack) -> None:
    made = await a.call(RECORD_COMMITMENT, department(a.settings, SCJG), i=_commitment())
    commitment_id = made["data"]["recordCommitment"]["id"]
    grade = await a.grade()
    for who in (department(a.settings, ZJ), bearer(a.settings, "agency", "郏县市场监管局")):
        a.refused(await a.call(DECIDE_COMMITMENT, who, i=commitment_id), says=f"belongs to department {SCJG}")
    a.refused(await a.call(DECIDE_COMMITMENT, bearer(a.settings, "admin", "郏县信用办"), i=commitment_id),
              says="restricted to the roles agency")
    assert (commitment_id, "PENDING") in await _commitments(a) and await a.grade() == grade


def _information(**extra: str) -> dict[str, str]:
    return {"sourceId": "own-system-1", "kind": "SELF_DISCLOSURE", "uscc": SUBJECT, "title": "年度报告",
            "content": "2025年度报告已公示", "decidedOn": clock.today().isoformat(), **extra}


async def submit_credit_information(a: Attack) -> None:
    made = await a.call(SUBMIT, department(a.settings, SCJG), i=[_information()])
    [own] = made["data"]["submitCreditInformation"]["stored"]
    # another department sending the same source id writes its own item, never the first department's
    other = await a.call(SUBMIT, department(a.settings, ZJ), i=[_information(title="篡改的标题")])
    assert other["data"]["submitCreditInformation"]["stored"][0]["id"] != own["id"]
    rows = await a.hub.gateway.run("MATCH (r:Record {id: $i}) RETURN r.title AS t, r.issuing_department AS d",
                                   {"i": own["id"]})
    assert (rows[0]["t"], rows[0]["d"]) == ("年度报告", SCJG)
    inline = (f'mutation {{ submitCreditInformation(items: [{{sourceId: "x", kind: HONOR, uscc: "{SUBJECT}", '
              'title: "t", decidedOn: "2026-01-05"}]) { received } }')
    for who in (bearer(a.settings, "admin", "郏县信用办"), bearer(a.settings, "platform", PLATFORM_ORG)):
        a.refused(await a.call(inline, who), says="restricted to the roles agency")
    a.refused(await a.call(SUBMIT, bearer(a.settings, "agency", "郏县市场监管局"), i=[_information()]),
              says="an agency token with --department")


async def push_changes(a: Attack) -> None:
    a.refused(await a.call(PUSH, department(a.settings, ZJ)), says="restricted to the roles platform")
    a.refused(await a.call(PUSH, bearer(a.settings, "platform", "某外省平台")), says="is not a peer of this hub")


async def acknowledge_changes(a: Attack) -> None:
    a.refused(await a.call(ACK, department(a.settings, ZJ)), says="restricted to the roles platform")
    a.refused(await a.call(ACK, bearer(a.settings, "platform", "某外省平台")), says="is not a peer of this hub")


HIGH_ATTENTION = """mutation($u: String!) { decideHighAttentionClass(uscc: $u, riskClass: "D", reason: "研判")
  { grade } }"""
REVIEW = """mutation($k: ID!) { reviewGradeDiscrepancy(key: $k, outcome: KEPT, reasons: "维持") { outcome } }"""


async def decide_high_attention_class(a: Attack) -> None:
    """Seed 004 第十条(三): only the department that owns henan-market-risk here decides C or D."""
    for who in (department(a.settings, ZJ), bearer(a.settings, "admin", "郏县信用办"),
                bearer(a.settings, "agency", "郏县市场监管局")):  # a department token without --department
        a.refused(await a.call(HIGH_ATTENTION, who, u=SUBJECT), says=f"belongs to department {SCJG}")
    for who in (bearer(a.settings, "bank", BANK), bearer(a.settings, "platform", PLATFORM_ORG)):
        a.refused(await a.call(HIGH_ATTENTION, who, u=SUBJECT), says="restricted to the roles")
    decided = await a.hub.gateway.run("MATCH (d:HighAttentionDecision {subject_uscc: $u}) RETURN count(d) AS n",
                                      {"u": SUBJECT})
    assert decided == [{"n": 0}]


async def review_grade_discrepancy(a: Attack) -> None:
    """Seed 001 §二.(四).2: a flag is reviewed by the owners of its two schemes (here the credit office and
    410425-SCJG), nobody else."""
    key = f"{SUBJECT}|henan-public-credit|jiaxian-food-industry"
    await a.hub.gateway.run(
        "MATCH (s:Subject {uscc: $u}) MERGE (f:ReviewFlag {key: $k}) SET f.status = 'OPEN', f.opened_at = $now, "
        "f.schemes = ['henan-public-credit', 'jiaxian-food-industry'], f.grades = ['优', 'D'], f.gap = 4, "
        "f.departments = ['platform', $scjg] MERGE (f)-[:CONCERNS]->(s)",
        {"u": SUBJECT, "k": key, "now": clock.now(), "scjg": SCJG}, write=True)
    try:
        for who in (department(a.settings, ZJ), bearer(a.settings, "agency", "郏县市场监管局")):
            a.refused(await a.call(REVIEW, who, k=key), says="reviewed by the owners of its schemes")
        for who in (bearer(a.settings, "bank", BANK), bearer(a.settings, "platform", PLATFORM_ORG)):
            a.refused(await a.call(REVIEW, who, k=key), says="restricted to the roles")
        state = await a.hub.gateway.run("MATCH (f:ReviewFlag {key: $k}) RETURN f.status AS s, "
                                        "count { (:DiscrepancyReview)-[:REVIEWS]->(f) } AS reviews", {"k": key})
        assert state == [{"s": "OPEN", "reviews": 0}]
    finally:
        await a.hub.gateway.run("MATCH (f:ReviewFlag {key: $k}) DETACH DELETE f", {"k": key}, write=True)


CASES: dict[str, Callable[[Attack], Awaitable[None]]] = {
    "grantConsent": grant_consent,
    "revokeConsent": revoke_consent,
    "fileObjection": file_objection,
    "resolveObjection": resolve_objection,
    "applyForCreditRepair": apply_for_credit_repair,
    "decideCreditRepair": decide_credit_repair,
    "recordCommitment": record_commitment,
    "decideCommitmentFulfilment": decide_commitment_fulfilment,
    "submitCreditInformation": submit_credit_information,
    "pushChanges": push_changes,
    "decideHighAttentionClass": decide_high_attention_class,
    "reviewGradeDiscrepancy": review_grade_discrepancy,
    "acknowledgeChanges": acknowledge_changes,
}


def test_every_mutation_has_a_foreign_token_case(settings: Settings) -> None:
    mutation_type = build_schema(settings)._schema.mutation_type
    assert mutation_type is not None
    names = set(mutation_type.fields)
    supervision = {name for name in names if re.search(rf"\{{ {name}\(", SUPERVISION_CASES)}
    assert supervision == {"createInspectionPlan", "setInspectors", "commitDraw", "freezeDraw", "revealDraw",
                           "recordInspectionResult"}
    warnings = {name for name in names if re.search(rf"\{{ {name}\(", WARNING_CASES)}
    assert warnings == {"acknowledgeWarning", "handleWarning", "dismissWarning"}
    missing = names - set(CASES) - supervision - warnings
    assert not missing, f"mutations without a foreign-token case in tests/test_write_authority.py: {sorted(missing)}"
    assert set(CASES) <= names, f"cases for mutations that are gone: {set(CASES) - names}"


@pytest.mark.parametrize("mutation", sorted(CASES))
async def test_a_foreign_token_changes_nothing(mutation: str, attack: Attack) -> None:
    await CASES[mutation](attack)


async def test_the_owner_and_only_the_owner_changes_a_record_through_the_service(hub: CreditHub) -> None:
    """No GraphQL door changes a record's status directly; the service answers every door the same."""
    for foreign in (Viewer(Role.AGENCY, "郏县住建局", ZJ), Viewer(Role.ADMIN, "郏县信用办"),
                    Viewer(Role.PLATFORM, PLATFORM_ORG)):
        with pytest.raises(NotTheOwner, match=f"belongs to department {SCJG}"):
            await hub.set_record_status(PENALTY, RecordStatus.WITHDRAWN, foreign)
    rows = await hub.gateway.run("MATCH (r:Record {id: $id}) RETURN r.status AS s", {"id": PENALTY})
    assert rows[0]["s"] == "ACTIVE"
