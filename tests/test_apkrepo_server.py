"""A repository built by `jupyter apk-repo` works with the rest of the product: a real Jupyter
server lists it as trusted, routes `%pip install` to it and installs from it (apk test double)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jupyterlab_apk.apkwriter import generate_key_pair
from jupyterlab_apk.repobuild import build_repository
from jupyterlab_apk.wheelapk import Target

from .conftest import Keys, make_root, rest_api, server_config
from .test_installer import APK_DOUBLE, ARCH
from .wheels import make_wheel

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SITE = f"usr/lib/python{PYTHON}/site-packages"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Keys]:
    base = tmp_path_factory.mktemp("built")
    key = generate_key_pair(base / "keys", "team@example.org-1")
    links = base / "links"
    make_wheel(links, "teamtool", "2.1", {"teamtool.py": b"ANSWER = 42\n"}, requires=["teamlib>=1"])
    make_wheel(links, "teamlib", "1.3.post1", {"teamlib/__init__.py": b""})
    build_repository(
        base / "repo", ["teamtool"], key, Target(PYTHON, ARCH), find_links=[links], no_index=True
    )
    return base / "repo", Keys(base / "keys", key)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = make_root(tmp_path / "root")
    (root / SITE).mkdir(parents=True)
    return root


@pytest.fixture
def kernel_sees_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel inherits the server's environment: put the sandbox on its path."""
    monkeypatch.setenv("PYTHONPATH", str(root / SITE))


@pytest.fixture
def jp_server_config(built, root, tmp_path):
    repo, keys = built
    return server_config(tmp_path, keys, [repo], root, apk_command=[APK_DOUBLE])


@pytest.fixture
def api(jp_fetch):
    return rest_api(jp_fetch, lambda response: json.loads(response.body))


async def test_listed_routed_and_installed(api, built, root: Path, kernel_sees_root) -> None:
    repositories = await api("repositories")
    page = await api("packages", python="true")
    decisions = await api(
        "resolve", method="POST", body={"requirements": ["TeamTool>=2"], "kernel": "python3"}
    )

    assert [(r["url"], r["status"]) for r in repositories] == [(str(built[0]), "ok")]
    assert [(p["name"], p["version"], p["python"]) for p in page["packages"]] == [
        ("py3-teamlib", "1.3_p1-r0", PYTHON),
        ("py3-teamtool", "2.1-r0", PYTHON),
    ]
    [decision] = decisions["decisions"]
    assert (decision["route"], decision["package"]) == ("apk", "py3-teamtool"), decision["reason"]

    job = await api("jobs", method="POST", body={"action": "install", "packages": ["py3-teamtool"]})
    while job["state"] in ("queued", "running"):
        job = await api("jobs", job["id"], since=str(job["revision"]), wait="5")

    assert job["state"] == "done", job["error"]
    assert (root / SITE / "teamtool.py").read_text() == "ANSWER = 42\n"
    assert (root / SITE / "teamlib/__init__.py").exists()  # its dependency came along
