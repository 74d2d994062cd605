"""Server configuration of the demo: the bundled signed repository and a sandbox root.

Used by `scripts/demo.sh` (`jupyter lab --config demo/jupyter_server_config.py`) and, with
additions, by the UI tests. Paths are those `scripts/setup.sh` builds under `.demo/`.

apk itself cannot be installed on these machines, so the demo runs the test double
`demo/bin/apk-test-double` against the sandbox root; the sidebar says "demo mode".
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / ".demo"
PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"
SITE_PACKAGES = DEMO / "root" / "usr/lib" / PYTHON / "site-packages"

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded
c.ApkManager.repositories = [str(DEMO / "repo")]
c.ApkManager.keys_dir = str(DEMO / "keys")
c.ApkManager.root = str(DEMO / "root")
c.ApkManager.cache_dir = str(DEMO / "cache")
c.ApkManager.apk_command = [str(REPO / "demo/bin/apk-test-double")]

# Kernels started by this server import what apk installs into the sandbox root, as a kernel
# on Alpine's system Python imports from /usr/lib/python3.X/site-packages.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(SITE_PACKAGES), os.environ.get("PYTHONPATH")])
)
