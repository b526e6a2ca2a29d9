"""GraphiQL in a real browser, offline: served by a real ``hub serve`` on loopback, driven in Debian's
Chromium as PUBLIC, as a bank with a subject's consent and as an agency. Each run types the token
into the headers pane, fetches the schema again, runs a query, opens the docs and the explorer —
and fails on any console error, any request to another host, or a schema GraphiQL cannot use.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from hub import clock
from hub.db import consents
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from tests.browser import WatchedPage
from tests.builders import add_evaluation, add_subject, register_bank, remove_subjects, resident_id, token, uscc

SUBJECT = uscc(990, region="410423")
BANK = "浏览器测试银行"
QUERY = f'{{ subject(uscc: "{SUBJECT}") {{ name legalRepresentative {{ name }} riskClassification {{ grade }} }} }}'
HEADERS_EDITOR = "section[aria-label=Headers] .graphiql-editor:not(.hidden) .CodeMirror"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = "section[aria-label='Result Window'] .CodeMirror"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await remove_subjects(hub, [SUBJECT])
    await add_subject(hub, SUBJECT, name="浏览器测试有限公司", person_id=resident_id(990), person_name="王五")
    await add_evaluation(hub, SUBJECT, f"{SUBJECT}-risk", scheme="henan-market-risk", grade="C",
                         disclosure="INTERNAL", score=600)
    await register_bank(hub, BANK)
    now = clock.now()
    await consents.create_consent(hub.gateway, Consent(
        id=f"consent-{SUBJECT[-6:]}-browser", subject_uscc=SUBJECT, grantee=BANK, purpose="信易贷",
        granted_at=now - timedelta(days=1), expires_at=now + timedelta(days=30), granted_by="admin:test"))


async def editor_text(page: Any, selector: str) -> str:
    text: str = await page.evaluate("s => document.querySelector(s).CodeMirror.getValue()", selector)
    return text


async def poll(page: Any, check: Any, what: str, tries: int = 100) -> None:
    for _ in range(tries):
        if await check():
            return
        await page.wait_for_timeout(100)
    pytest.fail(f"timed out waiting for {what}")


# viewer → (role, org, what the query answers, root types the docs list, a field of Query the docs list or not)
VIEWERS = {
    "public": (None, None, {"name": "浏览器测试有限公司", "legalRepresentative": None, "riskClassification": None},
               ["query: Query"], False),
    # a bank may give up a consent it holds (revokeConsent): its schema has that one mutation
    "bank": ("bank", BANK, {"name": "浏览器测试有限公司", "legalRepresentative": {"name": "王五"},
                            "riskClassification": None}, ["query: Query", "mutation: Mutation"], False),
    "agency": ("agency", "县市场监管局", {"name": "浏览器测试有限公司", "legalRepresentative": {"name": "王五"},
                                          "riskClassification": {"grade": "C"}}, ["query: Query", "mutation: Mutation"],
               True),
}


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
async def test_graphiql_works_offline_for(watched_page: WatchedPage, settings: Settings, viewer: str) -> None:
    role, org, answer, roots, lists_internal_fields = VIEWERS[viewer]
    assert isinstance(answer, dict)
    page, hub = watched_page.page, watched_page.hub
    secret = ""
    schemas: list[str | None] = []  # each schema fetch once answered: the Authorization it carried
    page.on("requestfinished", lambda request: schemas.append(request.headers.get("authorization")) if (
        "IntrospectionQuery" in (request.post_data or "")) else None)
    response = await page.goto(f"{hub.url}/graphql")
    assert response is not None and response.status == 200
    await page.wait_for_selector(QUERY_EDITOR)
    await poll(page, lambda: _true(bool(schemas)), "the first schema fetch")  # GraphiQL fetches one at a time
    if role is not None:
        secret = token(settings, role, org)
        await page.click(HEADERS_EDITOR)
        # pasted into the pane, as a token is (typed key by key, every prefix would be sent and refused)
        await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {secret}"}))
        assert json.loads(await editor_text(page, HEADERS_EDITOR)) == {"Authorization": f"Bearer {secret}"}
        # GraphiQL takes the headers pane in after a debounce: on a busy machine a click too early
        # re-fetches without them, so click again (once a second) until a fetch carries the token.
        for _ in range(10):
            if f"Bearer {secret}" in schemas:
                break
            await page.click("button[aria-label='Re-fetch GraphQL schema']")
            for _ in range(10):
                if f"Bearer {secret}" in schemas:
                    break
                await page.wait_for_timeout(100)
        await poll(page, lambda: _true(f"Bearer {secret}" in schemas), "the schema fetched with the token")

    await page.evaluate("([s, q]) => document.querySelector(s).CodeMirror.setValue(q)", [QUERY_EDITOR, QUERY])
    await page.click("button[aria-label='Execute query (Ctrl-Enter)']")
    await poll(page, lambda: _has_data(page), "the query's result")
    result: dict[str, Any] = json.loads(await editor_text(page, RESULT))
    assert result["data"]["subject"] == answer
    refused = {".".join(map(str, e["path"])) for e in result.get("errors", [])}
    assert refused == {f"subject.{k}" for k, v in answer.items() if v is None}

    await page.click("button[aria-label='Show Documentation Explorer']")
    await page.wait_for_selector(".graphiql-doc-explorer")
    docs = page.locator(".graphiql-doc-explorer")
    await poll(page, lambda: _lists_roots(docs, roots), f"the docs to list the root types {roots}")
    await page.get_by_role("link", name="Query", exact=True).first.click()
    await poll(page, lambda: _shows(docs, "subjects"), "the fields of Query in the docs")
    assert ("inspectionPlans" in await docs.inner_text()) is lists_internal_fields

    await page.click("button[aria-label='Show GraphiQL Explorer']")
    explorer = page.locator(".graphiql-plugin")
    await poll(page, lambda: _shows(explorer, "gradingSchemes"), "the explorer plugin's fields")
    assert ("inspectionPlans" in await explorer.inner_text()) is lists_internal_fields

    body = await page.inner_text("body")
    assert "invalid" not in body.lower() and "error" not in body.lower().replace('"errors"', "")
    stored = await page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert QUERY.split("(")[0] in stored  # the query is kept for the next visit …
    if secret:
        assert secret not in stored and "eyJ" not in stored  # … the token is not
    watched_page.assert_clean()


async def _true(value: bool) -> bool:
    return value


async def _has_data(page: Any) -> bool:
    return '"data"' in await editor_text(page, RESULT)


async def _shows(locator: Any, text: str) -> bool:
    return text in await locator.inner_text()


async def _lists_roots(docs: Any, roots: list[str]) -> bool:
    text = await docs.inner_text()
    return [line for line in text.splitlines() if line.endswith((": Query", ": Mutation"))] == roots
