"""Grading schemes as data: the presets' boundaries and overrides, the file checks, the ladder, 通用+专业.

Pure tests: no database.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.db.evaluations import CurrentGrade
from hub.disclosure import Disclosure
from hub.grading.combine import Domain, combine_general_and_domain
from hub.grading.engine import review_flags
from hub.grading.ladder import discrepancies
from hub.grading.schemes import (
    PRESETS_DIR,
    ClassifyError,
    Direction,
    Interval,
    SchemeError,
    SchemeRegistry,
    ScoreOutOfScale,
    UnknownFlag,
    UnknownScheme,
    classify,
    load_scheme,
)
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    HIGH_ATTENTION_INDUSTRY,
    JOINT_PUNISHMENT_LIST,
    SERIOUS_DISHONESTY_LIST,
)

REGISTRY = SchemeRegistry()
SCORED = [scheme.id for scheme in REGISTRY.all() if not scheme.categorical]
PRESET_IDS = ["heilongjiang-industry", "henan-market-risk", "henan-public-credit", "jiaxian-construction-industry",
              "jiaxian-food-industry", "quanzhou-industry", "shanxi-public-credit"]


def grade_of(scheme_id: str, score: float, *flags: str) -> tuple[str, str | None]:
    result = classify(REGISTRY.get(scheme_id), score, flags)
    return result.grade, result.level


def just_above(x: float) -> float:
    return math.nextafter(x, math.inf)


def just_below(x: float) -> float:
    return math.nextafter(x, -math.inf)


# ---- the presets ------------------------------------------------------------------------------

def test_the_registry_ships_the_six_presets_ordered_by_id() -> None:
    assert [scheme.id for scheme in REGISTRY.all()] == PRESET_IDS


def test_every_preset_puts_its_best_grade_on_rung_1_and_its_worst_on_rung_5() -> None:
    for scheme in REGISTRY.all():
        assert (scheme.grades[0].ladder, scheme.grades[-1].ladder) == (1, 5), scheme.id


def test_market_risk_classes_are_internal_and_public_credit_public() -> None:
    assert REGISTRY.get("henan-market-risk").disclosure is Disclosure.INTERNAL  # seed 004 第六条
    assert REGISTRY.get("henan-market-risk").scale.direction is Direction.HIGHER_IS_RISKIER  # type: ignore[union-attr]
    assert REGISTRY.get("henan-public-credit").disclosure is Disclosure.PUBLIC
    assert REGISTRY.get("henan-public-credit").cycle == "yearly"
    assert REGISTRY.get("jiaxian-food-industry").disclosure is Disclosure.AUTHORIZED


def test_score_85_is_liang_not_you() -> None:
    result = classify(REGISTRY.get("henan-public-credit"), 85, [])
    assert result.grade == "良"
    assert result.reasons == ("score 85 is in (70, 85]: 良",)


def test_score_85_01_is_you() -> None:
    assert grade_of("henan-public-credit", 85.01) == ("优", None)


BOUNDARIES = [
    # seed 000 §二.(三): 优 > 85; 良 (70, 85]; 中 (50, 70]; 差 ≤ 50
    ("henan-public-credit", 100, "优", None), ("henan-public-credit", just_above(85), "优", None),
    ("henan-public-credit", 85, "良", None), ("henan-public-credit", 70.01, "良", None),
    ("henan-public-credit", 70, "中", None), ("henan-public-credit", 50.01, "中", None),
    ("henan-public-credit", 50, "差", None), ("henan-public-credit", 0, "差", None),
    # seed 003 附件2 表 and the shipped default split of the nine levels
    ("shanxi-public-credit", 100, "A", "A"), ("shanxi-public-credit", 92.01, "A", "A"),
    ("shanxi-public-credit", 92, "A", "A-"), ("shanxi-public-credit", 85.01, "A", "A-"),
    ("shanxi-public-credit", 85, "B", "B+"), ("shanxi-public-credit", 78.01, "B", "B+"),
    ("shanxi-public-credit", 78, "B", "B"), ("shanxi-public-credit", 72.01, "B", "B"),
    ("shanxi-public-credit", 72, "B", "B-"), ("shanxi-public-credit", 65.01, "B", "B-"),
    ("shanxi-public-credit", 65, "C", "C+"), ("shanxi-public-credit", 57.01, "C", "C+"),
    ("shanxi-public-credit", 57, "C", "C"), ("shanxi-public-credit", 48.01, "C", "C"),
    ("shanxi-public-credit", 48, "C", "C-"), ("shanxi-public-credit", 40.01, "C", "C-"),
    ("shanxi-public-credit", 40, "D", "D"), ("shanxi-public-credit", 0, "D", "D"),
    # seed 004 第九条: A [0, 200) B [200, 500) C [500, 750) D [750, 1000]
    ("henan-market-risk", 0, "A", None), ("henan-market-risk", 199.99, "A", None),
    ("henan-market-risk", just_below(200), "A", None), ("henan-market-risk", 200, "B", None),
    ("henan-market-risk", 499.99, "B", None), ("henan-market-risk", 500, "C", None),
    ("henan-market-risk", 749.99, "C", None), ("henan-market-risk", 750, "D", None),
    ("henan-market-risk", 1000, "D", None),
    # seed 001 §二.(二).4 with the shipped default thresholds
    ("quanzhou-industry", 1000, "A", None), ("quanzhou-industry", 900, "A", None),
    ("quanzhou-industry", 899.99, "B", None), ("quanzhou-industry", 800, "B", None),
    ("quanzhou-industry", 799.99, "C", None), ("quanzhou-industry", 700, "C", None),
    ("quanzhou-industry", 699.99, "D", None), ("quanzhou-industry", 600, "D", None),
    ("quanzhou-industry", 599.99, "E", None), ("quanzhou-industry", 0, "E", None),
    # seed 000 §二.(五) (E（良好） read as B), boundaries as §二.(三)
    ("jiaxian-food-industry", 100, "A", None), ("jiaxian-food-industry", 85.01, "A", None),
    ("jiaxian-food-industry", 85, "B", None), ("jiaxian-food-industry", 70.01, "B", None),
    ("jiaxian-food-industry", 70, "C", None), ("jiaxian-food-industry", 50.01, "C", None),
    ("jiaxian-food-industry", 50, "D", None), ("jiaxian-food-industry", 0, "D", None),
]


@pytest.mark.parametrize(("scheme_id", "score", "grade", "level"), BOUNDARIES,
                         ids=[f"{s}:{score!r}->{g}{'/' + lv if lv else ''}" for s, score, g, lv in BOUNDARIES])
def test_each_boundary_falls_on_the_side_the_seed_says(scheme_id: str, score: float, grade: str,
                                                       level: str | None) -> None:
    assert grade_of(scheme_id, score) == (grade, level)


def test_a_level_is_explained_next_to_its_grade() -> None:
    result = classify(REGISTRY.get("shanxi-public-credit"), 85, [])
    assert result.reasons == ("score 85 is in (65, 85]: B", "score 85 is in (78, 85]: level B+")


def test_jiaxian_food_industry_reads_e_liang_hao_as_b() -> None:
    assert REGISTRY.get("jiaxian-food-industry").grade_names == ("A", "B", "C", "D")
    assert REGISTRY.get("jiaxian-food-industry").grade("B").label == "良好"


# ---- overrides --------------------------------------------------------------------------------

def test_the_joint_punishment_list_forces_cha_even_at_100() -> None:
    result = classify(REGISTRY.get("henan-public-credit"), 100, [JOINT_PUNISHMENT_LIST])
    assert (result.grade, result.ladder, result.overridden_by) == ("差", 5, JOINT_PUNISHMENT_LIST)
    assert result.reasons == ("score 100 is in (85, 100]: 优",
                              "on the joint-punishment list (失信联合奖惩对象名单): forced to 差 (seed 000 §二.(三))")


def test_the_serious_dishonesty_list_forces_henan_cha_at_95() -> None:
    # seed 000 §二.(三): the 差 band is for "严重失信主体"; the list replaced the joint-punishment list
    result = classify(REGISTRY.get("henan-public-credit"), 95, [SERIOUS_DISHONESTY_LIST])
    assert (result.grade, result.overridden_by) == ("差", SERIOUS_DISHONESTY_LIST)


def test_the_serious_dishonesty_list_forces_shanxi_d_with_its_only_level() -> None:
    result = classify(REGISTRY.get("shanxi-public-credit"), 99, [SERIOUS_DISHONESTY_LIST])
    assert (result.grade, result.level, result.overridden_by) == ("D", "D", SERIOUS_DISHONESTY_LIST)


@pytest.mark.parametrize(("flag", "grade"), [(SERIOUS_DISHONESTY_LIST, "D"), (DISHONEST_EXECUTEE, "D"),
                                             (HIGH_ATTENTION_INDUSTRY, "C")])
def test_market_risk_overrides_of_article_10(flag: str, grade: str) -> None:
    result = classify(REGISTRY.get("henan-market-risk"), 0, [flag])
    assert (result.grade, result.overridden_by) == (grade, flag)
    assert "seed 004 第十条" in result.reasons[-1]


def test_an_override_never_improves_a_grade() -> None:
    result = classify(REGISTRY.get("henan-market-risk"), 800, [HIGH_ATTENTION_INDUSTRY])
    assert (result.grade, result.overridden_by) == ("D", None)
    assert "already the worse D" in result.reasons[-1]
    assert "never improves" in result.reasons[-1]


def test_an_override_forcing_the_grade_the_score_gives_changes_nothing() -> None:
    result = classify(REGISTRY.get("henan-market-risk"), 600, [HIGH_ATTENTION_INDUSTRY])
    assert (result.grade, result.overridden_by) == ("C", None)
    assert result.reasons[-1].endswith("the grade is already C")


def test_the_worst_of_several_overrides_wins() -> None:
    result = classify(REGISTRY.get("henan-market-risk"), 300,
                      [HIGH_ATTENTION_INDUSTRY, DISHONEST_EXECUTEE, SERIOUS_DISHONESTY_LIST])
    assert (result.grade, result.overridden_by) == ("D", SERIOUS_DISHONESTY_LIST)
    assert any("outweighed by the worse D" in reason for reason in result.reasons)
    assert any("also forces D" in reason for reason in result.reasons)


def test_a_flag_the_scheme_has_no_override_for_is_noted_and_changes_nothing() -> None:
    result = classify(REGISTRY.get("henan-public-credit"), 90, [DISHONEST_EXECUTEE])
    assert (result.grade, result.overridden_by) == ("优", None)
    assert result.reasons[-1] == "a dishonest judgment debtor (失信被执行人): no override under henan-public-credit"


def test_a_department_can_make_high_attention_industry_force_d(tmp_path: Path) -> None:
    preset = (PRESETS_DIR / "henan-market-risk.yaml").read_text(encoding="utf-8")
    assert preset.count("forces: C") == 1
    (tmp_path / "henan-market-risk.yaml").write_text(preset.replace("forces: C", "forces: D"), encoding="utf-8")
    registry = SchemeRegistry(tmp_path)
    assert registry.path_of("henan-market-risk") == tmp_path / "henan-market-risk.yaml"
    assert classify(registry.get("henan-market-risk"), 0, [HIGH_ATTENTION_INDUSTRY]).grade == "D"
    assert len(registry) == len(PRESET_IDS)


def test_an_unknown_flag_is_refused_naming_the_accepted_ones() -> None:
    with pytest.raises(UnknownFlag, match="accepted: DISHONEST_EXECUTEE, HIGH_ATTENTION_INDUSTRY") as caught:
        classify(REGISTRY.get("henan-public-credit"), 90, ["BLACKLIST"])
    assert isinstance(caught.value, ValueError)
    with pytest.raises(UnknownFlag, match="not the single string"):
        classify(REGISTRY.get("henan-public-credit"), 90, JOINT_PUNISHMENT_LIST)


# ---- categorical: heilongjiang-industry ------------------------------------------------------

def test_a_minor_dishonesty_category_is_c() -> None:
    result = classify(REGISTRY.get("heilongjiang-industry"), None, ["CATEGORY:轻微失信"])
    assert (result.grade, result.ladder) == ("C", 3)
    assert result.reasons[0].startswith("category 轻微失信: C (seed 002")


def test_the_honest_category_needs_a_grade_choice_between_a_and_b() -> None:
    scheme = REGISTRY.get("heilongjiang-industry")
    with pytest.raises(ClassifyError, match="add GRADE:A or GRADE:B"):
        classify(scheme, None, ["CATEGORY:诚信守法"])
    assert classify(scheme, None, ["CATEGORY:诚信守法", "GRADE:B"]).grade == "B"
    with pytest.raises(ClassifyError, match="admits A or B only"):
        classify(scheme, None, ["CATEGORY:诚信守法", "GRADE:C"])


def test_a_categorical_scheme_takes_one_category_and_no_score() -> None:
    scheme = REGISTRY.get("heilongjiang-industry")
    with pytest.raises(ClassifyError, match="not by score"):
        classify(scheme, 90, ["CATEGORY:轻微失信"])
    with pytest.raises(ClassifyError, match="exactly one category"):
        classify(scheme, None, [])
    with pytest.raises(UnknownFlag, match="CATEGORY:严重失信"):
        classify(scheme, None, ["CATEGORY:守法"])


# ---- scores outside the scale, and properties ------------------------------------------------

@pytest.mark.parametrize("score", [-0.01, 100.01, math.nan, math.inf, -math.inf])
def test_a_score_outside_the_scale_is_an_error_not_a_grade(score: float) -> None:
    with pytest.raises(ScoreOutOfScale, match=r"scores lie in \[0, 100\], higher is better"):
        classify(REGISTRY.get("henan-public-credit"), score, [])


def test_a_scored_scheme_needs_a_score() -> None:
    with pytest.raises(ScoreOutOfScale, match="no score was given"):
        classify(REGISTRY.get("henan-market-risk"), None, [])


def _scale(scheme_id: str) -> tuple[float, float, Direction]:
    scale = REGISTRY.get(scheme_id).scale
    assert scale is not None
    return scale.min, scale.max, scale.direction


@pytest.mark.parametrize("scheme_id", SCORED)
@settings(database=None, max_examples=200)
@given(data=st.data())
def test_the_ladder_rung_never_improves_as_the_score_gets_worse(scheme_id: str, data: st.DataObject) -> None:
    low, high, direction = _scale(scheme_id)
    a = data.draw(st.floats(low, high))
    b = data.draw(st.floats(low, high))
    worse, better = (min(a, b), max(a, b)) if direction is Direction.HIGHER_IS_BETTER else (max(a, b), min(a, b))
    scheme = REGISTRY.get(scheme_id)
    on_worse, on_better = classify(scheme, worse, []), classify(scheme, better, [])
    assert on_worse.ladder >= on_better.ladder
    assert scheme.rank(on_worse.grade) >= scheme.rank(on_better.grade)


@pytest.mark.parametrize("scheme_id", SCORED)
@settings(database=None, max_examples=200)
@given(data=st.data())
def test_classify_grades_every_score_inside_the_scale(scheme_id: str, data: st.DataObject) -> None:
    low, high, _ = _scale(scheme_id)
    score = data.draw(st.floats(low, high))
    result = classify(REGISTRY.get(scheme_id), score, [])
    assert REGISTRY.get(scheme_id).grade(result.grade).interval.contains(score)  # type: ignore[union-attr]


@pytest.mark.parametrize("scheme_id", SCORED)
@settings(database=None, max_examples=200)
@given(data=st.data())
def test_every_score_outside_the_scale_raises(scheme_id: str, data: st.DataObject) -> None:
    low, high, _ = _scale(scheme_id)
    score = data.draw(st.one_of(st.floats(max_value=low, exclude_max=True), st.floats(min_value=high, exclude_min=True),
                                st.just(math.nan)))
    with pytest.raises(ScoreOutOfScale):
        classify(REGISTRY.get(scheme_id), score, [])


# ---- intervals and the registry --------------------------------------------------------------

def test_interval_notation_is_read_exactly() -> None:
    interval = Interval.parse("(70, 85]")
    assert interval == Interval(70, 85, False, True)
    assert not interval.contains(70) and interval.contains(85) and str(interval) == "(70, 85]"
    assert Interval.parse("[0, 200)") == Interval(0, 200, True, False)
    with pytest.raises(ValueError, match="empty"):
        Interval.parse("(5, 5]")
    with pytest.raises(ValueError, match="ASCII"):
        Interval.parse("（70，85]")


def test_an_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(UnknownScheme, match="unknown grading scheme 'beijing'; known schemes: heilongjiang-industry"):
        REGISTRY.get("beijing")


def test_a_missing_department_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="is not a directory"):
        SchemeRegistry(tmp_path / "nowhere")


def test_an_empty_department_directory_setting_means_presets_only() -> None:
    assert [scheme.id for scheme in SchemeRegistry("").all()] == PRESET_IDS


# ---- malformed scheme files -----------------------------------------------------------------

GOOD = """\
id: dept-scheme
name: 测试方案
source: test
kind: INDUSTRY
scale:
  min: 0
  max: 100
  direction: HIGHER_IS_BETTER
disclosure: AUTHORIZED
cycle: yearly
validity_days: 365
evaluator: 测试局
grades:
  - name: 优
    label: 优秀
    interval: "(85, 100]"
    ladder: 1
  - name: 良
    label: 良好
    interval: "(70, 85]"
    ladder: 2
  - name: 中
    label: 一般
    interval: "(50, 70]"
    ladder: 3
  - name: 差
    label: 很差
    interval: "[0, 50]"
    ladder: 5
overrides:
  - flag: JOINT_PUNISHMENT_LIST
    forces: 差
    note: test
"""


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(tmp_path: Path, text: str) -> SchemeError:
    path = tmp_path / "dept-scheme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert str(caught.value).startswith("dept-scheme.yaml line ")
    return caught.value


def test_the_good_scheme_loads(tmp_path: Path) -> None:
    (tmp_path / "dept-scheme.yaml").write_text(GOOD, encoding="utf-8")
    assert SchemeRegistry(tmp_path).get("dept-scheme").grade_names == ("优", "良", "中", "差")


def test_a_gap_between_grades_is_refused_at_the_grade_with_the_gap(tmp_path: Path) -> None:
    text = GOOD.replace('"(50, 70]"', '"(50, 65]"')
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 中")
    assert "gap between grades 良 (70, 85]" in str(error) and "scores (65, 70] are in no grade" in str(error)


def test_overlapping_grades_are_refused_naming_the_shared_score(tmp_path: Path) -> None:
    text = GOOD.replace('"(70, 85]"', '"[70, 85]"')
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 中")
    assert f"良 [70, 85] (line {line_of(text, '- name: 良')})" in str(error)
    assert "the score 70 is in both" in str(error)


def test_bad_interval_notation_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('"(70, 85]"', '"(70, 85"')
    error = refused(tmp_path, text)
    assert str(error).startswith(f"dept-scheme.yaml line {line_of(text, '(70, 85')}: "
                                 'grade 良 interval "(70, 85" is not interval notation like "(85, 100]"')


def test_an_unknown_override_flag_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("flag: JOINT_PUNISHMENT_LIST", "flag: BLACKLIST")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "flag: BLACKLIST")
    assert "unknown override flag 'BLACKLIST'; known flags: DISHONEST_EXECUTEE" in str(error)


def test_an_override_forcing_a_missing_grade_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("forces: 差", "forces: E")
    assert refused(tmp_path, text).line == line_of(text, "forces: E")


def test_an_unknown_key_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('interval: "(70, 85]"', 'intervall: "(70, 85]"')
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "intervall")
    assert "unknown key 'intervall' in grade 良" in str(error)


def test_a_missing_key_is_refused_at_its_mapping(tmp_path: Path) -> None:
    text = GOOD.replace("    label: 良好\n", "")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 良") and "grade 良 is missing label" in str(error)


def test_a_bad_disclosure_tier_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("disclosure: AUTHORIZED", "disclosure: SECRET")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "disclosure:") and "PUBLIC, AUTHORIZED, INTERNAL" in str(error)


def test_a_yaml_syntax_error_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("    label: 良好", "     label: 良好")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "label: 良好") and "YAML syntax error" in str(error)


def test_an_unquoted_interval_points_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('"[0, 50]"', "[0, 50)")
    error = refused(tmp_path, text)
    assert f"on line {line_of(text, '[0, 50)')}" in str(error)


def test_grades_listed_worst_first_are_refused(tmp_path: Path) -> None:
    liang = '  - name: 良\n    label: 良好\n    interval: "(70, 85]"\n    ladder: 2\n'
    zhong = '  - name: 中\n    label: 一般\n    interval: "(50, 70]"\n    ladder: 3\n'
    assert liang + zhong in GOOD
    text = GOOD.replace(liang + zhong, zhong + liang.replace("ladder: 2", "ladder: 3"))
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 中")
    assert ("grades must be listed best → worst (HIGHER_IS_BETTER): 良 (70, 85] must come before 中 (50, 70]"
            in str(error))


def test_an_interval_outside_the_scale_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('"(85, 100]"', '"(85, 110]"')
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 优") and "outside the scale [0, 100]" in str(error)


def test_a_ladder_that_improves_down_the_list_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("ladder: 3", "ladder: 1")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "- name: 中") + 3  # the ladder key of grade 中
    assert "grade 中 is on ladder rung 1, better than 良 above it" in str(error)


def test_levels_must_cover_their_grade_exactly(tmp_path: Path) -> None:
    levels = '    levels:\n      - {name: A, interval: "(92, 100]"}\n      - {name: A-, interval: "(85, 90]"}\n'
    text = GOOD.replace('    ladder: 1\n', "    ladder: 1\n" + levels)
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "name: A-") and "scores (90, 92] are in no level" in str(error)


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    error = refused(tmp_path, GOOD.replace("id: dept-scheme", "id: other"))
    assert error.line == 1 and "must match the file name" in str(error)


def test_a_bad_file_in_the_department_directory_stops_the_registry(tmp_path: Path) -> None:
    (tmp_path / "dept-scheme.yaml").write_text(GOOD.replace("kind: INDUSTRY", "kind: GUESS"), encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        SchemeRegistry(tmp_path)
    assert str(caught.value).startswith("dept-scheme.yaml line 4: the scheme: kind 'GUESS' is not one of")


# ---- the common ladder (seed 001 §二.(四).2) ------------------------------------------------

def test_two_rungs_apart_is_one_discrepancy() -> None:
    found = discrepancies([("henan-public-credit", "优", None), ("henan-market-risk", "C", "郏县市场监督管理局")],
                          REGISTRY)
    assert len(found) == 1
    assert found[0].gap == 2
    assert found[0].departments == ("河南省发展改革委（省公共信用信息平台）", "郏县市场监督管理局")


def test_a_review_flag_names_the_schemes_evaluators_wherever_it_is_raised() -> None:
    """Issue 11 §1: a flag raised at the city over a county's estimate names the department the city's own
    registry gives for the scheme, not the estimate's text (which names a platform, no department)."""
    estimate = CurrentGrade("henan-public-credit", "优", 95.0,
                            "henan-jiaxian（县级平台测算，非河南省发展改革委作出的评价）", "county")
    received = CurrentGrade("quanzhou-industry", "E", None, "某县不知名部门", "county")
    [flag] = review_flags("91410425MA0000000X", [estimate, received], [], REGISTRY)
    assert flag["props"]["departments"] == [REGISTRY.get("henan-public-credit").evaluator,
                                            REGISTRY.get("quanzhou-industry").evaluator]
    assert not any("平台测算" in name or name == "某县不知名部门" for name in flag["props"]["departments"])


def test_one_rung_apart_is_no_discrepancy() -> None:
    assert discrepancies([("henan-public-credit", "优", None), ("jiaxian-food-industry", "B", "郏县市场监督管理局"),
                          ("quanzhou-industry", "A", "晋江市住建局")], REGISTRY) == []


def test_every_pair_is_checked_and_levels_count_as_their_grade() -> None:
    found = discrepancies([("shanxi-public-credit", "A-", "省发改委"), ("quanzhou-industry", "C", "住建局"),
                           ("heilongjiang-industry", "E", "交通局")], REGISTRY)
    assert [(d.first.grade, d.second.grade, d.gap) for d in found] == [("A-", "C", 2), ("A-", "E", 4), ("C", "E", 2)]


def test_a_four_grade_schemes_worst_grade_sits_on_rung_5() -> None:
    found = discrepancies([("henan-public-credit", "差", None), ("heilongjiang-industry", "E", "x")], REGISTRY)
    assert found == []
    assert len(discrepancies([("henan-public-credit", "中", None), ("shanxi-public-credit", "D", None)], REGISTRY)) == 1


def test_an_unknown_grade_on_the_ladder_is_refused() -> None:
    with pytest.raises(ValueError, match="'F' is not a grade of quanzhou-industry"):
        discrepancies([("quanzhou-industry", "F", None)], REGISTRY)


# ---- 通用 + 专业 (seed 004 第十六条) ---------------------------------------------------------

def test_a_domain_class_d_makes_the_combined_class_d() -> None:
    combined = combine_general_and_domain("A", "D", Domain.FOOD)
    assert combined.grade == "D"
    assert "the food domain class is D, so the result is D" in combined.reasons[-1]


def test_the_higher_risk_class_of_general_and_domain_wins() -> None:
    assert combine_general_and_domain("C", "B", "drugs").grade == "C"
    assert combine_general_and_domain("A", "B", "特种设备").grade == "B"
    assert combine_general_and_domain("B", "B", Domain.SPECIAL_EQUIPMENT).grade == "B"


def test_combine_refuses_unknown_domains_and_classes() -> None:
    with pytest.raises(ValueError, match="not a 通用\\+专业 domain"):
        combine_general_and_domain("A", "B", "cosmetics")
    with pytest.raises(ValueError, match="not a risk class"):
        combine_general_and_domain("A", "E", Domain.FOOD)


def test_each_scheme_names_who_owns_its_evaluations() -> None:
    """hub.authority: an objection to an evaluation is decided by its scheme's owner (seed 000 §四.(二))."""
    registry = SchemeRegistry()
    owners = {scheme_id: registry.get(scheme_id).owner_in("410425") for scheme_id in PRESET_IDS}
    assert owners["jiaxian-food-industry"] == "410425-SCJG" and owners["jiaxian-construction-industry"] == "410425-ZJ"
    assert owners["henan-public-credit"] == "platform"
    assert registry.get("henan-market-risk").owner_in("411622") == "411622-SCJG"  # the hub region's 市场监管局


def test_a_scheme_without_an_owner_is_the_platforms_and_a_malformed_owner_is_refused(tmp_path: Path) -> None:
    preset = (PRESETS_DIR / "jiaxian-food-industry.yaml").read_text(encoding="utf-8")
    (tmp_path / "jiaxian-food-industry.yaml").write_text(preset.replace("owner: 410425-SCJG\n", ""), encoding="utf-8")
    assert SchemeRegistry(tmp_path).get("jiaxian-food-industry").owner == "platform"
    (tmp_path / "jiaxian-food-industry.yaml").write_text(preset.replace("owner: 410425-SCJG", "owner: 市场 监管局"),
                                                         encoding="utf-8")
    with pytest.raises(SchemeError, match="owner '市场 监管局' must be a department code"):
        SchemeRegistry(tmp_path)
