"""The install queue against the apk test double: states, plans, progress, failures, restarts."""

import asyncio
import contextlib
import fcntl
import json
import os
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from jupyterlab_apk import installer as installer_module
from jupyterlab_apk.apkcli import ApkOptions, RequestError
from jupyterlab_apk.apkindex import parse_installed
from jupyterlab_apk.apkwriter import PackageInfo, write_repository
from jupyterlab_apk.installer import Installer, QueueFull
from jupyterlab_apk.policy import PolicyError

from .conformance import transcript_path
from .conftest import make_root

ROOT_DIR = Path(__file__).resolve().parents[1]
REPLAY = Path(__file__).resolve().parent / "replay_apk.py"
APK_DOUBLE = str(ROOT_DIR / "demo" / "bin" / "apk-test-double")
ARCH = "x86_64"
SITE = "usr/lib/python3.11/site-packages"


def package(name, version, depends=(), files=None):
    info = PackageInfo(name=name, version=version, arch=ARCH, description=f"{name} for tests",
                       depends=list(depends))  # fmt: skip
    return info, files or {f"{SITE}/{name.replace('-', '_')}.py": f"NAME = {name!r}\n".encode()}


@pytest.fixture
def repo(tmp_path, keys):
    repo = tmp_path / "repo"
    write_repository(
        repo,
        ARCH,
        [
            package("py3-demolib", "2.0-r0"),
            package("py3-demo", "1.0-r0", ["py3-demolib"]),
            package("py3-other", "1.0-r0"),
            package("py3-needs-missing", "1.0-r0", ["py3-doesnotexist"]),
            (*package("py3-script", "1.0-r0"), {".post-install": b"exit 127\n"}),
        ],
        keys.key,
    )
    return repo


@pytest.fixture
def root(tmp_path):
    return make_root(tmp_path / "root", ARCH)


def installed_versions(root: Path) -> dict[str, str]:
    text = (root / "lib/apk/db/installed").read_text()
    return {item.record.name: item.record.version for item in parse_installed(text)}


def packages_in_error(root: Path) -> dict[str, str]:
    text = (root / "lib/apk/db/installed").read_text()
    return {item.record.name: "in error" for item in parse_installed(text)
            if item.failed_script or item.broken_files}  # fmt: skip


@pytest.fixture
def make_installer(tmp_path, repo, root, keys, jp_asyncio_loop):
    made = []

    def make(timeout=30.0, max_queued=50, wait=10, repositories=None, history=None,
             command=(APK_DOUBLE,), allow_remove=True, before_first_job=None):  # fmt: skip
        options = ApkOptions(
            command=command,
            root=str(root),
            repositories=tuple(repositories or [str(repo)]),
            keys_dir=str(keys.dir),
            wait=wait,
        )
        installer = Installer(
            lambda: options,
            history_path=history or tmp_path / "jobs.jsonl",
            timeout=timeout,
            max_queued=max_queued,
            installed_versions=lambda: installed_versions(root),
            packages_in_error=lambda: packages_in_error(root),
            package_sizes=lambda name: (1000, 3000),
            before_first_job=before_first_job,
            allow_remove=allow_remove,
        )
        made.append(installer)
        return installer

    yield make
    for installer in made:
        jp_asyncio_loop.run_until_complete(installer.close())


async def finished(installer, job, timeout=30):
    """Wait until *job* reaches a terminal state."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not job.terminal:
        assert asyncio.get_running_loop().time() < deadline, f"job stuck in {job.state}"
        await installer.wait_for_change(job, job.revision, 1)
    return job


@contextlib.contextmanager
def apk_lock(root: Path):
    """Hold apk's database lock as another apk process would."""
    with open(root / "lib/apk/db/lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


async def test_install_runs_plan_progress_and_records_changes(make_installer, root):
    installer = make_installer()
    job = installer.submit("install", ["py3-demo"], preview=False, user="alice")
    assert job.state == "queued"
    seen_progress = []
    while not job.terminal:
        await installer.wait_for_change(job, job.revision, 5)
        seen_progress.append(job.progress)
    assert job.state == "done", job.log
    assert job.exit_code == 0
    assert [(s["action"], s["name"]) for s in job.plan["steps"]] == [
        ("install", "py3-demolib"),
        ("install", "py3-demo"),
    ]
    assert (job.plan["download_size"], job.plan["installed_size"]) == (2000, 6000)
    assert job.progress == 1.0
    assert seen_progress == sorted(seen_progress)  # never goes backwards
    assert job.installed == ["py3-demo-1.0-r0", "py3-demolib-2.0-r0"]
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}
    assert (root / SITE / "py3_demo.py").read_text() == "NAME = 'py3-demo'\n"
    assert job.started and job.finished and job.started <= job.finished
    assert job.user == "alice"
    assert "Installing py3-demo (1.0-r0)" in job.log


@pytest.mark.parametrize("order", ["stdout-first", "stderr-first"])
async def test_explanation_does_not_depend_on_which_pipe_is_read_first(make_installer, order):
    # apk 2.12 writes "ERROR: unable to select packages:" on stderr and the entries under it
    # on stdout: the two pipes reach the server in either order.
    replay = (sys.executable, str(REPLAY), str(transcript_path("2.12", "unknown package")), order)
    installer = make_installer(command=replay)
    job = await finished(installer, installer.submit("install", ["nosuchpkg"], preview=True,
                                                     user="alice"))  # fmt: skip
    assert job.state == "failed"
    assert job.error == "No repository has a package named nosuchpkg."
    assert [p["kind"] for p in job.problems] == ["no-such-package"]


async def test_the_hook_before_the_first_job_sees_the_system_unchanged(make_installer, root):
    seen = []

    async def before_first_job():
        await asyncio.sleep(0.1)  # slower than the job would be: it must still wait
        seen.append(installed_versions(root))

    installer = make_installer(before_first_job=before_first_job)
    first = installer.submit("install", ["py3-demo"], preview=False, user="alice")
    await finished(installer, first)
    second = installer.submit("install", ["py3-other"], preview=False, user="alice")
    await finished(installer, second)
    assert (first.state, second.state) == ("done", "done")
    assert seen == [{}]  # once, before anything was installed


async def test_preview_changes_nothing(make_installer, root):
    installer = make_installer()
    job = await finished(
        installer, installer.submit("install", ["py3-demo"], preview=True, user="a")
    )
    assert job.state == "done"
    assert len(job.plan["steps"]) == 2
    assert installed_versions(root) == {}
    assert "--simulate" in job.log.splitlines()[0]


async def test_remove(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-other"], preview=False, user="a"))
    job = await finished(
        installer, installer.submit("remove", ["py3-other"], preview=False, user="a")
    )
    assert job.state == "done", job.log
    assert job.installed == ["py3-other (removed)"]
    assert installed_versions(root) == {}


@pytest.mark.parametrize(
    ("packages", "kind", "fragment"),
    [
        (["py3-nosuch"], "no-such-package", "No repository has a package named py3-nosuch"),
        (["py3-needs-missing"], "missing-dependency", "needs py3-doesnotexist"),
    ],
)
async def test_unresolvable_requests_fail_before_changing_anything(
    make_installer, root, packages, kind, fragment
):
    installer = make_installer()
    job = await finished(installer, installer.submit("install", packages, preview=False, user="a"))
    assert job.state == "failed"
    assert job.problems[0]["kind"] == kind
    assert fragment in job.error
    assert job.exit_code != 0
    assert installed_versions(root) == {}


async def test_partial_install_says_what_was_installed(tmp_path, keys, root, make_installer):
    broken_repo = tmp_path / "broken"
    write_repository(
        broken_repo,
        ARCH,
        [package("py3-demolib", "2.0-r0"), package("py3-demo", "1.0-r0", ["py3-demolib"])],
        keys.key,
    )
    # Corrupt the package's data member after indexing (apk-cli.md: "Corrupt package in a
    # repo"): its dependency installs, the package itself is a BAD archive.
    apk = broken_repo / ARCH / "py3-demo-1.0-r0.apk"
    data = bytearray(apk.read_bytes())
    data[-40:-20] = bytes(20)
    apk.write_bytes(bytes(data))
    installer = make_installer(repositories=[str(broken_repo)])
    job = await finished(
        installer, installer.submit("install", ["py3-demo"], preview=False, user="a")
    )
    assert job.state == "failed", job.log
    assert job.installed == ["py3-demolib-2.0-r0"], job.log
    assert job.error.startswith("Partly done: py3-demolib-2.0-r0 changed.")
    assert job.problems[0]["kind"] == "broken-package"


async def test_untrusted_repository_is_explained(tmp_path, make_installer, root):
    unsigned = tmp_path / "unsigned"
    write_repository(unsigned, ARCH, [package("py3-other", "1.0-r0")], None)
    installer = make_installer(repositories=[str(unsigned)])
    job = await finished(
        installer, installer.submit("install", ["py3-other"], preview=False, user="a")
    )
    assert job.state == "failed"
    assert [p["kind"] for p in job.problems] == ["untrusted", "no-such-package"]


async def test_lock_released_during_the_wait(make_installer, root):
    installer = make_installer(wait=10)
    with apk_lock(root):
        job = installer.submit("install", ["py3-other"], preview=False, user="a")
        while "Waiting for repository lock" not in job.log:
            await installer.wait_for_change(job, job.revision, 5)
            assert not job.terminal, job.log
    await finished(installer, job)
    assert job.state == "done", job.log


async def test_lock_never_released_is_reported(make_installer, root):
    installer = make_installer(wait=1)
    with apk_lock(root):
        job = await finished(
            installer, installer.submit("install", ["py3-other"], preview=False, user="a")
        )
    assert job.state == "failed"
    assert job.exit_code == 99
    assert job.problems[0]["kind"] == "locked"


async def test_timeout_stops_a_hung_apk(make_installer, root):
    installer = make_installer(timeout=1, wait=30)
    with apk_lock(root):
        job = await finished(
            installer, installer.submit("install", ["py3-other"], preview=False, user="a")
        )
    assert job.state == "timed-out"
    assert "stopped after 1 s" in job.error
    assert installed_versions(root) == {}


async def test_cancel_running_and_queued_jobs(make_installer, root):
    installer = make_installer(wait=30)
    with apk_lock(root):
        running = installer.submit("install", ["py3-other"], preview=False, user="a")
        queued = installer.submit("install", ["py3-demo"], preview=False, user="a")
        while "Waiting for repository lock" not in running.log:
            await installer.wait_for_change(running, running.revision, 5)
        assert (running.state, queued.state) == ("running", "queued")
        await installer.cancel(queued.id)
        assert queued.state == "cancelled"
        await installer.cancel(running.id)
        await finished(installer, running)
    assert running.state == "cancelled"
    assert installed_versions(root) == {}
    # The queue goes on after a cancellation.
    after = await finished(
        installer, installer.submit("install", ["py3-other"], preview=False, user="a")
    )
    assert after.state == "done"


async def test_twenty_concurrent_installs_run_one_at_a_time(make_installer, root):
    installer = make_installer()
    names = ["py3-demo", "py3-other", "py3-demolib"]
    jobs = [installer.submit("install", [names[i % 3]], preview=False, user=f"u{i}")
            for i in range(20)]  # fmt: skip
    await asyncio.gather(*(finished(installer, job, timeout=120) for job in jobs))
    assert [job.state for job in jobs] == ["done"] * 20
    spans = sorted((job.started, job.finished) for job in jobs)
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans))
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0",
                                        "py3-other": "1.0-r0"}  # fmt: skip
    world = (root / "etc/apk/world").read_text().split()
    assert sorted(world) == ["py3-demo", "py3-demolib", "py3-other"]


@pytest.mark.parametrize(
    ("action", "packages", "error"),
    [
        ("install", ["--allow-untrusted"], RequestError),
        ("install", ["py3-demo; rm -rf /"], RequestError),
        ("install", ["../../etc/passwd"], RequestError),
        ("install", ["py3\x00demo"], RequestError),
        ("install", [], ValueError),
        ("install", "py3-demo", ValueError),
        ("explode", ["py3-demo"], ValueError),
    ],
)
def test_hostile_requests_are_refused_before_anything_runs(
    make_installer, tmp_path, action, packages, error
):
    installer = make_installer()
    with pytest.raises(error):
        installer.submit(action, packages, preview=False, user="a")
    assert installer.jobs() == []
    assert not (tmp_path / "jobs.jsonl").exists()


@pytest.mark.parametrize("preview", [False, True])
async def test_a_removal_the_policy_forbids_is_refused_by_the_installer_itself(
    make_installer, preview
):
    """Every path to a job (POST jobs, a %pip cell, the import offer) meets the same check."""
    installer = make_installer(allow_remove=False)
    with pytest.raises(PolicyError, match="does not allow removing"):
        installer.submit("remove", ["py3-demo"], preview=preview, user="a")
    assert installer.jobs() == []
    installer.submit("install", ["py3-demo"], preview=True, user="a")  # the rest is allowed


async def test_queue_bound(make_installer, root):
    installer = make_installer(max_queued=2)
    with apk_lock(root):
        installer.submit("install", ["py3-other"], preview=False, user="a")
        installer.submit("install", ["py3-other"], preview=False, user="a")
        with pytest.raises(QueueFull):
            installer.submit("install", ["py3-other"], preview=False, user="a")


async def test_history_survives_a_restart_and_interrupted_jobs_end(make_installer, tmp_path):
    installer = make_installer()
    done = await finished(
        installer, installer.submit("install", ["py3-other"], preview=False, user="a")
    )
    history = tmp_path / "jobs.jsonl"
    # A server that died mid-run left a "running" and a "queued" line behind.
    for state, job_id in (("running", "a" * 16), ("queued", "b" * 16)):
        line = {**done.to_json(), "id": job_id, "state": state, "finished": None}
        with history.open("a") as out:
            out.write(json.dumps(line) + "\n")
    with history.open("a") as out:
        out.write('{"id": "torn')  # the last line of a crash

    restarted = make_installer()
    jobs = {job.id: job for job in restarted.jobs()}
    assert jobs[done.id].state == "done"
    assert jobs["a" * 16].state == "failed"
    assert "interrupted" in jobs["a" * 16].error and "running" in jobs["a" * 16].error
    assert jobs["b" * 16].state == "failed" and jobs["b" * 16].finished is not None
    assert len(history.read_text().splitlines()) == 3  # compacted, torn line dropped


async def test_history_is_bounded(make_installer, tmp_path, monkeypatch):
    monkeypatch.setattr("jupyterlab_apk.installer.HISTORY_LIMIT", 3)
    installer = make_installer()
    for action in ("install", "remove") * 3:
        await finished(installer, installer.submit(action, ["py3-other"], preview=False, user="a"))
    restarted = make_installer()
    assert [job.action for job in restarted.jobs()] == ["remove", "install", "remove"]
    assert len((tmp_path / "jobs.jsonl").read_text().splitlines()) == 3


async def test_previews_stay_out_of_the_history(make_installer):
    installer = make_installer()
    preview = await finished(
        installer, installer.submit("install", ["py3-other"], preview=True, user="a")
    )
    assert installer.get(preview.id) is preview
    assert make_installer().jobs() == []


async def test_progress_pipe_ends_are_closed_exactly_once(make_installer, monkeypatch):
    # Closing a pipe end twice closes whatever reused its number meanwhile (a client socket).
    pipe_fds, closes = [], []

    class TrackingOs:
        def __getattr__(self, name):
            return getattr(os, name)

        def pipe(self):
            fds = os.pipe()
            pipe_fds.extend(fds)
            return fds

        def close(self, fd):
            closes.append(fd)
            os.close(fd)

    monkeypatch.setattr(installer_module, "os", TrackingOs())
    installer = make_installer()
    for action in ("install", "remove"):
        job = await finished(
            installer, installer.submit(action, ["py3-other"], preview=False, user="a")
        )
        assert job.state == "done", job.log
    assert len(pipe_fds) == 4
    assert sorted(closes) == sorted(pipe_fds)  # numbers are reused: compare as multisets


async def test_remove_preview_changes_nothing(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-demo"], preview=False, user="a"))
    job = await finished(
        installer, installer.submit("remove", ["py3-demo"], preview=True, user="a")
    )
    assert job.state == "done", job.log
    # apk del also purges the dependency nothing else needs.
    assert sorted((s["action"], s["name"]) for s in job.plan["steps"]) == [
        ("remove", "py3-demo"), ("remove", "py3-demolib")
    ]
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}


async def test_a_job_after_a_failed_script_is_done_with_a_warning(make_installer, root):
    installer = make_installer()
    failed = await finished(installer, installer.submit("install", ["py3-script"], preview=False,
                                                        user="a"))  # fmt: skip
    assert failed.state == "failed"
    assert [p["kind"] for p in failed.problems] == ["script-failed"]
    # apk now ends every run with "1 error", exit status 1: this job's change is complete.
    for preview in (True, False):
        job = await finished(installer, installer.submit("install", ["py3-other"], preview=preview,
                                                         user="a"))  # fmt: skip
        assert job.state == "done", job.log
        assert job.exit_code == 1
        assert len(job.warnings) == 1
        assert "py3-script" in job.warnings[0] and "repair" in job.warnings[0]
        assert [s["name"] for s in job.plan["steps"]] == ["py3-other"]
    assert installed_versions(root)["py3-other"] == "1.0-r0"
    assert job.to_json()["warnings"] == job.warnings


async def test_a_new_error_beside_an_old_one_still_fails(make_installer, root, tmp_path, keys):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-script"], preview=False, user="a"))
    job = await finished(installer, installer.submit("install", ["py3-nosuch"], preview=False,
                                                     user="a"))  # fmt: skip
    assert job.state == "failed"
    assert job.warnings == []


async def test_repair_runs_apk_fix_on_every_package_in_error(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-script"], preview=False, user="a"))
    assert packages_in_error(root) == {"py3-script": "in error"}
    job = await finished(installer, installer.submit("repair", [], preview=False, user="a"))
    assert job.state == "done", job.log
    assert (job.exit_code, job.warnings, job.progress) == (0, [], 1.0)
    assert [(s["action"], s["name"]) for s in job.plan["steps"]] == [("reinstall", "py3-script")]
    assert " fix " in job.log.splitlines()[0] or "fix" in job.log.splitlines()[0].split()
    assert packages_in_error(root) == {}
    after = await finished(installer, installer.submit("install", ["py3-other"], preview=False,
                                                       user="a"))  # fmt: skip
    assert (after.state, after.exit_code, after.warnings) == ("done", 0, [])


async def test_a_removal_that_removes_nothing_fails_and_says_why(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-demo"], preview=False, user="a"))
    preview = await finished(installer, installer.submit("remove", ["py3-demolib"], preview=True,
                                                         user="a"))  # fmt: skip
    # The plan says so before anything runs: nothing will be removed, and what needs it.
    assert preview.plan["steps"] == []
    assert preview.plan["kept"] == [{"package": "py3-demolib", "required_by": ["py3-demo"]}]
    assert preview.state == "failed"
    assert preview.error == "Nothing will be removed: py3-demolib is needed by py3-demo."
    job = await finished(installer, installer.submit("remove", ["py3-demolib"], preview=False,
                                                     user="a"))  # fmt: skip
    assert job.state == "failed"  # found by the dry run: apk del never ran for real
    assert job.error == "Nothing will be removed: py3-demolib is needed by py3-demo."
    assert [p["kind"] for p in job.problems] == ["still-required"]
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}


async def test_a_removal_that_keeps_one_of_two_is_done_with_a_warning(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-demo", "py3-other"],
                                               preview=False, user="a"))  # fmt: skip
    job = await finished(installer, installer.submit("remove", ["py3-demolib", "py3-other"],
                                                     preview=False, user="a"))  # fmt: skip
    assert job.state == "done", job.log
    assert job.installed == ["py3-other (removed)"]
    assert job.warnings == ["py3-demolib was not removed: py3-demo needs it."]
    assert job.plan["kept"] == [{"package": "py3-demolib", "required_by": ["py3-demo"]}]


def world(root: Path) -> list[str]:
    return (root / "etc/apk/world").read_text().split()


async def test_undo_previews_both_runs_then_removes_and_restores(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-other"], preview=False, user="a"))
    await finished(installer, installer.submit("install", ["py3-demo"], preview=False, user="a"))
    await finished(installer, installer.submit("remove", ["py3-other"], preview=False, user="a"))

    preview = await finished(installer, installer.submit_undo(["py3-demo"], ["py3-other"],
                                                              preview=True, user="a"))  # fmt: skip
    assert preview.state == "done", preview.log
    assert [(s["action"], s["name"]) for s in preview.plan["steps"]] == [
        ("remove", "py3-demo"), ("remove", "py3-demolib"), ("install", "py3-other"),
    ]  # fmt: skip
    assert (preview.action, preview.packages) == ("undo", ["py3-demo", "py3-other"])
    assert preview.to_json()["undo"] == {"remove": ["py3-demo"], "restore": ["py3-other"]}
    assert world(root) == ["py3-demo"]

    job = installer.submit_undo(["py3-demo"], ["py3-other"], preview=False, user="a")
    seen_progress = []
    while not job.terminal:
        await installer.wait_for_change(job, job.revision, 5)
        seen_progress.append(job.progress)
    assert job.state == "done", job.log
    assert seen_progress == sorted(seen_progress) and job.progress == 1.0
    runs = [line.split() for line in job.log.splitlines() if line.startswith("$ ")]
    assert [(argv[2], "--simulate" in argv) for argv in runs] == [
        ("del", True), ("add", True), ("del", False), ("add", False),
    ]  # fmt: skip
    assert job.installed == ["py3-demo (removed)", "py3-demolib (removed)", "py3-other-1.0-r0"]
    assert world(root) == ["py3-other"]
    assert installed_versions(root) == {"py3-other": "1.0-r0"}


async def test_undo_lets_a_package_others_need_only_leave_the_world(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-demo"], preview=False, user="a"))
    # Asked for by name since: it was installed before, as py3-demo's dependency.
    await finished(installer, installer.submit("install", ["py3-demolib"], preview=False,
                                               user="a"))  # fmt: skip
    job = await finished(installer, installer.submit_undo(["py3-demolib"], [], preview=False,
                                                          user="a"))  # fmt: skip
    assert (job.state, job.error, job.warnings) == ("done", None, []), job.log
    assert world(root) == ["py3-demo"]
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}


async def test_an_undo_that_cannot_restore_fails_before_removing_anything(make_installer, root):
    installer = make_installer()
    await finished(installer, installer.submit("install", ["py3-other"], preview=False, user="a"))
    job = await finished(installer, installer.submit_undo(["py3-other"], ["py3-gone"],
                                                          preview=False, user="a"))  # fmt: skip
    assert job.state == "failed"
    assert job.error == "No repository has a package named py3-gone."
    assert [(s["action"], s["name"]) for s in job.plan["steps"]] == [("remove", "py3-other")]
    assert installed_versions(root) == {"py3-other": "1.0-r0"}


async def test_undo_is_refused_when_removing_is_not_allowed(make_installer):
    installer = make_installer(allow_remove=False)
    with pytest.raises(PolicyError):
        installer.submit_undo(["py3-other"], [], preview=False, user="a")
    assert installer.jobs() == []


async def test_undo_jobs_survive_a_restart_with_their_lists(make_installer, tmp_path):
    installer = make_installer()
    await finished(installer, installer.submit_undo(["py3-other"], [], preview=False, user="a"))
    [job] = make_installer().jobs()
    assert (job.action, job.undo) == ("undo", {"remove": ["py3-other"], "restore": []})
