"""GET modules/<name> on a real Jupyter server, with the real python3 kernelspec probed."""

import json

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado.httpclient import HTTPClientError

from .conftest import run_job, server_config
from .kernel_sandbox import SITE
from .test_installer import APK_DOUBLE


class DenyWrite(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        return not (resource == "apk" and action == "write")


@pytest.fixture
def authorizer_class():
    return None


@pytest.fixture
def jp_server_config(kernel_sandbox, keys, tmp_path, authorizer_class):
    repo, root = kernel_sandbox
    config = server_config(tmp_path, keys, [repo], root, apk_command=[APK_DOUBLE])
    if authorizer_class is not None:
        config["ServerApp"]["authorizer_class"] = authorizer_class
    return config


@pytest.fixture
def module(jp_fetch):
    async def call(name, kernel="python3"):
        response = await jp_fetch("jupyterlab-apk", "modules", name, params={"kernel": kernel})
        return json.loads(response.body)

    return call


async def install(api, packages):
    job = await run_job(api, "install", *packages)
    assert job["state"] == "done", job["log"]


async def test_offer_then_restart_after_the_install(
    module, api, kernel_sees_root, kernel_sandbox
):
    answer = await module("hello.sub")
    assert answer == {
        "module": "hello",
        "route": "apk",
        "package": "py3-hello",
        "version": "1.5-r0",
        "size": answer["size"],
        "installed": False,
        "reason": "hello → py3-hello 1.5-r0",
        "pip": "hello",
        "action": "install",
    }
    assert answer["size"] > 0
    await install(api, ["py3-hello"])
    assert (kernel_sandbox[1] / SITE / "hello.py").exists()
    after = await module("hello")
    assert (after["route"], after["installed"], after["action"]) == ("apk", True, "restart")


async def test_a_kernel_that_cannot_import_from_the_root(module, api, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    await install(api, ["py3-hello"])
    answer = await module("hello")
    assert (answer["route"], answer["package"], answer["installed"], answer["action"]) == (
        "pip", "py3-hello", True, "none"
    )
    assert "site-packages" in answer["reason"] or "sys.path" in answer["reason"]
    assert answer["reason"].endswith("or %pip install hello")


async def test_a_module_no_apk_ships(module, kernel_sees_root):
    answer = await module("torch")
    assert (answer["route"], answer["package"], answer["action"]) == ("pip", None, "none")
    assert answer["reason"] == "torch → pip: no prebuilt package"


@pytest.mark.parametrize("authorizer_class", [DenyWrite])
async def test_no_install_offered_to_a_user_who_may_not_install(module, kernel_sees_root):
    answer = await module("hello")
    assert (answer["route"], answer["package"], answer["action"]) == ("apk", "py3-hello", "none")
    assert answer["reason"].endswith("you may not install packages here")


@pytest.mark.parametrize(
    ("name", "kernel", "message"),
    [
        ("hello", "", "kernel must name a kernelspec"),
        ("hello", "nope", "no kernelspec named 'nope'"),
        ("1x", "python3", "'1x' is not a module name"),
        ("a-b", "python3", "'a-b' is not a module name"),
    ],
)
async def test_bad_module_requests(jp_fetch, name, kernel, message):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("jupyterlab-apk", "modules", name, params={"kernel": kernel})
    assert e.value.code == 400
    assert message in json.loads(e.value.response.body)["message"]
