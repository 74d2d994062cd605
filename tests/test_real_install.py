"""With each real apk binary, a job through the real server installs Alpine's real v3.19
packages into a sandbox root, and a real kernel imports them from there.

Alpine's py3 packages depend on `python3` (`python3~3.11`), which is not among the copied
packages: a test repository of our own, signed with a test key trusted alongside Alpine's keys,
supplies a stand-in (demo/python_stand_in.py; the UI tests' real-apk server uses it too). The
real packages carry no install scripts, so nothing needs a shell in the bare sandbox root.
"""

import pytest
from jupyter_client.manager import start_new_async_kernel

from demo.python_stand_in import init_root, python_stand_ins
from jupyterlab_apk.apkwriter import write_repository

from .alpine_repos import ARCH, keys_dir_with
from .conftest import server_config, wait_done
from .http_repo import RepoServer

pytestmark = pytest.mark.usefixtures("jp_serverapp")

SITE = "usr/lib/python3.11/site-packages"  # where Alpine v3.19's py3 packages install
# A release above Alpine's own 3.11.9-r0 (in main, with dependencies not copied here), so that
# apk chooses the stand-ins.
STAND_IN_VERSION = "3.11.9-r90"
EXPECTED = sorted([
    f"pyc-{STAND_IN_VERSION}", f"python3-{STAND_IN_VERSION}",
    "py3-packaging-23.2-r0", "py3-packaging-pyc-23.2-r0",
    "py3-parsing-3.1.1-r0", "py3-parsing-pyc-3.1.1-r0",
    "py3-pyserial-3.5-r6", "py3-pyserial-pyc-3.5-r6",
])  # fmt: skip


@pytest.fixture
def roots_own_mirror():
    """The repository the root's own etc/apk/repositories names: jobs must never use it."""
    with RepoServer() as server:
        yield server


@pytest.fixture
def root(tmp_path, real_apk, roots_own_mirror):
    """A sandbox root as apk itself creates one (`--initdb`)."""
    root = tmp_path / "root"
    init_root([str(real_apk.path)], root)
    (root / "etc/apk/repositories").write_text(f"{roots_own_mirror.url}/alpine/v3.19/main\n")
    return root


@pytest.fixture
def jp_server_config(real_apk, alpine_urls, root, keys, tmp_path):
    stand_ins = tmp_path / "stand-ins"
    write_repository(stand_ins, ARCH, python_stand_ins(STAND_IN_VERSION, ARCH), keys.key)
    keys_dir = keys_dir_with(tmp_path / "keys", keys.key.public_pem_path)
    config = server_config(
        tmp_path, keys, [*alpine_urls, stand_ins], root, apk_command=[str(real_apk.path)]
    )
    config["ApkManager"]["keys_dir"] = str(keys_dir)
    return config


async def run_in_kernel(code: str) -> str:
    """What *code* prints in a real ipykernel (the `python3` kernelspec, the server's env)."""
    manager, client = await start_new_async_kernel(kernel_name="python3")
    output = []

    def collect(message):
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            output.append("\n".join(message["content"]["traceback"]))

    try:
        reply = await client.execute_interactive(code, output_hook=collect, timeout=60)
        assert reply["content"]["status"] == "ok", "".join(output)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return "".join(output)


async def test_real_packages_install_and_import_in_a_kernel(
    api, real_apk, root, roots_own_mirror, monkeypatch
):
    body = {"action": "install", "packages": ["py3-pyserial", "py3-packaging"]}
    _, job = await api("jobs", method="POST", body=body)
    job = await wait_done(api, job)
    assert job["state"] == "done", job["log"]
    assert job["exit_code"] == 0
    assert sorted(job["installed"]) == EXPECTED
    # The plan, from apk's own --simulate, names what install_if and dependencies add.
    assert sorted(step["name"] for step in job["plan"]["steps"]) == sorted(
        name.rsplit("-", 2)[0] for name in EXPECTED
    )
    _, page = await api("packages", installed="true", limit="50")
    assert sorted(f"{p['name']}-{p['installed_version']}" for p in page["packages"]) == EXPECTED
    assert (root / SITE / "serial/__pycache__").is_dir()  # from py3-pyserial-pyc

    # The kernel sees the sandbox's site-packages as Alpine's system site-packages.
    monkeypatch.setenv("PYTHONPATH", str(root / SITE))
    body = {"requirements": ["pyserial", "packaging>=23"], "kernel": "python3"}
    _, decisions = await api("resolve", method="POST", body=body)
    assert [(d["route"], d["package"]) for d in decisions["decisions"]] == [
        ("apk", "py3-pyserial"), ("apk", "py3-packaging")
    ]  # fmt: skip
    printed = await run_in_kernel(
        "import serial, packaging, pyparsing\n"
        "print(serial.__version__, serial.__file__)\n"
        "print(packaging.__version__, packaging.__file__)\n"
        "print(pyparsing.__version__, pyparsing.__file__)\n"
    )
    site = str(root / SITE)
    assert printed.splitlines() == [
        f"3.5 {site}/serial/__init__.py",
        f"23.2 {site}/packaging/__init__.py",
        f"3.1.1 {site}/pyparsing/__init__.py",
    ]

    # Removal takes the -pyc companion along (its install_if no longer holds).
    _, job = await api(
        "jobs", method="POST", body={"action": "remove", "packages": ["py3-pyserial"]}
    )
    job = await wait_done(api, job)
    assert job["state"] == "done", job["log"]
    _, page = await api("packages", installed="true", limit="50")
    assert sorted(f"{p['name']}-{p['installed_version']}" for p in page["packages"]) == [
        name for name in EXPECTED if not name.startswith("py3-pyserial")
    ]
    # Only the configured repositories, for removals too: never the root's own file.
    assert roots_own_mirror.log == []
