"""POST resolve on a real Jupyter server, with the real python3 kernelspec probed."""

import json

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import server_config
from .kernel_sandbox import SITE
from .test_installer import APK_DOUBLE


@pytest.fixture
def jp_server_config(kernel_sandbox, keys, tmp_path):
    repo, root = kernel_sandbox
    return server_config(
        tmp_path, keys, [repo], root,
        apk_command=[APK_DOUBLE], pip_overrides={"greeting": "py3-hello"},
    )  # fmt: skip


@pytest.fixture
def resolve(jp_fetch):
    async def call(body):
        response = await jp_fetch("jupyterlab-apk", "resolve", method="POST", body=json.dumps(body))
        return json.loads(response.body)

    return call


async def test_decisions_for_a_kernel_that_sees_the_apk_root(resolve, kernel_sees_root):
    result = await resolve(
        {"requirements": ["hello", "Hello>=1.2", "hello>=2", "torch", "greeting"],
         "kernel": "python3"}
    )  # fmt: skip
    routes = [(d["requirement"], d["route"], d["package"]) for d in result["decisions"]]
    assert routes == [
        ("hello", "apk", "py3-hello"),
        ("Hello>=1.2", "apk", "py3-hello"),
        ("hello>=2", "pip", None),
        ("torch", "pip", None),
        ("greeting", "apk", "py3-hello"),  # the administrator's override
    ]
    assert result["decisions"][0]["reason"] == "hello → py3-hello 1.5-r0"
    assert "1.5" in result["decisions"][2]["reason"]
    assert "job" not in result


async def test_a_kernel_that_cannot_import_from_the_root_keeps_pip(resolve, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    result = await resolve({"requirements": ["hello"], "kernel": "python3"})
    decision = result["decisions"][0]
    assert decision["route"] == "pip"
    # Either wording says the kernel cannot import from the root (here: .venv's isolation).
    assert decision["reason"].startswith("hello → pip: ")
    assert "site-packages" in decision["reason"] or "sys.path" in decision["reason"]


async def test_resolve_and_install(resolve, jp_fetch, kernel_sees_root, kernel_sandbox):
    result = await resolve(
        {"requirements": ["hello", "torch"], "kernel": "python3", "install": True}
    )
    job = result["job"]
    assert job["packages"] == ["py3-hello"]
    while job["state"] in ("queued", "running"):
        response = await jp_fetch(
            "jupyterlab-apk", "jobs", job["id"], params={"since": job["revision"], "wait": 5}
        )
        job = json.loads(response.body)
    assert job["state"] == "done", job["log"]
    assert (kernel_sandbox[1] / SITE / "hello.py").exists()
    again = await resolve({"requirements": ["torch"], "kernel": "python3", "install": True})
    assert again["job"] is None  # nothing for apk: no job


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"requirements": ["x"]}, "kernel must name a kernelspec"),
        ({"requirements": ["x"], "kernel": "nope"}, "no kernelspec named 'nope'"),
        ({"requirements": "numpy", "kernel": "python3"}, "requirements must be a list"),
        ({"requirements": [1], "kernel": "python3"}, "requirements must be a list"),
        ({"requirements": ["x"] * 101, "kernel": "python3"}, "at most 100"),
        ({"requirements": ["x"], "kernel": "python3", "overrides": ["a"]}, "overrides must be"),
        ({"requirements": ["x"], "kernel": "python3", "overrides": {"a": "--allow-untrusted"}},
         "not a valid apk package name"),
    ],
)  # fmt: skip
async def test_bad_resolve_requests(jp_fetch, body, message):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "resolve", method="POST", body=json.dumps(body))
    assert e.value.code == 400
    assert message in json.loads(e.value.response.body)["message"]


async def test_resolve_requires_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "resolve", method="POST", body="{}",
                       headers={"Authorization": ""})  # fmt: skip
    assert e.value.code == 403
