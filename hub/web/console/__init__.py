"""信用监管工作台 — the console staff use in a browser, served by the hub itself (no CDN).

It is a client of the GraphQL service, in-process: every page runs a GraphQL operation with the signed-in
account's :class:`~hub.disclosure.Viewer` (hub.staff maps accounts onto the same viewers tokens give), so
the tiers, the ownership of decisions and the audit are the API's own — there is no second path to the
data. The composition root (hub.app) hands it :data:`Operation`, which executes and audits.

Sign-in: a staff account's name and password (Argon2id, hub.staff); a server-side session whose random id
travels in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS), only its hash stored; a CSRF token in
every form (the session's own; before sign-in, a double-submit cookie), POSTs without it refused; lock-out
after repeated failures; sign-ins, failures and sign-outs audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub import clock
from hub.audit import AuditEvent
from hub.authority import PLATFORM
from hub.disclosure import Role
from hub.errors import ConfigurationError, HubError
from hub.messages_zh import message_zh
from hub.staff import SignedIn, StaffAccounts, StaffRole
from hub.web import npm_vendor
from hub.web.console import charts, pages, profile
from hub.web.console.inspections import InspectionPages
from hub.web.console.queues import Queues
from hub.web.limits import client_address, read_body

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
PREFIX = "/console"
SESSION_COOKIE = "hub_console"
LOGIN_CSRF_COOKIE = "hub_console_login"
URLENCODED = "application/x-www-form-urlencoded"
FORM_LIMIT = 16 * 1024  # a decision's reasons fit many times over

CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
_SECURITY = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
             "Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Frame-Options": "DENY"}
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_OWN = ("console.css", "charts.js")

# Chinese for the refusals the service gives (its English message follows, for the record)
_REFUSALS = {
    "FORBIDDEN": "无权查看或办理",
    "UNAUTHENTICATED": "未登录或登录已失效",
    "NOT_FOUND": "未找到",
    "BAD_USER_INPUT": "输入有误",
    "CONFLICT": "与当前状态冲突",
}

SEARCH = """
query ConsoleSearch($search: String) {
  subjects(search: $search, first: 50) { nodes { uscc name region industry status } }
}"""
OBJECTIONS = """
query ConsoleObjections {
  objections(status: "PENDING") { id targetId targetKind subjectUscc department reason filedAt dueOn }
}"""
DECIDE = """
mutation ConsoleDecide($id: ID!, $upheld: Boolean!, $reasons: String!) {
  resolveObjection(id: $id, upheld: $upheld, reasons: $reasons) { id status }
}"""
READS = """
query ConsoleReads($uscc: String!) {
  subjectReads(uscc: $uscc, first: 100) { action actor via tier consentId at }
}"""
SYNC = """
query ConsoleSync {
  syncStatus { peer direction cursor updatedAt batches applied unchanged deadLetters }
  deadLetters(first: 20) { peer direction itemId reason at }
}"""


class ConsoleFilesDamaged(ConfigurationError):
    """A vendored console file is missing or differs from assets/MANIFEST.json."""


@dataclass(frozen=True)
class Answer:
    """What a GraphQL operation answered: its data and its errors (as formatted for the wire)."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def refusals(self) -> list[str]:
        return [refusal_text(error) for error in self.errors]


@dataclass(frozen=True)
class Loaded:
    """A page's answer for the signed-in person, its root fields all given."""

    signed: SignedIn
    data: dict[str, Any]
    answer: Answer


# (viewer, client address, operation, variables) → the answer; it passes the /graphql door's gate (rate, deadline,
# a turn), executes against the schema and audits what it served; a refusal at the gate is an answer's error
Operation = Callable[[Any, str, str, dict[str, Any]], Awaitable[Answer]]
Audit = Callable[[list[AuditEvent]], Awaitable[None]]


def refusal_text(error: dict[str, Any]) -> str:
    code = str((error.get("extensions") or {}).get("code", ""))
    # the console's own short words where it has them; else the API's Chinese sentence (BUSY, TOO_MANY_REQUESTS,
    # QUERY_TOO_COSTLY, …: hub/messages_zh.py)
    words = _REFUSALS.get(code) or message_zh(code).rstrip("。")
    return f"{words}：{error.get('message', '')}"


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    digest: str

    @property
    def url(self) -> str:
        return f"{PREFIX}/assets/{self.name}?v={self.digest[:16]}"


def load_assets(assets: Path = ASSETS) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for name, body, digest in npm_vendor.checked(assets, ConsoleFilesDamaged,
                                                 "run `python -m hub.web.console.vendor`"):
        found[name] = Asset(name, body, digest)
    for name in _OWN:
        body = (HERE / name).read_bytes()
        found[name] = Asset(name, body, hashlib.sha256(body).hexdigest())
    return found


class Console:
    def __init__(self, accounts: StaffAccounts, operation: Operation, audit: Audit) -> None:
        self.accounts = accounts
        self.operation = operation
        self.audit = audit
        self.assets = load_assets()

    def routes(self) -> list[BaseRoute]:
        return [
            Route(PREFIX, self.home),
            Route(PREFIX + "/", self.home),
            Route(PREFIX + "/login", self.login, methods=["GET", "POST"]),
            Route(PREFIX + "/logout", self.logout, methods=["POST"]),
            Route(PREFIX + "/subjects", self.subjects),
            Route(PREFIX + "/subjects/{uscc}", partial(profile.profile, self)),
            Route(PREFIX + "/subjects/{uscc}/reads", self.reads),
            Route(PREFIX + "/objections", self.objections),
            Route(PREFIX + "/objections/{objection_id}", self.decide_objection, methods=["POST"]),
            Route(PREFIX + "/grades", partial(charts.grades, self)),
            Route(PREFIX + "/reporting", partial(charts.reporting, self)),
            Route(PREFIX + "/sync", self.sync),
            Route(PREFIX + "/assets/{name}", self.asset),
            *Queues(self).routes(), *InspectionPages(self).routes(),
        ]

    # ---- plumbing ------------------------------------------------------------------------------

    def html(self, title: str, body: str, signed: SignedIn | None, *, active: str = "",
              scripts: tuple[str, ...] = ()) -> Response:
        # A refusal is shown as a page of its own words with status 200: the browser reports a 4xx
        # document as an error of the page, and the person needs the words, not the code.
        page = pages.layout(title, body, account=signed.account if signed else None,
                            csrf=signed.csrf if signed else None, active=active,
                            scripts=[self.assets[name].url for name in scripts])
        return HTMLResponse(page.replace("{css}", self.assets["console.css"].url), headers=_SECURITY)

    async def signed_in(self, request: Request) -> SignedIn | None:
        token = request.cookies.get(SESSION_COOKIE)
        return await self.accounts.session(token) if token else None

    async def _form(self, request: Request) -> dict[str, str]:
        # The console's forms are urlencoded (no file uploads): parsed here, bounded, no multipart parser.
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != URLENCODED:
            return {}
        try:
            body = await read_body(request, FORM_LIMIT)
        except HubError:  # too large, or the client went away: no form (and so no CSRF token)
            return {}
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=16)
        except (UnicodeDecodeError, ValueError):
            return {}
        return dict(pairs)

    @staticmethod
    def _same_origin(request: Request) -> bool:
        # A cross-site POST carries the other site's Origin; a form of ours carries ours (or none, in old
        # agents). Our pages' Referrer-Policy is same-origin: under no-referrer a browser sends "Origin: null".
        origin = request.headers.get("origin")
        return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"

    async def signed_post(self, request: Request) -> tuple[SignedIn, dict[str, str]] | Response:
        """The signed-in person and their form, or where they go instead: to sign in (no session), or
        refused (a form without the session's CSRF token, or sent from another origin)."""
        signed = await self.signed_in(request)
        form = await self._form(request)
        if signed is None:
            return self.to_login()
        if not (secrets.compare_digest(form.get("csrf", ""), signed.csrf) and self._same_origin(request)):
            return self._refuse_forgery()
        return signed, form

    def _refuse_forgery(self) -> Response:
        return PlainTextResponse("请求缺少有效的CSRF令牌，已拒绝（请刷新页面后重试）", status_code=403,
                                 headers=_SECURITY)

    def to_login(self) -> Response:
        return RedirectResponse(PREFIX + "/login", status_code=303)

    async def ask(self, request: Request, signed: SignedIn, operation: str, variables: dict[str, Any]) -> Answer:
        """The operation run as the signed-in person, through the /graphql door's gate (hub.app)."""
        return await self.operation(signed.account.viewer, client_address(request), operation, variables)

    def refused(self, title: str, answer: Answer, signed: SignedIn, active: str) -> Response:
        """The page that is the API's refusal, in its words."""
        return self.html(title, pages.refused("；".join(answer.refusals())), signed, active=active)

    async def load(self, request: Request, operation: str, variables: dict[str, Any], *roots: str,
                   title: str, active: str) -> Loaded | Response:
        """A page's one operation for the signed-in person: its data, or where they go instead — to sign in,
        or the refusal when a root field the page needs was refused."""
        signed = await self.signed_in(request)
        if signed is None:
            return self.to_login()
        answer = await self.ask(request, signed, operation, variables)
        data = answer.data or {}
        if any(data.get(root) is None for root in roots):
            return self.refused(title, answer, signed, active)
        return Loaded(signed, data, answer)

    async def decide(self, request: Request, signed: SignedIn, operation: str, variables: dict[str, Any],
                     then: str, kept: dict[str, str] | None = None, status_key: str = "status") -> Answer | Response:
        """A decision form's mutation: on success, back to the page ``then`` naming what was decided and its new
        status (with the filters ``kept``); else the answer, whose refusals the page shows."""
        answer = await self.ask(request, signed, operation, variables)
        decided = next(iter((answer.data or {}).values()), None)
        if decided is None:
            return answer
        query = urlencode({**(kept or {}), "decided": decided["id"], status_key: decided["status"]})
        return RedirectResponse(f"{then}?{query}", status_code=303)

    # ---- sign-in -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return RedirectResponse(PREFIX + ("/subjects" if await self.signed_in(request) else "/login"),
                                status_code=303)

    def _login_page(self, request: Request, message: str | None, username: str = "") -> Response:
        csrf = secrets.token_urlsafe(32)
        response = self.html("登录", pages.login(csrf, message, username), None)
        response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", path=PREFIX + "/login",
                            secure=request.url.scheme == "https")
        return response

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self._login_page(request, None)
        form = await self._form(request)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not (expected and secrets.compare_digest(form.get("csrf", ""), expected) and self._same_origin(request)):
            return self._refuse_forgery()
        username = form.get("username", "").strip()
        outcome = await self.accounts.sign_in(username, form.get("password", ""))
        if outcome.account is None:
            assert outcome.refused is not None
            await self.audit([AuditEvent(
                action="sign-in-refused", actor="console", role=Role.PUBLIC.value, subject_uscc=None,
                detail=f"console sign-in as {username[:64]!r} refused ({outcome.refused.name.lower()}, "
                       f"{outcome.failures} failures within the window) from {_address(request)}")])
            return self._login_page(request, outcome.refused.value, username)
        account = outcome.account
        session = await self.accounts.open_session(account)
        viewer = account.viewer
        await self.audit([AuditEvent(action="sign-in", actor=viewer.label, role=viewer.role.value, subject_uscc=None,
                                     token_id=viewer.token_id, detail=f"console sign-in from {_address(request)}")])
        response = RedirectResponse(PREFIX + "/subjects", status_code=303)
        response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict", path=PREFIX,
                            secure=request.url.scheme == "https",
                            max_age=int((session.expires_at - clock.now()).total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX + "/login")
        return response

    async def logout(self, request: Request) -> Response:
        checked = await self.signed_post(request)
        if isinstance(checked, Response):
            return checked
        signed, _ = checked
        await self.accounts.close_session(request.cookies[SESSION_COOKIE])
        viewer = signed.account.viewer
        await self.audit([AuditEvent(action="sign-out", actor=viewer.label, role=viewer.role.value, subject_uscc=None,
                                     token_id=viewer.token_id, detail="console sign-out")])
        response = RedirectResponse(PREFIX + "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    # ---- pages ---------------------------------------------------------------------------------

    async def subjects(self, request: Request) -> Response:
        signed = await self.signed_in(request)
        if signed is None:
            return self.to_login()
        query = request.query_params.get("q", "").strip()[:100]
        nodes: list[dict[str, Any]] = []
        refusal = None
        if query:
            answer = await self.ask(request, signed, SEARCH, {"search": query})
            nodes = (answer.data or {}).get("subjects", {}).get("nodes", []) if answer.data else []
            refusal = "；".join(answer.refusals()) or None
        return self.html("主体查询", pages.search(query, nodes, refusal), signed, active="subjects")

    def queue_owner(self, signed: SignedIn) -> str:
        # the department an objection is routed to decides it; the credit office decides the platform's own
        account = signed.account
        if account.role is StaffRole.DEPARTMENT and account.department:
            return account.department
        return PLATFORM

    async def objections(self, request: Request, message: str | None = None) -> Response:
        loaded = await self.load(request, OBJECTIONS, {}, "objections", title="异议处理", active="objections")
        if isinstance(loaded, Response):
            return loaded
        owner = self.queue_owner(loaded.signed)
        queue = [o for o in loaded.data["objections"] if o["department"] == owner]
        decided = request.query_params.get("decided")
        outcome = pages.STATUSES.get(request.query_params.get("status", ""), "")
        ok = f"异议 {decided} 已处理：{outcome}" if decided else None
        return self.html("异议处理", pages.objections(queue, loaded.signed.csrf, message, ok, pages.unit(owner)),
                         loaded.signed,
                         active="objections")

    async def decide_objection(self, request: Request) -> Response:
        checked = await self.signed_post(request)
        if isinstance(checked, Response):
            return checked
        signed, form = checked
        decision = form.get("decision")
        reasons = form.get("reasons", "").strip()
        if decision not in ("uphold", "reject") or not reasons:
            return await self.objections(request, "请选择“采纳”或“驳回”，并填写处理理由。")
        done = await self.decide(request, signed, DECIDE, {"id": request.path_params["objection_id"],
                                                           "upheld": decision == "uphold", "reasons": reasons},
                                 then=f"{PREFIX}/objections")
        if isinstance(done, Response):
            return done
        return await self.objections(request, "；".join(done.refusals()) or "未能处理该异议。")

    async def reads(self, request: Request) -> Response:
        """谁查阅过: the audit chain's entries about a subject (the credit office and its departments only)."""
        uscc = request.path_params["uscc"]
        loaded = await self.load(request, READS, {"uscc": uscc}, "subjectReads", title="查阅记录", active="subjects")
        if isinstance(loaded, Response):
            return loaded
        return self.html("查阅记录", pages.reads(uscc, loaded.data["subjectReads"]), loaded.signed, active="subjects")

    async def sync(self, request: Request) -> Response:
        """同步状态: each peer's last round per direction, how long ago, and the dead letters held."""
        loaded = await self.load(request, SYNC, {}, "syncStatus", "deadLetters", title="同步状态", active="sync")
        if isinstance(loaded, Response):
            return loaded
        body = pages.sync_status(loaded.data["syncStatus"], loaded.data["deadLetters"], clock.now())
        return self.html("同步状态", body, loaded.signed, active="sync")

    async def asset(self, request: Request) -> Response:
        found = self.assets.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("no such console file", status_code=404)
        media_type = _MEDIA_TYPES.get(Path(found.name).suffix, "application/octet-stream")
        immutable = request.query_params.get("v") == found.digest[:16]
        return Response(found.body, media_type=media_type, headers={
            "ETag": f'"{found.digest[:32]}"', "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"})


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


