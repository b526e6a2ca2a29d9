"""信用监管工作台's pages on the bench data set (issue 13 §1: each page renders in under a second with 100,000
subjects loaded).

Server-side: the hub's own ASGI app, in-process (hub.app.create_app on the bench's Neo4j), signed in as a
department officer and as a bank's loan officer through the console's sign-in form; each page is requested
``runs`` times after warming, from the request arriving to the page's last byte — the GraphQL operation,
its audit, the rendering. No browser: what a browser then draws from the page's data is ECharts' work on
the client. Before timing, the bench adds what the demo data set has none of: 双公示 tallies for twelve
departments over twelve months, and on the profiled subject consents, an objection and a repair application.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import httpx

from bench.timing import line, ms, timed
from hub import clock
from hub.db import consents, distribution
from hub.disclosure import Role, Viewer
from hub.models import Consent, OrganizationKind
from hub.reporting import Counts
from hub.service import CreditHub
from hub.settings import Settings
from hub.staff import StaffRole

BOUND_SECONDS = 1.0
PASSWORD = "bench console password"
OFFICER, LOAN_OFFICER = "bench-officer", "bench-loan"
BANK = "基准测试银行"
DEPARTMENTS = 12
MONTHS = 12

# the subject whose profile is timed: the one with the most subjects sharing its legal representatives
_LINKED = """
MATCH (s:Subject)-[:LEGAL_REPRESENTATIVE|FORMER_LEGAL_REPRESENTATIVE]->(p:Person)
      <-[:LEGAL_REPRESENTATIVE|FORMER_LEGAL_REPRESENTATIVE]-(o:Subject)
WHERE o <> s
WITH s, count(DISTINCT o) AS linked ORDER BY linked DESC, s.uscc LIMIT 1
RETURN s.uscc AS uscc, linked
"""
_RECORD = "MATCH (r:Record)-[:ABOUT]->(:Subject {uscc: $uscc}) RETURN r.id AS id, r.issuing_department AS d LIMIT 1"


async def _prepare(hub: CreditHub) -> tuple[str, int]:
    rows = await hub.gateway.query(_LINKED)
    tour = await hub.tour_subject()
    code, linked = (str(rows[0]["uscc"]), int(rows[0]["linked"])) if rows else (tour[0] if tour else "", 0)
    await hub.register_organization(BANK, OrganizationKind.BANK)
    now = clock.now()
    await hub.gateway.run("MATCH (c:Consent {purpose: 'bench-console'}) DETACH DELETE c", write=True)
    await consents.create_consent(hub.gateway, Consent(
        id=f"bench-console-{uuid.uuid4().hex[:8]}", subject_uscc=code, grantee=BANK, purpose="bench-console",
        granted_at=now - timedelta(days=1), expires_at=now + timedelta(days=30), granted_by="admin:bench"))
    record = await hub.gateway.query(_RECORD, {"uscc": code})
    if record:
        try:
            await hub.objections.file(str(record[0]["id"]), "基准测试异议", Viewer(Role.PLATFORM, org="bench"))
        except Exception as refused:
            print(f"  (no objection filed on {record[0]['id']}: {refused})")
    today = clock.today()
    for month in range(MONTHS):
        received = today - timedelta(days=30 * month + 3)
        await hub.record_reporting(
            f"bench-console-{month}", kind="ADMINISTRATIVE_PENALTY", source_platform="bench", received_on=received,
            per_department={f"410425-BENCH{d:02d}": Counts(f"基准部门{d:02d}", 1000, 990 - d - month,
                                                           950 - 2 * d, 40 + d) for d in range(DEPARTMENTS)})
    for username, role, org, department in ((OFFICER, StaffRole.DEPARTMENT, "郏县市场监管局", "410425-SCJG"),
                                            (LOAN_OFFICER, StaffRole.BANK, BANK, None)):
        await hub.gateway.run("MATCH (a:StaffUser {username: $u}) OPTIONAL MATCH (g:SignInGuard {username: $u}) "
                              "DETACH DELETE a, g", {"u": username}, write=True)
        await hub.staff.add(username, PASSWORD, role, org=org, department=department)
    return code, linked


async def _signed_in(client: httpx.AsyncClient, username: str) -> None:
    form = await client.get("/console/login")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = await client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf})
    if answer.status_code != 303 or "hub_console=" not in answer.headers.get("set-cookie", ""):
        raise RuntimeError(f"console sign-in as {username} failed: {answer.status_code}")


async def _time(client: httpx.AsyncClient, path: str, runs: int, expect: str) -> tuple[list[float], int]:
    size = 0
    for _ in range(min(5, runs)):
        warm = await client.get(path)
        if warm.status_code != 200 or expect not in warm.text:
            raise RuntimeError(f"{path} did not render ({warm.status_code}): {warm.text[:300]}")
        size = len(warm.content)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await client.get(path)
        samples.append(time.perf_counter() - started)
    return samples, size


async def console_section(settings: Settings, hub: CreditHub, runs: int) -> None:
    from hub.app import create_app

    subjects = await hub.count_subjects()
    code, linked = await _prepare(hub)
    app = create_app(settings, hub)
    transport = httpx.ASGITransport(app=app)
    print(f"\n## Console pages, server-side ({subjects:,} subjects; in-process ASGI, signed in; {runs} runs each; "
          f"bound < {BOUND_SECONDS:.0f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  profiled subject {code} ({linked} subjects share its legal representatives)")
    pages = [(OFFICER, "/console/subjects?q=" + code[:10], "results", "search (code prefix)"),
             (OFFICER, f"/console/subjects/{code}", "graph-data", "profile, department officer (graph, consents…)"),
             (LOAN_OFFICER, f"/console/subjects/{code}", "consents", "profile, bank officer (its consent)"),
             (OFFICER, "/console/grades", "breakdown-data", "grades: schemes, regions, industries, moves"),
             (OFFICER, "/console/reporting", "reporting-data", "双公示 rates per department per month"),
             (OFFICER, "/console/objections", "异议处理", "objections queue")]
    worst = 0.0
    for username in (OFFICER, LOAN_OFFICER):
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await _signed_in(client, username)
            for who, path, expect, label in pages:
                if who != username:
                    continue
                samples, size = await _time(client, path, runs, expect)
                worst = max(worst, ms(samples, .99))
                print(line(f"{label} ({size // 1024} KB)", samples))
            if username == OFFICER:
                # the grades page as its figures are recounted (once HUB_STATISTICS_MAX_AGE has passed; the
                # runs above are served the figures counted at most that long ago, as the page says)
                kept, hub.grade_statistics.max_age_s = hub.grade_statistics.max_age_s, 0
                samples, size = await _time(client, "/console/grades", min(runs, 10), "breakdown-data")
                hub.grade_statistics.max_age_s = kept
                print(line(f"grades, recounted on the request (every {kept:.0f} s at most)", samples))
    # what bounds the grades page: its one statement over every evaluation in force, run raw
    today = clock.today()
    raw = await timed(lambda: hub.gateway.query(distribution._BREAKDOWN, {"today": today}), min(runs, 10), warm=2)
    print(line("raw Cypher of the grades page (gradeBreakdown, one scan)", raw))
    await hub.audit_log.drain()
    verdict = "within" if worst < BOUND_SECONDS * 1000 else "OVER"
    print(f"  slowest page p99 {worst:.0f} ms: {verdict} the bound of {BOUND_SECONDS * 1000:.0f} ms")
