"""The console's HTML, rendered on the server (zh-CN). Every value is escaped here, once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from hub.authority import PLATFORM
from hub.clock import CHINA
from hub.staff import StaffAccount

NAV = (("subjects", "/console/subjects", "主体查询"), ("objections", "/console/objections", "异议处理"),
       ("repairs", "/console/repairs", "信用修复"), ("overdue", "/console/overdue", "逾期事项"),
       ("warnings", "/console/warnings", "信用预警"), ("inspections", "/console/inspections", "双随机"),
       ("grades", "/console/grades", "等级分布"), ("reporting", "/console/reporting", "双公示报送"),
       ("sync", "/console/sync", "同步状态"))
# What a bank's loan officer has no use for (INTERNAL pages): not linked; the API refuses them anyway.
BANK_NAV = ("subjects",)

KINDS = {"ADMINISTRATIVE_LICENSE": "行政许可", "ADMINISTRATIVE_PENALTY": "行政处罚",
         "INSPECTION_RESULT": "抽查检查结果",
         "COMPLAINT": "投诉举报", "SAFETY_INCIDENT": "安全质量事故", "COMMITMENT": "信用承诺", "HONOR": "表彰奖励",
         "SERIOUS_DISHONESTY_LIST": "严重失信主体名单", "DISHONEST_EXECUTEE": "失信被执行人",
         "ABNORMAL_OPERATION": "经营异常名录", "CONTRACT_PERFORMANCE": "合同履行"}
RECORD_STATUSES = {"ACTIVE": "有效", "REPAIRED": "已信用修复", "WITHDRAWN": "已撤销（异议采纳）"}
STATUSES = {"PENDING": "待处理", "UPHELD": "已采纳", "REJECTED": "已驳回"}


def e(value: object) -> str:
    return escape("" if value is None else str(value))


def layout(title: str, body: str, *, account: StaffAccount | None, csrf: str | None, active: str = "",
           scripts: Sequence[str] = ()) -> str:
    header = ""
    if account is not None and csrf is not None:
        shown = [n for n in NAV if account.role.value != "bank" or n[0] in BANK_NAV]
        links = "".join(f'<a href="{href}"{" class=active" if key == active else ""}>{e(label)}</a>'
                        for key, href, label in shown)
        unit = account.org + (f"（{account.department}）" if account.department else "")
        header = (f'<header><h1>信用监管工作台</h1><nav>{links}</nav><div class="who">'
                  f'<span id="who">{e(account.display_name)} · {e(account.role.label)} · {e(unit)}</span>'
                  f'<form class="inline" method="post" action="/console/logout">'
                  f'<input type="hidden" name="csrf" value="{e(csrf)}"><button type="submit">退出登录</button>'
                  f'</form></div></header>')
    script_tags = "".join(f'<script src="{e(src)}"></script>' for src in scripts)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{e(title)} - 信用监管工作台</title><link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="{{css}}"></head>'
            f'<body>{header}<main>{body}</main>{script_tags}</body></html>')


def notice(message: str | None, kind: str = "error") -> str:
    return f'<div class="notice {kind}" role="alert">{e(message)}</div>' if message else ""


def unit(department: str) -> str:
    """Whose queue it is, as a clerk says it: the platform's own items are the credit office's (信用办)."""
    return "信用办" if department == PLATFORM else department


def table(heads: Sequence[str], rows: str, empty: str, *, name: str = "", cls: str = "") -> str:
    """A table of ``rows`` (``<tr>``s) under ``heads``; when there are none, ``empty`` as a muted note (nothing
    when ``empty`` is ""). ``name`` is the table's id and, as ``{name}-empty``, the note's, for scripts and tests."""
    if not rows:
        note_id = f' id="{name}-empty"' if name else ""
        return f'<p class="muted"{note_id}>{e(empty)}</p>' if empty else ""
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    attributes = (f' id="{name}"' if name else "") + (f' class="{cls}"' if cls else "")
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def login(csrf: str, message: str | None, username: str = "") -> str:
    return (f'<section class="card login"><h2>信用监管工作台 · 登录</h2>{notice(message)}'
            f'<form method="post" action="/console/login">'
            f'<input type="hidden" name="csrf" value="{e(csrf)}">'
            f'<label for="username">用户名</label><input id="username" name="username" type="text" '
            f'autocomplete="username" required value="{e(username)}">'
            f'<label for="password">密码</label><input id="password" name="password" type="password" '
            f'autocomplete="current-password" required>'
            f'<button class="primary" type="submit">登录</button></form></section>')


def search(query: str, nodes: Iterable[dict[str, Any]], refusal: str | None) -> str:
    rows = "".join(
        f'<tr><td><a href="/console/subjects/{e(n["uscc"])}">{e(n["uscc"])}</a></td><td>{e(n["name"])}</td>'
        f'<td>{e(n["region"])}</td><td>{e(n.get("industry") or "")}</td><td>{e(n["status"])}</td></tr>'
        for n in nodes)
    found = table(("统一社会信用代码", "名称", "区划", "行业", "登记状态"), rows,
                  "未找到匹配的主体。" if query else "", name="results")
    return (f'<section class="card"><h2>主体查询</h2>'
            f'<form method="get" action="/console/subjects"><input type="search" name="q" value="{e(query)}" '
            f'placeholder="名称或统一社会信用代码前缀" size="40"> <button class="primary" type="submit">查询</button>'
            f'</form></section>{notice(refusal)}'
            + (f'<section class="card">{found}</section>' if found else ""))


def profile(report: dict[str, Any], refusals: Sequence[str], scheme_names: dict[str, str]) -> str:
    subject = report["subject"]
    head = (f'<section class="card"><h2 id="subject-name">{e(subject["name"])}</h2>'
            f'<p>统一社会信用代码 {e(subject["uscc"])} · 区划 {e(subject["region"])} · 行业 '
            f'{e(subject.get("industry") or "—")} · {e(subject["status"])}</p>'
            + (f'<p class="muted">依授权查看（授权编号 {e(report["consentId"])}），本次查询已记入审计日志。</p>'
               if report.get("consentId") else '<p class="muted">本次查询已记入审计日志。'
               f'<a id="reads-link" href="/console/subjects/{e(subject["uscc"])}/reads">谁查阅过该主体</a></p>')
            + "</section>")
    extra = "".join(notice(r) for r in refusals)
    return (head + extra + _evaluations(report["evaluations"], scheme_names) + _measures(subject)
            + _timeline(report["records"]))


def _evaluations(evaluations: Sequence[dict[str, Any]], scheme_names: dict[str, str]) -> str:
    if not evaluations:
        return '<section class="card" id="evaluations"><h2>信用评价</h2><p class="muted">暂无有效评价。</p></section>'
    items = []
    for ev in evaluations:
        lines = "".join(f'<tr><td>{e(c["label"])}</td><td>{c["points"]:+g}</td><td>{e(c["note"])}</td></tr>'
                        for c in ev["explanation"])
        reasons = "；".join(ev["reasons"])
        flag = '<span class="tag warn">异议中</span>' if ev["underObjection"] else ""
        score = "" if ev["score"] is None else f" · 得分 {ev['score']:g}"
        items.append(
            f'<div class="evaluation" data-scheme="{e(ev["scheme"])}">'
            f'<h3>{e(scheme_names.get(ev["scheme"], ev["scheme"]))}：<strong>{e(ev["grade"])}</strong>{flag}</h3>'
            f'<p class="muted">评价时间 {e(ev["evaluatedAt"][:10])}{e(score)} · 有效期至 {e(ev["validUntil"] or "—")}'
            f' · 评价机构 {e(ev["evaluator"] or "—")}</p>'
            + (f'<p>评定理由：{e(reasons)}</p>' if reasons else "")
            + table(("指标", "分值", "说明"), lines, "") + "</div>")
    return f'<section class="card" id="evaluations"><h2>信用评价</h2>{"".join(items)}</section>'


def _measures(subject: dict[str, Any]) -> str:
    if "measures" not in subject:  # not asked: a bank's page (INTERNAL, seed 004 第六条)
        return ""
    measures = subject["measures"] or []
    rows = "".join(f'<tr><td>{e(m["name"])}</td><td>{e(m["grade"])}</td>'
                   f'<td>{e(m["implementingBody"])}</td><td>{e(m["basis"])}</td><td>{e(m["startsOn"])}'
                   f' 至 {e(m["endsOn"] or "—")}</td></tr>' for m in measures)
    body = table(("措施", "依据等级", "实施主体", "政策依据", "期间"), rows, "当前无监管措施。")
    return f'<section class="card" id="measures"><h2>在施监管措施</h2>{body}</section>'


def _timeline(records: Sequence[dict[str, Any]]) -> str:
    ordered = sorted(records, key=lambda r: r.get("decidedOn") or "", reverse=True)
    items = "".join(
        f'<li><span class="muted">{e(r.get("decidedOn") or "日期不详")}</span> '
        f'<span class="tag">{e(KINDS.get(r["kind"], r["kind"]))}</span>'
        + ('<span class="tag warn">异议中</span>' if r["underObjection"] else "")
        + f'<div>{e(r["title"])}</div><div class="muted">{e(r.get("issuingDepartment") or "")}'
        f'{" · 文号 " + e(r["documentNumber"]) if r.get("documentNumber") else ""} · '
        f'{e(RECORD_STATUSES.get(r["status"], r["status"]))}</div></li>'
        for r in ordered)
    body = f'<ul class="timeline">{items}</ul>' if items else '<p class="muted">暂无信用记录。</p>'
    return f'<section class="card" id="records"><h2>信用记录（时间线）</h2>{body}</section>'


def objections(queue: Sequence[dict[str, Any]], csrf: str, message: str | None, ok: str | None,
               department: str) -> str:
    rows = []
    for o in queue:
        rows.append(
            f'<tr id="objection-{e(o["id"])}"><td>{e(o["id"])}</td><td><a href="/console/subjects/'
            f'{e(o["subjectUscc"])}">{e(o["subjectUscc"])}</a></td><td>{e(o["targetKind"])} {e(o["targetId"])}</td>'
            f'<td>{e(o["reason"])}</td><td>{e(o["filedAt"][:10])}</td><td>{e(o["dueOn"])}</td>'
            f'<td><form class="decide" method="post" action="/console/objections/{e(o["id"])}">'
            f'<input type="hidden" name="csrf" value="{e(csrf)}">'
            f'<label><input type="radio" name="decision" value="uphold" required> 采纳</label> '
            f'<label><input type="radio" name="decision" value="reject"> 驳回</label>'
            f'<textarea name="reasons" required placeholder="处理理由"></textarea>'
            f'<button class="primary" type="submit">提交决定</button></form></td></tr>')
    listed = table(("编号", "主体", "异议对象", "异议理由", "提出日期", "办理期限", "处理"), "".join(rows),
                   "本部门暂无待处理的异议。", name="queue")
    return (f'{notice(message)}{notice(ok, "ok")}<section class="card"><h2>异议处理 · {e(department)}待办</h2>'
            f'<p class="muted">依据信用信息异议处理规定，应在受理后7个工作日内作出决定。</p>{listed}</section>')


def grades(schemes: Sequence[dict[str, Any]], refusal: str | None) -> str:
    charts = "".join(f'<section class="card"><div class="chart" id="chart-{i}" role="img" '
                     f'aria-label="{e(s["name"])}等级分布"></div><p class="muted">合计 '
                     f'{sum(g["count"] for g in s["grades"])} 个主体的现行评价（{e(s["id"])}）</p></section>'
                     for i, s in enumerate(schemes))
    data = json.dumps(list(schemes), ensure_ascii=False).replace("</", "<\\/")
    return (f'<section class="card"><h2>等级分布（按评价方案，现行评价）</h2></section>{notice(refusal)}{charts}'
            f'<script type="application/json" id="chart-data">{data}</script>')


DIRECTIONS = {"PULL_UP": "拉取（下级上报）", "PULL_DOWN": "拉取（上级下发）", "PUSH": "推送（向上级）",
              "RECEIVED": "接收（下级推送）", "ACKED": "对方已确认"}


def _ago(then: str, now: datetime) -> str:
    seconds = max(0, int((now - datetime.fromisoformat(then)).total_seconds()))
    if seconds < 120:
        return f"{seconds} 秒前"
    if seconds < 7200:
        return f"{seconds // 60} 分钟前"
    if seconds < 172800:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


def sync_status(cursors: Sequence[dict[str, Any]], letters: Sequence[dict[str, Any]], now: datetime) -> str:
    """Per peer and direction: the last round (China time), how long ago, its counts; then the newest dead letters."""
    rows = "".join(
        f'<tr data-peer="{e(c["peer"])}" data-direction="{e(c["direction"])}"><td>{e(c["peer"])}</td>'
        f'<td>{e(DIRECTIONS.get(c["direction"], c["direction"]))}</td><td>{e(china_time(c["updatedAt"]))}</td>'
        f'<td class="lag">{e(_ago(c["updatedAt"], now))}</td><td>{e(c["cursor"])}</td><td>{e(c["batches"])}</td>'
        f'<td>{e(c["applied"])}</td><td>{e(c["unchanged"])}</td><td class="dead">{e(c["deadLetters"])}</td></tr>'
        for c in cursors)
    status = table(("对端平台", "方向", "最近一轮（北京时间）", "距今", "游标", "批次", "已应用", "未变化", "死信"),
                   rows, "尚未与任何平台同步。", name="sync-status")
    dead = "".join(f'<tr><td>{e(d["peer"])}</td><td>{e(DIRECTIONS.get(d["direction"], d["direction"]))}</td>'
                   f'<td>{e(d["itemId"])}</td><td>{e(d["reason"])}</td><td>{e(china_time(d["at"]))}</td></tr>'
                   for d in letters)
    dead_table = table(("对端平台", "方向", "条目", "拒收原因", "时间"), dead, "没有死信。", name="dead-letters")
    return (f'<section class="card"><h2>同步状态（与上下级平台）</h2>{status}</section>'
            f'<section class="card"><h2>最近的死信（拒收的条目，最新在前）</h2>{dead_table}</section>')


def china_time(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


ACTIONS = {"read": "查阅", "denied": "被拒绝"}


def reads(uscc: str, entries: Sequence[dict[str, Any]]) -> str:
    """Who read a subject and when: the audit chain's entries about it, newest first."""
    rows = "".join(f'<tr><td>{e(china_time(r["at"]))}</td><td>{e(ACTIONS.get(r["action"], r["action"]))}</td>'
                   f'<td class="actor">{e(r["actor"])}</td><td class="via">{e(r["via"] or "—")}</td>'
                   f'<td>{e(r["tier"] or "—")}</td><td>{e(r["consentId"] or "—")}</td></tr>' for r in entries)
    listed = table(("时间（北京时间）", "操作", "查阅者", "账号/令牌", "层级", "授权编号"), rows, "尚无查阅记录。",
                   name="reads")
    return (f'<section class="card"><h2>谁查阅过该主体</h2><p class="muted">统一社会信用代码 {e(uscc)}；'
            f'仅信用办和出具该主体记录的部门可见（审计日志）。</p>{listed}</section>')


def refused(message: str) -> str:
    return notice(message)
