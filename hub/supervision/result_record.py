"""A 双随机 inspection result as the 抽查检查结果 record of the inspected subject (seed 004 第七条).

Seed 004 第七条 collects 抽查检查结果信息 among the 涉企信用信息 the risk classification reads, and seed 004
§一.(一) collects 行政监督检查 information for 公示: so a recorded result is also a record of its subject —
kind INSPECTION_RESULT, PUBLIC as the results are (一公开; hub.credit_info.kinds), issued by the plan's
department, dated the day of inspection — and the grading catalogues that count inspection outcomes
(``supervision.inspection_failed`` and kin: they read 不合格 / 责令整改 in the title and content) see it.

The record's id is the result's: one target of one draw has one result (results are final), so the
same result always makes the same record. The inspector's notes stay on the draw's published result
and are not copied into the record: the catalogues match words in a record's text, and a 合格 result
whose notes say "未发现不合格产品" would otherwise count as failed.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from hub.credit_info.kinds import rule_of
from hub.models import RecordKind, RecordStatus

KIND = RecordKind.INSPECTION_RESULT

# The results the shipped catalogues count: 不合格 and 责令整改 are what henan-market-risk
# (supervision.inspection_failed, supervision.inspection_problems), public-credit (deduct.inspection_failed) and
# heilongjiang-industry (inspection.failed) select. Only these re-grade the subject when recorded; a 合格 or
# 未发现问题 record is kept and seen by the next grading, but changes no shipped scheme's result (the one
# indicator that reads passed inspections, jiaxian-food-industry's pass rate, selects 食品 inspections by text,
# which this record's text does not name).
COUNTED_RESULTS = frozenset({"不合格", "责令整改"})


def result_record_id(draw_id: str, uscc: str) -> str:
    """The id of the result of ``uscc`` in ``draw_id``, as a record id."""
    return "insp-" + hashlib.sha256(f"{draw_id}\x1f{uscc}".encode()).hexdigest()[:32]


def result_record(*, draw_id: str, plan_id: str, department: str, uscc: str, result: str, inspected_on: date,
                  platform_id: str) -> dict[str, Any]:
    """The record row (hub.db.ingest's shape) for one recorded result."""
    rule = rule_of(KIND)
    record_id = result_record_id(draw_id, uscc)
    return {
        "id": record_id, "subject_uscc": uscc, "kind": KIND.value,
        "title": f"“双随机、一公开”抽查检查结果：{result}",
        "content": f"检查结果：{result}\n抽查计划 {plan_id}，抽取 {draw_id}",
        "decided_on": inspected_on, "issuing_department": department, "source_platform": platform_id,
        "disclosure": rule.disclosure.value, "disclosure_rule": rule.disclosure_rule,
        "status": RecordStatus.ACTIVE.value, "severity": None, "publicity_ends_on": None,
        "document_number": None, "amount_wan_yuan": None, "source_id": record_id, "received_on": inspected_on,
    }
