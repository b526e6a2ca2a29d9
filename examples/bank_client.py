"""A bank's client of Credit Hub in Python: its trusted documents, sent by id over httpx.

    HUB_URL=http://127.0.0.1:8000 HUB_TOKEN=$(hub token issue --role bank --org 中国工商银行郏县支行) \
        python examples/bank_client.py 91410425

searches subjects by a code prefix or part of a name (SearchSubjects), shows the first one's profile as the bank
may see it (SubjectProfile), and lists the bank's own consents page by page (MyConsents). The operations are
those of schema/trusted/bank.graphql, checked against schema/schema.graphql; each is sent as
``{"documentId": "sha256:<id>"}`` from schema/trusted/bank.json, so it works on a hub started with
HUB_BANK_TRUSTED_DOCUMENTS_ONLY=true (docs/tiers.md). tests/test_bank_client_example.py runs this file against a
served hub.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

MANIFEST = Path(__file__).resolve().parent.parent / "schema" / "trusted" / "bank.json"


class HubError(Exception):
    """The hub refused: ``code`` is its extensions.code (docs/errors.md), ``message_zh`` its Chinese text."""

    def __init__(self, code: str, message: str, message_zh: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message_zh = code, message_zh


@dataclass(frozen=True)
class SubjectSummary:
    uscc: str
    name: str
    region: str
    status: str


@dataclass(frozen=True)
class ConsentSummary:
    id: str
    subject_uscc: str
    purpose: str
    scopes: list[str]
    expires_at: str
    status: str


class BankClient:
    """One bank's connection to a hub: each method is one trusted document."""

    def __init__(self, url: str, token: str, manifest: Path = MANIFEST) -> None:
        operations = json.loads(manifest.read_text(encoding="utf-8"))["operations"]
        self.ids = {op["name"]: "sha256:" + op["id"] for op in operations}
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def run(self, name: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"documentId": self.ids[name], "variables": variables})
        body = response.json()
        errors = body.get("errors") or []
        if response.status_code != 200 or body.get("data") is None:
            first: dict[str, Any] = errors[0] if errors else {"message": response.text}
            extensions: dict[str, Any] = first.get("extensions") or {}
            raise HubError(extensions.get("code", str(response.status_code)), str(first.get("message")),
                           extensions.get("messageZh"))
        return body["data"]

    def search(self, text: str, first: int = 20) -> tuple[int, list[SubjectSummary]]:
        page = self.run("SearchSubjects", search=text, first=first)["subjects"]
        return page["totalCount"], [SubjectSummary(n["uscc"], n["name"], n["region"], n["status"])
                                    for n in page["nodes"]]

    def profile(self, uscc: str) -> dict[str, Any] | None:
        return self.run("SubjectProfile", uscc=uscc)["subject"]

    def my_consents(self, status: str | None = None, page_size: int = 20) -> Iterator[ConsentSummary]:
        after = None
        while True:
            page = self.run("MyConsents", status=status, first=page_size, after=after)["myConsents"]
            for n in page["nodes"]:
                yield ConsentSummary(n["id"], n["subjectUscc"], n["purpose"], n["scopes"], n["expiresAt"], n["status"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]


def main(argv: list[str]) -> int:
    client = BankClient(os.environ.get("HUB_URL", "http://127.0.0.1:8000"), os.environ["HUB_TOKEN"])
    try:
        total, subjects = client.search(argv[1] if len(argv) > 1 else "", first=5)
        print(f"subjects: {total}")
        for subject in subjects:
            print(f"  {subject.uscc} {subject.name} {subject.region} {subject.status}")
        if subjects:
            profile = client.profile(subjects[0].uscc) or {}
            grades = ", ".join(f"{e['scheme']}={e['grade']}" for e in profile.get("evaluations") or [])
            print(f"profile {subjects[0].uscc}: records={len(profile.get('records') or [])} grades=[{grades}]")
        for consent in client.my_consents(page_size=2):
            print(f"consent {consent.id} {consent.subject_uscc} {consent.status} until {consent.expires_at} "
                  f"scopes={','.join(consent.scopes)}")
    except HubError as exc:
        print(f"refused: {exc} ({exc.message_zh or ''})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
