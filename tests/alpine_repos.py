"""Alpine's real signed v3.19 repositories (tests/data/alpine/v3.19), served over real HTTP."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from .conftest import ALPINE_DATA
from .http_repo import RepoServer

ARCH = "x86_64"
V3_19 = ALPINE_DATA / "v3.19"
ALPINE_KEYS = V3_19 / "keys"
REPOSITORIES = ("main", "community")
# The key Alpine signed these indexes and packages with (the name is in each signature member).
SIGNING_KEY = "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"


def serve_v3_19(server: RepoServer) -> list[str]:
    """Lay out main and community as Alpine's mirrors do; return their URLs, in that order.

    The few real packages copied into the repository are served under both: apk fetches each
    from the repository whose index lists it.
    """
    urls = []
    for name in REPOSITORIES:
        prefix = f"/alpine/v3.19/{name}/{ARCH}"
        index = V3_19 / f"{name}-{ARCH}-APKINDEX.tar.gz"
        server.files[f"{prefix}/APKINDEX.tar.gz"] = index.read_bytes()
        for package in (V3_19 / "packages").glob("*.apk"):
            server.files[f"{prefix}/{package.name}"] = package.read_bytes()
        urls.append(f"{server.url}/alpine/v3.19/{name}")
    return urls


@pytest.fixture
def alpine_urls():
    """Alpine's main and community v3.19 on a real HTTP server on 127.0.0.1: their URLs."""
    with RepoServer() as server:
        yield serve_v3_19(server)


def index_record_count(name: str) -> int:
    """How many packages Alpine's *name* index lists, read with tarfile (not our parser)."""
    with tarfile.open(V3_19 / f"{name}-{ARCH}-APKINDEX.tar.gz") as archive:
        text = archive.extractfile("APKINDEX").read().decode()
    return sum(1 for line in text.splitlines() if line.startswith("P:"))


def keys_dir_with(target: Path, *public_keys: Path) -> Path:
    """A keys directory holding Alpine's keys and *public_keys* (as /etc/apk/keys would)."""
    target.mkdir(parents=True)
    for key in [*ALPINE_KEYS.glob("*.rsa.pub"), *public_keys]:
        shutil.copy(key, target / key.name)
    return target
