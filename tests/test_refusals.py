"""A refused field is null with FORBIDDEN where it stands — never its subject, its page, its report,
or the other root fields of the request (a non-null field refused would null all of them).

Every field that can be refused is attacked in a list or a nested object (or beside another root
field), and a meta-test keeps the table complete: a new field rule without a case here fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type, is_list_type, is_non_null_type

from hub import clock
from hub.db import consents
from hub.disclosure import ConsentScope
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from schema.build import build_schema
from schema.tiers import DISCLOSED_TYPES, FIELD_RULES
from tests.builders import add_evaluation, add_subject, bearer, gql, register_bank, remove_subjects, resident_id, uscc

REGION = "410421"
CODES = [uscc(960 + n, region=REGION) for n in range(3)]
FULL, EVALUATIONS_ONLY, NONE = CODES
BANK = "拒绝测试银行"
DEPARTMENT = f"{REGION}-SCJG"
PAGE = f'subjects(search: "91{REGION}", first: 10)'


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, client: httpx.AsyncClient, settings: Settings) -> None:
    await remove_subjects(hub, CODES)
    now = clock.now()
    for n, code in enumerate(CODES):
        await add_subject(hub, code, person_id=resident_id(960 + n))
        await add_evaluation(hub, code, f"{code}-risk", scheme="henan-market-risk", grade="B", disclosure="INTERNAL",
                             score=300)
        await add_evaluation(hub, code, f"{code}-public", scheme="henan-public-credit", grade="良",
                             disclosure="PUBLIC", score=80)
    await register_bank(hub, BANK)
    for code, scopes in ((FULL, frozenset(ConsentScope)), (EVALUATIONS_ONLY, frozenset({ConsentScope.EVALUATIONS}))):
        await consents.create_consent(hub.gateway, Consent(
            id=f"consent-{code[-6:]}-refusals", subject_uscc=code, grantee=BANK, purpose="信易贷",
            granted_at=now, expires_at=now + timedelta(days=30), granted_by="admin:test", scopes=scopes))
    agency = bearer(settings, "agency", "县市场监管局", department=DEPARTMENT)
    plan = await gql(client, """mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id } }""",
                     agency, plan={"department": DEPARTMENT, "name": "拒绝测试抽查", "scheme": "henan-market-risk",
                                   "region": REGION})
    draw = await gql(client, "mutation($p: ID!) { commitDraw(planId: $p) { id } }", agency,
                     p=plan["data"]["createInspectionPlan"]["id"])
    draw_id = draw["data"]["commitDraw"]["id"]
    # Drawn and one result recorded, so a published result's INTERNAL fields can be attacked too.
    pool = [{"id": f"refusal-insp-{n}", "name": f"执法人员{n}", "conflicts": []} for n in range(4)]
    assert (await gql(client, "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, "
                      "inspectors: $i) }", agency, d=DEPARTMENT, i=pool))["data"]["setInspectors"] == 4
    for step in ("freezeDraw", "revealDraw"):
        assert (await gql(client, f"mutation($d: ID!) {{ {step}(id: $d) {{ id }} }}", agency, d=draw_id))["data"]
    targets = await gql(client, "query($d: ID) { draws(planId: $d) { id assignments { uscc } } }", agency,
                        d=plan["data"]["createInspectionPlan"]["id"])
    target = targets["data"]["draws"][0]["assignments"][0]["uscc"]
    recorded = await gql(client, 'mutation($d: ID!, $u: String!) { recordInspectionResult(drawId: $d, uscc: $u, '
                         'result: "合格") { uscc } }', agency, d=draw_id, u=target)
    assert recorded["data"]["recordInspectionResult"] == {"uscc": target}


Check = Callable[[dict[str, Any]], None]


def page_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = data["subjects"]["nodes"]
    assert [n["uscc"] for n in nodes] == CODES  # the whole page, every subject with its facts
    assert all(n["name"] for n in nodes)
    return nodes


def each_node(field: str, expected: Callable[[dict[str, Any]], Any]) -> Check:
    def check(data: dict[str, Any]) -> None:
        for node in page_nodes(data):
            assert node[field] == expected(node), (field, node)
    return check


def report(expected: dict[str, Any]) -> Check:
    def check(data: dict[str, Any]) -> None:
        got = data["creditReport"]
        assert got is not None and got["subject"]["uscc"] == FULL and got["subject"]["name"]
        for path, value in expected.items():
            node: Any = got
            for key in path.split("."):
                node = node[key]
            assert node == value, (path, node)
    return check


def beside(field: str) -> Check:
    def check(data: dict[str, Any]) -> None:
        assert data[field] is None
        assert {s["id"] for s in data["gradingSchemes"]} >= {"henan-public-credit"}
    return check


def mutation_pair(first: str, second: str) -> Check:
    def check(data: dict[str, Any]) -> None:
        assert data == {first: None, second: None}
    return check


def report_without_person(data: dict[str, Any]) -> None:
    assert data["creditReport"]["consentId"] and data["creditReport"]["legalRepresentative"] is None


def draws_without_assignments(data: dict[str, Any]) -> None:
    assert data["draws"] and all(d["id"] and d["assignments"] is None for d in data["draws"])


def draws_without_strata(data: dict[str, Any]) -> None:
    assert data["draws"] and all(d["id"] and d["strata"] is None for d in data["draws"])


def results_without_their_moment(data: dict[str, Any]) -> None:
    results = [r for d in data["draws"] for r in d["results"]]
    assert results and all(r["uscc"] and r["resultAt"] is None for r in results)


def person_without_id(node: dict[str, Any]) -> Any:
    return {"name": "张三", "idNumber": None} if node["uscc"] == FULL else None


# field → (viewer, query, what the response data must be, how many FORBIDDEN errors)
CASES: dict[str, tuple[str, str, Check, int]] = {
    "Subject.legalRepresentative": (
        "public", f"{{ {PAGE} {{ nodes {{ uscc name legalRepresentative {{ name }} }} }} }}",
        each_node("legalRepresentative", lambda n: None), 3),
    "Subject.riskClassification": ("bank", f"{{ {PAGE} {{ nodes {{ uscc name riskClassification {{ grade }} }} }} }}",
                                   each_node("riskClassification", lambda n: None), 3),
    "Subject.measures": ("bank", f"{{ {PAGE} {{ nodes {{ uscc name measures {{ kind }} }} }} }}",
                         each_node("measures", lambda n: None), 3),
    # a subject's consents: a bank holding one of them, or government (a bank's list is its own: test_console_charts)
    "Subject.consents": ("public", f"{{ {PAGE} {{ nodes {{ uscc name consents {{ id }} }} }} }}",
                         each_node("consents", lambda n: None), 3),
    "Subject.objections": ("bank", f"{{ {PAGE} {{ nodes {{ uscc name objections {{ id }} }} }} }}",
                           each_node("objections", lambda n: None), 3),
    "Subject.repairApplications": ("bank", f"{{ {PAGE} {{ nodes {{ uscc name repairApplications {{ id }} }} }} }}",
                                   each_node("repairApplications", lambda n: None), 3),
    "Person.idNumber": ("bank", f"{{ {PAGE} {{ nodes {{ uscc name legalRepresentative {{ name idNumber }} }} }} }}",
                        each_node("legalRepresentative", person_without_id), 3),
    "CreditReport.legalRepresentative": (
        "bank", f'{{ creditReport(uscc: "{EVALUATIONS_ONLY}") {{ consentId legalRepresentative {{ name }} }} }}',
        report_without_person, 1),
    "Query.creditReport": ("public", f'{{ gradingSchemes {{ id }} creditReport(uscc: "{FULL}") {{ consentId }} }}',
                           beside("creditReport"), 1),
    "Draw.assignments": ("public", "{ draws { id status assignments { uscc } } }", draws_without_assignments, -1),
    "Draw.strata": ("public", "{ draws { id status strata { grade } } }", draws_without_strata, -1),
    "InspectionResult.resultAt": ("public", "{ draws { results { uscc resultAt } } }",
                                  results_without_their_moment, -1),
    "Query.creditCheck": ("bank", f'{{ gradingSchemes {{ id }} creditCheck(uscc: "{FULL}", matter: "许可") '
                          '{ uscc } }', beside("creditCheck"), 1),
    # 抽查频次 per class is INTERNAL; the plans it hangs on are too, so the attack meets the list first
    "InspectionPlan.frequency": ("public", "{ gradingSchemes { id } inspectionPlans { frequency { grade below } } }",
                                 beside("inspectionPlans"), 1),
    "Query.changes": ("admin", "{ gradingSchemes { id } changes { count } }", beside("changes"), 1),
    # a bank's own consents: the credit office (which sees everything else) has none to list
    "Query.myConsents": ("admin", "{ gradingSchemes { id } myConsents { totalCount } }", beside("myConsents"), 1),
}
# The root fields only government reads: refused to the public beside a field it may read.
for _root in ("reviewFlags", "inspectionPlans", "objections", "overdueObjections", "overdueRepairApplications",
              "outbox", "departmentReporting", "deadLetters", "syncStatus", "warnings", "warningRules",
              "pendingDecisions", "gradeDistribution", "gradeBreakdown", "departmentReportingByMonth"):
    CASES[f"Query.{_root}"] = ("public", f"{{ gradingSchemes {{ id }} {_root} {{ __typename }} }}", beside(_root), 1)
CASES["Query.warningStreamCursor"] = ("public", "{ gradingSchemes { id } warningStreamCursor }",
                                      beside("warningStreamCursor"), 1)
CASES["Query.warning"] = ("public", '{ gradingSchemes { id } warning(id: "w") { __typename } }', beside("warning"), 1)
# decisions about natural persons: the same refusal whether or not the number has any (tests/test_person_records.py)
CASES["Query.personRecords"] = ("bank", f'{{ gradingSchemes {{ id }} personRecords(idNumber: "{resident_id(960)}") '
                                '{ __typename } }', beside("personRecords"), 1)
CASES["Query.subjectReads"] = ("bank", f'{{ gradingSchemes {{ id }} subjectReads(uscc: "{FULL}") {{ actor }} }}',
                               beside("subjectReads"), 1)
CASES["Query.relatedParties"] = ("public", f'{{ gradingSchemes {{ id }} relatedParties(uscc: "{FULL}") '
                                 '{ __typename } }', beside("relatedParties"), 1)
# Mutations: two refused in one request are each null; neither nulls the other (nor the request).
_MUTATIONS = ["createInspectionPlan", "setInspectors", "commitDraw", "freezeDraw", "revealDraw",
              "recordInspectionResult", "fileObjection", "resolveObjection", "applyForCreditRepair",
              "decideCreditRepair", "recordCommitment", "decideCommitmentFulfilment",
              "grantConsent", "revokeConsent", "pushChanges", "acknowledgeChanges",
              "acknowledgeWarning", "handleWarning", "dismissWarning", "decideHighAttentionClass",
              "reviewGradeDiscrepancy", "submitCreditInformation"]
for _n, _mutation in enumerate(_MUTATIONS):
    _other = _MUTATIONS[(_n + 1) % len(_MUTATIONS)]
    _select = {"setInspectors": "", "acknowledgeChanges": ""}
    # a bank may call revokeConsent (for a consent it holds): that pair is sent by the public
    _who = "public" if "revokeConsent" in (_mutation, _other) else "bank"
    CASES[f"Mutation.{_mutation}"] = (
        _who, f"mutation {{ {_mutation} {_select.get(_mutation, '{ __typename }')} "
                f"{_other} {_select.get(_other, '{ __typename }')} }}",
        mutation_pair(_mutation, _other), 2)


def refusable_fields() -> set[str]:
    """Every field the tier mechanism can refuse: a field rule, or one item of a disclosed type."""
    schema = build_schema(Settings())._schema
    # A subscription is refused at the WebSocket's connection_init (tests/test_warnings_subscription.py)
    found = {f"{t}.{f}" for t, f in FIELD_RULES if t != "Subscription"}
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                nullable = field.type.of_type if is_non_null_type(field.type) else field.type
                if get_named_type(field.type).name in DISCLOSED_TYPES and not is_list_type(nullable):
                    found.add(f"{type_.name}.{name}")
    return found


def test_every_refusable_field_is_attacked_here() -> None:
    assert set(CASES) == refusable_fields()


def viewer(settings: Settings, name: str) -> dict[str, str]:
    return {} if name == "public" else bearer(settings, name, BANK if name == "bank" else "拒绝测试")


@pytest.mark.parametrize("field", sorted(CASES))
async def test_a_refused_field_is_null_where_it_stands(client: httpx.AsyncClient, settings: Settings,
                                                       field: str) -> None:
    who, query, check, refusals = CASES[field]
    body = await gql(client, query, viewer(settings, who))
    assert body["data"] is not None, body
    check(body["data"])
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    assert codes and set(codes) == {"FORBIDDEN"}, body.get("errors")
    if refusals > 0:
        assert len(codes) == refusals


async def test_nested_in_a_credit_report_each_refusal_stays_in_its_place(client: httpx.AsyncClient,
                                                                         settings: Settings) -> None:
    body = await gql(client, f"""{{ creditReport(uscc: "{FULL}") {{ consentId
        subject {{ uscc name measures {{ kind }} riskClassification {{ grade }}
                   legalRepresentative {{ name idNumber }} evaluations {{ scheme }} }} }} }}""",
                     viewer(settings, "bank"))
    report({"subject.measures": None, "subject.riskClassification": None,
            "subject.legalRepresentative": {"name": "张三", "idNumber": None},
            "subject.evaluations": [{"scheme": "henan-public-credit"}]})(body["data"])
    assert sorted(".".join(map(str, e["path"])) for e in body["errors"]) == [
        "creditReport.subject.legalRepresentative.idNumber", "creditReport.subject.measures",
        "creditReport.subject.riskClassification"]


async def test_government_is_given_what_the_others_are_refused(client: httpx.AsyncClient,
                                                               settings: Settings) -> None:
    body = await gql(client, f"{{ {PAGE} {{ nodes {{ uscc name measures {{ kind }} riskClassification {{ grade }} "
                             "legalRepresentative { idNumber } } } }",
                     bearer(settings, "agency", "县市场监管局"))
    assert "errors" not in body
    for node in page_nodes(body["data"]):
        assert node["measures"] and node["riskClassification"] == {"grade": "B"}
        assert node["legalRepresentative"]["idNumber"]
