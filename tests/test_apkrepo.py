"""`jupyter apk-repo`: a signed apk repository from real wheels, checked by the real apk-tools.

The wheels are real and pinned by hash (tests/data/apkrepo-wheels.txt): python-slugify (pure,
with a dependency and a console script) and gmpy2 (musllinux, a compiled extension that needs
three libraries it vendors and musl's libc). pip downloads them once into pytest's cache.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.build import DownloadError, download_pinned
from jupyterlab_apk import apkrepo
from jupyterlab_apk.apkwriter import File, PackageInfo, read_apk, write_repository
from jupyterlab_apk.signing import load_keys, open_index, split_gzip_members

from .conftest import ALPINE_DATA, Keys, make_root
from .http_repo import RepoServer
from .wheels import make_wheel

PINS = Path(__file__).parent / "data" / "apkrepo-wheels.txt"
PYTHON, ARCH = "3.11", "x86_64"  # what the pinned gmpy2 wheel is built for
SITE = f"usr/lib/python{PYTHON}/site-packages"
JUPYTER = Path(sys.executable).with_name("jupyter")
MUSL_SONAME = "so:libc.musl-x86_64.so.1"
ALPINE_COMMUNITY = ALPINE_DATA / "v3.19" / "community-x86_64-APKINDEX.tar.gz"


@dataclass(frozen=True)
class Built:
    repo: Path  # give apk this
    keys_dir: Path  # holds the repository's public key
    key: Path  # the private key
    stdout: str

    @property
    def packages(self) -> dict[str, Path]:
        return {p.name.rsplit("-", 2)[0]: p for p in sorted((self.repo / ARCH).glob("*.apk"))}


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JUPYTER), "apk-repo", *map(str, args)], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def wheels(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = getattr(request.config, "cache", None)
    cache = store.mkdir("apkrepo-wheels") if store else tmp_path_factory.mktemp("wheels")
    try:
        download_pinned(cache, PYTHON, PINS, platforms=[f"musllinux_1_2_{ARCH}"])
    except DownloadError as exc:
        try:
            urllib.request.urlopen("https://pypi.org/simple/gmpy2/", timeout=15).close()
        except OSError as offline:
            pytest.skip(f"PyPI unreachable ({offline}): the pinned wheels must be downloaded")
        raise exc
    return cache


@pytest.fixture(scope="module")
def built(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("apkrepo")
    keygen = _run("keygen", "--out", base / "keys", "--name", "test@example.org-1")
    assert keygen.returncode == 0, keygen.stderr
    key = base / "keys" / "test@example.org-1.rsa"
    done = _run(
        "build", "--out", base / "repo", "--key", key, "--python", PYTHON, "--arch", ARCH,
        "--find-links", wheels, "--no-index", "python-slugify", "gmpy2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Built(base / "repo", base / "keys", key, done.stdout)


def test_the_build_says_what_it_built(built: Built) -> None:
    assert built.stdout == (
        "built      py3-gmpy2 2.3.2-r0\n"
        "built      py3-python-slugify 9.2.0-r0\n"
        "built      py3-text-unidecode 1.3-r0\n"
        f"index      {built.repo}/{ARCH}/APKINDEX.tar.gz (signed with test@example.org-1.rsa.pub)\n"
    )


def test_keygen_writes_an_abuild_key_pair_and_never_replaces_one(built: Built) -> None:
    assert sorted(p.name for p in built.keys_dir.iterdir()) == [
        "test@example.org-1.rsa",
        "test@example.org-1.rsa.pub",
    ]
    assert built.key.stat().st_mode & 0o777 == 0o600

    again = _run("keygen", "--out", built.keys_dir, "--name", "test@example.org-1")

    assert again.returncode == 1
    assert again.stderr == (
        f"jupyter apk-repo: {built.keys_dir}/test@example.org-1.rsa.pub exists already\n"
    )


def test_packages_carry_abuilds_metadata(built: Built) -> None:
    slugify = read_apk(built.packages["py3-python-slugify"].read_bytes())
    gmpy2 = read_apk(built.packages["py3-gmpy2"].read_bytes())

    assert {k: slugify.pkginfo[k] for k in ("arch", "depend", "provides")} == {
        "arch": "noarch",
        "depend": [f"python3~{PYTHON}", "py3-text-unidecode>=1.3"],
        "provides": ["cmd:slugify=9.2.0-r0", f"py{PYTHON}:slugify=9.2.0-r0"],
    }
    assert {k: gmpy2.pkginfo[k] for k in ("arch", "depend", "provides")} == {
        "arch": ARCH,
        # gmpy2 needs libgmp, libmpfr and libmpc too, but carries them in gmpy2.libs/.
        "depend": [f"python3~{PYTHON}", MUSL_SONAME],
        "provides": [f"py{PYTHON}:gmpy2=2.3.2-r0"],
    }
    for apk in (slugify, gmpy2):
        files = [e for e in apk.entries if e.kind == "file"]
        assert int(apk.pkginfo["size"]) == sum(len(e.content or b"") for e in files)
        assert not any("__pycache__" in e.name or e.name.endswith(".pyc") for e in apk.entries)
        assert all(e.name.startswith((SITE, "usr/bin/")) for e in files)
        installer = next(e for e in files if e.name.endswith(".dist-info/INSTALLER"))
        assert installer.content == b"apk\n"
    script = next(e for e in slugify.entries if e.name == "usr/bin/slugify")
    assert (script.mode, script.content.split(b"\n")[0]) == (0o755, b"#!/usr/bin/python3")
    libs = {e.name.rsplit("/", 1)[-1] for e in gmpy2.entries if "/gmpy2.libs/" in e.name}
    assert {name.split("-")[0] for name in libs} == {"libgmp", "libmpfr", "libmpc"}


def test_packages_and_index_are_signed_as_abuild_sign_does(built: Built) -> None:
    for path in [*built.packages.values(), built.repo / ARCH / "APKINDEX.tar.gz"]:
        first = split_gzip_members(path.read_bytes())[0]
        with contextlib.closing(_tar(first)) as tar:
            assert tar.getnames() == [".SIGN.RSA256.test@example.org-1.rsa.pub"], path.name
    index_bytes = (built.repo / ARCH / "APKINDEX.tar.gz").read_bytes()
    index = open_index(index_bytes, load_keys(built.keys_dir))
    assert (index.trusted, index.problem) == (True, None)


def _tar(member: bytes):
    import gzip
    import tarfile

    return tarfile.open(fileobj=io.BytesIO(gzip.decompress(member)))


def test_real_apk_verify_accepts_every_package(real_apk, built: Built, tmp_path: Path) -> None:
    packages = [str(p) for p in built.packages.values()]

    trusted = real_apk.run("verify", "--keys-dir", str(built.keys_dir), *packages)
    (tmp_path / "empty").mkdir()
    untrusted = real_apk.run("verify", "--keys-dir", str(tmp_path / "empty"), *packages)

    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert all(line.endswith("OK") for line in trusted.stdout.splitlines()), trusted.stdout
    assert len(trusted.stdout.splitlines()) == 3
    # The same packages without their key: the check above is a real one.
    assert untrusted.returncode == 3, untrusted.stdout


def test_real_apk_index_of_the_packages_is_our_index(
    real_apk, built: Built, tmp_path: Path
) -> None:
    output = tmp_path / "APKINDEX.tar.gz"

    done = real_apk.run(
        "index", "--keys-dir", str(built.keys_dir), "--rewrite-arch", ARCH,
        "-o", str(output), *map(str, built.packages.values()),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    ours = open_index((built.repo / ARCH / "APKINDEX.tar.gz").read_bytes(), {}).text
    theirs = open_index(output.read_bytes(), {}).text
    # Every record byte for byte; apk writes them in its hash table's order.
    assert sorted(theirs.split("\n\n")) == sorted(ours.split("\n\n"))


def _standin_repository(path: Path, keys: Keys, *, musl: bool) -> Path:
    """What Alpine's main has and this test has not: python3 3.11, and musl's libc if asked."""
    packages: list[tuple[PackageInfo, dict[str, bytes | File]]] = [
        (PackageInfo("python3", "3.11.9-r0", arch=ARCH), {"usr/share/python3-standin": b""})
    ]
    if musl:
        info = PackageInfo("musl", "1.2.5-r0", arch=ARCH, provides=[f"{MUSL_SONAME}=1"])
        packages.append((info, {"lib/libc.musl-standin": b""}))
    write_repository(path, ARCH, packages, keys.key)
    return path


def _apk_add(real_apk, root: Path, keys_dir: Path, repos: list[Path], *names: str):
    repositories = [option for repo in repos for option in ("-X", str(repo))]
    return real_apk.run(
        "add", "--root", str(root), "--keys-dir", str(keys_dir), "--repositories-file",
        "/dev/null", "--no-network", *repositories, *names,
    )  # fmt: skip


def _keys_dir(path: Path, *public: Path) -> Path:
    path.mkdir()
    for key in public:
        shutil.copy(key, path / key.name)
    return path


def test_real_apk_add_resolves_the_closure(
    real_apk, built: Built, keys: Keys, tmp_path: Path
) -> None:
    standin = _standin_repository(tmp_path / "standin", keys, musl=True)
    public = built.key.with_suffix(".rsa.pub")
    keys_dir = _keys_dir(tmp_path / "keys", public, keys.key.public_pem_path)
    root = make_root(tmp_path / "root")

    repos = [built.repo, standin]
    done = _apk_add(real_apk, root, keys_dir, repos, "py3-python-slugify", "py3-gmpy2")

    assert done.returncode == 0, done.stdout + done.stderr
    installed = (root / "lib/apk/db/installed").read_text()
    names = {line[2:] for line in installed.splitlines() if line.startswith("P:")}
    assert names == {"py3-python-slugify", "py3-text-unidecode", "py3-gmpy2", "python3", "musl"}
    assert (root / "usr/bin/slugify").stat().st_mode & 0o777 == 0o755
    assert next((root / SITE / "gmpy2.libs").glob("libgmp-*.so.*")).is_file()


def test_pure_packages_import_in_a_kernel(built: Built, keys: Keys, tmp_path: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    root = make_root(tmp_path / "root")
    for path in (built.packages["py3-python-slugify"], built.packages["py3-text-unidecode"]):
        for entry in read_apk(path.read_bytes()).entries:
            if entry.content is not None:
                (root / entry.name).parent.mkdir(parents=True, exist_ok=True)
                (root / entry.name).write_bytes(entry.content)
                (root / entry.name).chmod(entry.mode)
    site = str(root / SITE)
    manager, client = start_new_kernel(
        kernel_name="python3", env={**os.environ, "PYTHONPATH": site}, startup_timeout=60
    )
    outputs: list[str] = []
    try:
        reply = client.execute_interactive(
            "import slugify, text_unidecode\n"
            f"assert slugify.__file__.startswith({site!r}), slugify.__file__\n"
            "print(slugify.slugify('Ä Jupyter-Kern'))",
            timeout=60,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "".join(outputs) == "a-jupyter-kern\n"
    # The console script runs too (on this machine's Python, with the root on the path).
    script = subprocess.run(
        [sys.executable, str(root / "usr/bin/slugify"), "Ä b"],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": site},
    )  # fmt: skip
    assert (script.returncode, script.stdout) == (0, "a-b\n"), script.stderr


def test_so_dependencies_are_what_scanelf_finds_unvendored_in_alpine(
    alpine_root: Path, built: Built, keys: Keys
) -> None:
    """As abuild does: scanelf's NEEDED of the package's files minus the SONAMEs and names of
    the files it carries. Alpine's own apk installs the packages first, so musl, the real one,
    must satisfy the `so:` dependency."""
    shutil.copytree(built.repo, alpine_root / "tmp/repo")
    _standin_repository(alpine_root / "tmp/standin", keys, musl=False)
    for key in (built.key.with_suffix(".rsa.pub"), keys.key.public_pem_path):
        shutil.copy(key, alpine_root / "etc/apk/keys" / key.name)
    added = subprocess.run(
        ["chroot", str(alpine_root), "/sbin/apk", "add", "--no-network", "--repositories-file",
         "/dev/null", "-X", "/tmp/repo", "-X", "/tmp/standin", "py3-gmpy2", "py3-python-slugify"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr

    scanned_needs = set()
    for path in built.packages.values():
        apk = read_apk(path.read_bytes())
        files = [f"/{e.name}" for e in apk.entries if e.kind == "file"]
        scanned = subprocess.run(
            ["chroot", str(alpine_root), "/usr/bin/scanelf", "--nobanner", "--format", "%F|%n|%S",
             *files],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        needed, carried = set(), {Path(f).name for f in files}
        for line in scanned.splitlines():
            _, needs, soname = line.split("|")
            needed.update(filter(None, needs.split(",")))
            carried.add(soname)
        expected = sorted(f"so:{name}" for name in needed - carried)
        declared = [d for d in apk.pkginfo["depend"] if d.startswith("so:")]
        assert declared == expected, path.name
        scanned_needs |= needed
    # scanelf did see the vendored libraries (the subtraction above had work to do).
    assert {n.split("-")[0] for n in scanned_needs} == {
        "libgmp", "libmpfr", "libmpc", "libc.musl"
    }


@pytest.fixture
def alpine_over_http():
    """Alpine v3.19 community served as a repository on 127.0.0.1."""
    with RepoServer() as server:
        server.files["/alpine/x86_64/APKINDEX.tar.gz"] = ALPINE_COMMUNITY.read_bytes()
        yield f"{server.url}/alpine"


@pytest.mark.parametrize("how", ["index-file", "http-repository"])
def test_base_repository_fills_what_it_has(
    wheels: Path, built: Built, tmp_path: Path, how: str, request: pytest.FixtureRequest
) -> None:
    base = ALPINE_COMMUNITY if how == "index-file" else request.getfixturevalue("alpine_over_http")

    done = _run(
        "build", "--out", tmp_path / "repo", "--key", built.key, "--python", PYTHON,
        "--arch", ARCH, "--find-links", wheels, "--no-index", "--base", base, "python-slugify",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    # Alpine v3.19 community has py3-text-unidecode 1.3-r5 (and py3-slugify 8, another
    # project's name for a different apk: python-slugify is still built).
    assert done.stdout.splitlines()[:2] == [
        "built      py3-python-slugify 9.2.0-r0",
        "from base  py3-text-unidecode 1.3-r5 (for text-unidecode>=1.3)",
    ]
    assert [p.name for p in (tmp_path / "repo" / ARCH).glob("*.apk")] == [
        "py3-python-slugify-9.2.0-r0.apk"
    ]


def test_an_unreadable_base_is_a_clear_error(built: Built, tmp_path: Path) -> None:
    with RepoServer() as server:
        done = _run(
            "build", "--out", tmp_path / "repo", "--key", built.key, "--base",
            f"{server.url}/nothing", "python-slugify",
        )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr.startswith(
        f"jupyter apk-repo: cannot read the base repository index {server.url}/nothing/"
    ), done.stderr
    assert not (tmp_path / "repo" / ARCH / "APKINDEX.tar.gz").exists()


def test_no_deps_builds_only_the_requirement(wheels: Path, built: Built, tmp_path: Path) -> None:
    done = _run(
        "build", "--out", tmp_path / "repo", "--key", built.key, "--python", PYTHON,
        "--find-links", wheels, "--no-index", "--no-deps", "python-slugify",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    [package] = (tmp_path / "repo" / ARCH).glob("*.apk")
    # Still needed, though not built here: apk finds it elsewhere or refuses to install.
    assert "py3-text-unidecode>=1.3" in read_apk(package.read_bytes()).pkginfo["depend"]


def test_an_sdist_only_requirement_is_refused(built: Built, tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    (links / "onlysource-1.0.tar.gz").write_bytes(b"never opened: apk-repo does not build")

    done = _run(
        "build", "--out", tmp_path / "repo", "--key", built.key, "--find-links", links,
        "--no-index", "onlysource",
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr.startswith(
        "jupyter apk-repo: no wheel for onlysource on CPython"
    ), done.stderr
    assert "never compiles a source distribution" in done.stderr
    assert not (tmp_path / "repo" / ARCH / "APKINDEX.tar.gz").exists()


def _versions(repo: Path, keys_dir: Path) -> list[str]:
    index = open_index((repo / ARCH / "APKINDEX.tar.gz").read_bytes(), load_keys(keys_dir))
    assert index.trusted
    return [line[2:] for line in index.text.splitlines() if line.startswith("V:")]


def test_rebuilding_adds_versions_and_prune_keeps_the_newest(built: Built, tmp_path: Path) -> None:
    links = tmp_path / "links"
    make_wheel(links, "tinydemo", "1.0", {"tinydemo.py": b"V = 1\n"})
    common = ["--out", tmp_path / "repo", "--key", built.key, "--find-links", links, "--no-index"]

    first = _run("build", *common, "tinydemo==1.0")
    make_wheel(links, "tinydemo", "1.1rc1", {"tinydemo.py": b"V = 2\n"})
    second = _run("build", *common, "tinydemo==1.1rc1")
    versions_kept = _versions(tmp_path / "repo", built.keys_dir)
    pruned = _run("build", *common, "--prune", "tinydemo==1.1rc1")

    assert [first.returncode, second.returncode, pruned.returncode] == [0, 0, 0]
    assert versions_kept == ["1.0-r0", "1.1_rc1-r0"]
    assert "pruned     py3-tinydemo-1.0-r0.apk\n" in pruned.stdout
    assert _versions(tmp_path / "repo", built.keys_dir) == ["1.1_rc1-r0"]
    assert [p.name for p in (tmp_path / "repo" / ARCH).glob("*.apk")] == [
        "py3-tinydemo-1.1_rc1-r0.apk"
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--out", "r", "--key", "k.pem", "x"], "--key must name the private key"),
        (["keygen", "--out", "k", "--name", "../escape"], "a key name must be a plain file name"),
    ],
)
def test_bad_arguments_get_a_clear_error(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = apkrepo.main(argv)

    assert status == 1
    assert message in stderr.getvalue()
    assert list(tmp_path.iterdir()) == []
