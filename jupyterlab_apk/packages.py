"""Keeps the current catalog: reads the repositories, joins the installed database, refreshes.

Requests are answered from an immutable `Catalog` snapshot. A snapshot is rebuilt when the
repositories are re-read (explicitly, or in the background once `refresh_interval` has passed)
and when `<root>/lib/apk/db/installed` changes, e.g. after an apk run outside JupyterLab.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from .apkindex import IndexParseError, InstalledRecord, parse_installed
from .bulk import gc_paused
from .catalog import Catalog, broken_reason, merge_repositories
from .policy import ApkManager
from .repositories import RepositoryReader, RepositoryState


def installed_db(root: str) -> Path:
    """apk's installed database in *root*."""
    return Path(root, "lib/apk/db/installed")


def read_installed(root: str) -> list[InstalledRecord]:
    """The packages installed in *root* (no database yet: none); OSError, IndexParseError."""
    try:
        text = installed_db(root).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return parse_installed(text)


def installed_versions(records: list[InstalledRecord]) -> dict[str, str]:
    """Name -> version of each installed record."""
    return {item.record.name: item.record.version for item in records}


class PackageService:
    """The catalog of one `ApkManager` configuration."""

    def __init__(self, manager: ApkManager, reader: RepositoryReader | None = None):
        self.manager = manager
        self.log: logging.Logger = manager.log
        self.reader = reader or RepositoryReader(
            arch=manager.arch,
            keys_dir=manager.keys_dir,
            cache_dir=manager.cache_dir,
            allow_untrusted=manager.allow_untrusted,
            fetch_timeout=manager.fetch_timeout,
            max_index_bytes=manager.max_index_bytes,
            max_index_records=manager.max_index_records,
            log=self.log,
        )
        # The repositories in use: the administrator's, or a user's choice within the policy.
        self.repository_urls: list[str] = list(manager.repositories)
        self._states: list[RepositoryState] | None = None
        self._available: dict = {}
        self._read_at = 0.0
        self._installed: list[InstalledRecord] = []
        self._installed_validator: tuple[int, int] | None = None
        self._catalog: Catalog | None = None
        self._lock = asyncio.Lock()
        self._background: asyncio.Task | None = None

    async def catalog(self) -> Catalog:
        """The current snapshot, loading the repositories on first use."""
        if self._states is None:
            await self.refresh()
        elif self._refresh_due() and self._background is None:
            self._background = asyncio.create_task(self._refresh_in_background())
        if self._installed_changed():
            async with self._lock:
                if self._installed_changed():
                    await self._rebuild()
        assert self._catalog is not None
        return self._catalog

    async def preload(self) -> None:
        """Load the catalog ahead of the first request; failures are logged, not raised."""
        try:
            await self.catalog()
        except Exception:
            self.log.exception("jupyterlab-apk: loading the catalog failed")

    async def repositories(self) -> list[RepositoryState]:
        """The state of every configured repository, loading them on first use."""
        if self._states is None:
            await self.refresh()
        assert self._states is not None
        return list(self._states)

    async def use_repositories(self, urls: list[str]) -> list[RepositoryState]:
        """Switch to a user's repository list (checked by the caller) and re-read."""
        self.repository_urls = list(urls)
        return await self.refresh()

    async def refresh(self) -> list[RepositoryState]:
        """Re-read every repository (revalidating caches) and rebuild the catalog."""
        async with self._lock:
            previous = {state.url: state for state in self._states or ()}
            states = await self.reader.read_all(list(self.repository_urls), previous)
            self._available = await asyncio.to_thread(self._merge, states)
            self._states = states
            self._read_at = time.monotonic()
            self._installed_validator = None  # rebuild below joins the installed state anew
            await self._rebuild()
            return list(states)

    def installed_versions(self) -> dict[str, str]:
        """Name -> version of what is installed now, read afresh (before and after apk runs)."""
        return installed_versions(self._read_installed())

    def packages_in_error(self) -> dict[str, str]:
        """Name -> why, for each installed package apk holds in error, read afresh."""
        reasons = {item.record.name: broken_reason(item) for item in self._read_installed()}
        return {name: reason for name, reason in reasons.items() if reason}

    def package_sizes(self, name: str) -> tuple[int, int] | None:
        """(download, installed) bytes of the candidate for *name* in the current catalog."""
        entry = self._catalog.get(name) if self._catalog else None
        return (entry.record.size, entry.record.installed_size) if entry else None

    def installed_changed(self) -> None:
        """apk ran: join the installed database anew on the next request, whatever its mtime."""
        self._installed_validator = None

    def _refresh_due(self) -> bool:
        interval = self.manager.refresh_interval
        return interval > 0 and time.monotonic() - self._read_at > interval

    async def _refresh_in_background(self) -> None:
        try:
            await self.refresh()
        except Exception:  # a background refresh must never take the server down
            self.log.exception("jupyterlab-apk: background refresh failed")
        finally:
            self._background = None

    def _installed_stat(self) -> tuple[int, int] | None:
        try:
            stat = installed_db(self.manager.root).stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _installed_changed(self) -> bool:
        return (
            self._catalog is None
            or self._installed_validator is None
            or self._installed_stat() != self._installed_validator
        )

    async def _rebuild(self) -> None:
        validator = self._installed_stat()
        self._installed = await asyncio.to_thread(self._read_installed)
        self._catalog = await asyncio.to_thread(self._build_catalog)
        self._installed_validator = validator

    @staticmethod
    def _merge(states: list[RepositoryState]) -> dict:
        with gc_paused():
            return merge_repositories([(state.url, state.packages) for state in states])

    def _build_catalog(self) -> Catalog:
        with gc_paused():
            return Catalog(self._available, self._installed)

    def _read_installed(self) -> list[InstalledRecord]:
        try:
            return read_installed(self.manager.root)
        except (OSError, IndexParseError) as e:
            # apk may be rewriting the file right now; keep the previous state until it settles.
            db = installed_db(self.manager.root)
            self.log.warning("jupyterlab-apk: cannot read %s: %s", db, e)
            return self._installed
