"""The catalog on Alpine's real signed v3.19 indexes, over real HTTP, on a real Jupyter server:
verified with Alpine's real keys, untrusted with any other."""

import json

import pytest

from .alpine_repos import ALPINE_KEYS, SIGNING_KEY, index_record_count
from .conftest import make_root, server_config

pytestmark = pytest.mark.usefixtures("jp_serverapp")


@pytest.fixture
def trusted():
    return "alpine"


@pytest.fixture
def keys_dir(trusted, keys, tmp_path):
    """Alpine's keys; the test key alone; or other keys under Alpine's file names."""
    if trusted == "alpine":
        return ALPINE_KEYS
    if trusted == "test":
        return keys.dir
    impostors = tmp_path / "impostor-keys"
    impostors.mkdir()
    for alpine_key in ALPINE_KEYS.glob("*.rsa.pub"):
        (impostors / alpine_key.name).write_bytes(keys.key.public_pem_path.read_bytes())
    return impostors


@pytest.fixture
def jp_server_config(alpine_urls, keys, keys_dir, tmp_path):
    config = server_config(tmp_path, keys, alpine_urls, make_root(tmp_path / "root"))
    config["ApkManager"]["keys_dir"] = str(keys_dir)
    return config


@pytest.fixture
def get(jp_fetch):
    async def get(*path, **params):
        return json.loads((await jp_fetch("jupyterlab-apk", *path, params=params)).body)

    return get


async def test_alpines_real_indexes_are_verified_with_alpines_keys(get, alpine_urls):
    states = await get("repositories")
    assert [(s["url"], s["status"], s["message"]) for s in states] == [
        (url, "ok", None) for url in alpine_urls
    ]
    assert [s["packages"] for s in states] == [
        index_record_count("main"), index_record_count("community")
    ]  # fmt: skip

    page = await get("packages", q="pyserial", python="true")
    serial = next(p for p in page["packages"] if p["name"] == "py3-pyserial")
    assert (serial["version"], serial["python"], serial["repository"]) == (
        "3.5-r6", "3.11", alpine_urls[1]
    )  # fmt: skip
    packaging = await get("packages", "py3-packaging")
    assert packaging["repository"] == alpine_urls[0]
    assert "py3-parsing" in packaging["depends"]
    assert packaging["modules"] == ["packaging"]
    companion = await get("packages", "py3-pyserial-pyc")
    assert companion["install_if"] == ["py3-pyserial=3.5-r6", "pyc"]


@pytest.mark.parametrize(
    ("trusted", "problem"),
    [("test", f"signed by unknown key '{SIGNING_KEY}'"),
     ("impostor", f"BAD signature (key '{SIGNING_KEY}')")],
)  # fmt: skip
async def test_alpines_real_indexes_are_untrusted_with_other_keys(get, alpine_urls, problem):
    states = await get("repositories")
    assert [(s["url"], s["status"], s["packages"]) for s in states] == [
        (url, "untrusted", 0) for url in alpine_urls
    ]
    assert all(s["message"].startswith(problem) for s in states), states
    assert (await get("packages", q="pyserial"))["total"] == 0
