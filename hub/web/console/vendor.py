"""``python -m hub.web.console.vendor`` (``make console-assets``): fetch the pinned Apache ECharts with npm and
vendor it into ``assets/``, with ``assets/MANIFEST.json`` naming each file's package, version and SHA-256.

The same procedure as hub/web/graphiql/vendor.py: ``npm ci`` installs exactly ``package-lock.json`` (every
package checked against its integrity hash) in a scratch directory, with this directory's ``.npmrc`` (no
install scripts); npm finds its registry in its own configuration. The copied files are committed, so an
offline machine serves the console as it is; this script is only for changing versions: edit
``package.json``, run ``npm install --package-lock-only`` here, then this script.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
MANIFEST = ASSETS / "MANIFEST.json"
NPM_FILES = ("package.json", "package-lock.json", ".npmrc")

# served name → (npm package, path inside it): the prebuilt UMD bundle, loaded with a plain <script> tag.
FILES = {
    "echarts.min.js": ("echarts", "dist/echarts.min.js"),
}
# Apache-2.0 asks that its licence and NOTICE travel with the files.
LEGAL = ("LICENSE", "NOTICE")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vendor() -> dict[str, object]:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to vendor ECharts again (Debian: apt-get install npm); serving the "
                         "committed files needs none")
    with tempfile.TemporaryDirectory(prefix="console-vendor-") as scratch:
        work = Path(scratch)
        for name in NPM_FILES:
            shutil.copy2(HERE / name, work / name)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=work, check=True)
        modules = work / "node_modules"
        files: dict[str, object] = {}
        packages: dict[str, str] = {}
        for served, (package, path) in FILES.items():
            version = json.loads((modules / package / "package.json").read_text())["version"]
            data = (modules / package / path).read_bytes()
            (ASSETS / served).write_bytes(data)
            files[served] = {"package": package, "version": version, "path": path, "sha256": sha256(data),
                             "bytes": len(data)}
            packages[package] = version
            for legal in LEGAL:
                source = modules / package / legal
                if source.is_file():
                    (ASSETS / "licenses").mkdir(exist_ok=True)
                    shutil.copy2(source, ASSETS / "licenses" / f"{package.replace('/', '__')}.{legal}")
    manifest: dict[str, object] = {"generated_by": "python -m hub.web.console.vendor", "packages": packages,
                                   "files": files}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


if __name__ == "__main__":
    written = vendor()
    for name, entry in written["files"].items():  # type: ignore[attr-defined]
        print(f"{name:32} {entry['package']}@{entry['version']}  sha256 {entry['sha256'][:16]}…", file=sys.stderr)
