"""What a clerk reads is in Chinese (issue 13 §4): each refused row of an import carries a Chinese sentence
naming its row, its column and the rule as precisely as the English does, built where the rule is checked
(hub.bilingual); the report a department gets back leads with 行号, 列, 问题 and keeps the English for the
operator; a resident ID number is never quoted in clear, in either language. Pure, no database.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.shuanggongshi import ImportResult, error_report_csv, read_file
from connectors.shuanggongshi.columns import PENALTY_CATEGORIES
from connectors.shuanggongshi.importer import REPORT_HEADERS
from connectors.shuanggongshi.information import COLUMNS, read_information_file
from hub import clock
from hub.codes import InvalidCode, parse_region, parse_resident_id, parse_uscc
from hub.credit_info.validation import ItemDraft, check_item
from hub.models import RecordKind
from tests.builders import resident_id, uscc
from tests.test_shuanggongshi import BAD_PERSON_ID, PENALTY_HEADERS, penalty, read, thousand_penalties, write

REGION = "410329"  # 伊川县: codes of this module's rows (nothing is stored)


@pytest.fixture(scope="module", autouse=True)
def at_the_china_day_turn(china_clock: str) -> None:
    """The future-date rules read the China date: run at 15:59 and 16:01 UTC."""


def one_row(tmp_path: Path, **changes: Any) -> ImportResult:
    """A 行政处罚 file of one good row (row 2) and the row with ``changes`` (row 3)."""
    return read(write(tmp_path / "p.xlsx", PENALTY_HEADERS, [penalty(1), penalty(3, **changes)]))


def report(result: ImportResult) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(error_report_csv(result))))


def zh(result: ImportResult) -> dict[str | None, str]:
    """Each refused column's 问题, as the report says it."""
    return {r["列"] or None: r["问题"] for r in report(result)}


def test_the_report_leads_with_chinese_headers_and_keeps_the_english_last(tmp_path: Path) -> None:
    result = one_row(tmp_path, 处罚决定日期=date(2026, 3, 10))
    text = error_report_csv(result)
    assert text.splitlines()[0] == "行号,列,问题,message" and tuple(REPORT_HEADERS) == ("行号", "列", "问题", "message")
    [row] = report(result)
    assert (row["行号"], row["列"]) == ("3", "处罚决定日期")
    assert row["问题"] == "第 3 行「处罚决定日期」2026-03-10 晚于收到日期 2026-03-02：请填写实际作出决定的日期"
    assert row["message"] == "处罚决定日期 2026-03-10 is after its received date 2026-03-02: a decision is received " \
                             "once it has been made"


def test_date_a_cell_that_is_no_date_and_a_day_that_is_not_in_the_calendar(tmp_path: Path) -> None:
    said = zh(one_row(tmp_path, 处罚决定日期="上月十三日", 公示截止期="2026-02-30"))
    assert said["处罚决定日期"] == ("第 3 行「处罚决定日期」「上月十三日」不是日期：请写成 YYYY-MM-DD 或 YYYY/MM/DD"
                                "（如 2026-02-13）")
    assert said["公示截止期"] == "第 3 行「公示截止期」「2026-02-30」不是日历上存在的日期"


def test_date_a_publicity_end_before_the_decision(tmp_path: Path) -> None:
    said = zh(one_row(tmp_path, 公示截止期=date(2026, 1, 1)))
    assert said["公示截止期"] == "第 3 行「公示截止期」2026-01-01 早于「处罚决定日期」2026-02-13"


def test_future_decision_and_received_dates(tmp_path: Path) -> None:
    today = clock.today()
    tomorrow = today + timedelta(days=1)
    result = read_file(write(tmp_path / "t.xlsx", PENALTY_HEADERS, [penalty(1, 处罚决定日期=tomorrow)]),
                       source_platform="test")
    assert zh(result)["处罚决定日期"] == (f"第 2 行「处罚决定日期」{tomorrow} 晚于今天（{today}）：决定作出后才能报送，"
                                     "请填写实际作出决定的日期")
    information = read_information_file(write(tmp_path / "i.xlsx", list(COLUMNS), [{
        "信息编号": "z-1", "信息类别": "HONOR", "统一社会信用代码": uscc(9001, region=REGION), "信息标题": "表彰",
        "决定日期": today - timedelta(days=3), "接收日期": tomorrow, "报送部门代码": f"{REGION}-SCJG"}]),
        source_platform="test")
    assert zh(information)["接收日期"] == f"第 2 行「接收日期」{tomorrow} 晚于今天（{today}）：请填写实际收到的日期"


def test_amount_negative_and_not_a_number(tmp_path: Path) -> None:
    said = zh(one_row(tmp_path, **{"罚款金额（万元）": -1, "没收违法所得、没收非法财物的金额（万元）": "五千"}))
    assert said["罚款金额（万元）"] == "第 3 行「罚款金额（万元）」「-1」为负数：以万元计的金额应大于或等于 0"
    assert said["没收违法所得、没收非法财物的金额（万元）"] == (
        "第 3 行「没收违法所得、没收非法财物的金额（万元）」「五千」不是数字：请以万元为单位填写金额，如 0.5")


def test_code_a_social_credit_code_names_the_position_and_the_rule(tmp_path: Path) -> None:
    good = uscc(1003)
    wrong = good[:17] + ("A" if good[17] != "A" else "B")
    said = zh(one_row(tmp_path, 行政相对人代码_1=wrong, 处罚机关统一社会信用代码=good[:17]))
    assert said["行政相对人代码_1"] == (f"第 3 行「行政相对人代码_1」统一社会信用代码「{wrong}」无效：第 18 位校验码为"
                                   f"「{wrong[17]}」，按 GB 32100 模 31 校验应为「{good[17]}」")
    assert said["处罚机关统一社会信用代码"] == (
        f"第 3 行「处罚机关统一社会信用代码」统一社会信用代码「{good[:17]}」无效：共 17 位，GB 32100 规定为 18 位")


@pytest.mark.parametrize(("raw", "said"), [
    ("91410425MA400O0000", "第 14 位字符「O」不在 GB 32100 字符集内（0-9 和 A-Y，不使用 I、O、Z、S、V）"),
    ("B1410425MA40000000", "第 1 位「B」不是登记管理部门代码"),
    ("99410425MA40000000", "第 2 位「9」不是登记管理部门 9（工商）的机构类别代码（1、2、3）"),
    ("91AB0425MA40000000", "第 3-8 位「AB0425」应为 6 位数字的 GB/T 2260 行政区划代码"),
    ("91990425MA40000000", "第 3-8 位「990425」开头不是 GB/T 2260 省级代码"),
])
def test_code_each_rule_of_gb_32100_in_chinese(raw: str, said: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_uscc(raw)
    assert caught.value.zh.startswith(f"统一社会信用代码「{raw}」无效：{said}")
    assert caught.value.extensions() == {"messageZh": caught.value.zh}  # GraphQL's extensions.messageZh


def test_code_a_region_code_in_chinese() -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_region("99012")
    assert caught.value.zh == "行政区划代码「99012」无效：应为 6 位数字（GB/T 2260）"


def test_id_a_resident_id_is_masked_in_both_languages(tmp_path: Path) -> None:
    result = one_row(tmp_path, 行政相对人类别="自然人", 行政相对人代码_1=None, 证件类型="身份证",
                     证件号码=BAD_PERSON_ID, 法定代表人证件号码=resident_id(11)[:16])
    masked = BAD_PERSON_ID[:6] + "********" + BAD_PERSON_ID[-4:]
    said = zh(result)
    assert said["证件号码"] == (f"第 3 行「证件号码」公民身份号码「{masked}」无效：校验码为「{BAD_PERSON_ID[17]}」，"
                             f"按 GB 11643 模 11-2 校验应为「{resident_id(7)[17]}」")
    assert said["法定代表人证件号码"].endswith("无效：共 16 位，GB 11643 规定为 18 位")
    text = error_report_csv(result)
    assert BAD_PERSON_ID not in text and resident_id(11)[:16] not in text and masked in text
    with pytest.raises(InvalidCode) as caught:
        parse_resident_id(resident_id(4)[:6] + "19801301" + "0001")
    assert caught.value.zh.endswith("无效：第 7-14 位不是有效的出生日期") and "19801301" not in caught.value.zh


def test_id_a_number_typed_into_any_cell_is_masked_in_the_chinese_too(tmp_path: Path) -> None:
    person = resident_id(12)
    result = read(write(tmp_path / "d.xlsx", PENALTY_HEADERS,
                        [penalty(1, 行政处罚决定书文号=person), penalty(1, 行政处罚决定书文号=person)]))
    [row] = report(result)
    assert row["问题"].startswith("第 3 行与第 2 行重复："
                                "同一「行政相对人代码_1」的「行政处罚决定书文号」「410425********")
    assert person not in error_report_csv(result)


def test_length_a_cell_longer_than_the_exchange_takes(tmp_path: Path) -> None:
    said = zh(one_row(tmp_path, 违法事实="事" * 32_000))
    assert said["违法事实"] == ("第 3 行「违法事实」有 32,000 个字符，最多接受 20,000 个（平台间交换的上限，"
                            "按此上限接收的信息才能报送到市级和省级平台）")
    together = zh(one_row(tmp_path, 违法事实="事" * 12_000, 处罚内容="罚" * 9_000))
    assert together["处罚内容"].startswith("第 3 行「违法事实」和「处罚内容」合计 21,0")


def test_blank_row_and_a_required_cell(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.utf8.csv", PENALTY_HEADERS, [penalty(1), penalty(3, 处罚依据=None)])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([*lines, ",".join(["  "] * len(PENALTY_HEADERS))]) + "\n", encoding="utf-8-sig")
    rows = report(read(path))
    assert [(r["行号"], r["列"], r["问题"]) for r in rows] == [
        ("3", "处罚依据", "第 3 行「处罚依据」为空：此项必须填写（行政处罚标准规定的必填项）"),
        ("4", "", "第 4 行整行为空：每个单元格都是空白或只有空格")]
    assert rows[1]["message"] == "row 4 is blank: every cell is empty or whitespace"


def test_category_penalty_subject_and_information_kinds(tmp_path: Path) -> None:
    said = zh(one_row(tmp_path, 处罚类别="警告;责令改正", 行政相对人类别="企业"))
    assert said["处罚类别"] == ("第 3 行「处罚类别」「责令改正」不是行政处罚法（2021年修订）第九条规定的处罚种类："
                            f"{'、'.join(PENALTY_CATEGORIES)}（多个类别用 ; 或 ，分隔）")
    assert PENALTY_CATEGORIES[:3] == ("警告", "通报批评", "罚款")
    assert said["行政相对人类别"] == ("第 3 行「行政相对人类别」「企业」不是标准规定的三类之一："
                               "法人及非法人组织、自然人、个体工商户")
    information = read_information_file(write(tmp_path / "k.xlsx", list(COLUMNS), [{
        "信息编号": "z-2", "信息类别": "好人好事", "统一社会信用代码": uscc(9002, region=REGION), "信息标题": "t",
        "决定日期": clock.today() - timedelta(days=3), "报送部门代码": f"{REGION}-SCJG", "严重程度": "很严重"}]),
        source_platform="test")
    said = zh(information)
    assert said["信息类别"].startswith("第 2 行「信息类别」「好人好事」不是信用信息的类别："
                                   "请填写类别名称（如 严重失信主体名单）")
    assert said["严重程度"] == "第 2 行「严重程度」「很严重」不是 轻微、一般 或 严重"


def test_an_api_item_names_the_field_in_chinese_with_the_senders_name() -> None:
    today = clock.today()
    draft = ItemDraft(source_id="a-1", kind=RecordKind.ADMINISTRATIVE_PENALTY, uscc="91410425MA4000000X",
                      title="t", decided_on=today - timedelta(days=1), received_on=today - timedelta(days=2),
                      removed_on=today)
    camel = {"decided_on": "decidedOn", "received_on": "receivedOn", "document_number": "documentNumber",
             "removed_on": "removedOn"}
    problems = check_item(1, draft, today, lambda name: camel.get(name, name))
    assert isinstance(problems, list)
    said = {p.field: p.message_zh for p in problems}
    assert said["decidedOn"] == (f"「决定日期（decidedOn）」{draft.decided_on} 晚于收到日期 {draft.received_on}："
                                 "请填写实际作出决定的日期")
    assert said["documentNumber"] == ("「文书号（documentNumber）」为空：「行政处罚」信息必须填写"
                                      "（seed 004 第七条, §一.(一); 双公示）")
    assert said["uscc"].startswith("「统一社会信用代码（uscc）」统一社会信用代码「91410425MA4000000X」无效："
                                   "第 18 位校验码")
    assert said["removedOn"].startswith("「移出日期（removedOn）」：「行政处罚」不是名单信息，不存在移出")


def test_every_refused_row_of_a_thousand_has_its_chinese(tmp_path: Path) -> None:
    result = read(write(tmp_path / "k.xlsx", PENALTY_HEADERS, thousand_penalties()))
    rows = report(result)
    assert len(rows) == 7
    for row in rows:
        assert row["问题"].startswith(f"第 {row['行号']} 行「{row['列']}」") and row["message"].startswith(row["列"])
