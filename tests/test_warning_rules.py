"""Warning rules as data: the presets load and cite their sources; a department's files add, replace or
switch off rules; a mistake is refused at start with the file and the line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.models import RecordKind, Severity
from hub.warnings.rules import RuleBook, RuleError, RuleKind

PRESETS = Path(__file__).resolve().parent.parent / "hub" / "warnings" / "presets"


def test_every_preset_loads_cites_its_source_and_every_kind_is_shipped() -> None:
    book = RuleBook()
    rules = list(book)
    assert {rule.kind for rule in rules} == set(RuleKind)
    for rule in rules:
        assert rule.enabled and rule.source
        assert "seed 00" in rule.source, f"{rule.id} cites no seed"
    serious = book.get("serious-penalty")
    assert serious is not None
    assert serious.parameters.severities == {Severity.SERIOUS} and serious.parameters.min_amount_wan_yuan == 10
    assert book.get("grade-fall").parameters.min_rungs == 2  # type: ignore[union-attr]  # seed 001 两档以上
    assert book.get("objection-overdue").family == "SUPERVISION"  # type: ignore[union-attr]
    assert book.get("representative-of-listed-subject").parameters.lists == {  # type: ignore[union-attr]
        RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.DISHONEST_EXECUTEE}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_department_adds_replaces_and_switches_off_rules(tmp_path: Path) -> None:
    write(tmp_path, "scjg-fines", """
id: scjg-fines
title: 市场监管罚款预警
source: "seed 001 §二.(一).2; 5 万元 is 郏县市场监管局's own line"
kind: SERIOUS_PENALTY
level: MEDIUM
departments: [410425-SCJG]
parameters:
  min_amount_wan_yuan: 5
""")
    write(tmp_path, "grade-fall", """
id: grade-fall
title: 信用等级下降
source: seed 001 §二.(四).2, stricter here
kind: GRADE_FALL
level: HIGH
parameters:
  min_rungs: 1
""")
    write(tmp_path, "abnormal-operation", """
id: abnormal-operation
title: 列入经营异常名录
source: seed 004 第七条
kind: LIST_ENTRY
level: LOW
enabled: false
parameters:
  lists: [ABNORMAL_OPERATION]
""")
    book = RuleBook(tmp_path)
    added = book.get("scjg-fines")
    assert added is not None and added.routes_to("410425-SCJG") and not added.routes_to("410425-ZJ")
    assert book.get("grade-fall").parameters.min_rungs == 1  # type: ignore[union-attr]
    assert book.path_of("grade-fall") == tmp_path / "grade-fall.yaml"
    assert "abnormal-operation" not in {rule.id for rule in book.enabled()}
    assert len(list(book)) == len(list(RuleBook())) + 1


GOOD = """id: bad
title: 规则
source: seed 001
kind: PENALTIES_ACROSS_DEPARTMENTS
level: MEDIUM
parameters:
  min_penalties: 3
  months: 12
"""


@pytest.mark.parametrize(("text", "line", "problem"), [
    (GOOD.replace("kind: PENALTIES_ACROSS_DEPARTMENTS", "kind: PENALTIES"), 4,
     "kind 'PENALTIES' is not one of SERIOUS_PENALTY"),
    (GOOD.replace("  months: 12", "  months: 12\n  lists: [SERIOUS_DISHONESTY_LIST]"), 9,
     "unknown key 'lists' in the parameters of rule bad (PENALTIES_ACROSS_DEPARTMENTS)"),
    (GOOD.replace("  months: 12\n", ""), 7, "is missing months"),
    (GOOD.replace("min_penalties: 3", "min_penalties: -1"), 7, "min_penalties must be a whole number of at least 1"),
    (GOOD.replace("id: bad", "id: other"), 1, "id 'other' must match the file name (bad.yaml)"),
    (GOOD.replace("level: MEDIUM", "level: MEDIUM\nlevel: HIGH"), 6, "key 'level' appears twice (first on line 5)"),
    (GOOD + "colour: red\n", 9, "unknown key 'colour' in the rule"),
    (GOOD.replace("  months: 12", "  months: [12"), 9, "YAML syntax error"),
    ("""id: bad
title: 规则
source: seed 004
kind: LIST_ENTRY
level: HIGH
parameters:
  lists: [BLACKLIST]
""", 7, "lists names BLACKLIST; the lists are ABNORMAL_OPERATION, DISHONEST_EXECUTEE, SERIOUS_DISHONESTY_LIST"),
    ("""id: bad
title: 规则
source: seed 004
kind: REPORTING_TIMELINESS
level: LOW
parameters:
  below: 1.5
""", 7, "below must be a number between 0 and 1"),
    ("""id: bad
title: 规则
source: seed 004
kind: REPRESENTATIVE_CLUSTER
level: LOW
parameters:
  months: 12
""", 7, "needs min_penalties or min_amount_wan_yuan"),
])
def test_a_mistake_names_the_file_and_its_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    write(tmp_path, "bad", text)
    with pytest.raises(RuleError) as refused:
        RuleBook(tmp_path)
    assert refused.value.line == line, str(refused.value)
    assert problem in str(refused.value)
    assert str(refused.value).startswith(f"bad.yaml line {line}: ")


def test_a_hub_with_a_malformed_rule_does_not_start(tmp_path: Path) -> None:
    write(tmp_path, "bad", GOOD.replace("min_penalties: 3", "min_penalties: three"))
    env = {**os.environ, "HUB_WARNING_RULES_DIR": str(tmp_path), "NEO4J_URI": "bolt://127.0.0.1:9",
           "HUB_STATE_DIR": str(tmp_path), "HUB_PORT": "9"}
    result = subprocess.run([str(Path(sys.executable).with_name("hub")), "serve"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "bad.yaml line 7: rule bad: min_penalties must be a whole number of at least 1, not 'three'" in result.stderr
