"""A local JupyterHub (3.2 or later) where a group decides who may install system packages.

    .venv/bin/jupyterhub -f docker/jupyterhub/jupyterhub_config.py    # after scripts/setup.sh

Two users in two groups: alice (group "installers") may browse and install, bob (group
"readers") may only browse; his `%pip install` cells go to pip. Log in at
http://127.0.0.1:8000 with either name and any password. Each user gets a single-user server
with jupyterlab-apk on its own sandbox root (as each user pod has its own container), on the
signed demo repository, with the apk test double, as `scripts/demo.sh` runs; all servers share
one apk package cache. State lives in $JUPYTERLAB_APK_HUB_STATE (default `.demo/hub`).

Not for production: SimpleLocalProcessSpawner runs every server as the Hub's own user, and the
DummyAuthenticator accepts any password. `values.yaml` beside this file is the same setup for
Zero to JupyterHub.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / ".demo"
STATE = Path(os.environ.get("JUPYTERLAB_APK_HUB_STATE") or DEMO / "hub")
SHARED_CACHE = STATE / "apk-cache"
SHARED_CACHE.mkdir(parents=True, exist_ok=True)
PROXY = REPO / ".hub-proxy/node_modules/.bin/configurable-http-proxy"  # scripts/setup.sh
PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"

READ = "custom:jupyterlab-apk:read"
INSTALL = "custom:jupyterlab-apk:install"

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded

c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {"alice", "bob"}

# -- who may do what: groups, the two scopes, and a role per group ------------------------------
c.JupyterHub.load_groups = {
    "installers": {"users": ["alice"]},
    "readers": {"users": ["bob"]},
}
c.JupyterHub.custom_scopes = {
    READ: {"description": "List and search the system packages (jupyterlab-apk)."},
    INSTALL: {
        "description": "Install, upgrade and remove system packages (jupyterlab-apk).",
        "subscopes": [READ],
    },
}
c.JupyterHub.load_roles = [
    {"name": "apk-installers", "scopes": [INSTALL], "groups": ["installers"]},
    {"name": "apk-readers", "scopes": [READ], "groups": ["readers"]},
]
# The scopes reach a single-user server only in the tokens its OAuth client may issue; listing
# them here is also what tells jupyterlab-apk to follow them.
c.Spawner.oauth_client_allowed_scopes = [READ, INSTALL]

# -- the single-user servers -------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "{username}" / "home")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    f"--ApkManager.repositories={DEMO / 'repo'}",
    f"--ApkManager.keys_dir={DEMO / 'keys'}",
    f"--ApkManager.apk_command={REPO / 'demo/bin/apk-test-double'}",
    f"--ApkManager.shared_cache_dir={SHARED_CACHE}",
]


def own_sandbox(spawner):
    """Give each user an apk root of their own, and kernels that import from it."""
    user = STATE / spawner.user.name
    root = user / "root"
    for directory in ("etc/apk", "lib/apk/db", "var/cache/apk"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    for database in ("etc/apk/world", "lib/apk/db/installed"):
        (root / database).touch()
    spawner.args = [
        *spawner.args,
        f"--ApkManager.root={root}",
        f"--ApkManager.cache_dir={user / 'jupyterlab-apk'}",
    ]
    spawner.environment = {
        **spawner.environment,
        "PYTHONPATH": str(root / "usr/lib" / PYTHON / "site-packages"),
    }


c.Spawner.pre_spawn_hook = own_sandbox
