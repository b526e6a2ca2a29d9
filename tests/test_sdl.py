"""The printed schema is committed; an API change must show up in review as a diff of it."""

from __future__ import annotations

from hub.settings import Settings
from schema.build import SDL_PATH, build_schema, print_sdl


def test_committed_sdl_matches_the_schema() -> None:
    printed = print_sdl(build_schema(Settings()))
    assert SDL_PATH.read_text() == printed, "schema changed: run `make sdl` and commit schema.graphql"


def test_contract_names_are_present() -> None:
    sdl = SDL_PATH.read_text()
    for name in ("subject(uscc: String!): Subject", "subjects(", "grantConsent(", "revokeConsent(",
                 "legalRepresentative: Person", "riskClassification: Evaluation",
                 "enum Disclosure"):
        assert name in sdl
