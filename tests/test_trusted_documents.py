"""Trusted documents (persisted queries) for banks: sent by id, unknown ids refused with their own code, and a
setting that holds bank tokens to them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate

from hub.app import create_app
from hub.service import CreditHub
from hub.settings import Settings
from schema.build import SDL_PATH
from schema.trusted import MANIFEST_PATH, SOURCE_PATH, manifest
from tests.builders import add_subjects, bearer, remove_subjects, uscc

REGION = "410522"  # 安阳县: this module's own subjects
CODES = [uscc(7300 + n, region=REGION) for n in range(3)]
BANK = "安阳县测试银行"
OPERATIONS = {op["name"]: op for op in json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["operations"]}
VARIABLES: dict[str, dict[str, Any]] = {
    "SubjectProfile": {"uscc": CODES[0]}, "SearchSubjects": {"search": "91" + REGION, "first": 2},
    "MyConsents": {"first": 5}, "CreditReport": {"uscc": CODES[0]},
    "VerifyCreditReport": {"number": "XYBG-410522-20261129-ABCDEFGHJKLM", "digest": "0" * 64},
    "RevokeConsent": {"id": "consent-none"},
}


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> AsyncIterator[None]:
    await remove_subjects(hub, CODES)
    await add_subjects(hub, CODES)
    yield
    await remove_subjects(hub, CODES)


def document_id(name: str) -> str:
    return "sha256:" + OPERATIONS[name]["id"]


async def post(client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers)


def test_the_manifest_is_generated_from_the_documents() -> None:
    assert MANIFEST_PATH.read_text(encoding="utf-8") == manifest(SOURCE_PATH.read_text(encoding="utf-8")), \
        "run `python -m schema.trusted > schema/trusted/bank.json` and commit it"
    assert set(OPERATIONS) == set(VARIABLES)  # each bank operation is exercised below


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_every_document_is_valid_against_the_committed_schema(name: str) -> None:
    """What clients generate code from (schema/schema.graphql) accepts every trusted document."""
    errors = validate(build_schema(SDL_PATH.read_text(encoding="utf-8")), parse(OPERATIONS[name]["body"]))
    assert errors == []


@pytest.mark.parametrize("name", sorted(VARIABLES))
async def test_every_document_is_valid_for_a_bank(client: httpx.AsyncClient, settings: Settings, name: str) -> None:
    """Run by id with a bank token: the schema a bank is shown accepts every one (tier refusals may follow)."""
    response = await post(client, {"documentId": document_id(name), "variables": VARIABLES[name]},
                          bearer(settings, "bank", BANK))
    assert response.status_code == 200, response.text
    codes = {error["extensions"]["code"] for error in response.json().get("errors", [])}
    assert codes <= {"FORBIDDEN", "NOT_FOUND"}, response.text
    assert response.json()["data"] is not None


async def test_an_id_runs_the_same_as_its_text(client: httpx.AsyncClient, settings: Settings) -> None:
    bank = bearer(settings, "bank", BANK)
    by_text = await post(client, {"query": OPERATIONS["SearchSubjects"]["body"],
                                  "variables": VARIABLES["SearchSubjects"]}, bank)
    by_id = await post(client, {"documentId": document_id("SearchSubjects"),
                                "variables": VARIABLES["SearchSubjects"]}, bank)
    assert by_id.json() == by_text.json() and by_id.json()["data"]["subjects"]["totalCount"] == 3
    get = await client.get("/graphql", params={"documentId": document_id("SearchSubjects"),
                                               "variables": json.dumps(VARIABLES["SearchSubjects"])}, headers=bank)
    assert get.json() == by_text.json()


@pytest.mark.parametrize("given", ["sha256:" + "0" * 64, "sha256:XYZ", "md5:abc", 42, ""])
async def test_an_unknown_id_is_refused_with_its_code(client: httpx.AsyncClient, settings: Settings,
                                                      given: object) -> None:
    response = await post(client, {"documentId": given}, bearer(settings, "bank", BANK))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_id_and_a_query_together_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await post(client, {"documentId": document_id("SearchSubjects"), "query": "{ __typename }"},
                          bearer(settings, "bank", BANK))
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_banks_may_send_queries_by_default(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await post(client, {"query": "{ subjects(first: 1) { totalCount } }"}, bearer(settings, "bank", BANK))
    assert response.status_code == 200 and "errors" not in response.json()


async def test_the_setting_holds_bank_tokens_to_trusted_documents(settings: Settings, hub: CreditHub) -> None:
    app = create_app(settings.model_copy(update={"bank_trusted_documents_only": True}), hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test") as client:
        bank = bearer(settings, "bank", BANK)
        refused = await post(client, {"query": OPERATIONS["SearchSubjects"]["body"],
                                      "variables": VARIABLES["SearchSubjects"]}, bank)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        assert "data" not in refused.json()
        allowed = await post(client, {"documentId": document_id("SearchSubjects"),
                                      "variables": VARIABLES["SearchSubjects"]}, bank)
        assert allowed.status_code == 200 and allowed.json()["data"]["subjects"]["totalCount"] == 3
        unknown = await post(client, {"documentId": "sha256:" + "f" * 64}, bank)
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        for others in ({}, bearer(settings, "admin", "安阳县信用办")):  # the setting is about bank tokens only
            answer = await post(client, {"query": "{ subjects(first: 1) { totalCount } }"}, others)
            assert answer.status_code == 200 and "errors" not in answer.json()
