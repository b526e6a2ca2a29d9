"""Grade discrepancies two rungs apart are reviewed, and the review is shown with the flag (seed 001 §二.(四).2).

"对同一市场主体评价等级存在两档以上差距的，要及时通报相关部门进行复核并说明理由": a subject graded 优 by the public
evaluation (rung 1, the credit office's) and D by 郏县市场监管局's food-industry evaluation (rung 5) is flagged;
each owning department records who reviewed, the reasons and the outcome (KEPT, CORRECTED, REGRADED); INTERNAL
viewers see the reviews with the flag; new grades reopen it, grades that agree clear it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import SCJG, ZJ, add_evaluation, add_subject, bearer, department, gql, remove_subjects, uscc

SPLIT = uscc(4400, region="410423")  # 鲁山: no county food scheme re-grades it here; its food grade is given
KEY = f"{SPLIT}|henan-public-credit|jiaxian-food-industry"

FLAGS = """{ reviewFlags { key subjectUscc grades status
  reviews { department reviewedBy outcome reasons grades } } }"""
REVIEW = """mutation($k: ID!, $o: DiscrepancyReviewOutcome!, $r: String!) {
  reviewGradeDiscrepancy(key: $k, outcome: $o, reasons: $r) { department reviewedBy outcome reasons grades } }"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await remove_subjects(hub, [SPLIT])
    await hub.gateway.run("MATCH (f:ReviewFlag {key: $k}) OPTIONAL MATCH (r:DiscrepancyReview)-[:REVIEWS]->(f) "
                          "DETACH DELETE r, f", {"k": KEY}, write=True)
    await add_subject(hub, SPLIT)
    await add_evaluation(hub, SPLIT, f"{SPLIT}-food-d", scheme="jiaxian-food-industry", grade="D",
                         disclosure="AUTHORIZED", score=40.0)
    await hub.regrade([SPLIT])  # no adverse records: 优 under henan-public-credit — four rungs from D


async def flag(client: httpx.AsyncClient, settings: Settings) -> dict[str, Any] | None:
    body = await gql(client, FLAGS, department(settings, SCJG))
    return next((f for f in body["data"]["reviewFlags"] if f["key"] == KEY), None)


async def test_the_departments_review_is_recorded_and_shown_with_the_flag(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    opened = await flag(client, settings)
    assert opened is not None and (opened["status"], opened["reviews"]) == ("OPEN", [])
    assert opened["grades"] == ["优", "D"]

    reasons = "食品行业评价依据两次抽检不合格，公共信用评价未纳入行业检查结果，两者口径不同，维持D级"
    kept = (await gql(client, REVIEW, department(settings, SCJG), k=KEY, o="KEPT", r=reasons))
    assert kept["data"]["reviewGradeDiscrepancy"] == {"department": SCJG, "reviewedBy": kept["data"][
        "reviewGradeDiscrepancy"]["reviewedBy"], "outcome": "KEPT", "reasons": reasons, "grades": ["优", "D"]}

    office = bearer(settings, "admin", "郏县信用办")  # the public evaluation is the platform's: the credit office
    before = await hub.gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: "
                                   "'henan-public-credit'}) RETURN e.id AS id", {"u": SPLIT})
    regraded = await gql(client, REVIEW, office, k=KEY, o="REGRADED", r="按最新归集数据重新评价")
    assert regraded["data"]["reviewGradeDiscrepancy"]["department"] == "platform"
    after = await hub.gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: "
                                  "'henan-public-credit'}) RETURN e.id AS id", {"u": SPLIT})
    assert after != before  # the reviewer's evaluation was re-made

    shown = await flag(client, settings)
    assert shown is not None and shown["status"] == "REVIEWED"  # the re-made grade is the same: still reviewed
    assert [(r["department"], r["outcome"], r["reasons"]) for r in shown["reviews"]] == [
        (SCJG, "KEPT", reasons), ("platform", "REGRADED", "按最新归集数据重新评价")]

    await add_evaluation(hub, SPLIT, f"{SPLIT}-food-c", scheme="jiaxian-food-industry", grade="C",
                         disclosure="AUTHORIZED", score=60.0)
    await hub.regrade([SPLIT])  # 优 and C: still two rungs apart, but not the grades reviewed
    reopened = await flag(client, settings)
    assert reopened is not None and (reopened["status"], reopened["grades"]) == ("OPEN", ["优", "C"])
    assert len(reopened["reviews"]) == 2  # the history stays with the flag

    await add_evaluation(hub, SPLIT, f"{SPLIT}-food-b", scheme="jiaxian-food-industry", grade="B",
                         disclosure="AUTHORIZED", score=80.0)
    await hub.regrade([SPLIT])  # 优 and B: one rung — cleared
    assert await flag(client, settings) is None
    late = await gql(client, REVIEW, department(settings, SCJG), k=KEY, o="KEPT", r="维持")
    assert late["errors"][0]["extensions"]["code"] == "CONFLICT" and "cleared" in late["errors"][0]["message"]


@pytest.mark.parametrize(("who", "key", "reasons", "code", "message"), [
    ("other department", KEY, "理由", "FORBIDDEN", "reviewed by the owners of its schemes"),
    ("owner", KEY, "  ", "BAD_USER_INPUT", "must give its reasons"),
    ("owner", "no|such|flag", "理由", "NOT_FOUND", "no review flag"),
])
async def test_only_an_owning_department_reviews_and_says_why(
        client: httpx.AsyncClient, settings: Settings, who: str, key: str, reasons: str, code: str,
        message: str) -> None:
    # (a bank or the public is refused the mutation by its tier rule: tests/test_refusals.py)
    viewer = {"other department": department(settings, ZJ), "owner": department(settings, SCJG)}[who]
    body = await gql(client, REVIEW, viewer, k=key, o="KEPT", r=reasons)
    assert body["data"]["reviewGradeDiscrepancy"] is None
    assert body["errors"][0]["extensions"]["code"] == code and message in body["errors"][0]["message"], body
