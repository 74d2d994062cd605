"""Thin REST handlers under `<base_url>/jupyterlab-apk/` (see README, "REST API").

Every verb is authenticated and goes through jupyter_server's authorizer with the resource
`apk` (GET is "read", POST/DELETE "write"), so a deployment can let users browse but not install.
"""

from __future__ import annotations

import json
import re

from jupyter_client.kernelspec import KernelSpec, NoSuchKernel
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import ensure_async, url_path_join
from tornado import web

from ._version import __version__
from .apkcli import RequestError, check_package
from .catalog import SORTS
from .installer import Installer, QueueFull
from .kernels import KernelProbeCache
from .modules import locate, top_level
from .packages import PackageService
from .policy import PolicyError
from .routing import PipRouting
from .snapshots import EnvironmentService
from .undo import NothingToUndo, PlanOutdated, UndoService

AUTH_RESOURCE = "apk"
NAMESPACE = "jupyterlab-apk"
MAX_LIMIT = 500
MAX_QUERY = 200
MAX_BODY = 64 * 1024  # a job request is a few names; anything larger is refused unread
MAX_WAIT = 30  # seconds a long-poll may be held
MAX_REQUIREMENTS = 100


@web.stream_request_body
class ApkHandler(APIHandler):
    """Base handler: the shared service, strict query-argument parsing and bounded bodies.

    Bodies are streamed (tornado then reads them only after prepare()), so that one larger
    than MAX_BODY is refused from its Content-Length, or cut off at MAX_BODY bytes when sent
    in chunks, instead of being buffered whole first.
    """

    auth_resource = AUTH_RESOURCE

    async def prepare(self):
        await super().prepare()
        self.request.connection.set_max_body_size(MAX_BODY)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            raise web.HTTPError(400, f"the request body is larger than {MAX_BODY} bytes")
        self._body = bytearray()

    def data_received(self, chunk: bytes) -> None:
        self._body += chunk

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

    def write_json(self, payload, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    @property
    def installer(self) -> Installer:
        return self.settings["jupyterlab_apk_installer"]

    async def kernel_spec(self, name) -> KernelSpec:
        if not isinstance(name, str) or not name:
            raise web.HTTPError(400, "kernel must name a kernelspec")
        try:
            return await ensure_async(self.kernel_spec_manager.get_kernel_spec(name))
        except NoSuchKernel as e:
            raise web.HTTPError(400, f"no kernelspec named {name!r}") from e

    def json_body(self) -> dict:
        try:
            body = json.loads(self._body or b"{}")
        except ValueError as e:
            raise web.HTTPError(400, f"the request body is not JSON: {e}") from e
        except RecursionError as e:
            raise web.HTTPError(400, "the request body is nested too deeply") from e
        if not isinstance(body, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return body

    async def kernel_info(self, name):
        """What the kernelspec *name*'s interpreter says about itself (probed once)."""
        spec = await self.kernel_spec(name)
        probes: KernelProbeCache = self.settings["jupyterlab_apk_kernel_probes"]
        return await probes.get(name, spec)


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
                "repositories": list(self.service.repository_urls),
                "policy": {
                    "repositories": list(manager.repositories),
                    "allowed_repositories": list(manager.allowed_repositories),
                    "allow_user_repositories": manager.allow_user_repositories,
                },
                "allow_untrusted": manager.allow_untrusted,
                "allow_remove": manager.allow_remove,
                # Deprecated, kept for the documented contract: read policy's (the same value).
                "allow_user_repositories": manager.allow_user_repositories,
                # What this user's `write` on apk would get (JupyterHub scopes included).
                "may_install": await ensure_async(
                    self.authorizer.is_authorized(self, self.current_user, "write", AUTH_RESOURCE)
                ),
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

    @web.authenticated
    @authorized
    async def put(self):
        """Use the user's repositories: {"repositories": [url, ...]} in order (from the
        settings editor). 400 for a malformed URL, 403 for one outside the policy; answers
        like GET after re-reading them."""
        urls = self.json_body().get("repositories")
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise web.HTTPError(400, "repositories must be a list of URLs")
        try:
            checked = self.service.manager.check_user_repositories(urls)
        except PolicyError as e:
            raise web.HTTPError(403, str(e)) from e
        except ValueError as e:
            raise web.HTTPError(400, str(e)) from e
        states = await self.service.use_repositories(checked)
        self.write_json([state.to_json() for state in states])


class RefreshHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def post(self):
        """Re-read every repository now (no body); returns the repositories as GET does."""
        self.write_json([state.to_json() for state in await self.service.refresh()])


class ResolveHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def post(self):
        """Decide apk or pip for pip requirements, for one kernel, without running apk.

        Body: {"requirements": ["numpy>=1.20", ...], "kernel": "<kernelspec name>",
        "overrides": {"<pip name>": "<apk name>"} (optional, the user's), "install": false}.
        Returns {"decisions": [{"requirement", "route", "package", "version", "reason"}]},
        plus "job" (as POST jobs returns it, or null) when "install" is true: one install job
        for every requirement routed to apk.
        """
        body = self.json_body()
        requirements = body.get("requirements")
        if (
            not isinstance(requirements, list)
            or not all(isinstance(r, str) for r in requirements)
            or len(requirements) > MAX_REQUIREMENTS
        ):
            raise web.HTTPError(
                400, f"requirements must be a list of at most {MAX_REQUIREMENTS} strings"
            )
        overrides = self.user_overrides(body.get("overrides"))
        kernel = await self.kernel_info(body.get("kernel"))
        routing: PipRouting = self.settings["jupyterlab_apk_routing"]
        try:
            result = await routing.route(
                requirements,
                kernel,
                overrides,
                install=bool(body.get("install")),
                user=self.current_user.username,
            )
        except QueueFull as e:
            raise web.HTTPError(429, str(e)) from e
        self.write_json(result)

    @staticmethod
    def user_overrides(value) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise web.HTTPError(400, "overrides must be an object of pip name -> apk name")
        try:
            return {str(pip): check_package(apk) for pip, apk in value.items()}
        except RequestError as e:
            raise web.HTTPError(400, f"overrides: {e}") from e


class ModuleHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str):
        """Which prebuilt package ships the module *name*, for ?kernel=<kernelspec>: {"module",
        "route", "package", "version", "size", "installed", "reason", "pip", "action"}."""
        try:
            module = top_level(name)
        except ValueError as e:
            raise web.HTTPError(400, str(e)) from e
        kernel = await self.kernel_info(self.get_query_argument("kernel", ""))
        # The same check as a POST jobs would meet: no install is offered that would be refused.
        may_install = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", AUTH_RESOURCE)
        )
        catalog = await self.service.catalog()
        self.write_json(locate(module, catalog, kernel, may_install=bool(may_install)).to_json())


class JobsHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self):
        """All recent jobs, newest first, without their logs."""
        self.write_json([job.to_json(log_offset=len(job.log)) for job in self.installer.jobs()])

    @web.authenticated
    @authorized
    async def post(self):
        """Queue a job: {"action": "install"|"upgrade"|"remove"|"repair"|"undo",
        "packages": [...], "preview": false} (repair without packages: every package in error;
        undo with none: every apk change since the baseline; with the `packages` of its
        preview: only if the changes are still those). Answers 202 with the job; 400 for
        invalid names, 403 when the policy forbids the action, 409 when there is nothing to
        undo or the changes are no longer the confirmed ones, 429 when the queue is full."""
        body = self.json_body()
        action, packages = body.get("action"), body.get("packages")
        preview, user = bool(body.get("preview", False)), self.current_user.username
        try:
            if action == "undo":
                if packages is not None and not (
                    isinstance(packages, list) and all(isinstance(p, str) for p in packages)
                ):
                    raise ValueError("packages must be a list of package names")
                name = self.kernel_manager.default_kernel_name
                undo: UndoService = self.settings["jupyterlab_apk_undo"]
                job = await undo.submit(name, await self.kernel_spec(name), preview=preview,
                                        user=user, confirmed=packages or None)  # fmt: skip
            else:
                job = self.installer.submit(action, packages, preview=preview, user=user)
        except (RequestError, ValueError) as e:
            raise web.HTTPError(400, str(e)) from e
        except PolicyError as e:
            raise web.HTTPError(403, str(e)) from e
        except (NothingToUndo, PlanOutdated) as e:
            raise web.HTTPError(409, str(e)) from e
        except QueueFull as e:
            raise web.HTTPError(429, str(e)) from e
        self.write_json(job.to_json(), status=202)


class JobHandler(ApkHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str):
        """One job; ?log_offset=N returns the log from character N. With ?since=R&wait=S the
        answer is held (up to S <= 30 seconds) until the job's revision passes R."""
        job = self.installer.get(job_id)
        if job is None:
            raise web.HTTPError(404, f"no job {job_id!r}")
        log_offset = self.int_argument("log_offset", 0, 10**9)
        since = self.int_argument("since", -1, 10**12)
        wait = self.int_argument("wait", 0, MAX_WAIT)
        if since >= 0 and wait and not job.terminal:
            await self.installer.wait_for_change(job, since, wait)
        self.write_json(job.to_json(log_offset=log_offset))

    @web.authenticated
    @authorized
    async def delete(self, job_id: str):
        """Cancel a queued or running job; answers with the job."""
        job = await self.installer.cancel(job_id)
        if job is None:
            raise web.HTTPError(404, f"no job {job_id!r}")
        self.write_json(job.to_json(log_offset=len(job.log)))


class EnvironmentHandler(ApkHandler):
    @property
    def environment(self) -> EnvironmentService:
        return self.settings["jupyterlab_apk_environment"]

    def kernel_name(self) -> str:
        return self.get_query_argument("kernel", "") or self.kernel_manager.default_kernel_name

    @web.authenticated
    @authorized
    async def get(self):
        """What changed since the image: ?kernel= (default: the default kernel) for pip's side.

        Returns {"baseline": {"source", "created"}, "kernel", "added", "removed", "upgraded",
        "pip", "pip_error"}.
        """
        name = self.kernel_name()
        spec = await self.kernel_spec(name)
        self.write_json(await self.environment.changes(name, spec))


# A container image reference, as `docker pull` takes it: nothing that could end a Dockerfile line.
_IMAGE_RE = re.compile(r"[a-z0-9][a-z0-9._/:@+-]{0,255}", re.IGNORECASE)
EXPORT_FORMATS = ("dockerfile", "apko", "apk", "requirements")


class EnvironmentExportHandler(EnvironmentHandler):
    @web.authenticated
    @authorized
    async def get(self):
        """The changes as a file: ?format=dockerfile|apko|apk|requirements&kernel=&pin=true
        &image= (the Dockerfile's FROM; default: this server's image). Answers text with its
        file name in Content-Disposition."""
        fmt = self.get_query_argument("format", "")
        if fmt not in EXPORT_FORMATS:
            raise web.HTTPError(400, f"format must be one of {', '.join(EXPORT_FORMATS)}")
        image = self.get_query_argument("image", "") or self.environment.manager.image
        if not _IMAGE_RE.fullmatch(image):
            raise web.HTTPError(400, f"{image[:80]!r} is not an image reference")
        pin = self.bool_argument("pin")
        name = self.kernel_name()
        spec = await self.kernel_spec(name)
        filename, text = await self.environment.export(
            fmt, name, spec, pin=pin is not False, image=image
        )
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(text, set_content_type="text/plain; charset=utf-8")


def setup_routes(
    web_app, service: PackageService, installer: Installer, environment: EnvironmentService
) -> None:
    """Register the handlers under the server's base URL."""
    web_app.settings["jupyterlab_apk_service"] = service
    web_app.settings["jupyterlab_apk_installer"] = installer
    web_app.settings["jupyterlab_apk_kernel_probes"] = KernelProbeCache(service.manager.root)
    web_app.settings["jupyterlab_apk_routing"] = PipRouting(service, installer)
    web_app.settings["jupyterlab_apk_environment"] = environment
    web_app.settings["jupyterlab_apk_undo"] = UndoService(environment, installer)
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
                ("resolve", ResolveHandler),
                (r"modules/(?P<name>[^/]+)", ModuleHandler),
                ("jobs", JobsHandler),
                (r"jobs/(?P<job_id>[0-9a-f]{16})", JobHandler),
                ("environment", EnvironmentHandler),
                ("environment/export", EnvironmentExportHandler),
            )
        ],
    )
