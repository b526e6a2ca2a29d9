"""A refusal said in both languages: English for logs and the operator, Chinese for the clerk who reads it.

Issue 13 §4: what a clerk reads (an import report, a refused item) is in Chinese; English stays for logs.
Each sentence is built once, where its rule is checked, in both languages — so the two say the same rule
with the same values, and nothing translates English after the fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bilingual:
    """One sentence: ``en`` (logs, the operator's column) and ``zh`` (zh-CN, what a clerk reads)."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en

    def map(self, transform: Callable[[str], str]) -> Bilingual:
        """Both sentences passed through ``transform`` (e.g. masking identity numbers)."""
        return Bilingual(transform(self.en), transform(self.zh))
