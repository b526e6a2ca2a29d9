"""Grade one subject under one scheme: the model's score, the scheme's classification, the why.

Pure: facts in, an evaluation row out. The batch runner (hub.grading.reevaluation) feeds it from Neo4j.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from hub import clock
from hub.explanation import dumps_document
from hub.grading.ladder import discrepancies
from hub.grading.schemes import GradingScheme, SchemeKind, SchemeRegistry, accepted_flags, classify
from hub.grading.types import Classification, Score, SubjectFacts
from hub.models import Subject

if TYPE_CHECKING:
    from hub.db.evaluations import CurrentGrade

COVERAGE_FILE = Path(__file__).with_name("coverage.yaml")


class ScoringModel(Protocol):
    def score(self, facts: SubjectFacts) -> Score: ...


@dataclass(frozen=True)
class Graded:
    scheme: GradingScheme
    score: Score
    classification: Classification


@dataclass(frozen=True)
class Coverage:
    """Which subjects a scheme grades in a run: by region prefix, kind and industry (data)."""

    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()

    def covers(self, subject: Subject) -> bool:
        return ((not self.regions or subject.region.startswith(self.regions))
                and (not self.kinds or subject.kind.value in self.kinds)
                and (not self.industries or (subject.industry or "") in self.industries))


def load_coverage(path: Path = COVERAGE_FILE) -> dict[str, Coverage]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {scheme: Coverage(tuple(rule.get("regions", ())), tuple(rule.get("kinds", ())),
                             tuple(rule.get("industries", ())))
            for scheme, rule in document.items()}


def grade(facts: SubjectFacts, scheme: GradingScheme, model: ScoringModel) -> Graded:
    """Score with the model, then classify; only flags the scheme understands are passed on."""
    score = model.score(facts)
    flags = []
    if score.flags:  # most subjects raise none: spare them the scheme's list of flags
        accepted = set(accepted_flags(scheme))
        flags = [flag for flag in sorted(score.flags) if flag in accepted]
    return Graded(scheme, score, classify(scheme, score.value, flags))


def explanation_json(graded: Graded) -> str:
    """The stored explanation: every line with what it rests on, every reason with its flag."""
    classification, score = graded.classification, graded.score
    reasons = classification.reasons
    reason_flags = classification.reason_flags or (None,) * len(reasons)
    if len(reason_flags) != len(reasons):
        raise ValueError(f"{graded.scheme.id}: {len(reasons)} reasons but {len(reason_flags)} reason flags")
    # A line that names nothing it rests on rests on the records it cites (hub.explanation.Line).
    return dumps_document(
        [c.as_json(None if c.rests_on else c.record_ids) for c in score.contributions],
        list(reasons), list(reason_flags), classification.overridden_by, sorted(score.flags),
        {flag: grounds for flag, grounds in score.flag_grounds.items() if flag in score.flags})


_LEVEL_NAMES = {"county": "县级", "city": "市级", "province": "省级"}


@dataclass(frozen=True)
class ComputedBy:
    """The platform that runs the engine: its id and level (HUB_PLATFORM_ID, HUB_LEVEL)."""

    platform: str
    level: str


def evaluation_row(subject_uscc: str, graded: Graded, *, now: datetime, run_id: str,
                   computed_by: ComputedBy | None = None) -> dict[str, Any]:
    """One evaluation as the store writes it, saying who computed it and in whose name it stands.

    Where the scheme reserves its evaluations to a higher level (seed 000 §二.(一): the public credit
    evaluation is the province's), a lower platform's result is its own estimate: issued in the
    platform's name, never the scheme's evaluator's, and ``authoritative`` false, so that it never
    stands over the issuer's own (hub.db.current).
    """
    scheme = graded.scheme
    row: dict[str, Any] = {
        "id": f"eval-{run_id}-{scheme.id}-{subject_uscc}",
        "subject_uscc": subject_uscc, "scheme": scheme.id,
        "score": graded.score.value, "grade": graded.classification.grade,
        "level": graded.classification.level, "disclosure": scheme.disclosure.value,
        "valid_until": (clock.date_of(now) + timedelta(days=scheme.validity_days)).isoformat(),
        "evaluator": scheme.evaluator, "explanation": explanation_json(graded), "run_id": run_id,
        "authoritative": True,
    }
    if computed_by is not None:
        issued = scheme.issued_at(computed_by.level)
        level_name = _LEVEL_NAMES.get(computed_by.level, computed_by.level)
        row.update(computed_by=computed_by.platform, origin_platform=computed_by.platform,
                   origin_level=computed_by.level, authoritative=issued,
                   issuer=scheme.evaluator if issued else computed_by.platform,
                   issued_in_name_of=scheme.evaluator if issued else computed_by.platform)
        if not issued:
            row["evaluator"] = f"{computed_by.platform}（{level_name}平台测算，非{scheme.evaluator}作出的评价）"
    return row


def review_flags(subject_uscc: str, current: Iterable[CurrentGrade], new_rows: Sequence[Mapping[str, Any]],
                 registry: SchemeRegistry) -> list[dict[str, Any]]:
    """Open flags for pairs of current evaluations two or more rungs apart (seed 001 §二.(四).2).

    SAMR risk classes take no part: they are "不作为对企业的信用评价" (seed 004 第六条), so a risk
    class and a credit grade measure different things and their distance is not a discrepancy.
    """
    replaced = {row["scheme"] for row in new_rows}
    # The departments to notify are the schemes' evaluators as this hub's registry names them, not the
    # evaluations' own evaluator text: an estimate computed elsewhere reads "henan-jiaxian（县级平台测算…）",
    # which names no department, and a received evaluation may name one this hub has never heard of.
    standing: list[tuple[str, str, str | None]] = [(e.scheme, e.grade, None) for e in current
                                                   if e.scheme not in replaced and e.scheme in registry]
    standing += [(row["scheme"], row["grade"], None) for row in new_rows]
    standing = [entry for entry in standing if registry.get(entry[0]).kind is not SchemeKind.MARKET_RISK]
    flags = []
    for found in discrepancies(standing, registry):
        first, second = sorted((found.first, found.second), key=lambda placed: placed.scheme)
        flags.append({
            "key": f"{subject_uscc}|{first.scheme}|{second.scheme}", "subject_uscc": subject_uscc,
            "props": {"schemes": [first.scheme, second.scheme], "grades": [first.grade, second.grade],
                      "rungs": [first.rung, second.rung], "gap": found.gap,
                      "departments": list(found.departments)},
        })
    return flags
