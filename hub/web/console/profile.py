"""主体档案 — a subject's profile page: evaluations, measures, the records' timeline (hub.web.console.pages), and
its consents, objections and credit repair applications with their states, and its related parties as a graph.

One GraphQL operation, run as the signed-in person's viewer. What the tiers give a bank (schema/tiers.py):
the report and the consents granted to it alone (``Subject.consents``); a bank is not asked for what only
government sees — measures, objections, repair applications, related parties — which the API would refuse
anyway (and audit as refused).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from hub.disclosure import Role
from hub.web.console import pages
from hub.web.console.pages import e, table

if TYPE_CHECKING:
    from hub.web.console import Console

PROFILE = """
query ConsoleProfile($uscc: String!) {
  gradingSchemes { id name }
  creditReport(uscc: $uscc) {
    consentId
    subject { uscc name region industry status
              consents { id grantee purpose grantedAt expiresAt revokedAt status scopes } %s }
    evaluations { scheme grade score evaluatedAt validUntil evaluator underObjection reasons
                  explanation { label points note } }
    records { id kind title status issuingDepartment documentNumber decidedOn underObjection }
  }
  %s
}"""
# what government alone is given (INTERNAL): a bank's operation leaves it out
GOVERNMENT_PARTS = """measures { scheme grade name implementingBody basis startsOn endsOn }
  objections { id targetId targetKind department reason filedAt dueOn status reasons resolvedAt outcome }
  repairApplications { id recordId statement department filedAt status reason decidedAt }"""
RELATED_DEPTH = 2
RELATED = (f"relatedParties(uscc: $uscc, depth: {RELATED_DEPTH}) {{ uscc name region depth truncated "
           "path { fromUscc personName personIdMasked current until } currentGrades { scheme grade rung } }")

CONSENT_STATUSES = {"ACTIVE": "有效", "EXPIRED": "已过期", "REVOKED": "已撤回"}
OBJECTION_OUTCOMES = {"WITHDRAWN": "记录撤销", "CORRECTED": "记录更正", "REGRADED": "重新评价"}
REPAIR_STATUSES = {"PENDING": "待处理", "APPROVED": "已准予修复", "REJECTED": "不予修复"}


def operation_for(role: Role) -> str:
    if role is Role.BANK:
        return PROFILE % ("", "")
    return PROFILE % (GOVERNMENT_PARTS, RELATED)


async def profile(console: Console, request: Request) -> Response:
    signed = await console.signed_in(request)
    if signed is None:
        return console.to_login()
    viewer = signed.account.viewer
    uscc = request.path_params["uscc"]
    answer = await console.ask(request, signed, operation_for(viewer.role), {"uscc": uscc})
    data = answer.data or {}
    report = data.get("creditReport")
    if report is None:
        if answer.errors:
            message = answer.refusals()[0]
            if viewer.role is Role.BANK and (answer.errors[0].get("extensions") or {}).get("code") == "FORBIDDEN":
                message = ("贵机构未取得该主体的有效授权（信用报告仅向经主体授权的银行提供），无法查看。"
                           f"（{answer.errors[0].get('message', '')}）")
        else:
            message = "未找到该主体。"
        return console.html("主体档案", pages.refused(message), signed, active="subjects")
    names = {s["id"]: s["name"] for s in data.get("gradingSchemes") or []}
    subject = report["subject"]
    body = (pages.profile(report, answer.refusals(), names) + consents(subject.get("consents"))
            + objections(subject) + repairs(subject) + related(subject, data))
    scripts = ("echarts.min.js", "charts.js") if "relatedParties" in data else ()
    return console.html(subject["name"], body, signed, active="subjects", scripts=scripts)


def consents(found: Sequence[dict[str, Any]] | None) -> str:
    if found is None:  # refused (the API's words are among the page's notices)
        return ""
    rows = "".join(f'<tr data-consent="{e(c["id"])}"><td>{e(c["id"])}</td><td>{e(c["grantee"])}</td>'
                   f'<td>{e(c["purpose"])}</td><td>{e(c["grantedAt"][:10])} 至 {e(c["expiresAt"][:10])}</td>'
                   f'<td>{e("、".join(c["scopes"]))}</td><td class="status">'
                   f'{e(CONSENT_STATUSES.get(c["status"], c["status"]))}</td></tr>' for c in found)
    body = table(("授权编号", "被授权机构", "用途", "期间", "范围", "状态"), rows, "暂无授权。")
    return f'<section class="card" id="consents"><h2>授权（信易贷）</h2>{body}</section>'


def objections(subject: dict[str, Any]) -> str:
    if "objections" not in subject or subject["objections"] is None:  # a bank's page, or refused
        return ""
    rows = "".join(
        f'<tr data-objection="{e(o["id"])}"><td>{e(o["id"])}</td><td>{e(o["targetKind"])} {e(o["targetId"])}</td>'
        f'<td>{e(o["reason"])}</td><td>{e(o["filedAt"][:10])}</td><td>{e(o["dueOn"])}</td>'
        f'<td>{e(o["department"])}</td><td class="status">{e(pages.STATUSES.get(o["status"], o["status"]))}'
        f'{"（" + e(OBJECTION_OUTCOMES.get(o["outcome"], o["outcome"])) + "）" if o.get("outcome") else ""}</td>'
        f'<td>{e(o.get("reasons") or "—")}</td></tr>' for o in subject["objections"])
    body = table(("编号", "异议对象", "异议理由", "提出日期", "办理期限", "办理部门", "状态", "处理理由"), rows,
                 "暂无异议。")
    return f'<section class="card" id="objections"><h2>异议申请</h2>{body}</section>'


def repairs(subject: dict[str, Any]) -> str:
    if "repairApplications" not in subject or subject["repairApplications"] is None:
        return ""
    rows = "".join(
        f'<tr data-repair="{e(a["id"])}"><td>{e(a["id"])}</td><td>{e(a["recordId"])}</td>'
        f'<td>{e(a["statement"])}</td><td>{e(a["filedAt"][:10])}</td><td>{e(a["department"] or "—")}</td>'
        f'<td class="status">{e(REPAIR_STATUSES.get(a["status"], a["status"]))}</td>'
        f'<td>{e(a.get("reason") or "—")}</td></tr>' for a in subject["repairApplications"])
    body = table(("编号", "修复的记录", "申请说明", "申请日期", "办理部门", "状态", "决定理由"), rows,
                 "暂无信用修复申请。")
    return f'<section class="card" id="repairs"><h2>信用修复申请</h2>{body}</section>'


def graph(subject: dict[str, Any], parties: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Subjects and the legal representatives linking them, as nodes and links for ECharts' graph series.
    A person is shown by name and masked ID only (SPEC 2.5)."""
    nodes: dict[str, dict[str, Any]] = {subject["uscc"]: {"id": subject["uscc"], "name": subject["name"],
                                                          "category": 0, "depth": 0}}
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for party in parties:
        grades = "、".join(f'{g["scheme"]} {g["grade"]}' for g in party["currentGrades"])
        nodes.setdefault(party["uscc"], {"id": party["uscc"], "name": party["name"] or party["uscc"],
                                         "category": 1, "depth": party["depth"], "grades": grades})
        last = party["path"][-1] if party["path"] else None
        if last is None:
            continue
        person = f'person:{last["personName"]}:{last["personIdMasked"] or ""}'
        nodes.setdefault(person, {"id": person, "name": last["personName"], "category": 2,
                                  "idMasked": last["personIdMasked"] or ""})
        for source, target in ((last["fromUscc"], person), (person, party["uscc"])):
            links.setdefault((source, target), {"source": source, "target": target,
                                                "current": bool(last["current"])})
    return {"nodes": list(nodes.values()), "links": list(links.values())}


def related(subject: dict[str, Any], data: dict[str, Any]) -> str:
    if "relatedParties" not in data:
        return ""
    parties = data["relatedParties"]
    if parties is None:
        return ""
    drawn = graph(subject, parties)
    rows = "".join(f'<tr data-party="{e(p["uscc"])}"><td>{e(p["uscc"])}</td><td>{e(p["name"] or "")}</td>'
                   f'<td>{e(p["depth"])}</td><td>{e(" → ".join(link["personName"] for link in p["path"]))}</td>'
                   f'<td>{e("、".join(g["scheme"] + " " + g["grade"] for g in p["currentGrades"]) or "—")}</td></tr>'
                   for p in parties)
    listed = table(("统一社会信用代码", "名称", "层级", "经由法定代表人", "现行评价"), rows,
                   "未发现经法定代表人关联的主体。")
    data_json = json.dumps(drawn, ensure_ascii=False).replace("</", "<\\/")
    chart = ('<div class="chart graph" id="related-graph" role="img" aria-label="关联主体关系图"></div>'
             if rows else "")
    return (f'<section class="card" id="related"><h2>关联主体（经法定代表人，{RELATED_DEPTH} 层以内）</h2>{chart}'
            f'{listed}<script type="application/json" id="graph-data">{data_json}</script></section>')
