"""Draws that cannot be altered or ground without detection (docs/draw-protocol.md §5–§6).

- every stored artefact of a draw, altered in the database, is named by verification;
- an exported file verifies against the platform's public key, never against anything in the file;
- plans keep the seeds' floors, one plan period has one draw, and a re-draw is reasoned, public and counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.db.server import Neo4jCredentials
from hub.exchange.signing import public_key_from_text
from hub.service import CreditHub
from hub.settings import Settings
from hub.supervision import draw_file
from hub.supervision.draw import (
    DrawInputs,
    Inspector,
    Ratio,
    draw,
    inputs_digest,
    percent_text,
    population_digest,
    result_text,
)
from hub.supervision.evidence import Artefact, DrawReport
from hub.supervision.statements import Notary, Step, fingerprint, open_statement
from tests.builders import DATA_KEY, JWT_SECRET, add_evaluation, add_subject, bearer, gql, uscc

REGION = "410922"
DEPARTMENT = "410922-SCJG"
GRADES = {"A": 14, "B": 9, "C": 6, "D": 6}
SUBJECTS = {uscc(5000 + n, region=REGION): grade
            for n, grade in enumerate(g for g, many in GRADES.items() for _ in range(many))}
OUTSIDER = uscc(5999, region=REGION)  # a valid code the hub does not know: never in a population
_PERIODS = (f"{year}-{month:02d}" for year in range(2030, 2040) for month in range(1, 13))

PLAN = ("mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) "
        "{ id ratios { grade minimumPercent } } }")
COMMIT = "mutation($p: ID!, $r: String) { commitDraw(planId: $p, redrawReason: $r) { id status attempt } }"
FREEZE = "mutation($d: ID!) { freezeDraw(id: $d) { id status } }"
REVEAL = "mutation($d: ID!) { revealDraw(id: $d) { id status targetsTotal } }"
RESULT = ("mutation($d: ID!, $u: String!, $r: String!) { recordInspectionResult(drawId: $d, uscc: $u, result: $r) "
          "{ uscc result inspectedOn statement } }")
ASSIGNMENTS = "query($p: ID) { draws(planId: $p) { id assignments { uscc inspectors } } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, client: httpx.AsyncClient, settings: Settings) -> None:
    for n, (code, grade) in enumerate(SUBJECTS.items()):
        await add_subject(hub, code)
        await add_evaluation(hub, code, f"{code}-int-{n}", scheme="henan-market-risk", grade=grade,
                             disclosure="INTERNAL", score={"A": 100, "B": 300, "C": 600, "D": 800}[grade])
    pool = [{"id": f"insp-{n}", "name": f"执法人员{n}", "conflicts": list(SUBJECTS)[n::7][:2]} for n in range(6)]
    body = await gql(client, "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, "
                     "inspectors: $i) }", agency(settings), d=DEPARTMENT, i=pool)
    assert body["data"]["setInspectors"] == 6


def agency(settings: Settings) -> dict[str, str]:
    return bearer(settings, "agency", "濮阳县市场监管局", department=DEPARTMENT)


@dataclass(frozen=True)
class Drawn:
    plan_id: str
    draw_id: str
    targets: list[str]
    recorded: list[str]


async def make_plan(client: httpx.AsyncClient, settings: Settings, **extra: Any) -> dict[str, Any]:
    body = await gql(client, PLAN, agency(settings), plan={
        "name": "双随机抽查", "scheme": "henan-market-risk", "region": REGION, "period": next(_PERIODS), **extra})
    assert "errors" not in body, body
    return body["data"]["createInspectionPlan"]


async def make_draw(client: httpx.AsyncClient, settings: Settings, results: int = 2) -> Drawn:
    """A plan of its own period, committed, frozen, revealed, and ``results`` results recorded."""
    me = agency(settings)
    plan = await make_plan(client, settings)
    committed = (await gql(client, COMMIT, me, p=plan["id"], r=None))["data"]["commitDraw"]
    assert (await gql(client, FREEZE, me, d=committed["id"]))["data"]["freezeDraw"]["status"] == "FROZEN"
    assert (await gql(client, REVEAL, me, d=committed["id"]))["data"]["revealDraw"]["status"] == "DRAWN"
    listed = (await gql(client, ASSIGNMENTS, me, p=plan["id"]))["data"]["draws"][0]["assignments"]
    targets = [row["uscc"] for row in listed]
    for code in targets[:results]:
        body = await gql(client, RESULT, me, d=committed["id"], u=code, r="合格")
        assert body["data"]["recordInspectionResult"]["result"] == "合格", body
    return Drawn(plan["id"], committed["id"], targets, targets[:results])


def artefacts(report: DrawReport) -> set[Artefact]:
    return {finding.artefact for finding in report.findings}


async def run(hub: CreditHub, statement: str, **parameters: Any) -> None:
    await hub.gateway.run(statement, parameters, write=True)


# --- one tamper test per stored artefact ---------------------------------------------------------------

async def _population(hub: CreditHub, d: Drawn) -> None:
    """Regrade the first subject of the frozen population."""
    await run(hub, "MATCH (c:DrawPopulation {draw_id: $d, chunk: 0}) "
              "SET c.entries = [split(c.entries[0], '\t')[0] + '\t' + "
              "CASE WHEN c.entries[0] ENDS WITH '\tA' THEN 'D' ELSE 'A' END] + c.entries[1..]", d=d.draw_id)


async def _population_consistently(hub: CreditHub, d: Drawn) -> None:
    """Add a subject to the population and serve digests recomputed to match (nothing re-signed)."""
    evidence = await hub.inspections.evidence(d.draw_id)
    rows = [*(evidence.population or ()), (OUTSIDER, "D")]
    salt = bytes.fromhex(str(evidence.population_salt))
    await run(hub, "CREATE (:DrawPopulation {draw_id: $d, chunk: 99, entries: [$e]})", d=d.draw_id, e=f"{OUTSIDER}\tD")
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.population_digest = $p, d.population_size = $n", d=d.draw_id,
              p=population_digest([(str(a), str(b)) for a, b in rows], salt), n=len(rows))


async def _pool(hub: CreditHub, d: Drawn) -> None:
    """Drop every conflict (回避) of the frozen pool."""
    row = await hub.gateway.run("MATCH (d:Draw {id: $d}) RETURN d.inspectors AS i", {"d": d.draw_id})
    pool = [{**inspector, "conflicts": []} for inspector in json.loads(row[0]["i"])]
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.inspectors = $i", d=d.draw_id, i=json.dumps(pool))


async def _ratios(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.ratios = $r", d=d.draw_id,
              r=json.dumps({"A": "1", "B": "3", "C": "10", "D": "1"}))


async def _seed(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.seed = $s", d=d.draw_id, s="ab" * 32)


async def _target(hub: CreditHub, d: Drawn) -> None:
    """Swap a drawn target for a subject that was not drawn."""
    spared = next(code for code in SUBJECTS if code not in d.targets)
    await run(hub, "MATCH (t:InspectionTarget {draw_id: $d, uscc: $u}) SET t.uscc = $other",
              d=d.draw_id, u=d.targets[-1], other=spared)


async def _dropped_target(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (t:InspectionTarget {draw_id: $d, uscc: $u}) DETACH DELETE t", d=d.draw_id, u=d.targets[-1])


async def _assignment(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (t:InspectionTarget {draw_id: $d, uscc: $u}) "
              "SET t.inspectors = [t.inspectors[1], t.inspectors[0]]", d=d.draw_id, u=d.targets[0])


async def _result(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (t:InspectionTarget {draw_id: $d, uscc: $u}) SET t.result = '不合格'",
              d=d.draw_id, u=d.recorded[0])


async def _removed_result(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (t:InspectionTarget {draw_id: $d, uscc: $u}) REMOVE t.result, t.result_statement",
              d=d.draw_id, u=d.recorded[0])


async def _transplanted_result(hub: CreditHub, d: Drawn) -> None:
    """A genuine signed result moved onto another target."""
    await run(hub, "MATCH (a:InspectionTarget {draw_id: $d, uscc: $a}), (b:InspectionTarget {draw_id: $d, uscc: $b}) "
              "SET b.result = a.result, b.notes = a.notes, b.inspected_on = a.inspected_on, "
              "b.result_statement = a.result_statement", d=d.draw_id, a=d.recorded[0], b=d.targets[-1])


async def _result_digest(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.result_digest = $x", d=d.draw_id, x="0" * 64)


async def _seed_and_commitment(hub: CreditHub, d: Drawn) -> None:
    """A new seed with its own commitment: consistent, but not what was signed before the freeze."""
    import hashlib
    seed = bytes(range(1, 33))
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.seed = $s, d.seed_commitment = $c", d=d.draw_id,
              s=seed.hex(), c=hashlib.sha256(seed).hexdigest())


async def _statement(hub: CreditHub, d: Drawn) -> None:
    """The signed freeze statement's payload edited (its signature left as it was)."""
    row = await hub.gateway.run("MATCH (d:Draw {id: $d}) RETURN d.statements AS s", {"d": d.draw_id})
    statements = list(row[0]["s"])
    header, payload, signature = statements[1].split(".")
    statements[1] = ".".join((header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature))
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.statements = $s", d=d.draw_id, s=statements)


async def _dropped_statement(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.statements = [d.statements[0]] + d.statements[2..]", d=d.draw_id)


async def _strata(hub: CreditHub, d: Drawn) -> None:
    row = await hub.gateway.run("MATCH (d:Draw {id: $d}) RETURN d.strata AS s", {"d": d.draw_id})
    strata = json.loads(row[0]["s"])
    strata[0]["drawn"] += 1
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.strata = $s", d=d.draw_id, s=json.dumps(strata))


async def _result_document(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.result_text = replace(d.result_text, $u, $v)",
              d=d.draw_id, u=d.targets[0], v=OUTSIDER)


async def _status(hub: CreditHub, d: Drawn) -> None:
    await run(hub, "MATCH (d:Draw {id: $d}) SET d.status = 'PUBLISHED'", d=d.draw_id)


Tamper = Callable[[CreditHub, Drawn], Awaitable[None]]


@pytest.mark.parametrize(("tamper", "named"), [
    (_population, {Artefact.POPULATION}),
    (_population_consistently, {Artefact.POPULATION, Artefact.PUBLISHED}),
    (_pool, {Artefact.POOL}),
    (_ratios, {Artefact.RATIOS}),
    (_seed, {Artefact.SEED}),
    (_seed_and_commitment, {Artefact.SEED, Artefact.PUBLISHED}),
    (_target, {Artefact.TARGETS}),
    (_dropped_target, {Artefact.TARGETS}),
    (_assignment, {Artefact.ASSIGNMENTS}),
    (_result, {Artefact.RESULTS}),
    (_removed_result, {Artefact.RESULTS}),
    (_transplanted_result, {Artefact.RESULTS}),
    (_result_digest, {Artefact.PUBLISHED}),
    (_statement, {Artefact.STATEMENTS}),
    (_dropped_statement, {Artefact.STATEMENTS}),
    (_strata, {Artefact.STRATA}),
    (_result_document, {Artefact.RESULT_DOCUMENT}),
    (_status, {Artefact.STATUS}),
], ids=lambda value: getattr(value, "__name__", "").strip("_") or None)
async def test_altering_a_stored_artefact_is_named(client: httpx.AsyncClient, settings: Settings, hub: CreditHub,
                                                   tamper: Tamper, named: set[Artefact]) -> None:
    drawn = await make_draw(client, settings)
    before = await hub.inspections.verify(drawn.draw_id)
    assert before.ok, before.describe()
    await tamper(hub, drawn)
    after = await hub.inspections.verify(drawn.draw_id)
    assert not after.ok and named <= artefacts(after), after.describe()


def _cli(credentials: Neo4jCredentials | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {"HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY}
    if credentials is not None:
        env |= {"NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user, "NEO4J_PASSWORD": credentials.password}
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


async def test_hub_draw_verify_exits_1_naming_a_changed_target_and_assignment(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub, neo4j_credentials: Neo4jCredentials) -> None:
    drawn = await make_draw(client, settings)
    assert _cli(neo4j_credentials, "draw", "verify", drawn.draw_id).returncode == 0
    await _target(hub, drawn)
    await _assignment(hub, drawn)
    checked = _cli(neo4j_credentials, "draw", "verify", drawn.draw_id)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    findings = checked.stdout.count("\n  - ")  # the English findings, one a line, after the verdict
    assert checked.stdout.startswith(f"双随机抽取 {drawn.draw_id}（已抽取）核验未通过：{findings} 处不一致，明细如下\n")
    assert "targets: stored as targets but not drawn" in checked.stdout
    assert f"assignments: inspectors of {drawn.targets[0]} are stored as" in checked.stdout


# --- the exported file ---------------------------------------------------------------------------------

def _resign(document: dict[str, Any], notary: Notary) -> dict[str, Any]:
    """What someone who edits the file can do at best: change the population, recompute the draw and
    every digest, and sign every statement again — with their own key."""
    population = [list(row) for row in document["population"]]
    target = next(t["uscc"] for t in document["targets"])
    population = [[code, "A"] if code == target else [code, grade] for code, grade in population]
    inputs = DrawInputs(
        plan_id=document["plan"], department=document["department"], scheme=document["scheme"],
        ratios=tuple(Ratio(g, Decimal(p)) for g, p in sorted(document["ratios"].items())),
        population=tuple((c, g) for c, g in population),
        inspectors=tuple(Inspector(i["id"], i["name"], frozenset(i["conflicts"])) for i in document["inspectors"]),
        population_salt=bytes.fromhex(document["population_salt"]),
        inspectors_per_target=document["inspectors_per_target"])
    seed = bytes.fromhex(document["seed"])
    result = draw(inputs, seed)
    published = {**document["published"], "population_digest": population_digest(inputs.population,
                                                                                  inputs.population_salt),
                 "inputs_digest": inputs_digest(inputs), "result_digest": result.digest}
    statements: list[str] = []
    for token in document["statements"]:
        fields = dict(json.loads(_payload(token)))
        step = Step(fields.pop("step"))
        for name in ("statement", "platform", "draw", "previous"):
            fields.pop(name)
        if step is Step.FREEZE:
            fields |= {k: published[k] for k in ("population_digest", "inputs_digest")}
        if step is Step.REVEAL:
            fields |= {"result_digest": result.digest, "targets": len(result.targets)}
        statements.append(notary.sign(step, document["draw"], fingerprint(statements[-1]) if statements else None,
                                      **fields))
    return {**document, "population": population, "published": published, "statements": statements,
            "targets": [{"uscc": t.uscc, "grade": t.grade, "inspectors": list(t.inspectors), "position": n}
                        for n, t in enumerate(result.targets)],
            "result_text": result_text(inputs, seed, result), "results": [], "results_statement": None,
            "strata": [{"grade": s.grade, "population": s.population, "minimum_percent": str(s.minimum_percent),
                        "drawn": s.drawn} for s in result.strata], "public_key": notary.public_key_text}


def _payload(token: str) -> bytes:
    import base64
    segment = token.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


async def test_an_exported_file_verifies_only_against_the_platform_key(
        client: httpx.AsyncClient, settings: Settings, neo4j_credentials: Neo4jCredentials, tmp_path: Path) -> None:
    drawn = await make_draw(client, settings, results=0)
    key_text = (await gql(client, "{ platform { publicKey } }"))["data"]["platform"]["publicKey"]
    key = public_key_from_text(key_text)
    exported = tmp_path / "draw.json"
    assert _cli(neo4j_credentials, "draw", "export", drawn.draw_id, "--out", str(exported)).returncode == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert draw_file.verify_document(document, key).ok

    # Offline, with the key given out of band: exit 0; without a key: refused (2), saying why.
    ok = _cli(None, "draw", "verify", "--file", str(exported), "--public-key", key_text)
    assert ok.returncode == 0 and f"draw {drawn.draw_id} (DRAWN) verified" in ok.stdout, ok.stdout + ok.stderr
    assert ok.stdout.startswith(f"双随机抽取 {drawn.draw_id}（已抽取）核验通过：")
    keyless = _cli(None, "draw", "verify", "--file", str(exported))
    assert keyless.returncode == 2 and "--file needs --public-key" in keyless.stderr

    # Digests edited consistently, statements left alone: the signed digests give it away.
    regraded = json.loads(json.dumps(document))
    code, grade = regraded["population"][0]
    regraded["population"][0] = [code, "D" if grade != "D" else "A"]
    regraded["published"]["population_digest"] = population_digest(
        [tuple(row) for row in regraded["population"]], bytes.fromhex(regraded["population_salt"]))
    report = draw_file.verify_document(regraded, key)
    assert {Artefact.POPULATION, Artefact.PUBLISHED} <= artefacts(report), report.describe()

    # Everything recomputed and re-signed with the editor's own key (and that key written in the file):
    forger = Notary(Ed25519PrivateKey.generate(), "henan-jiaxian")
    forged = _resign(document, forger)
    assert draw_file.verify_document(forged, forger.public_key).ok  # why the file's own key proves nothing
    report = draw_file.verify_document(forged, key)
    assert not report.ok and Artefact.STATEMENTS in artefacts(report)
    assert f"the file names platform key {forger.public_key_text}" in report.describe()
    exported.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    failed = _cli(None, "draw", "verify", "--file", str(exported), "--public-key", key_text)
    assert failed.returncode == 1 and "signed statements: statement 1: the signature does not verify" in failed.stdout


async def test_public_statements_verify_with_the_published_key(client: httpx.AsyncClient, settings: Settings) -> None:
    drawn = await make_draw(client, settings, results=1)
    key = public_key_from_text((await gql(client, "{ platform { publicKey } }"))["data"]["platform"]["publicKey"])
    body = await gql(client, "query($p: ID) { draws(planId: $p) { id seedCommitment populationDigest "
                     "resultDigest seed targetsTotal statements results { uscc result inspectedOn statement } } }",
                     p=drawn.plan_id)
    [public] = body["data"]["draws"]
    statements = [open_statement(token, key) for token in public["statements"]]
    assert [s.step for s in statements] == [Step.COMMIT, Step.FREEZE, Step.REVEAL]
    assert statements[0].get("seed_commitment") == public["seedCommitment"]
    assert statements[1].get("population_digest") == public["populationDigest"]
    assert statements[2].get("seed") == public["seed"] and statements[2].get("targets") == public["targetsTotal"]
    [result] = public["results"]
    signed = open_statement(result["statement"], key)
    assert (signed.get("uscc"), signed.get("result"), signed.get("inspected_on")) == (
        result["uscc"], result["result"], result["inspectedOn"])
    assert signed.previous == fingerprint(public["statements"][2])


# --- plans: the seeds' floors, one period one plan --------------------------------------------------------

def _ratios_input(**percents: str) -> list[dict[str, str]]:
    ratios = {"A": "1", "B": "3", "C": "10", "D": "20", **percents}
    return [{"grade": g, "minimumPercent": p} for g, p in ratios.items()]


@pytest.mark.parametrize(("percents", "below"), [
    ({"D": "1"}, "grade D: 1 % is below the floor of 20 %"),
    ({"D": "19.99"}, "grade D: 19.99 % is below the floor of 20 %"),
    ({"A": "0.5", "C": "9"}, "grade A: 0.5 % is below the floor of 1 %"),
])
async def test_a_plan_below_the_seed_floor_is_refused_naming_the_rule(
        client: httpx.AsyncClient, settings: Settings, percents: dict[str, str], below: str) -> None:
    body = await gql(client, PLAN, agency(settings), plan={
        "name": "x", "scheme": "henan-market-risk", "region": REGION, "period": "2029-01",
        "ratios": _ratios_input(**percents)})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert below in error["message"] and "seed 004" in error["message"], error["message"]
    assert "豫市监办〔2022〕100号" in error["message"]


@pytest.mark.parametrize("percents", [{}, {"D": "100"}, {"A": "1.5", "B": "50", "C": "10", "D": "20.0"}])
async def test_a_plan_at_or_above_the_floor_is_accepted(client: httpx.AsyncClient, settings: Settings,
                                                        percents: dict[str, str]) -> None:
    plan = await make_plan(client, settings, ratios=_ratios_input(**percents))
    expected = {"A": "1", "B": "3", "C": "10", "D": "20"} | {g: percent_text(Decimal(p)) for g, p in percents.items()}
    assert {r["grade"]: r["minimumPercent"] for r in plan["ratios"]} == expected


async def test_one_plan_per_period_and_scope(client: httpx.AsyncClient, settings: Settings) -> None:
    me = agency(settings)
    plan = {"name": "食品", "scheme": "henan-market-risk", "region": REGION, "period": "2028-Q2",
            "industries": ["食品生产"]}
    assert "errors" not in await gql(client, PLAN, me, plan=plan)
    clashes: list[dict[str, Any]] = [{"period": "2028-05"}, {"period": "2028"}, {"industries": []}, {"region": None}]
    for clash in clashes:
        body = await gql(client, PLAN, me, plan={**plan, **clash})
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT", clash
        assert "One plan period, one draw" in body["errors"][0]["message"]
    for apart in ({"period": "2028-Q3"}, {"industries": ["特种设备"]}):
        assert "errors" not in await gql(client, PLAN, me, plan={**plan, **apart}), apart
    body = await gql(client, PLAN, me, plan={**plan, "period": "2028-Q5"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "2028-Q5" in body["errors"][0]["message"]


# --- one plan period, one draw -----------------------------------------------------------------------

PUBLIC_DRAWS = ("query($p: ID) { draws(planId: $p) { id status attempt replaces supersededBy redrawReason seed "
                "resultDocument } }")


async def test_a_re_draw_needs_a_reason_keeps_the_earlier_draw_public_and_is_counted(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    me = agency(settings)
    plan = await make_plan(client, settings)
    reasonless = await gql(client, COMMIT, me, p=plan["id"], r="抽查前的说明")
    assert reasonless["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # nothing to re-draw yet
    first = (await gql(client, COMMIT, me, p=plan["id"], r=None))["data"]["commitDraw"]
    again = await gql(client, COMMIT, me, p=plan["id"], r=None)
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "one plan period, one draw" in again["errors"][0]["message"]
    for blank in ("", "   "):
        assert (await gql(client, COMMIT, me, p=plan["id"], r=blank))["errors"][0]["extensions"]["code"] == "CONFLICT"

    # A re-draw of a committed draw: the earlier seed is revealed, so it cannot have been looked at in private.
    second = (await gql(client, COMMIT, me, p=plan["id"], r="检查人员调整"))["data"]["commitDraw"]
    assert second["attempt"] == 2
    await gql(client, FREEZE, me, d=second["id"])
    # A re-draw of a frozen draw: the earlier one is drawn on the way out, and its result document is public.
    third = (await gql(client, COMMIT, me, p=plan["id"], r="抽查范围有误"))["data"]["commitDraw"]
    assert third["attempt"] == 3

    draws = {d["attempt"]: d for d in (await gql(client, PUBLIC_DRAWS, p=plan["id"]))["data"]["draws"]}
    assert [(n, draws[n]["status"]) for n in (1, 2, 3)] == [(1, "SUPERSEDED"), (2, "SUPERSEDED"), (3, "COMMITTED")]
    assert draws[1]["supersededBy"] == second["id"] and draws[2]["supersededBy"] == third["id"]
    assert (draws[2]["replaces"], draws[2]["redrawReason"]) == (first["id"], "检查人员调整")
    assert (draws[3]["replaces"], draws[3]["redrawReason"]) == (second["id"], "抽查范围有误")
    assert draws[1]["seed"] and draws[2]["seed"] and draws[3]["seed"] is None
    assert draws[2]["resultDocument"] and draws[2]["resultDocument"].startswith("credit-hub/draw-result/v2")
    for n in (1, 2, 3):
        report = await hub.inspections.verify(draws[n]["id"])
        assert report.ok, report.describe()

    # A superseded draw is over: nothing moves it any more.
    assert (await gql(client, FREEZE, me, d=first["id"]))["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert (await gql(client, REVEAL, me, d=second["id"]))["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_results_are_final_once_recorded(client: httpx.AsyncClient, settings: Settings) -> None:
    drawn = await make_draw(client, settings, results=1)
    again = await gql(client, RESULT, agency(settings), d=drawn.draw_id, u=drawn.recorded[0], r="不合格")
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    stranger = await gql(client, RESULT, agency(settings), d=drawn.draw_id, u=OUTSIDER, r="合格")
    assert stranger["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_draw_is_published_when_every_target_has_a_result(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    drawn = await make_draw(client, settings, results=0)
    counter = count()
    for code in drawn.targets:
        result = ("合格", "不合格", "责令整改")[next(counter) % 3]
        assert "errors" not in await gql(client, RESULT, agency(settings), d=drawn.draw_id, u=code, r=result)
    status = (await gql(client, "query($p: ID) { draws(planId: $p) { status } }", p=drawn.plan_id))["data"]["draws"]
    assert status == [{"status": "PUBLISHED"}]
    report = await hub.inspections.verify(drawn.draw_id)
    assert report.ok and f"{len(drawn.targets)} results match their signed statements" in report.describe()


async def test_a_draw_checked_against_another_key_fails(client: httpx.AsyncClient, settings: Settings,
                                                        hub: CreditHub) -> None:
    drawn = await make_draw(client, settings, results=1)
    report = await hub.inspections.verify(drawn.draw_id, Ed25519PrivateKey.generate().public_key())
    assert not report.ok and Artefact.STATEMENTS in artefacts(report)
    assert "statement 1: the signature does not verify with the given public key" in report.describe()
