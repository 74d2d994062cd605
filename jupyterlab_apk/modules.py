"""Which prebuilt package ships an importable module, for one kernel (pure).

Asked when a cell fails with `ModuleNotFoundError`. The same precision rule as `resolver.py`:
a package is named only when the records say it ships the module; when unsure, the answer is
pip, with the reason. For the kernel's Python series `3.X`, in this order:

1. The packages that provide `py3.X:<module>` (abuild adds one per top-level module). Exactly
   one: that package. Several: the one `MODULE_PACKAGES` names or `py3-<module>`, if it is
   among them, else pip.
   Only other series: pip, saying which Python the package is built for.
2. `MODULE_PACKAGES`, the checked table of modules whose package name no rule derives
   (`cv2` -> py3-opencv), for packages that provide no modules (built before abuild did).
3. `py3-<module>` (lower case, `_` also as `-`), again only if it provides no modules: one that
   lists its modules and not this one ships something else.

Subpackages (`-pyc`, `-doc`, `-dev`, `-tests`) never count. Then the kernel (`kernels.py`)
decides what can be offered: an install when it imports apk packages and the package is not
installed; a kernel restart when it is installed (the kernel started before, or its import
caches predate it); when the kernel cannot import apk packages (a venv without system
site-packages), the reason says so and how to fix it.
"""

from __future__ import annotations

import keyword
import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Literal

from .apkindex import modules_provided
from .catalog import Catalog, CatalogEntry
from .resolver import KNOWN_RENAMES, SUBPACKAGE_SUFFIXES, KernelInfo, kernel_problem

# Import name -> apk names (newest first), where the module's name is not the package's. Each
# entry is checked against the real v3.19 records by the tests: the package provides the
# module, or provides none.
MODULE_PACKAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "OpenSSL": ("py3-openssl",),
        "PIL": ("py3-pillow",),
        "attr": ("py3-attrs",),
        "bs4": ("py3-beautifulsoup4",),
        "cv2": ("py3-opencv",),
        "dateutil": ("py3-dateutil",),
        "docker": ("py3-docker-py",),
        "dotenv": ("py3-dotenv",),
        "jwt": ("py3-jwt",),
        "pyparsing": ("py3-parsing",),
        "serial": ("py3-serial", "py3-pyserial"),
        "skimage": ("py3-scikit-image",),
        "sklearn": ("py3-scikit-learn",),
        "yaml": ("py3-yaml",),
    }
)
# The pip name of a package, where it is not the package's name without `py3-`.
_PIP_NAMES = {package: name for name, package in KNOWN_RENAMES.items()}

Action = Literal["install", "restart", "none"]


@dataclass(frozen=True)
class ModuleAnswer:
    """What a failed import of *module* calls for (the `GET modules/<name>` contract)."""

    module: str  # the top-level import name
    route: Literal["apk", "pip"]
    package: str | None  # the apk that ships the module, also when the kernel cannot use it
    version: str | None  # installed version, else the repository's
    size: int | None  # download size in bytes
    installed: bool
    reason: str
    pip: str  # what `%pip install` would take instead
    action: Action  # what to offer: install the apk, restart the kernel, or nothing

    def to_json(self) -> dict:
        return asdict(self)


def top_level(name: str) -> str:
    """`sklearn.ensemble` -> `sklearn`; ValueError for anything that is not an import name."""
    top = name.partition(".")[0]
    if not all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split(".")):
        raise ValueError(f"{name!r} is not a module name")
    return top


def locate(
    name: str, catalog: Catalog, kernel: KernelInfo | None, may_install: bool = True
) -> ModuleAnswer:
    """The answer for an import of *name* that failed in *kernel*; *may_install*: whether
    this user may install packages (the authorizer's `write` on `apk`)."""
    module = top_level(name)
    series = kernel.python if kernel is not None else ""
    if not series:
        return _pip(module, module, kernel_problem(kernel) or "the kernel's Python is unknown")
    found = _package(module, catalog, series)
    if isinstance(found, str):
        return _pip(module, module, found)
    record = found.record
    installed = found.installed_version is not None
    version = found.installed_version or record.version
    pip = _PIP_NAMES.get(record.name, record.name.removeprefix("py3-"))

    def answer(route, action, reason) -> ModuleAnswer:
        return ModuleAnswer(
            module, route, record.name, version, record.size, installed, reason, pip, action
        )

    shipped = f"{module} is in {record.name} {version}"
    problem = kernel_problem(kernel)
    if problem is not None:
        fix = (
            "use a kernel whose venv was created with --system-site-packages, "
            f"or %pip install {pip}"
        )
        if installed:
            return answer("pip", "none", f"{shipped}, installed, but {problem}: {fix}")
        return answer("pip", "none", f"{shipped}, but {problem}: {fix}")
    if installed:
        return answer(
            "apk", "restart", f"{shipped}, installed after the kernel started: restart the kernel"
        )
    if not may_install:
        return answer("apk", "none", f"{shipped}; you may not install packages here")
    return answer("apk", "install", f"{module} → {record.name} {version}")


def _pip(module: str, pip: str, why: str) -> ModuleAnswer:
    reason = f"{module} → pip: {why}"
    return ModuleAnswer(module, "pip", None, None, None, False, reason, pip, "none")


def _package(module: str, catalog: Catalog, series: str) -> CatalogEntry | str:
    """The entry that ships *module* for Python *series*, or why there is none."""
    providers = _providers(catalog).get(module, ())
    own = [entry for entry in providers if entry.record.python == series]
    if len(own) == 1:
        return own[0]
    lower = module.lower()
    named = (*MODULE_PACKAGES.get(module, ()), f"py3-{lower}", f"py3-{lower.replace('_', '-')}")
    if own:
        # The module's own package wins over compatibility ones (py3-aiohttp1 also has aiohttp).
        chosen = [entry for entry in own if entry.name in named]
        if chosen:
            return chosen[0]
        names = ", ".join(entry.name for entry in own)
        return f"several packages provide it ({names})"
    if providers:
        other = providers[0].record
        return f"{other.name} is built for Python {other.python}, the kernel runs {series}"
    for name in named:
        entry = catalog.get(name)
        if (
            entry is not None
            and not name.endswith(SUBPACKAGE_SUFFIXES)
            and entry.record.python == series
            and not entry.record.details.modules
        ):
            return entry
    return "no prebuilt package"


_INDEXES: weakref.WeakKeyDictionary[Catalog, dict[str, tuple[CatalogEntry, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _providers(catalog: Catalog) -> dict[str, tuple[CatalogEntry, ...]]:
    """Module -> the packages (of any Python series) that provide it; built once per snapshot."""
    index = _INDEXES.get(catalog)
    if index is None:
        lists: dict[str, list[CatalogEntry]] = {}
        _, entries = catalog.query(python=True, limit=len(catalog))
        for entry in entries:
            if entry.name.endswith(SUBPACKAGE_SUFFIXES):
                continue
            for module in modules_provided(entry.record):
                lists.setdefault(module, []).append(entry)
        index = _INDEXES[catalog] = {module: tuple(found) for module, found in lists.items()}
    return index
