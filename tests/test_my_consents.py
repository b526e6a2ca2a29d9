"""`myConsents`: a bank lists the consents granted to it — never another bank's — paged, with its count."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.auth import issue_token
from hub.db import consents as consent_store
from hub.disclosure import ConsentScope, Role, Viewer
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_subjects, bearer, gql, register_bank, remove_subjects, uscc

REGION = "410526"  # 滑县: this module's own subjects
CODES = [uscc(7200 + n, region=REGION) for n in range(4)]
OURS, THEIRS = "滑县农商银行", "滑县邮储银行"
MINE = """query($status: ConsentStatus, $first: Int, $after: String) {
  myConsents(status: $status, first: $first, after: $after) {
    totalCount
    edges { cursor node { id subjectUscc grantee purpose scopes grantedAt expiresAt revokedAt active status } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, settings: Settings) -> AsyncIterator[dict[str, list[str]]]:
    """Ours: three in force (one with a narrower scope), one revoked, one expired; theirs: one."""
    await remove_subjects(hub, CODES)
    await add_subjects(hub, CODES)
    await register_bank(hub, OURS, THEIRS)
    platform = Viewer(Role.ADMIN, org="滑县信用办")
    until = clock.now() + timedelta(days=30)
    ours = [(await hub.grant_consent(uscc=code, grantee=OURS, purpose="信易贷", expires_at=until, scopes=scopes,
                                     granted_by=platform)).id
            for code, scopes in zip(CODES[:3], (None, frozenset({ConsentScope.RECORDS}), None), strict=True)]
    await hub.revoke_consent(ours[2], platform)
    past = clock.now() - timedelta(days=60)
    expired = Consent(id="consent-hx-expired", subject_uscc=CODES[3], grantee=OURS, purpose="信易贷",
                      granted_at=past, expires_at=past + timedelta(days=30), granted_by=platform.label)
    await consent_store.create_consent(hub.gateway, expired)
    theirs = [(await hub.grant_consent(uscc=CODES[0], grantee=THEIRS, purpose="信易贷", expires_at=until,
                                       scopes=None, granted_by=platform)).id]
    yield {"ours": [*ours, expired.id], "theirs": theirs}
    await remove_subjects(hub, CODES)


async def mine(client: httpx.AsyncClient, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    answer = await gql(client, MINE, headers, **variables)
    assert "errors" not in answer, answer
    return answer["data"]["myConsents"]


async def test_a_bank_lists_its_own_consents_with_scope_validity_and_status(
        client: httpx.AsyncClient, settings: Settings, world: dict[str, list[str]]) -> None:
    page = await mine(client, bearer(settings, "bank", OURS))
    nodes = [edge["node"] for edge in page["edges"]]
    assert page["totalCount"] == 4 and sorted(n["id"] for n in nodes) == sorted(world["ours"])
    assert {n["grantee"] for n in nodes} == {OURS}
    by_id = {n["id"]: n for n in nodes}
    assert by_id[world["ours"][0]]["status"] == "ACTIVE" and by_id[world["ours"][0]]["active"]
    assert by_id[world["ours"][1]]["scopes"] == ["RECORDS"]
    assert by_id[world["ours"][2]]["status"] == "REVOKED" and by_id[world["ours"][2]]["revokedAt"]
    assert by_id["consent-hx-expired"]["status"] == "EXPIRED" and not by_id["consent-hx-expired"]["active"]
    granted = [n["grantedAt"] for n in nodes]
    assert granted == sorted(granted, reverse=True)  # newest grant first


@pytest.mark.parametrize(("status", "expected"), [("ACTIVE", 2), ("REVOKED", 1), ("EXPIRED", 1)])
async def test_by_status(client: httpx.AsyncClient, settings: Settings, status: str, expected: int) -> None:
    page = await mine(client, bearer(settings, "bank", OURS), status=status)
    assert page["totalCount"] == expected == len(page["edges"])
    assert {edge["node"]["status"] for edge in page["edges"]} == {status}


async def test_pages_cover_every_consent_once(client: httpx.AsyncClient, settings: Settings,
                                              world: dict[str, list[str]]) -> None:
    headers, seen, after = bearer(settings, "bank", OURS), [], None
    while True:
        page = await mine(client, headers, first=1, after=after)
        assert page["totalCount"] == 4 and len(page["edges"]) == 1
        seen.append(page["edges"][0]["node"]["id"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(world["ours"])


async def test_another_bank_sees_only_its_own(client: httpx.AsyncClient, settings: Settings,
                                              world: dict[str, list[str]]) -> None:
    page = await mine(client, bearer(settings, "bank", THEIRS))
    assert page["totalCount"] == 1 and [e["node"]["id"] for e in page["edges"]] == world["theirs"]
    stranger = await mine(client, bearer(settings, "bank", "无授权银行"))
    assert stranger["totalCount"] == 0 and stranger["edges"] == []


async def test_a_cursor_from_another_bank_opens_nothing(client: httpx.AsyncClient, settings: Settings) -> None:
    """A cursor only positions a list: another bank's cursor pages through the caller's own consents."""
    ours = await mine(client, bearer(settings, "bank", OURS), first=1)
    theirs = await mine(client, bearer(settings, "bank", THEIRS), after=ours["pageInfo"]["endCursor"])
    assert {e["node"]["grantee"] for e in theirs["edges"]} <= {THEIRS}
    forged = await gql(client, MINE, bearer(settings, "bank", OURS), after="bm90LWEtY3Vyc29y")
    assert forged["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def _tampered(token: str, org: str) -> str:
    """The token with its org claim changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["org"] = org
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


async def test_forged_tokens_are_refused_before_any_list(client: httpx.AsyncClient, settings: Settings) -> None:
    foreign_key = issue_token("another-hub-secret-" + "x" * 40, settings.jwt_issuer, role=Role.BANK, org=OURS)
    tampered = _tampered(issue_token(settings.jwt_key, settings.jwt_issuer, role=Role.BANK, org=THEIRS), OURS)
    for token in (foreign_key, tampered):
        response = await client.post("/graphql", json={"query": MINE}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "data" not in body
        assert OURS not in response.text.replace(f'"{OURS}"', "")  # no consent of ours in the answer


@pytest.mark.parametrize("role", ["public", "admin", "agency", "platform"])
async def test_only_banks_have_consents_to_list(client: httpx.AsyncClient, settings: Settings, role: str) -> None:
    """Refused: null with FORBIDDEN, or (a role whose schema never shows the field) not valid at all."""
    headers = {} if role == "public" else bearer(settings, role, "滑县信用办")
    response = await client.post("/graphql", json={"query": MINE}, headers=headers)
    body = response.json()
    assert (body.get("data") or {}).get("myConsents") is None
    assert body["errors"][0]["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "FORBIDDEN")
    assert OURS not in response.text


async def test_the_list_is_audited_naming_its_subjects(client: httpx.AsyncClient, settings: Settings,
                                                       hub: CreditHub) -> None:
    bank = bearer(settings, "bank", THEIRS)
    await mine(client, bank)
    rows = await hub.gateway.run("MATCH (a:AuditEntry) WHERE a.actor = $actor AND a.detail STARTS WITH "
                                 "'Query.myConsents' RETURN a.detail AS detail ORDER BY a.seq DESC LIMIT 1",
                                 {"actor": f"bank:{THEIRS}"})
    assert rows and rows[0]["detail"] == f"Query.myConsents served 1 subjects: {CODES[0]}"
