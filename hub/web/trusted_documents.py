"""Trusted documents (persisted queries) over HTTP: ``{"documentId": "sha256:<hex>"}`` in place of ``query``.

The manifest (schema/trusted/bank.json, Apollo's persisted-query-manifest format) is read once at start; a
request naming an id runs that document's text, exactly as if it had been sent. With
HUB_BANK_TRUSTED_DOCUMENTS_ONLY a bank token's request must name one: a bank's loan-officer client then
runs only reviewed operations, and a stolen bank token cannot be used to explore (docs/tiers.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hub.disclosure import Role, Viewer
from hub.errors import ConfigurationError, PersistedQueryNotFound, RequestError, TrustedDocumentRequired

_ID = re.compile(r"sha256:[0-9a-f]{64}")


class TrustedDocuments:
    def __init__(self, documents: dict[str, str], *, banks_only_trusted: bool) -> None:
        self.documents = documents  # "sha256:<hex>" → the document's text
        self.banks_only_trusted = banks_only_trusted

    @classmethod
    def load(cls, manifest: Path, *, banks_only_trusted: bool) -> TrustedDocuments:
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            documents = {f"sha256:{op['id']}": op["body"] for op in data["operations"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"trusted documents {manifest}: {exc}") from exc
        return cls(documents, banks_only_trusted=banks_only_trusted)

    def apply(self, params: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        """``params`` with ``query`` taken from its ``documentId``; refuses what the settings refuse."""
        document_id = params.get("documentId")
        if document_id is None:
            if self.banks_only_trusted and viewer.role is Role.BANK:
                raise TrustedDocumentRequired(
                    "bank tokens may run only this hub's trusted documents (HUB_BANK_TRUSTED_DOCUMENTS_ONLY): send "
                    "{\"documentId\": \"sha256:…\"} from schema/trusted/bank.json instead of 'query'")
            return params
        if params.get("query") is not None:
            raise RequestError("send either 'documentId' or 'query', not both")
        if not isinstance(document_id, str) or not _ID.fullmatch(document_id):
            raise PersistedQueryNotFound(f"documentId {str(document_id)[:80]!r} is not \"sha256:\" and 64 lowercase "
                                         "hexadecimal digits")
        text = self.documents.get(document_id)
        if text is None:
            raise PersistedQueryNotFound(f"no trusted document with id {document_id!r} on this hub "
                                         "(schema/trusted/bank.json lists them)")
        return {**params, "query": text}
