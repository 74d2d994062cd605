"""The merged, searchable view of the repositories and the installed database (pure).

A `Catalog` is an immutable snapshot: built once per change of the repositories or of the
installed database, then queried many times without locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .apkindex import InstalledRecord, PackageRecord
from .versions import compare

SORT_KEYS = ("relevance", "name", "size", "installed_size")
SORTS = frozenset(SORT_KEYS) | {f"-{key}" for key in SORT_KEYS}


class CatalogEntry:
    """One package name as the catalog shows it (read-only by convention: snapshots share it)."""

    # A plain slotted class: 25,000 of these are built per snapshot, and a frozen dataclass's
    # __init__ costs several times more.
    __slots__ = ("record", "repository", "installed_version", "upgradable", "search_text")

    def __init__(
        self,
        record: PackageRecord,
        repository: str | None,
        installed_version: str | None,
        upgradable: bool,
    ):
        self.record = record  # the candidate apk would pick, or the installed record if none
        self.repository = repository  # None: installed, but in no configured repository
        self.installed_version = installed_version
        self.upgradable = upgradable
        self.search_text = f"{record.name}\n{record.description}".lower()

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
        names = sorted(available.keys() | installed_by_name.keys())
        entries = []
        for name in names:
            current = installed_by_name.get(name)
            if name in available:
                record, url = available[name]
                entries.append(_entry(record, url, current))
            else:  # installed from a repository no longer configured, or from a file
                entries.append(_entry(current, None, current))
        self._entries: tuple[CatalogEntry, ...] = tuple(entries)
        self._by_name = dict(zip(names, entries))
        self._subsets: dict[tuple, list[CatalogEntry]] = {}

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
        matches = self._filtered(python, installed, upgradable)
        for word in words:
            matches = [entry for entry in matches if word in entry.search_text]
        sort = sort or ("relevance" if words else "name")
        if sort != "name":
            matches = _sorted(matches, sort, words)
        return len(matches), matches[offset : offset + limit]

    def _filtered(
        self, python: bool | None, installed: bool | None, upgradable: bool | None
    ) -> list[CatalogEntry]:
        """The entries passing the flag filters, in name order; cached, as the snapshot
        never changes and the sidebar asks for the same few combinations all the time."""
        key = (python, installed, upgradable)
        cached = self._subsets.get(key)
        if cached is None:
            cached = [
                entry
                for entry in self._entries
                if (python is None or (entry.record.python is not None) == python)
                and (installed is None or (entry.installed_version is not None) == installed)
                and (upgradable is None or entry.upgradable == upgradable)
            ]
            self._subsets[key] = cached
        return cached


def _entry(record: PackageRecord, url: str | None, current: PackageRecord | None) -> CatalogEntry:
    if current is None:
        return CatalogEntry(record, url, None, False)
    return CatalogEntry(record, url, current.version, compare(record.version, current.version) > 0)


def _sorted(entries: list[CatalogEntry], sort: str, words: list[str]) -> list[CatalogEntry]:
    """A sorted copy; entries arrive sorted by name, and Python's sort is stable."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key == "name":
        return entries[::-1]
    if key == "relevance":
        phrase = "-".join(words)
        exact = (phrase, f"py3-{phrase}")

        def relevance(entry: CatalogEntry) -> int:
            # 0: the package the words name (`numpy` -> `numpy`, `py3-numpy`); 1: a name
            # containing every word; 2: matches in the description only.
            name = entry.search_text.partition("\n")[0]
            if name in exact:
                return 0
            return 1 if all(word in name for word in words) else 2

        return sorted(entries, key=relevance, reverse=reverse)
    return sorted(entries, key=lambda entry: getattr(entry.record, key), reverse=reverse)
