"""A repository whose py3-hello ships `hello` for the running Python's series, an empty root
to install it into, and the kernel pointed at that root (fixtures, registered in conftest.py;
shared by the resolve and modules API tests)."""

import sys

import pytest

from jupyterlab_apk.apkwriter import PackageInfo, write_repository

from .conftest import make_root
from .test_installer import ARCH

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SITE = f"usr/lib/python{PYTHON}/site-packages"


@pytest.fixture
def kernel_sandbox(tmp_path, keys):
    """(repository, root): py3-hello 1.5-r0 in the repository, nothing yet in the root."""
    info = PackageInfo(
        name="py3-hello",
        version="1.5-r0",
        arch=ARCH,
        description="hello",
        depends=[f"python3~{PYTHON}"],
        provides=[f"py{PYTHON}:hello=1.5-r0"],
    )
    repo = tmp_path / "repo"
    write_repository(repo, ARCH, [(info, {f"{SITE}/hello.py": b"WORLD = 1\n"})], keys.key)
    root = make_root(tmp_path / "root")
    (root / SITE).mkdir(parents=True)
    return repo, root


@pytest.fixture
def kernel_sees_root(kernel_sandbox, monkeypatch):
    """The kernel inherits the server's environment: put the sandbox on its path."""
    monkeypatch.setenv("PYTHONPATH", str(kernel_sandbox[1] / SITE))
