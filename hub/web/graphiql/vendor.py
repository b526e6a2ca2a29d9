"""``python -m hub.web.graphiql.vendor`` (``make graphiql``): fetch the pinned GraphiQL files with npm and
vendor them into ``assets/``, with ``assets/MANIFEST.json`` naming each file's package, version and SHA-256
(the procedure: hub/web/npm_vendor.py)."""

from __future__ import annotations

from pathlib import Path

from hub.web import npm_vendor

# served name → (npm package, path inside it). UMD builds: the page loads them with plain <script>
# tags, no bundler, no module loader, nothing fetched at run time.
FILES = {
    "react.production.min.js": ("react", "umd/react.production.min.js"),
    "react-dom.production.min.js": ("react-dom", "umd/react-dom.production.min.js"),
    "graphiql.min.js": ("graphiql", "graphiql.min.js"),
    "graphiql.min.css": ("graphiql", "graphiql.min.css"),
    "plugin-explorer.umd.js": ("@graphiql/plugin-explorer", "dist/index.umd.js"),
    "plugin-explorer.css": ("@graphiql/plugin-explorer", "dist/style.css"),
}

if __name__ == "__main__":
    npm_vendor.report(npm_vendor.vendor(Path(__file__).parent, FILES, what="GraphiQL",
                                        module="hub.web.graphiql.vendor"))
