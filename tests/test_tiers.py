"""Every tier rule, attacked: aliases, fragments, nested lists, several root fields, introspection.

The world: subject A consented to bank 甲 (all scopes); B's consent to 甲 expired; C consented to
bank 乙 only; D's consent to 甲 was revoked; E consented to 甲 for evaluations only. Each subject
has records and evaluations of every tier, and a legal representative with a resident ID.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.db import consents
from hub.disclosure import ConsentScope
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    CREDIT_OFFICE,
    add_evaluation,
    add_record,
    add_subject,
    bearer,
    register_bank,
    remove_subjects,
    resident_id,
    uscc,
)

A, B, C, D, E = (uscc(100 + n) for n in range(5))
IDS = {code: resident_id(n + 1) for n, code in enumerate((A, B, C, D, E))}
BANK_JIA, BANK_YI = "测试银行甲", "测试银行乙"

# record id suffix → (kind, disclosure, publicity_ends_on offset in days or None, status)
RECORDS = {
    "licence": ("ADMINISTRATIVE_LICENSE", "PUBLIC", None, "ACTIVE"),
    "penalty-open": ("ADMINISTRATIVE_PENALTY", "PUBLIC", 100, "ACTIVE"),
    "penalty-closed": ("ADMINISTRATIVE_PENALTY", "PUBLIC", -1, "ACTIVE"),
    "penalty-last-day": ("ADMINISTRATIVE_PENALTY", "PUBLIC", 0, "ACTIVE"),
    "penalty-repaired": ("ADMINISTRATIVE_PENALTY", "PUBLIC", 100, "REPAIRED"),
    "complaint": ("COMPLAINT", "INTERNAL", None, "ACTIVE"),
    "incident": ("SAFETY_INCIDENT", "AUTHORIZED", None, "ACTIVE"),
    "contract": ("CONTRACT_PERFORMANCE", "AUTHORIZED", None, "ACTIVE"),
}
PUBLIC_RECORDS = {"licence", "penalty-open", "penalty-last-day"}
BANK_RECORDS = PUBLIC_RECORDS | {"incident", "contract"}
EVALUATIONS = {
    "public": ("henan-public-credit", "良", "PUBLIC"),
    "industry": ("jiaxian-food-industry", "B", "AUTHORIZED"),
    "risk": ("henan-market-risk", "B", "INTERNAL"),
}


def _consent(code: str, grantee: str, *, expires_in: timedelta, revoked: bool = False,
             scopes: frozenset[ConsentScope] | None = None) -> Consent:
    now = clock.now()
    return Consent(id=f"consent-{code[-6:]}-{grantee}", subject_uscc=code, grantee=grantee,
                   purpose="信易贷 loan review", granted_at=now - timedelta(days=30),
                   expires_at=now + expires_in, revoked_at=now if revoked else None,
                   granted_by="admin:test", scopes=scopes or frozenset(ConsentScope))


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [A, B, C, D, E])
    today = clock.today()
    for code in (A, B, C, D, E):
        await add_subject(hub, code, person_id=IDS[code])
        for suffix, (kind, disclosure, offset, status) in RECORDS.items():
            ends = today + timedelta(days=offset) if offset is not None else None
            await add_record(hub, code, f"{code}-{suffix}", kind=kind, disclosure=disclosure,
                             publicity_ends_on=ends, status=status)
        for suffix, (scheme, grade, disclosure) in EVALUATIONS.items():
            await add_evaluation(hub, code, f"{code}-{suffix}", scheme=scheme, grade=grade,
                                 disclosure=disclosure, score=80.0)
    year = timedelta(days=200)
    await register_bank(hub, BANK_JIA, BANK_YI)
    for consent in (
        _consent(A, BANK_JIA, expires_in=year),
        _consent(B, BANK_JIA, expires_in=-timedelta(seconds=1)),
        _consent(C, BANK_YI, expires_in=year),
        _consent(D, BANK_JIA, expires_in=year, revoked=True),
        _consent(E, BANK_JIA, expires_in=year, scopes=frozenset({ConsentScope.EVALUATIONS})),
    ):
        await consents.create_consent(hub.gateway, consent)
        if consent.revoked_at is not None:
            await hub.revoke_consent(consent.id, CREDIT_OFFICE)


async def gql(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None,
              variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def forbidden_paths(body: dict[str, Any]) -> set[str]:
    return {".".join(map(str, e["path"])) for e in body.get("errors", [])
            if e["extensions"]["code"] == "FORBIDDEN"}


def suffixes(items: list[dict[str, Any]], code: str) -> set[str]:
    return {item["id"].removeprefix(f"{code}-") for item in items}


PROFILE = """
  uscc name
  records { id disclosure }
  evaluations { id scheme disclosure }
  legalRepresentative { name idMasked }
  riskClassification { grade }
"""


def bank(settings: Settings, org: str = BANK_JIA) -> dict[str, str]:
    return bearer(settings, "bank", org)


# --- PUBLIC --------------------------------------------------------------------------------


async def test_public_sees_public_items_inside_their_window_only(client: httpx.AsyncClient) -> None:
    body = await gql(client, f'{{ subject(uscc: "{A}") {{ {PROFILE} }} }}')
    subject = body["data"]["subject"]
    assert suffixes(subject["records"], A) == PUBLIC_RECORDS
    assert suffixes(subject["evaluations"], A) == {"public"}
    assert subject["legalRepresentative"] is None
    assert subject["riskClassification"] is None
    assert forbidden_paths(body) == {"subject.legalRepresentative", "subject.riskClassification"}


async def test_public_refusals_say_why(client: httpx.AsyncClient) -> None:
    body = await gql(client, f'{{ subject(uscc: "{A}") {{ riskClassification {{ grade }} }} }}')
    [error] = body["errors"]
    assert "internal-only" in error["message"]
    assert "Traceback" not in json.dumps(body)


async def test_aliases_do_not_open_a_field(client: httpx.AsyncClient) -> None:
    body = await gql(client, f"""{{
      x: subject(uscc: "{A}") {{ risk: riskClassification {{ g: grade }}
                                  rep: legalRepresentative {{ n: name }}
                                  r1: records {{ id }} r2: records(kind: "COMPLAINT") {{ id }} }}
    }}""")
    data = body["data"]["x"]
    assert data["risk"] is None and data["rep"] is None
    assert suffixes(data["r1"], A) == PUBLIC_RECORDS
    assert data["r2"] == []
    assert forbidden_paths(body) == {"x.risk", "x.rep"}


async def test_fragments_do_not_open_a_field(client: httpx.AsyncClient) -> None:
    body = await gql(client, f"""
      query {{ subject(uscc: "{A}") {{ ...Everything ... on Subject {{ inline: riskClassification {{ grade }} }} }} }}
      fragment Everything on Subject {{ riskClassification {{ grade }} ...Deeper }}
      fragment Deeper on Subject {{ evaluations {{ ...Eval }} legalRepresentative {{ name }} }}
      fragment Eval on Evaluation {{ id disclosure }}
    """)
    data = body["data"]["subject"]
    assert data["riskClassification"] is None and data["inline"] is None
    assert data["legalRepresentative"] is None
    assert suffixes(data["evaluations"], A) == {"public"}
    assert len(forbidden_paths(body)) == 3


async def test_public_nested_lists_are_filtered_for_every_subject(client: httpx.AsyncClient) -> None:
    body = await gql(client, """{ subjects(search: "91410425M", first: 50) {
        edges { node { uscc records { id disclosure } evaluations { disclosure } } } } }""")
    nodes = [edge["node"] for edge in body["data"]["subjects"]["edges"]]
    ours = [n for n in nodes if n["uscc"] in IDS]
    assert len(ours) == 5
    for node in ours:
        assert suffixes(node["records"], node["uscc"]) == PUBLIC_RECORDS
        assert {e["disclosure"] for e in node["evaluations"]} == {"PUBLIC"}


# --- AUTHORIZED: banks and consent -----------------------------------------------------------


async def test_bank_with_consent_sees_authorized_items_not_internal(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, f'{{ subject(uscc: "{A}") {{ {PROFILE} }} }}', bank(settings))
    subject = body["data"]["subject"]
    assert suffixes(subject["records"], A) == BANK_RECORDS
    assert suffixes(subject["evaluations"], A) == {"public", "industry"}
    assert subject["legalRepresentative"]["idMasked"] == IDS[A][:6] + "********" + IDS[A][-4:]
    assert subject["riskClassification"] is None
    assert forbidden_paths(body) == {"subject.riskClassification"}


async def test_bank_never_gets_a_whole_resident_id(client: httpx.AsyncClient,
                                                   settings: Settings) -> None:
    body = await gql(client, f'{{ subject(uscc: "{A}") {{ legalRepresentative {{ name idMasked idNumber }} }} }}',
                     bank(settings))
    assert body["data"]["subject"]["legalRepresentative"]["idNumber"] is None
    assert forbidden_paths(body) == {"subject.legalRepresentative.idNumber"}
    assert IDS[A] not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(("code", "why"), [
    (B, "expired"), (C, "granted to another bank"), (D, "revoked")])
async def test_bank_without_a_valid_consent_sees_what_public_sees(
        client: httpx.AsyncClient, settings: Settings, code: str, why: str) -> None:
    body = await gql(client, f'{{ subject(uscc: "{code}") {{ {PROFILE} }} }}', bank(settings))
    subject = body["data"]["subject"]
    assert suffixes(subject["records"], code) == PUBLIC_RECORDS, why
    assert suffixes(subject["evaluations"], code) == {"public"}, why
    assert subject["legalRepresentative"] is None, why
    [refusal] = [e for e in body["errors"] if e["path"][-1] == "legalRepresentative"]
    assert "no unexpired, unrevoked consent" in refusal["message"]


async def test_consent_is_bound_to_its_grantee(client: httpx.AsyncClient,
                                               settings: Settings) -> None:
    mine = await gql(client, f'{{ subject(uscc: "{C}") {{ legalRepresentative {{ name }} }} }}',
                     bank(settings, BANK_YI))
    theirs = await gql(client, f'{{ subject(uscc: "{C}") {{ legalRepresentative {{ name }} }} }}',
                       bank(settings, BANK_JIA))
    assert mine["data"]["subject"]["legalRepresentative"]["name"] == "张三"
    assert theirs["data"]["subject"]["legalRepresentative"] is None


async def test_consent_scope_limits_what_it_opens(client: httpx.AsyncClient,
                                                  settings: Settings) -> None:
    body = await gql(client, f'{{ subject(uscc: "{E}") {{ {PROFILE} }} }}', bank(settings))
    subject = body["data"]["subject"]
    assert suffixes(subject["evaluations"], E) == {"public", "industry"}
    assert suffixes(subject["records"], E) == PUBLIC_RECORDS
    assert subject["legalRepresentative"] is None
    [refusal] = [e for e in body["errors"] if e["path"][-1] == "legalRepresentative"]
    assert "outside the scope" in refusal["message"]


async def test_several_root_fields_each_get_their_own_subjects_tier(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, f"""{{
      a: subject(uscc: "{A}") {{ legalRepresentative {{ name }} records {{ id }} }}
      b: subject(uscc: "{B}") {{ legalRepresentative {{ name }} records {{ id }} }}
      c: subject(uscc: "{C}") {{ legalRepresentative {{ name }} records {{ id }} }}
      a2: subject(uscc: "{A}") {{ riskClassification {{ grade }} }}
    }}""", bank(settings))
    data = body["data"]
    assert data["a"]["legalRepresentative"]["name"] == "张三"
    assert suffixes(data["a"]["records"], A) == BANK_RECORDS
    for alias, code in (("b", B), ("c", C)):
        assert data[alias]["legalRepresentative"] is None
        assert suffixes(data[alias]["records"], code) == PUBLIC_RECORDS
    assert data["a2"]["riskClassification"] is None
    assert forbidden_paths(body) == {"b.legalRepresentative", "c.legalRepresentative",
                                     "a2.riskClassification"}


async def test_bank_nested_lists_use_each_subjects_own_consent(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, """{ subjects(search: "91410425M", first: 50) { nodes {
        uscc records { id } evaluations { id } legalRepresentative { name } } } }""",
                     bank(settings))
    nodes = {n["uscc"]: n for n in body["data"]["subjects"]["nodes"] if n["uscc"] in IDS}
    assert suffixes(nodes[A]["records"], A) == BANK_RECORDS
    assert nodes[A]["legalRepresentative"] is not None
    for code in (B, C, D):
        assert suffixes(nodes[code]["records"], code) == PUBLIC_RECORDS
        assert suffixes(nodes[code]["evaluations"], code) == {"public"}
        assert nodes[code]["legalRepresentative"] is None


# --- INTERNAL -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agency", "admin", "platform"])
async def test_internal_viewers_see_everything(client: httpx.AsyncClient, settings: Settings,
                                               role: str) -> None:
    body = await gql(client, f"""{{ subject(uscc: "{B}") {{ {PROFILE}
        legalRepresentative {{ idNumber }} }} }}""", bearer(settings, role, "县市场监管局"))
    assert "errors" not in body
    subject = body["data"]["subject"]
    assert suffixes(subject["records"], B) == set(RECORDS)
    assert suffixes(subject["evaluations"], B) == set(EVALUATIONS)
    assert subject["riskClassification"]["grade"] == "B"
    assert subject["legalRepresentative"]["idNumber"] == IDS[B]


# --- introspection ---------------------------------------------------------------------------

INTROSPECT = """{ __schema { types { name fields { name } } }
                  __type(name: "Subject") { fields { name } } }"""


def _listed_fields(body: dict[str, Any]) -> set[str]:
    types = body["data"]["__schema"]["types"]
    return {f"{t['name']}.{f['name']}" for t in types for f in (t["fields"] or [])}


async def test_public_introspection_does_not_list_internal_only_fields(
        client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bank(settings)):
        body = await gql(client, INTROSPECT, headers)
        listed = _listed_fields(body)
        assert "Subject.riskClassification" not in listed
        assert "Person.idNumber" not in listed
        assert "Mutation.grantConsent" not in listed
        assert "Subject.legalRepresentative" in listed
        subject_fields = {f["name"] for f in body["data"]["__type"]["fields"]}
        assert "riskClassification" not in subject_fields


async def test_internal_introspection_lists_everything(client: httpx.AsyncClient,
                                                       settings: Settings) -> None:
    body = await gql(client, INTROSPECT, bearer(settings, "admin", "信用办"))
    listed = _listed_fields(body)
    assert {"Subject.riskClassification", "Person.idNumber", "Mutation.grantConsent"} <= listed


# --- the resident ID scan --------------------------------------------------------------------

ID_PATTERN = re.compile(r"\d{17}[\dX]")


async def test_no_response_to_public_or_a_bank_contains_a_whole_resident_id(
        client: httpx.AsyncClient, settings: Settings) -> None:
    queries = [
        f'{{ subject(uscc: "{code}") {{ {PROFILE} legalRepresentative {{ idNumber }} }} }}'
        for code in IDS
    ] + ["""{ subjects(first: 100) { nodes { uscc legalRepresentative { name idMasked idNumber }
            records { id title content } } } }""", INTROSPECT]
    viewers = [{}, bank(settings), bank(settings, BANK_YI), bearer(settings, "public")]
    scanned = 0
    for headers in viewers:
        for query in queries:
            text = json.dumps(await gql(client, query, headers), ensure_ascii=False)
            leaked = {m for m in ID_PATTERN.findall(text) if m in IDS.values()}
            assert not leaked, f"whole resident ID in a response: {leaked}"
            scanned += 1
    assert scanned == len(viewers) * len(queries)


async def test_internal_response_does_contain_the_id_so_the_scan_can_fail(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, f'{{ subject(uscc: "{A}") {{ legalRepresentative {{ idNumber }} }} }}',
                     bearer(settings, "agency", "县市场监管局"))
    assert ID_PATTERN.search(json.dumps(body))

