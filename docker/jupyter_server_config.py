"""Jupyter server configuration of the jupyterlab-apk image (/etc/jupyter/jupyter_server_config.py).

The server runs as the unprivileged user jovyan from the root-owned venv /opt/jupyter. apk runs as
root only through the privileged helper, by the one sudo rule in /etc/sudoers.d/jupyterlab-apk;
the helper re-checks every request against the root-owned /etc/jupyterlab-apk/policy.json, so
nothing set here (or in a user's ~/.jupyter) can widen what it does.

The repositories, keys and switches come from that same policy file (written at build time from
/etc/apk/repositories by docker/write-config.py): the catalog the server shows, what apk itself
uses and what the helper allows are one list.
"""

import json
import os

POLICY_FILE = "/etc/jupyterlab-apk/policy.json"
HELPER = "/usr/local/libexec/jupyterlab-apk/apk-helper"

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded

# -- the server ------------------------------------------------------------------------------
# Listen on every interface of the container (publish the port with -p); token auth stays on:
# the token is $JUPYTER_TOKEN when set and not empty, else a random one printed in the log.
c.ServerApp.ip = "0.0.0.0"
c.ServerApp.port = int(os.environ.get("JUPYTER_PORT") or 8888)
c.ServerApp.port_retries = 0  # the published port is the only useful one
c.ServerApp.base_url = os.environ.get("JUPYTER_BASE_URL") or "/"
c.ServerApp.open_browser = False
c.ServerApp.root_dir = os.path.expanduser("~")
# Request bodies: tornado buffers a whole body before a handler sees it (jupyterlab-apk's own
# routes stream theirs and refuse more than 64 KiB unread). 100 MiB still saves a large
# notebook in one PUT; the defaults (512 MiB, 100 MiB) let one request take 512 MiB of memory.
c.ServerApp.max_body_size = 100 * 1024 * 1024
c.ServerApp.max_buffer_size = 100 * 1024 * 1024
# JupyterLab's own extension manager would pip-install into the root-owned /opt/jupyter.
c.LabApp.extension_manager = "readonly"

# -- the kernel ------------------------------------------------------------------------------
# The only Python kernel is /opt/jupyter/share/jupyter/kernels/python3 (docker/kernel.json):
# /opt/kernel/bin/python, a --system-site-packages venv on Alpine's python3, so it imports what
# apk installs into /usr/lib/python3.X/site-packages and pip installs into /opt/kernel. The
# server's own interpreter (/opt/jupyter) must not be offered as a second "native" kernel.
c.KernelSpecManager.ensure_native_kernel = False

# -- jupyterlab-apk --------------------------------------------------------------------------
try:
    with open(POLICY_FILE, encoding="utf-8") as f:
        policy = json.load(f)
except (OSError, ValueError) as e:
    # No policy: apk's own list, and the helper refuses every request anyway.
    print(f"jupyter_server_config: cannot read {POLICY_FILE} ({e}); using /etc/apk/repositories")
    policy = {}

if "repositories" in policy:
    c.ApkManager.repositories = list(policy["repositories"])
c.ApkManager.root = policy.get("root", "/")
c.ApkManager.keys_dir = policy.get("keys_dir", "/etc/apk/keys")
c.ApkManager.allow_untrusted = bool(policy.get("allow_untrusted", False))
c.ApkManager.allow_remove = bool(policy.get("allow_remove", True))
c.ApkManager.shared_cache_dir = policy.get("cache_dir", "")
c.ApkManager.apk_command = ["sudo", "-n", HELPER]
c.ApkManager.cache_dir = os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "jupyterlab-apk"
)
