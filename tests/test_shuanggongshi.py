"""双公示 file import (connectors.shuanggongshi): parse, check, map, time — pure, no database.

The files are made here, with the header row the national standard gives (SPEC §2.4), as XLSX,
UTF-8-with-BOM CSV and GB18030 CSV. Working days are chinesecalendar 1.11.0's: Spring Festival 2026
is off Sun 15 – Mon 23 February, with make-up working Saturdays 14 and 28 February, so Friday
13 February to Monday 2 March is exactly 7 working days.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from connectors.shuanggongshi import (
    ImportResult,
    ShuanggongshiFileError,
    error_report_csv,
    penalty_severity,
    read_file,
)
from hub import clock
from hub.codes import InvalidCode, parse_resident_id
from hub.credit_info import limits
from hub.models import Severity
from hub.rights.calendar import WorkingCalendar
from hub.rights.publicity import default_policy
from tests.builders import resident_id, uscc

PENALTY_HEADERS = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1", "行政相对人代码_2", "行政相对人代码_3",
    "行政相对人代码_4", "行政相对人代码_5", "行政相对人代码_6", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
    "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号",
    "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
LICENCE_HEADERS = [
    *PENALTY_HEADERS[:13], "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号",
    "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]
RECEIVED = date(2026, 3, 2)
ON_TIME, LATE = date(2026, 2, 13), date(2026, 2, 12)  # 7 and 8 working days before RECEIVED
SCJG, WJW = uscc(1, prefix="11"), uscc(2, prefix="11")  # two issuing departments (机关)
PLATFORM = "郏县信用平台"
CATEGORIES = ["警告", "罚款", "警告，罚款", "吊销许可证件;罚款"]
ID_SHAPED = re.compile(r"\d{17}[\dXx]")


def penalty(i: int, **changes: Any) -> dict[str, Any]:
    """A valid 行政处罚 row; every 100th is reported late, every 7th is a 个体工商户."""
    individual = i % 7 == 0
    authority, name = (SCJG, "郏县市场监督管理局") if i % 2 else (WJW, "郏县卫生健康委员会")
    fine = {0: None, 1: 0.5, 2: 1.2, 3: 12}[i % 4]
    row: dict[str, Any] = dict.fromkeys(PENALTY_HEADERS)
    row.update({
        "行政相对人名称": f"郏县第{i}商贸有限公司",
        "行政相对人类别": "个体工商户" if individual else "法人及非法人组织",
        "行政相对人代码_1": uscc(1000 + i, prefix="92" if individual else "91"), "法定代表人": "张三",
        "法定代表人证件类型": "身份证", "法定代表人证件号码": resident_id(i),
        "行政处罚决定书文号": f"郏监罚〔2026〕{i}号",
        "违法行为类型": "销售超过保质期的食品", "违法事实": f"当事人于2026年1月销售超过保质期的食品{i}批次",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条", "处罚类别": CATEGORIES[i % 4],
        "处罚内容": f"罚款{fine}万元" if fine else "警告", "罚款金额（万元）": fine,
        "处罚决定日期": LATE if i % 100 == 0 else ON_TIME, "处罚机关": name, "处罚机关统一社会信用代码": authority,
        "数据来源单位": name, "数据来源单位统一社会信用代码": authority,
    })
    row.update(changes)
    return row


def _wrong_check(code: str) -> str:
    return code[:17] + ("A" if code[17] != "A" else "B")


BAD_PERSON_ID = resident_id(7)[:17] + ("1" if resident_id(7)[17] != "1" else "2")
# data index → (the change, the column blamed, a word of the rule the message must name)
BAD: dict[int, tuple[dict[str, Any], str, str]] = {
    10: ({"行政相对人代码_1": _wrong_check(uscc(1010))}, "行政相对人代码_1", "check character"),
    20: ({"行政相对人代码_1": uscc(1020)[:17]}, "行政相对人代码_1", "exactly 18"),
    30: ({"处罚决定日期": None}, "处罚决定日期", "required"),
    40: ({"处罚决定日期": date(2026, 3, 10)}, "处罚决定日期", "after its received date 2026-03-02"),
    50: ({"处罚类别": "责令改正"}, "处罚类别", "行政处罚法"),
    60: ({"罚款金额（万元）": -1}, "罚款金额（万元）", "negative"),
    70: ({"行政相对人类别": "自然人", "行政相对人代码_1": None, "行政相对人名称": "李四", "证件类型": "身份证",
          "证件号码": BAD_PERSON_ID}, "证件号码", "GB 11643"),
}


def thousand_penalties() -> list[dict[str, Any]]:
    return [penalty(i, **BAD[i][0]) if i in BAD else penalty(i) for i in range(1000)]


def write(path: Path, headers: list[str], rows: list[dict[str, Any]]) -> Path:
    """XLSX (dates as Excel dates) or CSV in the encoding the suffix names: .utf8.csv, .gb18030.csv."""
    if path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
        workbook.save(path)
        return path
    encoding = "utf-8-sig" if path.name.endswith(".utf8.csv") else "gb18030"
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for n, row in enumerate(rows):  # alternate the two date spellings the standard allows
            cells = [row.get(h) for h in headers]
            writer.writerow(["" if v is None else f"{v:%Y/%m/%d}" if isinstance(v, date) and n % 2 else v
                             for v in cells])
    return path


def read(path: Path, **kwargs: Any) -> ImportResult:
    return read_file(path, source_platform=PLATFORM, received_on=RECEIVED, **kwargs)


@pytest.fixture(scope="module", params=["penalties.xlsx", "penalties.utf8.csv", "penalties.gb18030.csv"])
def thousand(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ImportResult:
    return read(write(tmp_path_factory.mktemp("sgs") / request.param, PENALTY_HEADERS, thousand_penalties()))


def test_seven_bad_rows_of_a_thousand_leave_993_records(thousand: ImportResult) -> None:
    assert thousand.kind == "ADMINISTRATIVE_PENALTY"
    assert (thousand.rows, len(thousand.records), len(thousand.errors)) == (1000, 993, 7)
    found = {e.row: e for e in thousand.errors}
    assert sorted(found) == [i + 2 for i in BAD]  # header is row 1, data index 0 is row 2
    for index, (_, column, rule) in BAD.items():
        error = found[index + 2]
        assert (error.column, rule in error.message) == (column, True), error


def test_record_rows_have_the_ingest_shape(thousand: ImportResult) -> None:
    record = next(r for r in thousand.records if r["document_number"] == "郏监罚〔2026〕1号")
    assert set(record) == {"id", "subject_uscc", "kind", "title", "decided_on", "issuing_department",
                           "source_platform", "disclosure", "status", "severity", "publicity_ends_on",
                           "document_number", "content", "amount_wan_yuan", "kept"}
    assert record | {"id": None, "content": None} == {
        "id": None, "subject_uscc": uscc(1001), "kind": "ADMINISTRATIVE_PENALTY", "title": "销售超过保质期的食品",
        "decided_on": ON_TIME, "issuing_department": SCJG, "source_platform": PLATFORM, "disclosure": "PUBLIC",
        "status": "ACTIVE", "severity": "GENERAL", "document_number": "郏监罚〔2026〕1号", "content": None,
        "publicity_ends_on": default_policy().publicity_ends_on(ON_TIME, Severity.GENERAL),
        "amount_wan_yuan": 0.5, "kept": None,
    }
    assert "违法事实：当事人于2026年1月" in record["content"] and "处罚内容：罚款0.5万元" in record["content"]


def test_timeliness_and_compliance_per_department(thousand: ImportResult) -> None:
    assert thousand.late == [i + 2 for i in range(0, 1000, 100)]  # none of them is a bad row
    scjg, wjw = thousand.per_department[SCJG], thousand.per_department[WJW]
    # Odd indexes are SCJG's; bad rows 10…70 are all WJW's, and so are the late ones (multiples of 100).
    assert (scjg.name, scjg.rows, scjg.valid, scjg.on_time, scjg.late) == ("郏县市场监督管理局", 500, 500, 500, 0)
    assert (scjg.compliance_rate, scjg.timeliness_rate) == (1.0, 1.0)
    assert (wjw.rows, wjw.valid, wjw.on_time, wjw.late) == (500, 493, 483, 10)
    assert wjw.compliance_rate == 493 / 500 and wjw.timeliness_rate == 483 / 493


def test_rereading_gives_the_same_ids_whatever_the_format(tmp_path: Path, thousand: ImportResult) -> None:
    again = read(write(tmp_path / "again.xlsx", PENALTY_HEADERS, thousand_penalties()))
    assert [r["id"] for r in again.records] == [r["id"] for r in thousand.records]
    assert len({r["id"] for r in again.records}) == 993


def test_no_whole_resident_id_anywhere_in_the_result_or_the_report(tmp_path: Path, thousand: ImportResult) -> None:
    person = resident_id(8)
    mistyped = resident_id(3)[:17] + ("0" if resident_id(3)[17] != "0" else "1")
    extra = read(write(tmp_path / "p.utf8.csv", PENALTY_HEADERS, [
        penalty(1, 违法事实=f"法定代表人（身份证号{resident_id(1)}）拒不改正"),
        penalty(2, 行政相对人类别="自然人", 行政相对人代码_1=None, 证件类型="身份证", 证件号码=person),
        penalty(3, 法定代表人证件号码=mistyped),
    ]))
    assert extra.natural_persons == [3] and len(extra.records) == 1 and [e.row for e in extra.errors] == [4]
    assert "********" in extra.records[0]["content"]
    for result in (thousand, extra):
        text = repr(result) + error_report_csv(result)
        for number in ID_SHAPED.findall(text):
            with pytest.raises(InvalidCode):
                parse_resident_id(number)
        for written in [resident_id(i) for i in range(1000)] + [BAD_PERSON_ID, person, mistyped]:
            assert written not in text


def test_error_report_lists_row_column_and_reason(thousand: ImportResult) -> None:
    lines = error_report_csv(thousand).splitlines()
    assert lines[0] == "行号,列,问题,message" and len(lines) == 8
    assert lines[1].startswith("12,行政相对人代码_1,") and "GB 32100" in lines[1]


def test_licence_file(tmp_path: Path) -> None:
    def licence(i: int, **changes: Any) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(LICENCE_HEADERS)
        row.update({"行政相对人名称": f"郏县第{i}餐饮店", "行政相对人类别": "个体工商户",
                    "行政相对人代码_1": uscc(i, prefix="92"),
                    "行政许可决定文书名称": "食品经营许可决定书", "行政许可决定文书号": f"郏食经许〔2026〕{i}号",
                    "许可类别": "普通", "许可证书名称": "食品经营许可证", "许可编号": f"JY14104250{i:05d}",
                    "许可内容": "预包装食品销售", "许可决定日期": ON_TIME, "有效期自": ON_TIME,
                    "有效期至": date(2031, 2, 12), "许可机关": "郏县市场监督管理局", "许可机关统一社会信用代码": SCJG,
                    "当前状态": "有效", "数据来源单位": "郏县市场监督管理局", "数据来源单位统一社会信用代码": SCJG})
        return row | changes
    result = read(write(tmp_path / "licences.gb18030.csv", LICENCE_HEADERS,
                        [licence(1), licence(2, 许可类别="备案"), licence(3, 许可证书名称=None)]))
    assert result.kind == "ADMINISTRATIVE_LICENSE" and [(e.row, e.column) for e in result.errors] == [(3, "许可类别")]
    first, third = result.records
    assert (first["title"], first["severity"], first["publicity_ends_on"]) == ("食品经营许可证", None, None)
    assert first["document_number"] == "郏食经许〔2026〕1号" and "有效期：2026-02-13 至 2031-02-12" in first["content"]
    assert third["title"] == "预包装食品销售"  # no 许可证书名称: the 许可内容 names it


def test_a_missing_required_header_refuses_the_file_naming_it(tmp_path: Path) -> None:
    headers = [h for h in PENALTY_HEADERS if h != "处罚决定日期"]
    with pytest.raises(ShuanggongshiFileError, match="处罚决定日期") as refused:
        read(write(tmp_path / "no-date.xlsx", headers, [penalty(1)]))
    assert refused.value.columns == ("处罚决定日期",)


def test_unknown_headers_are_named_and_old_code_numbering_explained(tmp_path: Path) -> None:
    headers = [*PENALTY_HEADERS[:3], "行政相对人代码_2（组织机构代码）", *PENALTY_HEADERS[4:-1], "公示截至期"]
    with pytest.raises(ShuanggongshiFileError) as refused:
        read(write(tmp_path / "typo.utf8.csv", headers, [penalty(1)]))
    assert "公示截至期" in str(refused.value) and "_2 is 工商注册号" in str(refused.value)


def test_headers_with_their_meaning_and_full_width_forms_are_the_standards(tmp_path: Path) -> None:
    spelled = {"行政相对人代码_1": "行政相对人代码_1（统一社会信用代码）", "罚款金额（万元）": " 罚款金额(万元) "}
    headers = [spelled.get(h, h) for h in PENALTY_HEADERS]
    row = {spelled.get(h, h): v for h, v in penalty(1).items()}
    assert len(read(write(tmp_path / "spelled.xlsx", headers, [row])).records) == 1


def test_not_a_shuanggongshi_file_and_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ShuanggongshiFileError, match="neither a 行政处罚 nor a 行政许可"):
        read(write(tmp_path / "other.utf8.csv", ["企业名称", "地址"], [{"企业名称": "x", "地址": "y"}]))
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"\xff\xfe\xff\xff" * 8)
    with pytest.raises(ShuanggongshiFileError, match="utf-8-sig, gb18030"):
        read(garbled)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ShuanggongshiFileError, match=r"not a readable \.xlsx"):
        read(broken)


def test_seven_working_days_across_the_spring_festival_is_on_time_eight_is_late(tmp_path: Path) -> None:
    calendar = WorkingCalendar()
    assert calendar.working_days_between(ON_TIME, RECEIVED) == 7
    assert calendar.working_days_between(LATE, RECEIVED) == 8
    result = read(write(tmp_path / "t.xlsx", PENALTY_HEADERS,
                        [penalty(1, 处罚决定日期=ON_TIME), penalty(3, 处罚决定日期=LATE)]), calendar=calendar)
    assert result.late == [3]
    assert result.per_department[SCJG].timeliness_rate == 0.5
    assert read_file(tmp_path / "t.xlsx", source_platform=PLATFORM).late == []  # no received_on: not measured


def test_utf8_without_bom_is_read_too(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.utf8.csv", PENALTY_HEADERS, [penalty(1)])
    path.write_bytes(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    assert [r["subject_uscc"] for r in read(path).records] == [uscc(1001)]


def test_dates_as_excel_serials_and_both_spellings(tmp_path: Path) -> None:
    excel_serial = (ON_TIME - date(1899, 12, 30)).days  # 46066, an Excel serial in a cell without a date format
    rows = [penalty(1, 处罚决定日期=excel_serial), penalty(3, 处罚决定日期="2026/02/13"),
            penalty(5, 处罚决定日期="2026-02-13")]
    result = read(write(tmp_path / "d.xlsx", PENALTY_HEADERS, rows))
    assert [r["decided_on"] for r in result.records] == [ON_TIME] * 3


def test_the_files_publicity_end_wins_over_the_policy(tmp_path: Path) -> None:
    result = read(write(tmp_path / "p.xlsx", PENALTY_HEADERS, [penalty(1, 公示截止期=date(2026, 8, 13))]))
    assert result.records[0]["publicity_ends_on"] == date(2026, 8, 13)


def test_a_decision_reported_twice_in_one_file_is_refused_once(tmp_path: Path) -> None:
    result = read(write(tmp_path / "dup.xlsx", PENALTY_HEADERS, [penalty(1), penalty(3), penalty(1)]))
    assert len(result.records) == 2 and [(e.row, "row 2" in e.message) for e in result.errors] == [(4, True)]


@pytest.mark.parametrize(("categories", "fine", "severity"), [
    (("警告",), None, Severity.MINOR), (("警告", "通报批评"), None, Severity.MINOR),
    (("警告", "罚款"), 0.5, Severity.GENERAL), (("罚款",), 9.99, Severity.GENERAL),
    (("罚款",), 10, Severity.SERIOUS), (("吊销许可证件",), None, Severity.SERIOUS),
    (("责令停产停业",), None, Severity.SERIOUS), (("限制从业",), None, Severity.SERIOUS),
])
def test_the_hubs_default_severity(categories: tuple[str, ...], fine: float | None, severity: Severity) -> None:
    assert penalty_severity(categories, fine) is severity


def test_a_value_under_no_header_refuses_its_row(tmp_path: Path) -> None:
    path = write(tmp_path / "shifted.utf8.csv", PENALTY_HEADERS, [penalty(1), penalty(3)])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([*lines[:2], lines[2] + ",多出的一格"]) + "\n", encoding="utf-8-sig")
    result = read(path)
    assert len(result.records) == 1 and [(e.row, e.column) for e in result.errors] == [(3, None)]
    assert "column 31" in result.errors[0].message


# One validation wherever an item enters (hub.credit_info.validation, issue 11 §1): what the exchange refuses
# is refused here, with the row number, and so is a row of whitespace or a received date in the future.

@pytest.mark.parametrize("name", ["long.xlsx", "long.utf8.csv", "long.gb18030.csv"])
def test_a_penalty_content_longer_than_the_exchange_takes_is_refused_with_its_row(tmp_path: Path, name: str) -> None:
    rows = [penalty(1), penalty(3, 处罚内容="罚" * 32_000), penalty(5, 违法事实="事" * 12_000, 处罚内容="罚" * 9_000),
            penalty(9, 处罚内容="罚" * 19_900)]
    result = read(write(tmp_path / name, PENALTY_HEADERS, rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "处罚内容"), (4, "处罚内容")]
    assert "32,000 characters; at most 20,000" in result.errors[0].message
    assert "违法事实 and 处罚内容 together have 21,0" in result.errors[1].message
    assert all(len(r["content"]) <= limits.MAX_TEXT for r in result.records) and len(result.records) == 2


def test_a_row_of_whitespace_is_refused_with_its_number_and_an_empty_row_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.utf8.csv", PENALTY_HEADERS, [penalty(1), penalty(3)])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    spaces, empty = ",".join(["  "] * len(PENALTY_HEADERS)), "," * (len(PENALTY_HEADERS) - 1)
    path.write_text("\n".join([lines[0], lines[1], spaces, empty, lines[2]]) + "\n", encoding="utf-8-sig")
    result = read(path)
    assert len(result.records) == 2 and [(e.row, e.column) for e in result.errors] == [(3, None)]
    assert "row 3 is blank" in result.errors[0].message and result.rows == 3


def test_a_received_date_in_the_future_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "f.xlsx", PENALTY_HEADERS, [penalty(1)])
    tomorrow = clock.today() + timedelta(days=1)
    with pytest.raises(ShuanggongshiFileError, match=f"the received date {tomorrow} is in the future"):
        read_file(path, source_platform=PLATFORM, received_on=tomorrow)


def test_without_a_received_date_a_decision_after_today_is_in_the_future(tmp_path: Path) -> None:
    tomorrow = clock.today() + timedelta(days=1)
    result = read_file(write(tmp_path / "t.xlsx", PENALTY_HEADERS, [penalty(1, 处罚决定日期=tomorrow)]),
                       source_platform=PLATFORM)
    assert [e.column for e in result.errors] == ["处罚决定日期"] and "is in the future" in result.errors[0].message
