"""Measures lists (监管措施清单): the shipped lists, default sampling ratios, measures in force, file checks.

Pure tests: no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.grading.schemes import SchemeRegistry, UnknownScheme
from hub.supervision.measures import (
    MEASURES_DIR,
    MeasureInForce,
    MeasureKind,
    MeasuresFileError,
    MeasuresRegistry,
    NoSamplingMeasure,
    Period,
    UnknownGrade,
    load_measures_list,
    measures_in_force,
)

SCHEMES = SchemeRegistry()
REGISTRY = MeasuresRegistry(SCHEMES)
TODAY = date(2024, 6, 1)
SHIPPED = {"heilongjiang-credit": "heilongjiang-industry", "henan-public-credit": "henan-public-credit",
           "henan-samr-risk": "henan-market-risk", "jiaxian-food-industry": "jiaxian-food-industry"}

# A valid department list for henan-market-risk; the malformed cases below break one thing each.
VALID = """\
id: {list_id}
name: 测试清单
scheme: henan-market-risk
department: 测试市场监督管理局
source: test
implementing_body: 测试市场监督管理局
measures:
  - id: lower
    grades: [A]
    name: 降低抽查比例
    kind: INCENTIVE
    basis: 豫市监办〔2022〕100号 第十二条(二)
    sampling_minimum_percent: 2
  - id: regular
    grades: [B, C, D]
    name: 常规抽查
    kind: SUPERVISION
    basis: 豫市监办〔2022〕100号 第十三条(一)
    sampling_minimum_percent: 5
"""


def write_list(folder: Path, list_id: str = "dept-list", text: str = VALID) -> Path:
    path = folder / f"{list_id}.yaml"
    path.write_text(text.replace("{list_id}", list_id), encoding="utf-8")
    return path


def names(found: list[MeasureInForce]) -> set[str]:
    return {in_force.measure.id for in_force in found}


# ---- the shipped lists ------------------------------------------------------------------------

def test_the_registry_ships_four_lists_ordered_by_id() -> None:
    assert [lst.id for lst in REGISTRY.all()] == sorted(SHIPPED)
    assert {lst.id: lst.scheme_id for lst in REGISTRY.all()} == SHIPPED


@pytest.mark.parametrize("list_id", sorted(SHIPPED))
def test_each_shipped_list_covers_every_grade_of_its_scheme(list_id: str) -> None:
    lst = load_measures_list(MEASURES_DIR / f"{list_id}.yaml", SCHEMES)
    scheme = SCHEMES.get(lst.scheme_id)
    assert [grade for grade, _ in lst.grades] == list(scheme.grade_names)
    for grade in scheme.grade_names:
        assert lst.measures_for(grade), grade
        assert all(m.basis and m.implementing_body for m in lst.measures_for(grade))
    assert REGISTRY.default_ratios(lst.scheme_id).keys() == set(scheme.grade_names)


def test_henan_market_risk_default_ratios_are_seed_004s_1_3_10_20_percent() -> None:
    ratios = REGISTRY.default_ratios("henan-market-risk")
    assert ratios == {"A": Decimal(1), "B": Decimal(3), "C": Decimal(10), "D": Decimal(20)}
    assert all(isinstance(ratio, Decimal) for ratio in ratios.values())
    assert list(ratios) == ["A", "B", "C", "D"]


def test_a_d_subject_is_under_key_supervision_with_a_20_percent_floor_citing_article_15() -> None:
    found = REGISTRY.measures_for("henan-market-risk", "D")
    assert {lst.id for lst, _ in found} == {"henan-samr-risk"}
    key = [m for _, m in found if "重点监管" in m.name]
    assert key and all(m.basis.startswith("豫市监办〔2022〕100号 第十五条") for m in key)
    sampling = [m for _, m in found if m.sampling_minimum_percent is not None]
    assert [(m.sampling_minimum_percent, m.basis) for m in sampling] == [
        (Decimal(20), "豫市监办〔2022〕100号 第十五条(一)")]
    assert all(m.kind is MeasureKind.RESTRICTION and m.implementing_body == "市场监督管理部门" for _, m in found)


def test_heilongjiang_rewards_the_honest_and_restricts_the_dishonest() -> None:
    lst = REGISTRY.lists_for("heilongjiang-industry")[0]
    for grade in ("A", "B"):
        assert {m.kind for m in lst.measures_for(grade)} == {MeasureKind.INCENTIVE}
        assert any("容缺受理" in m.name for m in lst.measures_for(grade))
    for grade in ("C", "D", "E"):
        assert MeasureKind.RESTRICTION in {m.kind for m in lst.measures_for(grade)}
    serious = lst.measures_for("E")
    assert any("政府采购" in m.name for m in serious) and any("财政性资金" in m.name for m in serious)
    sampling = next(m for m in serious if m.sampling_minimum_percent is not None)
    assert sampling.sampling_minimum_percent == 20 and "no upper limit" in (sampling.note or "")
    assert all(m.basis.startswith("鹤信用发〔2022〕2号 §三.(三)") for _, ms in lst.grades for m in ms)


def test_henan_public_credit_lowers_sampling_for_good_grades_and_restricts_poor() -> None:
    assert REGISTRY.default_ratios("henan-public-credit") == {"优": 1, "良": 1, "中": 3, "差": 20}
    excellent = {m.name for _, m in REGISTRY.measures_for("henan-public-credit", "优")}
    assert any("告知承诺" in name for name in excellent)
    poor = [m for _, m in REGISTRY.measures_for("henan-public-credit", "差")]
    assert any("告知承诺" in m.name and m.kind is MeasureKind.RESTRICTION for m in poor)
    assert any("重点监管" in m.name for m in poor)


# ---- measures in force ------------------------------------------------------------------------

def test_measures_follow_the_grade() -> None:
    as_a = measures_in_force([("henan-market-risk", "A", date(2024, 1, 10), date(2025, 1, 9))], REGISTRY, TODAY)
    as_d = measures_in_force([("henan-market-risk", "D", date(2024, 1, 10), date(2025, 1, 9))], REGISTRY, TODAY)
    assert names(as_a) == {"a-self-governance", "a-sampling"}
    assert names(as_d) == {"d-key-supervision", "d-sampling", "d-on-site-inspection"}
    assert {(m.scheme_id, m.grade, m.starts_on, m.ends_on) for m in as_d} == {
        ("henan-market-risk", "D", date(2024, 1, 10), date(2025, 1, 9))}


def test_a_regrade_supersedes_the_earlier_evaluation_of_the_scheme() -> None:
    found = measures_in_force([("henan-market-risk", "D", datetime(2024, 5, 1, tzinfo=UTC), date(2025, 4, 30)),
                               ("henan-market-risk", "A", datetime(2024, 1, 1, tzinfo=UTC), date(2024, 12, 31))],
                              REGISTRY, TODAY)
    assert {m.grade for m in found} == {"D"}


def test_each_schemes_evaluation_triggers_its_own_lists() -> None:
    found = measures_in_force([("henan-market-risk", "B", date(2024, 1, 1), None),
                               ("henan-public-credit", "差", date(2024, 2, 1), date(2025, 1, 31))], REGISTRY, TODAY)
    assert {(m.measures_list.id, m.grade) for m in found} == {("henan-samr-risk", "B"), ("henan-public-credit", "差")}
    assert next(m for m in found if m.grade == "B").ends_on is None  # no validity: while graded
    assert all(m.combination is None and m.evaluated_grade is None for m in found)


def test_general_and_food_classes_are_combined_for_both_lists() -> None:
    # 通用+专业 (seed 004 第十六条): general B with a food-domain D is D for both schemes' measures
    found = measures_in_force([("henan-market-risk", "B", date(2024, 1, 1), None),
                               ("jiaxian-food-industry", "D", date(2024, 2, 1), date(2025, 1, 31))], REGISTRY, TODAY)
    assert {(m.measures_list.id, m.grade, m.evaluated_grade) for m in found} == {
        ("henan-samr-risk", "D", "B"), ("jiaxian-food-industry", "D", "D")}
    assert all(m.combination is not None and m.combination.grade == "D" for m in found)
    # an expired domain class is no longer combined
    alone = measures_in_force([("henan-market-risk", "B", date(2024, 1, 1), None),
                               ("jiaxian-food-industry", "D", date(2023, 2, 1), date(2024, 1, 31))], REGISTRY, TODAY)
    assert {(m.measures_list.id, m.grade) for m in alone} == {("henan-samr-risk", "B")}


def test_an_expired_evaluation_contributes_nothing() -> None:
    expired = ("henan-market-risk", "D", date(2023, 1, 1), date(2024, 5, 31))
    assert measures_in_force([expired], REGISTRY, TODAY) == []
    last_day = ("henan-market-risk", "D", date(2023, 6, 2), date(2024, 6, 1))
    assert len(measures_in_force([last_day], REGISTRY, TODAY)) == 3  # valid_until is inclusive


def test_an_evaluation_dated_after_today_is_not_yet_in_force() -> None:
    assert measures_in_force([("henan-market-risk", "D", date(2024, 6, 2), None)], REGISTRY, TODAY) == []


def test_an_aware_timestamp_starts_on_its_china_date() -> None:
    late_utc = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)  # 2024-03-02 04:00 in China
    found = measures_in_force([("henan-market-risk", "C", late_utc, None)], REGISTRY, TODAY)
    assert {m.starts_on for m in found} == {date(2024, 3, 2)}


def test_a_fixed_period_ends_on_its_own_day_or_the_evaluations_validity_whichever_first(tmp_path: Path) -> None:
    write_list(tmp_path, text=VALID.replace("    sampling_minimum_percent: 5\n",
                                            "    sampling_minimum_percent: 5\n    period: {months: 6}\n"))
    registry = MeasuresRegistry(SCHEMES, tmp_path)
    d_measures = [m for m in registry.measures_for("henan-market-risk", "D") if m[0].id == "dept-list"]
    assert [m.period for _, m in d_measures] == [Period(months=6)]

    def ends(valid_until: date | None) -> list[date | None]:
        found = measures_in_force([("henan-market-risk", "D", date(2024, 1, 31), valid_until)], registry, TODAY)
        return [m.ends_on for m in found if m.measures_list.id == "dept-list"]

    assert ends(None) == [date(2024, 7, 30)]  # six months from 31 January, the last day included
    assert ends(date(2024, 12, 31)) == [date(2024, 7, 30)]
    assert ends(date(2024, 6, 15)) == [date(2024, 6, 15)]  # capped by the evaluation's validity
    lapsed = measures_in_force([("henan-market-risk", "D", date(2023, 11, 1), None)], registry, TODAY)
    assert "dept-list" not in {m.measures_list.id for m in lapsed}  # its six months are over
    assert "henan-samr-risk" in {m.measures_list.id for m in lapsed}  # while-graded ones remain


def test_period_arithmetic() -> None:
    assert Period(days=1).last_day(date(2024, 1, 1)) == date(2024, 1, 1)
    assert Period(months=1).last_day(date(2024, 1, 31)) == date(2024, 2, 28)  # 31 Jan + 1 month clamps to 29 Feb
    assert Period(months=12).last_day(date(2024, 3, 1)) == date(2025, 2, 28)
    assert Period().last_day(date(2024, 1, 1)) is None
    assert str(Period()) == "while the grade is current" and str(Period(days=90)) == "90 days"
    with pytest.raises(ValueError, match="days or months"):
        Period(days=3, months=1)


# ---- registry lookups -------------------------------------------------------------------------

def test_an_unknown_grade_or_scheme_is_refused_by_name() -> None:
    with pytest.raises(UnknownGrade, match="'E' is not a grade of henan-market-risk; grades: A, B, C, D"):
        REGISTRY.measures_for("henan-market-risk", "E")
    with pytest.raises(UnknownScheme, match="unknown grading scheme 'nowhere'"):
        REGISTRY.lists_for("nowhere")


def test_default_ratios_say_which_grade_lacks_a_sampling_measure(tmp_path: Path) -> None:
    with pytest.raises(NoSamplingMeasure, match=r"grade A of quanzhou-industry has no sampling measure.*lists: none"):
        REGISTRY.default_ratios("quanzhou-industry")
    write_list(tmp_path, text=VALID.replace("    sampling_minimum_percent: 2\n", ""))
    with pytest.raises(NoSamplingMeasure, match="grade A of henan-market-risk"):
        MeasuresRegistry(SCHEMES, tmp_path, shipped_dir=tmp_path).default_ratios("henan-market-risk")


def test_with_several_lists_the_highest_minimum_wins(tmp_path: Path) -> None:
    write_list(tmp_path)  # A 2 %, B–D 5 %, beside the shipped 1 / 3 / 10 / 20
    ratios = MeasuresRegistry(SCHEMES, tmp_path).default_ratios("henan-market-risk")
    assert ratios == {"A": 2, "B": 5, "C": 10, "D": 20}


def test_a_department_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    write_list(tmp_path, "henan-samr-risk")
    registry = MeasuresRegistry(SCHEMES, str(tmp_path))
    assert registry.path_of("henan-samr-risk") == tmp_path / "henan-samr-risk.yaml"
    assert [lst.id for lst in registry.lists_for("henan-market-risk")] == ["henan-samr-risk"]
    assert registry.default_ratios("henan-market-risk") == {"A": 2, "B": 5, "C": 5, "D": 5}
    assert registry.lists_for("henan-market-risk")[0].department == "测试市场监督管理局"
    assert len(MeasuresRegistry(SCHEMES, "").all()) == len(SHIPPED)  # an empty setting means none


def test_an_extra_dir_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MeasuresFileError, match="is not a directory of measures list files"):
        MeasuresRegistry(SCHEMES, tmp_path / "missing")


# ---- malformed files --------------------------------------------------------------------------

MALFORMED = {
    "unknown grade": (("grades: [B, C, D]", "grades: [B, C, D, E]"),
                      r"line 15: measure regular: 'E' is not a grade of henan-market-risk \(grades: A, B, C, D\)"),
    "unknown kind": (("kind: INCENTIVE", "kind: REWARD"),
                     "line 11: measure lower: kind 'REWARD' is not one of INCENTIVE, RESTRICTION, SUPERVISION"),
    "missing basis": (("    basis: 豫市监办〔2022〕100号 第十二条(二)\n", ""),
                      "line 8: measure lower is missing basis"),
    "duplicate measure id": (("id: regular", "id: lower"), "line 14: measure id 'lower' appears twice"),
    "grade without measures": (("grades: [B, C, D]", "grades: [B, C]"), "grade D of henan-market-risk has no measure"),
    "two sampling minimums": (("grades: [A]", "grades: [A, B]"), "grade B has two sampling measures"),
    "bad period": (("measures:", "period: forever\nmeasures:"),
                   "line 7: the list: period must be while-graded, {days: N} or {months: N}"),
    "bad percent": (("sampling_minimum_percent: 2", "sampling_minimum_percent: 120"),
                    "sampling_minimum_percent must be a percentage above 0 and at most 100, not 120"),
    "unknown scheme": (("scheme: henan-market-risk", "scheme: henan-risk"), "unknown grading scheme 'henan-risk'"),
    "no implementing body": (("implementing_body: 测试市场监督管理局\n", ""),
                             "measure lower has no implementing_body"),
    "unknown key": (("    kind: INCENTIVE", "    kind: INCENTIVE\n    owner: x"),
                    "unknown key 'owner' in measure lower"),
    "repeated key": (("name: 降低抽查比例", "name: 降低抽查比例\n    name: again"), "key 'name' appears twice"),
    "YAML syntax": (("grades: [A]", "grades: [A"), "YAML syntax error"),
    "id is not the file name": (("id: {list_id}", "id: other"),
                                r"id 'other' must match the file name \(dept-list.yaml\)"),
    "frequency off the sampling measure": (
        ("sampling_minimum_percent: 2", "inspections_per_year: {at_most: 1}"),
        "line 13: measure lower: inspections_per_year goes on the sampling measure"),
    "frequency not a whole number": (
        ("sampling_minimum_percent: 2", "sampling_minimum_percent: 2\n    inspections_per_year: {at_most: 0}"),
        "inspections_per_year: a frequency is at_least and/or at_most, each a whole number ≥ 1"),
    "frequency least above most": (
        ("sampling_minimum_percent: 2",
         "sampling_minimum_percent: 2\n    inspections_per_year: {at_least: 3, at_most: 1}"),
        "inspections_per_year at_least 3 is above at_most 1"),
    "frequency unknown bound": (
        ("sampling_minimum_percent: 2", "sampling_minimum_percent: 2\n    inspections_per_year: {times: 2}"),
        r"inspections_per_year must be \{at_least: N\}, \{at_most: N\} or both"),
}


def test_frequencies_per_grade_and_several_lists_keep_each_bound(tmp_path: Path) -> None:
    shipped = REGISTRY.frequencies("henan-market-risk")
    assert {g: (f.frequency.at_least, f.frequency.at_most) for g, f in shipped.items()} == {
        "A": (None, 1), "B": (None, 2), "C": (1, None), "D": (2, None)}
    assert "第十五条" in shipped["D"].basis
    write_list(tmp_path, text=VALID.replace(
        "sampling_minimum_percent: 5",
        "sampling_minimum_percent: 5\n    inspections_per_year: {at_least: 3, at_most: 4}"))
    both = MeasuresRegistry(SCHEMES, tmp_path).frequencies("henan-market-risk")
    # B: at most 2 (shipped) and at least 3 (the department's): both kept, so no count meets it
    assert (both["B"].frequency.at_least, both["B"].frequency.at_most) == (3, 2)
    assert not any(both["B"].frequency.met_by(n) for n in range(6))
    assert (both["D"].frequency.at_least, both["D"].frequency.at_most) == (3, 4)
    assert [both["D"].frequency.met_by(n) for n in range(6)] == [False, False, False, True, True, False]


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_refused_naming_the_file_and_the_problem(tmp_path: Path, case: str) -> None:
    (old, new), message = MALFORMED[case]
    assert old in VALID
    write_list(tmp_path, text=VALID.replace(old, new, 1))
    with pytest.raises(MeasuresFileError, match=r"^dept-list\.yaml ") as raised:
        MeasuresRegistry(SCHEMES, tmp_path)
    assert raised.value.path == tmp_path / "dept-list.yaml"
    assert raised.match(message)
