"""Fetch, verify and cache the APKINDEX of each repository.

One repository never breaks another: every failure becomes a `RepositoryState` with a status
and a message for people. A verified index is kept on disk and in memory as the repository's
last good copy, revalidated with ETag / Last-Modified (http) or mtime and size (files), and
served, marked "stale", while the repository is unreachable or broken.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .apkindex import IndexParseError, PackageRecord, parse_index
from .bulk import gc_paused
from .signing import (
    IndexFormatError,
    IndexTooLarge,
    check_gzip_form,
    check_signature,
    load_keys,
    open_index,
)

Status = Literal["ok", "stale", "untrusted", "error"]

# ApkManager's defaults: a real index inflates to ~12 MB and holds ~25,000 records.
MAX_INDEX_BYTES = 64 * 1024 * 1024
MAX_INDEX_RECORDS = 250_000


class RepositoryError(Exception):
    """The index could not be obtained or read; the message is meant for people."""


@dataclass(frozen=True)
class RepositoryState:
    """What one repository currently contributes to the catalog."""

    url: str
    status: Status
    message: str | None
    packages: tuple[PackageRecord, ...]
    refreshed: datetime | None
    # Identifies the bytes the packages were parsed from (ETag, Last-Modified or mtime+size),
    # so an unchanged index is not parsed again.
    validator: str | None = None

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "status": self.status,
            "message": self.message,
            "packages": len(self.packages),
            "refreshed": self.refreshed.isoformat() if self.refreshed else None,
        }


@dataclass(frozen=True)
class _Fetched:
    data: bytes | None  # None: unchanged since the last good copy in memory
    validator: str | None
    etag: str | None = None
    last_modified: str | None = None


def index_url(url: str, arch: str) -> str:
    """The APKINDEX location of repository *url*, as apk builds it."""
    return f"{url.rstrip('/')}/{arch}/APKINDEX.tar.gz"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _local_path(url: str) -> Path | None:
    if url.startswith("/"):
        return Path(url)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    return None


class RepositoryReader:
    """Reads repositories for one architecture, keys directory and trust policy."""

    def __init__(
        self,
        *,
        arch: str,
        keys_dir: str,
        cache_dir: str,
        allow_untrusted: bool,
        fetch_timeout: float,
        max_index_bytes: int = MAX_INDEX_BYTES,
        max_index_records: int = MAX_INDEX_RECORDS,
        log: logging.Logger | None = None,
    ):
        self.arch = arch
        self.keys_dir = keys_dir
        self.cache_dir = Path(cache_dir, "indexes")
        self.allow_untrusted = allow_untrusted
        self.fetch_timeout = fetch_timeout
        self.max_index_bytes = max_index_bytes
        self.max_index_records = max_index_records
        self.log = log or logging.getLogger(__name__)

    async def read_all(
        self, urls: list[str], previous: dict[str, RepositoryState]
    ) -> list[RepositoryState]:
        """Read every repository concurrently; the result keeps the order of *urls*."""
        return list(await asyncio.gather(*(self.read(url, previous.get(url)) for url in urls)))

    async def read(self, url: str, previous: RepositoryState | None = None) -> RepositoryState:
        """Fetch, verify and parse one repository, falling back to its last good copy."""
        last_good = previous if previous and previous.status in ("ok", "stale") else None
        try:
            fetched = await self._fetch(url, last_good)
            if fetched.data is None:  # unchanged since the copy in memory (only sent with one)
                assert last_good is not None
                return replace(last_good, status="ok", message=None, refreshed=_now())
            state = await asyncio.to_thread(self._load, url, fetched.data, fetched.validator)
        except RepositoryError as e:
            return await asyncio.to_thread(self._fallback, url, str(e), last_good)
        if state.status == "ok" or (state.status == "untrusted" and self.allow_untrusted):
            if fetched.data is not None:
                self._store(url, fetched)
        return state

    def _load(self, url: str, data: bytes, validator: str | None) -> RepositoryState:
        """Verify and parse index bytes (CPU bound: run in a thread).

        The signature is checked first: an index that is not trusted is not parsed (only its
        gzip form is checked) unless the policy allows untrusted indexes, and no index may
        inflate to more than max_index_bytes or hold more than max_index_records records.
        """
        keys = load_keys(self.keys_dir)
        try:
            signature = check_signature(data, keys)
            if not signature.trusted and not self.allow_untrusted:
                # A truncated download is an error (the last good copy is served), not an
                # untrusted index: inflate to check, keeping nothing.
                check_gzip_form(data, self.max_index_bytes)
                message = (
                    f"{signature.problem}; its packages are hidden "
                    "(untrusted indexes are not allowed)"
                )
                return RepositoryState(url, "untrusted", message, (), _now(), validator)
            archive = open_index(
                data, keys, max_bytes=self.max_index_bytes, max_records=self.max_index_records
            )
            with gc_paused():
                packages = tuple(parse_index(archive.text))
        except IndexTooLarge as e:
            raise RepositoryError(
                f"refused: {e}, beyond the limits an administrator sets with "
                "ApkManager.max_index_bytes and ApkManager.max_index_records"
            ) from e
        except (IndexFormatError, IndexParseError) as e:
            raise RepositoryError(f"broken index: {e}") from e
        if archive.trusted:
            return RepositoryState(url, "ok", None, packages, _now(), validator)
        message = f"{archive.problem}; listed because the policy allows untrusted indexes"
        return RepositoryState(url, "untrusted", message, packages, _now(), validator)

    def _fallback(
        self, url: str, problem: str, last_good: RepositoryState | None
    ) -> RepositoryState:
        """The last good copy, marked stale, else an error (may parse: run in a thread)."""
        self.log.warning("jupyterlab-apk: repository %s: %s", url, problem)
        if last_good is None:
            data = self._cached_bytes(url)
            if data is not None:
                try:
                    last_good = self._load(url, data, None)
                except RepositoryError:
                    last_good = None
                else:
                    meta = self._cached_meta(url)
                    refreshed = meta.get("refreshed")
                    if refreshed:
                        last_good = replace(last_good, refreshed=datetime.fromisoformat(refreshed))
                    if last_good.status == "untrusted" and not self.allow_untrusted:
                        last_good = None
        if last_good is None or not last_good.packages:
            return RepositoryState(url, "error", problem, (), None)
        when = last_good.refreshed.isoformat(timespec="seconds") if last_good.refreshed else "?"
        message = f"{problem}; serving the last good copy from {when}"
        return replace(last_good, status="stale", message=message)

    # -- transport ---------------------------------------------------------------------------

    async def _fetch(self, url: str, last_good: RepositoryState | None) -> _Fetched:
        location = index_url(url, self.arch)
        path = _local_path(location)
        if path is not None:
            return await asyncio.to_thread(self._read_file, path, last_good)
        return await self._fetch_http(url, location, last_good)

    def _read_file(self, path: Path, last_good: RepositoryState | None) -> _Fetched:
        try:
            stat = path.stat()
            validator = f"{stat.st_mtime_ns}:{stat.st_size}"
            if last_good is not None and last_good.validator == validator:
                return _Fetched(None, validator)
            if stat.st_size > self.max_index_bytes:
                raise RepositoryError(
                    f"{path} is larger than {self.max_index_bytes} bytes (max_index_bytes)"
                )
            return _Fetched(path.read_bytes(), validator)
        except FileNotFoundError as e:
            raise RepositoryError(f"no index at {path}") from e
        except OSError as e:
            raise RepositoryError(f"cannot read {path}: {e.strerror or e}") from e

    async def _fetch_http(
        self, url: str, location: str, last_good: RepositoryState | None
    ) -> _Fetched:
        headers = {}
        meta = self._cached_meta(url)
        # Only revalidate against a copy we can actually serve on 304.
        if last_good is not None or self._cache_path(url).exists():
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        request = HTTPRequest(
            location,
            headers=headers,
            connect_timeout=self.fetch_timeout,
            request_timeout=self.fetch_timeout,
            follow_redirects=True,
        )
        client = AsyncHTTPClient(max_body_size=self.max_index_bytes)
        try:
            response = await client.fetch(request, raise_error=False)
        except OSError as e:
            raise RepositoryError(f"could not connect to {location}: {e.strerror or e}") from e
        except HTTPClientError as e:
            raise RepositoryError(f"could not fetch {location}: {e}") from e
        if response.code == 304:
            validator = meta.get("etag") or meta.get("last_modified")
            if last_good is not None and last_good.validator == validator:
                return _Fetched(None, validator)
            data = self._cached_bytes(url)
            if data is None:
                raise RepositoryError(f"{location} answered 'not modified' but no copy is cached")
            return _Fetched(data, validator, meta.get("etag"), meta.get("last_modified"))
        if response.code == 599:
            error = response.error
            reason = getattr(error, "strerror", None) or str(error)
            raise RepositoryError(f"could not connect to {location}: {reason}")
        if response.code != 200:
            raise RepositoryError(f"{location} answered HTTP {response.code} {response.reason}")
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        return _Fetched(response.body, etag or last_modified, etag, last_modified)

    # -- disk cache --------------------------------------------------------------------------

    def _cache_path(self, url: str) -> Path:
        digest = hashlib.sha256(f"{url}\0{self.arch}".encode()).hexdigest()[:32]
        return self.cache_dir / f"{digest}.tar.gz"

    def _cached_bytes(self, url: str) -> bytes | None:
        try:
            return self._cache_path(url).read_bytes()
        except OSError:
            return None

    def _cached_meta(self, url: str) -> dict:
        try:
            return json.loads(self._cache_path(url).with_suffix(".json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def _store(self, url: str, fetched: _Fetched) -> None:
        """Keep a verified index as the last good copy (atomically, never a torn file)."""
        path = self._cache_path(url)
        assert fetched.data is not None  # only a fetched index is stored
        meta = {
            "url": url,
            "arch": self.arch,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "refreshed": _now().isoformat(),
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for target, content in (
                (path, fetched.data),
                (path.with_suffix(".json"), json.dumps(meta).encode()),
            ):
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                tmp.write_bytes(content)
                os.replace(tmp, target)
        except OSError as e:
            self.log.warning("jupyterlab-apk: cannot cache the index of %s: %s", url, e)
