"""The demo's grades: score bands per evaluation scheme and the rules that override them.

Deliberately small: issue 3 replaces them with the real grading engine (schemes as data).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# A band is (lower bound, bound included, grade); bands run from the top down.
Band = tuple[float, bool, str]
HENAN_PUBLIC: tuple[Band, ...] = (  # seed 000 二(三): 优 > 85, 良 (70, 85], 中 (50, 70], 差 ≤ 50
    (85, False, "优"), (70, False, "良"), (50, False, "中"), (-math.inf, True, "差"))
# seed 000 二(五): department models default to 100 points and A/B/C/D ("E（良好）" is a typo for B);
# the seed gives no thresholds, so the demo reuses the public evaluation's.
JIAXIAN_INDUSTRY: tuple[Band, ...] = (
    (85, False, "A"), (70, False, "B"), (50, False, "C"), (-math.inf, True, "D"))
HENAN_RISK: tuple[Band, ...] = (  # seed 004 第九条: A [0,200) B [200,500) C [500,750) D [750,1000]
    (750, True, "D"), (500, True, "C"), (200, True, "B"), (-math.inf, True, "A"))
# seed 001 (三)4: 1000 points, A 优秀 … E 差, but the thresholds are left to each department; these
# are the demo's defaults.
QUANZHOU: tuple[Band, ...] = (
    (900, True, "A"), (800, True, "B"), (700, True, "C"), (600, True, "D"), (-math.inf, True, "E"))
SHANXI: tuple[Band, ...] = (  # seed 003 表: A (85,100] B (65,85] C (40,65] D [0,40]
    (85, False, "A"), (65, False, "B"), (40, False, "C"), (-math.inf, True, "D"))
# seed 003: nine levels by "+/-" fine-tuning. The demo splits each grade's band into equal parts,
# open below and closed above like the grades: A (85,92.5] A-, (92.5,100] A; B and C in thirds.
SHANXI_LEVELS = {"A": ("A-", "A"), "B": ("B-", "B", "B+"), "C": ("C-", "C", "C+"), "D": ("D",)}
SHANXI_RANGES = {"A": (85.0, 100.0), "B": (65.0, 85.0), "C": (40.0, 65.0), "D": (0.0, 40.0)}


def classify(score: float, bands: Sequence[Band]) -> str:
    for lower, inclusive, grade in bands:
        if score > lower or (inclusive and score == lower):
            return grade
    raise ValueError(f"score {score} falls below every band")


def henan_public_grade(score: float, *, listed: bool = False) -> str:
    """seed 000: on the joint-punishment list (失信联合奖惩对象名单) → "直接被评为差级"."""
    return "差" if listed else classify(score, HENAN_PUBLIC)


def henan_risk_grade(risk: float, *, listed: bool = False) -> str:
    """seed 004 第十条: serious-dishonesty list or 失信被执行人 → D regardless of the score."""
    return "D" if listed else classify(risk, HENAN_RISK)


def shanxi_grade(score: float, *, listed: bool = False) -> tuple[str, str]:
    """(grade, level); on the serious-dishonesty list → D (SPEC §2.1)."""
    grade = "D" if listed else classify(score, SHANXI)
    levels, (low, high) = SHANXI_LEVELS[grade], SHANXI_RANGES[grade]
    position = (min(max(score, low), high) - low) / (high - low)
    return grade, levels[min(max(math.ceil(position * len(levels)) - 1, 0), len(levels) - 1)]


def heilongjiang_grade(category: int, public_score: float) -> str:
    """seed 002: 诚信守法 → A or B, 轻微失信 → C, 一般失信 → D, 严重失信 → E (category 0–3)."""
    return ("A" if public_score > 85 else "B") if category == 0 else "CDE"[category - 1]
