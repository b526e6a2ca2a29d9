"""抽查频次 — whether each class of a plan's population has been drawn as often as its measures say.

The measures lists give each grade a number of 双随机 inspections per subject per year (hub.supervision.
measures ``inspections_per_year``: at most N for the grades whose frequency the seeds lower, at least N
for those they raise — seed 004 第十二–十五条, seed 002 §三.(三), seed 000 §三 "抽查比例和频次"). A plan
carries the frequencies in force when it was made; its report counts, for every subject of each class
in the plan's population *now*, how many times the department's draws of the year under the plan's
scheme have drawn it (superseded draws do not count: their targets were never to be inspected), and
says per class how many subjects are below ``at_least``, above ``at_most``, and whether the class meets
its frequency. A class with an ``at_least`` may be unmet early in the year and met by its end: the
report is as of today.

The figures are per class, so INTERNAL (seed 004 第六条: risk classes are shared with government
departments only); schema.tiers keeps them there.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.supervision.measures import Frequency, YearlyFrequency


@dataclass(frozen=True)
class ClassFrequency:
    """One class's 抽查频次 in a plan's year: the frequency, and how the class's subjects stand."""

    grade: str
    frequency: Frequency | None  # None: no measures list gives this grade a frequency
    subjects: int
    times_drawn: tuple[tuple[int, int], ...]  # (times drawn this year, subjects drawn that many times)
    below: int  # subjects drawn fewer times than at_least
    above: int  # subjects drawn more times than at_most

    @property
    def met(self) -> bool | None:
        """True when every subject of the class is within its frequency; None when there is none."""
        return None if self.frequency is None else self.below == 0 and self.above == 0


def frequencies_json(frequencies: Mapping[str, YearlyFrequency]) -> str:
    """The frequencies a plan carries, as stored on it (grade → {at_least, at_most, basis})."""
    return json.dumps({grade: {"at_least": f.frequency.at_least, "at_most": f.frequency.at_most, "basis": f.basis}
                       for grade, f in frequencies.items()}, ensure_ascii=False)


def read_frequencies(text: str | None) -> dict[str, tuple[Frequency, str]]:
    """grade → (frequency, basis) from a plan's stored JSON."""
    return {grade: (Frequency(at_least=f.get("at_least"), at_most=f.get("at_most")), f.get("basis") or "")
            for grade, f in json.loads(text or "{}").items()}


def class_frequencies(grades: Sequence[str], frequencies: Mapping[str, Frequency],
                      population: Sequence[tuple[str, str]], drawn: Mapping[str, int]) -> list[ClassFrequency]:
    """Per grade of the scheme (best first): ``population`` is (code, class) of the plan's subjects,
    ``drawn`` how many times each code was drawn this year (absent: never)."""
    by_grade: dict[str, list[int]] = {grade: [] for grade in grades}
    for code, grade in population:
        by_grade.setdefault(grade, []).append(drawn.get(code, 0))
    found = []
    for grade, times in by_grade.items():
        frequency = frequencies.get(grade)
        least = frequency.at_least if frequency is not None else None
        most = frequency.at_most if frequency is not None else None
        found.append(ClassFrequency(
            grade=grade, frequency=frequency, subjects=len(times),
            times_drawn=tuple(sorted(Counter(times).items())),
            below=sum(1 for n in times if least is not None and n < least),
            above=sum(1 for n in times if most is not None and n > most)))
    return found
