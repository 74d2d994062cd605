"""The admin's configuration: the one `ApkManager` Configurable (a public contract).

Everything a notebook user can influence is bounded by these traits; the server reads them once
at start-up (`c.ApkManager.<trait>` in jupyter_server_config, or `--ApkManager.<trait>=…`).
"""

from __future__ import annotations

import os
import platform
import re
import sys
from pathlib import Path

from traitlets import Bool, Dict, Float, Integer, List, TraitError, Unicode, default, validate
from traitlets.config import LoggingConfigurable

from .repositories import MAX_INDEX_BYTES, MAX_INDEX_RECORDS

# apk accepts absolute paths and file/http/https URLs as repositories; anything starting with "-"
# would be read by apk as an option, and whitespace or control characters could split argv entries
# in a privileged helper, so both are refused outright.
_REPOSITORY_RE = re.compile(r"^(?:https?://[^\s/]+(?:/\S*)?|file:///\S*|/\S*)$")
_CONTROL_RE = re.compile(r"[\x00-\x20\x7f]")
_DOT_SEGMENT_RE = re.compile(r"/(?:\.|%2e){1,2}(?:/|%2f|$)|%2f", re.IGNORECASE)

# apk package names: letters, digits and `+-_.`, not starting with a symbol (so never an
# option), bounded in length. Provider names (`so:…`, `cmd:…`) are not accepted as requests.
PACKAGE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+_.-]{0,127}")

# `platform.machine()` names that differ from apk's arch names.
_APK_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "i686": "x86", "i386": "x86"}


def check_repository_url(url: str) -> str:
    """Return *url* without a trailing slash, or raise ValueError saying why it is refused."""
    if not isinstance(url, str) or not url:
        raise ValueError("a repository URL must be a non-empty string")
    if url.startswith("-"):
        raise ValueError(f"repository URL {url!r} starts with '-'")
    if _CONTROL_RE.search(url):
        raise ValueError(f"repository URL {url!r} contains whitespace or control characters")
    if not _REPOSITORY_RE.match(url):
        raise ValueError(
            f"repository URL {url!r} is not an absolute path or an http://, https:// or file:// URL"
        )
    # "." and ".." segments (also percent-encoded) would step out of an allowed prefix.
    if _DOT_SEGMENT_RE.search(url):
        raise ValueError(
            f"repository URL {url!r} contains '.' or '..' path segments (or an encoded '/')"
        )
    return url.rstrip("/") or "/"


def default_baseline_file() -> str:
    """Where `jupyter apk baseline` writes and the server reads the image's baseline."""
    return os.path.join(sys.prefix, "share", "jupyterlab-apk", "baseline.json")


def read_repositories_file(root: str) -> list[str]:
    """The repositories apk itself uses: `<root>/etc/apk/repositories`, tagged ones left out."""
    path = Path(root, "etc/apk/repositories")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    # "@tag URL" lines only serve packages pinned to the tag, so apk never picks them by default.
    return [
        line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "@"))
    ]


class PolicyError(Exception):
    """A request the administrator's policy does not allow (HTTP 403)."""


class ApkManager(LoggingConfigurable):
    """Server-side configuration and policy of jupyterlab-apk."""

    repositories = List(
        Unicode(),
        config=True,
        help="Repository URLs (http://, https://, file:// or absolute paths), in apk's order: "
        "on equal versions the earlier repository wins. Default: the untagged lines of "
        "<root>/etc/apk/repositories.",
    )

    keys_dir = Unicode(
        config=True,
        help="Directory of trusted public keys (*.rsa.pub) for index signatures. "
        "Default: <root>/etc/apk/keys.",
    )

    allow_untrusted = Bool(
        False,
        config=True,
        help="List packages of indexes whose signature cannot be verified, and pass "
        "--allow-untrusted to apk. Default: False.",
    )

    root = Unicode(
        "/",
        config=True,
        help="The system root apk manages (apk --root). Default: '/'. Any other root is a sandbox "
        "(the demo and the tests use one), and the sidebar says so.",
    )

    arch = Unicode(
        config=True,
        help="apk architecture used in index URLs (<repo>/<arch>/APKINDEX.tar.gz). "
        "Default: <root>/etc/apk/arch, else derived from the machine.",
    )

    apk_command = List(
        Unicode(),
        default_value=["apk"],
        config=True,
        help="argv prefix that runs apk: ['apk'] when the server is root, ['sudo', '-n', <helper>] "
        "for a notebook user. Default: ['apk'].",
    )

    cache_dir = Unicode(
        config=True,
        help="Where verified indexes are cached between restarts. "
        "Default: $XDG_CACHE_HOME/jupyterlab-apk (~/.cache/jupyterlab-apk).",
    )

    shared_cache_dir = Unicode(
        "",
        config=True,
        help="apk's package cache (apk --cache-dir), e.g. a volume mounted read-write into every "
        "user's server, so that a package many users install is downloaded once. "
        "Default: '' (no cache: apk --no-cache).",
    )

    lock_wait = Integer(
        10,
        config=True,
        help="Seconds apk waits for a database lock held by another apk process (apk --wait) "
        "before the job fails with 'database locked'. Default: 10.",
    )

    job_timeout = Float(
        600.0,
        config=True,
        help="Seconds an apk run may take before it is stopped and reported as timed out. "
        "Default: 600.",
    )

    max_queued_jobs = Integer(
        20,
        config=True,
        help="How many install jobs may wait at once; further requests get 429. Default: 20.",
    )

    allowed_repositories = List(
        Unicode(),
        config=True,
        help="Repositories users may add when allow_user_repositories is on: exact URLs, or "
        "prefixes ending in '/' (everything below). Empty (the default): only `repositories`.",
    )

    allow_user_repositories = Bool(
        False,
        config=True,
        help="Whether users may add repositories (within allowed_repositories) in their settings. "
        "Default: False.",
    )

    allow_remove = Bool(True, config=True, help="Whether users may remove packages. Default: True.")

    pip_overrides = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="pip name -> apk package chosen by the administrator for %pip routing, e.g. "
        "{'opencv-python': 'py3-opencv'}; wins over users' own overrides. Default: {}.",
    )

    fetch_timeout = Float(
        20.0,
        config=True,
        help="Seconds to wait for one repository index over HTTP. Default: 20.",
    )

    refresh_interval = Float(
        3600.0,
        config=True,
        help="Seconds after which a request triggers a background re-read of the repositories "
        "(revalidated with ETag/Last-Modified, so usually a 304). 0 disables. Default: 3600.",
    )

    baseline_file = Unicode(
        config=True,
        help="The image's baseline, written by `jupyter apk baseline` when the image is built: "
        "what GET environment compares with. When it does not exist, the server takes one at its "
        "first use and keeps it in cache_dir. Default: <sys.prefix>/share/jupyterlab-apk/"
        "baseline.json.",
    )

    image = Unicode(
        "jupyterlab-apk",
        config=True,
        help="The image this server runs in: the FROM of exported Dockerfiles (the request may "
        "name another). Default: 'jupyterlab-apk'.",
    )

    max_index_bytes = Integer(
        MAX_INDEX_BYTES,
        min=1024,
        config=True,
        help="Largest repository index accepted, downloaded and decompressed, in bytes; a larger "
        "one shows the repository as 'error'. A real Alpine index inflates to about 12 MB. "
        "Default: 64 MiB.",
    )

    max_index_records = Integer(
        MAX_INDEX_RECORDS,
        min=1,
        config=True,
        help="Most records (packages) one repository index may hold; more shows the repository "
        "as 'error'. A real Alpine index has about 25,000. Default: 250000.",
    )

    @default("repositories")
    def _default_repositories(self) -> list[str]:
        return read_repositories_file(self.root)

    @default("keys_dir")
    def _default_keys_dir(self) -> str:
        return os.path.join(self.root, "etc/apk/keys")

    @default("arch")
    def _default_arch(self) -> str:
        try:
            arch = Path(self.root, "etc/apk/arch").read_text(encoding="utf-8").strip()
        except OSError:
            arch = ""
        if arch:
            return arch
        machine = platform.machine()
        return _APK_ARCH.get(machine.lower(), machine)

    @default("baseline_file")
    def _default_baseline_file(self) -> str:
        return default_baseline_file()

    @default("cache_dir")
    def _default_cache_dir(self) -> str:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        return os.path.join(base, "jupyterlab-apk")

    @validate("repositories", "allowed_repositories")
    def _validate_urls(self, proposal):
        try:
            checked = [check_repository_url(url) for url in proposal["value"]]
        except ValueError as e:
            raise TraitError(str(e)) from e
        if proposal["trait"].name == "allowed_repositories":
            return list(proposal["value"])  # a trailing "/" marks a prefix: keep it
        return checked

    @validate("pip_overrides")
    def _validate_pip_overrides(self, proposal):
        for pip_name, apk_name in proposal["value"].items():
            if not PACKAGE_NAME_RE.fullmatch(apk_name):
                raise TraitError(f"pip_overrides[{pip_name!r}]: {apk_name!r} is not an apk name")
        return proposal["value"]

    @validate("apk_command")
    def _validate_apk_command(self, proposal):
        if not proposal["value"]:
            raise TraitError("apk_command must name at least the program to run")
        return proposal["value"]

    @validate("shared_cache_dir")
    def _validate_shared_cache_dir(self, proposal):
        # It becomes one argv entry of apk (maybe run as root): an absolute path, nothing else.
        path = proposal["value"]
        if path and (not os.path.isabs(path) or _CONTROL_RE.search(path)):
            raise TraitError(
                f"shared_cache_dir {path!r} is not an absolute path without whitespace or "
                "control characters"
            )
        if path and not os.path.isdir(path):
            # apk would fail every install with "Failed to open apk database".
            raise TraitError(f"shared_cache_dir {path!r} is not a directory")
        return path

    @validate("job_timeout", "fetch_timeout")
    def _validate_positive(self, proposal):
        if proposal["value"] <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive")
        return proposal["value"]

    def check_user_repositories(self, urls: list[str]) -> list[str]:
        """Validate a user's ordered repository list against the policy; return it normalised.

        The administrator's `repositories` are always allowed (a user may reorder or leave some
        out). Any other URL needs `allow_user_repositories` and a match in
        `allowed_repositories` (an exact URL, or a prefix ending in "/").
        Raises ValueError for a malformed URL, PolicyError for one the policy forbids.
        """
        checked = [check_repository_url(url) for url in urls]
        for url in checked:
            if url in self.repositories:
                continue
            if not self.allow_user_repositories:
                raise PolicyError(
                    f"{url} is not one of the administrator's repositories, and users may not "
                    "add repositories"
                )
            if not any(_matches(url, allowed) for allowed in self.allowed_repositories):
                raise PolicyError(f"{url} is outside the repositories the administrator allows")
        return list(dict.fromkeys(checked))

    @property
    def sandboxed(self) -> bool:
        """Whether apk writes to a root other than the system's (demo and tests)."""
        return os.path.realpath(self.root) != "/"


def _matches(url: str, allowed: str) -> bool:
    # "https://mirror/alpine/" allows everything below it; without the slash only itself, so
    # that "https://mirror/alpine" does not allow "https://mirror/alpine-evil".
    return url == allowed.rstrip("/") or (allowed.endswith("/") and url.startswith(allowed))
