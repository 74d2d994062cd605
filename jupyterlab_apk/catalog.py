"""The merged, searchable view of the repositories and the installed database (pure).

A `Catalog` is an immutable snapshot: built once per change of the repositories or of the
installed database, then queried many times without locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .apkindex import InstalledRecord, PackageRecord
from .versions import compare

SORT_KEYS = ("relevance", "name", "size", "installed_size")
SORTS = frozenset(SORT_KEYS) | {f"-{key}" for key in SORT_KEYS}


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One package name as the catalog shows it."""

    record: PackageRecord  # the candidate apk would pick, or the installed record if none
    repository: str | None  # None: installed, but in no configured repository
    installed_version: str | None
    upgradable: bool
    search_text: str  # lower-cased name and description, for substring search

    @property
    def name(self) -> str:
        return self.record.name

    def to_json(self) -> dict:
        record = self.record
        return {
            "name": record.name,
            "version": record.version,
            "description": record.description,
            "size": record.size,
            "installed_size": record.installed_size,
            "installed_version": self.installed_version,
            "upgradable": self.upgradable,
            "python": record.python,
            "repository": self.repository,
            "origin": record.origin,
            "license": record.license,
            "url": record.url,
        }

    def details_json(self) -> dict:
        record = self.record
        return {
            **self.to_json(),
            "depends": list(record.depends),
            "provides": list(record.provides),
            "modules": list(record.modules),
            "install_if": list(record.install_if),
            "arch": record.arch,
            "maintainer": record.maintainer,
            "build_time": record.build_time,
            "commit": record.commit,
        }


def merge_repositories(
    repositories: Iterable[tuple[str, Sequence[PackageRecord]]],
) -> dict[str, tuple[PackageRecord, str]]:
    """Pick one candidate per name as apk does: highest version, earlier repository on ties."""
    best: dict[str, tuple[PackageRecord, str]] = {}
    for url, records in repositories:
        for record in records:
            current = best.get(record.name)
            if current is None or compare(record.version, current[0].version) > 0:
                best[record.name] = (record, url)
    return best


class Catalog:
    """Available packages joined with the installed ones, with search and paging."""

    def __init__(
        self,
        available: dict[str, tuple[PackageRecord, str]],
        installed: Sequence[InstalledRecord] = (),
    ):
        installed_by_name = {item.record.name: item.record for item in installed}
        entries = []
        for name, (record, url) in available.items():
            current = installed_by_name.get(name)
            entries.append(_entry(record, url, current))
        for name, record in installed_by_name.items():
            if name not in available:
                entries.append(_entry(record, None, record))
        entries.sort(key=lambda entry: entry.record.name)
        self._entries: tuple[CatalogEntry, ...] = tuple(entries)
        self._by_name = {entry.name: entry for entry in entries}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str) -> CatalogEntry | None:
        return self._by_name.get(name)

    def query(
        self,
        *,
        q: str = "",
        python: bool | None = None,
        installed: bool | None = None,
        upgradable: bool | None = None,
        sort: str = "",
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[CatalogEntry]]:
        """Return the number of matches and the page [offset, offset + limit).

        Every word of *q* must occur in the name or the description. The default sort is
        relevance when there is a query (exact name, then name matches) and name otherwise.
        """
        if sort not in SORTS and sort != "":
            raise ValueError(f"unknown sort {sort!r}; expected one of {sorted(SORTS)}")
        words = q.lower().split()
        matches = [
            entry
            for entry in self._entries
            if (python is None or (entry.record.python is not None) == python)
            and (installed is None or (entry.installed_version is not None) == installed)
            and (upgradable is None or entry.upgradable == upgradable)
            and all(word in entry.search_text for word in words)
        ]
        sort = sort or ("relevance" if words else "name")
        _sort(matches, sort, words)
        return len(matches), matches[offset : offset + limit]


def _entry(record: PackageRecord, url: str | None, current: PackageRecord | None) -> CatalogEntry:
    return CatalogEntry(
        record=record,
        repository=url,
        installed_version=current.version if current else None,
        upgradable=current is not None and compare(record.version, current.version) > 0,
        search_text=f"{record.name}\n{record.description}".lower(),
    )


def _sort(entries: list[CatalogEntry], sort: str, words: list[str]) -> None:
    """Sort in place; entries arrive sorted by name, and Python's sort is stable."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key == "name":
        if reverse:
            entries.reverse()
        return
    if key == "relevance":
        entries.sort(key=lambda entry: _relevance(entry.name.lower(), words), reverse=reverse)
        return
    attribute = key  # "size" or "installed_size"
    entries.sort(key=lambda entry: getattr(entry.record, attribute), reverse=reverse)


def _relevance(name: str, words: list[str]) -> int:
    """0 for the package the words name (`numpy` -> `numpy`, `py3-numpy`), 1 for a name
    containing every word, 2 for matches in the description only."""
    phrase = "-".join(words)
    if name in (phrase, f"py3-{phrase}"):
        return 0
    return 1 if all(word in name for word in words) else 2
