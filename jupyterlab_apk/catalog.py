"""The merged, searchable view of the repositories and the installed database (pure).

A `Catalog` is an immutable snapshot: built once per change of the repositories or of the
installed database, then queried many times without locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property, partial
from itertools import repeat
from operator import attrgetter
from typing import NamedTuple

from .apkindex import InstalledRecord, PackageDetails, PackageRecord
from .versions import compare

SORT_KEYS = ("relevance", "name", "size", "installed_size")
SORTS = frozenset(SORT_KEYS) | {f"-{key}" for key in SORT_KEYS}


class CatalogEntry(NamedTuple):
    """One package name as the catalog shows it."""

    record: PackageRecord  # the candidate apk would pick, or the installed record if none
    repository: str | None  # None: installed, but in no configured repository
    installed_version: str | None
    upgradable: bool
    broken: str | None  # why the installed package is in error (apk's `f:` flags), or None

    @property
    def name(self) -> str:
        return self.record.name

    def to_json(self) -> dict:
        return self._json(self.record.details)

    def details_json(self) -> dict:
        details = self.record.details
        return {
            **self._json(details),
            "depends": list(details.depends),
            "provides": list(details.provides),
            "modules": list(details.modules),
            "install_if": list(details.install_if),
            "arch": details.arch,
            "maintainer": details.maintainer,
            "build_time": details.build_time,
            "commit": details.commit,
        }

    def _json(self, details: PackageDetails) -> dict:
        record = self.record
        return {
            "name": record.name,
            "version": record.version,
            "description": record.description,
            "size": record.size,
            "installed_size": record.installed_size,
            "installed_version": self.installed_version,
            "upgradable": self.upgradable,
            "broken": self.broken,
            "python": record.python,
            "repository": self.repository,
            "origin": details.origin,
            "license": details.license,
            "url": details.url,
        }


def broken_reason(installed: InstalledRecord) -> str | None:
    """Why apk holds *installed* in error ("its install script failed"); None if it does not."""
    why = []
    if installed.failed_script:
        why.append("its install script failed")
    if installed.broken_files:
        why.append("some of its files could not be written")
    return " and ".join(why) or None


def broken_sentence(installed: InstalledRecord) -> str:
    """What the catalog says of a package in error."""
    return (
        f"{(broken_reason(installed) or 'it is in error').capitalize()}: apk reports an error in "
        "every run until it "
        "is repaired."
    )


# CatalogEntry's own __new__ is Python code; this is the C function it ends in.
_new_entry = partial(tuple.__new__, CatalogEntry)


def merge_repositories(
    repositories: Iterable[tuple[str, Sequence[PackageRecord]]],
) -> dict[str, tuple[PackageRecord, str]]:
    """Pick one candidate per name as apk does: highest version, earlier repository on ties."""
    best: dict[str, tuple[PackageRecord, str]] = {}
    for url, records in repositories:
        if not best:
            first = dict(
                zip(map(attrgetter("name"), records), zip(records, repeat(url)), strict=True)
            )
            if len(first) == len(records):  # each name once, as in apk's own indexes: no choice
                best = first
                continue
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
        # Few or none: most entries look up nothing here.
        broken = {item.record.name: broken_sentence(item) for item in installed
                  if item.broken_files or item.failed_script}  # fmt: skip
        names = [*available, *(name for name in installed_by_name if name not in available)]
        # Indexes list packages by name, so this mostly confirms runs that are in order already.
        names.sort()
        # Installed from a repository no longer configured, or from a file: shown as installed.
        candidates = [available.get(name) or (installed_by_name[name], None) for name in names]
        records = [record for record, _ in candidates]
        current = list(map(installed_by_name.get, names))
        # Column by column, in C where possible: 25,000 entries are built per snapshot.
        self._entries: tuple[CatalogEntry, ...] = tuple(
            map(
                _new_entry,
                zip(
                    records,
                    [url for _, url in candidates],
                    [None if installed is None else installed.version for installed in current],
                    [
                        installed is not None
                        and record.version != installed.version  # the usual case; no parsing
                        and compare(record.version, installed.version) > 0
                        for record, installed in zip(records, current, strict=True)
                    ],
                    map(broken.get, names),
                    strict=True,
                ),
            )
        )
        self._by_name = dict(zip(names, self._entries, strict=True))
        self._subsets: dict[tuple, list[int]] = {}

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
        found = self._filtered(python, installed, upgradable)
        if words:
            texts = self._search_texts
            for word in words:
                found = [index for index in found if word in texts[index]]
        sort = sort or ("relevance" if words else "name")
        if sort != "name":
            found = self._sorted(found, sort, words)
        return len(found), list(map(self._entries.__getitem__, found[offset : offset + limit]))

    @cached_property
    def _search_texts(self) -> list[str]:
        """Each entry's "name\ndescription" in lower case, built by the first search: most
        snapshots (one per apk run) are never searched."""
        return [
            f"{entry.record.name}\n{entry.record.description}".lower() for entry in self._entries
        ]

    def _sorted(self, found: list[int], sort: str, words: list[str]) -> list[int]:
        """A sorted copy of the positions *found*, which are in name order (the sort is stable)."""
        key = sort.lstrip("-")
        reverse = sort.startswith("-")
        if key == "name":
            return found[::-1]
        if key == "relevance":
            if not words:  # every entry ranks alike: name order, either way
                return found
            texts = self._search_texts
            phrase = "-".join(words)
            exact = (phrase, f"py3-{phrase}")

            def relevance(index: int) -> int:
                # 0: the package the words name (`numpy` -> `numpy`, `py3-numpy`); 1: a name
                # containing every word; 2: matches in the description only.
                name = texts[index].partition("\n")[0]
                if name in exact:
                    return 0
                for word in words:
                    if word not in name:
                        return 2
                return 1

            return sorted(found, key=relevance, reverse=reverse)
        entries = self._entries
        return sorted(found, key=lambda index: getattr(entries[index].record, key), reverse=reverse)

    def _filtered(
        self, python: bool | None, installed: bool | None, upgradable: bool | None
    ) -> list[int]:
        """The positions of the entries passing the flag filters, in name order; cached, as
        the snapshot never changes and the sidebar asks for the same few combinations."""
        key = (python, installed, upgradable)
        cached = self._subsets.get(key)
        if cached is None:
            cached = [
                index
                for index, entry in enumerate(self._entries)
                if (python is None or (entry.record.python is not None) == python)
                and (installed is None or (entry.installed_version is not None) == installed)
                and (upgradable is None or entry.upgradable == upgradable)
            ]
            self._subsets[key] = cached
        return cached
