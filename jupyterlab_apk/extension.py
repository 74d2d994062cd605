"""Server extension entry point: build the service once from the server's config."""

from __future__ import annotations

from tornado.ioloop import IOLoop

from .packages import PackageService
from .policy import ApkManager
from .routes import setup_routes


def load(server_app) -> PackageService:
    """Create the `ApkManager` from `c.ApkManager.*`, register routes, preload the catalog."""
    manager = ApkManager(config=server_app.config, parent=server_app, log=server_app.log)
    service = PackageService(manager)
    setup_routes(server_app.web_app, service)
    # Warm the catalog while the user's browser is still loading JupyterLab.
    IOLoop.current().add_callback(service.preload)
    server_app.log.info(
        "jupyterlab-apk: %d repositories for %s, root %s",
        len(manager.repositories),
        manager.arch,
        manager.root,
    )
    return service
