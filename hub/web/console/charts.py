"""The console's chart pages: 等级分布 (per scheme, by region and industry, and how grades moved since the last
evaluation) and 双公示报送 (each department's 合规率 and 及时率 per month).

Each page is one GraphQL operation run as the signed-in person's viewer; both fields are INTERNAL
(schema/tiers.py), so a bank is refused by the API, and the pages are not in a bank's navigation. The
chart data travel in the page as ``application/json`` (CSP: no inline script); charts.js draws them with
the vendored ECharts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from hub.web.console import pages
from hub.web.console.pages import e

if TYPE_CHECKING:
    from hub.web.console import Console

GRADES = """
query ConsoleGrades {
  gradingSchemes { id name grades { name label } }
  gradeBreakdown {
    byRegion { scheme grade key count }
    byIndustry { scheme grade key count }
    transitions { scheme previousGrade grade count move }
    moves { scheme up down same first }
    countedAt
  }
}"""
REPORTING_MONTHS = 12
REPORTING = """
query ConsoleReporting($months: Int!) {
  departmentReportingByMonth(months: $months) {
    month department name rows valid onTime late complianceRate timelinessRate
  }
}"""
FIRST = "首次评价"


def _json(value: object, element_id: str) -> str:
    text = json.dumps(value, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


async def grades(console: Console, request: Request) -> Response:
    loaded = await console.load(request, GRADES, {}, "gradeBreakdown", title="等级分布", active="grades")
    if isinstance(loaded, Response):
        return loaded
    data, found = loaded.data, loaded.data["gradeBreakdown"]
    # a scheme's grade counts are its regions' summed (what gradeDistribution gives, without a second scan)
    by_scheme: dict[str, dict[str, int]] = {}
    for row in found["byRegion"]:
        per = by_scheme.setdefault(row["scheme"], {})
        per[row["grade"]] = per.get(row["grade"], 0) + row["count"]
    known = [s for s in data.get("gradingSchemes") or [] if s["id"] in by_scheme]
    schemes = [{"id": s["id"], "name": s["name"],
                "grades": [{"name": g["name"], "label": g["label"], "count": by_scheme[s["id"]].get(g["name"], 0)}
                           for g in s["grades"]]} for s in known]
    body = pages.grades(schemes, "；".join(loaded.answer.refusals()) or None) + breakdown(known, found)
    return console.html("等级分布", body, loaded.signed, active="grades",
                         scripts=("echarts.min.js", "charts.js"))


def _table(cells: Sequence[dict[str, Any]], scheme: str, grades: Sequence[str]) -> dict[str, Any]:
    """One scheme's counts along a dimension: its keys, and per grade a count for each key."""
    mine = [c for c in cells if c["scheme"] == scheme]
    keys = sorted({c["key"] for c in mine})
    count = {(c["key"], c["grade"]): c["count"] for c in mine}
    return {"keys": [k or "未登记" for k in keys],
            "series": [{"grade": g, "counts": [count.get((k, g), 0) for k in keys]} for g in grades]}


def breakdown_data(schemes: Sequence[dict[str, Any]], found: dict[str, Any]) -> list[dict[str, Any]]:
    moves = {m["scheme"]: m for m in found["moves"]}
    charted = []
    for scheme in schemes:
        names = [g["name"] for g in scheme["grades"]]
        transitions = [{"from": t["previousGrade"] or FIRST, "to": t["grade"], "count": t["count"], "move": t["move"]}
                       for t in found["transitions"] if t["scheme"] == scheme["id"]]
        summary = moves.get(scheme["id"], {"up": 0, "down": 0, "same": 0, "first": 0})
        charted.append({"id": scheme["id"], "name": scheme["name"], "grades": names,
                        "byRegion": _table(found["byRegion"], scheme["id"], names),
                        "byIndustry": _table(found["byIndustry"], scheme["id"], names),
                        "moves": {k: summary[k] for k in ("up", "down", "same", "first")},
                        "transitions": transitions})
    return charted


def breakdown(schemes: Sequence[dict[str, Any]], found: dict[str, Any]) -> str:
    charted = breakdown_data(schemes, found)
    sections = []
    for i, s in enumerate(charted):
        moves = s["moves"]
        sections.append(
            f'<section class="card breakdown" data-scheme="{e(s["id"])}"><h2>{e(s["name"])}</h2>'
            f'<div class="chart" id="region-{i}" role="img" aria-label="{e(s["name"])}按区划分布"></div>'
            f'<div class="chart" id="industry-{i}" role="img" aria-label="{e(s["name"])}按行业分布"></div>'
            f'<p class="moves">较上次评价：<span class="up">上升 {moves["up"]}</span> · '
            f'<span class="down">下降 {moves["down"]}</span> · <span class="same">持平 {moves["same"]}</span> · '
            f'<span class="first">首次评价 {moves["first"]}</span></p>'
            f'<div class="chart" id="transition-{i}" role="img" aria-label="{e(s["name"])}等级变动"></div></section>')
    return (f'<section class="card"><h2>按区划、行业的分布与较上次评价的变动</h2><p class="muted">现行评价；'
            f'变动以每个主体现行评价所取代的等级计（首次评价：此前无该方案的等级）。'
            f'<span class="counted-at">统计时间：{e(pages.china_time(found["countedAt"]))}</span></p></section>'
            f'{"".join(sections)}{_json(charted, "breakdown-data")}')


async def reporting(console: Console, request: Request) -> Response:
    loaded = await console.load(request, REPORTING, {"months": REPORTING_MONTHS}, "departmentReportingByMonth",
                                title="双公示报送", active="reporting")
    if isinstance(loaded, Response):
        return loaded
    rows = loaded.data["departmentReportingByMonth"]
    return console.html("双公示报送", reporting_page(rows), loaded.signed, active="reporting",
                         scripts=("echarts.min.js", "charts.js"))


def reporting_data(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    months = sorted({r["month"] for r in rows})
    departments: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = departments.setdefault(r["department"], {
            "department": r["department"], "name": r["name"] or r["department"],
            "compliance": [None] * len(months), "timeliness": [None] * len(months), "rows": [0] * len(months)})
        at = months.index(r["month"])
        d["compliance"][at] = r["complianceRate"]
        d["timeliness"][at] = r["timelinessRate"]
        d["rows"][at] = r["rows"]
    return {"months": months, "departments": list(departments.values())}


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def reporting_page(rows: Sequence[dict[str, Any]]) -> str:
    data = reporting_data(rows)
    lines = "".join(
        f'<tr data-department="{e(r["department"])}" data-month="{e(r["month"])}"><td>{e(r["month"])}</td>'
        f'<td>{e(r["name"] or r["department"])}</td><td>{e(r["rows"])}</td><td>{e(r["valid"])}</td>'
        f'<td class="compliance">{_rate(r["complianceRate"])}</td><td class="timeliness">{_rate(r["timelinessRate"])}'
        f'</td></tr>' for r in sorted(rows, key=lambda r: (r["month"], r["department"]), reverse=True))
    listed = pages.table(("月份", "部门", "报送条数", "合规条数", "合规率", "及时率"), lines, "", name="reporting")
    charts = ('<div class="chart" id="compliance-chart" role="img" aria-label="合规率"></div>'
              '<div class="chart" id="timeliness-chart" role="img" aria-label="及时率"></div>' if rows else
              '<p class="muted">近期没有导入的双公示文件。</p>')
    return (f'<section class="card"><h2>双公示报送：各部门合规率与及时率（近 {REPORTING_MONTHS} 个月，按月）</h2>'
            f'<p class="muted">依据：各部门双公示合规率、及时率均应达到100%。按文件接收日期（无则导入日期，北京时间）'
            f'归月；比率为当月合计之比。</p>{charts}</section>'
            + (f'<section class="card">{listed}</section>' if rows else "") + _json(data, "reporting-data"))
