"""The CLI's summaries a clerk reads are in Chinese (issue 13 §4), numbers and paths kept; the English stays
for the log. Pure: the summaries are built from values, as `hub import …` and `hub demo load` print them
(tests/test_import_cli.py and tests/test_person_records.py read them from the command itself).
"""

from __future__ import annotations

import re
from pathlib import Path

from connectors.platform import LinkSummary, SyncSummary
from connectors.shuanggongshi import DepartmentStats, ImportResult
from hub.cli import demo_summary_zh, rates_zh, read_summary_zh
from hub.cli.sync import round_verdict_zh
from hub.demo.year import COUNTED
from hub.exchange.vocabulary import Direction
from hub.grading.reevaluation import RunSummary
from hub.imports import ImportOutcome
from hub.supervision.evidence import Artefact, DrawReport, Finding


def test_an_import_outcome_in_chinese_and_in_english() -> None:
    outcome = ImportOutcome(records=99_300, changed=1_200, resumed_at=5_000, regraded=800, evaluations=1_600,
                            grades_changed=12, seconds=42.25, persons_kept=3, persons_changed=1)
    assert outcome.describe_zh() == (
        "1,200 / 99,300 条记录新增或变更（接续此前未完成的导入，其已入库 5,000 条）；"
        "保存涉及自然人的决定 3 条，仅限内部（新增或变更 1 条）；"
        "800 个主体重新评价（评价结果 1,600 条，等级变化 12 个），用时 42.2 秒")
    # the log's
    assert outcome.describe().startswith("1,200 of 99,300 records new or changed (resumed after 5,000")
    plain = ImportOutcome(records=3, changed=0, resumed_at=0, regraded=0, evaluations=0, grades_changed=0, seconds=1)
    assert plain.describe_zh() == ("0 / 3 条记录新增或变更；0 个主体重新评价（评价结果 0 条，等级变化 0 个），"
                                   "用时 1.0 秒")


def test_what_reading_a_file_gave() -> None:
    result = ImportResult("ADMINISTRATIVE_PENALTY", [{}] * 993, [], [5, 9], {}, rows=1000, natural_persons=[4],
                          person_records=[{}])
    report = Path("/data/penalties.xlsx.errors.csv")
    assert read_summary_zh("penalties.xlsx", result, "双公示", report) == (
        "penalties.xlsx：读取 1000 行（行政处罚），待入库 993 行，拒收 0 行"
        "（问题清单：/data/penalties.xlsx.errors.csv），迟报 2 行，"
        "涉及自然人 1 行（以密封的证件号码为键保存 1 条，仅限内部）")
    information = ImportResult("CREDIT_INFORMATION", [{}] * 3, [], [], {}, rows=8)
    assert read_summary_zh("info.xlsx", information, "信用信息", report) == (
        "info.xlsx：读取 8 行（信用信息），待入库 3 行，拒收 0 行（问题清单：/data/penalties.xlsx.errors.csv）")


def test_a_departments_rates() -> None:
    measured = DepartmentStats("郏县市场监督管理局", rows=6, valid=5, on_time=4, late=1, provisional=2)
    assert rates_zh("11410425MA0000001X", measured) == (
        "  郏县市场监督管理局：合规率 83.3%，及时率 80.0%（暂定：其中 2 行按尚未公布调休安排的年份判定）")
    unmeasured = DepartmentStats(None, rows=4, valid=4, on_time=None, late=None)
    assert rates_zh("410425-SCJG", unmeasured) == "  410425-SCJG：合规率 100.0%，及时率 未计算"


def test_the_demo_loads_summary() -> None:
    counts = {"departments": 12, "organizations": 3, "subjects": 1000, "records": 4321, "evaluations": 2000}
    assert demo_summary_zh(counts) == ("演示数据已载入：部门 12 个，机构 3 家，主体 1,000 个，信用记录 4,321 条，"
                                       "评价结果 2,000 条")
    # every count the replayed year reports is named in Chinese too (no code name reaches the clerk)
    year = demo_summary_zh({"evaluations_a_year_ago": 2, **dict.fromkeys(COUNTED, 1)})
    assert not re.search(r"[A-Za-z_]", year), year
    assert "列入严重失信主体名单 1 次" in year and "逾期未处理的异议 1 件" in year


def test_a_draw_verification_gives_its_verdict_in_chinese_and_each_check_in_english() -> None:
    checked = ("3 signed statement(s) verify with the platform key", "the revealed seed matches the commitment")
    verified = DrawReport("d-1", "DRAWN", (), checked, "ab12")
    assert verified.verdict_zh() == "双随机抽取 d-1（已抽取）核验通过：2 项核对一致"
    assert verified.describe().startswith("draw d-1 (DRAWN) verified: 3 signed statement(s)")
    failed = DrawReport("d-2", "PUBLISHED", (Finding(Artefact.TARGETS, "stored as targets but not drawn"),), (), None)
    assert failed.verdict_zh() == "双随机抽取 d-2（结果已公布）核验未通过：1 处不一致，明细如下"


def test_a_sync_rounds_verdict_names_the_failed_links() -> None:
    pushed = LinkSummary("410400-city", Direction.PUSH, batches=1, items=3, applied=1, unchanged=1, dead_letters=1)
    pulled = LinkSummary("410425-county", Direction.PULL_UP, batches=2, items=1_200, applied=1_200)
    assert round_verdict_zh(SyncSummary([pulled, pushed])) == (
        "本轮同步完成：2 条链路全部成功，共 1,203 项（写入 1,201，未变 1，转入死信 1）")
    refused = LinkSummary("410400-city", Direction.PUSH, error="the peer refused our token")
    assert round_verdict_zh(SyncSummary([pulled, refused])) == (
        "本轮同步未全部成功：1 条链路失败（410400-city 向上级平台报送），共 1,200 项（写入 1,200，未变 0，转入死信 0）")
    assert round_verdict_zh(SyncSummary([], database_unavailable="gone")).startswith("本轮同步中止")


def test_a_grading_run_in_chinese_and_in_english() -> None:
    summary = RunSummary(run_id="20261130-abc", subjects=2_000, evaluations=4_100, changed=12, new=30, flags=2,
                         estimates=5, seconds=8.0, reading=2.5, grading=1.25, writing=4.75)
    summary.grades.update({("henan-public-credit", "优"): 1_500, ("henan-public-credit", "良"): 500,
                           ("henan-market-risk", "A"): 2_100})
    assert summary.describe_zh() == (
        "评价批次 20261130-abc：2,000 个主体，评价结果 4,100 条，用时 8.0 秒（每秒 250 个主体）；等级变化 12 个，"
        "首次评价 30 个，待复核的评价差异 2 个；5 条测算结果仅存入历史（发布机关的评价结果仍为当前结果）\n"
        "  henan-market-risk：A 2100\n"
        "  henan-public-credit：优 1500, 良 500\n"
        "  各环节用时（各批次累计，读取与评分、写入并行）：读取事实 2.5 秒，评分 1.2 秒，写入 4.8 秒")
    assert summary.describe().splitlines()[-1] == (
        "  time per phase, summed over batches (they overlap): reading facts 2.5 s, grading 1.2 s, writing 4.8 s")
