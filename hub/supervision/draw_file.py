"""A draw as one file: its frozen inputs, revealed seed and published digests (docs/draw-protocol.md §5).

``hub draw export`` writes it; ``hub draw verify --file`` recomputes the draw from it alone, with no
database: the file's population and inputs are checked against the digests published at the freeze
(to say *which* input differs), then the seed against its commitment and the recomputed result
against the published digest. The population carries SAMR risk classes (seed 004 第六条 "不向社会公开"):
the file is for government departments; the digests, seed and results are what the public holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.errors import BadInput
from hub.supervision.draw import (
    DrawError,
    DrawInputs,
    Inspector,
    Ratio,
    VerifyOutcome,
    inputs_digest,
    population_digest,
    verify,
)

FORMAT = "credit-hub-draw/1"


class DrawFileError(BadInput):
    """The file is not a readable exported draw; the message says what is wrong."""


def to_document(inputs: DrawInputs, draw: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT, "draw": draw["id"], "plan": inputs.plan_id, "department": inputs.department,
        "scheme": inputs.scheme, "inspectors_per_target": inputs.inspectors_per_target,
        "ratios": {r.grade: str(r.minimum_percent) for r in inputs.ratios},
        "inspectors": [{"id": i.id, "name": i.name, "conflicts": sorted(i.conflicts)} for i in inputs.inspectors],
        "population": [list(entry) for entry in inputs.population],
        "seed": draw["seed"], "seed_commitment": draw["seed_commitment"],
        "population_digest": draw["population_digest"], "inputs_digest": draw["inputs_digest"],
        "result_digest": draw["result_digest"],
    }


@dataclass(frozen=True)
class FileVerification:
    """The checks of §5 on a file: ``altered`` names inputs whose digest differs from the published one."""

    outcome: VerifyOutcome
    altered: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.outcome.ok and not self.altered

    @property
    def detail(self) -> str:
        return "; ".join([*self.altered, *([] if self.outcome.ok else [self.outcome.detail])]) or "ok"


def verify_document(document: dict[str, Any]) -> FileVerification:
    """Every check of §5 on an exported draw; an altered input is named as well as the failed draw."""
    inputs, seed = _inputs(document)
    named = (("population", "population_digest", population_digest(inputs.population)),
             ("inputs (ratios or inspector pool)", "inputs_digest", inputs_digest(inputs)))
    altered = tuple(f"{what} digest is {ours}, published {document[key]}" for what, key, ours in named
                    if ours != str(document[key]).strip().lower())
    return FileVerification(verify(inputs, seed, document["seed_commitment"], document["result_digest"]), altered)


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrawFileError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DrawFileError(f"{path}: not an exported draw (expected \"format\": \"{FORMAT}\")")
    missing = [key for key in ("draw", "plan", "department", "scheme", "inspectors_per_target", "ratios",
                               "inspectors", "population", "seed", "seed_commitment", "population_digest",
                               "inputs_digest", "result_digest") if key not in document]
    if missing:
        raise DrawFileError(f"{path}: lacks {', '.join(missing)}")
    return document


def _inputs(document: dict[str, Any]) -> tuple[DrawInputs, bytes]:
    try:
        inputs = DrawInputs(
            plan_id=document["plan"], department=document["department"], scheme=document["scheme"],
            ratios=tuple(Ratio(grade, Decimal(str(p))) for grade, p in sorted(document["ratios"].items())),
            population=tuple((str(code), str(grade)) for code, grade in document["population"]),
            inspectors=tuple(Inspector(i["id"], i["name"], frozenset(i["conflicts"])) for i in document["inspectors"]),
            inspectors_per_target=document["inspectors_per_target"])
        seed = bytes.fromhex(document["seed"])
    except (DrawError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DrawFileError(f"the exported draw's inputs are malformed: {exc}") from None
    return inputs, seed
