"""gradingSchemes and classify over GraphQL: the standards are public, errors are clear."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CLASSIFY = """query($scheme: ID!, $score: Float, $flags: [String!]) {
  classify(scheme: $scheme, score: $score, flags: $flags) { scheme grade level ladder reasons overriddenBy } }"""


async def classify(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    return (await client.post("/graphql", json={"query": CLASSIFY, "variables": variables})).json()


async def test_grading_schemes_are_public_with_their_boundaries(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": """{ gradingSchemes {
        id disclosure scale categorical grades { name interval ladder levels { name interval } }
        overrides { flag forces } } }"""})).json()
    schemes = {s["id"]: s for s in body["data"]["gradingSchemes"]}
    assert {"henan-public-credit", "shanxi-public-credit", "henan-market-risk", "quanzhou-industry",
            "heilongjiang-industry"} <= set(schemes)
    henan = schemes["henan-public-credit"]
    assert [(g["name"], g["interval"]) for g in henan["grades"]] == [
        ("优", "(85, 100]"), ("良", "(70, 85]"), ("中", "(50, 70]"), ("差", "[0, 50]")]
    assert henan["overrides"] == [{"flag": "JOINT_PUNISHMENT_LIST", "forces": "差"},
                                  {"flag": "SERIOUS_DISHONESTY_LIST", "forces": "差"}]
    assert schemes["henan-market-risk"]["disclosure"] == "INTERNAL"
    assert len([lv for g in schemes["shanxi-public-credit"]["grades"] for lv in g["levels"]]) == 9


@pytest.mark.parametrize(("scheme", "score", "grade"), [
    ("henan-public-credit", 85, "良"), ("henan-public-credit", 85.01, "优"),
    ("henan-market-risk", 199.99, "A"), ("henan-market-risk", 200, "B"),
    ("shanxi-public-credit", 40, "D"),
])
async def test_classify_walks_the_seed_boundaries(client: httpx.AsyncClient, scheme: str,
                                                  score: float, grade: str) -> None:
    result = (await classify(client, scheme=scheme, score=score))["data"]["classify"]
    assert result["grade"] == grade and result["reasons"]


async def test_overrides_force_the_grade_and_say_why(client: httpx.AsyncClient) -> None:
    result = (await classify(client, scheme="henan-public-credit", score=95,
                             flags=["JOINT_PUNISHMENT_LIST"]))["data"]["classify"]
    assert result["grade"] == "差" and result["overriddenBy"] == "JOINT_PUNISHMENT_LIST"
    assert any("失信联合奖惩对象名单" in reason for reason in result["reasons"])


async def test_the_serious_dishonesty_list_forces_cha_under_henan_public_credit(client: httpx.AsyncClient) -> None:
    # seed 000 §二.(三): the 差 band reads "存在重大信用风险或为严重失信主体"; the 严重失信主体名单 replaced the
    # 失信联合惩戒对象名单 the seed's override names, so being on it forces 差 like the joint-punishment list.
    result = (await classify(client, scheme="henan-public-credit", score=95,
                             flags=["SERIOUS_DISHONESTY_LIST"]))["data"]["classify"]
    assert (result["grade"], result["ladder"], result["overriddenBy"]) == ("差", 5, "SERIOUS_DISHONESTY_LIST")
    assert any("严重失信主体名单" in reason for reason in result["reasons"])
    unlisted = (await classify(client, scheme="henan-public-credit", score=95))["data"]["classify"]
    assert unlisted["grade"] == "优" and unlisted["overriddenBy"] is None


@pytest.mark.parametrize(("variables", "code", "message"), [
    ({"scheme": "henan-public-credit", "score": 100.5}, "BAD_USER_INPUT", "outside"),
    ({"scheme": "henan-public-credit", "score": -1}, "BAD_USER_INPUT", "outside"),
    ({"scheme": "no-such-scheme", "score": 50}, "NOT_FOUND", "known schemes"),
    ({"scheme": "henan-public-credit", "score": 50, "flags": ["BRIBERY"]}, "BAD_USER_INPUT", "unknown flag"),
])
async def test_bad_classifications_are_errors_not_grades(client: httpx.AsyncClient,
                                                         variables: dict[str, Any], code: str,
                                                         message: str) -> None:
    body = await classify(client, **variables)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == code and message in error["message"]
