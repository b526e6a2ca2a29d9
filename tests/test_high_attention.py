"""社会高度关注行业 (seed 004 第十条(三)): C or D, decided case by case by the department with its reason.

"属于社会高度关注行业，根据情况直接定性为C类（信用风险较高）或D类（信用风险高）" — the hub's department that owns
henan-market-risk (410425-SCJG on the suite's 郏县 hub) decides for one subject; the risk class follows, and
the reason is kept with the evaluation. Until it decides, the subject is C.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.db import ingest
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import SCJG, ZJ, add_subject, bearer, department, gql, remove_subjects, uscc

FOOD, SHOP, MISSING = uscc(3300, region="410423"), uscc(3301, region="410423"), uscc(3399, region="410423")

DECIDE = """mutation($u: String!, $c: String!, $r: String!) { decideHighAttentionClass(uscc: $u, riskClass: $c,
  reason: $r) { subjectUscc riskClass reason department decidedBy grade } }"""
RISK = '{ subject(uscc: "%s") { riskClassification { grade reasons explanation { indicator note } } } }'


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await remove_subjects(hub, [FOOD, SHOP])
    await add_subject(hub, FOOD)  # 食品生产: of high public concern in the default catalogue
    await add_subject(hub, SHOP)
    await ingest.upsert_subjects(hub.gateway, [{  # 批发零售: not of high concern
        "uscc": SHOP, "name": "鲁山测试商店", "kind": "ENTERPRISE", "region": "410423", "industry": "批发零售",
        "status": "存续", "registered_on": None, "person": None}])
    await hub.regrade([FOOD, SHOP])


async def risk(client: httpx.AsyncClient, settings: Settings, code: str) -> dict[str, Any]:
    body = await gql(client, RISK % code, department(settings, SCJG))
    return dict(body["data"]["subject"]["riskClassification"])


async def test_the_department_decides_c_or_d_case_by_case_with_its_reason(
        client: httpx.AsyncClient, settings: Settings) -> None:
    undecided = await risk(client, settings, FOOD)
    assert undecided["grade"] == "C"  # the lesser, until the department decides
    assert not [line for line in undecided["explanation"] if line["indicator"] == "high_attention.decision"]

    reason = "近一年两次食品安全抽检不合格，生产规模大，面向学校供餐"
    decided = (await gql(client, DECIDE, department(settings, SCJG), u=FOOD, c="D", r=reason))
    result = decided["data"]["decideHighAttentionClass"]
    assert (result["riskClass"], result["grade"], result["department"], result["reason"]) == ("D", "D", SCJG, reason)
    after = await risk(client, settings, FOOD)
    assert after["grade"] == "D"
    assert any("decided D by the department" in line and "seed 004 第十条(三)" in line for line in after["reasons"])
    [line] = [line for line in after["explanation"] if line["indicator"] == "high_attention.decision"]
    assert SCJG in line["note"] and reason in line["note"]  # who decided, and why, with the evaluation

    back = await gql(client, DECIDE, department(settings, SCJG), u=FOOD, c="C", r="整改完成，抽检合格")
    assert back["data"]["decideHighAttentionClass"]["grade"] == "C"  # the newest decision stands
    assert (await risk(client, settings, FOOD))["grade"] == "C"


@pytest.mark.parametrize(("who", "code", "risk_class", "reason", "error", "message"), [
    ("other department", FOOD, "D", "理由", "FORBIDDEN", "410425-SCJG"),
    ("admin", FOOD, "D", "理由", "FORBIDDEN", "410425-SCJG"),
    ("owner", FOOD, "B", "理由", "BAD_USER_INPUT", "riskClass 'B'"),
    ("owner", FOOD, "D", "  ", "BAD_USER_INPUT", "must give its reason"),
    ("owner", SHOP, "D", "理由", "BAD_USER_INPUT", "industry '批发零售' is not one of high public concern"),
    ("owner", MISSING, "D", "理由", "NOT_FOUND", "no subject"),
])
async def test_a_decision_nobody_may_take_is_refused_by_name(
        client: httpx.AsyncClient, settings: Settings, who: str, code: str, risk_class: str, reason: str,
        error: str, message: str) -> None:
    viewer = {"other department": department(settings, ZJ), "admin": bearer(settings, "admin", "郏县信用办"),
              "owner": department(settings, SCJG)}[who]
    before = await risk(client, settings, FOOD)
    body = await gql(client, DECIDE, viewer, u=code, c=risk_class, r=reason)
    assert body["data"]["decideHighAttentionClass"] is None
    assert body["errors"][0]["extensions"]["code"] == error and message in body["errors"][0]["message"], body
    assert (await risk(client, settings, FOOD))["grade"] == before["grade"]
