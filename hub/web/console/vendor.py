"""``python -m hub.web.console.vendor`` (``make console-assets``): fetch the pinned Apache ECharts with npm
and vendor it into ``assets/``, with ``assets/MANIFEST.json`` naming each file's package, version and
SHA-256 (the procedure: hub/web/npm_vendor.py)."""

from __future__ import annotations

from pathlib import Path

from hub.web import npm_vendor

# served name → (npm package, path inside it): the prebuilt UMD bundle, loaded with a plain <script> tag.
FILES = {
    "echarts.min.js": ("echarts", "dist/echarts.min.js"),
}

if __name__ == "__main__":
    # Apache-2.0 asks that its licence and NOTICE travel with the files.
    npm_vendor.report(npm_vendor.vendor(Path(__file__).parent, FILES, what="ECharts",
                                        module="hub.web.console.vendor", legal=("LICENSE", "NOTICE")))
