"""File imports in bounded batches (hub.imports) on the real graph: an import stopped part way resumes and
grades each subject once; an unchanged file makes no evaluation; Neo4j's memory limit is named as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.shuanggongshi import ImportResult, read_file
from hub.db import feed
from hub.db.gateway import TransactionTooLarge
from hub.errors import DatabaseUnavailable
from hub.imports import REGRADING, STORING, FileImport, Importer
from hub.service import CreditHub
from tests.builders import remove_subjects, uscc
from tests.test_shuanggongshi import PENALTY_HEADERS, RECEIVED, penalty, write

PLATFORM = "test-imports"


class Stopped(Exception):
    """Stands for the process dying right after the step that reported progress had committed."""


def _file(tmp_path: Path, name: str, first: int, count: int) -> tuple[ImportResult, FileImport]:
    rows = [penalty(n, 行政相对人代码_1=uscc(first + n), 行政相对人名称=f"郏县续传测试第{n}有限公司",
                    行政相对人类别="法人及非法人组织", 行政处罚决定书文号=f"郏续传罚〔2026〕{first + n}号")
            for n in range(count)]
    result = read_file(write(tmp_path / name, PENALTY_HEADERS, rows), source_platform=PLATFORM, received_on=RECEIVED)
    assert len(result.records) == count
    return result, FileImport(import_id=f"test-{name}-{first}", file=name, kind=result.kind, source_platform=PLATFORM,
                              received_on=RECEIVED, subjects=result.subjects, records=result.records,
                              per_department=result.per_department)


async def _evaluations(hub: CreditHub, codes: list[str]) -> dict[tuple[str, str], int]:
    rows = await hub.gateway.run("UNWIND $codes AS code MATCH (s:Subject {uscc: code})<-[:OF]-(e:Evaluation) "
                                 "RETURN s.uscc AS uscc, e.scheme AS scheme, count(e) AS n", {"codes": codes})
    return {(row["uscc"], row["scheme"]): row["n"] for row in rows}


async def _marked(hub: CreditHub, codes: list[str]) -> int:
    rows = await hub.gateway.run("UNWIND $codes AS code MATCH (s:Subject:RegradeDue {uscc: code}) "
                                 "RETURN count(s) AS n", {"codes": codes})
    return int(rows[0]["n"])


async def test_an_import_stopped_while_storing_then_while_grading_resumes_and_grades_each_subject_once(
        tmp_path: Path, hub: CreditHub) -> None:
    _, incoming = _file(tmp_path, "resume.utf8.csv", 81_000, 60)
    codes = sorted(incoming.subjects)
    await remove_subjects(hub, codes)

    def stop_storing_after_two_batches(stage: str, done: int, total: int) -> None:
        if stage == STORING and done == 20:
            raise Stopped

    with pytest.raises(Stopped):
        await Importer(hub.gateway, hub.reevaluator, store_batch=10).run(incoming, stop_storing_after_two_batches)
    stored = await hub.gateway.run("MATCH (r:Record {source_platform: $p}) RETURN count(r) AS n", {"p": PLATFORM})
    assert stored[0]["n"] == 20 and await _evaluations(hub, codes) == {} and await _marked(hub, codes) == 20

    def stop_grading_after_one_batch(stage: str, done: int, total: int) -> None:
        if stage == REGRADING and done == 25:
            raise Stopped

    with pytest.raises(Stopped):
        await Importer(hub.gateway, hub.reevaluator, store_batch=10, regrade_batch=25).run(
            incoming, stop_grading_after_one_batch)
    assert len({code for code, _ in await _evaluations(hub, codes)}) == 25 and await _marked(hub, codes) == 35

    outcome = await Importer(hub.gateway, hub.reevaluator, store_batch=10, regrade_batch=25).run(incoming)
    assert (outcome.records, outcome.resumed_at, outcome.changed, outcome.regraded) == (60, 60, 60, 35)
    graded = await _evaluations(hub, codes)
    assert {code for code, _ in graded} == set(codes)
    assert set(graded.values()) == {1}  # one evaluation per subject and scheme: nobody graded twice
    assert await _marked(hub, codes) == 0
    tallies = await hub.gateway.run("MATCH (t:ReportingTally {import_id: $id}) RETURN sum(t.rows) AS rows",
                                    {"id": incoming.import_id})
    assert tallies[0]["rows"] == 60


async def test_reimporting_an_unchanged_file_makes_no_evaluation_and_gives_sync_nothing(
        tmp_path: Path, hub: CreditHub) -> None:
    _, incoming = _file(tmp_path, "twice.utf8.csv", 82_000, 30)
    codes = sorted(incoming.subjects)
    await remove_subjects(hub, codes)
    first = await Importer(hub.gateway, hub.reevaluator).run(incoming)
    assert (first.changed, first.regraded) == (30, 30) and first.evaluations >= 30
    before = await _evaluations(hub, codes)
    while (await feed.sequence(hub.gateway, "test", "county")).count:  # the feed has numbered everything
        pass

    again = await Importer(hub.gateway, hub.reevaluator).run(incoming)
    assert (again.changed, again.regraded, again.evaluations) == (0, 0, 0)
    assert await _evaluations(hub, codes) == before
    pending = await hub.gateway.run(
        "UNWIND $codes AS code MATCH (:Subject {uscc: code})<-[:ABOUT|OF]-(n:Pending) RETURN count(n) AS n",
        {"codes": codes})
    assert pending[0]["n"] == 0  # nothing new for the change feed to send up


async def test_one_changed_row_regrades_only_its_subject(tmp_path: Path, hub: CreditHub) -> None:
    result, incoming = _file(tmp_path, "one.utf8.csv", 83_000, 10)
    codes = sorted(incoming.subjects)
    await remove_subjects(hub, codes)
    await Importer(hub.gateway, hub.reevaluator).run(incoming)
    changed = [dict(row) for row in result.records]
    changed[3] = {**changed[3], "amount_wan_yuan": 20.0, "severity": "SERIOUS"}
    corrected = FileImport(**{**incoming.__dict__, "import_id": incoming.import_id + "-corrected",
                              "records": changed})
    outcome = await Importer(hub.gateway, hub.reevaluator).run(corrected)
    assert (outcome.changed, outcome.regraded) == (1, 1)


async def test_a_transaction_over_neo4j_memory_limit_is_named_not_called_unavailable(hub: CreditHub) -> None:
    with pytest.raises(TransactionTooLarge) as refused:
        await hub.gateway.query("UNWIND range(1, 200000000) AS n WITH collect(n) AS numbers RETURN size(numbers)")
    assert not isinstance(refused.value, DatabaseUnavailable)
    assert refused.value.code == "TRANSACTION_TOO_LARGE"
    assert "more memory than it allows" in str(refused.value) and "smaller batches" in str(refused.value)
    assert await hub.ready()  # the database is fine: only that transaction was refused
