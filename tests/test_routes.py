"""Every REST endpoint on a real Jupyter server: answers, bad parameters, authentication."""

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_apk import __version__

from .conftest import ALPINE_DATA, make_root, server_config

ARCH = "x86_64"


@pytest.fixture
def apk_root(tmp_path):
    root = make_root(tmp_path / "root", ARCH)
    (root / "lib/apk/db/installed").write_text(
        "P:py3-numpy\nV:2.2.0-r0\nA:x86_64\nS:1\nI:1\nT:Scientific tools for Python\n"
        "F:usr/lib/python3.12/site-packages/numpy\nR:__init__.py\nZ:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    )
    return root


@pytest.fixture
def repos(tmp_path, signed_index):
    community = tmp_path / "community"
    (community / ARCH).mkdir(parents=True)
    (community / ARCH / "APKINDEX.tar.gz").write_bytes(
        signed_index(ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX")
    )
    unsigned = tmp_path / "unsigned"
    (unsigned / ARCH).mkdir(parents=True)
    (unsigned / ARCH / "APKINDEX.tar.gz").write_bytes(
        signed_index(ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX", key=None)
    )
    return [str(community), str(unsigned), str(tmp_path / "missing")]


@pytest.fixture
def allow_user_repositories():
    return False


@pytest.fixture
def jp_server_config(repos, keys, apk_root, tmp_path, allow_user_repositories):
    return server_config(
        tmp_path, keys, repos, apk_root, allow_user_repositories=allow_user_repositories
    )


@pytest.fixture
def get(jp_fetch):
    async def get(*path, **params):
        response = await jp_fetch("jupyterlab-apk", *path, params=params)
        return json.loads(response.body)

    return get


async def test_settings(get, repos, apk_root):
    settings = await get("settings")
    assert settings["version"] == __version__
    assert settings["arch"] == ARCH
    assert settings["demo_mode"] is True  # a root other than "/" is a sandbox
    assert settings["repositories"] == repos


@pytest.mark.parametrize("allow_user_repositories", [False, True])
async def test_settings_top_level_allow_user_repositories_follows_the_policy(
    get, allow_user_repositories
):
    # The top-level field is deprecated but documented: it must not drift from policy's.
    settings = await get("settings")
    assert settings["policy"]["allow_user_repositories"] is allow_user_repositories
    assert settings["allow_user_repositories"] is allow_user_repositories


async def test_packages_search_filters_and_paging(get):
    everything = await get("packages", limit="500")
    assert everything["total"] == 210  # the unsigned repository's packages are not listed
    assert len(everything["packages"]) == 210

    numpy = await get("packages", q="numpy", python="true")
    assert numpy["packages"][0] == {
        "name": "py3-numpy",
        "version": "2.2.4-r1",
        "description": "Scientific tools for Python",
        "size": 6466030,
        "installed_size": 21821715,
        "installed_version": "2.2.0-r0",
        "upgradable": True,
        "broken": None,
        "python": "3.12",
        "repository": numpy["packages"][0]["repository"],
        "origin": "py3-numpy",
        "license": "BSD-3-Clause",
        "url": "https://www.numpy.org/",
    }
    assert numpy["packages"][0]["repository"].endswith("community")

    upgradable = await get("packages", upgradable="true")
    assert [p["name"] for p in upgradable["packages"]] == ["py3-numpy"]

    page = await get("packages", offset="200", limit="50")
    assert (page["total"], len(page["packages"])) == (210, 10)

    by_size = await get("packages", sort="-size", limit="3")
    sizes = [p["size"] for p in by_size["packages"]]
    assert sizes == sorted(sizes, reverse=True)


async def test_package_details(get):
    pillow = await get("packages", "py3-pillow")
    assert pillow["modules"] == ["PIL"]
    assert "python3~3.12" in pillow["depends"]
    assert "py3.12:PIL=11.2.1-r0" in pillow["provides"]
    assert pillow["python"] == "3.12"


async def test_unknown_package_is_404(jp_fetch):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "packages", "py3-nonexistent")
    assert e.value.code == 404
    assert "py3-nonexistent" in json.loads(e.value.response.body)["message"]


async def test_repositories_report_each_status(get, repos):
    states = await get("repositories")
    assert [s["url"] for s in states] == repos
    ok, unsigned, missing = states
    assert (ok["status"], ok["packages"], ok["message"]) == ("ok", 210, None)
    assert ok["refreshed"]
    assert (unsigned["status"], unsigned["packages"]) == ("untrusted", 0)
    assert "unsigned" in unsigned["message"]
    assert (missing["status"], missing["packages"], missing["refreshed"]) == ("error", 0, None)
    assert "no index at" in missing["message"]


async def test_refresh_rereads_repositories(jp_fetch, get, repos, signed_index):
    assert (await get("packages", limit="1"))["total"] == 210
    # The admin fixes the broken repository; a refresh picks it up.
    target = Path(repos[2], ARCH)
    target.mkdir(parents=True)
    (target / "APKINDEX.tar.gz").write_bytes(
        signed_index(ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX")
    )
    response = await jp_fetch("jupyterlab-apk", "refresh", method="POST", body="{}")
    states = json.loads(response.body)
    assert [s["status"] for s in states] == ["ok", "untrusted", "ok"]
    assert (await get("packages", limit="1"))["total"] == 210 + 42


async def test_installed_database_change_is_seen_without_refresh(get, apk_root):
    assert (await get("packages", installed="true"))["total"] == 1
    db = apk_root / "lib/apk/db/installed"
    db.write_text(db.read_text() + "P:py3-pillow\nV:11.2.1-r0\nA:x86_64\nS:1\nI:1\nT:x\n\n")
    installed = await get("packages", installed="true")
    assert [p["name"] for p in installed["packages"]] == ["py3-numpy", "py3-pillow"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "-1"}, "limit must be between 0 and 500"),
        ({"limit": "501"}, "limit must be between 0 and 500"),
        ({"limit": "ten"}, "limit must be an integer"),
        ({"offset": "1.5"}, "offset must be an integer"),
        ({"python": "yes"}, "python must be 'true' or 'false'"),
        ({"installed": "maybe"}, "installed must be 'true' or 'false'"),
        ({"upgradable": "2"}, "upgradable must be 'true' or 'false'"),
        ({"sort": "color"}, "sort must be one of"),
        ({"q": "x" * 201}, "q must be at most 200 characters"),
    ],
)
async def test_bad_parameters_get_400_with_a_message(jp_fetch, params, message):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "packages", params=params)
    assert e.value.code == 400
    assert message in json.loads(e.value.response.body)["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "settings"),
        ("GET", "packages"),
        ("GET", "packages/py3-numpy"),
        ("GET", "repositories"),
        ("POST", "refresh"),
        ("PUT", "repositories"),
    ],
)
async def test_every_endpoint_requires_authentication(jp_fetch, method, path):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch(
            "jupyterlab-apk",
            *path.split("/"),
            method=method,
            body="{}" if method in ("POST", "PUT") else None,
            headers={"Authorization": ""},  # replaces the test token
        )
    assert e.value.code == 403


async def test_user_repositories_within_the_policy(jp_fetch, get, repos):
    body = json.dumps({"repositories": [repos[0]]})
    response = await jp_fetch("jupyterlab-apk", "repositories", method="PUT", body=body)
    assert [s["url"] for s in json.loads(response.body)] == [repos[0]]
    assert (await get("settings"))["repositories"] == [repos[0]]
    assert (await get("settings"))["policy"]["repositories"] == repos
    assert [s["url"] for s in await get("repositories")] == [repos[0]]


@pytest.mark.parametrize(
    ("repositories", "code", "message"),
    [
        (["https://evil.example/alpine"], 403, "users may not add repositories"),
        (["-X http://evil"], 400, "starts with '-'"),
        (["/srv/a b"], 400, "whitespace"),
        ("https://mirror", 400, "must be a list"),
    ],
)
async def test_user_repositories_outside_the_policy(
    jp_fetch, get, repos, repositories, code, message
):
    with pytest.raises(HTTPClientError) as e:
        body = json.dumps({"repositories": repositories})
        await jp_fetch("jupyterlab-apk", "repositories", method="PUT", body=body)
    assert e.value.code == code
    assert message in json.loads(e.value.response.body)["message"]
    assert (await get("settings"))["repositories"] == repos  # nothing changed
