"""Server extension entry point: build the service once from the server's config."""

from __future__ import annotations

import os

from jupyter_server.utils import ensure_async
from tornado.ioloop import IOLoop

from .apkcli import ApkOptions
from .hub import use_hub_scopes
from .installer import Installer
from .packages import PackageService
from .policy import ApkManager
from .routes import setup_routes
from .snapshots import EnvironmentService


def load(server_app) -> PackageService:
    """Create the `ApkManager` from `c.ApkManager.*`, register routes, preload the catalog."""
    manager = ApkManager(config=server_app.config, parent=server_app, log=server_app.log)
    service = PackageService(manager)
    environment = EnvironmentService(manager, service.installed_versions)

    async def take_baseline() -> None:
        """The baseline of `GET environment` before this server changes anything: the image's,
        else one taken now (with the default kernel's pip packages)."""
        name = server_app.kernel_manager.default_kernel_name
        try:
            spec = await ensure_async(server_app.kernel_spec_manager.get_kernel_spec(name))
            await environment.baseline(name, spec)
        except Exception:  # GET environment takes it, or says why, when asked
            server_app.log.warning("jupyterlab-apk: no baseline taken at start", exc_info=True)

    installer = Installer(
        lambda: apk_options(manager, service.repository_urls),
        history_path=os.path.join(manager.cache_dir, "jobs.jsonl"),
        timeout=manager.job_timeout,
        max_queued=manager.max_queued_jobs,
        installed_versions=service.installed_versions,
        packages_in_error=service.packages_in_error,
        package_sizes=service.package_sizes,
        on_finished=lambda job: service.installed_changed(),
        before_first_job=take_baseline,
        allow_remove=manager.allow_remove,
        log=server_app.log,
    )
    setup_routes(server_app.web_app, service, installer, environment)
    use_hub_scopes(server_app)
    # Warm the catalog while the user's browser is still loading JupyterLab.
    IOLoop.current().add_callback(service.preload)
    # "Changes since the image" start from here when the image recorded no baseline.
    IOLoop.current().add_callback(take_baseline)
    server_app.log.info(
        "jupyterlab-apk: %d repositories for %s, root %s",
        len(manager.repositories),
        manager.arch,
        manager.root,
    )
    return service


def apk_options(manager: ApkManager, repositories: list[str]) -> ApkOptions:
    """What every apk run shares: the admin's configuration and the repositories in use."""
    return ApkOptions(
        command=tuple(manager.apk_command),
        root=manager.root,
        repositories=tuple(repositories),
        keys_dir=manager.keys_dir,
        allow_untrusted=manager.allow_untrusted,
        wait=manager.lock_wait,
        cache_dir=manager.shared_cache_dir or None,
    )
