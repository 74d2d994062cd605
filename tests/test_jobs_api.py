"""The jobs REST API on a real Jupyter server running the apk test double."""

import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_apk.apkwriter import PackageInfo, write_repository

from .conftest import make_root, server_config, wait_done
from .test_installer import APK_DOUBLE, ARCH, SITE, apk_lock

pytestmark = pytest.mark.usefixtures("jp_serverapp")


@pytest.fixture
def sandbox(tmp_path, keys):
    repo = tmp_path / "repo"
    info = PackageInfo(name="py3-hello", version="1.0-r0", arch=ARCH, description="hello")
    script = PackageInfo(name="py3-script", version="1.0-r0", arch=ARCH, description="fails")
    write_repository(repo, ARCH, [(info, {f"{SITE}/hello.py": b"WORLD = 1\n"}),
                                  (script, {f"{SITE}/script.py": b""},
                                   {".post-install": b"exit 127\n"})], keys.key)  # fmt: skip
    root = make_root(tmp_path / "root")
    return repo, root


@pytest.fixture
def allow_remove():
    return True


@pytest.fixture
def jp_server_config(sandbox, keys, tmp_path, allow_remove):
    repo, root = sandbox
    return server_config(
        tmp_path, keys, [repo], root, apk_command=[APK_DOUBLE], allow_remove=allow_remove
    )


async def test_install_through_the_api_then_the_catalog_shows_it(api, sandbox):
    code, job = await api(
        "jobs", method="POST", body={"action": "install", "packages": ["py3-hello"]}
    )
    assert code == 202
    assert job["state"] == "queued" and job["user"]
    job = await wait_done(api, job)
    assert job["state"] == "done", job["log"]
    assert job["installed"] == ["py3-hello-1.0-r0"]
    assert job["plan"]["steps"][0]["name"] == "py3-hello"

    _, page = await api("packages", installed="true")
    assert [(p["name"], p["installed_version"]) for p in page["packages"]] == [
        ("py3-hello", "1.0-r0")
    ]
    _, jobs = await api("jobs")
    assert [j["id"] for j in jobs] == [job["id"]]
    assert jobs[0]["log"] == ""  # lists leave the logs out

    _, tail = await api("jobs", job["id"], log_offset=str(job["log_length"] - 10))
    assert tail["log"] == job["log"][-10:]


async def test_long_poll_returns_at_once_for_a_finished_job(api):
    _, job = await api(
        "jobs",
        method="POST",
        body={"action": "install", "packages": ["py3-hello"], "preview": True},
    )
    job = await wait_done(api, job)
    _, again = await api("jobs", job["id"], since=str(job["revision"]), wait="30")
    assert again["revision"] == job["revision"]


async def test_cancel_through_the_api(api, sandbox):
    with apk_lock(sandbox[1]):  # apk waits for the lock: the job stays running
        _, job = await api(
            "jobs", method="POST", body={"action": "install", "packages": ["py3-hello"]}
        )
        while "Waiting for repository lock" not in job["log"]:
            _, job = await api("jobs", job["id"], since=str(job["revision"]), wait="5")
        code, cancelled = await api("jobs", job["id"], method="DELETE")
        assert code == 200
        job = await wait_done(api, cancelled)
    assert job["state"] == "cancelled"
    assert job["error"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"action": "install", "packages": ["--allow-untrusted"]}, 400,
         "not a valid apk package name"),
        ({"action": "install", "packages": ["-X", "http://evil"]}, 400,
         "not a valid apk package name"),
        ({"action": "install", "packages": ["a;b"]}, 400, "not a valid apk package name"),
        ({"action": "install", "packages": ["../x"]}, 400, "not a valid apk package name"),
        ({"action": "install", "packages": ["x\u0000"]}, 400, "not a valid apk package name"),
        ({"action": "install", "packages": []}, 400, "non-empty list"),
        ({"action": "install", "packages": "py3-hello"}, 400, "non-empty list"),
        ({"action": "nuke", "packages": ["py3-hello"]}, 400, "action must be one of"),
        ({"action": "install", "packages": ["x" * 10]}, 202, None),
    ],
)  # fmt: skip
async def test_job_requests_are_validated(jp_fetch, api, body, code, message):
    try:
        response = await jp_fetch("jupyterlab-apk", "jobs", method="POST", body=json.dumps(body))
        status, payload = response.code, json.loads(response.body)
    except HTTPClientError as e:
        status, payload = e.code, json.loads(e.response.body)
    assert status == code
    if message:
        assert message in payload["message"]
    else:  # a valid (unknown) name: the job runs, and fails, before the server stops
        assert (await wait_done(api, payload))["state"] == "failed"


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b"x" * (65 * 1024)])
async def test_malformed_bodies_are_refused(jp_fetch, body):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "jobs", method="POST", body=body)
    assert e.value.code == 400


@pytest.mark.parametrize("allow_remove", [False])
async def test_removal_forbidden_by_policy(jp_fetch):
    with pytest.raises(HTTPClientError) as e:
        body = json.dumps({"action": "remove", "packages": ["py3-hello"]})
        await jp_fetch("jupyterlab-apk", "jobs", method="POST", body=body)
    assert e.value.code == 403


async def test_unknown_job_is_404(jp_fetch):
    for method in ("GET", "DELETE"):
        with pytest.raises(HTTPClientError) as e:
            await jp_fetch("jupyterlab-apk", "jobs", "0123456789abcdef", method=method)
        assert e.value.code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "jobs"), ("POST", "jobs"), ("GET", "jobs/0123456789abcdef"),
     ("DELETE", "jobs/0123456789abcdef")],
)  # fmt: skip
async def test_jobs_endpoints_require_authentication(jp_fetch, method, path):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch(
            "jupyterlab-apk", *path.split("/"), method=method,
            body="{}" if method == "POST" else None, headers={"Authorization": ""},
        )  # fmt: skip
    assert e.value.code == 403


@pytest.mark.parametrize(
    ("params", "message"),
    [({"since": "abc", "wait": "1"}, "since must be an integer"),
     ({"since": "1", "wait": "31"}, "wait must be between 0 and 30"),
     ({"log_offset": "-1"}, "log_offset must be between")],
)  # fmt: skip
async def test_bad_job_query_parameters(api, jp_fetch, params, message):
    _, job = await api(
        "jobs",
        method="POST",
        body={"action": "install", "packages": ["py3-hello"], "preview": True},
    )
    await wait_done(api, job)
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "jobs", job["id"], params=params)
    assert e.value.code == 400
    assert message in json.loads(e.value.response.body)["message"]


async def test_a_package_in_error_is_shown_and_repaired(api):
    _, job = await api(
        "jobs", method="POST", body={"action": "install", "packages": ["py3-script"]}
    )
    assert (await wait_done(api, job))["state"] == "failed"
    _, details = await api("packages", "py3-script")
    assert details["broken"] == (
        "Its install script failed: apk reports an error in every run until it is repaired."
    )
    _, page = await api("packages")
    assert {p["name"]: p["broken"] for p in page["packages"]} == {
        "py3-hello": None, "py3-script": details["broken"]
    }  # fmt: skip

    _, job = await api("jobs", method="POST", body={"action": "install", "packages": ["py3-hello"]})
    job = await wait_done(api, job)
    assert (job["state"], job["installed"]) == ("done", ["py3-hello-1.0-r0"])
    [warning] = job["warnings"]
    assert "py3-script" in warning and "its install script failed" in warning

    code, repair = await api("jobs", method="POST", body={"action": "repair", "packages": []})
    assert code == 202
    repair = await wait_done(api, repair)
    assert (repair["state"], repair["warnings"], repair["progress"]) == ("done", [], 1.0)
    assert repair["plan"]["steps"] == [
        {"action": "reinstall", "name": "py3-script", "version": "1.0-r0", "old_version": None}
    ]
    _, details = await api("packages", "py3-script")
    assert details["broken"] is None
