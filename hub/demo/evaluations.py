"""The demo's evaluations: each subject's grades under the schemes of its region, as of their runs.

Every subject has this year's provincial public credit evaluation (and often last year's, expired);
enterprises have the monthly SAMR risk class; subjects of 郏县, 晋江 (Quanzhou), 鹤岗 (Heilongjiang)
and 怀仁 (Shanxi) may also have their region's industry or public evaluation. A score follows the
subject's own level less the demerits of its records known on the day; the lists override it.

These rows are what an archive would carry for ``hub load --demo-subjects`` and ``hub demo export``;
``hub demo load`` grades with the engine instead (hub.demo.year.populate).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hub.clock import CHINA
from hub.db.ingest import Row
from hub.demo import catalog as cat
from hub.demo.grades import (
    JIAXIAN_INDUSTRY,
    QUANZHOU,
    classify,
    heilongjiang_grade,
    henan_public_grade,
    henan_risk_grade,
    shanxi_grade,
)
from hub.demo.state import GeneratorState, latest_yearly
from hub.demo.subjects import Subject
from hub.disclosure import Disclosure
from hub.models import RecordKind, RecordStatus
from hub.rights.publicity import add_months


class Evaluator:
    def __init__(self, state: GeneratorState) -> None:
        self.state, self.rng, self.as_of = state, state.rng, state.as_of
        self.evaluations: list[Row] = []

    def evaluate(self, s: Subject) -> None:
        rng, registered = self.rng, s.row["registered_on"]
        previous = add_months(self.state.public_batch, -12)
        if registered < previous - timedelta(days=30) and rng.random() < 0.6:
            score, listed, _ = self._public_score(s, previous)  # last year's, now expired
            self._evaluation(s, "henan-public-credit", score, henan_public_grade(score, listed=listed),
                             None, Disclosure.PUBLIC, previous, "河南省公共信用信息平台")
        public, listed, category = self._public_score(s, self.state.public_batch)
        self._evaluation(s, "henan-public-credit", public, henan_public_grade(public, listed=listed),
                         None, Disclosure.PUBLIC, self.state.public_batch, "河南省公共信用信息平台")
        if s.prefix == "91":  # SAMR risk classes cover enterprises; refreshed monthly
            month = self.as_of.replace(day=1)
            demerits, on_list, _ = self._standing(s, month)
            risk = float(round(min(max(140 + 9 * demerits + rng.gauss(0, 40), 0), 1000)))
            self._evaluation(s, "henan-market-risk", risk, henan_risk_grade(risk, listed=on_list),
                             None, Disclosure.INTERNAL, month, "河南省市场监督管理局")
        region, scheme = s.region.code, s.industry.scheme
        if region == cat.JIAXIAN and scheme and rng.random() < 0.7:
            day = latest_yearly(self.as_of, 4, 15)
            if registered < day - timedelta(days=30):
                score, listed, _ = self._public_score(s, day)
                score = round(min(max(score + rng.gauss(0, 4), 0.0), 100.0), 1)
                grade = "D" if listed else classify(score, JIAXIAN_INDUSTRY)
                disclosure = Disclosure.AUTHORIZED if scheme == "food" else Disclosure.PUBLIC
                self._evaluation(s, f"jiaxian-{scheme}-industry", score, grade, None, disclosure,
                                 day, "郏县" + cat.DEPT_TITLES[s.industry.regulator])
        elif region in ("350582", "230400") and rng.random() < 0.8:
            day = latest_yearly(self.as_of, 1, 20 if region == "350582" else 28)
            if registered < day - timedelta(days=30):
                score, listed, category = self._public_score(s, day)
                evaluator = s.region.prefix + cat.DEPT_TITLES.get(s.industry.regulator, "市场监督管理局")
                if region == "350582":
                    points = float(round(min(max(score * 10 + rng.gauss(0, 40), 0), 1000)))
                    self._evaluation(s, "quanzhou-industry", points, classify(points, QUANZHOU), None,
                                     Disclosure.AUTHORIZED, day, evaluator)
                else:
                    self._evaluation(s, "heilongjiang-industry", None,
                                     heilongjiang_grade(category, score), None,
                                     Disclosure.AUTHORIZED, day, evaluator)
        elif region == "140624":
            day = latest_yearly(self.as_of, 3, 15)
            score, listed, _ = self._public_score(s, day)
            grade, level = shanxi_grade(score, listed=listed)
            self._evaluation(s, "shanxi-public-credit", score, grade, level, Disclosure.PUBLIC, day,
                             "山西省信用信息共享平台")

    def _standing(self, s: Subject, on: date) -> tuple[float, bool, int]:
        """(net demerits, on a joint-punishment list, worst category 0–3) as known on ``on``.

        Penalties and other negatives count for three years; repaired records do not count at all
        (SPEC §2.5); list entries count while the listing lasts.
        """
        demerits, listed, category = 0.0, False, 0
        lookback = add_months(on, -36)
        for row, (demerit, cat_) in zip(s.records, s.marks, strict=True):
            day, kind = row["decided_on"], row["kind"]
            if day > on or row["status"] != RecordStatus.ACTIVE.value:
                continue
            if kind in (RecordKind.SERIOUS_DISHONESTY_LIST.value, RecordKind.DISHONEST_EXECUTEE.value):
                if row["publicity_ends_on"] is None or row["publicity_ends_on"] >= on:
                    demerits, listed, category = demerits + demerit, True, 3
            elif day > lookback:
                demerits, category = demerits + demerit, max(category, cat_)
        return demerits, listed, category

    def _public_score(self, s: Subject, on: date) -> tuple[float, bool, int]:
        demerits, listed, category = self._standing(s, on)
        score = round(min(max(s.base - demerits + self.rng.gauss(0, 1.5), 0.0), 100.0), 1)
        return score, listed, category

    def _evaluation(self, s: Subject, scheme: str, score: float | None, grade: str,
                    level: str | None, disclosure: Disclosure, day: date, evaluator: str) -> None:
        at = datetime.combine(day, time(1), CHINA) + timedelta(minutes=self.rng.randrange(300))
        self.evaluations.append({
            "id": f"eval-{self.state.seed}-{len(self.evaluations) + 1:07d}", "subject_uscc": s.row["uscc"],
            "scheme": scheme, "score": score, "grade": grade, "level": level,
            "disclosure": disclosure.value, "evaluated_at": at,
            "valid_until": add_months(day, 12), "evaluator": evaluator})

