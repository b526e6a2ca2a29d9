"""信用评价 — the evaluation engine: grading schemes as data, scoring models, the common ladder.

- ``schemes``  — a scheme (scale, grades with open/closed boundaries, sub-levels, overrides,
  disclosure, cycle, ladder) loaded from a readable data file; ``classify`` turns a score and flags
  into a grade with its reasons.
- ``models``   — scoring models that compute a score from a subject's records, with the
  contribution of every indicator (the explanation).
- ``ladder``   — the common ladder and the discrepancy check between evaluations (seed 001).
- ``combine``  — "通用 + 专业": general and domain risk classes (seed 004 第十六条).
"""
