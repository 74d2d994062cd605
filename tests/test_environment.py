"""What changed since the baseline, and the exports (pure): tables, and each format read back by
its own reader (hadolint for the Dockerfile, YAML for apko, the world reader for world lines)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from jupyterlab_apk import environment
from jupyterlab_apk.environment import Baseline, Changes, Snapshot, changes

BASE = Snapshot(
    world=("alpine-base", "py3-numpy", "python3~3.12"),
    installed={"alpine-base": "3.22-r0", "py3-numpy": "2.2.4-r1", "python3": "3.12.9-r0"},
    pip={"ipykernel": "6.29.5"},
)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("py3-numpy", "py3-numpy"),
        ("py3-numpy=2.2.4-r1", "py3-numpy"),
        ("python3~3.12", "python3"),
        ("py3-foo>=1.0", "py3-foo"),
        ("py3-bar@edge", "py3-bar"),
        ("py3-bar@edge=1.0-r0", "py3-bar"),
        ("!py3-conflict", "py3-conflict"),
    ],
)
def test_world_name(line, name):
    assert environment.world_name(line) == name


def test_read_world_takes_every_whitespace_separated_entry():
    assert environment.read_world("a\nb=1.0-r0\n\n c  d\n") == ("a", "b=1.0-r0", "c", "d")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (BASE, Changes([], [], [], [])),
        (
            Snapshot(
                ("alpine-base", "py3-numpy", "python3~3.12", "py3-yaml"),
                {**BASE.installed, "py3-yaml": "6.0.2-r0", "yaml": "0.2.5-r2"},
                BASE.pip,
            ),
            # A dependency pulled in (yaml) is not something the user asked for.
            Changes([{"name": "py3-yaml", "world": "py3-yaml", "version": "6.0.2-r0"}], [], [], []),
        ),
        (
            Snapshot(
                ("alpine-base", "python3~3.12"),
                {"alpine-base": "3.22-r0", "python3": "3.12.9-r0"},
                BASE.pip,
            ),
            Changes(
                [], [{"name": "py3-numpy", "world": "py3-numpy", "version": "2.2.4-r1"}], [], []
            ),
        ),
        (
            Snapshot(
                ("alpine-base", "py3-numpy=2.3.0-r0", "python3~3.12"),
                {**BASE.installed, "py3-numpy": "2.3.0-r0"},
                {"ipykernel": "6.30.0", "tabulate": "0.9.0"},
            ),
            # A pin added to a world entry is neither an addition nor a removal.
            Changes(
                [],
                [],
                [{"name": "py3-numpy", "from": "2.2.4-r1", "to": "2.3.0-r0"}],
                [
                    {"name": "ipykernel", "version": "6.30.0", "previous": "6.29.5"},
                    {"name": "tabulate", "version": "0.9.0", "previous": None},
                ],
            ),
        ),
    ],
    ids=["unchanged", "added", "removed", "upgraded-and-pip"],
)
def test_changes(now, expected):
    assert changes(BASE, now) == expected


def test_undo_removes_what_was_added_and_restores_what_apk_can_take_back():
    now = Snapshot(
        ("alpine-base", "py3-yaml", "py3-pinned=1.0-r0"),
        {**BASE.installed, "py3-numpy": "2.3.0-r0", "py3-yaml": "6.0.2-r0", "py3-pinned": "1.0-r0"},
    )
    base = Snapshot(("alpine-base", "py3-numpy=2.2.4-r1", "python3~3.12", "py3-tagged@edge"))
    # A range or a tag is no argument for `apk add` from the configured repositories: the name.
    assert environment.undo(changes(base, now)) == (
        ["py3-pinned", "py3-yaml"],
        ["py3-numpy=2.2.4-r1", "py3-tagged", "python3"],
    )


def test_undo_leaves_upgrades_and_pip_packages():
    now = Snapshot(BASE.world, {**BASE.installed, "py3-numpy": "2.3.0-r0"}, {"tabulate": "0.9.0"})
    assert environment.undo(changes(BASE, now)) == ([], [])


def test_baseline_round_trip_and_errors():
    baseline = Baseline("image", "2026-12-02T10:00:00+00:00", BASE)
    assert environment.read_baseline(environment.write_baseline(baseline)) == baseline
    for text in ("", "[]", '{"source": "image"}', '{"source": 1, "created": 2, "snapshot": []}'):
        with pytest.raises(ValueError, match="not a jupyterlab-apk baseline"):
            environment.read_baseline(text)


@pytest.mark.parametrize(
    "distributions",
    [
        [{"name": "bad\nRUN id", "version": "1.0"}],
        [{"name": "ok", "version": "1.0; rm -rf /"}],
        [{"name": "-e", "version": "1.0"}],
    ],
)
def test_pip_names_and_versions_that_are_not_pep_508_are_left_out(distributions):
    assert environment.pip_snapshot(distributions) == {}


def test_pip_snapshot_normalises_names_and_versions():
    assert environment.pip_snapshot([{"name": "Foo_Bar", "version": "1.0.0.post1"}]) == {
        "foo-bar": "1.0.0.post1"
    }


def test_a_distribution_shadowed_on_sys_path_counts_as_the_first_one():
    found = [{"name": "foo", "version": "2.0"}, {"name": "Foo", "version": "1.0"}]
    assert environment.pip_snapshot(found) == {"foo": "2.0"}


CHANGE = changes(
    BASE,
    Snapshot(
        ("alpine-base", "python3~3.12", "py3-yaml", "py3-tabulate"),
        {**BASE.installed, "py3-yaml": "6.0.2-r0", "py3-tabulate": "0.9.0-r0"},
        {"ipykernel": "6.29.5", "termcolor": "2.4.0"},
    ),
)


def _hadolint(text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    hadolint = shutil.which("hadolint") or str(Path(sys.prefix, "bin", "hadolint"))
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    return subprocess.run(
        [hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("pin", [True, False])
@pytest.mark.parametrize("user", ["1000:100", None])
def test_the_dockerfile_passes_hadolint_and_installs_the_changes(tmp_path, pin, user):
    text = environment.export_dockerfile(
        CHANGE,
        image="ghcr.io/example/jupyterlab-apk:1.0",
        python="/opt/kernel/bin/python",
        user=user,
        pin=pin,
    )
    result = _hadolint(text, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = text.splitlines()
    assert "ARG BASE_IMAGE=ghcr.io/example/jupyterlab-apk:1.0" in lines
    apk = next(line for line in lines if "apk add" in line)
    specs = apk.split("apk add --no-cache ")[1].split()
    pinned = ["py3-tabulate=0.9.0-r0", "py3-yaml=6.0.2-r0"]
    assert specs == (pinned if pin else ["py3-tabulate", "py3-yaml"])
    assert "RUN apk del --no-cache py3-numpy \\" in lines
    assert lines[-1] == "RUN /opt/kernel/bin/python -m pip install --no-cache-dir termcolor==2.4.0"
    # apk as root, pip as the notebook user: the last USER is never root.
    users = [line for line in lines if line.startswith("USER ")]
    assert users == (["USER 0", f"USER {user}"] if user else [])


def test_a_dockerfile_without_changes_is_only_the_image(tmp_path):
    nothing = Changes([], [], [], [])
    text = environment.export_dockerfile(nothing, image="x", python=None, user="1:1")
    assert text.splitlines()[1:] == ["ARG BASE_IMAGE=x", "FROM ${BASE_IMAGE}"]
    assert _hadolint(text, tmp_path).returncode == 0


def test_apko_lists_the_whole_world_with_its_sources():
    now = Snapshot(("alpine-base", "py3-yaml"), {}, {})
    text = environment.export_apko(
        now, repositories=["https://r/main"], keys=["/k/a.rsa.pub"], arch="x86_64"
    )
    assert yaml.safe_load(text) == {
        "contents": {
            "repositories": ["https://r/main"],
            "keyring": ["/k/a.rsa.pub"],
            "packages": ["alpine-base", "py3-yaml"],
        },
        "archs": ["x86_64"],
    }


@pytest.mark.parametrize("pin", [True, False])
def test_world_lines_read_back_as_the_added_packages(pin):
    lines = environment.read_world(environment.export_apk(CHANGE, pin=pin))
    assert [environment.world_name(line) for line in lines] == ["py3-tabulate", "py3-yaml"]
    assert ("py3-yaml=6.0.2-r0" in lines) is pin


def test_requirements_parse_as_pinned_requirements():
    text = environment.export_requirements(CHANGE)
    assert [str(Requirement(line)) for line in text.splitlines()] == ["termcolor==2.4.0"]
