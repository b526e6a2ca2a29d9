"""Credit information of any kind by file (issue 11 §1): the 双公示 importer's machinery with the
credit-information column map (connectors/shuanggongshi/information.py), XLSX and CSV in UTF-8 and GB18030,
each row checked by the validation GraphQL uses, refused rows reported with their number; and
`hub import credit-information` storing through hub.imports against the real Neo4j, re-grading the subjects.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.shuanggongshi import ShuanggongshiFileError, error_report_csv
from connectors.shuanggongshi.information import COLUMNS, read_information_file
from hub import clock
from hub.credit_info.submission import record_id
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from tests.builders import cli_env, hub_command, remove_subjects, uscc
from tests.test_shuanggongshi import write

REGION = "410928"  # 濮阳县, as tests/test_credit_information.py (other serials)
DEPT = f"{REGION}-SCJG"
HEADERS = list(COLUMNS)
LISTED, HONOURED, WARNED = (uscc(7200 + n, region=REGION) for n in range(3))


def row(source_id: str, code: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"信息编号": source_id, "信息类别": kind, "统一社会信用代码": code,
            "行政相对人名称": f"文件测试{source_id}有限公司", "信息标题": "测试信息",
            "决定日期": clock.today() - timedelta(days=30), "报送部门代码": DEPT, **extra}


def rows() -> list[dict[str, Any]]:
    today = clock.today()
    return [
        row("f-list", LISTED, "严重失信主体名单", 文书号="认定〔2026〕1号"),
        row("f-honor", HONOURED, "HONOR"),
        row("f-warn", WARNED, "监管预警结果", 信息内容="连续三个月未按期申报"),
        row("f-bad-kind", WARNED, "好人好事"),
        row("f-future", WARNED, "HONOR", 接收日期=today + timedelta(days=2)),
        row("f-after", WARNED, "HONOR", 决定日期=today - timedelta(days=2), 接收日期=today - timedelta(days=5)),
        row("f-long", WARNED, "行政处罚", 文书号="罚〔2026〕1号", 信息内容="罚" * 32_000),
        row("f-honor", HONOURED, "HONOR"),  # the same item twice
    ]


@pytest.mark.parametrize("name", ["info.xlsx", "info.utf8.csv", "info.gb18030.csv"])
def test_each_format_gives_the_same_items_and_the_same_refusals(tmp_path: Path, name: str) -> None:
    result = read_information_file(write(tmp_path / name, HEADERS, rows()), source_platform="test")
    assert result.kind == "CREDIT_INFORMATION" and result.rows == 8
    assert [(r["kind"], r["disclosure"], r["issuing_department"]) for r in result.records] == [
        ("SERIOUS_DISHONESTY_LIST", "PUBLIC", DEPT), ("HONOR", "PUBLIC", DEPT),
        ("SUPERVISORY_WARNING", "INTERNAL", DEPT)]
    assert result.records[1]["id"] == record_id(DEPT, "f-honor")  # the same id a GraphQL submission gives
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {(5, "信息类别"), (6, "接收日期"), (7, "决定日期"), (8, "信息内容"), (9, "信息编号")}
    assert "is after its received date" in errors[(7, "决定日期")] and "in the future" in errors[(6, "接收日期")]
    assert "32,000 characters; at most 20,000" in errors[(8, "信息内容")]
    report = list(csv.reader(io.StringIO(error_report_csv(result))))
    assert [r[0] for r in report[1:]] == ["5", "6", "7", "8", "9"]


def test_a_row_of_whitespace_is_refused_and_an_unknown_column_refuses_the_file(tmp_path: Path) -> None:
    blank = dict.fromkeys(HEADERS, "  ")
    result = read_information_file(write(tmp_path / "b.xlsx", HEADERS, [row("a", HONOURED, "HONOR"), blank]),
                                   source_platform="test")
    assert [(e.row, e.column) for e in result.errors] == [(3, None)] and "row 3 is blank" in result.errors[0].message
    with pytest.raises(ShuanggongshiFileError, match="the credit-information map does not: 信息来源"):
        read_information_file(write(tmp_path / "u.xlsx", [*HEADERS, "信息来源"], []), source_platform="test")


async def test_the_cli_stores_the_good_rows_and_regrades_the_listed_subject(
        tmp_path: Path, neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> None:
    await remove_subjects(hub, [LISTED, HONOURED, WARNED])
    source = write(tmp_path / "info.xlsx", HEADERS, rows())
    result = hub_command("import", "credit-information", str(source), "--source-platform", "test-info",
                         env=cli_env(neo4j_credentials))
    assert result.returncode == 0, result.stderr
    assert "info.xlsx：读取 8 行（信用信息），待入库 3 行，拒收 5 行（问题清单：" in result.stdout
    assert "3 / 3 条记录新增或变更；3 个主体重新评价" in result.stdout
    grades = await hub.gateway.run(
        "MATCH (s:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: 'henan-market-risk'}) "
        "RETURN e.grade AS grade, s.name AS name", {"u": LISTED})
    assert (grades[0]["grade"], grades[0]["name"]) == ("D", "文件测试f-list有限公司")  # seed 004 第十条(一)
    again = hub_command("import", "credit-information", str(source), "--source-platform", "test-info",
                        env=cli_env(neo4j_credentials))
    assert "0 / 3 条记录新增或变更；0 个主体重新评价" in again.stdout
    stored = await hub.gateway.run("MATCH (r:Record {source_platform: 'test-info'}) RETURN r.source_id AS s, "
                                   "r.received_on AS received ORDER BY s")
    assert [r["s"] for r in stored] == ["f-honor", "f-list", "f-warn"]
    assert {r["received"].to_native() for r in stored} == {clock.today()}  # no 接收日期: received today
