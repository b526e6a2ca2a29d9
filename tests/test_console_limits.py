"""The console is no way around /graphql's limits (issue 13 §1, issue 10): its pages' operations pass the same
gate (hub.web.graphql_http.Gate) — the rate shared with the organisation's tokens, the concurrency cap, demand
control — and a refusal is a page of the API's Chinese sentence, status 200. Signed in through the real
/console/login form (with its CSRF token), over httpx against the ASGI app; no browser."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.messages_zh import message_zh
from hub.service import CreditHub
from hub.settings import Settings
from hub.staff import StaffRole
from tests.browser import STAFF_PASSWORD
from tests.builders import (
    add_subject,
    bearer,
    gql,
    register_bank,
    remove_staff,
    remove_subjects,
    stop_rate_clocks,
    uscc,
)

REGION = "410424"
SUBJECT = uscc(1424, region=REGION)
NAME = "工作台限额测试有限公司"
BANK, OTHER_BANK = "工作台限额测试银行", "工作台限额对照银行"
LOAN_OFFICER, OFFICER = "console-limits-loan", "console-limits-officer"
SEARCH = f"/console/subjects?q={NAME[:6]}"
PUBLIC_QUERY = {"query": f'{{ subjects(search: "{NAME[:6]}", first: 5) {{ nodes {{ uscc }} }} }}'}


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> Any:
    await remove_subjects(hub, [SUBJECT])
    await remove_staff(hub, [LOAN_OFFICER, OFFICER])
    await add_subject(hub, SUBJECT, name=NAME)
    await register_bank(hub, BANK, OTHER_BANK)
    await hub.staff.add(LOAN_OFFICER, STAFF_PASSWORD, StaffRole.BANK, org=BANK, department=None)
    await hub.staff.add(OFFICER, STAFF_PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局", department=f"{REGION}-SCJG")
    yield
    await remove_staff(hub, [LOAN_OFFICER, OFFICER])
    await remove_subjects(hub, [SUBJECT])


def client_of(app: Starlette, address: str = "192.0.2.10") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://hub.test", timeout=60)


async def sign_in(http: httpx.AsyncClient, username: str) -> None:
    form = await http.get("/console/login")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    signed = await http.post("/console/login", data={"username": username, "password": STAFF_PASSWORD, "csrf": csrf})
    assert signed.status_code == 303 and signed.headers["location"] == "/console/subjects", signed.text
    assert "hub_console" in http.cookies


def sentence(code: str) -> str:
    return message_zh(code).rstrip("。")


async def test_a_console_page_is_charged_to_the_bank_like_its_tokens(settings: Settings, hub: CreditHub) -> None:
    # one a minute, three at once: the fourth page within the minute finds the organisation's bucket empty
    app = create_app(settings.model_copy(update={"rate_limit_bank": 1, "rate_burst": 3}), hub)
    stop_rate_clocks(app)
    async with client_of(app) as console, client_of(app, "192.0.2.11") as api:
        await sign_in(console, LOAN_OFFICER)
        pages = [await console.get(SEARCH) for _ in range(4)]
        other_bank = await api.post("/graphql", json=PUBLIC_QUERY, headers=bearer(settings, "bank", OTHER_BANK))
        same_bank = await api.post("/graphql", json=PUBLIC_QUERY, headers=bearer(settings, "bank", BANK))
    assert all(page.status_code == 200 for page in pages)
    assert all(SUBJECT in page.text for page in pages[:3])
    assert sentence("TOO_MANY_REQUESTS") in pages[3].text and SUBJECT not in pages[3].text
    assert sentence("TOO_MANY_REQUESTS") not in pages[2].text
    # another organisation still answers; the same organisation's token shares the bucket the console emptied
    assert other_bank.status_code == 200 and other_bank.json()["data"]["subjects"]["nodes"] == [{"uscc": SUBJECT}]
    assert same_bank.status_code == 429 and same_bank.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_REQUESTS"


async def test_a_full_hub_answers_the_console_busy(settings: Settings, hub: CreditHub) -> None:
    app = create_app(settings.model_copy(update={"max_concurrent_requests": 1, "max_queued_requests": 0}), hub)
    async with client_of(app) as console:
        await sign_in(console, OFFICER)
        async with app.state.graphql.admission.turn():  # the one turn is taken (a long report, say)
            busy = await console.get(SEARCH)
            health = await console.get("/healthz")
        served = await console.get(SEARCH)
    assert busy.status_code == 200 and sentence("BUSY") in busy.text and SUBJECT not in busy.text
    assert health.status_code == 200
    assert served.status_code == 200 and SUBJECT in served.text and sentence("BUSY") not in served.text


async def test_a_console_page_costlier_than_the_limit_is_refused(settings: Settings, hub: CreditHub,
                                                                 client: httpx.AsyncClient) -> None:
    app = create_app(settings.model_copy(update={"max_query_cost": 100}), hub)
    async with client_of(app) as console:
        await sign_in(console, OFFICER)
        refused = await console.get(SEARCH)
    assert refused.status_code == 200 and sentence("QUERY_TOO_COSTLY") in refused.text
    assert "HUB_MAX_QUERY_COST" in refused.text and SUBJECT not in refused.text
    # the same page under the default limit is served (the limit, not the page, refused it)
    assert (await gql(client, PUBLIC_QUERY["query"]))["data"]["subjects"]["nodes"] == [{"uscc": SUBJECT}]
