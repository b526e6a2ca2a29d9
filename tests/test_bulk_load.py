"""`hub load` on a real Neo4j of its own: the bulk importer builds exactly the graph ingest builds from the same
data, leaves out bad rows with their reasons, refuses a database that holds anything, and says what to do for a
server the hub does not run."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.archive import write_archive
from hub import demo
from hub.bulk_load import write_files
from hub.cli.load import Rows
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import migrate
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.personal_data import PersonalDataVault
from hub.settings import Settings
from tests.builders import DATA_KEY, JWT_SECRET, TEST_INSTANCE, uscc

LOAD_INSTANCE = f"{TEST_INSTANCE}-load"
AS_OF = date(2026, 6, 30)
VAULT = PersonalDataVault(DATA_KEY)
# Key of a node in either graph: its label and key property.
_KEY = "coalesce(n.uscc, n.fingerprint, n.code, n.id, n.name)"


@pytest.fixture(scope="module")
def load_server() -> Iterator[tuple[LocalNeo4j, Neo4jCredentials]]:
    server = LocalNeo4j(Settings(), LOAD_INSTANCE)
    credentials, _ = server.start()
    yield server, credentials
    server.stop()


@pytest.fixture(scope="module")
async def load_gateway(load_server: tuple[LocalNeo4j, Neo4jCredentials]) -> AsyncIterator[Neo4jGateway]:
    _, credentials = load_server
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
    yield gateway
    await gateway.close()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NEO4J_")}
    environment.update({"HUB_DB_INSTANCE": LOAD_INSTANCE, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
                        **env})
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=environment, capture_output=True,
                          text=True, timeout=1800, check=False)


async def _snapshot(gateway: Neo4jGateway) -> tuple[dict[tuple[str, ...], dict[str, Any]], list[tuple[str, str, str]]]:
    """Every node but the audit chain's, by labels and key, with its properties (dates as text, the sealed
    ID number unsealed: sealing draws a fresh nonce); every relationship by type and end keys."""
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in await gateway.run(f"MATCH (n) WHERE NOT n:AuditEntry AND NOT n:AuditHead "
                                 f"RETURN labels(n) AS labels, {_KEY} AS key, properties(n) AS props"):
        props = {name: value.iso_format() if hasattr(value, "iso_format") else value
                 for name, value in row["props"].items()}
        if "id_sealed" in props:
            props["id_sealed"] = VAULT.unseal(props["id_sealed"])
        props.pop("applied_at", None)  # when the schema was applied
        # :RepresentativeChanged is the warning engine's queue (hub.db.representatives), work rather than
        # data: ingest queues every subject it gives a representative; a bulk load starts with none queued
        key = (*sorted(set(row["labels"]) - {"RepresentativeChanged"}), str(row["key"]))
        assert key not in nodes, key
        nodes[key] = props
    links = sorted(
        (row["type"], str(row["a"]), str(row["b"])) for row in await gateway.run(
            "MATCH (a)-[r]->(b) WHERE NOT a:AuditEntry AND NOT a:AuditHead "
            "RETURN type(r) AS type, coalesce(a.uscc, a.fingerprint, a.code, a.id, a.name) AS a, "
            "coalesce(b.uscc, b.fingerprint, b.code, b.id, b.name) AS b"))
    return nodes, links


def _bad_rows(folder: Path, subject: str) -> None:
    """Three bad rows appended to a good archive: a subject whose code fails its check, a record about a
    subject the archive does not hold, an evaluation without its instant's offset."""
    bad_code = subject[:17] + ("0" if subject[17] != "0" else "1")
    for name, row in (("subjects.csv", {"uscc": bad_code, "name": "校验位错误有限公司"}),
                      ("records.csv", {"id": "rec-orphan", "subject_uscc": "91410425MA00000000", "kind": "HONOR",
                                       "title": "无主记录", "disclosure": "PUBLIC"}),
                      ("evaluations.csv", {"id": "eval-naive", "subject_uscc": subject, "scheme": "henan-public-credit",
                                           "grade": "优", "disclosure": "PUBLIC",
                                           "evaluated_at": "2026-03-01T09:30:00"})):
        path = folder / name
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        with path.open("a", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerow([row.get(column, "") for column in header])


async def test_the_bulk_importer_builds_the_graph_ingest_builds_and_leaves_out_bad_rows(
        tmp_path: Path, load_gateway: Neo4jGateway) -> None:
    data = demo.generate(seed=11, subjects=300, as_of=AS_OF, vault=VAULT)
    assert len({(e["subject_uscc"], e["scheme"]) for e in data.evaluations}) < len(data.evaluations)  # history
    data.records[0]["content"] = "责令改正；\n罚款人民币五千元"  # a text spanning lines: the importer is told

    await ingest.wipe(load_gateway)
    await migrate(load_gateway)
    steps: list[tuple[str, int, int]] = []
    assert await demo.load(load_gateway, data, lambda *step: steps.append(step)) == data.counts()
    assert [stage for stage, done, _ in steps if done == 0] == list(data.counts())  # in dependency order
    record_steps = [done for stage, done, _ in steps if stage == "records"]
    assert record_steps == sorted(record_steps) and record_steps[-1] == len(data.records) and len(record_steps) > 2
    ingested = await _snapshot(load_gateway)
    current = await load_gateway.run("MATCH (s:Subject)-[:CURRENT]->(e) WITH s, e.scheme AS scheme, count(*) AS n "
                                     "RETURN max(n) AS most, count(*) AS pointers")
    assert current[0]["most"] == 1 and current[0]["pointers"] == len(
        {(e["subject_uscc"], e["scheme"]) for e in data.evaluations})

    archive = write_archive(tmp_path / "archive", departments=data.departments, organizations=data.organizations,
                            subjects=data.subjects, records=data.records, evaluations=data.evaluations,
                            resident_id=lambda person: VAULT.unseal(person["id_sealed"]))
    _bad_rows(archive, data.subjects[0]["uscc"])
    await ingest.wipe(load_gateway)  # no data left: an empty database
    loaded = _cli("load", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{len(data.records):,} Record" in loaded.stdout and "records/s" in loaded.stdout
    assert "3 rows refused" in loaded.stderr

    load_gateway.database_replaced()  # this process's bookmarks name the replaced database's transactions
    loaded_nodes, loaded_links = await _snapshot(load_gateway)
    assert sorted(set(loaded_nodes) ^ set(ingested[0]))[:10] == [], "nodes (labels, key) only on one side"
    assert [k for k in loaded_nodes if loaded_nodes[k] != ingested[0][k]][:5] == []
    assert sorted(set(loaded_links) ^ set(ingested[1]))[:10] == []
    assert (loaded_nodes, loaded_links) == ingested
    report = list(csv.DictReader(io.StringIO((archive / "load-errors.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["file"], r["column"]) for r in report] == [
        ("evaluations.csv", "evaluated_at"), ("records.csv", "subject_uscc"), ("subjects.csv", "uscc")]
    assert "offset" in report[0]["message"] and "check character" in report[2]["message"]
    audit = await load_gateway.run("MATCH (a:AuditEntry {actor: 'cli:load'}) RETURN a.detail AS detail")
    assert len(audit) == 1 and "bulk load" in audit[0]["detail"]
    # the constraints were applied after the import
    constraints = {row["name"] for row in await load_gateway.run("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"subject_uscc", "record_id", "evaluation_id"} <= constraints


def _append(folder: Path, name: str, row: dict[str, str]) -> int:
    """Append ``row`` to an archive file; returns its row number (header = 1)."""
    path = folder / name
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow([row.get(column, "") for column in rows[0]])
    return len(rows) + 1


def _first_row(folder: Path, name: str) -> dict[str, str]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))


async def test_a_key_given_twice_is_loaded_once_from_its_first_row_and_the_later_rows_are_reported(
        tmp_path: Path, load_gateway: Neo4jGateway) -> None:
    """The uniqueness constraints are created after the import: a repeated key would fail the load at its very
    end and leave a database the hub cannot use. The reader keeps each key's first row and reports the others
    with the row they repeat; a text longer than the database can index is refused as well."""
    data = demo.generate(seed=16, subjects=6, as_of=AS_OF, vault=VAULT)
    archive = write_archive(tmp_path / "twice", departments=data.departments, organizations=data.organizations,
                            subjects=data.subjects, records=data.records, evaluations=data.evaluations,
                            resident_id=lambda person: VAULT.unseal(person["id_sealed"]))
    subject, record, evaluation = data.subjects[1], data.records[0], _first_row(archive, "evaluations.csv")
    department = _first_row(archive, "departments.csv")
    assert subject["uscc"] != record["subject_uscc"]
    organization = _first_row(archive, "organizations.csv")
    refused_code = uscc(990_016)
    repeated_subject = _append(archive, "subjects.csv", {"uscc": subject["uscc"].lower(), "name": "重复的主体"})
    refused_subject = _append(archive, "subjects.csv", {"uscc": refused_code, "name": "日期错误的主体",
                                                        "registered_on": "2026-02-30"})
    rows = {  # (file, row) -> the column at fault and what the message must say
        ("subjects.csv", repeated_subject): ("uscc", f"uscc '{subject['uscc']}' repeats row 3 of subjects.csv"),
        ("subjects.csv", refused_subject): ("registered_on", "is not a date"),
        ("organizations.csv", _append(archive, "organizations.csv", {**organization, "kind": "guarantor"})):
            ("name", f"name '{organization['name']}' repeats row 2 of organizations.csv"),
        ("departments.csv", _append(archive, "departments.csv", {**department, "name": "改名的部门"})):
            ("code", f"code '{department['code']}' repeats row 2 of departments.csv"),
        ("records.csv", _append(archive, "records.csv", {
            "id": record["id"], "subject_uscc": subject["uscc"], "kind": "HONOR", "title": "重复的记录",
            "disclosure": "PUBLIC"})): ("id", f"id '{record['id']}' repeats row 2 of records.csv"),
        ("records.csv", _append(archive, "records.csv", {
            "id": "rec-archivedup-orphan", "subject_uscc": refused_code, "kind": "HONOR", "title": "被拒主体的记录",
            "disclosure": "PUBLIC"})):
            ("subject_uscc", f"subject {refused_code} was refused (subjects.csv row {refused_subject})"),
        ("records.csv", _append(archive, "records.csv", {
            "id": "r" * 9000, "subject_uscc": subject["uscc"], "kind": "HONOR", "title": "过长的编号",
            "disclosure": "PUBLIC"})): ("id", "id has 9,000 characters, more than the database can index"),
        ("evaluations.csv", _append(archive, "evaluations.csv", {**evaluation, "grade": "重复的等级"})):
            ("id", f"id '{evaluation['id']}' repeats row 2 of evaluations.csv"),
    }
    kept = _append(archive, "records.csv", {"id": "rec-archivedup-kept", "subject_uscc": subject["uscc"],
                                            "kind": "HONOR", "title": "重复主体的记录", "disclosure": "PUBLIC"})
    assert kept == len(data.records) + 5

    await ingest.wipe(load_gateway)
    loaded = _cli("load", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    assert ("8 rows refused and left out (1 in departments.csv, 1 in evaluations.csv, 1 in organizations.csv, "
            "3 in records.csv, 2 in subjects.csv; report: ") in loaded.stderr
    assert f"{len(data.records) + 1:,} Record" in loaded.stdout

    load_gateway.database_replaced()
    report = list(csv.DictReader(io.StringIO((archive / "load-errors.csv").read_text(encoding="utf-8-sig"))))
    assert sorted((r["file"], int(r["row"])) for r in report) == sorted(rows)
    for line in report:
        column, message = rows[(line["file"], int(line["row"]))]
        assert line["column"] == column and message in line["message"], line

    held = await load_gateway.run(
        "MATCH (s:Subject {uscc: $subject}) WITH collect(s.name) AS subjects "
        "MATCH (r:Record {id: $record}) WITH subjects, collect(r.title) AS records "
        "MATCH (e:Evaluation {id: $evaluation}) WITH subjects, records, collect(e.grade) AS evaluations "
        "MATCH (d:Department {code: $department}) WITH subjects, records, evaluations, collect(d.name) AS departments "
        "MATCH (o:Organization {name: $organization}) "
        "RETURN subjects, records, evaluations, departments, collect(o.kind) AS organizations",
        {"subject": subject["uscc"], "record": record["id"], "evaluation": evaluation["id"],
         "department": department["code"], "organization": organization["name"]})
    assert held == [{"subjects": [subject["name"]], "records": [record["title"]], "evaluations": [evaluation["grade"]],
                     "departments": [department["name"]], "organizations": [organization["kind"]]}]
    about = await load_gateway.run("MATCH (r:Record {id: 'rec-archivedup-kept'})-[:ABOUT]->(s:Subject) "
                                   "RETURN s.uscc AS uscc")
    assert about == [{"uscc": subject["uscc"]}]
    left_out = await load_gateway.run(
        "OPTIONAL MATCH (s:Subject {uscc: $code}) OPTIONAL MATCH (r:Record) WHERE r.id = 'rec-archivedup-orphan' "
        "OR size(r.id) > 1024 RETURN count(s) + count(r) AS n", {"code": refused_code})
    assert left_out == [{"n": 0}]
    constraints = {row["name"] for row in await load_gateway.run("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"subject_uscc", "department_code", "organization_name", "record_id", "evaluation_id"} <= constraints
    failed = await load_gateway.run("SHOW INDEXES YIELD name, state WHERE state <> 'ONLINE' RETURN name")
    assert failed == []


def test_the_import_files_say_when_a_field_spans_lines(tmp_path: Path) -> None:
    data = demo.generate(seed=14, subjects=20, as_of=AS_OF, vault=VAULT)
    source = Rows(data.departments, data.organizations, data.subjects, data.records, data.evaluations)
    plain = write_files(source, tmp_path / "plain")
    assert not plain.multiline and "--multiline-fields=true" not in plain.arguments("neo4j")
    for n, text in enumerate(("第一行\n第二行", "回车\r符")):
        data.records[-1]["content"] = text
        spanning = write_files(source, tmp_path / f"spanning{n}")
        assert spanning.multiline and "--multiline-fields=true" in spanning.arguments("neo4j")
        with (tmp_path / f"spanning{n}" / "record.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(data.records) and rows[-1]["content"] == text


def test_a_department_given_twice_is_one_node_with_the_last_rows_values(tmp_path: Path) -> None:
    """The importer is handed the store's own node ids: two rows of one department would be two writes of one
    node, so the files hold it once, as ingest's MERGE on the code leaves it (the last row's values)."""
    data = demo.generate(seed=15, subjects=5, as_of=AS_OF, vault=VAULT)
    first = data.departments[0]
    renamed = {**first, "name": "改名后的" + first["name"]}
    files = write_files(Rows([*data.departments, renamed], [], data.subjects, data.records, []), tmp_path / "twice")
    assert files.counts["Department"] == len(data.departments)
    with (tmp_path / "twice" / "department.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["code"]: row for row in csv.DictReader(handle)}
    assert rows[first["code"]]["name"] == renamed["name"]
    with (tmp_path / "twice" / "issued_by.csv").open(encoding="utf-8", newline="") as handle:
        issuers = {end for _, end in list(csv.reader(handle))[1:]}
    assert issuers and issuers <= {row[":ID(Department)"] for row in rows.values()}


async def test_a_database_that_holds_anything_is_refused_and_left_as_it_is(
        tmp_path: Path, load_gateway: Neo4jGateway) -> None:
    data = demo.generate(seed=12, subjects=5, as_of=AS_OF, vault=VAULT)
    await ingest.wipe(load_gateway)
    await migrate(load_gateway)
    await ingest.upsert_subjects(load_gateway, [{**data.subjects[0], "person": None}])
    archive = write_archive(tmp_path / "small", departments=data.departments, organizations=[], subjects=data.subjects,
                            records=data.records, evaluations=[],
                            resident_id=lambda person: VAULT.unseal(person["id_sealed"]))
    refused = _cli("load", str(archive))
    assert refused.returncode == 1
    assert "is not empty (it holds 1 Subject" in refused.stderr and "hub import" in refused.stderr
    count = await load_gateway.run("MATCH (n) RETURN count(n) AS n")
    assert count[0]["n"] == 1 + len(await load_gateway.run("MATCH (m:Migration) RETURN m"))


def test_a_server_the_hub_does_not_run_gets_the_files_and_the_command(tmp_path: Path) -> None:
    data = demo.generate(seed=13, subjects=5, as_of=AS_OF, vault=VAULT)
    archive = write_archive(tmp_path / "small", departments=data.departments, organizations=data.organizations,
                            subjects=data.subjects, records=data.records, evaluations=data.evaluations,
                            resident_id=lambda person: VAULT.unseal(person["id_sealed"]))
    remote = {"NEO4J_URI": "bolt://neo4j.province.example:7687", "NEO4J_PASSWORD": "x"}
    refused = _cli("load", str(archive), **remote)
    assert refused.returncode == 2
    assert "must run on that server" in refused.stderr and "--files-only" in refused.stderr

    written = _cli("load", str(archive), "--files-only", str(tmp_path / "files"), **remote)
    assert written.returncode == 0, written.stderr
    script = (tmp_path / "files" / "import.sh").read_text(encoding="utf-8")
    assert "neo4j-admin database import full neo4j --overwrite-destination=true --id-type=actual" in script
    assert "--nodes=Record:Pending=record.csv" in script and "hub migrate" in script
    with (tmp_path / "files" / "record.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.reader(handle)) == len(data.records) + 1
