"""Undo changes since the image: one job that takes apk's side of the system back to the baseline.

The job's lists are computed when it is submitted, from the same comparison `GET environment`
answers with (`environment.undo` says what is removed, restored and left), so that `GET jobs`
shows what the job does and its preview shows the plan of exactly that job.
"""

from __future__ import annotations

from jupyter_client.kernelspec import KernelSpec

from . import environment
from .installer import Installer, Job
from .snapshots import EnvironmentService


class NothingToUndo(Exception):
    """No apk package was added or removed since the baseline."""


class PlanOutdated(Exception):
    """The apk changes since the baseline are no longer those of the plan the user confirmed."""


class UndoService:
    """Submits undo jobs: the environment says what changed, the installer runs it."""

    def __init__(self, environment_service: EnvironmentService, installer: Installer) -> None:
        self._environment = environment_service
        self._installer = installer

    async def submit(
        self, kernel: str, spec: KernelSpec, *, preview: bool, user: str,
        confirmed: list[str] | None = None,
    ) -> Job:
        """Queue the undo job (*kernel*: the kernelspec a first-start baseline is taken with).

        *confirmed*, when given, is the `packages` of the plan the user saw: the job runs only
        if the changes are still those, so that it never removes what the plan did not show.

        Raises PolicyError when removing is not allowed, NothingToUndo when nothing apk
        changed, PlanOutdated when the changes are no longer *confirmed*, and what
        `Installer.submit_undo` raises.
        """
        self._installer.check_allowed("undo")
        change = await self._environment.apk_changes(kernel, spec)
        remove, restore = environment.undo(change)
        if not remove and not restore:
            raise NothingToUndo(
                "Nothing to undo: no apk package was added or removed since the image "
                "(upgraded packages and pip packages are left as they are)."
            )
        if confirmed is not None and sorted(confirmed) != sorted([*remove, *restore]):
            now = "; ".join(
                f"{verb} {', '.join(names)}"
                for verb, names in (("remove", remove), ("restore", restore)) if names
            )
            raise PlanOutdated(
                f"The changes since the image are no longer those of the plan shown (now: {now}): "
                "look at the plan again."
            )
        return self._installer.submit_undo(remove, restore, preview=preview, user=user)
