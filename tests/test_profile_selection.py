"""The profile Cypher follows the GraphQL selection: only the parts and properties a query asks for
leave Neo4j (an evaluation's explanation only with `explanation` or `reasons`), and every answer
is the same as when everything is loaded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from hub.db.gateway import Neo4jGateway, temporal
from hub.db.subjects import _profile, evaluation_from_row, record_from_row
from hub.disclosure import Disclosure
from hub.models import Evaluation
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_record, add_subject, bearer, gql, remove_subjects, resident_id, uscc

CODE = uscc(940_001)
EXPLANATION = {"contributions": [{"indicator": "penalties", "label": "行政处罚", "points": -5.0,
                                  "record_ids": ["sel-r1"], "note": "", "grounds": "RECORDS",
                                  "rests_on": ["sel-r1"]}], "reasons": ["score 80 is in (70, 85]"]}


@pytest.fixture
async def shipped(hub: CreditHub, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[dict[str, Any]]]:
    """The rows the profile statements returned from the real database, as the hub received them."""
    rows_seen: list[dict[str, Any]] = []
    original = Neo4jGateway.query

    async def observed(self: Neo4jGateway, query: str, parameters: dict[str, Any] | None = None,
                       **options: Any) -> list[dict[str, Any]]:
        rows = await original(self, query, parameters, **options)
        if "AS profiles" in query:  # one row: the list of the subjects' profiles
            rows_seen.extend(profile for row in rows for profile in row["profiles"])
        return rows

    monkeypatch.setattr(Neo4jGateway, "query", observed)
    await remove_subjects(hub, [CODE])
    await add_subject(hub, CODE, person_id=resident_id(940))
    await add_record(hub, CODE, "sel-r1", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC", title="罚款决定")
    await add_evaluation(hub, CODE, "sel-e1", scheme="henan-public-credit", grade="良", disclosure="PUBLIC", score=80)
    await hub.gateway.run("MATCH (e:Evaluation {id: 'sel-e1'}) SET e.explanation = $x",
                          {"x": json.dumps(EXPLANATION, ensure_ascii=False)}, write=True)
    yield rows_seen


def _evaluation_keys(rows: list[dict[str, Any]]) -> set[str]:
    return {key for row in rows for item in row["evaluations"] for key in item}


async def test_grades_alone_do_not_ship_explanations(client: httpx.AsyncClient,
                                                     shipped: list[dict[str, Any]]) -> None:
    body = await gql(client, "query($u: String!) { subject(uscc: $u) { evaluations { scheme grade } } }", u=CODE)
    assert body["data"]["subject"]["evaluations"] == [{"scheme": "henan-public-credit", "grade": "良"}]
    keys = _evaluation_keys(shipped)
    assert "grade" in keys and "explanation" not in keys and "score" not in keys
    assert "evaluated_at" not in keys and "valid_until" not in keys  # no temporal value decoded for nothing
    assert all(row["records"] == [] and row["person"] is None for row in shipped)  # parts not asked for


async def test_reasons_through_a_fragment_ship_the_explanation(client: httpx.AsyncClient,
                                                               shipped: list[dict[str, Any]]) -> None:
    body = await gql(client, "query($u: String!) { subject(uscc: $u) { evaluations { ...E } } } "
                     "fragment E on Evaluation { grade reasons explanation { points recordIds } }", u=CODE)
    [evaluation] = body["data"]["subject"]["evaluations"]
    assert evaluation == {"grade": "良", "reasons": ["score 80 is in (70, 85]"],
                          "explanation": [{"points": -5.0, "recordIds": ["sel-r1"]}]}
    assert "explanation" in _evaluation_keys(shipped)


async def test_record_fields_follow_the_selection_and_the_tier_rule_still_applies(
        client: httpx.AsyncClient, hub: CreditHub, settings: Settings, shipped: list[dict[str, Any]]) -> None:
    await add_record(hub, CODE, "sel-r2", kind="ADMINISTRATIVE_PENALTY", disclosure="INTERNAL", title="内部记录")
    query = "query($u: String!) { subject(uscc: $u) { records { id title } } }"
    public = await gql(client, query, u=CODE)
    assert public["data"]["subject"]["records"] == [{"id": "sel-r1", "title": "罚款决定"}]
    internal = await gql(client, query, bearer(settings, "agency", "郏县市场监管局"), u=CODE)
    assert sorted(r["id"] for r in internal["data"]["subject"]["records"]) == ["sel-r1", "sel-r2"]
    record_keys = {key for row in shipped for item in row["records"] for key in item}
    assert "title" in record_keys and "content" not in record_keys and "under_objection" not in record_keys


async def test_a_list_ships_only_the_selection(client: httpx.AsyncClient, shipped: list[dict[str, Any]]) -> None:
    body = await gql(client, "query($s: String!) { subjects(search: $s, first: 5) { nodes { uscc "
                     "evaluations { grade } } } }", s=CODE[:14])
    assert {"uscc": CODE, "evaluations": [{"grade": "良"}]} in body["data"]["subjects"]["nodes"]
    assert "explanation" not in _evaluation_keys(shipped)


async def test_currency_is_loaded_when_current_evaluations_are_asked_for(
        client: httpx.AsyncClient, hub: CreditHub, settings: Settings, shipped: list[dict[str, Any]]) -> None:
    await add_evaluation(hub, CODE, "sel-e0", scheme="shanxi-public-credit", grade="C", disclosure="PUBLIC",
                         valid_days=-1)
    body = await gql(client, "query($u: String!) { subject(uscc: $u) { evaluations(current: true) { grade } "
                     "all: evaluations { grade current evaluatedAt } } }", u=CODE)
    subject = body["data"]["subject"]
    assert subject["evaluations"] == [{"grade": "良"}]
    assert sorted((e["grade"], e["current"]) for e in subject["all"]) == [("C", False), ("良", True)]
    assert all(isinstance(e["evaluatedAt"], str) and "T" in e["evaluatedAt"] for e in subject["all"])


async def test_items_above_the_viewers_reach_never_leave_neo4j(
        client: httpx.AsyncClient, hub: CreditHub, settings: Settings, shipped: list[dict[str, Any]]) -> None:
    # the statement leaves out what no tier the viewer can hold would show it; the item rule still judges
    # the rest (a bank without the subject's consent is shipped AUTHORIZED items and shown none of them)
    for tier in ("AUTHORIZED", "INTERNAL"):
        await add_record(hub, CODE, f"sel-r-{tier}", kind="ADMINISTRATIVE_PENALTY", disclosure=tier, title=tier)
        await add_evaluation(hub, CODE, f"sel-e-{tier}", scheme=f"sel-{tier}", grade="A", disclosure=tier)
    query = "query($u: String!) { subject(uscc: $u) { records { id } evaluations { grade } } }"
    viewers = {"PUBLIC": None, "AUTHORIZED": bearer(settings, "bank", "示例银行"),
               "INTERNAL": bearer(settings, "agency", "郏县市场监管局")}
    shown: dict[str, set[str]] = {}
    reached: dict[str, set[str]] = {}
    for name, headers in viewers.items():
        shipped.clear()
        body = await gql(client, query, headers, u=CODE)
        shown[name] = {item["id"] for item in body["data"]["subject"]["records"]}
        reached[name] = {item["disclosure"] for row in shipped for part in ("records", "evaluations")
                         for item in row[part]}
    assert reached == {"PUBLIC": {"PUBLIC"}, "AUTHORIZED": {"PUBLIC", "AUTHORIZED"},
                       "INTERNAL": {"PUBLIC", "AUTHORIZED", "INTERNAL"}}
    assert shown == {"PUBLIC": {"sel-r1"}, "AUTHORIZED": {"sel-r1"},
                     "INTERNAL": {"sel-r1", "sel-r-AUTHORIZED", "sel-r-INTERNAL"}}


async def test_a_field_the_viewer_can_never_be_given_is_refused_without_its_data_being_read(
        client: httpx.AsyncClient, settings: Settings, shipped: list[dict[str, Any]]) -> None:
    query = "query($u: String!) { subject(uscc: $u) { uscc legalRepresentative { name } } }"
    public = await gql(client, query, u=CODE)
    assert public["data"]["subject"] == {"uscc": CODE, "legalRepresentative": None}
    [error] = public["errors"]
    assert error["path"] == ["subject", "legalRepresentative"] and error["extensions"]["code"] == "FORBIDDEN"
    assert shipped and all(row["person"] is None for row in shipped)  # PUBLIC never holds a consent: not read
    shipped.clear()
    internal = await gql(client, query, bearer(settings, "agency", "郏县市场监管局"), u=CODE)
    assert internal["data"]["subject"]["legalRepresentative"]["name"]
    assert [row["person"]["name"] for row in shipped] == [internal["data"]["subject"]["legalRepresentative"]["name"]]
    shipped.clear()
    bank = await gql(client, query, bearer(settings, "bank", "示例银行"), u=CODE)  # no consent: refused, but read
    assert bank["data"]["subject"]["legalRepresentative"] is None
    assert bank["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert all(row["person"] is not None for row in shipped)


@pytest.mark.parametrize("build, row", [
    (evaluation_from_row, {"id": "e", "scheme": "s", "grade": "A", "disclosure": "AUTHORIZED", "score": 91.5,
                           "evaluated_at": "2026-11-30T08:00:00+08:00", "valid_until": "2027-11-30",
                           "under_objection": True, "origin_platform": "county"}),
    (evaluation_from_row, {"id": "e", "scheme": "s", "grade": "A", "disclosure": "PUBLIC"}),
    (evaluation_from_row, {"id": "e", "scheme": "s", "grade": "A", "disclosure": "PUBLIC", "score": None,
                           "authoritative": False, "explanation": "{}"}),  # copied as it is
    (record_from_row, {"id": "r", "kind": "ADMINISTRATIVE_PENALTY", "disclosure": "PUBLIC", "severity": "MINOR",
                       "decided_on": "2026-01-05", "status": "REPAIRED", "amount_wan_yuan": 2.0}),
    (record_from_row, {"id": "r", "kind": "COMMITMENT", "disclosure": "INTERNAL"}),
])
def test_items_built_from_rows_are_whole_frozen_dataclasses(build: Any, row: dict[str, Any]) -> None:
    # built without the dataclass's __init__ (hub.db.subjects.stored): every field set, equal to the
    # same values built the usual way, and still frozen
    item = build(row, CODE)
    _whole(item)
    if build is evaluation_from_row:  # the row read key by key: what a row of copied keys must equal
        get = row.get
        assert item == Evaluation(
            id=row["id"], subject_uscc=CODE, scheme=row["scheme"], score=get("score"), grade=row["grade"],
            level=get("level"), disclosure=Disclosure(row["disclosure"]), evaluated_at=temporal(get("evaluated_at")),
            valid_until=temporal(get("valid_until")), evaluator=get("evaluator"), explanation=get("explanation"),
            superseded_at=temporal(get("superseded_at")), previous_grade=get("previous_grade"),
            under_objection=bool(get("under_objection")), computed_by=get("computed_by") or get("origin_platform"),
            issued_in_name_of=get("issued_in_name_of") or get("issuer"), authoritative=get("authoritative"))
    profile = _profile({"subject": {"uscc": CODE, "name": "甲", "kind": "ENTERPRISE", "region": "410425"},
                        "person": None, "records": [row] if build is record_from_row else [],
                        "evaluations": [row] if build is evaluation_from_row else [], "consents": []})
    _whole(profile)
    _whole(profile.subject)
    assert (profile.records + profile.evaluations) == (item,)


def _whole(item: Any) -> None:
    names = {f.name for f in dataclasses.fields(item)}
    assert set(vars(item)) == names
    assert item == type(item)(**{name: getattr(item, name) for name in names})
    assert hash(item) == hash(type(item)(**{name: getattr(item, name) for name in names}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.id = "changed"


async def test_items_of_one_moment_come_in_the_order_of_their_ids(client: httpx.AsyncClient, hub: CreditHub) -> None:
    # A run grades every scheme of a subject at one instant, and a department decides several records on one
    # day: newest first, and among items of one moment by id — never the order Neo4j happens to keep them in.
    code = uscc(940_002)
    await remove_subjects(hub, [code])
    await add_subject(hub, code)
    ids = ("tie-z", "tie-a", "tie-m")  # stored in this order
    for n, item in enumerate(ids):
        await add_evaluation(hub, code, f"{item}-e", scheme=f"scheme-{n}", grade="良", disclosure="PUBLIC")
        await add_record(hub, code, f"{item}-r", kind="HONOR", disclosure="PUBLIC", decided_on=date(2026, 6, 1))
    await hub.gateway.run("MATCH (e:Evaluation) WHERE e.id STARTS WITH 'tie-' "
                          "SET e.evaluated_at = datetime('2026-06-01T09:00:00+08:00')", write=True)
    body = await gql(client, "query($u: String!) { subject(uscc: $u) { evaluations { id } records { id } } }", u=code)
    subject = body["data"]["subject"]
    assert [e["id"] for e in subject["evaluations"]] == ["tie-a-e", "tie-m-e", "tie-z-e"]
    assert [r["id"] for r in subject["records"]] == ["tie-a-r", "tie-m-r", "tie-z-r"]
