"""GET environment and its exports on a real Jupyter server, after real apk runs (the test double
and each real apk binary), with the real python3 kernelspec asked for its pip packages."""

import asyncio
import json
import subprocess
import sys

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_apk.apkcli import ApkOptions, build_argv
from jupyterlab_apk.apkindex import parse_installed
from jupyterlab_apk.apkwriter import PackageInfo, write_repository
from jupyterlab_apk.environment import Baseline, Snapshot, write_baseline

from .conftest import make_root, rest_api, server_config
from .test_installer import APK_DOUBLE, ARCH, ROOT_DIR, SITE

pytestmark = pytest.mark.usefixtures("jp_serverapp")


@pytest.fixture
def sandbox(tmp_path, keys):
    repo = tmp_path / "repo"
    app = PackageInfo(
        name="py3-app", version="1.0-r0", arch=ARCH, description="app", depends=["py3-old"]
    )
    packages = [
        (PackageInfo(name=name, version="1.0-r0", arch=ARCH, description=name),
         {f"{SITE}/{name[4:]}.py": b""})
        for name in ("py3-hello", "py3-old")
    ] + [(app, {f"{SITE}/app.py": b""})]  # fmt: skip
    write_repository(repo, ARCH, packages, keys.key)
    return repo, make_root(tmp_path / "root")


@pytest.fixture
def pip_site(tmp_path, monkeypatch, jp_environ):
    """A directory on the kernel's sys.path (the kernelspec inherits the server's environment),
    where the test installs pip packages as pip lays them out. On the path before the server
    starts (and after jp_environ sets PYTHONPATH), as a kernel's environment is: the
    first-start baseline is taken then."""
    site = tmp_path / "pip-site"
    site.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def pip_install(site, name, version):
    dist_info = site / f"{name}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )


@pytest.fixture
def apk_command(request):
    if "real_apk" in request.fixturenames:
        return [str(request.getfixturevalue("real_apk").path)]
    return [APK_DOUBLE]


@pytest.fixture
def allow_remove():
    return True


@pytest.fixture
def image_packages():
    """Installed before the server starts, as in an image: its first-start baseline has them."""
    return []


@pytest.fixture
def image_world():
    """The world of an image baseline file written before the server starts (None: no file)."""
    return None


@pytest.fixture
def cli_baseline():
    """Whether `jupyter apk baseline` records the image's baseline before the server starts."""
    return False


@pytest.fixture
def jp_server_config(
    sandbox, keys, tmp_path, apk_command, allow_remove, image_packages, image_world, cli_baseline,
    pip_site,
):
    repo, root = sandbox
    if image_packages:
        options = ApkOptions(tuple(apk_command), str(root), (str(repo),), str(keys.dir))
        subprocess.run(build_argv(options, "install", image_packages), check=True,
                       capture_output=True)  # fmt: skip
    if image_world is not None:
        write_image_baseline(tmp_path, image_world)
    if cli_baseline:
        # As the Dockerfile runs it: a process of its own, on the default python3 kernelspec.
        subprocess.run(
            [sys.executable, "-m", "jupyterlab_apk.cli", "baseline", "--root", str(root),
             "--output", str(tmp_path / "image" / "baseline.json")],
            cwd=ROOT_DIR, check=True, capture_output=True,
        )  # fmt: skip
    return server_config(
        tmp_path, keys, [repo], root, apk_command=apk_command, allow_remove=allow_remove,
        baseline_file=str(tmp_path / "image" / "baseline.json"), image="registry.example/lab:1",
    )  # fmt: skip


@pytest.fixture
def api(jp_fetch):
    return rest_api(jp_fetch)


async def run_job(api, action, *packages, preview=False, state="done"):
    """Submit a job and follow it, as the sidebar does, to the end: its progress never falls."""
    body = {"action": action, "packages": list(packages), "preview": preview}
    job = json.loads((await api("jobs", method="POST", body=body)).body)
    progress = [job["progress"]]
    while job["state"] in ("queued", "running"):
        job = json.loads((await api("jobs", job["id"], since=str(job["revision"]), wait="10")).body)
        progress.append(job["progress"])
    assert job["state"] == state, job["log"]
    assert progress == sorted(progress)
    return job


async def environment(api, **params):
    return json.loads((await api("environment", **params)).body)


async def check_changes_since_the_first_start(api, pip_site):
    first = await environment(api)
    assert first["baseline"]["source"] == "first-start"
    assert (first["added"], first["removed"], first["upgraded"], first["pip"]) == ([], [], [], [])
    assert first["pip_error"] is None

    await run_job(api, "install", "py3-hello")
    await run_job(api, "remove", "py3-old")
    pip_install(pip_site, "termcolor", "2.4.0")
    changed = await environment(api, kernel="python3")
    assert changed["baseline"] == first["baseline"]
    assert changed["added"] == [{"name": "py3-hello", "world": "py3-hello", "version": "1.0-r0"}]
    assert changed["removed"] == [{"name": "py3-old", "world": "py3-old", "version": "1.0-r0"}]
    assert changed["pip"] == [{"name": "termcolor", "version": "2.4.0", "previous": None}]

    response = await api("environment/export", format="dockerfile")
    assert response.headers["Content-Disposition"] == 'attachment; filename="Dockerfile"'
    dockerfile = response.body.decode()
    assert "ARG BASE_IMAGE=registry.example/lab:1" in dockerfile
    assert "apk del --no-cache py3-old" in dockerfile
    assert "apk add --no-cache py3-hello=1.0-r0" in dockerfile
    assert dockerfile.rstrip().endswith("-m pip install --no-cache-dir termcolor==2.4.0")


@pytest.mark.parametrize("image_packages", [["py3-old"]])
async def test_changes_since_the_first_start_with_the_double(api, pip_site):
    await check_changes_since_the_first_start(api, pip_site)


@pytest.mark.parametrize("image_packages", [["py3-old"]])
async def test_changes_since_the_first_start_with_real_apk(api, pip_site, real_apk):
    await check_changes_since_the_first_start(api, pip_site)


async def check_the_first_start_baseline_precedes_the_first_job(api, tmp_path):
    """Installed before anyone asked for the environment, a package is still a change: the
    server takes its baseline when it starts, and before its first job at the latest."""
    await run_job(api, "install", "py3-hello")
    changed = await environment(api)
    assert changed["baseline"]["source"] == "first-start"
    assert [item["name"] for item in changed["added"]] == ["py3-hello"]
    assert (tmp_path / "cache" / "baseline.json").exists()


async def test_the_first_start_baseline_precedes_the_first_job_with_the_double(api, tmp_path):
    await check_the_first_start_baseline_precedes_the_first_job(api, tmp_path)


async def test_the_first_start_baseline_precedes_the_first_job_with_real_apk(
    api, tmp_path, real_apk
):
    await check_the_first_start_baseline_precedes_the_first_job(api, tmp_path)


async def test_the_server_takes_the_first_start_baseline_when_it_starts(tmp_path):
    first_start = tmp_path / "cache" / "baseline.json"
    for _ in range(200):  # no request at all: the server's own start takes it
        if first_start.exists():
            break
        await asyncio.sleep(0.05)
    assert json.loads(first_start.read_text())["source"] == "first-start"


def apk_state(root):
    """The root's world and installed packages, as a baseline records them."""
    installed = parse_installed((root / "lib/apk/db/installed").read_text())
    world = tuple((root / "etc/apk/world").read_text().split())
    return world, {item.record.name: item.record.version for item in installed}


async def check_undo_restores_the_baseline(api, root, tmp_path):
    baseline = apk_state(root)  # the first-start baseline: py3-old
    await run_job(api, "install", "py3-hello")
    await run_job(api, "remove", "py3-old")

    preview = await run_job(api, "undo", preview=True)
    assert [(step["action"], step["name"]) for step in preview["plan"]["steps"]] == [
        ("remove", "py3-hello"), ("install", "py3-old"),
    ]  # fmt: skip
    assert apk_state(root) != baseline
    job = await run_job(api, "undo")
    assert (job["action"], job["packages"], job["progress"]) == (
        "undo", ["py3-hello", "py3-old"], 1.0
    )
    assert job["undo"] == {"remove": ["py3-hello"], "restore": ["py3-old"]}
    assert job["installed"] == ["py3-hello (removed)", "py3-old-1.0-r0"]
    assert apk_state(root) == baseline
    after = await environment(api)
    assert (after["added"], after["removed"], after["upgraded"]) == ([], [], [])
    listed = json.loads((await api("jobs")).body)
    assert listed[0]["id"] == job["id"] and listed[0]["undo"] == job["undo"]


@pytest.mark.parametrize("image_packages", [["py3-old"]])
async def test_undo_restores_the_baseline_with_the_double(api, sandbox, tmp_path):
    await check_undo_restores_the_baseline(api, sandbox[1], tmp_path)


@pytest.mark.parametrize("image_packages", [["py3-old"]])
async def test_undo_restores_the_baseline_with_real_apk(api, sandbox, tmp_path, real_apk):
    await check_undo_restores_the_baseline(api, sandbox[1], tmp_path)


async def check_undo_of_a_dependency_asked_for_by_name(api, root):
    baseline = apk_state(root)  # py3-app, and py3-old, which it needs
    await run_job(api, "install", "py3-old")  # already there: it only joins the world
    job = await run_job(api, "undo")
    assert (job["error"], job["warnings"]) == (None, [])
    assert apk_state(root) == baseline


@pytest.mark.parametrize("image_packages", [["py3-app"]])
async def test_undo_of_a_dependency_asked_for_by_name_with_the_double(api, sandbox):
    await check_undo_of_a_dependency_asked_for_by_name(api, sandbox[1])


@pytest.mark.parametrize("image_packages", [["py3-app"]])
async def test_undo_of_a_dependency_asked_for_by_name_with_real_apk(api, sandbox, real_apk):
    await check_undo_of_a_dependency_asked_for_by_name(api, sandbox[1])


async def undo_refused(api, **body):
    with pytest.raises(HTTPClientError) as error:
        await api("jobs", method="POST", body={"action": "undo", "packages": [], **body})
    return error.value.code, json.loads(error.value.response.body)["message"]


async def test_nothing_to_undo_is_a_conflict_that_says_so(api):
    assert await undo_refused(api) == (409, (
        "Nothing to undo: no apk package was added or removed since the image (upgraded "
        "packages and pip packages are left as they are)."
    ))  # fmt: skip


async def check_undo_runs_only_the_changes_its_plan_showed(api, root):
    await run_job(api, "install", "py3-hello")
    preview = await run_job(api, "undo", preview=True)
    assert preview["packages"] == ["py3-hello"]
    await run_job(api, "install", "py3-old")  # elsewhere, while the plan is shown
    before = apk_state(root)

    assert await undo_refused(api, packages=preview["packages"]) == (409, (
        "The changes since the image are no longer those of the plan shown (now: remove "
        "py3-hello, py3-old): look at the plan again."
    ))  # fmt: skip
    assert apk_state(root) == before
    job = await run_job(api, "undo", "py3-old", "py3-hello")  # the plan seen again
    assert job["undo"] == {"remove": ["py3-hello", "py3-old"], "restore": []}


async def test_undo_runs_only_the_changes_its_plan_showed_with_the_double(api, sandbox):
    await check_undo_runs_only_the_changes_its_plan_showed(api, sandbox[1])


async def test_undo_runs_only_the_changes_its_plan_showed_with_real_apk(api, sandbox, real_apk):
    await check_undo_runs_only_the_changes_its_plan_showed(api, sandbox[1])


@pytest.mark.parametrize("packages", ["py3-hello", [1], ["py3-hello", None]])
async def test_undo_packages_must_be_a_list_of_names(api, packages):
    code, message = await undo_refused(api, packages=packages)
    assert (code, message) == (400, "packages must be a list of package names")


@pytest.mark.parametrize("allow_remove", [False])
async def test_undo_is_forbidden_where_removing_is(api):
    await environment(api)
    await run_job(api, "install", "py3-hello")
    assert await undo_refused(api) == (403, "the administrator does not allow removing packages")


def write_image_baseline(tmp_path, world):
    path = tmp_path / "image" / "baseline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write_baseline(Baseline("image", "2026-12-01T00:00:00+00:00", Snapshot(world))))


async def check_an_undo_that_cannot_restore(api, root, tmp_path):
    await run_job(api, "install", "py3-hello")
    job = await run_job(api, "undo", state="failed")
    assert job["error"] == "No repository has a package named py3-gone."
    assert job["installed"] == [] and job["finished"]
    assert apk_state(root)[0] == ("py3-hello",)  # the removal never ran


# The image had a package no configured repository has (any longer).
@pytest.mark.parametrize("image_world", [("py3-gone",)])
async def test_an_undo_that_cannot_restore_fails_and_says_why_with_the_double(
    api, sandbox, tmp_path
):
    await check_an_undo_that_cannot_restore(api, sandbox[1], tmp_path)


@pytest.mark.parametrize("image_world", [("py3-gone",)])
async def test_an_undo_that_cannot_restore_fails_and_says_why_with_real_apk(
    api, sandbox, tmp_path, real_apk
):
    await check_an_undo_that_cannot_restore(api, sandbox[1], tmp_path)


async def test_the_first_start_baseline_is_kept(api, tmp_path):
    first = await environment(api)
    kept = json.loads((tmp_path / "cache" / "baseline.json").read_text())
    assert kept["created"] == first["baseline"]["created"] and kept["source"] == "first-start"


@pytest.mark.parametrize(("image_packages", "cli_baseline"), [(["py3-old"], True)])
async def test_the_images_baseline_wins(api, sandbox, pip_site, tmp_path):
    _, root = sandbox
    (root / "etc/apk/world").write_text("")
    answer = await environment(api)
    assert answer["baseline"]["source"] == "image"
    assert [entry["name"] for entry in answer["removed"]] == ["py3-old"]


async def test_pip_packages_are_asked_again_only_after_a_change(api, pip_site):
    await environment(api)
    pip_install(pip_site, "tabulate", "0.9.0")
    assert [p["name"] for p in (await environment(api))["pip"]] == ["tabulate"]
    pip_install(pip_site, "termcolor", "2.4.0")
    assert [p["name"] for p in (await environment(api))["pip"]] == ["tabulate", "termcolor"]


@pytest.mark.parametrize(
    ("fmt", "filename"),
    [("apko", "apko.yaml"), ("apk", "world"), ("requirements", "requirements.txt")],
)
async def test_each_export_names_its_file(api, fmt, filename):
    response = await api("environment/export", format=fmt)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "exe"}, "format must be one of"),
        ({"format": "dockerfile", "image": "x\nRUN id"}, "is not an image reference"),
        ({"format": "dockerfile", "pin": "maybe"}, "pin must be"),
        ({"format": "apk", "kernel": "nope"}, "no kernelspec named 'nope'"),
    ],
)
async def test_bad_export_requests(api, params, message):
    with pytest.raises(HTTPClientError) as error:
        await api("environment/export", **params)
    assert error.value.code == 400
    assert message in json.loads(error.value.response.body)["message"]


def test_the_baseline_command_names_a_missing_kernelspec(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jupyterlab_apk.cli", "baseline", "--root", str(tmp_path),
         "--kernel", "nope", "--output", str(tmp_path / "b.json")],
        cwd=ROOT_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "no kernelspec named 'nope'" in result.stderr
    assert not (tmp_path / "b.json").exists()
