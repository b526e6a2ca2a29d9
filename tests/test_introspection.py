"""What each audience is shown of the schema: a valid schema that names nothing hidden from it.

Attacked through HTTP: introspection (``__schema``, ``__type``), validation messages and their
"Did you mean" suggestions, unknown types, hidden fields named with arguments, subfields, fragments
and variables. Each check that something is hidden is paired with one that an INTERNAL caller is
told it, so the check can fail.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, build_client_schema, get_introspection_query, validate_schema

from hub import clock
from hub.db import consents
from hub.disclosure import INTERNAL_ROLES, Disclosure, Role
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from schema.tiers import FIELD_RULES
from tests.builders import add_subject, bearer, register_bank, remove_subjects, resident_id, uscc

SUBJECT = uscc(950)
BANK = "内省测试银行"
INTROSPECTION = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                        schema_description=True, input_value_deprecation=True)

# Hidden from the public and banks, by name: the fields and types only government or a platform uses.
HIDDEN_FROM_OUTSIDE = {
    "fields": ["riskClassification", "idNumber", "measures", "inspectionPlans", "reviewFlags", "objections",
               "overdueObjections", "outbox", "changes", "deadLetters", "syncStatus", "departmentReporting",
               "assignments", "grantConsent", "pushChanges", "createInspectionPlan", "creditCheck", "recordCommitment",
               "decideCommitmentFulfilment"],
    "types": ["Mutation", "InspectionPlan", "InspectionPlanInput", "InspectorInput", "RatioInput", "Assignment",
              "MeasureInForce", "ReviewFlag", "Objection", "OutboxEntry", "ChangeBatch", "ChangeScope", "DeadLetter",
              "SyncCursor", "DepartmentReporting", "PushReceipt", "Consent", "ConsentScope",
              "CreditRepairApplication", "CreditCheck", "CommitmentInput", "ConvenienceAnswer", "ListStanding",
              "GradeInForce", "CheckMeasure", "Convenience"],
}
# A bank may give up a consent it holds (revokeConsent; docs/tiers.md, who may write what): its schema
# has that one mutation and the Consent it returns, and nothing else of the above.
GIVEN_TO_BANKS = {"Mutation", "Consent", "ConsentScope"}


def hidden_from(name: str) -> list[str]:
    names = HIDDEN_FROM_OUTSIDE["fields"] + HIDDEN_FROM_OUTSIDE["types"]
    return [n for n in names if not (name == "bank" and n in GIVEN_TO_BANKS)]


@pytest.fixture(scope="module", autouse=True)
async def subject(hub: CreditHub) -> None:
    await remove_subjects(hub, [SUBJECT])
    await add_subject(hub, SUBJECT, person_id=resident_id(950))


def viewers(settings: Settings) -> dict[str, dict[str, str]]:
    return {"anonymous": {}, "public": bearer(settings, "public"), "bank": bearer(settings, "bank", BANK),
            "agency": bearer(settings, "agency", "县市场监管局"), "platform": bearer(settings, "platform", "henan"),
            "admin": bearer(settings, "admin", "郏县信用办")}


def role_of(name: str) -> Role:
    return Role.PUBLIC if name == "anonymous" else Role(name)


async def post(client: httpx.AsyncClient, query: str, headers: dict[str, str],
               variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request answered as application/json (validation errors are 200 there, not 400)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Accept": "application/json", **headers})
    assert response.status_code == 200, response.text
    return response.json()


def never_given(role: Role, type_name: str, field_name: str) -> bool:
    """The tier rule restated from the tiers table of docs/tiers.md, independently of the code."""
    rule = FIELD_RULES[(type_name, field_name)]
    if rule.roles is not None and role not in rule.roles:
        return True
    return rule.disclosure is Disclosure.INTERNAL and role not in INTERNAL_ROLES


def insider_for(name: str) -> str:
    """A role that sees ``name``: the change feed is the platforms', inspection plans the departments'."""
    return {"ChangeScope": "platform", "InspectionPlanInput": "agency"}.get(name, "admin")


def mentions(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


# ---- introspection -------------------------------------------------------------------------

async def test_every_audience_introspects_a_valid_schema_without_what_is_hidden_from_it(
        client: httpx.AsyncClient, settings: Settings) -> None:
    checked = 0
    for name, headers in viewers(settings).items():
        body = await post(client, INTROSPECTION, headers)
        assert "errors" not in body, body.get("errors")
        schema = build_client_schema(body["data"])
        assert validate_schema(schema) == [], name
        role = role_of(name)
        for (type_name, field_name) in FIELD_RULES:
            type_ = schema.get_type(type_name)
            listed = isinstance(type_, GraphQLObjectType) and field_name in type_.fields
            assert listed is not never_given(role, type_name, field_name), f"{name}: {type_name}.{field_name}"
            checked += 1
        if role in INTERNAL_ROLES:
            assert schema.get_type("InspectionPlan") is not None and schema.mutation_type is not None, name
    assert checked == len(viewers(settings)) * len(FIELD_RULES)


async def test_outside_callers_are_told_no_hidden_name_anywhere(client: httpx.AsyncClient,
                                                                settings: Settings) -> None:
    for name in ("anonymous", "public", "bank"):
        text = json.dumps(await post(client, INTROSPECTION, viewers(settings)[name]), ensure_ascii=False)
        for hidden in hidden_from(name):
            assert not mentions(text, hidden), f"{name} is told {hidden}"
    agency = json.dumps(await post(client, INTROSPECTION, viewers(settings)["agency"]), ensure_ascii=False)
    assert all(mentions(agency, hidden) for hidden in ("riskClassification", "InspectionPlan", "measures"))


async def test_a_bank_sees_one_schema_with_or_without_a_consent(client: httpx.AsyncClient, settings: Settings,
                                                                hub: CreditHub) -> None:
    before = await post(client, INTROSPECTION, viewers(settings)["bank"])
    await register_bank(hub, BANK)
    now = clock.now()
    await consents.create_consent(hub.gateway, Consent(
        id=f"consent-{SUBJECT[-6:]}-introspection", subject_uscc=SUBJECT, grantee=BANK, purpose="信易贷",
        granted_at=now, expires_at=now + timedelta(days=30), granted_by="admin:test"))
    consented = await post(client, f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ name }} }} }}',
                           viewers(settings)["bank"])
    assert "errors" not in consented  # the consent is in force for this bank
    after = await post(client, INTROSPECTION, viewers(settings)["bank"])
    assert before == after
    public = build_client_schema((await post(client, INTROSPECTION, viewers(settings)["public"]))["data"])
    bank = build_client_schema(after["data"])
    assert public.mutation_type is None
    assert bank.mutation_type is not None and set(bank.mutation_type.fields) == {"revokeConsent"}
    assert bank.query_type is not None and public.query_type is not None
    # a bank reads what PUBLIC reads, and lists its own consents (hub.bank_consents)
    assert set(bank.query_type.fields) == set(public.query_type.fields) | {"myConsents"}


@pytest.mark.parametrize(("type_name", "outside"), [
    ("InspectionPlan", None), ("Mutation", None), ("ChangeScope", None), ("InspectionPlanInput", None),
    ("Subject", "Subject"), ("Person", "Person")])
async def test_type_lookup_answers_only_visible_types(client: httpx.AsyncClient, settings: Settings,
                                                      type_name: str, outside: str | None) -> None:
    query = f'{{ __type(name: "{type_name}") {{ name fields {{ name }} }} }}'
    for name in ("anonymous", "bank"):
        found = (await post(client, query, viewers(settings)[name]))["data"]["__type"]
        if name == "bank" and type_name in GIVEN_TO_BANKS:
            assert found["name"] == type_name and [f["name"] for f in found["fields"]] == ["revokeConsent"]
            continue
        assert (found and found["name"]) == outside
        if found and type_name == "Person":
            assert {f["name"] for f in found["fields"]} == {"name", "idMasked"}
    assert (await post(client, query, viewers(settings)[insider_for(type_name)]))["data"]["__type"]["name"] == type_name


async def test_each_internal_role_sees_only_the_mutations_it_may_call(client: httpx.AsyncClient,
                                                                      settings: Settings) -> None:
    query = "{ __schema { mutationType { fields { name } } } }"
    seen = {}
    for name in ("agency", "platform", "admin"):
        body = await post(client, query, viewers(settings)[name])
        seen[name] = {f["name"] for f in body["data"]["__schema"]["mutationType"]["fields"]}
    assert "pushChanges" in seen["platform"] and "pushChanges" not in seen["admin"] | seen["agency"]
    assert "grantConsent" in seen["admin"] and "grantConsent" not in seen["agency"]
    assert "createInspectionPlan" in seen["agency"] and "createInspectionPlan" not in seen["platform"]


# ---- validation messages and suggestions ----------------------------------------------------

TYPOS = [
    # (query, the hidden name a suggestion would give away)
    (f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ idNumbr }} }} }}', "idNumber"),
    (f'{{ subject(uscc: "{SUBJECT}") {{ riskClassificaton {{ grade }} }} }}', "riskClassification"),
    (f'{{ subject(uscc: "{SUBJECT}") {{ measure {{ kind }} }} }}', "measures"),
    ("{ inspectionPlan { id } }", "inspectionPlans"),
    ("{ reviewFlag { key } }", "reviewFlags"),
    ("query($p: InspectionPlanInpt) { __typename }", "InspectionPlanInput"),
    ("query($s: ChangeScop) { __typename }", "ChangeScope"),
    ("{ ... on Mutaton { __typename } }", "Mutation"),
]


@pytest.mark.parametrize(("query", "hidden"), TYPOS)
async def test_suggestions_never_name_what_is_hidden(client: httpx.AsyncClient, settings: Settings,
                                                     query: str, hidden: str) -> None:
    for name in ("anonymous", "public", "bank"):
        body = await post(client, query, viewers(settings)[name])
        assert body["errors"], name
        if hidden in hidden_from(name):
            assert not mentions(json.dumps(body, ensure_ascii=False), hidden), f"{name}: {body['errors']}"
    told = await post(client, query, viewers(settings)[insider_for(hidden)])
    assert any(f"'{hidden}'" in error["message"] for error in told["errors"]), told["errors"]


async def test_the_validation_cache_does_not_carry_one_audiences_answer_to_another(
        client: httpx.AsyncClient, settings: Settings) -> None:
    query = "{ overdueObjection { id } }"
    public = await post(client, query, viewers(settings)["public"])
    agency = await post(client, query, viewers(settings)["agency"])
    public_again = await post(client, query, viewers(settings)["public"])
    assert "overdueObjections" not in json.dumps(public) and public == public_again
    assert "Did you mean 'overdueObjections'" in agency["errors"][0]["message"]


# ---- a hidden field named: null with FORBIDDEN, and nothing else told -----------------------

@pytest.mark.parametrize("query", [
    "{ inspectionPlans { noSuchField } }",
    "{ inspectionPlans(noSuchArgument: 1) { id } }",
    "{ inspectionPlans { ...Plan } } fragment Plan on InspectionPlan { id noSuchField }",
    "{ inspectionPlans { draws(bad: true) { id } } }",
])
async def test_a_hidden_field_named_is_forbidden_whatever_it_selects(client: httpx.AsyncClient,
                                                                     settings: Settings, query: str) -> None:
    for name in ("anonymous", "bank"):
        body = await post(client, query, viewers(settings)[name])
        assert body["data"] == {"inspectionPlans": None}, body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN" and "internal-only" in error["message"]
    internal = await post(client, query, viewers(settings)["agency"])
    assert internal["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_hidden_mutation_is_refused_before_its_arguments_are_read(client: httpx.AsyncClient,
                                                                         settings: Settings) -> None:
    query = 'mutation { revealDraw(wrong: "x") { noSuchField } commitDraw { id } }'
    body = await post(client, query, viewers(settings)["bank"])
    assert body["data"] == {"revealDraw": None, "commitDraw": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN", "FORBIDDEN"]
    text = json.dumps(body, ensure_ascii=False)
    for told in ("planId", "'id'", "ID!", "required", "noSuchField"):
        assert told not in text, told
    agency = await post(client, query, viewers(settings)["agency"])  # agency may call them: it is told
    assert "required" in json.dumps(agency)


async def test_a_variable_of_a_hidden_input_type_is_an_unknown_type(client: httpx.AsyncClient,
                                                                    settings: Settings) -> None:
    query = "mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id } }"
    body = await post(client, query, viewers(settings)["public"], {"plan": {}})
    [error] = body["errors"]
    assert error["message"].startswith("Unknown type 'InspectionPlanInput'.")  # may suggest a visible type
    agency = await post(client, query, viewers(settings)["agency"], {"plan": {}})
    assert {e["extensions"]["code"] for e in agency["errors"]} == {"BAD_USER_INPUT"}
    assert "InspectionPlanInput" in agency["errors"][0]["message"]
    assert "to include required field" in agency["errors"][0]["message"]


async def test_a_variable_used_only_by_a_hidden_field_is_not_unused(client: httpx.AsyncClient,
                                                                    settings: Settings) -> None:
    body = await post(client, "query($s: String) { objections(status: $s) { id } }", viewers(settings)["bank"],
                      {"s": "PENDING"})
    assert body["data"] == {"objections": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    unused = await post(client, "query($s: String) { gradingSchemes { id } }", viewers(settings)["bank"])
    assert unused["errors"][0]["message"] == "Variable '$s' is never used."
