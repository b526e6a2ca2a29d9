"""The console's 双随机、一公开 pages: a department's inspection plans (with 抽查频次 met or not per class), each
plan's draws (targets and inspectors) and their published results.

One GraphQL operation per page, as the signed-in person's viewer. Plans, per-class figures and assignments are
INTERNAL (schema/tiers.py): a bank's loan officer is not shown the pages, and asking for them anyway gets the
API's refusal. A department officer reads its own department's plans; the credit office reads every
department's (or one: ``?department=``) — it draws nothing itself (seed 000 §三; seed 004 要求二).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.authority import PLATFORM
from hub.web.console.pages import china_time, e, refused, table

if TYPE_CHECKING:
    from hub.web.console import Console

PLANS = """
query ConsoleInspectionPlans($department: String) {
  gradingSchemes { id name }
  inspectionPlans(department: $department) {
    id department name scheme region period kinds industries inspectorsPerTarget createdAt
    ratios { grade minimumPercent }
    frequency { grade atLeast atMost subjects below above met }
  }
}"""
DRAWS = """
query ConsoleDraws($planId: ID!) {
  draws(planId: $planId) {
    id planId department scheme status attempt committedAt frozenAt drawnAt seedCommitment seed
    populationSize targetsTotal supersededBy replaces redrawReason
    ratios { grade minimumPercent }
    assignments { uscc name grade inspectors position result }
    results { uscc name result notes inspectedOn }
  }
}"""

DRAW_STATUSES = {"COMMITTED": "已承诺种子", "FROZEN": "已冻结名单", "DRAWN": "已抽取", "PUBLISHED": "结果已公开",
                 "SUPERSEDED": "已被重新抽取取代"}


class InspectionPages:
    """双随机: plans and draws, mounted by the console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[BaseRoute]:
        return [Route("/console/inspections", self.plans), Route("/console/inspections/{plan_id}", self.draws)]

    async def plans(self, request: Request) -> Response:
        console = self.console
        signed = await console.signed_in(request)
        if signed is None:
            return console.to_login()
        owner = console.queue_owner(signed)
        department = owner if owner != PLATFORM else (request.query_params.get("department", "").strip()[:40] or None)
        answer = await console.ask(request, signed, PLANS, {"department": department})
        data = answer.data or {}
        plans = data.get("inspectionPlans")
        if plans is None:
            return console.refused("双随机抽查", answer, signed, "inspections")
        names = {s["id"]: s["name"] for s in data.get("gradingSchemes") or []}
        body = plans_page(plans, names, department, owner == PLATFORM, "；".join(answer.refusals()) or None)
        return console.html("双随机抽查", body, signed, active="inspections")

    async def draws(self, request: Request) -> Response:
        console = self.console
        plan_id = request.path_params["plan_id"]
        loaded = await console.load(request, DRAWS, {"planId": plan_id}, "draws", title="抽取与结果",
                                    active="inspections")
        if isinstance(loaded, Response):
            return loaded
        draws = loaded.data["draws"]
        # targets and inspectors are INTERNAL: where the API refused them, the page is its refusal
        if loaded.answer.errors and any(d.get("assignments") is None for d in draws):
            return console.refused("抽取与结果", loaded.answer, loaded.signed, "inspections")
        return console.html("抽取与结果", draws_page(plan_id, draws), loaded.signed, active="inspections")


def _frequency(rows: Sequence[dict[str, Any]] | None) -> str:
    body = "".join(
        f'<tr data-grade="{e(c["grade"])}"><td>{e(c["grade"])}</td><td>{_times(c)}</td><td>{e(c["subjects"])}</td>'
        f'<td>{e(c["below"])}</td><td>{e(c["above"])}</td><td class="met">'
        + ("—" if c["met"] is None else ('<span class="tag">已达到</span>' if c["met"]
                                         else '<span class="tag warn">未达到</span>'))
        + "</td></tr>" for c in rows or ())
    return table(("等级", "每年抽查频次", "主体数", "低于下限", "超过上限", "是否达到"), body,
                 "该评价方案未规定抽查频次。", cls="frequency")


def _times(c: dict[str, Any]) -> str:
    if c["atLeast"] is not None and c["atMost"] is not None:
        return f'{e(c["atLeast"])}–{e(c["atMost"])} 次'
    if c["atLeast"] is not None:
        return f'不少于 {e(c["atLeast"])} 次'
    if c["atMost"] is not None:
        return f'不超过 {e(c["atMost"])} 次'
    return "—"


def plans_page(plans: Sequence[dict[str, Any]], scheme_names: dict[str, str], department: str | None,
               credit_office: bool, refusal: str | None) -> str:
    items = []
    for p in plans:
        ratios = "、".join(f'{e(r["grade"])} {e(r["minimumPercent"])}%' for r in p["ratios"])
        scope = "、".join(filter(None, [p.get("region") or "", *p.get("kinds", []), *p.get("industries", [])]))
        items.append(
            f'<section class="card plan" id="plan-{e(p["id"])}"><h2><a href="/console/inspections/{e(p["id"])}">'
            f'{e(p["name"])}</a></h2><p class="muted">{e(p["department"])} · 计划期 {e(p.get("period") or "—")} · '
            f'{e(scheme_names.get(p["scheme"], p["scheme"]))} · 范围 {e(scope or "全部")} · 每个对象 '
            f'{e(p["inspectorsPerTarget"])} 名执法检查人员 · 抽查比例 {ratios}</p>'
            f'<h3>抽查频次（本年度）</h3>{_frequency(p.get("frequency"))}'
            f'<p><a href="/console/inspections/{e(p["id"])}">查看抽取记录与检查结果</a></p></section>')
    body = "".join(items) or '<section class="card"><p class="muted" id="plans-empty">暂无抽查计划。</p></section>'
    filters = (f'<form method="get" action="/console/inspections"><label>部门 <input type="text" name="department" '
               f'size="16" value="{e(department or "")}" placeholder="全部"></label> '
               f'<button class="primary" type="submit">筛选</button></form>' if credit_office else "")
    who = "各部门" if credit_office and not department else (department or "")
    return (f'<section class="card"><h2>双随机抽查计划 · {e(who)}</h2><p class="muted">随机抽取检查对象、随机选派执法'
            f'检查人员，抽查结果及时公开（双随机、一公开）；计划、分等级数据和抽取名单仅供内部使用。</p>{filters}'
            f'</section>{"" if refusal is None else refused(refusal)}{body}')


def draws_page(plan_id: str, draws: Sequence[dict[str, Any]]) -> str:
    items = []
    for d in draws:
        targets = "".join(
            f'<tr data-uscc="{e(a["uscc"])}"><td>{e(a["position"])}</td><td><a href="/console/subjects/{e(a["uscc"])}">'
            f'{e(a["uscc"])}</a></td><td>{e(a["name"])}</td><td>{e(a["grade"])}</td>'
            f'<td class="inspectors">{e("、".join(a["inspectors"]))}</td><td>{e(a["result"] or "待检查")}</td></tr>'
            for a in d["assignments"] or [])
        results = "".join(
            f'<tr data-uscc="{e(r["uscc"])}"><td>{e(r["uscc"])}</td><td>{e(r["name"])}</td><td>{e(r["result"])}</td>'
            f'<td>{e(r["notes"] or "")}</td><td>{e(r["inspectedOn"] or "")}</td></tr>' for r in d["results"])
        target_table = table(("抽取顺序", "主体", "名称", "等级", "执法检查人员（编号）", "检查结果"), targets,
                             "尚未抽取检查对象。", cls="assignments")
        result_table = table(("主体", "名称", "检查结果", "说明", "检查日期"), results, "尚无公开的检查结果。",
                             cls="results")
        redraw = (f'<p class="muted">重新抽取（第 {e(d["attempt"])} 次），原因：{e(d["redrawReason"])}</p>'
                  if d.get("replaces") else "")
        items.append(
            f'<section class="card draw" id="draw-{e(d["id"])}" data-status="{e(d["status"])}"><h2>抽取 {e(d["id"])} · '
            f'{e(DRAW_STATUSES.get(d["status"], d["status"]))}</h2>'
            f'<p class="muted">承诺于 {e(china_time(d["committedAt"]))}（北京时间） · '
            f'主体总数 {e(d["populationSize"] if d["populationSize"] is not None else "—")} · 抽中 '
            f'{e(d["targetsTotal"] if d["targetsTotal"] is not None else "—")} · 种子承诺 '
            f'<code>{e(d["seedCommitment"][:16])}…</code></p>{redraw}<h3>检查对象与执法检查人员（内部）</h3>'
            f'{target_table}<h3>检查结果（一公开）</h3>{result_table}</section>')
    body = "".join(items) or '<section class="card"><p class="muted" id="draws-empty">该计划尚未抽取。</p></section>'
    return (f'<section class="card"><h2>抽取记录与检查结果</h2><p class="muted">计划 {e(plan_id)}；'
            f'<a href="/console/inspections">返回抽查计划</a></p></section>{body}')
