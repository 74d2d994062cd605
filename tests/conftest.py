"""Shared test configuration."""

import dataclasses
import json
from pathlib import Path

import pytest

from jupyterlab_apk.apkwriter import SigningKey, build_index, generate_key

# Fixtures that several test modules share live in these plugin modules: imported into a test
# module instead, a fixture is a name that each test using it redefines as its argument.
pytest_plugins = (
    "pytest_jupyter.jupyter_server",
    "tests.real_apk",
    "tests.alpine_repos",
    "tests.conformance_fixtures",
    "tests.kernel_sandbox",
)

# Real Alpine data (unmodified copies; tests/data/alpine/README.md says what each file is).
ALPINE_DATA = Path(__file__).resolve().parent / "data" / "alpine"

_TRUSTED = object()


@dataclasses.dataclass(frozen=True)
class Keys:
    """A keys directory (as /etc/apk/keys) holding the public half of `key`."""

    dir: Path
    key: SigningKey


@pytest.fixture(scope="session")
def keys(tmp_path_factory) -> Keys:
    base = tmp_path_factory.mktemp("keys")
    return Keys(base / "keys", generate_key(base / "keys", base / "private", "test"))


@pytest.fixture(scope="session")
def other_key(tmp_path_factory) -> SigningKey:
    """A key nobody trusts; its public half is not in `keys.dir`."""
    base = tmp_path_factory.mktemp("other-key")
    return generate_key(base / "keys", base / "private", "other")


@pytest.fixture(scope="session")
def signed_index(keys):
    """`sign(text_file, key=trusted, key_name=None) -> APKINDEX.tar.gz bytes`.

    `key=None` gives an unsigned index; another key signs under `key_name`, by default the
    trusted key's file name (what a forged signature looks like to apk).
    """

    def sign(source: Path, key=_TRUSTED, key_name: str | None = None) -> bytes:
        text = Path(source).read_text(encoding="utf-8").rstrip("\n") + "\n"
        if key is None:
            return build_index([text], None)
        signer = keys.key if key is _TRUSTED else key
        signer = dataclasses.replace(signer, key_name=key_name or keys.key.key_name)
        return build_index([text], signer)

    return sign


def make_root(path: Path, arch: str = "x86_64") -> Path:
    """An empty apk root, as a sandbox: its arch, an empty world and installed database, and
    the cache directory apk 2.x needs to open the database (as `--initdb` lays it out)."""
    (path / "etc/apk").mkdir(parents=True)
    (path / "var/cache/apk").mkdir(parents=True)
    (path / "etc/apk/arch").write_text(f"{arch}\n")
    (path / "etc/apk/world").write_text("")
    (path / "lib/apk/db").mkdir(parents=True)
    (path / "lib/apk/db/installed").write_text("")
    return path


def server_config(
    tmp_path: Path, keys: Keys, repositories: list, root: Path, **apk_manager
) -> dict:
    """A `jp_server_config` with jupyterlab_apk enabled on *repositories* and *root*."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_apk": True}},
        "ApkManager": {
            "repositories": [str(url) for url in repositories],
            "keys_dir": str(keys.dir),
            "root": str(root),
            "cache_dir": str(tmp_path / "cache"),
            **apk_manager,
        },
    }


def rest_api(jp_fetch, answer=lambda response: response):
    """`call(*path, method="GET", body=None, **params)`: a request to the extension's REST API,
    *body* sent as JSON and *params* as the query; it returns `answer(response)`."""

    async def call(*path, method="GET", body=None, **params):
        response = await jp_fetch(
            "jupyterlab-apk", *path, method=method, params=params,
            body=None if body is None else json.dumps(body),
        )  # fmt: skip
        return answer(response)

    return call


@pytest.fixture
def api(jp_fetch):
    """The REST API answering `(status code, JSON body)`, as the jobs API tests read it."""
    return rest_api(jp_fetch, lambda response: (response.code, json.loads(response.body)))


async def wait_done(api, job):
    """*job* (as the `api` fixture returns it) once it has finished, long-polling for it."""
    while job["state"] in ("queued", "running"):
        _, job = await api("jobs", job["id"], since=str(job["revision"]), wait="5")
    return job


async def run_job(api, action, *packages):
    """Submit a job through the `api` fixture and return it once it has finished."""
    _, job = await api("jobs", method="POST", body={"action": action, "packages": list(packages)})
    return await wait_done(api, job)
