"""``python -m schema.trusted``: the manifest of schema/trusted/bank.graphql on stdout."""

from schema.trusted import SOURCE_PATH, manifest

print(manifest(SOURCE_PATH.read_text(encoding="utf-8")), end="")
