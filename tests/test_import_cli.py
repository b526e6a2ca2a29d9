"""`hub import shuanggongshi` on the real graph: 993 of 1,000 rows stored, 7 reported by row and reason."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET
from tests.test_shuanggongshi import BAD, PENALTY_HEADERS, thousand_penalties, write


def _cli(credentials: Neo4jCredentials, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
           "HUB_AUDIT_KEY": AUDIT_KEY}
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=env, capture_output=True,
                          text=True, timeout=600, check=False)


async def test_a_thousand_row_file_imports_993_and_reports_7(
        tmp_path: Path, neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> None:
    source = write(tmp_path / "penalties.xlsx", PENALTY_HEADERS, thousand_penalties())
    result = _cli(neo4j_credentials, "import", "shuanggongshi", str(source), "--received-on", "2026-03-02",
                  "--source-platform", "test-import")
    assert result.returncode == 0, result.stderr
    # what a clerk reads, in Chinese (issue 13 §4); the English goes to the log
    report_path = tmp_path / "penalties.xlsx.errors.csv"
    assert (f"penalties.xlsx：读取 1000 行（行政处罚），待入库 993 行，拒收 7 行（问题清单：{report_path}），迟报 "
            in result.stdout)
    assert "993 / 993 条记录新增或变更；993 个主体重新评价（评价结果 " in result.stdout
    assert "  郏县市场监督管理局：合规率 " in result.stdout and "，及时率 " in result.stdout
    assert "1000 rows read" in result.stderr and "993 of 993 records new or changed" in result.stderr
    assert "storing records" in result.stderr and "re-grading subjects" in result.stderr  # the progress bars

    stored = await hub.gateway.run("MATCH (r:Record {source_platform: 'test-import'})-[:ABOUT]->(s:Subject) "
                                   "RETURN count(r) AS records, count(DISTINCT s) AS subjects")
    assert stored[0]["records"] == 993 and stored[0]["subjects"] == 993
    report = list(csv.DictReader(io.StringIO((tmp_path / "penalties.xlsx.errors.csv").read_text("utf-8-sig"))))
    assert sorted(int(r["行号"]) for r in report) == sorted(index + 2 for index in BAD)
    assert all(r["问题"].startswith(f"第 {r['行号']} 行「{r['列']}」") and r["message"] for r in report)

    again = _cli(neo4j_credentials, "import", "shuanggongshi", str(source), "--received-on", "2026-03-02",
                 "--source-platform", "test-import")
    assert again.returncode == 0
    assert "0 / 993 条记录新增或变更；0 个主体重新评价（评价结果 0 条" in again.stdout
    recount = await hub.gateway.run("MATCH (r:Record {source_platform: 'test-import'}) RETURN count(r) AS n")
    assert recount[0]["n"] == 993  # importing the same file twice changes nothing


def test_a_file_with_a_missing_column_is_refused_naming_it(tmp_path: Path,
                                                          neo4j_credentials: Neo4jCredentials) -> None:
    headers = [h for h in PENALTY_HEADERS if h != "处罚决定日期"]
    source = write(tmp_path / "broken.xlsx", headers, thousand_penalties()[:3])
    result = _cli(neo4j_credentials, "import", "shuanggongshi", str(source))
    assert result.returncode == 2 and "处罚决定日期" in result.stderr
