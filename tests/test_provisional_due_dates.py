"""Due dates counted on a year whose make-up working days are not announced say so, through the API.

chinesecalendar 1.11.0 stops at 2026; 2027 is counted on its statutory holidays by rule
(《全国年节及纪念日放假办法》, 国务院令第795号, 2024 revision). The clock is set to fixed China dates
(time-machine), so the module does not depend on the day it runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import time_machine

from connectors.shuanggongshi import read_file
from hub.app import create_app
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_record, add_subject, bearer, gql, remove_subjects, uscc
from tests.test_shuanggongshi import PENALTY_HEADERS, penalty, write

REGION = "410485"
LATE_DECEMBER, MID_YEAR = uscc(1300, region=REGION), uscc(1301, region=REGION)
FILE = ("mutation($t: ID!) { fileObjection(targetId: $t, reason: \"登记错误\") "
        "{ id dueOn dueOnProvisional dueOnProvisionalReason } }")
LISTED = "{ objections { id dueOn dueOnProvisional dueOnProvisionalReason } }"
OVERDUE = "{ overdueObjections { id dueOn dueOnProvisional } }"


def china_noon(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC), tick=True)


@pytest.fixture(scope="module", autouse=True)
async def subjects(hub: CreditHub) -> AsyncIterator[None]:
    await remove_subjects(hub, [LATE_DECEMBER, MID_YEAR])
    for code in (LATE_DECEMBER, MID_YEAR):
        await add_subject(hub, code)
        await add_record(hub, code, f"{code}-p", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                         severity="SERIOUS", decided_on=date(2026, 5, 6), publicity_ends_on=date(2029, 5, 6))
    yield
    await remove_subjects(hub, [LATE_DECEMBER, MID_YEAR])  # its objections fall due long ago: no stray warnings


FILED: dict[str, str] = {}  # the December objection's id, for the test that reads it again
async def test_an_objection_due_in_2027_is_provisional_and_says_why(client: httpx.AsyncClient,
                                                                    settings: Settings) -> None:
    with china_noon(date(2026, 12, 28)):  # Monday; 2026 is announced, 2027 is not
        platform = bearer(settings, "platform", "郏县公共信用信息平台")  # tokens are issued on the day
        filed = (await gql(client, FILE, platform, t=f"{LATE_DECEMBER}-p"))["data"]["fileObjection"]
        # Tue 29, Wed 30, Thu 31; 元旦 Fri 1 January 2027 off by rule; Mon 4, Tue 5, Wed 6, Thu 7
        FILED["december"] = filed["id"]
        assert filed["dueOn"] == "2027-01-07"
        assert filed["dueOnProvisional"] is True
        assert "2027" in filed["dueOnProvisionalReason"] and "调休" in filed["dueOnProvisionalReason"]
        listed = await gql(client, LISTED, bearer(settings, "agency", "县市场监管局"))
        assert {o["id"]: o for o in listed["data"]["objections"]}[filed["id"]] == filed


async def test_an_objection_due_inside_an_announced_year_is_final(client: httpx.AsyncClient,
                                                                  settings: Settings) -> None:
    with china_noon(date(2026, 6, 1)):
        platform = bearer(settings, "platform", "郏县公共信用信息平台")
        filed = (await gql(client, FILE, platform, t=f"{MID_YEAR}-p"))["data"]["fileObjection"]
    assert filed["dueOn"] == "2026-06-10"  # Tue 2 … Wed 10 June (no holiday between)
    assert filed["dueOnProvisional"] is False and filed["dueOnProvisionalReason"] is None


async def test_a_provisional_due_date_is_counted_again_once_the_year_is_announced(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub, tmp_path: Path) -> None:
    calendar_file = tmp_path / "calendar.yaml"  # the notice says 4 January is off too (test data)
    calendar_file.write_text("years:\n  - year: 2027\n    source: test\n    holidays: [2027-01-01, 2027-01-04]\n"
                             "    make_up_working_days: []\n", encoding="utf-8")
    announced = CreditHub(settings.model_copy(update={"calendar_file": calendar_file}), hub.gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, announced)),
                                 base_url="http://hub.test") as later:
        with china_noon(date(2027, 1, 8)):
            agency = bearer(settings, "agency", "县市场监管局")
            listed = {o["id"]: o for o in (await gql(later, LISTED, agency))["data"]["objections"]}
            december = listed[FILED["december"]]
            assert december["dueOn"] == "2027-01-08"  # one more day off: due a day later
            assert december["dueOnProvisional"] is False and december["dueOnProvisionalReason"] is None
            overdue = (await gql(later, OVERDUE, agency))["data"]["overdueObjections"]
            assert FILED["december"] not in {o["id"] for o in overdue}  # not past due on 8 January
        with china_noon(date(2027, 1, 8)):  # the hub without the notice still counts 7 January: overdue
            agency = bearer(settings, "agency", "县市场监管局")
            overdue = (await gql(client, OVERDUE, agency))["data"]["overdueObjections"]
            assert {"id": FILED["december"], "dueOn": "2027-01-07", "dueOnProvisional": True} in overdue


async def test_department_reporting_says_when_timeliness_was_judged_provisionally(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub, tmp_path: Path) -> None:
    department = uscc(71, prefix="11")
    rows = [penalty(n, **{"行政相对人代码_1": uscc(7100 + n), "处罚决定日期": decided, "处罚机关": "郏县测试局",
                          "处罚机关统一社会信用代码": department, "数据来源单位": "郏县测试局",
                          "数据来源单位统一社会信用代码": department, "行政处罚决定书文号": f"郏测罚〔2026〕{n}号"})
            for n, decided in enumerate([date(2026, 12, 31), date(2026, 12, 28)], start=1)]
    path = write(tmp_path / "provisional.utf8.csv", PENALTY_HEADERS, rows)
    with china_noon(date(2027, 1, 11)):
        # received Mon 11 January 2027: from Thu 31 Dec, 元旦 off by rule, Mon 4 … Mon 11 is 6 working days
        result = read_file(path, source_platform="test-provisional", received_on=date(2027, 1, 11))
        assert result.per_department[department].provisional == 2
        await hub.record_reporting("test-provisional-import", kind=result.kind, source_platform="test-provisional",
                                   received_on=date(2027, 1, 11), per_department=result.per_department)
    query = ("query($d: String) { departmentReporting(department: $d) "
             "{ onTime late timelinessProvisional timelinessProvisionalReason } }")
    found = await gql(client, query, bearer(settings, "agency", "县市场监管局"), d=department)
    reporting = found["data"]["departmentReporting"][0]
    assert (reporting["onTime"], reporting["late"]) == (1, 1)  # 28 December is 9 working days before
    assert reporting["timelinessProvisional"] is True
    assert reporting["timelinessProvisionalReason"].startswith("2 of the rows")
