"""Scoring models (hub.grading.scoring): pure, no database — facts are built by hand."""

from __future__ import annotations

import math
import random
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.disclosure import Disclosure
from hub.explanation import Grounds
from hub.grading.schemes import SchemeRegistry, classify
from hub.grading.scoring import CATALOGUE_DIR, ModelError, ModelRegistry, ScoringError, UnknownModel, load_model
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    HIGH_ATTENTION_INDUSTRY,
    JOINT_PUNISHMENT_LIST,
    SERIOUS_DISHONESTY_LIST,
    RelatedParty,
    Score,
    SubjectFacts,
)
from hub.models import CreditRecord, RecordKind, RecordStatus, Severity, Subject, SubjectKind

AS_OF = date(2025, 6, 30)
USCC = "91410425MA00000017"
SCORED = ("henan-public-credit", "shanxi-public-credit", "henan-market-risk", "jiaxian-food-industry",
          "quanzhou-industry")
ALL_SCHEMES = (*SCORED, "heilongjiang-industry")


@pytest.fixture(scope="module")
def models() -> ModelRegistry:
    return ModelRegistry()


def subject(*, industry: str | None = "批发零售", registered_on: date | None = date(2012, 3, 1),
            status: str = "存续", kind: SubjectKind = SubjectKind.ENTERPRISE) -> Subject:
    return Subject(USCC, "郏县测试商贸有限公司", kind, "410425", industry, status, registered_on)


_serial = iter(range(1, 10**9))


def rec(kind: RecordKind, *, days_ago: int | None = 100, severity: Severity | None = None, title: str = "记录",
        content: str | None = None, status: RecordStatus = RecordStatus.ACTIVE, kept: bool | None = None,
        ends: date | None = None, record_id: str | None = None) -> CreditRecord:
    return CreditRecord(record_id or f"r{next(_serial)}", USCC, kind, title,
                        None if days_ago is None else AS_OF - timedelta(days=days_ago), "410425-SCJG", "test",
                        Disclosure.PUBLIC, status, severity, ends, None, content, None, kept)


def penalty(severity: Severity = Severity.GENERAL, **kwargs: object) -> CreditRecord:
    return rec(RecordKind.ADMINISTRATIVE_PENALTY, severity=severity, title="生产的食品标签不符合规定",
               content="处罚依据：《中华人民共和国食品安全法》", **kwargs)  # type: ignore[arg-type]


def facts(*records: CreditRecord, related: tuple[RelatedParty, ...] = (), public: float | None = None,
          **subject_kwargs: object) -> SubjectFacts:
    return SubjectFacts(subject(**subject_kwargs), AS_OF, tuple(records), related, public)  # type: ignore[arg-type]


def mixed_records() -> tuple[CreditRecord, ...]:
    """About ten records of every kind an indicator reads."""
    return (
        rec(RecordKind.ADMINISTRATIVE_LICENSE, title="食品经营许可", days_ago=200),
        rec(RecordKind.HONOR, title="诚信经营示范店", days_ago=400),
        rec(RecordKind.COMMITMENT, kept=True, days_ago=300),
        rec(RecordKind.COMMITMENT, kept=False, days_ago=500),
        penalty(Severity.MINOR, days_ago=30),
        penalty(Severity.GENERAL, days_ago=700),
        rec(RecordKind.INSPECTION_RESULT, title="食品安全监督抽检", content="检查结果：不合格"),
        rec(RecordKind.INSPECTION_RESULT, title="食品安全监督抽检", content="检查结果：未发现问题"),
        rec(RecordKind.COMPLAINT, title="投诉举报：商品质量问题", content="核查结果：属实，已责令整改"),
        rec(RecordKind.COMPLAINT, title="投诉举报：缺斤短两", content="核查结果：不属实"),
        rec(RecordKind.SAFETY_INCIDENT, title="食品质量安全事故", severity=Severity.MINOR),
    )


def cited(score: Score) -> set[str]:
    return {rid for c in score.contributions for rid in c.record_ids}


def points(score: Score, indicator: str) -> float:
    return sum(c.points for c in score.contributions if c.indicator == indicator)


# ---- explanations --------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCORED)
@pytest.mark.parametrize("records", [(), mixed_records(), tuple(penalty(Severity.SERIOUS) for _ in range(6))])
def test_contributions_add_up_to_the_score(models: ModelRegistry, scheme: str,
                                           records: tuple[CreditRecord, ...]) -> None:
    score = models.get(scheme).score(facts(*records))
    assert score.value is not None
    assert math.isclose(sum(c.points for c in score.contributions), score.value, abs_tol=1e-9)
    assert all(c.points != 0 for c in score.contributions)


def test_every_counted_record_is_cited_with_its_indicator(models: ModelRegistry) -> None:
    minor, serious = penalty(Severity.MINOR), penalty(Severity.SERIOUS)
    score = models.get("henan-public-credit").score(facts(minor, serious))
    by_indicator = {c.indicator: c for c in score.contributions}
    assert by_indicator["deduct.penalty.minor"].record_ids == (minor.id,)
    assert by_indicator["deduct.penalty.serious"].record_ids == (serious.id,)
    assert by_indicator["deduct.penalty.serious"].points == -10
    assert "bonus.clean_record" not in by_indicator


def test_a_clean_established_subject_scores_base_plus_bonuses(models: ModelRegistry) -> None:
    score = models.get("henan-public-credit").score(facts())
    assert [c.indicator for c in score.contributions] == ["base", "bonus.years_in_business", "bonus.clean_record"]
    assert score.value == 80 + 4 + 4
    assert score.flags == frozenset()


def test_a_capped_indicator_stops_at_its_cap(models: ModelRegistry) -> None:
    score = models.get("henan-public-credit").score(facts(*(penalty(Severity.MINOR) for _ in range(5))))
    assert points(score, "deduct.penalty.minor") == -6
    assert len(next(c for c in score.contributions if c.indicator == "deduct.penalty.minor").record_ids) == 5


# ---- clamping ------------------------------------------------------------------------------------

def test_public_score_clamps_at_zero(models: ModelRegistry) -> None:
    records = (rec(RecordKind.SERIOUS_DISHONESTY_LIST), rec(RecordKind.DISHONEST_EXECUTEE),
               *(penalty(Severity.SERIOUS) for _ in range(4)), *(penalty(Severity.GENERAL) for _ in range(4)))
    score = models.get("henan-public-credit").score(facts(*records))
    assert score.value == 0
    assert score.contributions[-1].indicator == "clamp"
    assert math.isclose(sum(c.points for c in score.contributions), 0, abs_tol=1e-9)


def test_public_score_clamps_at_100(tmp_path: Path) -> None:
    text = (CATALOGUE_DIR / "public-credit.yaml").read_text(encoding="utf-8").replace("base: 80", "base: 95")
    (tmp_path / "public-credit.yaml").write_text(text, encoding="utf-8")
    model = load_model(tmp_path / "public-credit.yaml")
    honours = [rec(RecordKind.HONOR) for _ in range(3)]
    score = model.score(facts(*honours))
    assert score.value == 100
    assert score.contributions[-1].indicator == "clamp" and score.contributions[-1].points == -9


def test_market_risk_clamps_at_1000(models: ModelRegistry) -> None:
    records = (rec(RecordKind.SERIOUS_DISHONESTY_LIST), rec(RecordKind.DISHONEST_EXECUTEE),
               rec(RecordKind.ABNORMAL_OPERATION), *(penalty(Severity.SERIOUS) for _ in range(3)))
    score = models.get("henan-market-risk").score(facts(*records, status="吊销"))
    assert score.value == 1000
    assert score.contributions[-1].indicator == "clamp"


# ---- the look-back window ------------------------------------------------------------------------

@pytest.mark.parametrize(("decided_on", "counts"), [
    (date(2022, 6, 30), True),  # exactly 3 years before as_of: the window is closed
    (date(2022, 6, 29), False),
    (AS_OF, True),
    (AS_OF + timedelta(days=1), False),  # after as_of: not yet known to the evaluation
])
def test_penalties_count_inside_the_three_year_window_by_decision_date(models: ModelRegistry, decided_on: date,
                                                                       counts: bool) -> None:
    record = replace(penalty(), decided_on=decided_on)
    for scheme in ("henan-public-credit", "henan-market-risk"):
        score = models.get(scheme).score(facts(record))
        assert (record.id in cited(score)) is counts


def test_an_undated_penalty_lies_in_no_window(models: ModelRegistry) -> None:
    record = penalty(days_ago=None)
    assert record.id not in cited(models.get("henan-public-credit").score(facts(record)))


def test_recent_licences_use_their_own_one_year_window(models: ModelRegistry) -> None:
    model = models.get("henan-market-risk")
    recent, old = rec(RecordKind.ADMINISTRATIVE_LICENSE, days_ago=100), rec(RecordKind.ADMINISTRATIVE_LICENSE,
                                                                             days_ago=500)
    score = model.score(facts(recent, old))
    assert points(score, "dynamics.recent_licence") == -10
    assert recent.id in cited(score) and old.id not in cited(score)


# ---- repaired and withdrawn records never count --------------------------------------------------

@pytest.mark.parametrize("scheme", ALL_SCHEMES)
@pytest.mark.parametrize("status", [RecordStatus.REPAIRED, RecordStatus.WITHDRAWN])
@pytest.mark.parametrize("kind", [RecordKind.ADMINISTRATIVE_PENALTY, RecordKind.SERIOUS_DISHONESTY_LIST])
def test_a_repaired_or_withdrawn_record_contributes_nothing_and_is_not_cited(
        models: ModelRegistry, scheme: str, status: RecordStatus, kind: RecordKind) -> None:
    # seed 002 §三.(五).2: 标记为已修复状态，不再纳入评价依据; seed 001 §二.(二).5
    model = models.get(scheme)
    gone = rec(kind, severity=Severity.SERIOUS, status=status, title="食品安全违法", content="食品安全法")
    base = facts(*mixed_records(), public=75.0)
    with_gone = replace(base, records=(*base.records, gone))
    assert model.score(with_gone) == model.score(base)
    assert gone.id not in cited(model.score(with_gone))


# ---- flags ---------------------------------------------------------------------------------------

def test_serious_dishonesty_list_raises_its_flag_and_the_joint_punishment_flag(models: ModelRegistry) -> None:
    listing = rec(RecordKind.SERIOUS_DISHONESTY_LIST, ends=AS_OF + timedelta(days=400))
    public = models.get("henan-public-credit").score(facts(listing))
    assert public.flags == {SERIOUS_DISHONESTY_LIST, JOINT_PUNISHMENT_LIST}
    assert points(public, "deduct.serious_dishonesty_list") == -40
    assert models.get("henan-market-risk").score(facts(listing)).flags == {SERIOUS_DISHONESTY_LIST}


def test_dishonest_executee_raises_its_flag_and_the_joint_punishment_flag(models: ModelRegistry) -> None:
    executee = rec(RecordKind.DISHONEST_EXECUTEE)
    assert models.get("shanxi-public-credit").score(facts(executee)).flags == {DISHONEST_EXECUTEE,
                                                                               JOINT_PUNISHMENT_LIST}
    assert models.get("henan-market-risk").score(facts(executee)).flags == {DISHONEST_EXECUTEE}


@pytest.mark.parametrize("record", [
    rec(RecordKind.SERIOUS_DISHONESTY_LIST, ends=AS_OF - timedelta(days=1)),  # the listing has ended
    rec(RecordKind.SERIOUS_DISHONESTY_LIST, status=RecordStatus.REPAIRED),
    rec(RecordKind.SERIOUS_DISHONESTY_LIST, days_ago=-10),  # listed after as_of
])
def test_a_listing_that_is_not_current_raises_no_flag(models: ModelRegistry, record: CreditRecord) -> None:
    for scheme in ("henan-public-credit", "henan-market-risk"):
        score = models.get(scheme).score(facts(record))
        assert not score.flags and record.id not in cited(score)


def test_high_attention_industry_flag_follows_the_catalogue_list(models: ModelRegistry) -> None:
    model = models.get("henan-market-risk")
    assert HIGH_ATTENTION_INDUSTRY in model.score(facts(industry="食品生产")).flags
    assert HIGH_ATTENTION_INDUSTRY not in model.score(facts(industry="批发零售")).flags
    assert HIGH_ATTENTION_INDUSTRY not in model.score(facts(industry=None)).flags


def test_a_department_catalogue_replaces_the_high_attention_list(tmp_path: Path) -> None:
    text = (CATALOGUE_DIR / "henan-market-risk.yaml").read_text(encoding="utf-8").replace(
        "high_attention_industries: [食品生产, 药品零售, 特种设备, 危险化学品]", "high_attention_industries: [餐饮]")
    (tmp_path / "henan-market-risk.yaml").write_text(text, encoding="utf-8")
    model = ModelRegistry(tmp_path).get("henan-market-risk")
    assert model.path == tmp_path / "henan-market-risk.yaml"
    assert HIGH_ATTENTION_INDUSTRY in model.score(facts(industry="餐饮")).flags
    assert HIGH_ATTENTION_INDUSTRY not in model.score(facts(industry="食品生产")).flags


# ---- related parties -----------------------------------------------------------------------------

def test_related_parties_on_the_lists_raise_the_market_risk_score(models: ModelRegistry) -> None:
    model = models.get("henan-market-risk")
    alone = model.score(facts()).value
    related = (RelatedParty("91410425MA0000002X", True, False), RelatedParty("91410425MA0000003Y", True, True),
               RelatedParty("91410425MA0000003Y", True, True),  # the same subject twice counts once
               RelatedParty(USCC, True, True),  # the subject itself is not its own related party
               RelatedParty("91410425MA0000004Z", False, False))
    score = model.score(facts(related=related))
    assert alone is not None and score.value == alone + 2 * 80 + 60
    assert "91410425MA0000003Y" in next(c.note for c in score.contributions
                                        if c.indicator == "related.serious_dishonesty_list")
    assert not score.flags  # a related party's listing is not the subject's (seed 004 第十条 speaks of 当前被列入)


# ---- industry models -----------------------------------------------------------------------------

def industry_model(weights: list[float], *, public: float) -> str:
    lines = ["id: jiaxian-food-industry", "model: industry", "name: 测试行业模型", "source: test",
             "schemes: [jiaxian-food-industry]", "scale: 100", "lookback_years: 3",
             f"public_credit: {{weight: {public}, scale: 100}}", "indicators:"]
    for n, weight in enumerate(weights):
        lines += [f"  - id: i{n}", f"    label: 指标{n}", "    kind: commitment_kept_rate", f"    weight: {weight}"]
    return "\n".join(lines) + "\n"


def test_industry_model_with_public_weight_below_the_average_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jiaxian-food-industry.yaml"
    path.write_text(industry_model([0.3, 0.3, 0.3, 0.05], public=0.05), encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "jiaxian-food-industry.yaml" in message
    assert ("jiaxian-food-industry model: the public credit score's weight 0.05 is below the average indicator "
            "weight 0.20 (seed 002 §三.(一).3: 公共信用综合评价指标权重和分值不得低于平均值)") in message


def test_industry_model_with_public_weight_exactly_at_the_average_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "jiaxian-food-industry.yaml"
    path.write_text(industry_model([0.2, 0.2, 0.2, 0.2], public=0.2), encoding="utf-8")
    model = load_model(path)
    assert model.score(facts(public=100.0)).value == 100


def test_an_average_that_is_not_a_round_number_is_judged_with_tolerance(tmp_path: Path) -> None:
    path = tmp_path / "jiaxian-food-industry.yaml"
    third = 1 / 3
    path.write_text(industry_model([third, third], public=1 - 2 * third), encoding="utf-8")
    load_model(path)


@pytest.mark.parametrize("weights", [[0.2, 0.2, 0.2], [0.3, 0.3, 0.3]])
def test_industry_weights_that_do_not_sum_to_one_are_refused(tmp_path: Path, weights: list[float]) -> None:
    path = tmp_path / "jiaxian-food-industry.yaml"
    path.write_text(industry_model(weights, public=0.3), encoding="utf-8")
    with pytest.raises(ModelError, match="weights sum to"):
        load_model(path)


def test_an_unknown_industry_indicator_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jiaxian-food-industry.yaml"
    path.write_text(industry_model([0.5], public=0.5).replace("commitment_kept_rate", "vibes"), encoding="utf-8")
    with pytest.raises(ModelError, match=r"unknown indicator kind 'vibes'.*record_count"):
        load_model(path)


def test_a_bad_department_catalogue_stops_the_registry_and_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "quanzhou-industry.yaml").write_text(industry_model([0.3, 0.3, 0.3], public=0.1).replace(
        "jiaxian-food-industry", "quanzhou-industry"), encoding="utf-8")
    with pytest.raises(ModelError, match=r"quanzhou-industry\.yaml: quanzhou-industry model: the public credit"):
        ModelRegistry(tmp_path)


def test_industry_score_overlays_the_public_score(models: ModelRegistry) -> None:
    model = models.get("jiaxian-food-industry")
    assert model.score(facts(public=100.0)).value == 100
    failed = rec(RecordKind.INSPECTION_RESULT, title="食品安全监督抽检", content="检查结果：不合格")
    passed = rec(RecordKind.INSPECTION_RESULT, title="食品安全监督抽检", content="检查结果：未发现问题")
    score = model.score(facts(failed, passed, public=80.0))
    # 100 − 100 × 0.35 × (1 − 0.8) − 100 × 0.2 × (1 − 1/2)
    assert score.value == pytest.approx(100 - 7 - 10)
    assert next(c for c in score.contributions if c.indicator == "food.inspection_pass_rate").record_ids == (
        failed.id,)


def test_industry_model_computes_the_public_score_when_none_is_given(models: ModelRegistry) -> None:
    public = models.get("henan-public-credit").score(facts(penalty())).value
    score = models.get("quanzhou-industry").score(facts(penalty()))
    assert public is not None
    note = next(c.note for c in score.contributions if c.indicator == "public_credit")
    assert "computed by henan-public-credit" in note
    assert points(score, "public_credit") == pytest.approx(-1000 * 0.3 * (1 - public / 100))


def test_industry_model_refuses_a_public_score_outside_its_scale(models: ModelRegistry) -> None:
    with pytest.raises(ScoringError, match="outside"):
        models.get("jiaxian-food-industry").score(facts(public=120.0))


# ---- the categorical model -----------------------------------------------------------------------

@pytest.mark.parametrize(("records", "expected"), [
    ((), {"CATEGORY:诚信守法", "GRADE:A"}),
    ((penalty(Severity.MINOR),), {"CATEGORY:诚信守法", "GRADE:B"}),
    ((penalty(Severity.GENERAL),), {"CATEGORY:轻微失信"}),
    ((penalty(Severity.GENERAL), penalty(Severity.SERIOUS)), {"CATEGORY:一般失信"}),
    ((penalty(Severity.SERIOUS), rec(RecordKind.SERIOUS_DISHONESTY_LIST)), {"CATEGORY:严重失信"}),
    ((penalty(Severity.SERIOUS, days_ago=1200),), {"CATEGORY:诚信守法", "GRADE:A"}),  # out of the window
])
def test_categorical_model_picks_the_category(models: ModelRegistry, records: tuple[CreditRecord, ...],
                                              expected: set[str]) -> None:
    score = models.get("heilongjiang-industry").score(facts(*records))
    assert score.value is None
    assert score.flags == expected
    assert all(c.points == 0 for c in score.contributions) and score.contributions


def test_categorical_explanation_cites_the_deciding_records(models: ModelRegistry) -> None:
    serious = penalty(Severity.SERIOUS)
    score = models.get("heilongjiang-industry").score(facts(serious, penalty(Severity.GENERAL)))
    assert [(c.indicator, c.record_ids) for c in score.contributions] == [("penalty.serious", (serious.id,))]


@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_every_model_output_is_gradable_under_its_scheme(models: ModelRegistry, scheme: str) -> None:
    schemes = SchemeRegistry()
    for records in ((), mixed_records(), (rec(RecordKind.SERIOUS_DISHONESTY_LIST), penalty(Severity.SERIOUS))):
        score = models.get(scheme).score(facts(*records, industry="食品生产"))
        classify(schemes.get(scheme), score.value, score.flags)


# ---- registry ------------------------------------------------------------------------------------

def test_registry_serves_every_shipped_scheme(models: ModelRegistry) -> None:
    assert models.scheme_ids() == tuple(sorted(ALL_SCHEMES))
    assert models.get("henan-public-credit") is models.get("shanxi-public-credit")


def test_unknown_scheme_lists_the_known_ones(models: ModelRegistry) -> None:
    with pytest.raises(UnknownModel, match="henan-market-risk"):
        models.get("nowhere-industry")


def test_a_catalogue_whose_id_is_not_its_file_name_is_refused(tmp_path: Path) -> None:
    shutil.copy(CATALOGUE_DIR / "public-credit.yaml", tmp_path / "other.yaml")
    with pytest.raises(ModelError, match=r"other\.yaml: id 'public-credit' must match"):
        load_model(tmp_path / "other.yaml")


# ---- determinism and monotonicity ----------------------------------------------------------------

@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_scores_are_deterministic_and_ignore_record_order(models: ModelRegistry, scheme: str) -> None:
    model, records = models.get(scheme), list(mixed_records())
    first = model.score(facts(*records))
    assert model.score(facts(*records)) == first
    random.Random(7).shuffle(records)
    again = model.score(facts(*records))
    assert (again.value, again.flags) == (first.value, first.flags)
    assert {c.indicator: c.points for c in again.contributions} == {c.indicator: c.points for c in first.contributions}


_kinds = st.sampled_from(list(RecordKind))
_severities = st.sampled_from([None, *Severity])
_texts = st.sampled_from(["检查结果：不合格", "检查结果：未发现问题", "核查结果：属实", "核查结果：不属实", "逾期履约",
                          "食品安全法", None])
_records = st.builds(lambda kind, severity, content, days, kept, status: rec(
    kind, severity=severity, content=content, days_ago=days, kept=kept, status=status),
    _kinds, _severities, _texts, st.one_of(st.none(), st.integers(-30, 1500)), st.sampled_from([None, True, False]),
    st.sampled_from([RecordStatus.ACTIVE, RecordStatus.ACTIVE, RecordStatus.REPAIRED]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(_records, max_size=12), extra=st.builds(
    lambda severity, days: penalty(severity, days_ago=days), _severities, st.integers(-30, 1500)))
def test_adding_a_penalty_never_improves_either_score(models: ModelRegistry, records: list[CreditRecord],
                                                      extra: CreditRecord) -> None:
    before, after = facts(*records), facts(*records, extra)
    public, risk = models.get("henan-public-credit"), models.get("henan-market-risk")
    assert public.score(after).value <= public.score(before).value  # type: ignore[operator]
    assert risk.score(after).value >= risk.score(before).value  # type: ignore[operator]



# ---- what each line rests on (hub.explanation; shown per viewer by hub.disclosure) ---------------

def test_every_line_says_what_it_rests_on(models: ModelRegistry) -> None:
    records = mixed_records()
    score = models.get("henan-public-credit").score(facts(*records))
    grounds = {c.indicator: (c.grounds, c.rests_on) for c in score.contributions}
    assert grounds["base"] == (Grounds.REGISTRATION, ())
    assert grounds["bonus.years_in_business"] == (Grounds.REGISTRATION, ())
    honour = next(r.id for r in records if r.kind is RecordKind.HONOR)
    assert grounds["bonus.honor"] == (Grounds.RECORDS, (honour,))
    for c in score.contributions:
        assert (c.grounds is Grounds.RECORDS) == bool(c.record_ids), c.indicator


def test_a_pass_rate_rests_on_every_inspection_it_counted_not_only_the_failed_ones(models: ModelRegistry) -> None:
    records = mixed_records()
    score = models.get("jiaxian-food-industry").score(facts(*records, public=80.0))
    line = next(c for c in score.contributions if c.indicator == "food.inspection_pass_rate")
    inspections = {r.id for r in records if r.kind is RecordKind.INSPECTION_RESULT}
    assert len(line.record_ids) == 1 and set(line.rests_on) == inspections
    assert next(c for c in score.contributions if c.indicator == "public_credit").grounds is Grounds.WHOLE


def test_lines_resting_on_absence_or_other_subjects_are_whole_or_related(models: ModelRegistry) -> None:
    clean = models.get("henan-public-credit").score(facts(rec(RecordKind.HONOR, title="表彰")))
    assert next(c for c in clean.contributions if c.indicator == "bonus.clean_record").grounds is Grounds.WHOLE
    risk = models.get("henan-market-risk").score(facts(
        related=(RelatedParty("91410425MA0000005X", True, False),), industry="食品生产"))
    related = [c for c in risk.contributions if c.grounds is Grounds.RELATED_PARTIES]
    assert related and "91410425MA0000005X" in related[0].note
    assert risk.flag_grounds[HIGH_ATTENTION_INDUSTRY].grounds is Grounds.REGISTRATION


def test_a_list_flag_rests_on_the_list_records_in_force(models: ModelRegistry) -> None:
    listed = rec(RecordKind.SERIOUS_DISHONESTY_LIST, ends=AS_OF + timedelta(days=10))
    ended = rec(RecordKind.SERIOUS_DISHONESTY_LIST, ends=AS_OF - timedelta(days=1))
    score = models.get("henan-public-credit").score(facts(listed, ended))
    assert score.flag_grounds[SERIOUS_DISHONESTY_LIST].rests_on == (listed.id,)
    graded = classify(SchemeRegistry().get("henan-public-credit"), score.value, sorted(score.flags))
    assert len(graded.reason_flags) == len(graded.reasons) and graded.reason_flags[0] is None
    assert JOINT_PUNISHMENT_LIST in graded.reason_flags
