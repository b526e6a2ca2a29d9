"""The page of 100's fast paths give exactly what the general ones give: plain scalar fields answered by
the executor's leaf path (schema/fast_fields.py) as graphql-core's own path answers them — values,
nulls, enums, aliases, fragments, refusals and their errors — with no field the tier mechanism guards
ever among them; and the profile statement's rows kept as the driver decoded them (``plain``) equal
what ``Record.data()`` makes of them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from graphql import GraphQLObjectType

from hub.db.subjects import by_codes_cypher
from hub.disclosure import Role, Viewer
from hub.profiles import ProfilePart, ProfileShape
from hub.service import CreditHub
from hub.settings import Settings
from schema import fast_fields
from schema.build import build_schema
from schema.context import HubContext
from schema.tiers import EXPLAINING_FIELDS, FIELD_RULES
from tests.builders import add_evaluation, add_record, add_subject, remove_subjects, resident_id, uscc

REGION = "410726"
CODES = [uscc(310 + n, region=REGION) for n in range(3)]

PAGE = """
query($search: String!) {
  subjects(search: $search, first: 10) {
    nodes {
      __typename uscc code: uscc name kind region status
      legalRepresentative { name idMasked }
      ...scores
      records { id kind decidedOn disclosure title severity publicityEndsOn underObjection }
    }
  }
}
fragment scores on Subject {
  evaluations { __typename scheme grade score level disclosure evaluatedAt validUntil current }
  again: evaluations { grade score }
}
"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> Any:
    await remove_subjects(hub, CODES)
    for n, code in enumerate(CODES):
        await add_subject(hub, code, person_id=resident_id(310 + n, region=REGION))
        await add_evaluation(hub, code, f"{code}-public", scheme="henan-public-credit", grade="良",
                             disclosure="PUBLIC", score=81.5 + n)
        await add_evaluation(hub, code, f"{code}-risk", scheme="henan-market-risk", grade="B",
                             disclosure="INTERNAL")  # score null: a nullable leaf read as null
        await add_record(hub, code, f"{code}-licence", kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC",
                         decided_on=date(2026, 3, n + 1))
        await add_record(hub, code, f"{code}-penalty", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                         severity="GENERAL", decided_on=date(2026, 4, n + 1))
    yield
    await remove_subjects(hub, CODES)


async def _run(hub: CreditHub, settings: Settings, viewer: Viewer, *, leaves: bool, direct: bool = True,
               query: str = PAGE) -> tuple[Any, list[Any]]:
    schema = build_schema(settings, direct_resolvers=direct)
    if not leaves:
        fast_fields._LEAVES.pop(schema._schema)  # the executor then answers every field the generic way
    assert (fast_fields.leaves_of(schema._schema) is not None) is leaves
    context = HubContext(viewer=viewer, hub=hub, now=hub.now(), today=hub.today())
    result = await schema.execute(query, variable_values={"search": f"91{REGION}"}, context_value=context)
    return result.data, sorted((error.formatted for error in result.errors or ()), key=repr)


# resolvers with arguments (Python names differ), with root, parent and info, sync and async
RESOLVERS = """
query($search: String!) {
  subjects(search: $search, first: 10) {
    nodes {
      uscc
      now: evaluations(current: true) { grade reasons explanation { points } }
      penalties: records(kind: "ADMINISTRATIVE_PENALTY") { id }
      all: records { id }
      measures { grade name }
      riskClassification { grade }
      commitments { id }
    }
  }
}
"""


# an argument from a variable, refusals (a field hidden from the audience, a field its tier refuses) beside
# fields that resolve, an async resolver, __typename and aliases
KINDS = """
query($search: String!, $kind: String = "ADMINISTRATIVE_LICENSE") {
  subjects(search: $search, first: 10) {
    nodes {
      __typename name
      licences: records(kind: $kind) { id __typename }
      penalties: records(kind: "ADMINISTRATIVE_PENALTY") { id severity }
      legalRepresentative { name }
      objections { id targetKind }
      measures { grade }
      evaluations(current: false) { grade }
    }
  }
}
"""


@pytest.mark.parametrize("viewer", [Viewer(Role.PUBLIC), Viewer(Role.BANK, "叶路径测试银行"),
                                    Viewer(Role.ADMIN, "信用办")], ids=lambda viewer: viewer.role.value)
async def test_direct_resolvers_answer_as_strawberrys_path_does(hub: CreditHub, settings: Settings,
                                                               viewer: Viewer) -> None:
    for query in (PAGE, RESOLVERS):
        direct = await _run(hub, settings, viewer, leaves=True, query=query)
        generic = await _run(hub, settings, viewer, leaves=True, direct=False, query=query)
        assert direct == generic
    nodes = direct[0]["subjects"]["nodes"]
    assert [len(node["penalties"]) for node in nodes] == [1, 1, 1]  # the argument reached the resolver
    assert [len(node["all"]) for node in nodes] == [2, 2, 2]


def test_direct_resolvers_are_nested_fields_with_plain_arguments_only(settings: Settings) -> None:
    schema = build_schema(settings)._schema

    def direct(type_name: str, field_name: str) -> bool:
        type_ = schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        resolve = type_.fields[field_name].resolve
        cells = [cell.cell_contents for cell in getattr(resolve, "__closure__", None) or ()]
        return isinstance(resolve, fast_fields._Direct) or any(isinstance(c, fast_fields._Direct) for c in cells)

    assert direct("Subject", "evaluations") and direct("Subject", "records")
    assert not direct("Query", "subject")  # a root field: once a request, strawberry's path
    assert not direct("Query", "subjects")


@pytest.mark.parametrize("viewer", [Viewer(Role.PUBLIC), Viewer(Role.BANK, "叶路径测试银行"),
                                    Viewer(Role.ADMIN, "信用办")], ids=lambda viewer: viewer.role.value)
async def test_the_leaf_path_answers_as_graphql_core_does(hub: CreditHub, settings: Settings,
                                                          viewer: Viewer) -> None:
    # also fields resolved with their definition and arguments decided once a request (schema.visibility
    # TierExecutor._known_field), which the generic run never is: resolvers with arguments, refusals, nulls,
    # errors and their paths
    for query in (RESOLVERS, KINDS):
        planned = await _run(hub, settings, viewer, leaves=True, query=query)
        assert planned == await _run(hub, settings, viewer, leaves=False, query=query)
    fast, fast_errors = await _run(hub, settings, viewer, leaves=True)
    generic, generic_errors = await _run(hub, settings, viewer, leaves=False)
    assert fast == generic
    assert fast_errors == generic_errors
    nodes = fast["subjects"]["nodes"]
    assert [node["uscc"] for node in nodes] == CODES == [node["code"] for node in nodes]
    public = [e for e in nodes[0]["evaluations"] if e["scheme"] == "henan-public-credit"]
    assert public[0]["score"] == 81.5 and public[0]["grade"] == "良" and public[0]["disclosure"] == "PUBLIC"
    assert nodes[0]["records"][0]["kind"] in ("ADMINISTRATIVE_LICENSE", "ADMINISTRATIVE_PENALTY")  # enums serialised
    schemes = {e["scheme"] for e in nodes[0]["evaluations"]}
    assert ("henan-market-risk" in schemes) is (viewer.role is Role.ADMIN)  # INTERNAL items still filtered
    refused = [e for e in fast_errors if e["path"][-1] == "legalRepresentative"]
    assert len(refused) == (0 if viewer.role is Role.ADMIN else len(CODES))  # still refused where it stands


def test_no_guarded_field_is_a_plain_leaf(settings: Settings) -> None:
    schema = build_schema(settings)
    leaves = fast_fields.leaves_of(schema._schema)
    assert leaves is not None
    assert ("Evaluation", "grade") in leaves and ("Subject", "name") in leaves
    guarded = set(FIELD_RULES) | set(EXPLAINING_FIELDS)
    assert ("Person", "idNumber") in guarded and ("InspectionResult", "resultAt") in guarded  # scalars, wrapped
    assert not [key for key in guarded if key in leaves]


async def test_plain_rows_equal_the_drivers_dicts(hub: CreditHub) -> None:
    everything = by_codes_cypher(ProfileShape.of(frozenset(ProfilePart)))  # every property: `.*`, temporal types too
    parameters = {"usccs": CODES, "grantee": None, "disclosures": None}
    plain = await hub.gateway.query(everything, parameters, plain=True)
    converted = await hub.gateway.query(everything, parameters)
    assert plain == converted
    assert sorted(profile["subject"]["uscc"] for profile in plain[0]["profiles"]) == CODES
    assert all(len(profile["records"]) == 2 and len(profile["evaluations"]) == 2 for profile in plain[0]["profiles"])
