"""The console's work queues: 信用修复 (repair applications), 逾期事项 (overdue items) and 信用预警 (warnings).

Each page is one GraphQL operation run as the signed-in person's viewer (hub.web.console: the same tiers,
the same ownership of decisions, the same audit). A queue is the account's department's (the credit office's:
the platform's, seed 000 §四); a decision form goes to the API's own mutation, which alone decides whether this
person may take it — its refusal is shown in Chinese with the English reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub import clock
from hub.authority import PLATFORM
from hub.web.console.pages import e, notice, table, unit

if TYPE_CHECKING:
    from hub.staff import SignedIn
    from hub.web.console import Console


REPAIRS = """
query ConsoleRepairs {
  pendingDecisions {
    department
    repairApplications { id recordId subjectUscc statement filedBy filedAt policy
                         dueOn dueOnProvisional dueOnProvisionalReason }
  }
}"""
DECIDE_REPAIR = """
mutation ConsoleDecideRepair($id: ID!, $approve: Boolean!, $reason: String!) {
  decideCreditRepair(id: $id, approve: $approve, reason: $reason) { id status }
}"""
OVERDUE = """
query ConsoleOverdue {
  overdueObjections { id targetId targetKind subjectUscc department reason filedAt
                      dueOn dueOnProvisional dueOnProvisionalReason }
  overdueRepairApplications { id recordId subjectUscc department statement filedAt
                              dueOn dueOnProvisional dueOnProvisionalReason }
}"""
# The status goes in as a literal (one of WARNING_STATUSES, or none): an audience that may not see warnings has
# no WarningStatus type in its schema, and a variable of that type would fail validation before the API could
# give its own refusal.
WARNINGS = """
query ConsoleWarnings($department: String, $region: String) {
  warnings(department: $department, region: $region%s, first: 50) {
    totalCount
    nodes { id rule title level status summary subjectUscc subjectName department region raisedAt
            acknowledgedAt acknowledgedBy handledAt handledBy measure dismissedAt dismissedBy dismissReason }
  }
}"""
WARNING_STEPS = {
    "acknowledge": "mutation ConsoleAcknowledgeWarning($id: ID!) { acknowledgeWarning(id: $id) { id status } }",
    "handle": "mutation ConsoleHandleWarning($id: ID!, $text: String!) { handleWarning(id: $id, measure: $text) "
              "{ id status } }",
    "dismiss": "mutation ConsoleDismissWarning($id: ID!, $text: String!) { dismissWarning(id: $id, reason: $text) "
               "{ id status } }",
}

REPAIR_STATUSES = {"PENDING": "待决定", "APPROVED": "已同意修复", "REJECTED": "不予修复"}
WARNING_STATUSES = {"OPEN": "待签收", "ACKNOWLEDGED": "已签收待处置", "HANDLED": "已处置", "DISMISSED": "已排除"}
LEVELS = {"HIGH": "高", "MEDIUM": "中", "LOW": "低"}
TARGET_KINDS = {"RECORD": "信用记录", "EVALUATION": "信用评价"}


class Queues:
    """The queue pages and their decision forms, mounted by the console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[BaseRoute]:
        prefix = "/console"
        return [
            Route(prefix + "/repairs", self.repairs),
            Route(prefix + "/repairs/{application_id}", self.decide_repair, methods=["POST"]),
            Route(prefix + "/overdue", self.overdue),
            Route(prefix + "/warnings", self.warnings),
            Route(prefix + "/warnings/{warning_id}", self.decide_warning, methods=["POST"]),
        ]

    # ---- 信用修复 --------------------------------------------------------------------------------

    async def repairs(self, request: Request, message: str | None = None) -> Response:
        loaded = await self.console.load(request, REPAIRS, {}, "pendingDecisions", title="信用修复", active="repairs")
        if isinstance(loaded, Response):
            return loaded
        signed, pending = loaded.signed, loaded.data["pendingDecisions"]
        decided = request.query_params.get("decided")
        outcome = REPAIR_STATUSES.get(request.query_params.get("status", ""), "")
        ok = f"信用修复申请 {decided} 已决定：{outcome}" if decided else None
        body = repairs_page(pending["repairApplications"], signed.csrf, message, ok,
                            unit(pending["department"]), clock.today())
        return self.console.html("信用修复", body, signed, active="repairs")

    async def decide_repair(self, request: Request) -> Response:
        checked = await self.console.signed_post(request)
        if isinstance(checked, Response):
            return checked
        signed, form = checked
        decision = form.get("decision")
        reason = form.get("reason", "").strip()
        if decision not in ("approve", "reject") or not reason:
            return await self.repairs(request, "请选择“同意修复”或“不予修复”，并填写决定理由。")
        done = await self.console.decide(request, signed, DECIDE_REPAIR, {
            "id": request.path_params["application_id"], "approve": decision == "approve", "reason": reason},
            then="/console/repairs")
        if isinstance(done, Response):
            return done
        return await self.repairs(request, "；".join(done.refusals()) or "未能决定该申请。")

    # ---- 逾期事项 --------------------------------------------------------------------------------

    async def overdue(self, request: Request) -> Response:
        console = self.console
        loaded = await console.load(request, OVERDUE, {}, "overdueObjections", "overdueRepairApplications",
                                    title="逾期事项", active="overdue")
        if isinstance(loaded, Response):
            return loaded
        owner = console.queue_owner(loaded.signed)
        body = overdue_page([o for o in loaded.data["overdueObjections"] if o["department"] == owner],
                            [r for r in loaded.data["overdueRepairApplications"] if r["department"] == owner],
                            unit(owner), clock.today())
        return console.html("逾期事项", body, loaded.signed, active="overdue")

    # ---- 信用预警 --------------------------------------------------------------------------------

    async def warnings(self, request: Request, message: str | None = None,
                       kept: Mapping[str, str] | None = None) -> Response:
        """The list; ``kept``: the filters a refused form carried back (the page it was sent from)."""
        console = self.console
        signed = await console.signed_in(request)
        if signed is None:
            return console.to_login()
        owner = console.queue_owner(signed)
        params: Mapping[str, str] = request.query_params if kept is None else kept
        # a department's queue is its own; the credit office reads every department's (or one) — reading is
        # shared among departments (seed 001 §二.(四).1), deciding stays the routed department's
        department = owner if owner != PLATFORM else (params.get("department", "").strip()[:40] or None)
        region = params.get("region", "").strip()[:6] or None
        status = params.get("status", "")
        wanted = {"department": department, "region": region,
                  "status": status if status in WARNING_STATUSES else None}
        operation = WARNINGS % (f", status: {wanted['status']}" if wanted["status"] else "")
        answer = await console.ask(request, signed, operation, {"department": department, "region": region})
        found = (answer.data or {}).get("warnings")
        if found is None:
            return console.refused("信用预警", answer, signed, "warnings")
        decided = params.get("decided")
        outcome = WARNING_STATUSES.get(params.get("to", ""), "")
        ok = f"预警 {decided} 已办理：{outcome}" if decided else None
        body = warnings_page(found["nodes"], found["totalCount"], signed, owner, wanted, message, ok)
        return console.html("信用预警", body, signed, active="warnings")

    async def decide_warning(self, request: Request) -> Response:
        checked = await self.console.signed_post(request)
        if isinstance(checked, Response):
            return checked
        signed, form = checked
        step = form.get("step", "")
        text = form.get("text", "").strip()
        if step not in WARNING_STEPS or (step != "acknowledge" and not text):
            return await self.warnings(request, "请选择办理方式；处置须填写所采取的措施，排除须填写理由。", form)
        variables = {"id": request.path_params["warning_id"]} | ({"text": text} if step != "acknowledge" else {})
        back = {k: v for k, v in form.items() if k in ("department", "region", "status") and v}
        done = await self.console.decide(request, signed, WARNING_STEPS[step], variables, then="/console/warnings",
                                         kept=back, status_key="to")  # "status" is the list's filter
        if isinstance(done, Response):
            return done
        return await self.warnings(request, "；".join(done.refusals()) or "未能办理该预警。", form)


def _due(item: dict[str, Any], today: date) -> str:
    """The due date, flagged when past or provisional (its year's 调休 not announced: it may still move)."""
    if not item.get("dueOn"):
        return '<span class="muted">未设期限</span>'
    shown = e(item["dueOn"])
    if date.fromisoformat(item["dueOn"]) < today:
        shown += ' <span class="tag warn">已逾期</span>'
    if item.get("dueOnProvisional"):
        shown += (f' <span class="tag provisional" title="{e(item.get("dueOnProvisionalReason") or "")}">'
                  f'暂定</span>')
    return shown


def repairs_page(queue: Sequence[dict[str, Any]], csrf: str, message: str | None, ok: str | None,
                 unit: str, today: date) -> str:
    rows = "".join(
        f'<tr id="repair-{e(r["id"])}"><td>{e(r["id"])}</td><td><a href="/console/subjects/{e(r["subjectUscc"])}">'
        f'{e(r["subjectUscc"])}</a></td><td>{e(r["recordId"])}</td><td>{e(r["statement"])}</td>'
        f'<td>{e(r["filedAt"][:10])}</td><td class="due">{_due(r, today)}</td>'
        f'<td><form class="decide" method="post" action="/console/repairs/{e(r["id"])}">'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">'
        f'<label><input type="radio" name="decision" value="approve" required> 同意修复</label> '
        f'<label><input type="radio" name="decision" value="reject"> 不予修复</label>'
        f'<textarea name="reason" required placeholder="决定理由"></textarea>'
        f'<button class="primary" type="submit">提交决定</button></form></td></tr>' for r in queue)
    listed = table(("编号", "主体", "信用记录", "整改情况说明", "申请日期", "办理期限", "决定"), rows,
                   "本部门暂无待决定的信用修复申请。", name="repairs")
    return (f'{notice(message)}{notice(ok, "ok")}<section class="card"><h2>信用修复 · {e(unit)}待办</h2>'
            f'<p class="muted">由认定失信行为的部门作出是否同意修复的决定（失信行为认定单位应当及时做出决定）；'
            f'信用修复不收取任何费用。同意后该记录停止公示、不再纳入评价，主体重新评价。</p>{listed}</section>')


def overdue_page(objections: Sequence[dict[str, Any]], repairs: Sequence[dict[str, Any]], unit: str,
                 today: date) -> str:
    objection_rows = "".join(
        f'<tr id="overdue-objection-{e(o["id"])}"><td><a href="/console/objections">{e(o["id"])}</a></td>'
        f'<td><a href="/console/subjects/{e(o["subjectUscc"])}">{e(o["subjectUscc"])}</a></td>'
        f'<td>{e(TARGET_KINDS.get(o["targetKind"], o["targetKind"]))} {e(o["targetId"])}</td><td>{e(o["reason"])}</td>'
        f'<td>{e(o["filedAt"][:10])}</td><td class="due">{_due(o, today)}</td></tr>' for o in objections)
    repair_rows = "".join(
        f'<tr id="overdue-repair-{e(r["id"])}"><td><a href="/console/repairs">{e(r["id"])}</a></td>'
        f'<td><a href="/console/subjects/{e(r["subjectUscc"])}">{e(r["subjectUscc"])}</a></td>'
        f'<td>{e(r["recordId"])}</td><td>{e(r["statement"])}</td><td>{e(r["filedAt"][:10])}</td>'
        f'<td class="due">{_due(r, today)}</td></tr>' for r in repairs)
    objection_table = table(("编号", "主体", "异议对象", "异议理由", "提出日期", "办理期限"), objection_rows,
                            "没有逾期未处理的异议。", name="overdue-objections")
    repair_table = table(("编号", "主体", "信用记录", "整改情况说明", "申请日期", "办理期限"), repair_rows,
                         "没有逾期未决定的信用修复申请。", name="overdue-repairs")
    return (f'<section class="card"><h2>逾期事项 · {e(unit)}</h2><p class="muted">期限按工作日计算（法定节假日和调休'
            f'依国务院办公厅通知）；标注“暂定”的期限所在年度的调休安排尚未公布，公布后可能变动。异议应在收到正式申请7个'
            f'工作日内处理完成；信用修复申请的期限为信用办预警规则所设（默认7个工作日）。</p></section>'
            f'<section class="card"><h2>逾期未处理的异议</h2>{objection_table}</section>'
            f'<section class="card"><h2>逾期未决定的信用修复申请</h2>{repair_table}</section>')


def _warning_forms(w: dict[str, Any], csrf: str, kept: dict[str, Any]) -> str:
    hidden = f'<input type="hidden" name="csrf" value="{e(csrf)}">' + "".join(
        f'<input type="hidden" name="{k}" value="{e(v)}">' for k, v in kept.items() if v)
    action = f'/console/warnings/{e(quote(w["id"], safe=""))}'
    if w["status"] == "OPEN":
        return (f'<form class="decide" method="post" action="{action}">{hidden}'
                f'<input type="hidden" name="step" value="acknowledge">'
                f'<button class="primary" type="submit">签收</button></form>')
    if w["status"] == "ACKNOWLEDGED":
        return (f'<form class="decide" method="post" action="{action}">{hidden}'
                f'<label><input type="radio" name="step" value="handle" required> 处置</label> '
                f'<label><input type="radio" name="step" value="dismiss"> 排除</label>'
                f'<textarea name="text" required placeholder="处置：所采取的措施；排除：理由"></textarea>'
                f'<button class="primary" type="submit">提交</button></form>')
    return ""


def _warning_outcome(w: dict[str, Any]) -> str:
    if w["status"] == "HANDLED":
        return (f'<div>措施：{e(w["measure"])}</div><div class="muted">{e(w["handledBy"])} · '
                f'{e((w["handledAt"] or "")[:10])}</div>')
    if w["status"] == "DISMISSED":
        return (f'<div>排除理由：{e(w["dismissReason"])}</div><div class="muted">{e(w["dismissedBy"])} · '
                f'{e((w["dismissedAt"] or "")[:10])}</div>')
    if w["status"] == "ACKNOWLEDGED":
        return f'<div class="muted">{e(w["acknowledgedBy"])} 签收于 {e((w["acknowledgedAt"] or "")[:10])}</div>'
    return ""


def warnings_page(nodes: Sequence[dict[str, Any]], total: int, signed: SignedIn, owner: str,
                  wanted: dict[str, Any], message: str | None, ok: str | None) -> str:
    rows = []
    for w in nodes:
        routed = w["department"] or PLATFORM
        # the form is offered to the routed department only; the API refuses anyone else regardless
        forms = _warning_forms(w, signed.csrf, wanted) if routed == owner else ""
        subject = (f'<a href="/console/subjects/{e(w["subjectUscc"])}">{e(w["subjectName"] or w["subjectUscc"])}</a>'
                   if w["subjectUscc"] else "—")
        rows.append(
            f'<tr id="warning-{e(w["id"])}" data-status="{e(w["status"])}"><td><span class="tag warn">'
            f'{e(LEVELS.get(w["level"], w["level"]))}</span> {e(w["title"])}<div class="muted">{e(w["summary"])}</div>'
            f'</td><td>{subject}</td><td>{e(unit(routed))}</td><td>{e(w["raisedAt"][:10])}</td>'
            f'<td class="status">{e(WARNING_STATUSES.get(w["status"], w["status"]))}{_warning_outcome(w)}</td>'
            f'<td>{forms}</td></tr>')
    listed = table(("预警", "主体", "推送部门", "产生日期", "状态", "办理"), "".join(rows), "没有符合条件的预警。",
                   name="warnings")
    options = "".join(f'<option value="{k}"{" selected" if wanted["status"] == k else ""}>{v}</option>'
                      for k, v in WARNING_STATUSES.items())
    department_field = (f'<label>部门 <input type="text" name="department" size="14" '
                        f'value="{e(wanted["department"] or "")}" placeholder="全部"></label> '
                        if owner == PLATFORM else "")
    filters = (f'<form method="get" action="/console/warnings" id="warning-filters">{department_field}'
               f'<label>区划 <input type="text" name="region" size="8" value="{e(wanted["region"] or "")}" '
               f'placeholder="全部"></label> <label>状态 <select name="status"><option value="">全部</option>'
               f'{options}</select></label> <button class="primary" type="submit">筛选</button></form>')
    scope = "推送至本部门的预警" if owner != PLATFORM else "各部门的预警（信用办办理未推送至部门的预警）"
    shown = f"共 {total} 条" + (f"，显示最新 {len(nodes)} 条" if total > len(nodes) else "")
    return (f'{notice(message)}{notice(ok, "ok")}<section class="card"><h2>信用预警 · {e(unit(owner))}</h2>'
            f'<p class="muted">{scope}（内部使用）。待签收的预警先签收，再处置（填写所采取的措施）或排除（填写理由）；'
            f'只有被推送的部门可以办理。</p>{filters}</section>'
            f'<section class="card"><p class="muted">{shown}</p>{listed}</section>')
