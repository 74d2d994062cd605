"""Thin REST handlers under `<base_url>/jupyterlab-apk/` (see README, "REST API").

Every verb is authenticated and goes through jupyter_server's authorizer with the resource
`apk` (GET is "read", POST/DELETE "write"), so a deployment can let users browse but not install.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ._version import __version__
from .catalog import SORTS
from .packages import PackageService

AUTH_RESOURCE = "apk"
NAMESPACE = "jupyterlab-apk"
MAX_LIMIT = 500
MAX_QUERY = 200


class ApkHandler(APIHandler):
    """Base handler: the shared service and strict query-argument parsing."""

    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> PackageService:
        return self.settings["jupyterlab_apk_service"]

    def bool_argument(self, name: str) -> bool | None:
        value = self.get_query_argument(name, "")
        if value == "":
            return None
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise web.HTTPError(400, f"{name} must be 'true' or 'false', not {value!r}")

    def int_argument(self, name: str, default: int, maximum: int) -> int:
        value = self.get_query_argument(name, "")
        if value == "":
            return default
        try:
            number = int(value)
        except ValueError as e:
            raise web.HTTPError(400, f"{name} must be an integer, not {value!r}") from e
        if not 0 <= number <= maximum:
            raise web.HTTPError(400, f"{name} must be between 0 and {maximum}")
        return number

    def write_json(self, payload) -> None:
        self.finish(json.dumps(payload))


class SettingsHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self):
        """The server's version and the effective configuration the frontend needs."""
        manager = self.service.manager
        self.write_json(
            {
                "version": __version__,
                "arch": manager.arch,
                "root": manager.root,
                "demo_mode": manager.sandboxed,
                "repositories": list(manager.repositories),
                "allow_untrusted": manager.allow_untrusted,
                "allow_remove": manager.allow_remove,
                "allow_user_repositories": manager.allow_user_repositories,
            }
        )


class PackagesHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self):
        """Search the catalog: ?q=&python=&installed=&upgradable=&offset=&limit=&sort=

        Returns {"total": N, "packages": [package, ...]}.
        """
        q = self.get_query_argument("q", "")
        if len(q) > MAX_QUERY:
            raise web.HTTPError(400, f"q must be at most {MAX_QUERY} characters")
        sort = self.get_query_argument("sort", "")
        if sort and sort not in SORTS:
            raise web.HTTPError(400, f"sort must be one of {', '.join(sorted(SORTS))}")
        filters = {
            "python": self.bool_argument("python"),
            "installed": self.bool_argument("installed"),
            "upgradable": self.bool_argument("upgradable"),
        }
        offset = self.int_argument("offset", 0, 10**9)
        limit = self.int_argument("limit", 50, MAX_LIMIT)
        catalog = await self.service.catalog()
        total, page = catalog.query(q=q, sort=sort, offset=offset, limit=limit, **filters)
        self.write_json({"total": total, "packages": [entry.to_json() for entry in page]})


class PackageHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str):
        """One package with depends, provides and modules; 404 when unknown."""
        entry = (await self.service.catalog()).get(name)
        if entry is None:
            raise web.HTTPError(404, f"no package named {name!r}")
        self.write_json(entry.details_json())


class RepositoriesHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self):
        """[{"url", "status", "message", "packages", "refreshed"}, ...] in configured order."""
        self.write_json([state.to_json() for state in await self.service.repositories()])


class RefreshHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def post(self):
        """Re-read every repository now (no body); returns the repositories as GET does."""
        self.write_json([state.to_json() for state in await self.service.refresh()])


def setup_routes(web_app, service: PackageService) -> None:
    """Register the handlers under the server's base URL."""
    web_app.settings["jupyterlab_apk_service"] = service
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, path), handler)
            for path, handler in (
                ("settings", SettingsHandler),
                ("packages", PackagesHandler),
                (r"packages/(?P<name>[^/]+)", PackageHandler),
                ("repositories", RepositoriesHandler),
                ("refresh", RefreshHandler),
            )
        ],
    )
