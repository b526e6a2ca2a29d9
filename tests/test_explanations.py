"""An explanation shown to a viewer cites only what that viewer may see (docs/tiers.md, Explanations).

Subjects are graded for real (hub.regrade) from records of every tier, a penalty past its publicity
window and lists that force the grade; then every viewer reads the explanations through HTTP — on the
subject, in a page of subjects and in a credit report — and each response is searched for what the
viewer may not see: record ids, indicator labels, counts in notes, override flags. The lines must
still add up to the score. INTERNAL viewers are shown it all, so each search can fail.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.db import consents
from hub.disclosure import ConsentScope
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_record, add_subject, bearer, gql, register_bank, remove_subjects, uscc

pytestmark = pytest.mark.usefixtures("china_clock")  # publicity windows end on China dates

REGION = "410422"
MIXED, EXECUTEE, CLEAN, OLD = (uscc(970 + n, region=REGION) for n in range(4))
BANK, NARROW_BANK = "解释测试银行", "解释测试银行（仅评价）"

# record suffix → (kind, disclosure, severity, publicity window end in days or None, title, its indicator's label)
MIXED_RECORDS = {
    "honor": ("HONOR", "PUBLIC", None, None, "县级诚信企业", "表彰奖励"),
    "minor": ("ADMINISTRATIVE_PENALTY", "PUBLIC", "MINOR", 100, "警告", "行政处罚（轻微）"),
    "closed": ("ADMINISTRATIVE_PENALTY", "PUBLIC", "GENERAL", -1, "罚款", "行政处罚（一般）"),
    "complaint": ("COMPLAINT", "INTERNAL", None, None, "投诉举报核查属实", "投诉举报（经核查属实）"),
    "incident": ("SAFETY_INCIDENT", "AUTHORIZED", "GENERAL", None, "一般质量事故", "安全质量事故"),
    "list": ("SERIOUS_DISHONESTY_LIST", "AUTHORIZED", None, 300, "列入严重失信主体名单", "列入严重失信主体名单"),
}
SEEN_BY = {  # which of MIXED's records each viewer may see
    "public": {"honor", "minor"},
    "narrow": {"honor", "minor"},  # a bank whose consent opens evaluations only, not records
    "bank": {"honor", "minor", "incident", "list"},
    "agency": set(MIXED_RECORDS),
}


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    """Written under china_clock's stopped clock: an autouse fixture is set up before the module's
    `usefixtures` ones, so without asking for it the world was dated by the machine's clock (after 16:00
    UTC a day ahead of the 15:59 world it was judged in)."""
    await remove_subjects(hub, [MIXED, EXECUTEE, CLEAN, OLD])
    today, now = clock.today(), clock.now()
    for code in (MIXED, EXECUTEE, CLEAN, OLD):
        await add_subject(hub, code)
    for suffix, (kind, disclosure, severity, ends, title, _) in MIXED_RECORDS.items():
        await add_record(hub, MIXED, f"{MIXED}-{suffix}", kind=kind, disclosure=disclosure, severity=severity,
                         title=title, decided_on=today - timedelta(days=30),
                         publicity_ends_on=today + timedelta(days=ends) if ends is not None else None)
    await add_record(hub, EXECUTEE, f"{EXECUTEE}-executee", kind="DISHONEST_EXECUTEE", disclosure="AUTHORIZED",
                     title="失信被执行人", decided_on=today - timedelta(days=30),
                     publicity_ends_on=today + timedelta(days=300))
    await add_record(hub, CLEAN, f"{CLEAN}-honor", kind="HONOR", disclosure="PUBLIC", title="市级诚信企业",
                     decided_on=today - timedelta(days=30))
    await register_bank(hub, BANK, NARROW_BANK)
    for code, grantee, scopes in ((MIXED, BANK, frozenset(ConsentScope)), (EXECUTEE, BANK, frozenset(ConsentScope)),
                                  (MIXED, NARROW_BANK, frozenset({ConsentScope.EVALUATIONS}))):
        await consents.create_consent(hub.gateway, Consent(
            id=f"consent-{code[-6:]}-{len(grantee)}", subject_uscc=code, grantee=grantee, purpose="信易贷",
            granted_at=now - timedelta(days=1), expires_at=now + timedelta(days=30), granted_by="admin:test",
            scopes=scopes))
    await hub.regrade([MIXED, EXECUTEE, CLEAN])
    # An explanation stored before lines said what they rest on: it cites an INTERNAL record.
    await add_evaluation(hub, OLD, f"{OLD}-old", scheme="henan-public-credit", grade="良", disclosure="PUBLIC",
                         score=77.0)
    await hub.gateway.run("MATCH (e:Evaluation {id: $id}) SET e.explanation = $text", {
        "id": f"{OLD}-old", "text": json.dumps({
            "contributions": [{"indicator": "base", "label": "基础分", "points": 80, "record_ids": []},
                              {"indicator": "deduct.complaint", "label": "投诉举报", "points": -3,
                               "record_ids": [f"{OLD}-secret"], "note": "1 × -3"}],
            "reasons": ["score 77 is in (70, 85]: 良", "on the joint-punishment list: no override"]})}, write=True)


def viewers(settings: Settings) -> dict[str, dict[str, str]]:
    return {"public": {}, "narrow": bearer(settings, "bank", NARROW_BANK), "bank": bearer(settings, "bank", BANK),
            "agency": bearer(settings, "agency", "县市场监管局")}


EVALUATION = "scheme score grade reasons explanation { indicator label points recordIds note }"


async def public_credit(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> dict[str, Any]:
    body = await gql(client, f'{{ subject(uscc: "{code}") {{ evaluations(current: true) {{ {EVALUATION} }} }} }}',
                     headers)
    [evaluation] = [e for e in body["data"]["subject"]["evaluations"] if e["scheme"] == "henan-public-credit"]
    return evaluation


def assert_adds_up(evaluation: dict[str, Any]) -> None:
    assert sum(line["points"] for line in evaluation["explanation"]) == pytest.approx(evaluation["score"])


def hidden_from(viewer: str) -> set[str]:
    return set(MIXED_RECORDS) - SEEN_BY[viewer]


@pytest.mark.parametrize("viewer", sorted(SEEN_BY))
async def test_an_explanation_cites_only_what_its_viewer_may_see(client: httpx.AsyncClient, settings: Settings,
                                                                viewer: str) -> None:
    evaluation = await public_credit(client, viewers(settings)[viewer], MIXED)
    text = json.dumps(evaluation, ensure_ascii=False)
    cited = {rid.removeprefix(f"{MIXED}-") for line in evaluation["explanation"] for rid in line["recordIds"]}
    assert cited == SEEN_BY[viewer]
    for suffix in hidden_from(viewer):
        assert f"{MIXED}-{suffix}" not in text
        assert MIXED_RECORDS[suffix][5] not in text, f"{viewer} is told the label of {suffix}"
    assert_adds_up(evaluation)
    folded = [line for line in evaluation["explanation"] if line["indicator"] == "undisclosed"]
    if hidden_from(viewer):
        [line] = folded
        assert line["recordIds"] == [] and not any(ch.isdigit() for ch in line["note"] + line["label"])
    else:
        assert folded == []
    # the list record forces the bottom grade: its override is a reason only where the record is seen
    assert ("serious-dishonesty list" in text) is ("list" in SEEN_BY[viewer])


async def test_the_folded_line_is_the_score_less_what_is_shown(client: httpx.AsyncClient,
                                                               settings: Settings) -> None:
    full = await public_credit(client, viewers(settings)["agency"], MIXED)
    points = {line["indicator"]: line["points"] for line in full["explanation"]}
    public = await public_credit(client, viewers(settings)["public"], MIXED)
    shown = {line["indicator"]: line["points"] for line in public["explanation"]}
    assert set(shown) == {"base", "bonus.years_in_business", "bonus.honor", "deduct.penalty.minor", "undisclosed"}
    assert shown["undisclosed"] == pytest.approx(sum(p for i, p in points.items() if i not in shown))
    bank = await public_credit(client, viewers(settings)["bank"], MIXED)
    assert {line["indicator"] for line in bank["explanation"]} == set(shown) | {
        "deduct.safety_incident", "deduct.serious_dishonesty_list"}


async def test_an_override_resting_on_what_is_hidden_is_a_reason_that_names_nothing(
        client: httpx.AsyncClient, settings: Settings) -> None:
    public = await public_credit(client, viewers(settings)["public"], EXECUTEE)
    assert public["grade"] == "差"
    text = json.dumps(public, ensure_ascii=False)
    for told in ("失信被执行人", "joint-punishment", "judgment debtor", f"{EXECUTEE}-executee"):
        assert told not in text, told
    assert public["reasons"][0].startswith("score ")
    assert public["reasons"][1:] == ["the grade was set by an override resting on what you may not see (未公开信息)"]
    assert_adds_up(public)
    bank = await public_credit(client, viewers(settings)["bank"], EXECUTEE)
    assert any("joint-punishment" in reason for reason in bank["reasons"])
    assert any(f"{EXECUTEE}-executee" in line["recordIds"] for line in bank["explanation"])


async def test_a_bonus_for_no_adverse_record_is_government_knowledge(client: httpx.AsyncClient,
                                                                     settings: Settings) -> None:
    public = await public_credit(client, viewers(settings)["public"], CLEAN)
    assert "长期无不良记录" not in json.dumps(public, ensure_ascii=False)
    assert [line["points"] for line in public["explanation"] if line["indicator"] == "undisclosed"] == [4]
    agency = await public_credit(client, viewers(settings)["agency"], CLEAN)
    assert "长期无不良记录" in json.dumps(agency, ensure_ascii=False)


async def test_an_explanation_stored_before_grounds_shows_the_base_only(client: httpx.AsyncClient,
                                                                        settings: Settings) -> None:
    public = await public_credit(client, viewers(settings)["public"], OLD)
    assert public["explanation"] == [
        {"indicator": "base", "label": "基础分", "points": 80, "recordIds": [], "note": ""},
        {"indicator": "undisclosed", "label": "未向您公开的信息（合计）", "points": -3, "recordIds": [],
         "note": "what you may not see, summed: no record, indicator or count of it is given"}]
    assert public["reasons"] == ["score 77 is in (70, 85]: 良"]
    agency = await public_credit(client, viewers(settings)["agency"], OLD)
    assert f"{OLD}-secret" in json.dumps(agency)


async def test_pages_and_credit_reports_explain_the_same_way(client: httpx.AsyncClient,
                                                             settings: Settings) -> None:
    # first: 5 (the module has four subjects in its region) keeps the query under HUB_MAX_QUERY_COST
    page = await gql(client, f"""{{ subjects(search: "91{REGION}", first: 5) {{ nodes {{ uscc
        evaluations(current: true) {{ {EVALUATION} }} }} }} }}""")
    [mixed] = [n for n in page["data"]["subjects"]["nodes"] if n["uscc"] == MIXED]
    single = await public_credit(client, {}, MIXED)
    assert [e for e in mixed["evaluations"] if e["scheme"] == "henan-public-credit"] == [single]
    report = await gql(client, f'{{ creditReport(uscc: "{MIXED}") {{ evaluations {{ {EVALUATION} }} }} }}',
                       viewers(settings)["narrow"])
    [evaluation] = [e for e in report["data"]["creditReport"]["evaluations"] if e["scheme"] == "henan-public-credit"]
    text = json.dumps(evaluation, ensure_ascii=False)
    for suffix in hidden_from("narrow"):
        assert f"{MIXED}-{suffix}" not in text and MIXED_RECORDS[suffix][5] not in text
    assert_adds_up(evaluation)


async def test_what_an_explanation_cites_is_audited_at_its_tier(client: httpx.AsyncClient, settings: Settings,
                                                                hub: CreditHub) -> None:
    async def reads() -> list[str]:
        rows = await hub.gateway.run("MATCH (a:AuditEntry {subject_uscc: $c, actor: $actor, action: 'read'}) "
                                     "RETURN a.tier AS tier ORDER BY a.seq", {"c": EXECUTEE, "actor": f"bank:{BANK}"})
        return [row["tier"] for row in rows]

    before = await reads()
    grades = f'{{ subject(uscc: "{EXECUTEE}") {{ evaluations(current: true) {{ scheme grade }} }} }}'
    await gql(client, grades, viewers(settings)["bank"])
    assert await reads() == before  # a PUBLIC evaluation read is not audited
    cited = f'{{ subject(uscc: "{EXECUTEE}") {{ evaluations(current: true) {{ explanation {{ recordIds }} }} }} }}'
    await gql(client, cited, viewers(settings)["bank"])
    assert await reads() == [*before, "AUTHORIZED"]  # it cited an AUTHORIZED record
