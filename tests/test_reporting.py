"""双公示 reporting on the real graph: `hub import shuanggongshi` keeps each department's tallies, and
`departmentReporting` gives INTERNAL viewers 合规率 and 及时率 over them (seed 004 §一.(二)).

Three files, from departments of their own (the graph is shared with the other modules):

    file        received     交通局 (JT)                          应急局 (YJ)            文旅局 (WL)
    first.csv   2026-03-02   6 rows: 4 on time, 1 late, 1 bad     4 rows: 2 on time, 2 bad
    second.csv  2026-03-09   3 rows: 2 on time, 1 late
    third.csv   (none)       1 row                                                      2 rows

Working days (chinesecalendar): 13 Feb → 2 Mar is 7 (on time), 12 Feb → 2 Mar is 8 (late);
2 Mar → 9 Mar is 5 (on time), 26 Feb → 9 Mar is 8 (late).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.db.server import Neo4jCredentials
from hub.rights.calendar import WorkingCalendar
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import bearer, uscc
from tests.test_import_cli import _cli
from tests.test_shuanggongshi import LATE, ON_TIME, PENALTY_HEADERS, RECEIVED, penalty, write

JT, YJ, WL = (uscc(61 + n, prefix="11") for n in range(3))
NAMES = {JT: "郏县交通运输局", YJ: "郏县应急管理局", WL: "郏县文化广电和旅游局"}
SECOND_RECEIVED, SECOND_ON_TIME, SECOND_LATE = date(2026, 3, 9), date(2026, 3, 2), date(2026, 2, 26)
PLATFORM = "test-reporting"
BAD = {"处罚类别": "责令改正"}  # not a kind of penalty in 行政处罚法 第九条: the row is refused (so is no date)

QUERY = """query($d: String, $since: Date, $until: Date) {
  departmentReporting(department: $d, receivedFrom: $since, receivedTo: $until) {
    department name rows valid onTime late complianceRate timelinessRate imports
  }
}"""


def _row(n: int, department: str, decided_on: date | None, **changes: Any) -> dict[str, Any]:
    """A penalty by ``department`` about a subject no other module uses."""
    return penalty(n, **{
        "行政相对人代码_1": uscc(6000 + n), "行政相对人名称": f"郏县报送测试第{n}有限公司",
        "行政相对人类别": "法人及非法人组织", "行政处罚决定书文号": f"郏报送罚〔2026〕{n}号",
        "处罚决定日期": decided_on, "处罚机关": NAMES[department],
        "处罚机关统一社会信用代码": department, "数据来源单位": NAMES[department],
        "数据来源单位统一社会信用代码": department, **changes})


FILES: dict[str, list[dict[str, Any]]] = {
    "first.utf8.csv": [
        *(_row(n, JT, ON_TIME) for n in range(1, 5)), _row(5, JT, LATE), _row(6, JT, ON_TIME, **BAD),
        *(_row(n, YJ, ON_TIME) for n in range(7, 9)), _row(9, YJ, ON_TIME, **BAD), _row(10, YJ, None),
    ],
    "second.utf8.csv": [_row(11, JT, SECOND_ON_TIME), _row(12, JT, SECOND_ON_TIME), _row(13, JT, SECOND_LATE)],
    "third.utf8.csv": [_row(14, JT, ON_TIME), _row(15, WL, ON_TIME), _row(16, WL, ON_TIME)],
}
RECEIVED_ON = {"first.utf8.csv": RECEIVED, "second.utf8.csv": SECOND_RECEIVED}


def _import(credentials: Neo4jCredentials, path: Path) -> str:
    received = RECEIVED_ON.get(path.name)
    options = ["--received-on", received.isoformat()] if received else []
    result = _cli(credentials, "import", "shuanggongshi", str(path), "--source-platform", PLATFORM, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reporting")
    return {name: write(folder / name, PENALTY_HEADERS, rows) for name, rows in FILES.items()}


@pytest.fixture(scope="module")
def printed(files: dict[str, Path], neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> dict[str, str]:
    """Import the three files once; what the command printed for each."""
    return {name: _import(neo4j_credentials, path) for name, path in files.items()}


async def reporting(client: httpx.AsyncClient, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def departments(client: httpx.AsyncClient, settings: Settings, **variables: Any) -> dict[str, dict[str, Any]]:
    """This module's departments in the answer, by code."""
    body = await reporting(client, bearer(settings, "agency", "郏县信用办"), **variables)
    assert "errors" not in body, body
    return {row["department"]: row for row in body["data"]["departmentReporting"] if row["department"] in NAMES}


def test_the_working_days_the_files_are_built_on() -> None:
    calendar = WorkingCalendar()
    assert calendar.working_days_between(SECOND_ON_TIME, SECOND_RECEIVED) == 5
    assert calendar.working_days_between(SECOND_LATE, SECOND_RECEIVED) == 8


async def test_one_file_gives_each_department_its_counts_and_rates(
        printed: dict[str, str], client: httpx.AsyncClient, settings: Settings) -> None:
    found = await departments(client, settings, since="2026-03-02", until="2026-03-02")
    assert found == {
        JT: {"department": JT, "name": NAMES[JT], "rows": 6, "valid": 5, "onTime": 4, "late": 1,
             "complianceRate": 5 / 6, "timelinessRate": 4 / 5, "imports": 1},
        YJ: {"department": YJ, "name": NAMES[YJ], "rows": 4, "valid": 2, "onTime": 2, "late": 0,
             "complianceRate": 0.5, "timelinessRate": 1.0, "imports": 1},
    }
    # the command still prints the file's own rates
    assert f"{NAMES[JT]}：合规率 83.3%，及时率 80.0%" in printed["first.utf8.csv"]


async def test_imports_add_up_and_timeliness_counts_only_measured_rows(
        printed: dict[str, str], client: httpx.AsyncClient, settings: Settings) -> None:
    found = await departments(client, settings)
    # JT: 6 + 3 + 1 rows; the third file had no received-on date, so its valid row is not timed.
    assert (found[JT]["rows"], found[JT]["valid"], found[JT]["onTime"], found[JT]["late"]) == (10, 9, 6, 2)
    assert (found[JT]["complianceRate"], found[JT]["timelinessRate"], found[JT]["imports"]) == (0.9, 6 / 8, 3)
    assert found[WL] == {"department": WL, "name": NAMES[WL], "rows": 2, "valid": 2, "onTime": None, "late": None,
                         "complianceRate": 1.0, "timelinessRate": None, "imports": 1}


async def test_the_department_filter_gives_that_department_only(
        printed: dict[str, str], client: httpx.AsyncClient, settings: Settings) -> None:
    body = await reporting(client, bearer(settings, "admin", "郏县信用办"), d=YJ)
    assert [(row["department"], row["rows"], row["valid"]) for row in body["data"]["departmentReporting"]] == [
        (YJ, 4, 2)]


async def test_a_received_on_range_leaves_out_other_and_undated_files(
        printed: dict[str, str], client: httpx.AsyncClient, settings: Settings) -> None:
    found = await departments(client, settings, since="2026-03-05")
    assert list(found) == [JT]
    assert (found[JT]["rows"], found[JT]["onTime"], found[JT]["late"], found[JT]["imports"]) == (3, 2, 1, 1)
    assert found[JT]["timelinessRate"] == 2 / 3


async def test_importing_the_same_file_again_counts_it_once(
        printed: dict[str, str], files: dict[str, Path], neo4j_credentials: Neo4jCredentials,
        client: httpx.AsyncClient, settings: Settings) -> None:
    before = await departments(client, settings)
    _import(neo4j_credentials, files["first.utf8.csv"])
    assert await departments(client, settings) == before


SL = uscc(64, prefix="11")  # 郏县水利局: the re-exported files' department, apart from the three above
REEXPORTED = [_row(21, JT, ON_TIME), _row(22, JT, LATE), _row(23, JT, ON_TIME, **BAD)]


def _reexported(n: int, decided_on: date, **changes: Any) -> dict[str, Any]:
    row = REEXPORTED[n - 21] if n <= 23 else _row(n, JT, decided_on, **changes)
    return {**row, "处罚机关": "郏县水利局", "处罚机关统一社会信用代码": SL, "数据来源单位": "郏县水利局",
            "数据来源单位统一社会信用代码": SL}


async def test_a_row_already_received_counts_once_whichever_file_brings_it(
        printed: dict[str, str], tmp_path: Path, neo4j_credentials: Neo4jCredentials,
        client: httpx.AsyncClient, settings: Settings) -> None:
    """Seed 004 §一.(二) measures each reported decision once: a file re-exported a week later with the same
    three rows (one refused) and one new row adds only the new row, and the rows keep the received date
    they first came with (else the two old rows would count again, late)."""
    first = write(tmp_path / "reexport-1.utf8.csv", PENALTY_HEADERS,
                  [_reexported(n, ON_TIME) for n in (21, 22, 23)])
    again = write(tmp_path / "reexport-2.utf8.csv", PENALTY_HEADERS,
                  [_reexported(n, SECOND_ON_TIME) for n in (24, 23, 22, 21)])  # other bytes: another import
    for path, received in ((first, RECEIVED), (again, SECOND_RECEIVED)):
        result = _cli(neo4j_credentials, "import", "shuanggongshi", str(path), "--source-platform", PLATFORM,
                      "--received-on", received.isoformat())
        assert result.returncode == 0, result.stderr
    query = {"query": QUERY.replace("department name", "department"), "variables": {"d": SL}}
    headers = bearer(settings, "agency", "郏县信用办")
    [found] = (await client.post("/graphql", json=query, headers=headers)).json()["data"]["departmentReporting"]
    assert (found["rows"], found["valid"], found["onTime"], found["late"], found["imports"]) == (4, 3, 2, 1, 2)
    assert found["complianceRate"] == 0.75 and found["timelinessRate"] == 2 / 3
    query["variables"] = {"d": SL, "since": SECOND_RECEIVED.isoformat()}
    [later] = (await client.post("/graphql", json=query, headers=headers)).json()["data"]["departmentReporting"]
    assert (later["rows"], later["valid"], later["onTime"], later["late"]) == (1, 1, 1, 0)  # only the new row


async def test_public_and_bank_callers_are_forbidden(
        printed: dict[str, str], client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bearer(settings, "public"), bearer(settings, "bank", "测试银行甲")):
        body = await reporting(client, headers)
        assert body["data"] == {"departmentReporting": None}
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]


async def test_a_range_that_ends_before_it_starts_is_bad_input(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await reporting(client, bearer(settings, "agency", "郏县信用办"), since="2026-03-09", until="2026-03-02")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "2026-03-09" in body["errors"][0]["message"]
