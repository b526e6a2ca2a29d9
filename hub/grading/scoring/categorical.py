"""Categorical models — a category instead of a score, for schemes that grade by kind of conduct.

Seed 002 §三.(一).1 sorts market entities into 诚信守法, 轻微失信, 一般失信 and 严重失信 ("对应 A、B、C、D、E
五个信用等级"; 诚信守法 spans A and B). The seed defines the categories but not what puts a subject in
each; ``catalogues/heilongjiang-industry.yaml`` holds the hub's documented default, which a
department replaces with its own catalogue of the same id.

The catalogue lists the categories worst first, each with rules (record selectors with windows);
the first category any rule of which matches is the subject's. The last entry is the default
category and may choose between two grades: ``grade`` unless a ``downgrade`` rule matches. The
model returns ``Score(value=None, …)`` with the flag ``CATEGORY:<category>`` and, when the catalogue
chooses a grade, ``GRADE:<grade>`` — the flags ``hub.grading.schemes.classify`` reads. Its
contributions carry no points (there is no score); they say which rule matched and cite the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.explanation import Grounds
from hub.grading.schemes import CATEGORY_PREFIX, GRADE_PREFIX
from hub.grading.scoring._catalogue import FactsView, Problem, RecordSelector, Section, read_window
from hub.grading.types import Contribution, Score, SubjectFacts


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    selector: RecordSelector
    window: int | None

    def explain(self, view: FactsView) -> Contribution | None:
        hits = view.select(self.selector, self.window)
        if not hits:
            return None
        when = "current" if self.window is None else f"within {self.window} year(s)"
        cited = tuple(r.id for r in hits)
        return Contribution(self.id, self.label, 0.0, cited, f"{len(hits)} record(s) {when}", Grounds.RECORDS, cited)


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    rules: tuple[Rule, ...]
    basis: str


@dataclass(frozen=True, eq=False)  # compared by identity: a model is a loaded file
class CategoricalModel:
    """Picks the first category whose rules match; the default category may choose a grade."""

    id: str
    name: str
    source: str
    path: Path
    scheme_ids: tuple[str, ...]
    categories: tuple[Category, ...]
    default: str
    default_basis: str
    default_grade: str | None
    downgrade_grade: str | None
    downgrade_rules: tuple[Rule, ...]

    def score(self, facts: SubjectFacts) -> Score:
        view = FactsView(facts)
        for category in self.categories:
            matched = [c for rule in category.rules if (c := rule.explain(view)) is not None]
            if matched:
                return Score(None, tuple(matched), frozenset({CATEGORY_PREFIX + category.name}))
        flags = {CATEGORY_PREFIX + self.default}
        downgrades = [c for rule in self.downgrade_rules if (c := rule.explain(view)) is not None]
        grade = self.downgrade_grade if downgrades else self.default_grade
        if grade is not None:
            flags.add(GRADE_PREFIX + grade)
        why = "; ".join(c.label for c in downgrades) if downgrades else "no adverse record"
        # The default category rests on no rule matching: on everything counted (Grounds.WHOLE).
        explanation = Contribution("category", self.default, 0.0, (), f"{why} ({self.default_basis})")
        return Score(None, (explanation, *downgrades), frozenset(flags))


def _rules(s: Section, key: str, lookback: int) -> tuple[Rule, ...]:
    rules = []
    for r in s.sections(key):
        r.keys(("id", "label", "select"), ("window",))
        rules.append(Rule(r.text("id"), r.text("label"), RecordSelector.read(r.section("select")),
                          read_window(r, lookback)))
    return tuple(rules)


def build(doc: Section, path: Path, model_id: str, scheme_ids: tuple[str, ...]) -> CategoricalModel:
    doc.keys(("id", "model", "name", "source", "schemes", "lookback_years", "categories", "default"))
    lookback = doc.whole("lookback_years", minimum=1)
    categories = []
    for s in doc.sections("categories", label_key="category"):
        s.keys(("category", "rules"), ("basis",))
        categories.append(Category(s.text("category"), _rules(s, "rules", lookback), s.text("basis", "")))
    d = doc.section("default")
    d.keys(("category",), ("basis", "grade", "downgrade"))
    grade = d.text("grade") if "grade" in d else None
    down_grade: str | None = None
    down_rules: tuple[Rule, ...] = ()
    if "downgrade" in d:
        if grade is None:
            raise Problem("default: a downgrade needs a grade to downgrade from")
        down = d.section("downgrade")
        down.keys(("grade", "rules"))
        down_grade, down_rules = down.text("grade"), _rules(down, "rules", lookback)
    names = [c.name for c in categories] + [d.text("category")]
    if len(set(names)) != len(names):
        raise Problem(f"categories must be distinct: {', '.join(names)}")
    return CategoricalModel(model_id, doc.text("name"), doc.text("source"), path, scheme_ids, tuple(categories),
                            d.text("category"), d.text("basis", ""), grade, down_grade, down_rules)
