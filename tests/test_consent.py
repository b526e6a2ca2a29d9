"""Consent (授权) through the API: granted, used, revoked, expired, bound to its grantee."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine

from hub import clock
from hub.messages_zh import MESSAGE_ZH
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_subject, bearer, register_bank, resident_id, uscc

pytestmark = pytest.mark.usefixtures("china_clock")  # dates from hub.clock, at 15:59 and 16:01 UTC


SUBJECT = uscc(300)
BANK = "测试银行丙"
GRANT = """mutation($uscc: String!, $grantee: String!, $expiresAt: DateTime!, $scopes: [ConsentScope!]) {
  grantConsent(uscc: $uscc, grantee: $grantee, purpose: "信易贷 loan review", expiresAt: $expiresAt,
               scopes: $scopes) { id grantee subjectUscc active scopes expiresAt }
}"""
GRANT_WITHOUT_SCOPES = """mutation($uscc: String!, $grantee: String!, $expiresAt: DateTime!) {
  grantConsent(uscc: $uscc, grantee: $grantee, purpose: "信易贷 loan review", expiresAt: $expiresAt) { id }
}"""
REVOKE = "mutation($id: ID!) { revokeConsent(id: $id) { id active revokedAt } }"
READ = f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ name idMasked }} }} }}'


@pytest.fixture(scope="module", autouse=True)
async def subject(hub: CreditHub) -> None:
    await add_subject(hub, SUBJECT, person_id=resident_id(300), person_name="李四")
    await register_bank(hub, BANK, "到期银行", "绑定银行", "评价银行", "持有银行", "全部范围银行",
                        "中国工商银行郏县支行")


async def call(client: httpx.AsyncClient, query: str, headers: dict[str, str],
               **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def in_days(days: float) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def test_granted_used_then_revoked(client: httpx.AsyncClient, settings: Settings) -> None:
    admin, bank = bearer(settings, "admin", "郏县信用办"), bearer(settings, "bank", BANK)
    before = await call(client, READ, bank)
    assert before["data"]["subject"]["legalRepresentative"] is None

    granted = await call(client, GRANT, admin, uscc=SUBJECT, grantee=BANK, expiresAt=in_days(30))
    consent = granted["data"]["grantConsent"]
    assert consent["active"] and consent["grantee"] == BANK and consent["subjectUscc"] == SUBJECT

    used = await call(client, READ, bank)
    assert used["data"]["subject"]["legalRepresentative"]["name"] == "李四"

    revoked = await call(client, REVOKE, admin, id=consent["id"])
    assert revoked["data"]["revokeConsent"]["active"] is False
    after = await call(client, READ, bank)
    assert after["data"]["subject"]["legalRepresentative"] is None
    assert after["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_consent_that_expires_stops_opening(client: httpx.AsyncClient,
                                                    settings: Settings) -> None:
    admin, bank = bearer(settings, "platform", "郏县公共信用信息平台"), bearer(settings, "bank", "到期银行")
    await call(client, GRANT, admin, uscc=SUBJECT, grantee="到期银行",
               expiresAt=in_days(2.5 / 86400))
    assert (await call(client, READ, bank))["data"]["subject"]["legalRepresentative"] is not None
    with time_machine.travel(clock.now() + timedelta(seconds=3), tick=False):  # 3 s later, on the hub's clock
        assert (await call(client, READ, bank))["data"]["subject"]["legalRepresentative"] is None


async def test_consent_is_bound_to_the_grantee(client: httpx.AsyncClient,
                                               settings: Settings) -> None:
    admin = bearer(settings, "admin", "郏县信用办")
    await call(client, GRANT, admin, uscc=SUBJECT, grantee="绑定银行", expiresAt=in_days(10))
    other = await call(client, READ, bearer(settings, "bank", "别的银行"))
    assert other["data"]["subject"]["legalRepresentative"] is None
    same_name_other_role = await call(client, READ, bearer(settings, "public", "绑定银行"))
    assert same_name_other_role["data"]["subject"]["legalRepresentative"] is None


@pytest.mark.parametrize("role", ["public", "bank", "agency"])
async def test_only_admin_or_platform_may_grant(client: httpx.AsyncClient, settings: Settings,
                                                role: str) -> None:
    headers = {} if role == "public" else bearer(settings, role, BANK)
    body = await call(client, GRANT_WITHOUT_SCOPES, headers, uscc=SUBJECT, grantee=BANK, expiresAt=in_days(30))
    assert body["data"] == {"grantConsent": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "restricted to the roles admin, platform" in body["errors"][0]["message"]
    # ConsentScope is hidden from the public like the consent mutations: a request that names it is
    # refused as naming an unknown type. A bank sees it (it may revoke a consent it holds, and read its
    # scopes) and so does a department (it reads a subject's consents, Subject.consents), so their
    # requests are refused at grantConsent.
    response = await client.post("/graphql", headers=headers, json={"query": GRANT, "variables": {
        "uscc": SUBJECT, "grantee": BANK, "expiresAt": in_days(30)}})
    if role in ("bank", "agency"):
        assert response.status_code == 200 and response.json()["data"] == {"grantConsent": None}
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        return
    assert response.status_code == 400
    assert response.json()["errors"] == [{"message": "Unknown type 'ConsentScope'.", "locations": [
        {"line": 1, "column": 78}], "extensions": {"code": "GRAPHQL_VALIDATION_FAILED",
                                                   "messageZh": MESSAGE_ZH["GRAPHQL_VALIDATION_FAILED"]}}]


@pytest.mark.parametrize(("variables", "message"), [
    ({"uscc": "91410425MA0000000"}, "has 17 characters"),
    ({"uscc": SUBJECT[:-1] + ("0" if SUBJECT[-1] != "0" else "1")}, "mod-31 check"),
    ({"expiresAt": in_days(-1)}, "is not in the future"),
    ({"expiresAt": in_days(400)}, "renewed at least yearly"),
    ({"grantee": "  "}, "grantee must name"),
    ({"uscc": uscc(99999)}, "no subject with code"),
])
async def test_bad_grants_say_what_is_wrong(client: httpx.AsyncClient, settings: Settings,
                                            variables: dict[str, str], message: str) -> None:
    values = {"uscc": SUBJECT, "grantee": BANK, "expiresAt": in_days(30), **variables}
    body = await call(client, GRANT, bearer(settings, "admin", "郏县信用办"), **values)
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "NOT_FOUND"}


async def test_an_empty_scope_list_is_an_error_not_every_scope(client: httpx.AsyncClient,
                                                                settings: Settings) -> None:
    admin = bearer(settings, "admin", "郏县信用办")
    body = await call(client, GRANT, admin, uscc=SUBJECT, grantee=BANK, expiresAt=in_days(30), scopes=[])
    assert body["data"] == {"grantConsent": None}  # refusable fields are nullable: the error stands in its place
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "scopes is empty" in body["errors"][0]["message"] and "omit scopes" in body["errors"][0]["message"]
    omitted = await call(client, GRANT, admin, uscc=SUBJECT, grantee="全部范围银行", expiresAt=in_days(30))
    assert sorted(omitted["data"]["grantConsent"]["scopes"]) == ["EVALUATIONS", "LEGAL_REPRESENTATIVE", "RECORDS"]


async def test_a_consent_for_an_unknown_bank_is_refused_naming_close_matches(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    typo = "中国工商银行郏县之行"  # 支行 mistyped
    body = await call(client, GRANT, bearer(settings, "admin", "郏县信用办"), uscc=SUBJECT, grantee=typo,
                      expiresAt=in_days(30))
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"grantee '{typo}' is not a bank known to this hub; did you mean '中国工商银行郏县支行'" in error["message"]
    assert "hub org add --kind bank" in error["message"]
    rows = await hub.gateway.run("MATCH (o:Organization {name: $n}) RETURN count(o) AS n", {"n": typo})
    assert rows[0]["n"] == 0  # no organization is made up from a typo
    agency = await call(client, GRANT, bearer(settings, "admin", "郏县信用办"), uscc=SUBJECT, grantee="郏县税务局",
                        expiresAt=in_days(30))
    assert "not a bank known" in agency["errors"][0]["message"]


async def test_the_bank_that_holds_a_consent_may_give_it_up_no_other_bank_may(
        client: httpx.AsyncClient, settings: Settings) -> None:
    granted = await call(client, GRANT, bearer(settings, "platform", "郏县公共信用信息平台"), uscc=SUBJECT,
                         grantee="持有银行", expiresAt=in_days(30))
    consent_id = granted["data"]["grantConsent"]["id"]
    other = await call(client, REVOKE, bearer(settings, "bank", BANK), id=consent_id)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "does not hold this consent" in other["errors"][0]["message"]
    assert (await call(client, READ, bearer(settings, "bank", "持有银行")))["data"]["subject"]["legalRepresentative"]
    holder = await call(client, REVOKE, bearer(settings, "bank", "持有银行"), id=consent_id)
    assert holder["data"]["revokeConsent"]["active"] is False
    assert (await call(client, READ, bearer(settings, "bank", "持有银行")))["data"]["subject"][
        "legalRepresentative"] is None


async def test_revoking_an_unknown_consent_is_not_found(client: httpx.AsyncClient,
                                                        settings: Settings) -> None:
    body = await call(client, REVOKE, bearer(settings, "admin", "郏县信用办"), id="consent-nope")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_scoped_consent_opens_only_its_scope(client: httpx.AsyncClient,
                                                   settings: Settings) -> None:
    admin = bearer(settings, "admin", "郏县信用办")
    await call(client, GRANT, admin, uscc=SUBJECT, grantee="评价银行", expiresAt=in_days(30),
               scopes=["EVALUATIONS"])
    body = await call(client, READ, bearer(settings, "bank", "评价银行"))
    assert body["data"]["subject"]["legalRepresentative"] is None
    assert "outside the scope" in body["errors"][0]["message"]
