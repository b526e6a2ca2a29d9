"""The archive layout ``hub load`` reads: five CSV files, their columns, and how each cell is read.

An archive is a folder of UTF-8 CSV files (a BOM is allowed), each with a header row naming its
columns (in any order; a column that is not listed here refuses the file, a listed one may be left
out and is then empty everywhere). An empty cell is null. docs/bulk-load.md is the operators' copy
of this layout.

====================  =========================================================================
file                  columns (* required in every row)
====================  =========================================================================
departments.csv       code*, name*, domains (separated by ``;``), region
organizations.csv     name*, kind*, uscc
subjects.csv          uscc*, name*, industry, status (default 存续), registered_on,
                      legal_representative, legal_representative_id (GB 11643; sealed at load)
records.csv           id*, subject_uscc*, kind*, title*, decided_on, issuing_department,
                      source_platform, disclosure*, status (default ACTIVE), severity,
                      publicity_ends_on, repaired_on, document_number, content, amount_wan_yuan, kept
evaluations.csv       id*, subject_uscc*, scheme*, score, grade*, level, disclosure*, evaluated_at*,
                      valid_until, evaluator, explanation, run_id
====================  =========================================================================

Dates are ``YYYY-MM-DD``; ``evaluated_at`` is ISO 8601 with its UTC offset
(``2026-03-01T09:30:00+08:00``); ``kept`` is ``true`` or ``false``; numbers use a dot.
A subject's kind and region come from its code (GB 32100 positions 1–2 and 3–8).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileLayout:
    name: str
    columns: tuple[str, ...]
    required: frozenset[str]
    # The column naming a row's node: each value once per file, as the database's uniqueness constraint on it
    # (hub.db.migrations) requires — the importer does not check it, ``hub migrate`` would fail after the import.
    key: str = "id"

    @property
    def label(self) -> str:
        return self.name.removesuffix(".csv")


DEPARTMENTS = FileLayout("departments.csv", ("code", "name", "domains", "region"), frozenset({"code", "name"}),
                         key="code")
ORGANIZATIONS = FileLayout("organizations.csv", ("name", "kind", "uscc"), frozenset({"name", "kind"}), key="name")
SUBJECTS = FileLayout("subjects.csv", ("uscc", "name", "industry", "status", "registered_on",
                                       "legal_representative", "legal_representative_id"),
                      frozenset({"uscc", "name"}), key="uscc")
# The order of hub.db.ingest's record row; ``repaired_on`` joins a row only when it has a value, so
# a row's digest is the one ingest computes for the same record.
RECORDS = FileLayout("records.csv", ("id", "subject_uscc", "kind", "title", "decided_on", "issuing_department",
                                     "source_platform", "disclosure", "status", "severity", "publicity_ends_on",
                                     "document_number", "content", "amount_wan_yuan", "kept", "repaired_on"),
                     frozenset({"id", "subject_uscc", "kind", "title", "disclosure"}))
EVALUATIONS = FileLayout("evaluations.csv", ("id", "subject_uscc", "scheme", "score", "grade", "level",
                                             "disclosure", "evaluated_at", "valid_until", "evaluator",
                                             "explanation", "run_id"),
                         frozenset({"id", "subject_uscc", "scheme", "grade", "disclosure", "evaluated_at"}))
FILES = (DEPARTMENTS, ORGANIZATIONS, SUBJECTS, RECORDS, EVALUATIONS)
DOMAIN_SEPARATOR = ";"
# The texts the database indexes (each file's key, a subject's name, an evaluation's scheme; hub.db.migrations)
# hold at most this many characters: Neo4j 5.26 cannot index a longer one — a range index (behind every
# uniqueness constraint) took a key of 8,150 bytes and failed on 8,200, the text index on subject names failed
# between 9,000 and 40,000 — and after a bulk load ``hub migrate`` would fail on it. 1,024 characters are at most
# 4,096 bytes of UTF-8; no code, id, name or scheme is near that long.
MAX_INDEXED_CHARACTERS = 1024
DEFAULT_SUBJECT_STATUS = "存续"
