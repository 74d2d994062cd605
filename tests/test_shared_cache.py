"""`ApkManager.shared_cache_dir` with the real apk: two servers, each with its own root, install
the same packages from one HTTP repository on 127.0.0.1; with a shared cache each package is
downloaded once, and a corrupted cached package is refused. Each server is what the extension
builds: an `ApkManager` from config and an `Installer` running apk with `extension.apk_options`.
"""

from __future__ import annotations

import pytest
from traitlets import TraitError

from jupyterlab_apk.apkwriter import write_repository
from jupyterlab_apk.extension import apk_options
from jupyterlab_apk.installer import Installer
from jupyterlab_apk.policy import ApkManager

from .conftest import make_root
from .http_repo import RepoServer
from .test_installer import ARCH, SITE, finished, installed_versions, package

PACKAGES = ["py3-demo-1.0-r0.apk", "py3-demolib-2.0-r0.apk"]


@pytest.fixture
def repo_server(tmp_path, keys):
    server = RepoServer()
    directory = tmp_path / "repo"
    packages = [package("py3-demolib", "2.0-r0"), package("py3-demo", "1.0-r0", ["py3-demolib"])]
    write_repository(directory, ARCH, packages, keys.key)
    for path in directory.rglob("*.*"):
        server.files[f"/repo/{path.relative_to(directory).as_posix()}"] = path.read_bytes()
    return server


async def install_as(user, real_apk, repo_server, tmp_path, keys, shared_cache):
    """Install py3-demo as *user*'s server would: its own root, state and installer."""
    root = make_root(tmp_path / user / "root", ARCH)
    (root / "var/cache/apk").mkdir(parents=True)  # as in Alpine; apk 2.x --no-cache needs it
    manager = ApkManager(
        repositories=[f"{repo_server.url}/repo"],
        keys_dir=str(keys.dir),
        root=str(root),
        apk_command=[str(real_apk.path)],
        cache_dir=str(tmp_path / user / "state"),
        shared_cache_dir=shared_cache,
    )
    installer = Installer(
        lambda: apk_options(manager, manager.repositories),
        history_path=tmp_path / user / "jobs.jsonl",
        timeout=60,
        max_queued=5,
        installed_versions=lambda: installed_versions(root),
    )
    try:
        job = installer.submit("install", ["py3-demo"], preview=False, user=user)
        return root, await finished(installer, job, timeout=60)
    finally:
        await installer.close()


@pytest.mark.parametrize(
    ("shared", "downloads"), [(True, 1), (False, 2)], ids=["shared", "not-shared"]
)
async def test_two_servers_sharing_a_cache_download_each_package_once(
    real_apk, repo_server, tmp_path, keys, shared, downloads
):
    cache = tmp_path / "apk-cache"
    cache.mkdir()
    for user in ("alice", "bob"):
        shared_cache = str(cache) if shared else ""
        root, job = await install_as(user, real_apk, repo_server, tmp_path, keys, shared_cache)
        assert job.state == "done", job.log
        assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}
        assert (root / SITE / "py3_demo.py").exists()
    fetched = [path.rsplit("/", 1)[1] for _, path, _ in repo_server.log if path.endswith(".apk")]
    assert sorted(fetched) == sorted(PACKAGES * downloads)


async def test_a_corrupted_cached_package_is_refused_not_installed(
    real_apk, repo_server, tmp_path, keys
):
    cache = tmp_path / "apk-cache"
    cache.mkdir()
    _, job = await install_as("alice", real_apk, repo_server, tmp_path, keys, str(cache))
    assert job.state == "done", job.log
    [cached] = cache.glob("py3-demo-1.0-r0.*.apk")
    data = bytearray(cached.read_bytes())
    data[-40:-20] = bytes(b ^ 0xFF for b in data[-40:-20])  # inside the data stream
    cached.write_bytes(data)

    root, job = await install_as("bob", real_apk, repo_server, tmp_path, keys, str(cache))
    assert job.state == "failed"
    assert "py3-demo" not in installed_versions(root)
    assert not (root / SITE / "py3_demo.py").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("relative/cache", "not an absolute path"),
        ("/tmp/a b", "whitespace"),
        ("/no/such/dir", "not a directory"),
    ],
)
def test_a_bad_shared_cache_dir_is_refused_at_start(value, message):
    with pytest.raises(TraitError, match=message):
        ApkManager(shared_cache_dir=value)
