"""JupyterHub custom scopes as the permissions on the `apk` resource of a single-user server.

A Hub administrator declares `custom:jupyterlab-apk:read` and `custom:jupyterlab-apk:install`
in `c.JupyterHub.custom_scopes`, grants them through roles, and lets them reach the single-user
servers with `c.Spawner.oauth_client_allowed_scopes`. The Hub tells each server which scopes its
OAuth client may hand out (`$JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES`); when either of ours is
among them, the `apk` resource follows the requesting user's scopes. Otherwise nothing changes:
whoever the Hub lets in may do everything, as before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.utils import ensure_async
from traitlets import Instance, Unicode

from .routes import AUTH_RESOURCE

READ_SCOPE = "custom:jupyterlab-apk:read"
INSTALL_SCOPE = "custom:jupyterlab-apk:install"


def granting_scopes(action: str) -> tuple[str, ...]:
    """The scopes that allow *action*: installing includes browsing; every other action
    (POST, PUT, DELETE are "write") needs the install scope."""
    return (READ_SCOPE, INSTALL_SCOPE) if action == "read" else (INSTALL_SCOPE,)


def client_allowed_scopes(environ: Mapping[str, str]) -> list[str]:
    """The scopes the Hub lets this server's OAuth client grant (JupyterHub 3 and later)."""
    try:
        scopes = json.loads(environ.get("JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES") or "[]")
    except ValueError:
        return []
    return [scope for scope in scopes if isinstance(scope, str)] if isinstance(scopes, list) else []


def declares_apk_scopes(allowed_scopes: Iterable[str]) -> bool:
    """Whether either jupyterlab-apk scope, filtered or not, can reach this server."""
    return any(scope.partition("!")[0] in (READ_SCOPE, INSTALL_SCOPE) for scope in allowed_scopes)


def required_scopes(action: str, owner: str, server_name: str) -> set[str]:
    """The scopes, any one of which allows *action* on the `apk` resource of this server.

    Each is asked for with the filters that name this server (`!user=<owner>` and
    `!server=<owner>/<name>`), so a held scope limited to another user's servers does not count
    here, while an unfiltered one does.
    """
    filters = (f"!user={owner}", f"!server={owner}/{server_name}")
    return {
        scope + scope_filter
        for scope in granting_scopes(action)
        for scope_filter in filters
    }


def may(action: str, held_scopes: Iterable[str], owner: str, server_name: str) -> bool:
    """Whether a user holding *held_scopes* may *action* ("read" or "write") on `apk` here."""
    from jupyterhub.services.auth import check_scopes  # the Hub's own filter rules

    return bool(check_scopes(required_scopes(action, owner, server_name), set(held_scopes)))


class HubScopeAuthorizer(Authorizer):
    """The server's authorizer, with the `apk` resource also decided by JupyterHub scopes."""

    inner = Instance(Authorizer, help="The authorizer in place before; it decides first.")
    owner = Unicode(help="The JupyterHub user who owns this server ($JUPYTERHUB_USER).")
    server_name = Unicode(help="This server's name; '' for the default server.")

    async def is_authorized(self, handler, user, action, resource) -> bool:
        allowed = await ensure_async(self.inner.is_authorized(handler, user, action, resource))
        if not allowed or resource != AUTH_RESOURCE:
            return allowed
        hub_user = getattr(user, "hub_user", None) or {}
        granted = may(action, hub_user.get("scopes", ()), self.owner, self.server_name)
        if not granted:
            self.log.info(
                "jupyterlab-apk: %s lacks %s to %s packages on this server",
                user.username,
                " or ".join(granting_scopes(action)),
                action,
            )
        return granted


def use_hub_scopes(server_app, environ: Mapping[str, str] = os.environ) -> bool:
    """Let the Hub's scopes decide on `apk` when the Hub declares them; True if it does."""
    if not declares_apk_scopes(client_allowed_scopes(environ)):
        return False
    authorizer = HubScopeAuthorizer(
        parent=server_app,
        log=server_app.log,
        identity_provider=server_app.identity_provider,
        inner=server_app.web_app.settings["authorizer"],
        owner=environ.get("JUPYTERHUB_USER", ""),
        server_name=environ.get("JUPYTERHUB_SERVER_NAME", ""),
    )
    # Handlers, /api/me's permissions included, read the authorizer from the settings.
    server_app.web_app.settings["authorizer"] = authorizer
    server_app.log.info(
        "jupyterlab-apk: JupyterHub scopes %s and %s decide who may browse and install",
        READ_SCOPE,
        INSTALL_SCOPE,
    )
    return True
