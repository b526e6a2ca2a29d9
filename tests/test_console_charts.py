"""信用监管工作台's profile parts and charts, in a real browser (Debian's Chromium driven by Playwright).

A department officer reads a subject's profile — its consents, objections and repair applications with their
states, and its related parties drawn as a graph — the grade distributions by region and industry with how
grades moved since the last evaluation, and each department's 双公示 合规率/及时率 per month; each chart is
checked by the data ECharts holds, against what this module wrote. A bank's loan officer sees only its
consented subject's profile, only its own consent, no graph, no measures, and is refused the chart pages. The
API the pages use refuses the new fields to PUBLIC and bank callers. Every browser test fails on a console
error or a request to another host (tests/browser.py); screenshots go to ``<pytest tmp>/console-screenshots/``.

This module's world is its own: region 410224, an industry name no other module uses, departments of its own.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from hub import clock
from hub.db import consents, distribution, evaluations, ingest
from hub.db.gateway import counting
from hub.disclosure import Role, Viewer
from hub.grade_movement import Move, movement
from hub.models import Consent, SubjectKind
from hub.reporting import Counts
from hub.rights.objections import Resolution
from hub.service import CreditHub
from hub.settings import Settings
from hub.staff import StaffRole
from tests.browser import STAFF_PASSWORD, ServedHub, WatchedPage, sign_in
from tests.builders import (
    add_record,
    bearer,
    gql,
    read_deny_list_now,
    register_bank,
    remove_staff,
    remove_subjects,
    resident_id,
    uscc,
)

REGION = "410224"
INDUSTRY = "图表测试行业"
SCHEME = "henan-market-risk"
MAIN, FIRST_LINK, SECOND_LINK, OUTSIDER = (uscc(n, region=REGION) for n in (911, 912, 913, 914))
GRADED = [uscc(n, region=REGION) for n in (921, 922, 923, 924, 925)]
SUBJECTS = [MAIN, FIRST_LINK, SECOND_LINK, OUTSIDER, *GRADED]
# round 1, then round 2: down, up, same; the fourth graded once (first); the fifth first in round 2
ROUND_1 = {GRADED[0]: "A", GRADED[1]: "B", GRADED[2]: "C", GRADED[3]: "B"}
ROUND_2 = {GRADED[0]: "B", GRADED[1]: "A", GRADED[2]: "C", GRADED[4]: "D"}
NOW_GRADES = {**ROUND_1, **ROUND_2}  # A 1, B 2, C 1, D 1
PERSON_ONE, PERSON_TWO = resident_id(9101, region=REGION), resident_id(9102, region=REGION)
DEPARTMENT = "410224-CHARTS"
REPORTERS = ("410224-CHARTS-A", "410224-CHARTS-B")
BANK, OTHER_BANK = "图表测试银行", "图表测试另一银行"
OFFICER, LOAN_OFFICER = "charts-officer", "charts-loan"
OWN_CONSENT, OWN_EXPIRED, OTHERS_CONSENT = (f"consent-charts-{n}" for n in ("own", "expired", "others"))
PENALTIES = [f"charts-penalty-{MAIN[-6:]}-{n}" for n in range(3)]


def _subject(code: str, person: tuple[str, str] | None, hub: CreditHub) -> dict[str, Any]:
    sealed = hub.vault.seal(person[0]) if person else None
    return {"uscc": code, "name": f"图表测试{code[-4:]}有限公司", "kind": SubjectKind.from_uscc(code).value,
            "region": REGION, "industry": INDUSTRY, "status": "存续",
            "registered_on": clock.today() - timedelta(days=900),
            "person": {"fingerprint": sealed.fingerprint, "name": person[1], "id_masked": sealed.masked,
                       "id_sealed": sealed.sealed} if sealed and person else None}


async def _grade(hub: CreditHub, grades: dict[str, str], run: str, later: timedelta) -> None:
    """Evaluations written the engine's way (hub.db.evaluations): each takes CURRENT from the one before it."""
    rows = [{"id": f"charts-{run}-{code}", "subject_uscc": code, "scheme": SCHEME, "score": None, "grade": grade,
             "level": None, "disclosure": "INTERNAL", "evaluator": "test", "explanation": None,
             "valid_until": (clock.today() + timedelta(days=365)).isoformat()} for code, grade in grades.items()]
    await evaluations.write_results(hub.gateway, rows, [], list(grades), clock.now() + later)


async def _forget(hub: CreditHub) -> None:
    await remove_subjects(hub, SUBJECTS)
    await remove_staff(hub, [OFFICER, LOAN_OFFICER])
    await hub.gateway.run("MATCH (t:ReportingTally) WHERE t.department IN $d DETACH DELETE t",
                          {"d": list(REPORTERS)}, write=True)
    await hub.gateway.run("MATCH (p:Person) WHERE p.fingerprint IN $f DETACH DELETE p",
                          {"f": [hub.vault.seal(p).fingerprint for p in (PERSON_ONE, PERSON_TWO)]}, write=True)


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> Any:
    await _forget(hub)
    # MAIN and FIRST_LINK share 王一 (FIRST_LINK's former representative now), FIRST_LINK and SECOND_LINK 王二
    await ingest.upsert_subjects(hub.gateway, [_subject(MAIN, (PERSON_ONE, "王一"), hub),
                                               _subject(FIRST_LINK, (PERSON_ONE, "王一"), hub),
                                               _subject(SECOND_LINK, (PERSON_TWO, "王二"), hub),
                                               _subject(OUTSIDER, None, hub)]
                                  + [_subject(code, None, hub) for code in GRADED])
    await ingest.upsert_subjects(hub.gateway, [_subject(FIRST_LINK, (PERSON_TWO, "王二"), hub)])
    await _grade(hub, ROUND_1, "r1", timedelta(0))
    await _grade(hub, ROUND_2, "r2", timedelta(seconds=1))
    await _grade(hub, {MAIN: "B"}, "main", timedelta(0))
    for n, record_id in enumerate(PENALTIES):
        decided = clock.today() - timedelta(days=400 + n)
        await add_record(hub, MAIN, record_id, kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC", severity="GENERAL",
                         decided_on=decided, publicity_ends_on=decided + timedelta(days=1000), department=DEPARTMENT,
                         title=f"图表测试处罚{n}")
    await register_bank(hub, BANK, OTHER_BANK)
    now = clock.now()
    for consent_id, grantee, expires in ((OWN_CONSENT, BANK, now + timedelta(days=30)),
                                         (OWN_EXPIRED, BANK, now - timedelta(days=1)),
                                         (OTHERS_CONSENT, OTHER_BANK, now + timedelta(days=30))):
        await consents.create_consent(hub.gateway, Consent(
            id=consent_id, subject_uscc=MAIN, grantee=grantee, purpose="信易贷", granted_at=now - timedelta(days=60),
            expires_at=expires, granted_by="admin:test"))
    platform = Viewer(Role.PLATFORM, org="郏县平台")
    officer = Viewer(Role.AGENCY, org="县市场监管局", department=DEPARTMENT)
    rejected = await hub.objections.file(PENALTIES[0], "处罚金额有误", platform)
    await hub.objections.resolve(rejected.id, Resolution(False, "经核查处罚金额无误。"), officer)
    pending = await hub.objections.file(PENALTIES[1], "当事人并非本企业", platform)
    repair = await hub.repair.apply(PENALTIES[2], "已按期缴纳罚款并完成整改", platform)
    today = clock.today()
    for n, (reporter, received) in enumerate(((REPORTERS[0], today - timedelta(days=40)),
                                              (REPORTERS[0], today - timedelta(days=100)),
                                              (REPORTERS[1], today - timedelta(days=40)))):
        await hub.record_reporting(f"charts-import-{n}", kind="ADMINISTRATIVE_PENALTY", source_platform="test",
                                   received_on=received, per_department={reporter: Counts(
                                       f"图表测试部门{reporter[-1]}", 10 * (n + 1), 9 * (n + 1) - n, 8 - n, n)})
    await hub.staff.add(OFFICER, STAFF_PASSWORD, StaffRole.DEPARTMENT, org="县市场监管局", department=DEPARTMENT,
                        display_name="赵科员")
    await hub.staff.add(LOAN_OFFICER, STAFF_PASSWORD, StaffRole.BANK, org=BANK, department=None, display_name="钱经理")
    yield {"rejected": rejected.id, "pending": pending.id, "repair": repair.id}
    await _forget(hub)


async def chart_option(page: Page, element_id: str) -> Any:
    """What ECharts holds for the chart in ``element_id`` (the page's data, as drawn)."""
    return await page.evaluate("id => echarts.getInstanceByDom(document.getElementById(id)).getOption()", element_id)


async def test_the_profile_shows_consents_objections_repairs_and_the_related_parties_graph(
        watched_page: WatchedPage, world: dict[str, str], screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, OFFICER)
    await page.goto(f"{served.url}/console/subjects/{MAIN}")
    listed = await page.locator("#consents tr[data-consent]").evaluate_all("rows => rows.map(r => r.dataset.consent)")
    assert sorted(listed) == sorted([OWN_CONSENT, OWN_EXPIRED, OTHERS_CONSENT])  # government: all of them
    assert await page.inner_text(f"#consents tr[data-consent='{OWN_EXPIRED}'] .status") == "已过期"
    assert await page.inner_text(f"#consents tr[data-consent='{OWN_CONSENT}'] .status") == "有效"
    assert await page.inner_text(f"#objections tr[data-objection='{world['rejected']}'] .status") == "已驳回"
    assert "经核查处罚金额无误" in await page.inner_text(f"#objections tr[data-objection='{world['rejected']}']")
    assert await page.inner_text(f"#objections tr[data-objection='{world['pending']}'] .status") == "待处理"
    assert await page.locator("#objections tr[data-objection]").count() == 2
    assert await page.inner_text(f"#repairs tr[data-repair='{world['repair']}'] .status") == "待处理"
    assert await page.locator("#repairs tr[data-repair]").count() == 1
    assert "在施监管措施" in await page.inner_text("#measures")

    await page.wait_for_selector("#related-graph[data-rendered=true] svg")
    drawn = await page.evaluate("JSON.parse(document.getElementById('graph-data').textContent)")
    subjects = {n["id"]: n["category"] for n in drawn["nodes"] if n["category"] != 2}
    assert subjects == {MAIN: 0, FIRST_LINK: 1, SECOND_LINK: 1}
    assert sorted(n["name"] for n in drawn["nodes"] if n["category"] == 2) == ["王一", "王二"]
    assert all("*" in n["idMasked"] for n in drawn["nodes"] if n["category"] == 2)  # never the whole ID
    assert len(drawn["links"]) == 4
    [series] = (await chart_option(page, "related-graph"))["series"]
    assert sorted(n["id"] for n in series["data"]) == sorted(n["id"] for n in drawn["nodes"])
    assert len(series["links"]) == 4
    depths = await page.locator("#related tr[data-party]").evaluate_all(
        "rows => rows.map(r => [r.dataset.party, r.children[2].textContent])")
    assert sorted(depths) == sorted([[FIRST_LINK, "1"], [SECOND_LINK, "2"]])
    await page.screenshot(path=str(screenshots / "20-profile-parts.png"), full_page=True)


async def test_a_bank_officer_sees_only_its_own_consent_no_graph_no_measures_and_no_chart_pages(
        watched_page: WatchedPage, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, LOAN_OFFICER)
    nav = await page.inner_text("header nav")
    assert "等级分布" not in nav and "双公示报送" not in nav
    await page.goto(f"{served.url}/console/subjects/{MAIN}")
    assert await page.inner_text("#subject-name") == f"图表测试{MAIN[-4:]}有限公司"
    listed = await page.locator("#consents tr[data-consent]").evaluate_all("rows => rows.map(r => r.dataset.consent)")
    assert sorted(listed) == sorted([OWN_CONSENT, OWN_EXPIRED])  # its own; the other bank's is not its business
    assert OTHER_BANK not in await page.inner_text("main")
    for absent in ("#measures", "#objections", "#repairs", "#related", "#related-graph", "#graph-data"):
        assert await page.locator(absent).count() == 0, absent
    await page.screenshot(path=str(screenshots / "21-bank-profile-consents.png"), full_page=True)

    await page.goto(f"{served.url}/console/subjects/{FIRST_LINK}")  # no consent: refused
    assert "未取得该主体的有效授权" in await page.inner_text("[role=alert]")
    for path, shot in (("/console/grades", "22-bank-grades-refused.png"),
                       ("/console/reporting", "23-bank-reporting-refused.png")):
        await page.goto(f"{served.url}{path}")
        assert "无权查看或办理" in await page.inner_text("[role=alert]")
        assert await page.locator(".chart").count() == 0
        assert await page.locator("script[type='application/json']").count() == 0
        await page.screenshot(path=str(screenshots / shot), full_page=True)


async def test_the_grades_page_charts_regions_industries_and_how_grades_moved(
        watched_page: WatchedPage, served_hub: ServedHub, settings: Settings, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, OFFICER)
    await page.click("header nav a[href='/console/grades']")
    await page.wait_for_selector(".breakdown .chart[data-rendered=true] svg")
    charted = await page.evaluate("JSON.parse(document.getElementById('breakdown-data').textContent)")
    index, risk = next((i, s) for i, s in enumerate(charted) if s["id"] == SCHEME)
    assert risk["grades"] == ["A", "B", "C", "D"]
    expected = [sum(1 for g in [*NOW_GRADES.values(), "B"] if g == grade) for grade in "ABCD"]  # MAIN's B too
    for dimension, key, element in (("byRegion", REGION, f"region-{index}"), ("byIndustry", INDUSTRY,
                                                                              f"industry-{index}")):
        at = risk[dimension]["keys"].index(key)
        assert [s["counts"][at] for s in risk[dimension]["series"]] == expected, dimension
        option = await chart_option(page, element)
        assert option["xAxis"][0]["data"] == risk[dimension]["keys"]
        assert [s["data"][at] for s in option["series"]] == expected
    assert await page.locator(f"#transition-{index}[data-rendered=true] svg").count() == 1
    async with httpx.AsyncClient(base_url=served_hub.url) as client:
        api = (await gql(client, "{ gradeBreakdown { moves { scheme up down same first } "
                         "transitions { scheme previousGrade grade count } } }",
                         bearer(settings, "agency", "县市场监管局", department=DEPARTMENT)))["data"]["gradeBreakdown"]
    [moves] = [m for m in api["moves"] if m["scheme"] == SCHEME]
    # the page shows the API's figures; this module's subjects are among them (others' may add)
    assert risk["moves"] == {k: moves[k] for k in ("up", "down", "same", "first")}
    assert moves["up"] >= 1 and moves["down"] >= 1 and moves["same"] >= 1 and moves["first"] >= 3
    text = await page.inner_text(f".breakdown[data-scheme='{SCHEME}'] .moves")
    assert f"上升 {moves['up']}" in text and f"下降 {moves['down']}" in text and f"首次评价 {moves['first']}" in text
    [sankey] = (await chart_option(page, f"transition-{index}"))["series"]
    flows = {(link["source"], link["target"]): link["value"] for link in sankey["links"]}
    assert flows[("上次 A", "现在 B")] >= 1 and flows[("上次 B", "现在 A")] >= 1
    assert flows[("上次 首次评价", "现在 D")] >= 1
    api_flows = {(f"上次 {t['previousGrade'] or '首次评价'}", f"现在 {t['grade']}"): t["count"]
                 for t in api["transitions"] if t["scheme"] == SCHEME}
    assert flows == api_flows
    await page.screenshot(path=str(screenshots / "24-grade-breakdown.png"), full_page=True)


async def test_the_reporting_page_charts_each_departments_rates_per_month(
        watched_page: WatchedPage, screenshots: Path) -> None:
    page, served = watched_page.page, watched_page.hub
    await sign_in(page, served, OFFICER)
    async with page.expect_navigation():
        await page.click("header nav a[href='/console/reporting']")
    assert await page.locator("[role=alert]").count() == 0, await page.inner_text("main")
    await page.wait_for_selector("#compliance-chart[data-rendered=true] svg")
    await page.wait_for_selector("#timeliness-chart[data-rendered=true] svg")
    charted = await page.evaluate("JSON.parse(document.getElementById('reporting-data').textContent)")
    today = clock.today()
    recent, older = ((today - timedelta(days=d)).isoformat()[:7] for d in (40, 100))
    mine = {d["department"]: d for d in charted["departments"] if d["department"] in REPORTERS}
    first, second = mine[REPORTERS[0]], mine[REPORTERS[1]]
    months = charted["months"]
    # import 0: 10 rows, 9 valid, 8 on time, 0 late; import 1: 20, 17, 7, 1; import 2: 30, 25, 6, 2
    assert first["compliance"][months.index(recent)] == pytest.approx(9 / 10)
    assert first["timeliness"][months.index(recent)] == pytest.approx(1.0)
    assert first["compliance"][months.index(older)] == pytest.approx(17 / 20)
    assert first["timeliness"][months.index(older)] == pytest.approx(7 / 8)
    assert second["compliance"][months.index(recent)] == pytest.approx(25 / 30)
    assert second["timeliness"][months.index(recent)] == pytest.approx(6 / 8)
    assert second["rows"][months.index(older)] == 0 and second["compliance"][months.index(older)] is None
    option = await chart_option(page, "compliance-chart")
    assert option["xAxis"][0]["data"] == months
    [drawn] = [s for s in option["series"] if s["name"] == "图表测试部门A"]
    assert drawn["data"] == first["compliance"]
    row = page.locator(f"#reporting tr[data-department='{REPORTERS[1]}'][data-month='{recent}']")
    assert await row.locator(".compliance").inner_text() == "83.3%"
    assert await row.locator(".timeliness").inner_text() == "75.0%"
    await page.screenshot(path=str(screenshots / "25-reporting.png"), full_page=True)


async def test_the_api_gives_the_new_parts_by_tier(served_hub: ServedHub, settings: Settings) -> None:
    queries = {
        "gradeBreakdown": "{ gradeBreakdown { byRegion { scheme grade key count } } }",
        "departmentReportingByMonth": "{ departmentReportingByMonth(months: 12) { month department rows } }",
    }
    agency = bearer(settings, "agency", "县市场监管局", department=DEPARTMENT)
    async with httpx.AsyncClient(base_url=served_hub.url) as client:
        found = (await gql(client, queries["gradeBreakdown"], agency))["data"]["gradeBreakdown"]["byRegion"]
        mine = {c["grade"]: c["count"] for c in found if c["scheme"] == SCHEME and c["key"] == REGION}
        assert mine == {"A": 1, "B": 3, "C": 1, "D": 1}
        months = (await gql(client, queries["departmentReportingByMonth"], agency))["data"]
        assert sorted(r["rows"] for r in months["departmentReportingByMonth"] if r["department"] in REPORTERS) == [
            10, 20, 30]
        for field, query in queries.items():
            for caller in (bearer(settings, "bank", BANK), {}):
                refused = await gql(client, query, caller)
                assert refused["data"] is None or refused["data"].get(field) is None, field
                assert refused["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "GRAPHQL_VALIDATION_FAILED"), field
        bad = await gql(client, "{ departmentReportingByMonth(months: 99) { month } }", agency)
        assert "months is 99: give 1 to 36" in bad["errors"][0]["message"]

        parts = (f'{{ subject(uscc: "{MAIN}") {{ consents {{ id grantee status }} objections {{ id status }} '
                 f'repairApplications {{ id status }} }} }}')
        government = (await gql(client, parts, agency))["data"]["subject"]
        assert sorted(c["id"] for c in government["consents"]) == sorted([OWN_CONSENT, OWN_EXPIRED, OTHERS_CONSENT])
        assert sorted(o["status"] for o in government["objections"]) == ["PENDING", "REJECTED"]
        assert [a["status"] for a in government["repairApplications"]] == ["PENDING"]
        consented = f'{{ subject(uscc: "{MAIN}") {{ consents {{ id grantee }} }} }}'
        bank = (await gql(client, consented, bearer(settings, "bank", BANK)))["data"]["subject"]
        assert sorted(c["id"] for c in bank["consents"]) == sorted([OWN_CONSENT, OWN_EXPIRED])
        other = (await gql(client, consented, bearer(settings, "bank", OTHER_BANK)))["data"]["subject"]
        assert [c["id"] for c in other["consents"]] == [OTHERS_CONSENT]
        for caller in ({}, bearer(settings, "bank", "图表测试无授权银行")):
            refused = await gql(client, f'{{ subject(uscc: "{MAIN}") {{ uscc consents {{ id }} }} }}', caller)
            assert refused["data"]["subject"]["consents"] is None
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_subjects_file_costs_one_statement_a_part_however_many_subjects(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    """Consents, objections and repair applications of every subject a request names are loaded together (a
    statement each), not one statement per subject: the profiles, then the three parts."""
    agency = bearer(settings, "agency", "县市场监管局", department=DEPARTMENT)
    part = "uscc consents { id } objections { id status } repairApplications { id status }"
    query = "{ " + " ".join(f's{n}: subject(uscc: "{code}") {{ {part} }}' for n, code in enumerate(SUBJECTS)) + " }"
    await gql(client, query, agency)  # warm
    await read_deny_list_now(hub)
    with counting() as sent:
        answer = await gql(client, query, agency)
    assert "errors" not in answer
    files = {found["uscc"]: found for found in answer["data"].values()}
    assert len(files) == len(SUBJECTS) > 3
    assert sorted(o["status"] for o in files[MAIN]["objections"]) == ["PENDING", "REJECTED"]
    assert len(files[MAIN]["consents"]) == 3 and files[OUTSIDER]["consents"] == []
    assert sent.reads == 4, f"{sent.reads} reads for {len(SUBJECTS)} subjects"


async def test_grade_moves_are_counted_by_each_schemes_order(hub: CreditHub) -> None:
    cells = (distribution.GradeCell(SCHEME, "B", "A", 4), distribution.GradeCell(SCHEME, "A", "C", 2),
             distribution.GradeCell(SCHEME, "C", "C", 3), distribution.GradeCell(SCHEME, "D", None, 5),
             distribution.GradeCell(SCHEME, "A", "Z", 1))  # a grade this hub does not know: no direction
    moved = movement(distribution.GradeBreakdown((), (), cells), hub.schemes)
    assert [m.move for m in moved.moves] == [Move.DOWN, Move.UP, Move.SAME, Move.FIRST, Move.FIRST]
    [summary] = moved.summaries
    assert (summary.up, summary.down, summary.same, summary.first) == (2, 4, 3, 6)
