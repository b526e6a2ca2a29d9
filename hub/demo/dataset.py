"""The demo data set: what :func:`generate` returns, and the order in which it draws its parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.db.ingest import Row
from hub.demo import catalog as cat
from hub.demo.evaluations import Evaluator
from hub.demo.records import RecordWriter
from hub.demo.state import GeneratorState
from hub.demo.subjects import SubjectFactory
from hub.personal_data import PersonalDataVault


@dataclass(frozen=True)
class DemoData:
    departments: list[Row]
    organizations: list[Row]
    subjects: list[Row]
    records: list[Row]
    evaluations: list[Row]

    def counts(self) -> dict[str, int]:
        return {"departments": len(self.departments), "organizations": len(self.organizations),
                "subjects": len(self.subjects), "records": len(self.records),
                "evaluations": len(self.evaluations)}


def generate(*, seed: int = 7, subjects: int = 1000, as_of: date,
             vault: PersonalDataVault) -> DemoData:
    """Generate the data set; see :mod:`hub.demo` for what it contains and why.

    The order matters (one random stream): organizations, then every subject, then each subject's
    records followed by its evaluations.
    """
    state = GeneratorState(seed, as_of)
    departments = [{"code": f"{cat.JIAXIAN}-{d.suffix}", "name": d.name, "domains": list(d.domains),
                    "region": cat.JIAXIAN} for d in cat.DEPARTMENTS]
    old = date(2001, 1, 1)
    organizations = (
        [{"name": n, "kind": "bank", "uscc": state.code("91", cat.JIAXIAN, old)} for n in cat.BANKS]
        + [{"name": n, "kind": "agency", "uscc": state.code("11", cat.JIAXIAN, old)}
           for n in cat.AGENCIES]
        + [{"name": n, "kind": "platform", "uscc": None} for n in cat.PLATFORMS]
        + [{"name": cat.CREDIT_OFFICE, "kind": "credit_office", "uscc": None}])
    factory, writer, evaluator = SubjectFactory(state, vault), RecordWriter(state), Evaluator(state)
    drawn = [factory.subject() for _ in range(subjects)]
    for subject in drawn:
        writer.history(subject)
        evaluator.evaluate(subject)
    return DemoData(departments, organizations, [s.row for s in drawn], writer.records,
                    evaluator.evaluations)
