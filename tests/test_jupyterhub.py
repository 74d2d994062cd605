"""A real JupyterHub: the example in docker/jupyterhub/ with configurable-http-proxy, two users'
single-user servers with jupyterlab-apk, and the Hub's scopes deciding who may install.

Everything goes through the Hub's proxy on 127.0.0.1 the way a browser goes: log in, start the
server, follow the OAuth redirects, then call the REST API with the server's cookie and XSRF
token. The install runs the first real apk named by $JUPYTERLAB_APK_TEST_APK, else the test
double, on each user's own sandbox root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from jupyterlab_apk.apkwriter import PackageInfo, write_repository
from jupyterlab_apk.hub import declares_apk_scopes

from .http_repo import RepoServer
from .real_apk import APK_VARIABLE, _unavailable
from .test_apk_helper import load_helper
from .test_installer import APK_DOUBLE, ARCH, SITE

requests = pytest.importorskip("requests")
pytest.importorskip("jupyterhub")

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docker" / "jupyterhub" / "jupyterhub_config.py"
PROXY = REPO / ".hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
TIMEOUT = 30  # seconds for any one request, the Hub to start, a job to end
# A single-user server imports all of Jupyter first: seconds, or a minute on a busy machine.
SERVER_TIMEOUT = 90
PACKAGE = "py3-hello"
INSTALL = {"action": "install", "packages": [PACKAGE]}
NAMESPACE = "jupyterlab-apk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Browser:
    """One user's browser: cookies, XSRF, and the Hub's redirects followed."""

    def __init__(self, hub_url: str, name: str):
        self.hub_url = hub_url
        self.name = name
        self.session = requests.Session()

    def log_in_and_spawn(self) -> None:
        self.session.get(f"{self.hub_url}/hub/login", timeout=TIMEOUT).raise_for_status()
        self.session.post(
            f"{self.hub_url}/hub/login",
            data={"username": self.name, "password": "any", "_xsrf": self._xsrf("/hub/")},
            timeout=TIMEOUT,
        ).raise_for_status()
        response = self.session.post(
            f"{self.hub_url}/hub/api/users/{self.name}/server",
            headers={"X-XSRFToken": self._xsrf("/hub/")},
            timeout=TIMEOUT,
        )
        assert response.status_code in (201, 202), response.text

    def open_server(self) -> None:
        wait_for(f"{self.name}'s server", self._ready, SERVER_TIMEOUT)
        # The first visit goes through the Hub's OAuth and leaves the server's own cookies.
        lab = self.session.get(f"{self.hub_url}/user/{self.name}/lab", timeout=TIMEOUT)
        assert lab.status_code == 200, lab.url

    def _ready(self) -> bool:
        model = self.session.get(f"{self.hub_url}/hub/api/user", timeout=TIMEOUT).json()
        return bool(model["servers"].get("", {}).get("ready"))

    def _xsrf(self, path: str) -> str:
        return next(c.value for c in self.session.cookies if c.name == "_xsrf" and c.path == path)

    def api(self, method: str, owner: str, route: str, body=None):
        """`route` of *owner*'s jupyterlab-apk API; redirects followed, status not checked."""
        headers = {}
        if method != "GET":
            prefix = f"/user/{owner}/"
            cookies = self.session.cookies
            tokens = [c.value for c in cookies if c.name == "_xsrf" and c.path == prefix]
            headers["X-XSRFToken"] = tokens[0] if tokens else ""
        return self.session.request(
            method,
            f"{self.hub_url}/user/{owner}/{route}",
            data=None if body is None else json.dumps(body),
            headers=headers,
            timeout=TIMEOUT,
        )


@pytest.fixture(scope="module")
def apk_command() -> str:
    binaries = [item for item in os.environ.get(APK_VARIABLE, "").split(os.pathsep) if item]
    return binaries[0] if binaries else APK_DOUBLE


@pytest.fixture(scope="module")
def hub(tmp_path_factory, keys, apk_command):
    if not PROXY.exists():
        _unavailable(f"configurable-http-proxy is not installed at {PROXY}: run scripts/setup.sh")
    base = tmp_path_factory.mktemp("hub")
    repo = RepoServer()
    info = PackageInfo(name=PACKAGE, version="1.0-r0", arch=ARCH, description="hello")
    write_repository(base / "repo", ARCH, [(info, {f"{SITE}/hello.py": b"WORLD = 1\n"})], keys.key)
    for path in (base / "repo").rglob("*.*"):
        repo.files["/" + path.relative_to(base).as_posix()] = path.read_bytes()

    hub_url = f"http://127.0.0.1:{free_port()}"
    config = base / "jupyterhub_config.py"
    config.write_text(
        textwrap.dedent(
            f"""
            c = get_config()
            load_subconfig({str(EXAMPLE)!r})
            c.JupyterHub.bind_url = {hub_url!r}
            c.JupyterHub.hub_bind_url = "http://127.0.0.1:{free_port()}"
            c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
            c.Spawner.args = [
                "--ApkManager.repositories={repo.url}/repo",
                "--ApkManager.keys_dir={keys.dir}",
                "--ApkManager.apk_command={apk_command}",
                "--ApkManager.shared_cache_dir={base / 'state' / 'apk-cache'}",
                *(["--allow-root"] if {os.geteuid() == 0} else []),
            ]
            c.Spawner.start_timeout = c.Spawner.http_timeout = {SERVER_TIMEOUT}
            """
        )
    )
    env = {
        **os.environ,
        "JUPYTERLAB_APK_HUB_STATE": str(base / "state"),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    log = (base / "hub.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=base,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for("the Hub", lambda: _answers(f"{hub_url}/hub/api/") or process.poll() is not None)
        assert process.poll() is None, (base / "hub.log").read_text()[-3000:]
        yield hub_url, repo, base
    finally:
        process.send_signal(signal.SIGTERM)  # the Hub stops the proxy and the servers it spawned
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        shutil.rmtree(base / "state", ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def browsers(hub) -> dict[str, Browser]:
    """alice and bob logged in, their servers started (at once: each takes seconds) and open."""
    browsers = {name: Browser(hub[0], name) for name in ("alice", "bob")}
    for browser in browsers.values():
        browser.log_in_and_spawn()
    for browser in browsers.values():
        browser.open_server()
    return browsers


@pytest.fixture
def alice(browsers) -> Browser:
    return browsers["alice"]


@pytest.fixture
def bob(browsers) -> Browser:
    return browsers["bob"]


def permissions(browser: Browser, owner: str) -> list[str]:
    query = json.dumps({"apk": ["read", "write"]})
    response = browser.api("GET", owner, f"api/me?permissions={query}")
    assert response.status_code == 200, response.text
    return response.json()["permissions"]["apk"]


def wait_for_job(browser: Browser, job_id: str) -> dict:
    def finished():
        job = browser.api("GET", browser.name, f"{NAMESPACE}/jobs/{job_id}?since=0&wait=5").json()
        return job if job["state"] not in ("queued", "running") else None

    return wait_for(f"job {job_id}", finished)


def test_alice_in_the_installers_group_installs_through_the_proxy(hub, alice):
    base = hub[2]
    assert permissions(alice, "alice") == ["read", "write"]
    assert alice.api("GET", "alice", f"{NAMESPACE}/settings").json()["may_install"] is True
    listed = alice.api("GET", "alice", f"{NAMESPACE}/packages?q=hello").json()
    assert [p["name"] for p in listed["packages"]] == [PACKAGE]

    response = alice.api("POST", "alice", f"{NAMESPACE}/jobs", INSTALL)
    assert response.status_code == 202, response.text
    job = wait_for_job(alice, response.json()["id"])
    assert job["state"] == "done", (job["error"], job["log"])
    assert job["user"] == "alice"
    assert (base / "state/alice/root" / SITE / "hello.py").read_bytes() == b"WORLD = 1\n"
    assert not (base / "state/bob/root" / SITE / "hello.py").exists()
    installed = alice.api("GET", "alice", f"{NAMESPACE}/packages/{PACKAGE}").json()
    assert installed["installed_version"] == "1.0-r0"


def test_bob_in_the_readers_group_browses_but_may_not_install(bob):
    assert permissions(bob, "bob") == ["read"]
    # The sidebar shows no install actions when the settings say so.
    assert bob.api("GET", "bob", f"{NAMESPACE}/settings").json()["may_install"] is False
    listed = bob.api("GET", "bob", f"{NAMESPACE}/packages?q=hello")
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()["packages"]] == [PACKAGE]
    assert bob.api("GET", "bob", f"{NAMESPACE}/jobs").status_code == 200

    job = bob.api("POST", "bob", f"{NAMESPACE}/jobs", INSTALL)
    assert job.status_code == 403, job.text
    # What his %pip cell asks first; the frontend sends the cell to pip with this reason.
    resolve = bob.api(
        "POST", "bob", f"{NAMESPACE}/resolve", {"requirements": ["hello"], "kernel": "python3"}
    )
    assert resolve.status_code == 403
    assert "not authorized" in resolve.json()["message"]
    assert bob.api("GET", "bob", f"{NAMESPACE}/jobs").json() == []


def test_the_z2jh_values_grant_what_the_local_example_grants(tmp_path, monkeypatch):
    """values.yaml and jupyterhub_config.py: the same scopes, groups, roles and allowed scopes;
    the policy in values.yaml has only keys the privileged helper knows."""
    monkeypatch.setenv("JUPYTERLAB_APK_HUB_STATE", str(tmp_path))
    local = PyFileConfigLoader(EXAMPLE.name, str(EXAMPLE.parent)).load_config()
    values = yaml.safe_load(EXAMPLE.with_name("values.yaml").read_text())
    hub_config = values["hub"]["config"]
    assert hub_config["JupyterHub"]["custom_scopes"] == local.JupyterHub.custom_scopes
    assert hub_config["JupyterHub"]["load_groups"] == local.JupyterHub.load_groups
    roles = [{"name": name, **role} for name, role in values["hub"]["loadRoles"].items()]
    assert roles == local.JupyterHub.load_roles
    allowed = hub_config["KubeSpawner"]["oauth_client_allowed_scopes"]
    assert allowed == local.Spawner.oauth_client_allowed_scopes
    assert declares_apk_scopes(allowed)

    singleuser = values["singleuser"]
    policy = singleuser["extraFiles"]["apk-policy"]["data"]
    assert set(policy) <= set(load_helper().DEFAULTS)
    [mount] = singleuser["storage"]["extraVolumeMounts"]
    assert mount["mountPath"] == policy["cache_dir"]


def test_no_user_reaches_another_users_server(alice, bob):
    for browser, other in ((alice, "bob"), (bob, "alice")):
        for method, route in (("GET", f"{NAMESPACE}/packages"), ("GET", "api/me")):
            response = browser.api(method, other, route)
            assert response.status_code == 403, (browser.name, other, route, response.url)
        response = browser.api("POST", other, f"{NAMESPACE}/jobs", INSTALL)
        assert response.status_code == 403
