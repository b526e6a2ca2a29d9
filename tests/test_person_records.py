"""Decisions about natural persons (行政相对人类别 自然人) on the real graph: `hub import shuanggongshi` keeps
them INTERNAL, keyed by the sealed ID number (hub.person_records), and only an INTERNAL viewer finds them —
by the number, sealed on lookup. A PUBLIC or bank caller learns nothing, not even that a record exists.

The file (汝阳县 410326, a region of this module's own):

    row 2  an enterprise's penalty                       → a record of its subject, as before
    row 3  a penalty of 自然人 A (身份证), 公示截止期 given   → kept, INTERNAL anyway
    row 4  a second penalty of A                           → kept (two decisions of one person)
    row 5  a penalty of 自然人 B (护照号)                   → kept, keyed by document and number
    row 6  row 3 again                                      → refused: reported once
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hub.db.server import Neo4jCredentials
from hub.exchange.vocabulary import Scope
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_subject, bearer, gql, register_bank, remove_subjects, resident_id, uscc
from tests.test_import_cli import _cli
from tests.test_shuanggongshi import ON_TIME, PENALTY_HEADERS, RECEIVED, penalty, write

REGION = "410326"
PLATFORM = "test-person-records"
AUTHORITY = uscc(1, region=REGION, prefix="11")
COMPANY = uscc(1, region=REGION)
PERSON_A, PERSON_B = resident_id(11, region=REGION, born="19770707"), "E12345678"
UNKNOWN = resident_id(12, region=REGION, born="19770707")
INVALID = PERSON_A[:17] + ("1" if PERSON_A[17] != "1" else "2")
NAME_A, NAME_B = "汝阳测试甲", "汝阳测试乙"
BANK = "汝阳测试银行"

QUERY = """query($n: String!, $t: String) { personRecords(idNumber: $n, idType: $t) {
  id kind title decidedOn issuingDepartment documentNumber content severity amountWanYuan personName idMasked
  disclosure } }"""


def _row(n: int, **changes: Any) -> dict[str, Any]:
    return penalty(n, **{"处罚机关": "汝阳县市场监督管理局", "处罚机关统一社会信用代码": AUTHORITY,
                         "数据来源单位": "汝阳县市场监督管理局", "数据来源单位统一社会信用代码": AUTHORITY,
                         "行政处罚决定书文号": f"汝市监罚〔2026〕{n}号", "处罚决定日期": ON_TIME,
                         "处罚类别": "罚款", "罚款金额（万元）": 0.2, "处罚内容": "罚款0.2万元", **changes})


def _person(n: int, name: str, document: str, number: str, **changes: Any) -> dict[str, Any]:
    return _row(n, **{"行政相对人名称": name, "行政相对人类别": "自然人", "行政相对人代码_1": None,
                      "法定代表人": None, "法定代表人证件类型": None, "法定代表人证件号码": None,
                      "证件类型": document, "证件号码": number, **changes})


ROWS = [
    _row(1, **{"行政相对人名称": "汝阳测试商贸有限公司", "行政相对人代码_1": COMPANY, "公示截止期": date(2027, 2, 13)}),
    _person(2, NAME_A, "身份证", PERSON_A, 公示截止期=date(2026, 8, 13)),
    _person(3, NAME_A, "身份证", PERSON_A, 违法事实="无证经营"),
    _person(4, NAME_B, "护照号", PERSON_B),
    _person(2, NAME_A, "身份证", PERSON_A),
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("persons") / "persons.xlsx", PENALTY_HEADERS, ROWS)


@pytest.fixture(scope="module")
async def imported(source: Path, neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> Any:
    await remove_subjects(hub, [COMPANY])
    await _forget(hub)
    # A is also the company's legal representative: one person, one fingerprint, whatever way met
    await add_subject(hub, COMPANY, person_id=PERSON_A, person_name=NAME_A)
    await register_bank(hub, BANK)
    result = _cli(neo4j_credentials, "import", "shuanggongshi", str(source), "--received-on", RECEIVED.isoformat(),
                  "--source-platform", PLATFORM)
    assert result.returncode == 0, result.stderr
    yield result
    await remove_subjects(hub, [COMPANY])
    await _forget(hub)


async def _forget(hub: CreditHub) -> None:
    await hub.gateway.run("MATCH (r:PersonRecord {source_platform: $p}) DETACH DELETE r", {"p": PLATFORM}, write=True)
    fingerprints = [hub.vault.seal(PERSON_A).fingerprint, hub.vault.seal_document("护照号", PERSON_B).fingerprint]
    await hub.gateway.run("UNWIND $f AS f MATCH (p:Person {fingerprint: f}) DETACH DELETE p", {"f": fingerprints},
                          write=True)


@pytest.fixture(scope="module")
def error_report(imported: Any, source: Path) -> str:
    return source.with_name(source.name + ".errors.csv").read_text("utf-8-sig")


async def test_the_import_keeps_them_and_says_so(imported: Any, error_report: str, hub: CreditHub) -> None:
    out = imported.stdout
    assert "读取 5 行（行政处罚），待入库 1 行，拒收 1 行" in out
    assert "涉及自然人 3 行（以密封的证件号码为键保存 3 条，仅限内部）" in out
    assert "；保存涉及自然人的决定 3 条，仅限内部（" in out
    assert "row 3 already reports" in error_report and "证件号码" in error_report  # row 6 is row 3 again
    assert "第 6 行与第 3 行重复：同一「证件号码」" in error_report
    rows = await hub.gateway.run(
        "MATCH (r:PersonRecord {source_platform: $p})-[:CONCERNS]->(person:Person) "
        "RETURN r { .* } AS r, person { .* } AS person, labels(r) AS labels ORDER BY r.document_number",
        {"p": PLATFORM})
    assert len(rows) == 3
    assert {row["r"]["disclosure"] for row in rows} == {"INTERNAL"}  # 公示截止期 in the file or not
    assert all(row["labels"] == ["PersonRecord"] for row in rows)  # not a Record: no feed, grade or profile
    assert all("seq" not in row["r"] and "publicity_ends_on" not in row["r"] for row in rows)
    # the number is nowhere in clear; the person node is the legal representative's, unchanged
    for row in rows:
        assert PERSON_A not in repr(row) and PERSON_B not in repr(row)
    a = [row["person"] for row in rows if row["r"]["person_name"] == NAME_A]
    assert len(a) == 2 and a[0]["fingerprint"] == hub.vault.seal(PERSON_A).fingerprint
    assert a[0]["name"] == NAME_A and hub.vault.unseal(a[0]["id_sealed"]) == PERSON_A
    company = await hub.gateway.run("MATCH (s:Subject {uscc: $c})<-[:ABOUT]-(r:Record) RETURN count(r) AS n",
                                    {"c": COMPANY})
    assert company[0]["n"] == 1


async def test_importing_the_file_again_changes_nothing(
        imported: Any, source: Path, neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> None:
    again = _cli(neo4j_credentials, "import", "shuanggongshi", str(source), "--received-on", RECEIVED.isoformat(),
                 "--source-platform", PLATFORM)
    assert again.returncode == 0, again.stderr
    assert "保存涉及自然人的决定 3 条，仅限内部（新增或变更 0 条）" in again.stdout
    count = await hub.gateway.run("MATCH (r:PersonRecord {source_platform: $p}) RETURN count(r) AS n", {"p": PLATFORM})
    assert count[0]["n"] == 3


async def test_an_internal_viewer_finds_them_by_the_number(
        imported: Any, client: httpx.AsyncClient, settings: Settings) -> None:
    agency = bearer(settings, "agency", "汝阳县市场监督管理局")
    body = await gql(client, QUERY, agency, n=PERSON_A.lower())  # a lower-case x is the same number
    assert "errors" not in body, body
    found = body["data"]["personRecords"]
    assert sorted(r["documentNumber"] for r in found) == ["汝市监罚〔2026〕2号", "汝市监罚〔2026〕3号"]
    assert {(r["personName"], r["idMasked"], r["disclosure"], r["kind"], r["issuingDepartment"], r["decidedOn"])
            for r in found} == {(NAME_A, PERSON_A[:6] + "********" + PERSON_A[-4:], "INTERNAL",
                                 "ADMINISTRATIVE_PENALTY", AUTHORITY, ON_TIME.isoformat())}
    assert all(r["id"].startswith("sgsp-") and PERSON_A not in str(r) for r in found)
    passport = (await gql(client, QUERY, agency, n="e1234 5678", t="护照号"))["data"]["personRecords"]
    assert [(r["personName"], r["idMasked"]) for r in passport] == [(NAME_B, "E1*****78")]
    assert (await gql(client, QUERY, agency, n=PERSON_B))["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await gql(client, QUERY, agency, n=UNKNOWN))["data"]["personRecords"] == []
    invalid = await gql(client, QUERY, agency, n=INVALID)
    assert invalid["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and INVALID not in str(invalid)


async def test_the_lookup_is_audited_without_the_number(
        imported: Any, client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    await gql(client, QUERY, bearer(settings, "admin", "汝阳县信用办"), n=PERSON_A)
    await hub.audit_log.drain()
    rows = await hub.gateway.run("MATCH (a:AuditEntry) WHERE a.detail CONTAINS 'Query.personRecords' "
                                 "RETURN a.detail AS detail, a.tier AS tier")
    masked = PERSON_A[:6] + "********" + PERSON_A[-4:]
    assert any(masked in row["detail"] and row["tier"] == "INTERNAL" for row in rows)
    everything = await hub.gateway.run("MATCH (a:AuditEntry) RETURN collect(a.detail) AS all")
    assert PERSON_A not in str(everything)


@pytest.mark.parametrize("who", ["public", "bank"])
async def test_a_public_or_bank_caller_cannot_tell_whether_a_person_has_a_record(
        who: str, imported: Any, client: httpx.AsyncClient, settings: Settings) -> None:
    headers = {} if who == "public" else bearer(settings, "bank", BANK)
    answers = [await gql(client, QUERY, headers, n=number, t=kind)
               for number, kind in ((PERSON_A, None), (UNKNOWN, None), (INVALID, None), (PERSON_B, "护照号"))]
    assert answers[0].get("data", {}) in (None, {"personRecords": None})
    assert answers[0]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert all(answer == answers[0] for answer in answers)  # no count, no error difference
    # nor through the subjects: the person is no subject, the company shows its own record only
    search = await gql(client, '{ subjects(search: "汝阳测试甲") { edges { node { uscc } } } }', headers)
    assert search["data"]["subjects"]["edges"] == []
    profile = await gql(client, "query($c: String!) { subject(uscc: $c) { records { id title } } }", headers,
                        c=COMPANY)
    assert [r["title"] for r in profile["data"]["subject"]["records"]] == ["销售超过保质期的食品"]


async def test_they_never_go_up_the_feed(imported: Any, hub: CreditHub) -> None:
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = await hub.exchange.page_for("test-person-records-parent", Scope.UP, after, 1000)
        payload = orjson.loads(base64.urlsafe_b64decode(page.signed.split(".")[1] + "=="))
        items += payload["items"]
        after = payload["cursor"]
        if not payload["items"]:
            break
    text = orjson.dumps(items).decode()
    assert COMPANY in text  # the enterprise's record went up, as records do
    for secret in (PERSON_A, PERSON_B, NAME_A, NAME_B, "sgsp-", PERSON_A[:6] + "********" + PERSON_A[-4:]):
        assert secret not in text
