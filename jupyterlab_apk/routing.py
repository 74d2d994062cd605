"""`%pip` routing as a service: the server's decisions for one kernel, and one install job for
everything routed to apk (POST resolve)."""

from __future__ import annotations

from .installer import Installer
from .packages import PackageService
from .resolver import KernelInfo, resolve


class PipRouting:
    """Decide apk or pip per requirement with the catalog and the administrator's choices."""

    def __init__(self, service: PackageService, installer: Installer) -> None:
        self.service = service
        self.installer = installer

    async def route(
        self,
        requirements: list[str],
        kernel: KernelInfo,
        user_overrides: dict[str, str],
        *,
        install: bool,
        user: str,
    ) -> dict:
        """`{"decisions": [...]}`, plus `"job"` (or None when nothing goes to apk) if *install*.

        Raises QueueFull when the install cannot be queued.
        """
        # The administrator's choices win over the user's.
        overrides = {**user_overrides, **self.service.manager.pip_overrides}
        catalog = await self.service.catalog()
        decisions = resolve(requirements, catalog, kernel, overrides)
        result: dict = {"decisions": [decision.to_json() for decision in decisions]}
        if install:
            apk = [d.package for d in decisions if d.route == "apk" and d.package]
            packages = list(dict.fromkeys(apk))
            result["job"] = (
                self.installer.submit("install", packages, preview=False, user=user).to_json()
                if packages
                else None
            )
        return result
