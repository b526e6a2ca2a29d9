"""A draw as one file: everything stored about it, with the statements the hub signed (docs/draw-protocol.md §5).

``hub draw export`` writes it; ``hub draw verify --file F --public-key K`` checks it with no database,
by the same routine as a draw in the database (hub.supervision.evidence). What makes the check mean
something is the key: whoever edits the file can recompute every digest in it and even re-sign every
statement — with their own key. So the file's own ``public_key`` is only a label; the verifier must
be given the platform's key out of band (``platform { publicKey }`` on the hub, or ``hub sync key``
from its operator), and a file naming another key fails. The population carries SAMR risk classes
(seed 004 第六条 "不向社会公开"): the file is for government departments.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.errors import BadInput
from hub.exchange.signing import public_key_text
from hub.supervision.evidence import (
    Artefact,
    DrawEvidence,
    DrawReport,
    Finding,
    StoredResult,
    StoredTarget,
    verify_evidence,
)

FORMAT = "credit-hub-draw/2"
_REQUIRED = ("draw", "status", "plan", "department", "scheme", "ratios", "statements", "platform", "public_key")


class DrawFileError(BadInput):
    """The file is not a readable exported draw; the message says what is wrong."""


def to_document(evidence: DrawEvidence, platform: str, public_key: str) -> dict[str, Any]:
    e = evidence
    return {
        "format": FORMAT, "draw": e.draw_id, "status": e.status, "plan": e.plan_id, "department": e.department,
        "scheme": e.scheme, "attempt": e.attempt, "replaces": e.replaces, "redraw_reason": e.redraw_reason,
        "superseded_by": e.superseded_by, "ratios": dict(e.ratios), "inspectors_per_target": e.inspectors_per_target,
        "inspectors": [dict(i) for i in e.inspectors] if e.inspectors is not None else None,
        "population": [list(row) for row in e.population] if e.population is not None else None,
        "population_salt": e.population_salt, "seed": e.seed, "published": dict(e.published),
        "strata": [dict(s) for s in e.strata] if e.strata is not None else None, "result_text": e.result_text,
        "targets": [{"uscc": t.uscc, "grade": t.grade, "inspectors": list(t.inspectors), "position": t.position}
                    for t in e.targets],
        "results": [{"uscc": r.uscc, "result": r.result, "notes": r.notes, "inspected_on": r.inspected_on,
                     "statement": r.statement} for r in e.results],
        "statements": list(e.statements), "results_statement": e.results_statement,
        "platform": platform, "public_key": public_key,
    }


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrawFileError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DrawFileError(f"{path}: not an exported draw (expected \"format\": \"{FORMAT}\")")
    missing = [key for key in _REQUIRED if key not in document]
    if missing:
        raise DrawFileError(f"{path}: lacks {', '.join(missing)}")
    return document


def verify_document(document: Mapping[str, Any], trusted_key: Ed25519PublicKey) -> DrawReport:
    """Every check of §5 on an exported draw, against the key the verifier trusts (not the file's)."""
    evidence = from_document(document)
    report = verify_evidence(evidence, trusted_key)
    named = str(document.get("public_key"))
    if named != public_key_text(trusted_key):
        warning = Finding(Artefact.STATEMENTS, f"the file names platform key {named}, but the key you trust is "
                          f"{public_key_text(trusted_key)}: it was signed (or re-signed) by someone else")
        report = DrawReport(report.draw_id, report.status, (warning, *report.findings), report.checked,
                            report.recomputed_digest)
    return report


def from_document(document: Mapping[str, Any]) -> DrawEvidence:
    """The evidence a file holds; anything malformed in it is left for verification to report."""
    try:
        return DrawEvidence(
            draw_id=str(document["draw"]), status=str(document["status"]), plan_id=str(document["plan"]),
            department=str(document["department"]), scheme=str(document["scheme"]), attempt=document.get("attempt"),
            replaces=document.get("replaces"), redraw_reason=document.get("redraw_reason"),
            superseded_by=document.get("superseded_by"), ratios=dict(document["ratios"]),
            inspectors_per_target=document.get("inspectors_per_target"),
            population=_rows(document.get("population")), population_salt=document.get("population_salt"),
            inspectors=tuple(document["inspectors"]) if document.get("inspectors") is not None else None,
            seed=document.get("seed"), published=dict(document.get("published") or {}),
            strata=tuple(document["strata"]) if document.get("strata") is not None else None,
            result_text=document.get("result_text"),
            targets=tuple(StoredTarget(str(t["uscc"]), str(t["grade"]), tuple(t["inspectors"]), t.get("position"))
                          for t in document.get("targets") or ()),
            results=tuple(StoredResult(str(r["uscc"]), str(r["result"]), str(r.get("notes") or ""),
                                       str(r.get("inspected_on")), r.get("statement"))
                          for r in document.get("results") or ()),
            statements=tuple(str(s) for s in document["statements"]),
            results_statement=document.get("results_statement"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DrawFileError(f"the exported draw is malformed: {exc!r}") from None


def _rows(population: Any) -> tuple[tuple[str, ...], ...] | None:
    if population is None:
        return None
    return tuple(tuple(str(part) for part in row) for row in population)
