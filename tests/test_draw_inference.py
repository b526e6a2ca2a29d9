"""Public draw output tells nobody a target's risk class, not even by inference (seed 004 第六条).

The test plays the attacker. A draw is made over 525 subjects whose SAMR classes are spread over
the subject codes at random; the ratios are chosen so that 25 targets are drawn from each class, so
the best an attacker can do knowing only *which* subjects were drawn (which 一公开 publishes) is 25 of
100 — chance. The department records the results in class order (D first), the worst case for any
ordering or timing channel. Then every output a PUBLIC caller (or a bank) can get that touches the
draw is collected — every field the schema shows them on ``Draw`` (found by introspection, so a new
field is attacked too), the signed statements decoded, the result document parsed, each target's
public profile — and a battery of attackers tries to recover the classes: from the order of every
list, from positions and timestamps, from per-class figures combined with the lists, from any field
that names a grade. None may do better than chance.

The bound: if the outputs carry no information about the classes beyond the target set, any guess
is right for each target with probability 1/4 and the number right is a sum of negatively associated
indicators with mean ≤ 25, so P(≥ 60 of 100) ≤ exp(−2·35²/100) ≈ 2·10⁻¹¹ (Hoeffding); over fewer
than 100 attacks, below 10⁻⁸. The leak this replaced (results in draw order beside public per-class
counts) recovered every class; the control test shows the same attackers do that on such output.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.service import CreditHub
from hub.settings import Settings
from hub.supervision.draw import DrawInputs, Inspector, Ratio, _assign
from tests.builders import add_graded_subjects, bearer, gql, uscc

REGION = "410923"
DEPARTMENT = "410923-SCJG"
SIZES = {"A": 250, "B": 125, "C": 100, "D": 50}
RATIOS = {"A": "10", "B": "20", "C": "25", "D": "50"}  # 25 targets from each class
PER_CLASS, TARGETS = 25, 100
CHANCE_LIMIT = 60  # of 100: see the module docstring
GRADES = tuple(SIZES)


def _classes() -> dict[str, str]:
    grades = [grade for grade, size in SIZES.items() for _ in range(size)]
    random.Random(20261123).shuffle(grades)  # classes unrelated to the order of codes, as in life
    return {uscc(7000 + n, region=REGION): grade for n, grade in enumerate(grades)}


CLASSES = _classes()


@dataclass
class World:
    plan_id: str = ""
    draw_id: str = ""
    truth: dict[str, str] = field(default_factory=dict)  # target → class


@pytest.fixture(scope="module")
async def world(hub: CreditHub, client: httpx.AsyncClient, settings: Settings) -> World:
    await add_graded_subjects(hub, CLASSES)
    me = agency(settings)
    pool = [{"id": f"insp-{n:02d}", "name": f"执法人员{n}", "conflicts": []} for n in range(10)]
    await gql(client, "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }",
              me, d=DEPARTMENT, i=pool)
    plan = await gql(client, "mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id } }", me,
                     plan={"name": "推断测试", "scheme": "henan-market-risk", "region": REGION, "period": "2031-Q1",
                           "ratios": [{"grade": g, "minimumPercent": p} for g, p in RATIOS.items()]})
    plan_id = plan["data"]["createInspectionPlan"]["id"]
    draw_id = (await gql(client, "mutation($p: ID!) { commitDraw(planId: $p) { id } }", me, p=plan_id)
               )["data"]["commitDraw"]["id"]
    await gql(client, "mutation($d: ID!) { freezeDraw(id: $d) { id } }", me, d=draw_id)
    await gql(client, "mutation($d: ID!) { revealDraw(id: $d) { id } }", me, d=draw_id)
    listed = await gql(client, "query($p: ID) { draws(planId: $p) { assignments { uscc grade } } }", me, p=plan_id)
    truth = {row["uscc"]: row["grade"] for row in listed["data"]["draws"][0]["assignments"]}
    assert sorted(truth.values()) == sorted(GRADES * PER_CLASS)
    # Results in class order, D first — as a department might inspect — with values unrelated to class.
    for code in sorted(truth, key=lambda c: ("DCBA".index(truth[c]), c)):
        outcome = ("合格", "不合格", "责令整改")[hashlib.sha256(code.encode()).digest()[0] % 3]
        body = await gql(client, "mutation($d: ID!, $u: String!, $r: String!) { recordInspectionResult("
                         "drawId: $d, uscc: $u, result: $r) { uscc } }", me, d=draw_id, u=code, r=outcome)
        assert "errors" not in body, body
    return World(plan_id, draw_id, truth)


def agency(settings: Settings) -> dict[str, str]:
    return bearer(settings, "agency", "清丰县市场监管局", department=DEPARTMENT)


# --- what a caller can get -----------------------------------------------------------------------------

TYPE = """query($n: String!) { __type(name: $n) { fields { name args { name type { kind } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"""


def _named(type_: dict[str, Any]) -> dict[str, Any]:
    while type_.get("ofType"):
        type_ = type_["ofType"]
    return type_


async def selection(client: httpx.AsyncClient, headers: dict[str, str], type_name: str, depth: int = 3) -> str:
    """Every field of ``type_name`` the caller is shown (introspection), recursively."""
    fields = (await gql(client, TYPE, headers, n=type_name))["data"]["__type"]["fields"]
    parts = []
    for f in fields:
        if any(arg["type"]["kind"] == "NON_NULL" for arg in f["args"]):
            continue
        named = _named(f["type"])
        if named["kind"] in ("SCALAR", "ENUM"):
            parts.append(f["name"])
        elif named["kind"] == "OBJECT" and depth > 0:
            parts.append(f"{f['name']} {{ {await selection(client, headers, named['name'], depth - 1)} }}")
    return " ".join(parts)


async def public_outputs(client: httpx.AsyncClient, headers: dict[str, str], world: World) -> list[Any]:
    fields = await selection(client, headers, "Draw")
    draws = await gql(client, f"query($p: ID) {{ draws(planId: $p) {{ {fields} }} }}", headers, p=world.plan_id)
    everything = await gql(client, f"{{ draws {{ {fields} }} }}", headers)
    profiles = [await gql(client, 'query($u: String!) { subject(uscc: $u) { evaluations { scheme grade } '
                          'riskClassification { grade } measures { grade } records { kind title } } }', headers, u=code)
                for code in sorted(world.truth)[:10]]
    key = await gql(client, "{ platform { publicKey } }", headers)
    return [draws, everything, key, *profiles]


# --- the attacker ----------------------------------------------------------------------------------

_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_CODE = re.compile(r"\b[0-9A-Z]{18}\b")


@dataclass
class Observed:
    """What the attacker extracts from the outputs, without knowing their shape in advance."""

    orders: list[list[str]] = field(default_factory=list)  # every sequence of target codes, as served
    features: dict[str, dict[str, float]] = field(default_factory=dict)  # field → target → number
    figures: dict[str, dict[str, int]] = field(default_factory=dict)  # field → grade → per-grade number
    named_grades: dict[str, str] = field(default_factory=dict)  # target → a grade served beside it


def observe(outputs: list[Any], targets: set[str]) -> Observed:
    seen = Observed()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if _JWS.match(value):
                segment = value.split(".")[1]
                with suppress(ValueError):
                    walk(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))
            codes = [code for code in _CODE.findall(value) if code in targets]
            if len(codes) > 1:
                seen.orders.append(codes)
            return
        if isinstance(value, list):
            codes = [item["uscc"] for item in value if isinstance(item, dict) and item.get("uscc") in targets]
            if len(codes) > 1:
                seen.orders.append(codes)
            for item in value:
                walk(item)
            return
        if not isinstance(value, dict):
            return
        code, grade = value.get("uscc"), value.get("grade")
        for name, item in value.items():
            number = _number(item)
            if code in targets and number is not None:
                seen.features.setdefault(name, {})[code] = number
            if grade in GRADES and isinstance(item, int) and not isinstance(item, bool):
                seen.figures.setdefault(name, {})[grade] = item
        if code in targets and grade in GRADES:
            seen.named_grades[code] = grade
        for item in value.values():
            walk(item)

    walk(outputs)
    return seen


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _blocks(order: list[str], sizes: dict[str, int], grades: tuple[str, ...]) -> dict[str, str]:
    """Cut an order into consecutive blocks, one per grade, as the old output allowed."""
    guess, start = {}, 0
    for grade in grades:
        for code in order[start:start + sizes.get(grade, 0)]:
            guess[code] = grade
        start += sizes.get(grade, 0)
    return guess


def attacks(seen: Observed, targets: set[str]) -> Iterator[tuple[str, dict[str, str]]]:
    orders = [("served order", order) for order in seen.orders]
    for name, values in seen.features.items():
        if len(set(values.values())) > 1:
            ranked = sorted(values, key=lambda c: (values[c], c))
            orders += [(f"sorted by {name}", ranked), (f"sorted by {name}, descending", ranked[::-1])]
    splits = [("equal shares", dict.fromkeys(GRADES, len(targets) // len(GRADES)))]
    splits += [(f"per-grade {name}", figures) for name, figures in seen.figures.items()]
    for order_name, order in orders:
        for split_name, sizes in splits:
            for grades in (GRADES, GRADES[::-1]):
                yield f"{order_name} cut by {split_name} ({''.join(grades)})", _blocks(order, sizes, grades)
    for split_name, sizes in splits:  # the most frequent class, for everyone
        commonest = max(GRADES, key=lambda g: sizes.get(g, 0))
        yield f"everyone {commonest} ({split_name})", dict.fromkeys(targets, commonest)
    if seen.named_grades:
        yield "grades served beside codes", dict(seen.named_grades)


def best_attack(outputs: list[Any], truth: dict[str, str]) -> tuple[int, str, int]:
    seen = observe(outputs, set(truth))
    scored = [(sum(guess.get(code) == grade for code, grade in truth.items()), name)
              for name, guess in attacks(seen, set(truth))]
    right, name = max(scored)
    return right, name, len(scored)


# --- the tests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("caller", ["public", "bank"])
async def test_no_public_output_tells_a_targets_class_better_than_chance(
        client: httpx.AsyncClient, settings: Settings, world: World, caller: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    headers = {} if caller == "public" else bearer(settings, "bank", "测试银行甲")
    outputs = await public_outputs(client, headers, world)
    [draw] = outputs[0]["data"]["draws"]
    assert len(draw["results"]) == TARGETS  # the results are public (一公开) — all of them
    right, name, tried = best_attack(outputs, world.truth)
    with capsys.disabled():
        print(f"\n{caller}: best of {tried} attacks recovers {right}/{TARGETS} classes ({name}); chance is "
              f"{PER_CLASS}/{TARGETS}")
    assert right < CHANCE_LIMIT, f"{name} recovered {right} of {TARGETS} risk classes from {caller} output"


async def test_the_attacker_recovers_every_class_from_the_old_output(
        client: httpx.AsyncClient, settings: Settings, world: World) -> None:
    """Control: results in draw order beside per-class counts (what was public before) give it all away,
    and so do the results' times of day (INTERNAL now) when a department inspects class by class."""
    internal = await gql(client, "query($p: ID) { draws(planId: $p) { strata { grade drawn population } "
                         "assignments { uscc position } results { uscc resultAt } } }", agency(settings),
                         p=world.plan_id)
    [draw] = internal["data"]["draws"]
    in_draw_order = sorted(draw["assignments"], key=lambda row: row["position"])
    leaky = [{"results": [{"uscc": row["uscc"]} for row in in_draw_order], "strata": draw["strata"]}]
    right, name, _ = best_attack(leaky, world.truth)
    assert right == TARGETS, name
    timed = [{"results": draw["results"]}]  # in code order, with the moment each was recorded
    right, name, _ = best_attack(timed, world.truth)
    assert right == TARGETS, name


async def test_public_lists_and_assignments_depend_on_the_target_set_alone(
        client: httpx.AsyncClient, hub: CreditHub, world: World) -> None:
    """Exactly, not statistically: the served order is code order, and which inspectors went to which
    target is what a draw blind to every grade assigns (hub.supervision.draw._assign)."""
    body = await gql(client, "query($p: ID) { draws(planId: $p) { seed resultDocument results { uscc } "
                     "strata { grade } } }", p=world.plan_id)
    [draw] = body["data"]["draws"]
    assert draw["strata"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [row["uscc"] for row in draw["results"]] == sorted(world.truth)
    lines = [line.split("\t") for line in draw["resultDocument"].splitlines()]
    assert [fields[0] for fields in lines[:5]] == ["credit-hub/draw-result/v2", "inputs", "seed-commitment",
                                                   "population", "targets"]
    served = {fields[1]: tuple(fields[2:]) for fields in lines[5:]}
    assert list(served) == sorted(world.truth)
    evidence = await hub.inspections.evidence(world.draw_id)
    pool = tuple(Inspector(i["id"], i["name"], frozenset(i["conflicts"])) for i in evidence.inspectors or ())
    blind = DrawInputs("blind", DEPARTMENT, "henan-market-risk", (Ratio("X", Decimal(100)),),
                       tuple((code, "X") for code in world.truth), pool, bytes(16))
    assert _assign(blind, [(code, "X") for code in world.truth], bytes.fromhex(draw["seed"])) == served
