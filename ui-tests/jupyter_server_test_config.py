"""Jupyter server configuration for the Galata UI tests (and the keystroke benchmark).

Galata's defaults (no token, no XSRF check, a throw-away root dir and workspaces dir, the
galata helper extension) plus:

- 127.0.0.1 on the port given by $JUPYTERLAB_APK_UI_PORT (playwright.config.ts picks a free one
  and passes the same value to Playwright's baseURL);
- the read-only extension manager (nothing is fetched from PyPI during the tests);
- the demo repository configuration of ../demo/jupyter_server_config.py (a signed local repo
  and a sandbox root, built by scripts/setup.sh under .demo/), with a second repository
  that nothing listens on appended, so the sidebar shows a repository error next to an ok one;
- a fresh, throw-away apk cache under ui-tests/.apk-cache, so a cached copy of an index never
  hides that error (it would turn "error" into "stale").

$JUPYTERLAB_APK_UI_REPOSITORIES (whitespace-separated), $JUPYTERLAB_APK_UI_KEYS_DIR and
$JUPYTERLAB_APK_UI_ROOT replace the demo's repositories, keys and sandbox root (bench/ui uses
them to serve a generated 25,000-package catalog instead).

$JUPYTERLAB_APK_UI_APK names a real apk binary to run instead of the demo's double
(playwright.config.ts gives it only to the real-apk project's server). That server gets a fresh
root of its own, created by that binary with Python's stand-in installed
(demo/python_stand_in.py: the demo's packages depend on `python3~X.Y`), and only the demo
repository: a real apk would fetch the unreachable one on every install.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the demo package

from demo import pip_wheels, python_stand_in  # noqa: E402 - needs the path above

DEMO_CONFIG = HERE.parent / "demo" / "jupyter_server_config.py"
UNREACHABLE_REPOSITORY = "http://127.0.0.1:9/unreachable"
REAL_APK = os.environ.get("JUPYTERLAB_APK_UI_APK")

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded

configure_jupyter_server(c)

c.ServerApp.allow_root = True
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ.get("JUPYTERLAB_APK_UI_PORT", "8888"))
c.ServerApp.port_retries = 0
c.LabApp.extension_manager = "readonly"

# The demo's repository, keys and sandbox root (paths relative to the demo config file).
exec(  # noqa: S102 - our own, checked-in configuration file
    compile(DEMO_CONFIG.read_text(), str(DEMO_CONFIG), "exec"),
    {"get_config": lambda: c, "__file__": str(DEMO_CONFIG), "__name__": "demo_config"},
)

if os.environ.get("JUPYTERLAB_APK_UI_REPOSITORIES"):
    c.ApkManager.repositories = os.environ["JUPYTERLAB_APK_UI_REPOSITORIES"].split()
elif not REAL_APK:
    c.ApkManager.repositories = [*c.ApkManager.repositories, UNREACHABLE_REPOSITORY]
if os.environ.get("JUPYTERLAB_APK_UI_KEYS_DIR"):
    c.ApkManager.keys_dir = os.environ["JUPYTERLAB_APK_UI_KEYS_DIR"]
if os.environ.get("JUPYTERLAB_APK_UI_ROOT"):
    c.ApkManager.root = os.environ["JUPYTERLAB_APK_UI_ROOT"]

# One cache per port (the UI tests and the benchmark may run at the same time); caches left
# behind by earlier runs are removed after a day.
cache_dir = HERE / ".apk-cache" / str(c.ServerApp.port)
shutil.rmtree(cache_dir, ignore_errors=True)
for old in (HERE / ".apk-cache").glob("[0-9]*"):
    if old.is_dir() and time.time() - old.stat().st_mtime > 86400:
        shutil.rmtree(old, ignore_errors=True)
cache_dir.mkdir(parents=True)
c.ApkManager.cache_dir = str(cache_dir)

if REAL_APK:
    root = cache_dir / "root"
    python_stand_in.init_root([REAL_APK], root)
    python_stand_in.install_python_stand_in(
        [REAL_APK], root, cache_dir / "python-stand-in",
        version="{}.{}.{}-r0".format(*sys.version_info[:3]),
        arch=(root / "etc/apk/arch").read_text().strip(),
    )  # fmt: skip
    c.ApkManager.root = str(root)
    c.ApkManager.apk_command = [REAL_APK]

# The image's baseline, taken as the image's last build step takes it: the sandbox as the tests
# find it now (tests/environment.spec.ts checks what is listed as changed since).
c.ApkManager.baseline_file = str(cache_dir / "image-baseline.json")
subprocess.run(
    [sys.executable, "-m", "jupyterlab_apk.cli", "baseline", "--root", c.ApkManager.root,
     "--kernel", "python3", "--output", c.ApkManager.baseline_file],
    check=True, cwd=HERE.parent, stdout=subprocess.DEVNULL,
)  # fmt: skip

# pip in the kernels (tests/pip.spec.ts): never the network. A local directory holds the tiny
# `pipdemo` wheel, which no apk provides (python -m demo.pip_wheels), and .demo/wheels the
# demo's real wheels (tabulate, termcolor, ...). Kernels inherit the server's environment.
# The kernels' pip installs into the kernel's own interpreter (the dev venv): the tests
# uninstall what they install.
PIP_WHEELS = HERE / ".apk-cache" / "pip-wheels"
pip_wheels.build(PIP_WHEELS)
os.environ["PIP_FIND_LINKS"] = " ".join([str(PIP_WHEELS), str(HERE.parent / ".demo" / "wheels")])
os.environ["PIP_NO_INDEX"] = "1"
os.environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
