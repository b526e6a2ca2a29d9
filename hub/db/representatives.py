"""Cypher fragments that keep a subject's legal representatives' history, for the subject upsert.

When a subject takes a new legal representative, the one it replaces stays linked as
``(:Subject)-[:FORMER_LEGAL_REPRESENTATIVE {until}]->(:Person)`` (``until``: the China date of the
change), and the subject is labelled ``:RepresentativeChanged`` in the same transaction — the warning
engine's queue entry for "this subject's representative changed" (hub.warnings.engine), removed when
the engine has evaluated it. A person who represented a subject that has just entered a dishonesty
list is followed for some months after leaving it (seed 004 第三条 监测、研判和预警; docs/warnings.md).

Fragments rather than a statement of their own: the change must be in the upsert's transaction, or a
crash between the two would lose the history (and the warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub import clock

# After `OPTIONAL MATCH (s)-[old:LEGAL_REPRESENTATIVE]->(other:Person) WHERE other <> p`: keep `other`.
REPLACED = """
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END |
  MERGE (s)-[was:FORMER_LEGAL_REPRESENTATIVE]->(other) SET was.until = row.changed_on)
"""

# After `MERGE (s)-[:LEGAL_REPRESENTATIVE]->(p)`, as its ON CREATE: the subject joins the engine's queue.
TAKEN_ON = "ON CREATE SET s:RepresentativeChanged\n"


def dated(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Subject rows with the day a representative they replace stops (today, China time)."""
    today = clock.today()
    return [{**row, "changed_on": today} for row in rows]
