"""信用监管工作台 in a real browser: a real ``hub serve`` on loopback, Debian's Chromium driven by Playwright.

Sign-in (a wrong password, the lock-out, a POST without its CSRF token), each page as a department officer
(search, a subject's profile, the objections queue with one decision, the grade charts), and a bank's loan
officer who sees the subject that consented and is refused the one that did not. Every test fails on a
console error or a request to another host (tests/browser.py). Screenshots of each page go to
``<pytest tmp>/console-screenshots/`` (printed with ``-s``), never into the repository.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hub import clock
from hub.db import consents, feed
from hub.disclosure import Role, Viewer
from hub.exchange.batch import Checkpoint
from hub.exchange.vocabulary import Direction
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from hub.staff import LOCKOUT_FAILURES, StaffRole
from hub.web.console import ConsoleFilesDamaged, load_assets
from tests.browser import STAFF_PASSWORD, ServedHub, WatchedPage, sign_in
from tests.builders import (
    add_evaluation,
    add_record,
    add_subject,
    bearer,
    gql,
    register_bank,
    remove_staff,
    remove_subjects,
    uscc,
)

CONSENTED = uscc(880, region="410423")
OTHER = uscc(881, region="410423")
DEPARTMENT = "410423-CONSOLE"  # this module's own department: its queue holds this module's objection only
BANK = "工作台测试银行"
OFFICER, LOAN_OFFICER, LOCKED = "console-officer", "console-loan", "console-locked"
RECORD = f"console-record-{CONSENTED[-6:]}"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> str:
    await remove_subjects(hub, [CONSENTED, OTHER])
    await remove_staff(hub, [OFFICER, LOAN_OFFICER, LOCKED, "console-nobody"])
    await add_subject(hub, CONSENTED, name="工作台授权测试有限公司")
    await add_subject(hub, OTHER, name="工作台未授权测试有限公司")
    for code in (CONSENTED, OTHER):
        await add_evaluation(hub, code, f"console-eval-{code[-6:]}", scheme="henan-market-risk", grade="C",
                             disclosure="INTERNAL", score=600)
    await add_evaluation(hub, CONSENTED, f"console-auth-{CONSENTED[-6:]}", scheme="henan-public-credit",
                         grade="良", disclosure="AUTHORIZED", score=72)
    await add_record(hub, CONSENTED, RECORD, kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                     title="未按规定公示年度报告", department=DEPARTMENT, decided_on=clock.today() - timedelta(days=30))
    await register_bank(hub, BANK)
    now = clock.now()
    await consents.create_consent(hub.gateway, Consent(
        id=f"consent-{CONSENTED[-6:]}-console", subject_uscc=CONSENTED, grantee=BANK, purpose="信易贷",
        granted_at=now - timedelta(days=1), expires_at=now + timedelta(days=30), granted_by="admin:test"))
    await hub.staff.add(OFFICER, STAFF_PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局", department=DEPARTMENT,
                        display_name="张科员")
    await hub.staff.add(LOAN_OFFICER, STAFF_PASSWORD, StaffRole.BANK, org=BANK, department=None, display_name="李经理")
    await hub.staff.add(LOCKED, STAFF_PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局", department=DEPARTMENT)
    # filed on the subject's behalf through the platform; routed to the record's issuing department
    filed = await hub.objections.file(RECORD, "该处罚已整改完毕，记录有误", Viewer(Role.PLATFORM, org="郏县平台"))
    return filed.id


async def audit_actions(hub: CreditHub, actor_token: str) -> list[str]:
    await hub.audit_log.drain()
    rows = await hub.gateway.query("MATCH (a:AuditEntry) WHERE a.token_id = $t OR a.detail CONTAINS $t "
                                   "RETURN a.action AS action ORDER BY a.seq", {"t": actor_token})
    return [str(row["action"]) for row in rows]


async def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(
        watched_page: WatchedPage, hub: CreditHub, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await page.goto(f"{served.url}/console/subjects")  # not signed in: the sign-in page
    assert page.url.endswith("/console/login")
    await sign_in(page, served, LOCKED, "wrong password 1")
    assert "用户名或密码错误" in await page.inner_text("[role=alert]")
    await page.screenshot(path=str(screenshots / "01-login-refused.png"), full_page=True)
    await sign_in(page, served, "console-nobody", "wrong password")  # an unknown name: the same words
    assert "用户名或密码错误" in await page.inner_text("[role=alert]")
    for attempt in range(2, LOCKOUT_FAILURES + 1):
        await sign_in(page, served, LOCKED, f"wrong password {attempt}")
    assert "账户已锁定" in await page.inner_text("[role=alert]")
    await sign_in(page, served, LOCKED, STAFF_PASSWORD)  # the right password, inside the window: still locked
    assert "账户已锁定" in await page.inner_text("[role=alert]")
    assert page.url.endswith("/console/login")
    await page.goto(f"{served.url}/console/subjects")
    assert page.url.endswith("/console/login")  # no session was opened
    actions = await audit_actions(hub, repr(LOCKED))
    assert actions.count("sign-in-refused") == LOCKOUT_FAILURES + 1
    assert "sign-in" not in actions


async def test_a_form_posted_without_its_csrf_token_is_refused(served_hub: ServedHub) -> None:
    async with httpx.AsyncClient(base_url=served_hub.url) as client:
        form = await client.get("/console/login")
        assert form.status_code == 200 and "HttpOnly" in form.headers["set-cookie"]
        assert "samesite=strict" in form.headers["set-cookie"].lower()
        refused = await client.post("/console/login", data={"username": OFFICER, "password": STAFF_PASSWORD})
        assert refused.status_code == 403 and "CSRF" in refused.text
        assert "hub_console=" not in refused.headers.get("set-cookie", "")
        forged = await client.post("/console/login", data={"username": OFFICER, "password": STAFF_PASSWORD,
                                                           "csrf": "guessed"})
        assert forged.status_code == 403
        # the right token, but posted from another site's page
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        cross_site = await client.post("/console/login", headers={"Origin": "http://evil.example"},
                                       data={"username": OFFICER, "password": STAFF_PASSWORD, "csrf": csrf})
        assert cross_site.status_code == 403
        # a decision posted without the session's token is refused too (and, with no session, goes nowhere)
        decide = await client.post("/console/objections/x", data={"decision": "reject", "reasons": "x"})
        assert decide.status_code == 303 and decide.headers["location"] == "/console/login"


async def test_a_department_officer_searches_reads_a_profile_decides_an_objection_and_sees_the_charts(
        watched_page: WatchedPage, hub: CreditHub, world: str, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, OFFICER, STAFF_PASSWORD)
    assert page.url.endswith("/console/subjects")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "hub_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "张科员" in await page.inner_text("#who")

    await page.fill("input[name=q]", "工作台授权测试")
    async with page.expect_navigation():
        await page.press("input[name=q]", "Enter")
    assert CONSENTED in await page.inner_text("#results")
    await page.screenshot(path=str(screenshots / "02-search.png"), full_page=True)

    async with page.expect_navigation():
        await page.click(f"a[href='/console/subjects/{CONSENTED}']")
    assert await page.inner_text("#subject-name") == "工作台授权测试有限公司"
    schemes = await page.locator("#evaluations .evaluation").evaluate_all("els => els.map(e => e.dataset.scheme)")
    assert "henan-market-risk" in schemes  # INTERNAL: the risk class shows, by its Chinese name
    assert "河南省企业信用风险分类：C" in await page.inner_text("#evaluations")
    assert "未按规定公示年度报告" in await page.inner_text("#records")
    assert "在施监管措施" in await page.inner_text("#measures")
    await page.screenshot(path=str(screenshots / "03-profile.png"), full_page=True)
    async with page.expect_navigation():
        await page.click("#reads-link")  # who read the subject: its issuing department may see
    assert f"console:{OFFICER}" in await page.locator("#reads .via").all_inner_texts()
    await page.screenshot(path=str(screenshots / "03-reads.png"), full_page=True)

    await page.click("header nav a[href='/console/objections']")
    await page.wait_for_selector("#queue")
    row = page.locator(f"#objection-{world}")
    assert "该处罚已整改完毕" in await row.inner_text()
    await page.screenshot(path=str(screenshots / "04-objections.png"), full_page=True)
    await row.locator("input[value=reject]").check()
    await row.locator("textarea[name=reasons]").fill("经核查，处罚决定书记载无误，维持原记录。")
    async with page.expect_navigation():
        await row.locator("button[type=submit]").click()
    assert f"异议 {world} 已处理：已驳回" in await page.inner_text("[role=alert]")
    assert await page.locator(f"#objection-{world}").count() == 0
    [decided] = [o for o in await hub.objections.listed("REJECTED") if o.id == world]
    assert decided.reasons == "经核查，处罚决定书记载无误，维持原记录。"
    await page.screenshot(path=str(screenshots / "05-objection-decided.png"), full_page=True)

    await page.click("header nav a[href='/console/grades']")
    await page.wait_for_selector(".chart[data-rendered=true] svg")
    charts = await page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")
    [risk] = [chart for chart in charts if chart["id"] == "henan-market-risk"]
    assert [g["name"] for g in risk["grades"]] == ["A", "B", "C", "D"]
    assert risk["grades"][2]["count"] >= 2  # this module's two subjects graded C (others' may add)
    await page.screenshot(path=str(screenshots / "06-grades.png"), full_page=True)

    async with page.expect_navigation():
        await page.click("header button[type=submit]")  # 退出登录
    assert page.url.endswith("/console/login")
    await page.goto(f"{served.url}/console/objections")
    assert page.url.endswith("/console/login")
    assert await audit_actions(hub, f"console:{OFFICER}") >= ["sign-in"]
    actions = await audit_actions(hub, f"console:{OFFICER}")
    # every read and the decision are audited as the person (console:NAME), between sign-in and sign-out
    assert actions[0] == "sign-in" and actions[-1] == "sign-out" and {"read", "write"} <= set(actions)


async def test_a_bank_officer_sees_the_consented_subject_and_is_refused_the_others(
        watched_page: WatchedPage, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, LOAN_OFFICER, STAFF_PASSWORD)
    nav = await page.inner_text("header nav")
    assert "主体查询" in nav and "异议处理" not in nav and "等级分布" not in nav and "同步状态" not in nav

    await page.goto(f"{served.url}/console/subjects/{CONSENTED}")
    assert await page.inner_text("#subject-name") == "工作台授权测试有限公司"
    schemes = await page.locator("#evaluations .evaluation").evaluate_all("els => els.map(e => e.dataset.scheme)")
    assert schemes == ["henan-public-credit"]  # AUTHORIZED, opened by the consent; the INTERNAL risk class is not
    assert f"consent-{CONSENTED[-6:]}-console" in await page.inner_text("main")
    assert await page.locator("#measures").count() == 0
    await page.screenshot(path=str(screenshots / "07-bank-profile.png"), full_page=True)

    await page.goto(f"{served.url}/console/subjects/{OTHER}")
    refusal = await page.inner_text("[role=alert]")
    assert "未取得该主体的有效授权" in refusal
    assert "工作台未授权测试有限公司" not in await page.inner_text("main")
    await page.screenshot(path=str(screenshots / "08-bank-refused.png"), full_page=True)

    await page.goto(f"{served.url}/console/objections")
    assert "无权查看或办理" in await page.inner_text("[role=alert]")


async def test_the_sync_status_page_shows_each_peers_last_round_and_its_dead_letters(
        watched_page: WatchedPage, hub: CreditHub, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    peer = "console-test-province"
    pulled = Checkpoint(peer, Direction.PULL_DOWN, "1234")
    await feed.save_checkpoint(hub.gateway, pulled, applied=7, dead=2)
    await feed.add_dead_letters(hub.gateway, [feed.dead_letter(pulled, "batch-9", f"console-item-{n}",
                                                               "origin_level county is not above this county platform",
                                                               None) for n in range(2)])
    try:
        await sign_in(page, served, OFFICER, STAFF_PASSWORD)
        await page.click("header nav a[href='/console/sync']")
        row = page.locator(f"#sync-status tr[data-peer='{peer}'][data-direction='PULL_DOWN']")
        text = await row.inner_text()
        assert "拉取（上级下发）" in text and "1234" in text and "秒前" in await row.locator(".lag").inner_text()
        assert await row.locator(".dead").inner_text() == "2"
        letters = await page.inner_text("#dead-letters")
        assert "console-item-0" in letters and "is not above this county platform" in letters
        await page.screenshot(path=str(screenshots / "09-sync-status.png"), full_page=True)
    finally:
        await hub.gateway.run("MATCH (n) WHERE (n:SyncCursor OR n:DeadLetter) AND n.peer = $peer DETACH DELETE n",
                              {"peer": peer}, write=True)


async def test_grade_distribution_is_internal_only_in_the_api_the_console_uses(
        served_hub: ServedHub, settings: Settings) -> None:
    async with httpx.AsyncClient(base_url=served_hub.url) as client:
        query = "{ gradeDistribution { scheme grade count } }"
        agency = await gql(client, query, bearer(settings, "agency", "县市场监管局", department=DEPARTMENT))
        risk_c = [row for row in agency["data"]["gradeDistribution"]
                  if (row["scheme"], row["grade"]) == ("henan-market-risk", "C")]
        assert risk_c and risk_c[0]["count"] >= 2
        for caller in (bearer(settings, "bank", BANK), {}):
            refused = await gql(client, query, caller)
            assert refused["data"]["gradeDistribution"] is None
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_hub_refuses_to_serve_a_damaged_chart_library(tmp_path: Path) -> None:
    assets = Path(__file__).parents[1] / "hub" / "web" / "console" / "assets"
    (tmp_path / "MANIFEST.json").write_text((assets / "MANIFEST.json").read_text())
    (tmp_path / "echarts.min.js").write_bytes((assets / "echarts.min.js").read_bytes() + b"\n// altered")
    with pytest.raises(ConsoleFilesDamaged, match=r"echarts\.min\.js is missing or altered"):
        load_assets(tmp_path)
    assert "echarts.min.js" in load_assets(assets)
