"""A province-sized 双公示 file through ``hub import shuanggongshi``, on an instance of its own
("bench-import") with the hub's DEFAULT Neo4j heap and page cache (512 MB, 256 MB).

The file: ``rows`` 行政处罚 rows about ``rows * 2 // 5`` subjects the hub does not know yet (the shape of
the file in issue 14: 100,000 rows, 40,000 subjects), in UTF-8 CSV. The command runs as its own
process, as an operator runs it; its wall time and peak resident memory (``wait4``) are printed, then
the same file is imported again: nothing changed, so nothing is re-graded and no evaluation is made.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import migrate
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.demo.identifiers import organization_code, social_credit_code
from hub.settings import Settings

INSTANCE = "bench-import"
RECEIVED = date(2026, 3, 2)
AUTHORITY, AUTHORITY_CODE = "郏县市场监督管理局", social_credit_code("11", "410425", organization_code("00000001"))
HEADERS = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "处罚机关",
           "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]


def write_file(path: Path, rows: int) -> int:
    """The file; returns how many subjects it names."""
    subjects = max(1, rows * 2 // 5)
    codes = [social_credit_code("91", "410425", organization_code(f"MB{n:06d}")) for n in range(subjects)]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for n in range(rows):
            subject = n % subjects
            fine = (None, 0.5, 1.2, 12)[n % 4]
            writer.writerow([f"郏县基准导入第{subject}商贸有限公司", "法人及非法人组织", codes[subject],
                             f"郏监罚〔2026〕{n}号", "销售超过保质期的食品", f"当事人销售超过保质期的食品{n}批次",
                             "《中华人民共和国食品安全法》第一百二十四条", "罚款" if fine else "警告",
                             f"罚款{fine}万元" if fine else "警告", "" if fine is None else fine,
                             f"{RECEIVED - timedelta(days=3 + n % 300):%Y-%m-%d}", AUTHORITY, AUTHORITY_CODE,
                             AUTHORITY, AUTHORITY_CODE])
    return subjects


def run_import(credentials: Neo4jCredentials, file: Path) -> tuple[float, int, str]:
    """``hub import shuanggongshi FILE`` as its own process: seconds, peak RSS in bytes, its stdout."""
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).with_name("hub")), "import", "shuanggongshi", str(file),
               "--received-on", RECEIVED.isoformat(), "--source-platform", "bench-import"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"hub import exited {os.waitstatus_to_exitcode(status)}:\n{output}")
    return seconds, usage.ru_maxrss * 1024, output


async def import_section(rows: int = 100_000) -> None:
    settings = Settings()  # the default heap and page cache
    server = LocalNeo4j(settings, INSTANCE)
    credentials, _ = server.start(echo=lambda line: print(line, file=sys.stderr))
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
    try:
        await ingest.wipe(gateway)
        await migrate(gateway)
        counts = await gateway.run("MATCH (e:Evaluation) RETURN count(e) AS n")
        assert counts[0]["n"] == 0
        with tempfile.TemporaryDirectory(prefix="hub-bench-import-") as folder:
            file = Path(folder) / "penalties.utf8.csv"
            subjects = write_file(file, rows)
            size = file.stat().st_size
            first = run_import(credentials, file)
            evaluations = (await gateway.run("MATCH (e:Evaluation) RETURN count(e) AS n"))[0]["n"]
            again = run_import(credentials, file)
            after = (await gateway.run("MATCH (e:Evaluation) RETURN count(e) AS n"))[0]["n"]
    finally:
        await gateway.close()
        server.stop()
    print(f"\n## A province's 双公示 file: `hub import shuanggongshi` ({rows:,} rows about {subjects:,} new subjects, "
          f"{size / 1e6:.1f} MB CSV; Neo4j heap {settings.neo4j_heap}, page cache {settings.neo4j_pagecache})")
    for label, (seconds, peak, output) in (("first import", first), ("the same file again", again)):
        # the import's outcome line (hub.imports.ImportOutcome.describe_zh): "FILE：N / M 条记录新增或变更…"
        summary = next((line for line in output.splitlines() if "条记录新增或变更" in line), output.strip())
        print(f"  {label:<20} {seconds:7.1f} s   {rows / seconds:7,.0f} rows/s   peak {peak / 2**20:5,.0f} MiB   "
              f"({summary.split('：', 1)[-1]})")
    print(f"  evaluations after the first import {evaluations:,}; after the second {after:,} "
          f"(nothing changed: {after - evaluations:,} new)")
