"""JupyterHub scopes on the `apk` resource (jupyterlab_apk/hub.py): the rules as tables, then a
real Jupyter server given the environment a Hub gives its single-user servers.

The user's scopes come from a test identity provider here, as JupyterHub's own provider puts
them on `user.hub_user`; tests/test_jupyterhub.py runs a real Hub.
"""

from __future__ import annotations

import json

import pytest
from jupyter_server.auth.identity import IdentityProvider
from tornado.httpclient import HTTPClientError

from jupyterlab_apk.hub import (
    INSTALL_SCOPE,
    READ_SCOPE,
    HubScopeAuthorizer,
    client_allowed_scopes,
    declares_apk_scopes,
    may,
)

from .conftest import make_root, server_config

pytest.importorskip("jupyterhub")

OWNER = "alice"


@pytest.mark.filterwarnings("ignore:.*combinations of filters")  # the !group= case
@pytest.mark.parametrize(
    ("held", "read", "write"),
    [
        ([], False, False),
        (["access:servers!server=alice/", "read:users"], False, False),
        ([READ_SCOPE], True, False),
        ([INSTALL_SCOPE], True, True),
        ([READ_SCOPE, INSTALL_SCOPE], True, True),
        ([f"{INSTALL_SCOPE}!user=alice"], True, True),
        ([f"{INSTALL_SCOPE}!server=alice/"], True, True),
        ([f"{READ_SCOPE}!user=alice"], True, False),
        # Limited to someone else's servers, or to another server of alice's: not this one.
        ([f"{INSTALL_SCOPE}!user=bob"], False, False),
        ([f"{INSTALL_SCOPE}!server=alice/gpu"], False, False),
        ([f"{INSTALL_SCOPE}!user=bob", READ_SCOPE], True, False),
        # Group filters are not resolved on the single-user server (JupyterHub's check_scopes).
        ([f"{INSTALL_SCOPE}!group=installers"], False, False),
        # Look-alikes are not the scopes.
        (["custom:jupyterlab-apk:installer", "custom:jupyterlab-apk"], False, False),
    ],
)
def test_which_scopes_allow_reading_and_installing(held, read, write):
    assert may("read", held, OWNER, "") is read
    assert may("write", held, OWNER, "") is write


def test_an_action_other_than_read_needs_the_install_scope():
    assert may("execute", [INSTALL_SCOPE], OWNER, "") is True
    assert may("execute", [READ_SCOPE], OWNER, "") is False


@pytest.mark.parametrize(
    ("value", "declared"),
    [
        (None, False),  # not under a Hub, or a Hub before 3.0
        ("[]", False),
        ('["access:servers!server=alice/", "custom:other:read"]', False),
        (json.dumps([READ_SCOPE]), True),
        (json.dumps([INSTALL_SCOPE]), True),
        (json.dumps([f"{INSTALL_SCOPE}!user=alice"]), True),
        ("not json", False),
        ('{"custom:jupyterlab-apk:read": 1}', False),
    ],
)
def test_whether_the_hub_declares_the_scopes(value, declared):
    environ = {} if value is None else {"JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": value}
    assert declares_apk_scopes(client_allowed_scopes(environ)) is declared


# -- a real server -------------------------------------------------------------------------------


class ScopesFromHeader(IdentityProvider):
    """The token's user, with the JupyterHub scopes named by the X-Test-Scopes header."""

    async def get_user(self, handler):
        user = await super().get_user(handler)
        if user is not None:
            scopes = json.loads(handler.request.headers.get("X-Test-Scopes", "[]"))
            user.hub_user = {"scopes": scopes}
        return user


@pytest.fixture
def allowed_scopes():
    return [READ_SCOPE, INSTALL_SCOPE]  # parametrize: what the Hub lets reach the server


@pytest.fixture
def jp_server_config(tmp_path, keys, allowed_scopes, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES", json.dumps(allowed_scopes))
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "")
    config = server_config(tmp_path, keys, [], make_root(tmp_path / "root"))
    config["ServerApp"]["identity_provider_class"] = ScopesFromHeader
    return config


@pytest.fixture
def ask(jp_serverapp, jp_fetch):
    """`ask(method, path, scopes) -> status` for the server's own routes."""

    async def call(method, path, scopes, body=None, **params):
        headers = {"X-Test-Scopes": json.dumps(scopes)}
        try:
            response = await jp_fetch(
                *path.split("/"), method=method, body=body, headers=headers, params=params
            )
        except HTTPClientError as e:
            return e.code, json.loads(e.response.body)
        return response.code, json.loads(response.body)

    return call


async def permissions(ask, scopes):
    query = json.dumps({"apk": ["read", "write"]})
    code, me = await ask("GET", "api/me", scopes, permissions=query)
    assert code == 200
    return me["permissions"]["apk"]


async def test_declared_scopes_decide_the_apk_resource(jp_serverapp, ask):
    assert isinstance(jp_serverapp.web_app.settings["authorizer"], HubScopeAuthorizer)
    assert await permissions(ask, []) == []
    assert await permissions(ask, [READ_SCOPE]) == ["read"]
    assert await permissions(ask, [INSTALL_SCOPE]) == ["read", "write"]

    assert (await ask("GET", "jupyterlab-apk/settings", [READ_SCOPE]))[1]["may_install"] is False
    assert (await ask("GET", "jupyterlab-apk/settings", [INSTALL_SCOPE]))[1]["may_install"] is True
    assert (await ask("GET", "jupyterlab-apk/jobs", []))[0] == 403
    assert (await ask("GET", "jupyterlab-apk/jobs", [READ_SCOPE]))[0] == 200
    job = json.dumps({"action": "install", "packages": ["py3-hello"]})
    code, body = await ask("POST", "jupyterlab-apk/jobs", [READ_SCOPE], job)
    assert code == 403
    assert "not authorized" in body["message"]
    assert (await ask("GET", "jupyterlab-apk/jobs", [READ_SCOPE]))[1] == []


async def test_other_resources_are_left_to_the_server(ask):
    code, _ = await ask("GET", "api/contents", [])
    assert code == 200


@pytest.mark.parametrize("allowed_scopes", [[], ["access:servers!server=alice/"]])
async def test_without_the_scopes_declared_the_owner_may_do_everything(jp_serverapp, ask):
    assert not isinstance(jp_serverapp.web_app.settings["authorizer"], HubScopeAuthorizer)
    assert await permissions(ask, []) == ["read", "write"]
    assert (await ask("GET", "jupyterlab-apk/settings", []))[1]["may_install"] is True
