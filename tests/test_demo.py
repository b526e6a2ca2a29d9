"""The demo data set: deterministic, valid identifiers, and a coherent credit story (the generator, no
database); then the loaded demo (`hub demo load`'s path, on a Neo4j of its own): engine-made evaluations,
and a county hub's year — lists and removals, commitments, objections, repairs, 双随机 draws."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from hub import clock, demo
from hub.codes import parse_resident_id, parse_uscc
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.ingest import Row
from hub.db.server import Neo4jCredentials
from hub.grading.engine import load_coverage
from hub.models import RecordKind, RecordStatus, Severity, SubjectKind
from hub.personal_data import PersonalDataVault
from hub.service import CreditHub
from hub.settings import Settings
from hub.supervision.result_record import result_record_id
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET

AS_OF = date(2025, 6, 30)
RECORD_KEYS = {"id", "subject_uscc", "kind", "title", "decided_on", "issuing_department",
               "source_platform", "disclosure", "status", "severity", "publicity_ends_on",
               "document_number", "content", "amount_wan_yuan", "kept"}
EVALUATION_KEYS = {"id", "subject_uscc", "scheme", "score", "grade", "level", "disclosure",
                   "evaluated_at", "valid_until", "evaluator"}


@pytest.fixture(scope="module")
def vault() -> PersonalDataVault:
    return PersonalDataVault("x" * 40)


@pytest.fixture(scope="module")
def data(vault: PersonalDataVault) -> demo.DemoData:
    return demo.generate(seed=7, subjects=1000, as_of=AS_OF, vault=vault)


def _comparable(data: demo.DemoData) -> dict[str, list[Row]]:
    """Every row, with the sealed IDs (random nonce by design) left out."""
    subjects = [{**row, "person": row["person"] and {k: v for k, v in row["person"].items()
                                                      if k != "id_sealed"}}
                for row in data.subjects]
    return {"departments": data.departments, "organizations": data.organizations,
            "subjects": subjects, "records": data.records, "evaluations": data.evaluations}


def _current(data: demo.DemoData, scheme: str) -> dict[str, Row]:
    return {e["subject_uscc"]: e for e in data.evaluations
            if e["scheme"] == scheme and e["evaluated_at"].date() <= AS_OF <= e["valid_until"]}


# ---- determinism ---------------------------------------------------------------------------------
def test_same_seed_gives_the_same_rows(vault: PersonalDataVault) -> None:
    first = demo.generate(seed=11, subjects=300, as_of=AS_OF, vault=vault)
    second = demo.generate(seed=11, subjects=300, as_of=AS_OF, vault=vault)
    assert _comparable(first) == _comparable(second)
    sealed = [(a["person"]["id_sealed"], b["person"]["id_sealed"])
              for a, b in zip(first.subjects, second.subjects, strict=True) if a["person"]]
    assert any(x != y for x, y in sealed)  # the nonce differs; the fingerprint does not


def test_a_different_seed_gives_different_rows(vault: PersonalDataVault) -> None:
    first = demo.generate(seed=1, subjects=100, as_of=AS_OF, vault=vault)
    second = demo.generate(seed=2, subjects=100, as_of=AS_OF, vault=vault)
    assert [s["uscc"] for s in first.subjects] != [s["uscc"] for s in second.subjects]
    assert first.departments == second.departments  # reference data is fixed


def test_counts(data: demo.DemoData) -> None:
    counts = data.counts()
    assert counts["departments"] == 26 and counts["subjects"] == 1000
    assert counts["records"] == len(data.records) and counts["evaluations"] == len(data.evaluations)
    assert 5000 <= counts["records"] <= 15000


# ---- identifiers ---------------------------------------------------------------------------------
def test_organization_code_check_matches_gb_11714_examples() -> None:
    assert demo.organization_code("D2143569") == "D2143569X"  # the standard's own example
    assert demo.organization_code("M000100Y") == "M000100Y4"  # from 91350100M000100Y43
    parse_uscc(demo.social_credit_code("91", "350100", "M000100Y4"))


def test_every_code_is_valid_and_unique(data: demo.DemoData) -> None:
    codes = [s["uscc"] for s in data.subjects]
    codes += [o["uscc"] for o in data.organizations if o["uscc"]]
    assert len(set(codes)) == len(codes)
    for code in codes:
        parse_uscc(code)
        assert demo.organization_code(code[8:16]) == code[8:17]
    for subject in data.subjects:
        assert subject["kind"] == SubjectKind.from_uscc(subject["uscc"]).value
        assert subject["uscc"][2:8] == subject["region"]
    prefixes = Counter(s["uscc"][:2] for s in data.subjects)
    assert set(prefixes) == {"91", "92", "93", "52", "12"}
    assert prefixes["91"] > sum(prefixes.values()) / 2
    assert any(c[8:10] == "MA" for c in codes) and any(c[8:16].isdigit() for c in codes)


def test_subject_rows(data: demo.DemoData) -> None:
    assert len({s["name"] for s in data.subjects}) == len(data.subjects)
    regions = Counter(s["region"] for s in data.subjects)
    assert set(regions) == {"410425", "410400", "411622", "350582", "230400", "140624"}
    assert regions.most_common(1)[0][0] == "410425"
    statuses = Counter(s["status"] for s in data.subjects)
    assert statuses["存续"] > 900 and statuses["吊销"] > 0 and statuses["注销"] > 0
    assert all(date(2005, 1, 1) <= s["registered_on"] <= date(2024, 12, 31) for s in data.subjects)
    assert len({s["industry"] for s in data.subjects}) >= 10


def test_resident_ids_are_valid(vault: PersonalDataVault) -> None:
    rng = random.Random(5)
    for _ in range(2000):
        birth = date(rng.randint(1960, 1995), 1, 1).replace(day=rng.randint(1, 28),
                                                             month=rng.randint(1, 12))
        number = demo.resident_id(rng.choice(("410425", "350582", "230402", "140624")), birth,
                                  rng.randint(1, 999))
        assert parse_resident_id(number) == number
        assert vault.seal(number).masked == number[:6] + "********" + number[-4:]


def test_legal_representatives(data: demo.DemoData) -> None:
    people = [s["person"] for s in data.subjects if s["person"]]
    assert 0 < len(data.subjects) - len(people) < 50  # a few have none on file
    for subject in data.subjects:
        person = subject["person"]
        if person:
            assert set(person) == {"fingerprint", "name", "id_masked", "id_sealed"}
            assert len(person["fingerprint"]) == 64 and person["id_sealed"].startswith("v1:")
            assert person["id_masked"][:2] == subject["region"][:2]  # from the same province
            assert person["id_masked"][6:14] == "********"
    by_fingerprint = Counter(p["fingerprint"] for p in people)
    assert sum(1 for n in by_fingerprint.values() if n == 2) > 0
    assert max(by_fingerprint.values()) > 5  # serial representatives head several businesses


# ---- reference data ------------------------------------------------------------------------------
def test_all_26_departments(data: demo.DemoData) -> None:
    departments = {d["code"]: d for d in data.departments}
    assert len(departments) == 26
    assert all(d["region"] == "410425" and d["code"].startswith("410425-") for d in departments.values())
    by_name = {d["name"]: d for d in data.departments}
    assert by_name["市场监管局"]["domains"] == ["食品", "药品", "医疗器材", "市场主体"]
    assert by_name["城管局"]["domains"] == ["城市管理"]
    assert by_name["工业和信息化局"]["domains"] == ["能源节约"]
    assert "邮政管理局" in by_name and "人防办" in by_name
    assert not any(domain.endswith("领域") for d in data.departments for domain in d["domains"])


def test_organizations(data: demo.DemoData) -> None:
    kinds = Counter(o["kind"] for o in data.organizations)
    assert kinds["bank"] >= 4 and kinds["agency"] >= 1 and kinds["credit_office"] == 1
    assert {o["name"] for o in data.organizations if o["kind"] == "platform"} == {
        "郏县公共信用信息平台", "平顶山市公共信用信息平台", "河南省公共信用信息平台"}
    assert "郏县农村商业银行" in {o["name"] for o in data.organizations}


# ---- records -------------------------------------------------------------------------------------
def test_record_rows(data: demo.DemoData) -> None:
    codes = {d["code"] for d in data.departments}
    registered = {s["uscc"]: s["registered_on"] for s in data.subjects}
    assert len({r["id"] for r in data.records}) == len(data.records)
    per_subject = Counter(r["subject_uscc"] for r in data.records)
    assert set(per_subject) == set(registered) and min(per_subject.values()) >= 5
    assert 5 <= sum(per_subject.values()) / len(per_subject) <= 15
    for r in data.records:
        assert set(r) == RECORD_KEYS
        assert demo.add_months(AS_OF, -60) <= r["decided_on"] <= AS_OF
        assert r["decided_on"] >= registered[r["subject_uscc"]]
        assert r["issuing_department"] in codes or (
            r["kind"] == RecordKind.DISHONEST_EXECUTEE and r["issuing_department"] is None)
        assert (r["kept"] is not None) == (r["kind"] == RecordKind.COMMITMENT)
        assert (r["severity"] is not None) == (
            r["kind"] in (RecordKind.ADMINISTRATIVE_PENALTY, RecordKind.SAFETY_INCIDENT))
        assert (r["amount_wan_yuan"] is not None) == (r["kind"] == RecordKind.ADMINISTRATIVE_PENALTY)
        assert r["title"] and r["source_platform"]


def test_every_record_kind_appears_with_its_default_disclosure(data: demo.DemoData) -> None:
    seen: dict[str, set[str]] = {}
    for r in data.records:
        seen.setdefault(r["kind"], set()).add(r["disclosure"])
    # the kinds issue 11 §1 added arrive through submitCreditInformation; the demo holds them once issue 11 §5
    # (demo data a reviewer can believe) is done
    submitted_only = {RecordKind.REGISTRATION, RecordKind.BUSINESS_OPERATION, RecordKind.SELF_DISCLOSURE,
                      RecordKind.INTERNET_INFORMATION, RecordKind.ADMINISTRATIVE_COERCION,
                      RecordKind.ADMINISTRATIVE_CONFIRMATION, RecordKind.INDUSTRY_EVALUATION,
                      RecordKind.SUPERVISORY_WARNING, RecordKind.MARKET_EVALUATION}
    assert set(seen) == {kind.value for kind in RecordKind if kind not in submitted_only}
    assert seen.pop(RecordKind.COMPLAINT) == {"INTERNAL"}
    assert seen.pop(RecordKind.CONTRACT_PERFORMANCE) == {"AUTHORIZED"}
    assert "AUTHORIZED" in seen.pop(RecordKind.SAFETY_INCIDENT)
    assert all(tiers == {"PUBLIC"} for tiers in seen.values())


def test_penalty_publicity_windows(data: demo.DemoData) -> None:
    penalties = [r for r in data.records if r["kind"] == RecordKind.ADMINISTRATIVE_PENALTY]
    for r in penalties:  # windows from the hub's publicity policy, as for real records
        assert r["publicity_ends_on"] == demo.PUBLICITY.publicity_ends_on(r["decided_on"], Severity(r["severity"]))
        assert "罚〔" in r["document_number"] and isinstance(r["amount_wan_yuan"], float)
    assert any(r["publicity_ends_on"] < AS_OF for r in penalties)  # past: hidden from PUBLIC
    assert any(r["publicity_ends_on"] >= AS_OF for r in penalties)  # still published
    assert {r["severity"] for r in penalties} == {s.value for s in Severity}
    repaired = [r for r in penalties if r["status"] == RecordStatus.REPAIRED]
    assert 0 < len(repaired) < len(penalties) / 5
    for r in repaired:  # repair only after the minimum publicity period
        assert demo.PUBLICITY.earliest_repair_on(r["decided_on"], Severity(r["severity"])) <= AS_OF


def test_about_three_percent_on_each_list(data: demo.DemoData) -> None:
    listed = {r["subject_uscc"] for r in data.records
              if r["kind"] == RecordKind.SERIOUS_DISHONESTY_LIST}
    executees = {r["subject_uscc"] for r in data.records if r["kind"] == RecordKind.DISHONEST_EXECUTEE}
    assert 15 <= len(listed) <= 50 and 15 <= len(executees) <= 50
    assert listed & executees


# ---- evaluations ---------------------------------------------------------------------------------
def test_evaluation_rows(data: demo.DemoData) -> None:
    assert len({e["id"] for e in data.evaluations}) == len(data.evaluations)
    for e in data.evaluations:
        assert set(e) == EVALUATION_KEYS
        assert isinstance(e["evaluated_at"], datetime) and e["evaluated_at"].utcoffset() is not None
        assert e["evaluated_at"].utcoffset() == timedelta(hours=8)  # China time (hub.clock.CHINA)
        assert e["evaluated_at"].date() <= AS_OF
        assert e["valid_until"] == demo.add_months(e["evaluated_at"].date(), 12)
    public = _current(data, "henan-public-credit")
    assert set(public) == {s["uscc"] for s in data.subjects}
    expired = [e for e in data.evaluations
               if e["scheme"] == "henan-public-credit" and e["valid_until"] < AS_OF]
    assert 0 < len(expired) < len(data.subjects)
    kinds = {s["uscc"]: s["kind"] for s in data.subjects}
    risk = [e for e in data.evaluations if e["scheme"] == "henan-market-risk"]
    assert {kinds[e["subject_uscc"]] for e in risk} == {SubjectKind.ENTERPRISE.value}
    assert {e["disclosure"] for e in risk} == {"INTERNAL"}
    assert all(0 <= e["score"] <= 1000 for e in risk)
    assert {e["disclosure"] for e in public.values()} == {"PUBLIC"}


def test_schemes_follow_regions(data: demo.DemoData) -> None:
    region = {s["uscc"]: s["region"] for s in data.subjects}
    by_scheme: dict[str, set[str]] = {}
    for e in data.evaluations:
        by_scheme.setdefault(e["scheme"], set()).add(region[e["subject_uscc"]])
    assert by_scheme["quanzhou-industry"] == {"350582"}
    assert by_scheme["heilongjiang-industry"] == {"230400"}
    assert by_scheme["shanxi-public-credit"] == {"140624"}
    assert by_scheme["jiaxian-food-industry"] == {"410425"}
    for e in data.evaluations:
        if e["scheme"] == "heilongjiang-industry":
            assert e["score"] is None and e["grade"] in "ABCDE"
        if e["scheme"] == "shanxi-public-credit":
            assert (e["grade"], e["level"]) == demo.shanxi_grade(e["score"], listed=e["grade"] == "D")


def test_grades_agree_with_scores(data: demo.DemoData) -> None:
    public = _current(data, "henan-public-credit")
    grades = Counter(e["grade"] for e in public.values())
    assert set(grades) == {"优", "良", "中", "差"} and grades.most_common(1)[0][0] in ("优", "良")
    for e in public.values():
        if e["grade"] != "差":
            assert e["grade"] == demo.henan_public_grade(e["score"])


def test_listed_subjects_are_graded_worst(data: demo.DemoData) -> None:
    """seed 000: "直接被评为差级"; seed 004 第十条: list or 失信被执行人 → D."""
    on_list = {r["subject_uscc"] for r in data.records
               if r["kind"] in (RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.DISHONEST_EXECUTEE)
               and (r["publicity_ends_on"] is None or r["publicity_ends_on"] >= AS_OF)}
    assert on_list
    public, risk = _current(data, "henan-public-credit"), _current(data, "henan-market-risk")
    kinds = {s["uscc"]: s["kind"] for s in data.subjects}
    for uscc in on_list:
        assert public[uscc]["grade"] == "差"
        if kinds[uscc] == SubjectKind.ENTERPRISE:
            assert risk[uscc]["grade"] == "D"
    clean = [u for u in public if u not in on_list]
    assert sum(public[u]["grade"] == "差" for u in clean) < len(clean) / 10


# ---- grading helpers -----------------------------------------------------------------------------
@pytest.mark.parametrize(("score", "grade"), [
    (100, "优"), (85.01, "优"), (85, "良"), (70.01, "良"), (70, "中"), (50.01, "中"), (50, "差"),
    (0, "差")])
def test_henan_public_boundaries(score: float, grade: str) -> None:
    assert demo.henan_public_grade(score) == grade
    assert demo.henan_public_grade(score, listed=True) == "差"


@pytest.mark.parametrize(("risk", "grade"), [
    (0, "A"), (199.9, "A"), (200, "B"), (499.9, "B"), (500, "C"), (749.9, "C"), (750, "D"),
    (1000, "D")])
def test_henan_risk_boundaries(risk: float, grade: str) -> None:
    assert demo.henan_risk_grade(risk) == grade
    assert demo.henan_risk_grade(0, listed=True) == "D"


@pytest.mark.parametrize(("points", "grade"), [
    (1000, "A"), (900, "A"), (899.9, "B"), (800, "B"), (700, "C"), (600, "D"), (599.9, "E"), (0, "E")])
def test_quanzhou_default_thresholds(points: float, grade: str) -> None:
    assert demo.classify(points, demo.QUANZHOU) == grade


@pytest.mark.parametrize(("score", "expected"), [
    (100, ("A", "A")), (92.51, ("A", "A")), (92.5, ("A", "A-")), (85.01, ("A", "A-")),
    (85, ("B", "B+")), (78, ("B", "B")), (66, ("B", "B-")), (65, ("C", "C+")), (50, ("C", "C")),
    (41, ("C", "C-")), (40, ("D", "D")), (0, ("D", "D"))])
def test_shanxi_grades_and_levels(score: float, expected: tuple[str, str]) -> None:
    assert demo.shanxi_grade(score) == expected
    assert demo.shanxi_grade(99, listed=True) == ("D", "D")


def test_heilongjiang_categories() -> None:
    assert demo.heilongjiang_grade(0, 90) == "A" and demo.heilongjiang_grade(0, 80) == "B"
    assert [demo.heilongjiang_grade(c, 90) for c in (1, 2, 3)] == ["C", "D", "E"]


def test_add_months_clamps_the_day() -> None:
    assert demo.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert demo.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert demo.add_months(date(2025, 6, 30), -60) == date(2020, 6, 30)
    assert demo.add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


def test_every_demo_evaluation_is_under_a_known_scheme_with_one_of_its_grades(data: demo.DemoData) -> None:
    from hub.grading.schemes import SchemeRegistry

    registry = SchemeRegistry()
    for e in data.evaluations:
        assert e["scheme"] in registry, e["scheme"]
        assert e["grade"] in registry.get(e["scheme"]).grade_names, (e["scheme"], e["grade"])


# ---- the loaded demo: a county hub after a year (issue 11 §5) --------------------------------------
# `hub demo load`'s own path (hub.demo.populate) into a Neo4j of this module's own (the spare instance),
# at today's China date: the engine grades, the year is replayed through the hub's services.
LOADED_SUBJECTS = 300


@pytest.fixture(scope="module")
async def loaded(spare: Neo4jCredentials, china_clock: str, tmp_path_factory: pytest.TempPathFactory,
                 ) -> AsyncIterator[CreditHub]:
    gateway = Neo4jGateway(spare.uri, spare.user, spare.password)
    await ingest.wipe(gateway)
    environment: dict[str, Any] = {
        "NEO4J_URI": spare.uri, "NEO4J_USER": spare.user, "NEO4J_PASSWORD": spare.password,
        "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_AUDIT_KEY": AUDIT_KEY,
        "HUB_STATE_DIR": str(tmp_path_factory.mktemp("demo-state"))}
    hub = CreditHub(Settings(**environment), gateway)
    await hub.migrate()
    data = demo.generate(seed=7, subjects=LOADED_SUBJECTS, as_of=clock.today(), vault=hub.vault)
    await demo.populate(hub, data, as_of=clock.today(), seed=7)
    yield hub
    await ingest.wipe(gateway)
    await hub.close()


async def _rows(hub: CreditHub, query: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await hub.gateway.run(query, params)]


async def test_every_evaluation_is_the_engines_with_an_explanation_under_a_scheme_of_its_region(
        loaded: CreditHub) -> None:
    coverage = load_coverage()
    evaluations = await _rows(loaded, "MATCH (e:Evaluation)-[:OF]->(s:Subject) RETURN e.scheme AS scheme, "
                              "e.explanation AS explanation, e.run_id AS run_id, s.region AS region, "
                              "s.kind AS kind, s.industry AS industry, s.uscc AS uscc")
    assert len(evaluations) > LOADED_SUBJECTS
    for e in evaluations:
        assert e["run_id"], e  # made by an engine run, not written by the generator
        explanation = json.loads(e["explanation"])
        assert explanation["contributions"] and explanation["reasons"], e
        rule = coverage[e["scheme"]]
        assert e["region"].startswith(rule.regions), (e["scheme"], e["region"])  # a scheme of its region only
        assert not rule.industries or e["industry"] in rule.industries, e
    # every subject of a covered province has its current public evaluation; no Fujian subject has Henan's
    current = await _rows(loaded, "MATCH (s:Subject)-[:CURRENT]->(e:Evaluation) "
                          "RETURN s.uscc AS uscc, s.region AS region, collect(e.scheme) AS schemes")
    for subject in current:
        if subject["region"].startswith("41"):
            assert "henan-public-credit" in subject["schemes"]
        if subject["region"].startswith("14"):
            assert subject["schemes"] == ["shanxi-public-credit"]
        if subject["region"].startswith(("35", "23")):
            assert not any(s.startswith(("henan", "jiaxian", "shanxi")) for s in subject["schemes"])
    assert {s["region"] for s in current} == {r.code for r in demo.catalog.REGIONS}


LIST_FLAGS = {RecordKind.SERIOUS_DISHONESTY_LIST: "SERIOUS_DISHONESTY_LIST",
              RecordKind.DISHONEST_EXECUTEE: "DISHONEST_EXECUTEE"}


async def test_list_entries_and_removals_set_and_clear_the_flags(loaded: CreditHub) -> None:
    today = clock.today()
    for kind in (RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.ABNORMAL_OPERATION, RecordKind.DISHONEST_EXECUTEE):
        entries = await _rows(loaded, "MATCH (r:Record {kind: $kind}) WHERE r.received_on IS NOT NULL "
                              "MATCH (r)-[:ABOUT]->(s:Subject) "
                              "OPTIONAL MATCH (s)-[:CURRENT]->(now:Evaluation {scheme: 'henan-market-risk'}) "
                              "OPTIONAL MATCH (s)<-[:OF]-(e:Evaluation {scheme: 'henan-market-risk'}) "
                              "RETURN r.id AS id, r.decided_on AS entered, r.removed_on AS removed, "
                              "r.publicity_ends_on AS ends, now.explanation AS current, "
                              "collect(e.explanation) AS history", kind=kind.value)
        removed = [e for e in entries if e["removed"] is not None]
        standing = [e for e in entries if e["removed"] is None]
        assert removed and standing, kind  # entries still on the list, and entries removed from it
        for entry in removed:  # on the list from its decision through the day before its removal
            assert entry["entered"].to_native() < entry["removed"].to_native() <= today
            assert entry["ends"].to_native() == entry["removed"].to_native() - timedelta(days=1)
            assert entry["id"] not in _cited(entry["current"]), entry  # no current grade rests on it
            assert any(entry["id"] in _cited(x) for x in entry["history"]), entry  # the entry's re-grade did
        for entry in standing:
            assert entry["id"] in _cited(entry["current"]), entry
        if kind in LIST_FLAGS:
            flag = LIST_FLAGS[kind]
            assert all(flag in json.loads(e["current"])["flags"] for e in standing)
            assert all(flag not in json.loads(e["current"])["flags"] for e in removed)  # cleared by the removal
            assert all(any(flag in json.loads(x)["flags"] for x in e["history"]) for e in removed)  # once set


def _cited(explanation: str | None) -> set[str]:
    if explanation is None:
        return set()
    return {record for line in json.loads(explanation)["contributions"] for record in line["record_ids"]}


async def test_commitments_fulfilled_broken_and_running(loaded: CreditHub) -> None:
    rows = await _rows(loaded, "MATCH (c:Record {kind: 'COMMITMENT'}) WHERE c.fulfilment IS NOT NULL "
                       "RETURN c.fulfilment AS fulfilment, c.kept AS kept, c.issuing_department AS department")
    assert {r["fulfilment"] for r in rows} == {"FULFILLED", "BROKEN", "PENDING"}
    assert all(r["kept"] == {"FULFILLED": True, "BROKEN": False, "PENDING": None}[r["fulfilment"]] for r in rows)
    assert all(r["department"].startswith("410425-") for r in rows)


async def test_objections_and_repairs_in_every_state(loaded: CreditHub) -> None:
    objections = Counter(o.status.value for o in await loaded.objections.listed(None))
    assert set(objections) == {"PENDING", "UPHELD", "REJECTED"}
    overdue = await loaded.objections.overdue()
    assert overdue and len(overdue) < objections["PENDING"]  # some pending past their due date, some not
    assert all(o.due_on < clock.today() for o in overdue)
    withdrawn = await _rows(loaded, "MATCH (o:Objection {status: 'UPHELD'}) MATCH (r:Record {id: o.target_id}) "
                            "RETURN r.status AS status")
    assert {r["status"] for r in withdrawn} == {"WITHDRAWN"}
    repairs = await _rows(loaded, "MATCH (a:RepairApplication) MATCH (r:Record {id: a.record_id}) "
                          "RETURN a.status AS status, r.status AS record")
    assert {r["status"] for r in repairs} == {"PENDING", "APPROVED", "REJECTED"}
    assert all((r["record"] == "REPAIRED") == (r["status"] == "APPROVED") for r in repairs)


async def test_each_supervising_department_has_a_published_draw_whose_results_are_records(
        loaded: CreditHub) -> None:
    draws = await _rows(loaded, "MATCH (d:Draw) RETURN d.id AS id, d.department AS department, d.status AS status")
    present = {s["industry"] for s in await _rows(loaded, "MATCH (s:Subject {region: '410425', status: '存续'}) "
                                                           "RETURN DISTINCT s.industry AS industry")}
    supervising = {f"410425-{i.regulator}" for i in demo.catalog.INDUSTRIES if i.name in present}
    assert {d["department"] for d in draws} == supervising
    assert all(d["status"] == "PUBLISHED" for d in draws)
    for d in draws:
        targets = await loaded.draw_targets(d["id"])
        assert targets and all(t.result for t in targets)
        records = await _rows(loaded, "MATCH (r:Record {kind: 'INSPECTION_RESULT'}) WHERE r.id IN $ids "
                              "RETURN r.issuing_department AS department, r.disclosure AS disclosure",
                              ids=[result_record_id(d["id"], t.uscc) for t in targets])
        assert len(records) == len(targets)
        assert {(r["department"], r["disclosure"]) for r in records} == {(d["department"], "PUBLIC")}
