"""demo.build makes the demo repository from real wheels with jupyter apk-repo's library."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from demo import build as demo_build
from jupyterlab_apk.apkwriter import read_apk
from jupyterlab_apk.signing import load_keys, open_index

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def _q1(data: bytes) -> str:
    return "Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode()


# wheel pin -> (apk name, apk dependencies, importable top-level module)
DEMO_PACKAGES = {
    "prettytable==3.18.0": ("py3-prettytable", ["py3-wcwidth>=0.3.5"], "prettytable"),
    "python-slugify==9.2.0": ("py3-python-slugify", ["py3-text-unidecode>=1.3"], "slugify"),
    "tabulate==0.10.0": ("py3-tabulate", [], "tabulate"),
    "termcolor==3.3.0": ("py3-termcolor", [], "termcolor"),
    "text-unidecode==1.3": ("py3-text-unidecode", [], "text_unidecode"),
    "wcwidth==0.9.4": ("py3-wcwidth", [], "wcwidth"),
}


def _pypi_problem() -> str | None:
    try:
        urllib.request.urlopen("https://pypi.org/simple/tabulate/", timeout=15).close()
    except OSError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def demo_repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> demo_build.DemoRepository:
    output = tmp_path_factory.mktemp("demo")
    # pytest's cache dir keeps the wheels between runs; without it (-p no:cacheprovider) a
    # throwaway directory does, and the wheels are downloaded again.
    store = getattr(request.config, "cache", None)
    cache = store.mkdir("demo-wheels") if store else tmp_path_factory.mktemp("wheels")
    shutil.copytree(cache, output / "wheels")
    try:
        result = demo_build.build(output, python=PYTHON, arch="x86_64")
    except demo_build.DownloadError:
        problem = _pypi_problem()
        if problem:
            pytest.skip(f"PyPI unreachable ({problem}): demo.build must download the pinned wheels")
        raise
    for wheel in (output / "wheels").glob("*.whl"):
        shutil.copy2(wheel, cache)
    return result


def test_wheels_txt_pins_the_demo_packages() -> None:
    text = demo_build.WHEELS_TXT.read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]

    assert [line.split()[0] for line in lines] == list(DEMO_PACKAGES)
    assert all(" --hash=sha256:" in line for line in lines)


def test_demo_repository_is_trusted_with_its_key(demo_repo: demo_build.DemoRepository) -> None:
    index = demo_repo.repo / "x86_64" / "APKINDEX.tar.gz"

    archive = open_index(index.read_bytes(), load_keys(demo_repo.keys_dir))

    assert (archive.trusted, archive.key_name, archive.problem) == (True, demo_repo.key_name, None)
    assert [line[2:] for line in archive.text.splitlines() if line.startswith("P:")] == [
        name for name, _, _ in DEMO_PACKAGES.values()
    ]
    private = demo_repo.repo.parent / "private" / demo_repo.key_name.removesuffix(".pub")
    assert private.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("pin", "expected"), list(DEMO_PACKAGES.items()), ids=list(DEMO_PACKAGES))
def test_demo_package_metadata(
    demo_repo: demo_build.DemoRepository, pin: str, expected: tuple
) -> None:
    name, dependencies, module = expected
    version = pin.split("==")[1] + "-r0"
    apk = (demo_repo.repo / "x86_64" / f"{name}-{version}.apk").read_bytes()

    contents = read_apk(apk)
    record = open_index((demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes(), {}).text

    assert contents.signed
    assert contents.pkginfo["depend"] == [f"python3~{PYTHON}", *dependencies]
    *commands, provided_module = contents.pkginfo["provides"]
    assert provided_module == f"py{PYTHON}:{module}={version}"
    assert all(c == f"cmd:{c[4:].split('=')[0]}={version}" for c in commands)  # console scripts
    assert contents.pkginfo["pkgdesc"]
    assert contents.pkginfo["license"]
    assert str(contents.pkginfo["url"]).startswith("https://")
    assert f"C:{_q1(contents.control)}\nP:{name}\nV:{version}\nA:x86_64\nS:{len(apk)}\n" in record
    site = f"usr/lib/python{PYTHON}/site-packages"
    assert f"{site}/{module}" in {e.name for e in contents.entries}


def test_demo_packages_import_from_their_files(
    demo_repo: demo_build.DemoRepository, tmp_path: Path
) -> None:
    for apk in (demo_repo.repo / "x86_64").glob("*.apk"):
        for entry in read_apk(apk.read_bytes()).entries:
            if entry.content is not None:
                target = tmp_path / entry.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(entry.content)
    site = tmp_path / f"usr/lib/python{PYTHON}/site-packages"
    modules = [module for _, _, module in DEMO_PACKAGES.values()]
    script = (
        f"import sys; sys.path.insert(0, {str(site)!r}); "
        f"mods = [__import__(m) for m in {modules!r}]; "
        f"assert all(m.__file__.startswith({str(site)!r}) for m in mods), mods; "
        "import prettytable, slugify; t = prettytable.PrettyTable(['a']); "
        "t.add_row([slugify.slugify('Ä b')]); print(t)"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "| a-b |" in done.stdout


def test_demo_build_is_idempotent(demo_repo: demo_build.DemoRepository) -> None:
    output = demo_repo.repo.parent
    index_bytes = (demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes()

    started = time.perf_counter()
    again = demo_build.build(output, python=PYTHON, arch="x86_64")
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5
    assert again == dataclasses.replace(demo_repo, rebuilt=False)
    assert (demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes() == index_bytes


def test_demo_build_repairs_missing_output_with_the_same_key(
    demo_repo: demo_build.DemoRepository, tmp_path: Path
) -> None:
    output = tmp_path / "copy"
    shutil.copytree(demo_repo.repo.parent, output)  # wheels included: no download needed
    apk = output / "repo" / "x86_64" / "py3-tabulate-0.10.0-r0.apk"
    apk.unlink()

    repaired = demo_build.build(output, python=PYTHON, arch="x86_64")

    assert (repaired.rebuilt, repaired.key_name) == (True, demo_repo.key_name)
    assert apk.is_file()
    assert demo_build.build(output, python=PYTHON, arch="x86_64").rebuilt is False


def test_demo_build_command_line(demo_repo: demo_build.DemoRepository) -> None:
    output = demo_repo.repo.parent

    done = subprocess.run(
        [sys.executable, "-m", "demo.build", "--output", str(output), "--python", PYTHON],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(demo_build.__file__).parents[1],
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"demo repository up to date: {demo_repo.repo} (x86_64, 6 packages,"
        f" keys dir {demo_repo.keys_dir})\n"
    )


@pytest.mark.parametrize("python", ["3", "three.eleven", "3.11.2"])
def test_demo_build_rejects_bad_python_version(tmp_path: Path, python: str) -> None:
    with pytest.raises(SystemExit) as raised:
        demo_build.main(["--output", str(tmp_path), "--python", python])

    assert raised.value.code == 2


def test_demo_packages_pass_real_apk_verify_and_index(
    real_apk, demo_repo: demo_build.DemoRepository, tmp_path: Path
) -> None:
    packages = [str(p) for p in sorted((demo_repo.repo / "x86_64").glob("*.apk"))]
    keys = str(demo_repo.keys_dir)

    verify = real_apk.run("verify", "--keys-dir", keys, *packages)
    index = real_apk.run("index", "--keys-dir", keys, "-o", str(tmp_path / "i.tar.gz"), *packages)

    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert len([line for line in verify.stdout.splitlines() if line.endswith("OK")]) == 6
    # 2.14 and 3.0 refuse unsigned packages here (UNTRUSTED signature, rc 99); 2.12 does not.
    assert index.returncode == 0, index.stderr
    assert "UNTRUSTED" not in index.stderr
