"""Server configuration of the demo: the bundled signed repository and a sandbox root.

Used by `scripts/demo.sh` (`jupyter lab --config demo/jupyter_server_config.py`) and, with
additions, by the UI tests. Paths are those `scripts/setup.sh` builds under `.demo/`.
"""

from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / ".demo"

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded
c.ApkManager.repositories = [str(DEMO / "repo")]
c.ApkManager.keys_dir = str(DEMO / "keys")
c.ApkManager.root = str(DEMO / "root")
c.ApkManager.cache_dir = str(DEMO / "cache")
