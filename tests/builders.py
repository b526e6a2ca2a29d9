"""Helpers that build real data in the real Neo4j: codes, subjects, records, tokens, consents."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from hub import clock
from hub.auth import issue_token
from hub.codes import USCC_CHARSET, resident_id_check_character, uscc_check_character
from hub.db import ingest
from hub.disclosure import Role, Viewer
from hub.models import OrganizationKind, SubjectKind
from hub.service import CreditHub
from hub.settings import Settings

# The suite's own Neo4j instances. HUB_TEST_INSTANCE names them, so that two checkouts on one
# machine (a worktree beside main) run their suites side by side without wiping each other's data.
TEST_INSTANCE = os.environ.get("HUB_TEST_INSTANCE", "test")
TREE_PREFIX = "tree" if TEST_INSTANCE == "test" else f"{TEST_INSTANCE}-tree"
OUTAGE_INSTANCE = "outage" if TEST_INSTANCE == "test" else f"{TEST_INSTANCE}-outage"

JWT_SECRET = "test-secret-" + "k" * 40
DATA_KEY = "test-data-key-" + "d" * 40
AUDIT_KEY = "test-audit-key-" + "a" * 40

# Departments of 郏县 (hub.demo.catalog codes) and the credit office, for tests that act as one.
SCJG, ZJ, SW = "410425-SCJG", "410425-ZJ", "410425-SW"
CREDIT_OFFICE = Viewer(Role.ADMIN, "郏县信用办")  # the service's caller where a test acts as the credit office


def uscc(serial: int, region: str = "410425", prefix: str = "91") -> str:
    """A valid code whose organization-code part encodes ``serial`` (letters included)."""
    body = ""
    value = serial
    for _ in range(8):
        body = USCC_CHARSET[value % 31] + body
        value //= 31
    first17 = prefix + region + "M" + body
    return first17 + uscc_check_character(first17)


def resident_id(serial: int, region: str = "410425", born: str = "19800101") -> str:
    first17 = f"{region}{born}{serial % 1000:03d}"
    return first17 + resident_id_check_character(first17)


def token(settings: Settings, role: str, org: str | None = None, ttl: int = 600,
          now: float | None = None, department: str | None = None) -> str:
    return issue_token(settings.jwt_key, settings.jwt_issuer, role=Role(role), org=org,
                       department=department, ttl_s=ttl, now=now)


def bearer(settings: Settings, role: str, org: str | None = None, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, role, org, **kwargs)}"}


def department(settings: Settings, code: str, org: str | None = None) -> dict[str, str]:
    """An agency token that speaks for department ``code`` (``hub token issue --department``)."""
    return bearer(settings, "agency", org or f"郏县{code.rsplit('-', 1)[-1]}", department=code)


class StoppedClock:
    """A rate limiter's clock moved only by the test: no token comes back between a test's requests, however
    slow the machine (at 60 a minute one did, a second later, in a loaded CI run)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stop_rate_clocks(app: Any) -> StoppedClock:
    """Give every rate limiter of ``app`` (hub.web.limits.RateLimiter) one stopped clock."""
    stopped = StoppedClock()
    for limiter in app.state.graphql.gate.rates.values():
        limiter.clock = stopped
    return stopped


async def read_deny_list_now(hub: CreditHub) -> None:
    """Read the token deny list now, before a request whose statements a test counts: it is read again on its own
    schedule (HUB_REVOCATION_REFRESH, 5 s), and no refresh then falls due inside that request however slow the
    machine."""
    await hub.revocations.refresh(force=True)


async def register_bank(hub: CreditHub, *names: str) -> None:
    """Make banks known to the hub (``hub org add --kind bank``): a consent may name only a known bank."""
    for name in names:
        await hub.register_organization(name, OrganizationKind.BANK)


async def add_subject(hub: CreditHub, code: str, *, name: str | None = None,
                      person_id: str | None = None, person_name: str = "张三") -> None:
    person = None
    if person_id:
        sealed = hub.vault.seal(person_id)
        person = {"fingerprint": sealed.fingerprint, "name": person_name,
                  "id_masked": sealed.masked, "id_sealed": sealed.sealed}
    await ingest.upsert_subjects(hub.gateway, [{
        "uscc": code, "name": name or f"测试主体{code[-6:]}有限公司",
        "kind": SubjectKind.from_uscc(code).value, "region": code[2:8], "industry": "食品生产",
        "status": "存续", "registered_on": date(2015, 3, 1), "person": person}])


async def add_subjects(hub: CreditHub, codes: list[str]) -> None:
    """Subjects with no legal representative on file, in one statement."""
    await ingest.upsert_subjects(hub.gateway, [{
        "uscc": code, "name": f"测试主体{code[-6:]}有限公司", "kind": SubjectKind.from_uscc(code).value,
        "region": code[2:8], "industry": "食品生产", "status": "存续", "registered_on": date(2015, 3, 1),
        "person": None} for code in codes])


async def remove_subjects(hub: CreditHub, codes: list[str]) -> None:
    """Forget subjects and everything about them (records, evaluations, consents, objections,
    repair applications): a module that builds its world again (under another clock) starts clean."""
    await hub.gateway.run(
        """
        UNWIND $codes AS code MATCH (s:Subject {uscc: code})
        OPTIONAL MATCH (s)<-[:ABOUT|OF|GIVEN_BY|BY_SUBJECT]-(item)
        OPTIONAL MATCH (item)<-[:CONTESTS|REPAIRS]-(claim)
        DETACH DELETE claim, item, s
        """, {"codes": codes}, write=True)


async def remove_supervision(hub: CreditHub, department: str) -> None:
    """Forget a department's inspection plans, their draws (targets, frozen populations) and its inspectors."""
    await hub.gateway.run(
        """
        MATCH (p:InspectionPlan)-[:BY]->(:Department {code: $d})
        OPTIONAL MATCH (draw:Draw {plan_id: p.id})
        OPTIONAL MATCH (t:InspectionTarget {draw_id: draw.id})
        OPTIONAL MATCH (c:DrawPopulation {draw_id: draw.id})
        DETACH DELETE t, c, draw, p
        """, {"d": department}, write=True)
    await hub.gateway.run("MATCH (i:Inspector {department: $d}) DETACH DELETE i", {"d": department}, write=True)


async def add_record(hub: CreditHub, code: str, record_id: str, *, kind: str,
                     disclosure: str, decided_on: date | None = None,
                     publicity_ends_on: date | None = None, status: str = "ACTIVE",
                     severity: str | None = None, title: str = "测试记录", department: str | None = None) -> None:
    """A record; ``department`` is its issuing department (None: the platform's own, hub.authority)."""
    await ingest.upsert_records(hub.gateway, [{
        "id": record_id, "subject_uscc": code, "kind": kind, "title": title,
        "decided_on": decided_on or date(2026, 1, 5), "issuing_department": department,
        "source_platform": "test", "disclosure": disclosure, "status": status,
        "severity": severity, "publicity_ends_on": publicity_ends_on, "document_number": None,
        "content": None, "amount_wan_yuan": None, "kept": None}])


async def add_evaluation(hub: CreditHub, code: str, evaluation_id: str, *, scheme: str,
                         grade: str, disclosure: str, score: float | None = None,
                         valid_days: int = 365) -> None:
    now = clock.now()
    await ingest.upsert_evaluations(hub.gateway, [{
        "id": evaluation_id, "subject_uscc": code, "scheme": scheme, "score": score,
        "grade": grade, "level": None, "disclosure": disclosure, "evaluated_at": now,
        "valid_until": clock.today() + timedelta(days=valid_days), "evaluator": "test"}])


async def add_graded_subjects(hub: CreditHub, grades: dict[str, str], *, scheme: str = "henan-market-risk",
                              disclosure: str = "INTERNAL") -> None:
    """Subjects with a current evaluation each (code → grade), written in two batches."""
    now = clock.now()
    await ingest.upsert_subjects(hub.gateway, [{
        "uscc": code, "name": f"测试主体{code[-6:]}有限公司", "kind": SubjectKind.from_uscc(code).value,
        "region": code[2:8], "industry": "食品生产", "status": "存续", "registered_on": date(2015, 3, 1),
        "person": None} for code in grades])
    await ingest.upsert_evaluations(hub.gateway, [{
        "id": f"{code}-{scheme}", "subject_uscc": code, "scheme": scheme, "score": None, "grade": grade,
        "level": None, "disclosure": disclosure, "evaluated_at": now,
        "valid_until": clock.today() + timedelta(days=365), "evaluator": "test"} for code, grade in grades.items()])


def cli_env(credentials: Any, **extra: str) -> dict[str, str]:
    """The environment a ``hub`` command of the suite runs with: its Neo4j and its secrets."""
    return {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
            "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
            "HUB_AUDIT_KEY": AUDIT_KEY, **extra}


def hub_command(*args: str, env: dict[str, str], timeout: float = 120,
                input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``.venv/bin/hub ARGS`` to completion (``input``: its standard input)."""
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False, input=input)


async def gql(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None,
              **variables: Any) -> dict[str, Any]:
    """POST one GraphQL operation; the HTTP status must be 200 (GraphQL errors are in the body)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def record_row(code: str, record_id: str, *, kind: str, decided_on: date, department: str | None = None,
               status: str = "ACTIVE", severity: str | None = None, amount: float | None = None,
               kept: bool | None = None, disclosure: str = "PUBLIC", title: str = "测试记录",
               publicity_days: int = 365) -> dict[str, Any]:
    """An ingest row for a record with every field the rules read (hub.db.ingest.upsert_records)."""
    return {"id": record_id, "subject_uscc": code, "kind": kind, "title": title, "decided_on": decided_on,
            "issuing_department": department, "source_platform": "test", "disclosure": disclosure, "status": status,
            "severity": severity, "publicity_ends_on": decided_on + timedelta(days=publicity_days),
            "document_number": None,
            "content": None, "amount_wan_yuan": amount, "kept": kept}


async def add_records(hub: CreditHub, rows: list[dict[str, Any]]) -> None:
    await ingest.upsert_records(hub.gateway, rows)


async def add_departments(hub: CreditHub, codes: list[str]) -> None:
    await ingest.upsert_departments(hub.gateway, [{"code": code, "name": f"测试部门{code}", "domains": [],
                                                   "region": code[:6]} for code in codes])


async def set_representative(hub: CreditHub, code: str, person_id: str, person_name: str = "李四") -> None:
    """The subject takes this legal representative (the one it had becomes a former one, until today)."""
    sealed = hub.vault.seal(person_id)
    await ingest.upsert_subjects(hub.gateway, [{
        "uscc": code, "name": f"测试主体{code[-6:]}有限公司", "kind": SubjectKind.from_uscc(code).value,
        "region": code[2:8], "industry": "食品生产", "status": "存续", "registered_on": date(2015, 3, 1),
        "person": {"fingerprint": sealed.fingerprint, "name": person_name, "id_masked": sealed.masked,
                   "id_sealed": sealed.sealed}}])


async def clear_warnings(hub: CreditHub) -> None:
    """Forget every warning and the engine's state (a module that raises its own starts clean)."""
    await hub.gateway.run("MATCH (n) WHERE n:Warning OR n:WarningState DETACH DELETE n", write=True)


async def start_warnings_afresh(hub: CreditHub, codes: list[str]) -> None:
    """Forget these subjects and every warning, and start the engine at the feed's head: a module that
    raises its own warnings about its own subjects judges nothing written before it."""
    await remove_subjects(hub, codes)
    await clear_warnings(hub)
    await hub.warnings.engine.skip_history()


SUBSCRIBE = """subscription($after: String, $department: String, $region: String) {
  warnings(after: $after, department: $department, region: $region) {
    id rule status department subjectUscc cursor version
  }
}"""


class Subscriber:
    """A graphql-transport-ws client of ``/graphql`` (the protocol of the graphql-ws library)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    @classmethod
    async def connect(cls, base_url: str, token: str | None, *, query: str = SUBSCRIBE,
                      **variables: Any) -> Subscriber:
        """Open the socket, send connection_init with the token, and subscribe (operation id "1");
        raises websockets' ConnectionClosed when the hub refuses the connection."""
        import json

        import websockets

        socket = await websockets.connect(base_url.replace("http", "ws", 1) + "/graphql",
                                          subprotocols=[websockets.Subprotocol("graphql-transport-ws")])
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": variables}}))
        return cls(socket)

    async def next(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """The next message for the subscription (``next``, ``error`` or ``complete``)."""
        import asyncio
        import json

        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout_s))
            if message.get("type") in ("next", "error", "complete"):
                return message

    async def warnings(self, count: int, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """Exactly the next ``count`` warnings (fails on an error or a timeout)."""
        received = []
        for _ in range(count):
            message = await self.next(timeout_s)
            assert message["type"] == "next" and not message["payload"].get("errors"), message
            received.append(message["payload"]["data"]["warnings"])
        return received

    async def nothing_more(self, wait_s: float = 1.5) -> bool:
        try:
            message = await self.next(wait_s)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message: {message}")

    async def close(self) -> None:
        await self.socket.close()


async def refusal(base_url: str, token: str | None) -> tuple[int, str] | None:
    """The close code and reason with which the hub ends a connection_init carrying ``token`` (None: accepted)."""
    import json

    import websockets

    async with websockets.connect(base_url.replace("http", "ws", 1) + "/graphql",
                                  subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as socket:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            message = json.loads(await socket.recv())
        except websockets.ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else None
        assert message["type"] == "connection_ack", message
        return None


class HubProcess:
    """`hub serve` as a real process on the suite's Neo4j, with the suite's secrets (so tokens from
    ``token`` are valid there): started, killed (SIGKILL, no goodbye) or stopped, and started again."""

    def __init__(self, uri: str, user: str, password: str, log: Path, **env: str) -> None:
        from tests.loopback import free_port

        self.port = free_port()
        self.log = log
        self.env = {**os.environ, "NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password,
                    "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_PORT": str(self.port),
                    "HUB_LOG_LEVEL": "WARNING", **env}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> subprocess.Popen[bytes]:
        with open(self.log, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen([str(Path(sys.executable).with_name("hub")), "serve"], env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self.process

    async def start(self) -> None:
        from tests.loopback import wait_ready

        process = self.launch()
        await wait_ready(self.url, 60, process.poll, self.log)

    def kill(self) -> None:
        """SIGKILL: whatever the hub was doing stops where it was."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


async def remove_staff(hub: CreditHub, usernames: list[str]) -> None:
    """Staff accounts, their sessions and the failures counted against their names (hub.staff)."""
    await hub.gateway.run(
        """
        UNWIND $names AS name
        OPTIONAL MATCH (u:StaffUser {username: name})
        OPTIONAL MATCH (g:SignInGuard {username: name})
        OPTIONAL MATCH (s:ConsoleSession {username: name})
        DETACH DELETE u, g, s
        """, {"names": usernames}, write=True)
