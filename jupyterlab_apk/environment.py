"""What changed since the image, and that change as a recipe (pure: no I/O).

A `Snapshot` is what apk and pip say of a system at one moment: apk's world (what was asked for),
the installed packages with their versions, and the pip packages of the kernel's environment
(those outside apk's site-packages). The baseline is one snapshot, taken when the image was
built (or at the server's first start); `changes` compares it with now, and the `export_*`
functions write the difference as a Dockerfile, an apko file, world lines or pip requirements.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import asdict, dataclass, field

import yaml  # a dependency of jupyter_server (through jupyter_events)
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .apkcli import RequestError, check_package
from .apkindex import dependency_name

# A world line is a dependency: a name, optionally `@tag`, then an operator and a version.
_WORLD_TAG = re.compile(r"@[^<>=~]*")
_PEP_508_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


@dataclass(frozen=True)
class Snapshot:
    world: tuple[str, ...] = ()  # the lines of <root>/etc/apk/world, in apk's order
    installed: dict[str, str] = field(default_factory=dict)  # apk package -> version
    pip: dict[str, str] = field(default_factory=dict)  # canonical pip name -> version


@dataclass(frozen=True)
class Baseline:
    source: str  # "image": taken when the image was built; "first-start": by the server
    created: str  # ISO 8601 time
    snapshot: Snapshot


@dataclass(frozen=True)
class Changes:
    """The difference between a baseline and now; each list is sorted by name."""

    added: list[dict]  # {"name", "world" (its world line), "version" (installed now or None)}
    removed: list[dict]  # {"name", "world" (its baseline world line), "version" (then)}
    upgraded: list[dict]  # {"name", "from", "to"}: installed at both times, another version
    pip: list[dict]  # {"name", "version", "previous" (None if new)}


def read_world(text: str) -> tuple[str, ...]:
    """The entries of a world file (apk writes one per line; whitespace of any kind separates)."""
    return tuple(text.split())


def world_name(line: str) -> str:
    """The package name a world entry asks for: `py3-numpy=2.2.4-r1` -> `py3-numpy`."""
    return _WORLD_TAG.sub("", dependency_name(line), count=1)


def read_baseline(text: str) -> Baseline:
    """A baseline from its JSON file; ValueError says what is wrong with it."""
    try:
        data = json.loads(text)
        snapshot = data["snapshot"]
        baseline = Baseline(
            source=str(data["source"]),
            created=str(data["created"]),
            snapshot=Snapshot(
                world=tuple(str(item) for item in snapshot["world"]),
                installed={str(k): str(v) for k, v in snapshot["installed"].items()},
                pip={str(k): str(v) for k, v in snapshot["pip"].items()},
            ),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a jupyterlab-apk baseline: {error}") from error
    return baseline


def write_baseline(baseline: Baseline) -> str:
    return json.dumps(asdict(baseline), indent=1, sort_keys=True) + "\n"


def changes(baseline: Snapshot, now: Snapshot) -> Changes:
    before = {world_name(line): line for line in baseline.world}
    after = {world_name(line): line for line in now.world}
    added = [
        {"name": name, "world": after[name], "version": now.installed.get(name)}
        for name in sorted(after.keys() - before.keys())
    ]
    removed = [
        {"name": name, "world": before[name], "version": baseline.installed.get(name)}
        for name in sorted(before.keys() - after.keys())
    ]
    upgraded = [
        {"name": name, "from": baseline.installed[name], "to": now.installed[name]}
        for name in sorted(baseline.installed.keys() & now.installed.keys())
        if baseline.installed[name] != now.installed[name]
    ]
    pip = [
        {"name": name, "version": version, "previous": baseline.pip.get(name)}
        for name, version in sorted(now.pip.items())
        if baseline.pip.get(name) != version
    ]
    return Changes(added, removed, upgraded, pip)


def undo(change: Changes) -> tuple[list[str], list[str]]:
    """What takes apk's side back to the baseline: the names to remove (added since), and what
    to add back (removed since). A removed package comes back as its baseline world line when
    apk's command line takes it (`name`, `name=version`), else by its name: a tag or a range
    (`py3-x@edge`, `py3-x>1`) names a repository or a choice that an `apk add` from the
    configured repositories cannot express.

    Upgrades are left: the repositories keep only their latest versions, so the baseline's
    version can rarely be installed again. pip's packages are left to pip.
    """

    def restorable(entry: dict) -> str:
        try:
            return check_package(entry["world"])
        except RequestError:
            return entry["name"]

    return [entry["name"] for entry in change.added], [restorable(e) for e in change.removed]


def pip_snapshot(distributions: list[dict]) -> dict[str, str]:
    """`{canonical name: normalised version}` of the kernel's distributions ({"name", "version"}
    each). Names and versions come from the user's environment and end up in recipes, so any
    that PEP 508 / PEP 440 would not read are left out."""
    snapshot: dict[str, str] = {}
    for distribution in distributions:
        name, version = distribution["name"], distribution["version"]
        if not _PEP_508_NAME.fullmatch(name):
            continue
        try:
            # The first on sys.path is the one the kernel imports.
            snapshot.setdefault(canonicalize_name(name), str(Version(version)))
        except InvalidVersion:
            continue
    return snapshot


def _apk_specs(added: list[dict], pin: bool) -> list[str]:
    return [
        f"{entry['name']}={entry['version']}" if pin and entry["version"] else entry["world"]
        for entry in added
    ]


def _requirements(pip: list[dict]) -> list[str]:
    return [f"{entry['name']}=={entry['version']}" for entry in pip]


def export_apk(change: Changes, pin: bool = True) -> str:
    """World lines of the packages added since the baseline (`xargs apk add < FILE`)."""
    return "".join(f"{spec}\n" for spec in _apk_specs(change.added, pin))


def export_requirements(change: Changes) -> str:
    """pip requirements of the packages pip added or changed since the baseline."""
    return "".join(f"{line}\n" for line in _requirements(change.pip))


def export_dockerfile(
    change: Changes, *, image: str, python: str | None, user: str | None, pin: bool = True
) -> str:
    """A Dockerfile that rebuilds *image* with the changes: one `apk add`, one `pip install`.

    *python* is the kernel's interpreter (its pip installs into the kernel's environment);
    *user* the user the image runs as (`uid:gid`), or None when that is root: apk runs as root,
    pip as that user.
    """
    lines = [
        "# What was installed in JupyterLab since the image, as recorded by jupyterlab-apk.",
        f"ARG BASE_IMAGE={image}",
        "FROM ${BASE_IMAGE}",
    ]
    specs = _apk_specs(change.added, pin)
    removed = [entry["name"] for entry in change.removed]
    commands = []
    if removed:
        commands.append("apk del --no-cache " + " ".join(map(shlex.quote, removed)))
    if specs:
        commands.append("apk add --no-cache " + " ".join(map(shlex.quote, specs)))
    if commands:
        if user:
            lines.append("USER 0")  # numeric, as the image's own USER (hadolint DL3066)
        if specs and not pin:
            # Unpinned on request: the image then takes whatever the repositories hold.
            lines.append("# hadolint ignore=DL3018")
        lines.append("RUN " + " \\\n && ".join(commands))
        if user:
            lines.append(f"USER {user}")
    requirements = _requirements(change.pip)
    if requirements:
        lines.append(
            f"RUN {shlex.quote(python or 'python3')} -m pip install --no-cache-dir "
            + " ".join(map(shlex.quote, requirements))
        )
    return "\n".join(lines) + "\n"


def export_apko(now: Snapshot, *, repositories: list[str], keys: list[str], arch: str) -> str:
    """An apko configuration of the apk side of the system as it is now (world and sources).

    apko describes a whole image, so it lists the whole world, not only the changes.
    """
    config = {
        "contents": {
            "repositories": list(repositories),
            "keyring": list(keys),
            "packages": list(now.world),
        },
        "archs": [arch],
    }
    header = "# The apk packages of this JupyterLab, as recorded by jupyterlab-apk.\n"
    return header + yaml.safe_dump(config, sort_keys=False)
