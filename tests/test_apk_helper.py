"""privileged/apk-helper, run as a subprocess as the sudo rule would run it (through its
`#!/usr/bin/python3 -I` line), with a policy file in tmp and the apk test double behind a
recorder that logs every argv it is given. A refused request must leave no record at all."""

import ast
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyterlab_apk.apkcli import ApkOptions, build_argv
from jupyterlab_apk.apkwriter import PackageInfo, write_repository
from jupyterlab_apk.policy import PACKAGE_NAME_RE, check_repository_url
from jupyterlab_apk.versions import is_valid

from .test_installer import APK_DOUBLE, ARCH, SITE, apk_lock, installed_versions

ROOT_DIR = Path(__file__).resolve().parents[1]
HELPER = ROOT_DIR / "privileged" / "apk-helper"
POLICY_ENV = "JUPYTERLAB_APK_HELPER_POLICY"


def load_helper():
    """The helper as a module (its main() only runs as a script), for the grammar checks."""
    loader = importlib.machinery.SourceFileLoader("apk_helper", str(HELPER))
    spec = importlib.util.spec_from_loader("apk_helper", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def package(name, version, depends=()):
    info = PackageInfo(name=name, version=version, arch=ARCH, description=name,
                       depends=list(depends))  # fmt: skip
    return info, {f"{SITE}/{name.replace('-', '_')}.py": f"NAME = {name!r}\n".encode()}


@pytest.fixture
def sandbox(tmp_path, keys):
    repo = tmp_path / "repos" / "main"
    packages = [package("py3-demolib", "2.0-r0"), package("py3-demo", "1.0-r0", ["py3-demolib"])]
    write_repository(repo, ARCH, packages, keys.key)
    root = tmp_path / "root"
    (root / "etc/apk").mkdir(parents=True)
    (root / "etc/apk/arch").write_text(f"{ARCH}\n")
    (root / "lib/apk/db").mkdir(parents=True)
    (root / "lib/apk/db/installed").write_text("")
    (root / "etc/apk/world").write_text("")
    return repo, root


@pytest.fixture
def recorder(tmp_path):
    """An "apk" that logs its argv, pid, environment, cwd, umask and open fds, then runs the
    test double (by exec, so the pid stays the same)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    log = tmp_path / "apk-calls.jsonl"
    script = directory / "apk"
    script.write_text(
        f"""#!/usr/bin/python3 -I
import json, os, sys
with open({str(log)!r}, "a") as out:
    out.write(json.dumps({{"argv": sys.argv, "pid": os.getpid(), "env": dict(os.environ),
        "cwd": os.getcwd(), "umask": os.umask(0o022),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd"))}}) + "\\n")
os.execv({APK_DOUBLE!r}, [{APK_DOUBLE!r}, *sys.argv[1:]])
"""
    )
    script.chmod(0o755)

    def calls():
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return script, calls


@pytest.fixture
def policy(tmp_path, sandbox, keys, recorder):
    """`policy(**changes) -> path`: write the helper's policy file (again)."""
    repo, root = sandbox
    path = tmp_path / "etc" / "policy.json"
    path.parent.mkdir(mode=0o755)

    def write(**changes):
        data = {
            "apk": str(recorder[0]),
            "root": str(root),
            "repositories": [str(repo)],
            "keys_dir": str(keys.dir),
            "allow_untrusted": False,
            "allow_remove": True,
            "audit_log": str(tmp_path / "log" / "audit.jsonl"),
            "audit_max_bytes": 1024 * 1024,
            **changes,
        }
        path.write_text(json.dumps(data))
        path.chmod(0o644)
        return path

    write()
    return write


def helper_env(policy_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUDO_", "DOAS_", "PKEXEC_"))}
    return {**env, POLICY_ENV: str(policy_path), **extra}


def run_helper(args, policy_path, pass_fds=(), env=None, command=(str(HELPER),),
               preexec_fn=None):  # fmt: skip
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, pass_fds=pass_fds,
        env=env or helper_env(policy_path), stdin=subprocess.DEVNULL, preexec_fn=preexec_fn,
    )  # fmt: skip


def audit_entries(tmp_path, suffix="", name="audit.jsonl"):
    path = tmp_path / "log" / f"{name}{suffix}"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def refusal_entries(tmp_path, suffix=""):
    return audit_entries(tmp_path, suffix, "audit.refused.jsonl")


def options(sandbox, keys, **changes):
    repo, root = sandbox
    return ApkOptions(command=(), root=str(root), repositories=(str(repo),),
                      keys_dir=str(keys.dir), **changes)  # fmt: skip


def snapshot(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_install_end_to_end_with_progress_and_audit(policy, sandbox, keys, recorder, tmp_path):
    _, root = sandbox
    read_fd, write_fd = os.pipe()
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], progress_fd=write_fd)
    try:
        result = run_helper(argv, policy(), pass_fds=(write_fd,))
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as progress:
            lines = progress.read().decode().split()
    finally:
        for fd in (read_fd, write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    assert result.returncode == 0, result.stderr
    assert "Installing py3-demo (1.0-r0)" in result.stdout
    assert installed_versions(root) == {"py3-demo": "1.0-r0", "py3-demolib": "2.0-r0"}
    assert lines and lines[-1].split("/")[0] == lines[-1].split("/")[1]  # "done/total", done

    [call] = recorder[1]()
    assert call["argv"] == [str(recorder[0]), *argv]  # rebuilt, and equal to what was asked
    assert call["env"] == {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    assert (call["cwd"], call["umask"]) == ("/", 0o022)
    # 0-2, the progress pipe, and the recorder's own listdir/log handles only.
    assert write_fd in call["fds"] and len(call["fds"]) <= 6

    started, done = audit_entries(tmp_path)
    assert started["result"] == "started" and done["result"] == "done"
    assert done["exit_code"] == 0
    for entry in (started, done):
        assert entry["action"] == "add"
        assert entry["packages"] == ["py3-demo"]
        assert entry["repositories"] == [str(sandbox[0])]
        assert entry["user"] and entry["time"]


@pytest.mark.parametrize("allow_untrusted", [False, True])
@pytest.mark.parametrize("progress", [False, True])
@pytest.mark.parametrize("simulate", [False, True])
@pytest.mark.parametrize("action", ["install", "upgrade", "remove", "repair"])
def test_every_argv_the_server_builds_is_accepted_verbatim(
    policy, sandbox, keys, recorder, action, simulate, progress, allow_untrusted
):
    """The contract between apkcli.build_argv and the helper: every shape is accepted and
    passed on unchanged (apart from argv[0])."""
    path = policy(allow_untrusted=allow_untrusted)
    fds = os.pipe() if progress else (None, None)
    try:
        argv = build_argv(
            options(sandbox, keys, allow_untrusted=allow_untrusted, wait=3), action,
            ["py3-demo", "py3-demolib=2.0-r0"], simulate=simulate, progress_fd=fds[1],
        )  # fmt: skip
        result = run_helper(argv, path, pass_fds=() if fds[1] is None else (fds[1],))
    finally:
        for fd in fds:
            if fd is not None:
                os.close(fd)
    assert "refused" not in result.stderr
    if action in ("remove", "repair"):  # apk's own answer: neither is installed
        assert result.returncode in (1, 2) and "No such package: py3-demo" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
    [call] = recorder[1]()
    assert call["argv"] == [str(recorder[0]), *argv]


def test_failures_pass_through_with_apk_exit_status(policy, sandbox, keys, tmp_path):
    argv = build_argv(options(sandbox, keys), "install", ["py3-nosuchpkg"])
    result = run_helper(argv, policy())
    assert result.returncode == 1
    assert "unable to select packages" in result.stderr
    assert [(e["result"], e.get("exit_code")) for e in audit_entries(tmp_path)] == [
        ("started", None), ("failed", 1)
    ]  # fmt: skip


def hostile_cases():
    """(id, how to change the server's argv for `add py3-demo`, policy changes)."""

    def packages(*names):
        return lambda argv, repo: [*argv[: argv.index("--") + 1], *names]

    def options_(*words):
        return lambda argv, repo: [*argv[: argv.index("--")], *words, *argv[argv.index("--") :]]

    def replace(old, new):
        return lambda argv, repo: [new if w == old else w for w in argv]

    def value(option, new):
        return lambda argv, repo: [
            *argv[: argv.index(option) + 1], new, *argv[argv.index(option) + 2 :]
        ]  # fmt: skip

    return [
        ("allow-untrusted-as-package", packages("--allow-untrusted"), {}),
        ("X-as-package", packages("-X", "http://evil"), {}),
        ("option-as-package", packages("py3-demo", "--root=/"), {}),
        ("semicolon", packages("py3-demo;rm"), {}),
        ("space", packages("py3-demo rm"), {}),
        ("dotdot", packages("../../etc/passwd"), {}),
        ("slash", packages("py3/demo"), {}),
        ("newline", packages("py3-demo\n--allow-untrusted"), {}),
        ("version-injection", packages("py3-demo=$(id)"), {}),
        ("version-with-space", packages("py3-demo=1.0 -X"), {}),
        ("version-tail-past-128", packages("py3-demo=" + "1" * 128 + " bar/../;$(id)"), {}),
        ("version-too-long", packages("py3-demo=" + "1" * 129), {}),
        ("leading-symbol", packages("-py3-demo"), {}),
        ("local-apk-file", packages("evil.apk"), {}),
        ("local-apk-file-inside", packages("py3-demo.apkx"), {}),
        ("too-long", packages("p" * 129), {}),
        ("no-packages", packages(), {}),
        ("too-many-packages", packages(*["py3-demo"] * 1001), {}),
        ("no-double-dash", lambda argv, repo: [w for w in argv if w != "--"], {}),
        ("repository-not-allowed", options_("-X", "http://evil"), {}),
        ("repository-with-space", options_("-X", "{repo} x"), {}),
        ("repository-glued", options_("-Xhttp://evil"), {}),
        ("repository-long-option", options_("--repository", "http://evil"), {}),
        ("repository-dash", options_("-X", "-http://evil"), {}),
        ("repository-relative", options_("-X", "evil"), {}),
        ("repository-dotdot-under-prefix", options_("-X", "{repo}/../../evil"), {"prefix": True}),
        ("repository-percent-under-prefix", options_("-X", "{repo}/%2e%2e/evil"), {"prefix": True}),
        ("repository-sibling-of-exact", options_("-X", "{repo}-evil"), {}),
        ("unknown-option", options_("--no-scripts"), {}),
        ("initdb", options_("--initdb"), {}),
        ("arch", options_("--arch", "x86"), {}),
        ("short-root", options_("-p", "/"), {}),
        ("root-glued", options_("--root=/"), {}),
        ("root-not-policy", value("--root", "/"), {}),
        ("root-twice", options_("--root", "/"), {}),
        ("keys-dir-not-policy", value("--keys-dir", "/tmp/evil"), {}),
        ("repositories-file", value("--repositories-file", "/etc/apk/repositories"), {}),
        ("allow-untrusted-not-allowed", options_("--allow-untrusted"), {}),
        ("wait-too-long", value("--wait", "601"), {}),
        ("wait-negative", value("--wait", "-1"), {}),
        ("wait-not-a-number", value("--wait", "1e3"), {}),
        ("progress-fd-stdout", options_("--progress-fd", "1"), {}),
        ("progress-fd-stderr", options_("--progress-fd", "2"), {}),
        ("progress-fd-not-open", options_("--progress-fd", "987"), {}),
        ("progress-fd-negative", options_("--progress-fd", "-3"), {}),
        ("missing-value", options_("--progress-fd"), {}),
        ("action-info", replace("add", "info"), {}),
        ("fix-with-upgrade", lambda argv, repo: ["fix", *argv[1 : argv.index("--")],
                                                 "--upgrade", *argv[argv.index("--") :]], {}),
        ("action-option-first", lambda argv, repo: ["--allow-untrusted", *argv], {}),
        ("empty", lambda argv, repo: [], {}),
        ("del-not-allowed", lambda argv, repo: ["del", "--root", argv[2], "--no-cache",
                                                "--repositories-file", "/dev/null",
                                                "--wait", "1", "--", "py3-demo"],
         {"allow_remove": False}),  # fmt: skip
        ("del-with-repository", lambda argv, repo: ["del", "--root", argv[2], "--no-cache",
                                                    "--repositories-file", "/dev/null",
                                                    "-X", repo, "--wait", "1", "--", "py3-demo"],
         {}),  # fmt: skip
        # del reads the root's repositories file too (and fetches from it without a cache).
        ("del-roots-repositories", lambda argv, repo: ["del", "--root", argv[2], "--no-cache",
                                                       "--wait", "1", "--", "py3-demo"], {}),
        ("del-repositories-file", lambda argv, repo: [
            "del", "--root", argv[2], "--no-cache", "--repositories-file",
            "/etc/apk/repositories", "--wait", "1", "--", "py3-demo"], {}),  # fmt: skip
    ]


@pytest.mark.parametrize(("change", "policy_changes"),
                         [case[1:] for case in hostile_cases()],
                         ids=[case[0] for case in hostile_cases()])  # fmt: skip
def test_hostile_requests_are_refused_and_nothing_runs(
    policy, sandbox, keys, recorder, tmp_path, change, policy_changes
):
    repo, root = sandbox
    policy_changes = dict(policy_changes)
    if policy_changes.pop("prefix", False):
        policy_changes["repositories"] = [str(repo.parent) + "/"]
    path = policy(**policy_changes)
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"])
    argv = [word.replace("{repo}", str(repo)) for word in change(argv, str(repo))]
    before = snapshot(root)

    result = run_helper(argv, path)

    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("apk-helper: refused: ")
    assert result.stdout == ""
    assert recorder[1]() == []  # apk never started
    assert snapshot(root) == before
    assert audit_entries(tmp_path) == []
    [entry] = refusal_entries(tmp_path)
    assert (entry["result"], entry["count"]) == ("refused", 1)
    assert entry["reason"] == line.removeprefix("apk-helper: refused: ")


def test_the_same_request_is_accepted_under_a_prefix_policy(policy, sandbox, keys, recorder):
    """The control for the prefix cases above: a repository under an allowed prefix is fine."""
    repo, _ = sandbox
    path = policy(repositories=[str(repo.parent) + "/"])
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    assert run_helper(argv, path).returncode == 0
    assert len(recorder[1]()) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"allow_untrusted": "yes"}, "must be a bool"),
        ({"apk": "apk"}, "must be an absolute path"),
        ({"repositories": ["http://ok", "-X"]}, "starts with '-'"),
        ({"surprise": True}, "must be an object with keys"),
        ({"audit_max_bytes": 10}, "at least 1024"),
    ],
)
def test_a_bad_policy_refuses_everything(policy, sandbox, keys, recorder, change, message):
    path = policy(**change)
    result = run_helper(build_argv(options(sandbox, keys), "install", ["py3-demo"]), path)
    assert result.returncode == 2
    assert message in result.stderr
    assert recorder[1]() == []


def test_policy_apk_and_keys_must_not_be_writable_by_others(policy, sandbox, keys, recorder):
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    path = policy()
    path.chmod(0o666)
    assert "must be owned by root" in run_helper(argv, path).stderr
    path.chmod(0o644)
    path.parent.chmod(0o777)
    assert "must be owned by root" in run_helper(argv, path).stderr
    path.parent.chmod(0o755)
    recorder[0].chmod(0o775)
    result = run_helper(argv, path)
    assert result.returncode == 2
    assert "must be owned by root" in result.stderr
    assert recorder[1]() == []
    recorder[0].chmod(0o755)
    key = next(keys.dir.iterdir())
    for target in (keys.dir, key):
        mode = target.stat().st_mode & 0o777
        target.chmod(mode | 0o002)
        try:
            assert "must be owned by root" in run_helper(argv, path).stderr
        finally:
            target.chmod(mode)
    assert run_helper(argv, path).returncode == 0
    assert len(recorder[1]()) == 1


NOBODY = 65534


def planted_cases():
    """(id, how a notebook user could have prepared the paths, what the refusal names)."""

    def chown(which):
        return lambda repo, keys_dir, tmp: (os.chown(which(repo, keys_dir), NOBODY, NOBODY), {})[1]

    def chmod(which, mode):
        return lambda repo, keys_dir, tmp: (which(repo, keys_dir).chmod(mode), {})[1]

    def link_to_users_directory(repo, keys_dir, tmp):
        users = tmp / "home" / "user"
        users.mkdir(parents=True)
        os.chown(users, NOBODY, NOBODY)
        shutil.move(repo, users / "repo")
        repo.symlink_to(users / "repo")
        return {}

    def missing_under_sticky(repo, keys_dir, tmp):
        open_dir = tmp / "open"
        open_dir.mkdir()
        open_dir.chmod(0o1777)
        return {"repositories": [str(repo), str(open_dir / "not-yet")]}

    def under_prefix(repo, keys_dir, tmp):
        os.chown(repo, NOBODY, NOBODY)
        return {"repositories": [f"{repo.parent}/"]}

    return [
        ("repository-owned-by-user", chown(lambda r, k: r), "{repo}"),
        ("repository-parent-owned-by-user", chown(lambda r, k: r.parent), "{repo.parent}"),
        ("repository-parent-group-writable", chmod(lambda r, k: r.parent, 0o775), "{repo.parent}"),
        ("repository-link-to-users-directory", link_to_users_directory, "{tmp}/home/user"),
        ("repository-missing-under-sticky-directory", missing_under_sticky, "{tmp}/open"),
        ("requested-repository-under-prefix-owned-by-user", under_prefix, "{repo}"),
        ("keys-parent-owned-by-user", chown(lambda r, k: k.parent), "{keys_dir.parent}"),
        ("keys-grandparent-writable", chmod(lambda r, k: k.parent.parent, 0o777),
         "{keys_dir.parent.parent}"),
    ]  # fmt: skip


@pytest.mark.parametrize(("plant", "named"), [case[1:] for case in planted_cases()],
                         ids=[case[0] for case in planted_cases()])  # fmt: skip
def test_a_local_repository_or_keys_not_root_owned_all_the_way_up_is_refused(
    policy, sandbox, keys, recorder, tmp_path, plant, named
):
    """A notebook user who owns (or may write) a directory on the way to a local repository
    or to the keys could plant packages or swap the keys: refused, and apk never runs."""
    repo, _ = sandbox
    keys_dir = tmp_path / "trusted" / "etc" / "keys"
    shutil.copytree(keys.dir, keys_dir)
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    argv[argv.index(str(keys.dir))] = str(keys_dir)
    assert run_helper(argv, policy(keys_dir=str(keys_dir))).returncode == 0  # the control
    changes = plant(repo, keys_dir, tmp_path)

    result = run_helper(argv, policy(keys_dir=str(keys_dir), **changes))
    assert result.returncode == 2
    assert "must be owned by root and writable by its owner only" in result.stderr
    culprit = named.format(repo=repo, keys_dir=keys_dir, tmp=tmp_path)
    assert f"apk-helper: refused: {culprit} (on the way to" in result.stderr
    assert len(recorder[1]()) == 1  # the control's run only


# -- the shared cache (ApkManager.shared_cache_dir, the policy's cache_dir) ---------------------


@pytest.fixture
def shared_cache(tmp_path):
    cache = tmp_path / "apk-cache"
    cache.mkdir(mode=0o755)
    return cache


@pytest.mark.parametrize("simulate", [False, True])
@pytest.mark.parametrize("action", ["install", "upgrade", "remove"])
def test_the_policys_shared_cache_is_accepted_verbatim(
    policy, sandbox, keys, recorder, shared_cache, action, simulate
):
    path = policy(cache_dir=str(shared_cache))
    argv = build_argv(options(sandbox, keys, cache_dir=str(shared_cache)), action, ["py3-demo"],
                      simulate=simulate)  # fmt: skip
    result = run_helper(argv, path)
    assert "refused" not in result.stderr
    [call] = recorder[1]()
    assert call["argv"] == [str(recorder[0]), *argv]


@pytest.mark.parametrize(
    ("cache_option", "policy_cache", "message"),
    [
        ("elsewhere", "shared", "is not the policy's"),
        ("shared", "", "is not the policy's"),
        ("none, update", "shared", "--update-cache needs --cache-dir"),
        ("both", "shared", "exactly one of --no-cache and --cache-dir"),
        ("neither", "shared", "exactly one of --no-cache and --cache-dir"),
        ("shared", "writable", "must be owned by root"),
    ],
)
def test_a_cache_other_than_the_policys_root_owned_one_is_refused(
    policy, sandbox, keys, recorder, shared_cache, tmp_path, cache_option, policy_cache, message
):
    if policy_cache == "writable":
        shared_cache.chmod(0o777)
    path = policy(cache_dir="" if not policy_cache else str(shared_cache))
    argv = build_argv(options(sandbox, keys, cache_dir=str(shared_cache)), "install", ["py3-demo"])
    cache_at = argv.index("--cache-dir")
    replacement = {
        "elsewhere": ["--cache-dir", str(tmp_path)],
        "shared": argv[cache_at : cache_at + 2],
        "none, update": ["--no-cache"],
        "both": ["--no-cache", *argv[cache_at : cache_at + 2]],
        "neither": [],
    }[cache_option]
    argv[cache_at : cache_at + 2] = replacement
    result = run_helper(argv, path)
    assert result.returncode == 2
    assert message in result.stderr
    assert recorder[1]() == []


@pytest.mark.parametrize("marker", ["SUDO_USER", "SUDO_UID", "DOAS_USER", "PKEXEC_UID"])
def test_policy_override_is_ignored_when_privileged(policy, sandbox, keys, recorder, marker):
    """Under sudo (or doas, pkexec) the helper reads only /etc/jupyterlab-apk/policy.json."""
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    result = run_helper(argv, policy(), env=helper_env(policy(), **{marker: "1000"}))
    if Path("/etc/jupyterlab-apk/policy.json").exists():
        pytest.skip("a real policy is installed here")
    assert result.returncode == 2
    assert "/etc/jupyterlab-apk/policy.json" in result.stderr
    assert recorder[1]() == []


def test_the_audit_user_is_the_sudo_user_only_under_sudo(monkeypatch):
    import pwd

    helper = load_helper()
    me = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.delenv("SUDO_UID", raising=False)
    monkeypatch.setenv("SUDO_USER", "mallory")  # without sudo's SUDO_UID: not trusted
    assert helper.caller() == me
    monkeypatch.setenv("SUDO_UID", "1000")
    assert helper.caller() == "mallory"


def test_audit_log_is_bounded(policy, sandbox, keys, tmp_path):
    path = policy(audit_max_bytes=2048)
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    for _ in range(6):
        assert run_helper(argv, path).returncode == 0
    current, rotated = tmp_path / "log/audit.jsonl", tmp_path / "log/audit.jsonl.1"
    assert rotated.exists()
    assert 0 < current.stat().st_size <= 2048 and 0 < rotated.stat().st_size <= 2048
    entries = audit_entries(tmp_path, ".1") + audit_entries(tmp_path)
    assert [e["result"] for e in entries[-2:]] == ["started", "done"]  # the newest is kept
    assert not (tmp_path / "log/audit.jsonl.2").exists()
    assert current.stat().st_mode & 0o777 == 0o640


def test_a_flood_of_refusals_never_pushes_runs_out_of_the_audit_log(
    policy, sandbox, keys, tmp_path
):
    """Refusals cost the caller nothing: they are logged short, merged per user, and kept
    apart from the runs, whose entries survive any number of them."""
    path = policy(audit_max_bytes=2048)
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    assert run_helper(argv, path).returncode == 0
    runs = audit_entries(tmp_path)
    hostile = ["add", *[f"--{'x' * 198}" for _ in range(50)], "--", "py3-demo"]
    for _ in range(12):
        assert run_helper(hostile, path).returncode == 2
    assert run_helper(["add", "--", "other"], path).returncode == 2

    assert audit_entries(tmp_path) == runs and [e["result"] for e in runs] == ["started", "done"]
    refusals = refusal_entries(tmp_path, ".1") + refusal_entries(tmp_path)
    assert sum(e["count"] for e in refusals) == 13
    assert len(refusals) <= 3  # merged (a pause of a minute starts a new entry)
    assert refusals[0]["argc"] == 53 and len(refusals[0]["argv"]) == 8
    assert all(len(json.dumps(e)) < 1024 for e in refusals)
    assert refusals[-1]["last"] >= refusals[-1]["time"]


def test_audit_entries_also_go_to_syslog_when_the_policy_says_so(monkeypatch, tmp_path):
    helper = load_helper()
    sent = []
    monkeypatch.setattr(helper.syslog, "openlog", lambda *args: None)
    monkeypatch.setattr(helper.syslog, "syslog", lambda priority, text: sent.append(
        (priority, json.loads(text))))  # fmt: skip
    policy = {**helper.DEFAULTS, "audit_log": str(tmp_path / "log" / "audit.jsonl")}
    helper.audit_refusal(policy, "no", ["add"])
    assert sent == []
    policy["audit_syslog"] = True
    helper.audit_refusal(policy, "no", ["add"])
    helper.audit(policy, {"result": "started"})
    assert [(priority, entry["result"]) for priority, entry in sent] == [
        (helper.syslog.LOG_WARNING, "refused"), (helper.syslog.LOG_NOTICE, "started")
    ]  # fmt: skip


@pytest.mark.parametrize("closed", ["0<&-", "1>&-", "2>&-", "0<&- 1>&- 2>&-"])
def test_apk_always_gets_stdin_stdout_and_stderr(policy, sandbox, keys, recorder, closed):
    """Closed standard descriptors are reopened on /dev/null, so that nothing apk opens as
    root can take their numbers."""
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    command = f'exec "$0" "$@" {closed}'
    result = subprocess.run(["sh", "-c", command, str(HELPER), *argv], env=helper_env(policy()),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    [call] = recorder[1]()
    assert {0, 1, 2} <= set(call["fds"])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("trap", ["symlink", "hardlink", "open-directory"])
def test_the_audit_log_is_never_written_through_a_trap(
    policy, sandbox, keys, recorder, tmp_path, trap
):
    """A run that cannot be audited does not happen, and the trap's target is untouched."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    log_dir = tmp_path / "log"
    log_dir.mkdir(mode=0o750)
    if trap == "symlink":
        (log_dir / "audit.jsonl").symlink_to(victim)
    elif trap == "hardlink":
        os.link(victim, log_dir / "audit.jsonl")
    else:
        log_dir.chmod(0o777)
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    result = run_helper(argv, policy())
    assert result.returncode == 2
    assert "apk-helper: refused: cannot write the audit log" in result.stderr
    assert recorder[1]() == []
    assert victim.read_text() == "precious\n"


# -- the process state apk starts with --------------------------------------------------------


@pytest.fixture
def state_recorder(tmp_path):
    """An "apk" (a shell, which keeps the signal state it is given, unlike Python) that saves its
    /proc status and limits and its niceness, with builtins only (a shell waiting for a child
    blocks signals), then runs the test double."""
    log = tmp_path / "apk-state"
    script = tmp_path / "state-bin" / "apk"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        "for f in status limits; do\n"
        f"  while IFS= read -r l; do echo \"$l\"; done < /proc/$$/$f\n"
        f"done > {log}\n"
        f"nice19() {{ echo \"${{19}}\"; }}; read -r stat < /proc/$$/stat; nice19 $stat >> {log}\n"
        f"exec {APK_DOUBLE} \"$@\"\n"
    )  # fmt: skip
    script.chmod(0o755)
    return script, log


def hostile_process_state():
    """What a notebook user can hand down through sudo (run in the child before exec)."""
    import resource

    for sig in (signal.SIGCHLD, signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGUSR2, signal.SIGQUIT})
    for limit, soft in ((resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_MEMLOCK, 0),
                        (resource.RLIMIT_FSIZE, 1024 * 1024), (resource.RLIMIT_CORE, 2**30)):
        resource.setrlimit(limit, (soft, resource.getrlimit(limit)[1]))
    os.nice(10)


def test_apk_starts_from_a_clean_process_state(policy, sandbox, keys, state_recorder, tmp_path):
    """Ignored signals (SIGCHLD included), a signal mask, low limits and niceness stay with the
    caller: apk gets default signals, the helper's fixed limits and priority 0, and the end of
    the run is audited."""
    script, log = state_recorder
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"])
    result = run_helper(argv, policy(apk=str(script)), preexec_fn=hostile_process_state)
    assert result.returncode == 0, result.stderr
    assert [e["result"] for e in audit_entries(tmp_path)] == ["started", "done"]

    text = log.read_text()
    status = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
    assert int(status["SigIgn"], 16) == 0 and int(status["SigBlk"], 16) == 0
    assert text.splitlines()[-1] == "0"  # niceness
    soft = {line[:26].strip(): line[26:].split()[0] for line in text.splitlines()
            if line.startswith("Max ")}  # fmt: skip
    helper = load_helper()
    for name, row in (("RLIMIT_NOFILE", "Max open files"), ("RLIMIT_MEMLOCK", "Max locked memory"),
                      ("RLIMIT_FSIZE", "Max file size"), ("RLIMIT_CORE", "Max core file size")):
        value = helper.LIMITS[getattr(helper.resource, name)]
        assert soft[row] == ("unlimited" if value == helper.INFINITY else str(value)), row


def can_raise_hard_limits() -> bool:
    command = ("import resource as r; r.setrlimit(r.RLIMIT_FSIZE, (1, 1)); "
               "r.setrlimit(r.RLIMIT_FSIZE, (r.RLIM_INFINITY, r.RLIM_INFINITY))")  # fmt: skip
    return subprocess.run([sys.executable, "-c", command], capture_output=True).returncode == 0


def test_a_lowered_hard_limit_is_raised_or_the_run_refused(
    policy, sandbox, keys, state_recorder, tmp_path
):
    import resource

    def low_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    script, log = state_recorder
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"])
    result = run_helper(argv, policy(apk=str(script)), preexec_fn=low_file_size)
    if can_raise_hard_limits():  # root with CAP_SYS_RESOURCE
        assert result.returncode == 0, result.stderr
        assert "Max file size             unlimited" in log.read_text()
    else:  # as in a container without CAP_SYS_RESOURCE: apk must not run half-limited
        assert result.returncode == 2 and not log.exists()
        assert "hard RLIMIT_FSIZE is below" in result.stderr


def test_cancel_is_forwarded_to_apk(policy, sandbox, keys, recorder, tmp_path):
    """SIGTERM to the helper (what the server's cancel sends through sudo) stops apk too."""
    repo, root = sandbox
    argv = build_argv(options(sandbox, keys, wait=30), "install", ["py3-demo"])
    with apk_lock(root):
        process = subprocess.Popen(
            [str(HELPER), *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=helper_env(policy()), text=True,
        )  # fmt: skip
        try:
            assert "Waiting for repository lock" in process.stdout.readline()
            apk_pid = recorder[1]()[0]["pid"]
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == -signal.SIGTERM
        finally:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{apk_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{apk_pid}").exists()
    assert installed_versions(root) == {}
    assert [(e["result"], e.get("signal")) for e in audit_entries(tmp_path)] == [
        ("started", None), ("killed", signal.SIGTERM)
    ]  # fmt: skip


# -- isolation: the helper never runs code a notebook user can write ---------------------------


def test_helper_imports_the_standard_library_only():
    tree = ast.parse(HELPER.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported and imported <= sys.stdlib_module_names
    assert "jupyterlab_apk" not in HELPER.read_text().replace("jupyterlab_apk.", "")
    assert HELPER.read_text().startswith("#!/usr/bin/python3 -I\n")
    assert os.access(HELPER, os.X_OK)


def test_user_modules_are_never_imported(policy, sandbox, keys, tmp_path):
    """PYTHONPATH, PYTHONSTARTUP, modules beside the script or in the working directory: all
    ignored (isolated mode), so a planted json.py or jupyterlab_apk cannot run as root."""
    planted = tmp_path / "planted"
    planted.mkdir()
    marker = tmp_path / "PWNED"
    evil = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\nraise SystemExit(99)\n"
    for name in ("json.py", "re.py", "signal.py", "sitecustomize.py", "usercustomize.py"):
        (planted / name).write_text(evil)
    (planted / "jupyterlab_apk").mkdir()
    (planted / "jupyterlab_apk" / "__init__.py").write_text(evil)
    copy = planted / "apk-helper"
    shutil.copy2(HELPER, copy)

    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    env = helper_env(policy(), PYTHONPATH=str(planted), PYTHONSTARTUP=str(planted / "json.py"),
                     PYTHONHOME=str(planted), PYTHONINSPECT="1")  # fmt: skip
    result = subprocess.run([str(copy), *argv], capture_output=True, text=True, env=env,
                            cwd=planted, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_helper_refuses_to_run_outside_isolated_mode(policy, sandbox, keys, recorder):
    argv = build_argv(options(sandbox, keys), "install", ["py3-demo"], simulate=True)
    result = run_helper(argv, policy(), command=("/usr/bin/python3", str(HELPER)))
    assert result.returncode == 2
    assert "isolated mode" in result.stderr
    assert recorder[1]() == []


# -- the helper's grammar is the server's ------------------------------------------------------


def test_package_name_grammar_is_the_servers():
    assert load_helper().NAME_RE.pattern == PACKAGE_NAME_RE.pattern


@pytest.mark.parametrize(
    "version",
    ["1", "1.0", "1.0-r0", "2.2.0-r1", "1.1.1w-r3", "1.0_rc1", "1.0_alpha_beta2", "1.0_git2024",
     "1.0_p", "1.0~abc123", "1.0~abc123-r2", "0.0.0_git20240101~deadbeef-r10", "",
     "a1", "1.", "1..0", "1.0-r", "1.0_x", "1.0_pa", "1.0~", "1.0~ABC", "1.0ab", "1.0-r1-r2",
     "1.0 ", "1.0;x", "1.0_rc1a", "1a.1", "-1", "1.0-1"],
)  # fmt: skip
def test_version_grammar_is_the_servers(version):
    assert bool(load_helper().VERSION_RE.fullmatch(version)) == is_valid(version)


@pytest.mark.parametrize(
    ("version", "accepted"),
    [("1" * 128, True), ("1" * 129, False), ("1" * 128 + " bar/../;$(id)", False),
     ("1" * 127 + ";", False), ("1.0" + "-r1" * 50, False)],
)  # fmt: skip
def test_the_whole_version_is_checked_within_a_length_limit(version, accepted):
    helper = load_helper()
    assert helper.valid_package(f"py3-demo={version}") == accepted


@pytest.mark.parametrize(
    "url",
    ["https://dl-cdn.alpinelinux.org/alpine/v3.22/main", "http://127.0.0.1:8080/repo",
     "file:///srv/repo", "/srv/repo", "/", "-X", "", "http://", "ftp://x/y", "relative/path",
     "/srv/re po", "/srv/repo\n", "https://x/a\tb"],
)  # fmt: skip
def test_repository_rules_are_at_least_as_strict_as_the_servers(url):
    helper = load_helper()
    try:
        helper.check_url(url)
    except helper.Refused:
        return
    check_repository_url(url)  # whatever the helper accepts, the server accepts


def test_repair_without_names_runs_apk_fix_on_every_package_in_error(
    policy, sandbox, keys, recorder, tmp_path
):
    argv = build_argv(options(sandbox, keys), "repair", [])
    assert argv[argv.index("--") :] == ["--"]
    result = run_helper(argv, policy())
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    [call] = recorder[1]()
    assert call["argv"] == [str(recorder[0]), *argv]
    assert [(e["action"], e["result"]) for e in audit_entries(tmp_path)] == [
        ("fix", "started"), ("fix", "done")
    ]  # fmt: skip
