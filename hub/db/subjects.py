"""Cypher for subjects: profiles of many subjects in one round trip, and keyset-paged search.

Graph shape (docs/data-model.md):
  (:Subject)-[:LEGAL_REPRESENTATIVE]->(:Person)
  (:Record)-[:ABOUT]->(:Subject), (:Record)-[:ISSUED_BY]->(:Department)
  (:Evaluation)-[:OF]->(:Subject)
  (:Consent)-[:GIVEN_BY]->(:Subject), (:Consent)-[:GRANTED_TO]->(:Organization)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.db.consents import consent_from_row
from hub.db.gateway import Neo4jGateway, native
from hub.disclosure import Disclosure
from hub.models import (
    CreditRecord,
    Evaluation,
    Person,
    RecordKind,
    RecordStatus,
    Severity,
    Subject,
    SubjectKind,
    SubjectProfile,
)


class ProfilePart(StrEnum):
    """The parts of a profile a request may ask for; each is one subquery, skipped when unasked."""

    RECORDS = "records"
    EVALUATIONS = "evaluations"  # the whole history
    CURRENT_EVALUATIONS = "current_evaluations"  # only each scheme's CURRENT one (cheap; enough for most views)
    LEGAL_REPRESENTATIVE = "legal_representative"


ALL_PARTS = frozenset(ProfilePart)

# One projection shared by the lookup and the search, so both return the same profile in one trip.
_PROFILE = """
CALL (s) {
  OPTIONAL MATCH (s)-[:LEGAL_REPRESENTATIVE]->(p:Person) WHERE $with_person
  RETURN p { .name, .id_masked, .id_sealed } AS person LIMIT 1
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record) WHERE $with_records
  WITH r ORDER BY r.decided_on DESC
  RETURN collect(r { .*, under_objection: EXISTS { (r)<-[:CONTESTS]-(:Objection {status: 'PENDING'}) } })
         AS records
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:OF]-(e:Evaluation) WHERE $with_evaluations
  WITH e ORDER BY e.evaluated_at DESC
  RETURN collect(e { .*, under_objection: EXISTS { (e)<-[:CONTESTS]-(:Objection {status: 'PENDING'}) } })
         AS evaluations
}
CALL (s) {
  OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation) WHERE $with_current_only
  WITH e ORDER BY e.evaluated_at DESC
  RETURN collect(e { .*, under_objection: EXISTS { (e)<-[:CONTESTS]-(:Objection {status: 'PENDING'}) } })
         AS current
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:GIVEN_BY]-(c:Consent) WHERE $grantee IS NOT NULL AND c.grantee = $grantee
  RETURN collect(c { .* , subject_uscc: s.uscc }) AS consents
}
RETURN s { .* } AS subject, person, records, evaluations + current AS evaluations, consents
"""

_BY_CODES = "UNWIND $usccs AS code MATCH (s:Subject {uscc: code})" + _PROFILE


@dataclass(frozen=True)
class SubjectPage:
    profiles: tuple[SubjectProfile, ...]
    has_next: bool


def _parameters(parts: frozenset[ProfilePart], grantee: str | None) -> dict[str, Any]:
    return {
        "with_person": ProfilePart.LEGAL_REPRESENTATIVE in parts,
        "with_records": ProfilePart.RECORDS in parts,
        "with_evaluations": ProfilePart.EVALUATIONS in parts,
        "with_current_only": ProfilePart.CURRENT_EVALUATIONS in parts and ProfilePart.EVALUATIONS not in parts,
        "grantee": grantee,
    }


async def load_profiles(
    gateway: Neo4jGateway, usccs: Iterable[str], parts: frozenset[ProfilePart], grantee: str | None,
) -> dict[str, SubjectProfile]:
    """Profiles of the known subjects among ``usccs`` (unknown codes are absent from the map)."""
    rows = await gateway.query(_BY_CODES, {"usccs": sorted(set(usccs)), **_parameters(parts, grantee)})
    profiles = (_profile(row) for row in rows)
    return {profile.subject.uscc: profile for profile in profiles}


async def search_subjects(
    gateway: Neo4jGateway, *, code_prefix: str | None, name_contains: str | None,
    after: str | None, limit: int, parts: frozenset[ProfilePart], grantee: str | None,
) -> SubjectPage:
    """One page of subjects ordered by code (keyset pagination on the unique code index)."""
    # Only the predicates in use: "$x IS NULL OR …" would stop the planner from walking the code
    # index in order, turning every page into a scan and sort of all subjects.
    where = ["s.uscc > $after"]
    if code_prefix is not None:
        where.append("s.uscc STARTS WITH $prefix")
    if name_contains is not None:
        where.append("s.name CONTAINS $name")
    query = "MATCH (s:Subject) WHERE " + " AND ".join(where) + " WITH s ORDER BY s.uscc LIMIT $limit" + _PROFILE
    rows = await gateway.query(query, {"after": after or "", "prefix": code_prefix, "name": name_contains,
                                       "limit": limit + 1, **_parameters(parts, grantee)})
    profiles = tuple(_profile(row) for row in rows[:limit])
    return SubjectPage(profiles, has_next=len(rows) > limit)


async def count_subjects(gateway: Neo4jGateway) -> int:
    rows = await gateway.run("MATCH (s:Subject) RETURN count(s) AS n")
    return int(rows[0]["n"])


def _profile(row: Mapping[str, Any]) -> SubjectProfile:
    node = row["subject"]
    person_row = row.get("person")
    person = None
    if person_row and person_row.get("name"):
        person = Person(name=person_row["name"], id_masked=person_row["id_masked"],
                        id_sealed=person_row["id_sealed"], subject_uscc=node["uscc"])
    subject = Subject(
        uscc=node["uscc"], name=node["name"], kind=SubjectKind(node["kind"]),
        region=node["region"], industry=node.get("industry"), status=node.get("status", "存续"),
        registered_on=native(node.get("registered_on")), legal_representative=person,
    )
    return SubjectProfile(
        subject=subject,
        records=tuple(record_from_row(r, subject.uscc) for r in row["records"]),
        evaluations=tuple(evaluation_from_row(e, subject.uscc) for e in row["evaluations"]),
        consents=tuple(consent_from_row(c) for c in row["consents"]),
    )


def record_from_row(row: Mapping[str, Any], uscc: str) -> CreditRecord:
    return CreditRecord(
        id=row["id"], subject_uscc=uscc, kind=RecordKind(row["kind"]), title=row["title"],
        decided_on=native(row.get("decided_on")), issuing_department=row.get("issuing_department"),
        source_platform=row.get("source_platform"), disclosure=Disclosure(row["disclosure"]),
        status=RecordStatus(row.get("status", "ACTIVE")),
        severity=Severity(row["severity"]) if row.get("severity") else None,
        publicity_ends_on=native(row.get("publicity_ends_on")),
        document_number=row.get("document_number"), content=row.get("content"),
        amount_wan_yuan=row.get("amount_wan_yuan"), kept=row.get("kept"),
        under_objection=bool(row.get("under_objection")),
    )


def evaluation_from_row(row: Mapping[str, Any], uscc: str) -> Evaluation:
    return Evaluation(
        id=row["id"], subject_uscc=uscc, scheme=row["scheme"], score=row.get("score"),
        grade=row["grade"], level=row.get("level"), disclosure=Disclosure(row["disclosure"]),
        evaluated_at=native(row["evaluated_at"]), valid_until=native(row.get("valid_until")),
        evaluator=row.get("evaluator"), explanation=row.get("explanation"),
        superseded_at=native(row.get("superseded_at")), previous_grade=row.get("previous_grade"),
        under_objection=bool(row.get("under_objection")),
    )
