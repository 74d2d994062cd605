"""apk's command line as data: validation, argv, and the outputs recorded in apk-cli.md."""

import pytest

from jupyterlab_apk.apkcli import (
    ApkOptions,
    RequestError,
    Step,
    build_argv,
    check_package,
    explain,
    parse_plan,
    parse_progress,
    parse_step,
    parse_summary,
)

OPTIONS = ApkOptions(
    command=("sudo", "-n", "/usr/libexec/apk-helper"),
    root="/",
    repositories=("https://mirror/alpine/v3.22/main", "/srv/repo"),
    keys_dir="/etc/apk/keys",
)


@pytest.mark.parametrize(
    "spec",
    [
        "py3-numpy", "py3-numpy=2.2.4-r1", "7zip", "g++", "py3-ruamel.yaml", "a",
        "py3-a_b=1.0_rc1-r2",
    ],  # fmt: skip
)
def test_valid_packages(spec):
    assert check_package(spec) == spec


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "--allow-untrusted",
        "-X",
        "-Xhttp://evil",
        "numpy;rm -rf /",
        "a b",
        "../etc/passwd",
        "py3-numpy\x00",
        "py3-numpy\n",
        "$(reboot)",
        "`id`",
        "so:libc.musl-x86_64.so.1",
        "py3-numpy=not a version",
        "py3-numpy=",
        "x" * 129,
        "ünicode",
        "evil.apk",  # apk would read it as a local package file
        "py3-hello.apkfoo",
        None,
        ["py3-numpy"],
    ],
)
def test_hostile_or_invalid_packages_are_refused(spec):
    with pytest.raises(RequestError):
        check_package(spec)


def test_install_argv():
    argv = build_argv(OPTIONS, "install", ["py3-numpy", "py3-pandas=2.2.3-r0"], progress_fd=7)
    assert argv == [
        "sudo", "-n", "/usr/libexec/apk-helper", "add", "--root", "/", "--no-cache",
        "--repositories-file", "/dev/null", "--keys-dir", "/etc/apk/keys",
        "-X", "https://mirror/alpine/v3.22/main", "-X", "/srv/repo",
        "--wait", "10", "--progress-fd", "7", "--", "py3-numpy", "py3-pandas=2.2.3-r0",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("action", "kwargs", "present", "absent"),
    [
        ("install", {"simulate": True}, ["--simulate"], ["--upgrade", "--progress-fd"]),
        ("upgrade", {}, ["add", "--upgrade"], ["--simulate"]),
        ("remove", {}, ["del", "--repositories-file"], ["-X", "--keys-dir"]),
    ],
)
def test_argv_variants(action, kwargs, present, absent):
    argv = build_argv(OPTIONS, action, ["py3-numpy"], **kwargs)
    assert all(flag in argv for flag in present)
    assert not any(flag in argv for flag in absent)
    assert argv[-2:] == ["--", "py3-numpy"]


@pytest.mark.parametrize(
    ("action", "simulate", "expected"),
    [
        ("install", False, ["--cache-dir", "/srv/apk-cache", "--update-cache"]),
        ("upgrade", False, ["--cache-dir", "/srv/apk-cache", "--update-cache"]),
        ("remove", False, ["--cache-dir", "/srv/apk-cache"]),
        # A simulation fills no cache: with an empty one, apk would find no package at all.
        ("install", True, ["--no-cache"]),
    ],
)
def test_a_shared_cache_replaces_no_cache(action, simulate, expected):
    options = ApkOptions(("apk",), "/", ("/srv/repo",), "/keys", cache_dir="/srv/apk-cache")
    argv = build_argv(options, action, ["py3-numpy"], simulate=simulate)
    assert [flag for flag in argv if "cache" in flag] == expected
    assert argv[-2:] == ["--", "py3-numpy"]


def test_untrusted_policy_adds_the_flag():
    options = ApkOptions(("apk",), "/", ("/srv/repo",), "/keys", allow_untrusted=True)
    assert "--allow-untrusted" in build_argv(options, "install", ["x"])


@pytest.mark.parametrize(
    ("repository", "message"),
    [
        ("-X http://evil", "starts with '-'"),
        ("http://mirror/a b", "whitespace"),
        ("relative/repo", "not an absolute path"),
        ("ftp://mirror/alpine", "not an absolute path"),
    ],
)
def test_bad_repositories_never_reach_argv(repository, message):
    options = ApkOptions(("apk",), "/", (repository,), "/keys")
    with pytest.raises(RequestError, match=message):
        build_argv(options, "install", ["py3-numpy"])


@pytest.mark.parametrize(
    ("action", "packages"), [("install", []), ("frobnicate", ["x"]), ("install", ["-q"])]
)
def test_bad_requests(action, packages):
    with pytest.raises(RequestError):
        build_argv(OPTIONS, action, packages)


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ("(1/2) Installing py3-demolib (2.0-r0)", Step("install", "py3-demolib", "2.0-r0")),
        ("(1/1) Upgrading py3-demo (1.0-r0 -> 1.1-r0)",
         Step("upgrade", "py3-demo", "1.1-r0", "1.0-r0")),
        ("(1/1) Downgrading py3-demo (1.1-r0 -> 1.0-r0)",
         Step("downgrade", "py3-demo", "1.0-r0", "1.1-r0")),
        ("(1/2) Purging py3-demo (1.0-r0)", Step("remove", "py3-demo", "1.0-r0")),
        ("OK: 0 MiB in 2 packages", None),
        ("fetch http://127.0.0.1:8000/x86_64/APKINDEX.tar.gz", None),
        ("Installing py3-demo (1.0-r0)", None),
        ("(1/1) Reinstalling py3-script (1.0-r0)", Step("reinstall", "py3-script", "1.0-r0")),
    ],
)  # fmt: skip
def test_parse_step(line, step):
    assert parse_step(line) == step


@pytest.mark.parametrize(
    ("line", "fraction"),
    [("0/245", 0.0), ("87/245", 87 / 245), ("245/245", 1.0), ("3/4 installing", 0.75),
     ("5/0", None), ("", None), ("done", None), ("300/245", 1.0)],
)  # fmt: skip
def test_parse_progress(line, fraction):
    assert parse_progress(line) == fraction


def test_parse_plan_keeps_order():
    output = (
        "(1/2) Installing py3-demolib (2.0-r0)\n(2/2) Installing py3-demo (1.0-r0)\n"
        "OK: 0 MiB in 2 packages\n"
    )
    assert [s.name for s in parse_plan(output).steps] == ["py3-demolib", "py3-demo"]


# Outputs as recorded in apk-cli.md, read as one stream (as 2.14 and 3.0 write the error blocks).
@pytest.mark.parametrize(
    ("output", "rc", "kinds", "fragment"),
    [
        ("ERROR: unable to select packages:\n  nosuchpkg (no such package):\n"
         "    required by: world[nosuchpkg]\n", 1, ["no-such-package"], "nosuchpkg"),
        ("ERROR: unable to select packages:\n  py3-doesnotexist (no such package):\n"
         "    required by: py3-broken-1.0-r0[py3-doesnotexist]\n", 2,
         ["missing-dependency"], "py3-broken-1.0-r0 needs py3-doesnotexist"),
        ("WARNING: Ignoring /repo: UNTRUSTED signature\nERROR: unable to select packages:\n"
         "  py3-demo (no such package):\n    required by: world[py3-demo]\n", 1,
         ["untrusted", "no-such-package"], "/repo is not signed by a trusted key"),
        ("WARNING: opening /repo: UNTRUSTED signature\n", 1, ["untrusted"], "/repo"),
        ("WARNING: Ignoring /repo: BAD signature\n", 2, ["bad-signature"], "BAD signature"),
        ("WARNING: Ignoring http://127.0.0.1:8799: could not connect to server (check "
         "repositories file)\n", 1, ["unreachable"], "http://127.0.0.1:8799 could not be reached"),
        ("WARNING: Ignoring http://127.0.0.1/nope: No such file or directory\n", 1,
         ["repository-missing"], "http://127.0.0.1/nope"),
        ("(1/2) Installing py3-demolib (2.0-r0)\n(2/2) Installing py3-demo (1.0-r0)\n"
         "1 error; 0 MiB in 1 packages\nERROR: py3-demo-1.0-r0: BAD archive\n", 1,
         ["broken-package"], "py3-demo-1.0-r0 is damaged"),
        ("ERROR: py3-demo-1.0-r0: IO ERROR\n", 1, ["broken-package"], "damaged"),
        ("ERROR: py3-demo-1.0-r0: BAD signature\n", 1, ["bad-package-signature"],
         "changed after the index was signed"),
        ("ERROR: Unable to lock database: temporary error (try again later)\n"
         "ERROR: Failed to open apk database: temporary error (try again later)\n", 99,
         ["locked"], "holds the package database lock"),
        ("Waiting for repository lock\nERROR: Unable to lock database: Interrupted system call\n"
         "ERROR: Failed to open apk database: Interrupted system call\n", 99,
         ["locked"], "for the whole wait"),
        ("ERROR: Unable to lock database: Read-only file system\n"
         "ERROR: Failed to open apk database: Read-only file system\n", 99,
         ["read-only"], "read-only"),
        ("ERROR: Failed to create usr/lib/x: Permission denied\n"
         "ERROR: py3-demo-1.0-r0: failed to rename usr/lib/.apk.x to usr/lib/x\n", 1,
         ["write-failed"], "could not write usr/lib/x (Permission denied)"),
        ("Executing py3-script-1.0-r0.post-install\n"
         "ERROR: py3-script-1.0-r0.post-install: script exited with error 127\n", 1,
         ["script-failed"], "install script of py3-script-1.0-r0 failed"),
        ("ERROR: No such package: py3-demo\n", 1, ["not-installed"], "py3-demo is not installed"),
        ("World updated, but the following packages are not removed due to:\n"
         "  py3-demolib: py3-demo\n", 0, ["still-required"], "other installed packages"),
        ("ERROR: Unable to lock database: No space left on device\n", 99, ["no-space"], "disk"),
        ("something unexpected\n", 3, ["failed"], "exit status 3"),
        ("apk-helper: refused: repository http://evil is not allowed\n", 2, ["refused"],
         "policy refused this request: repository http://evil is not allowed"),
        ("(1/1) Installing py3-demo (1.0-r0)\nOK: 0 MiB in 1 packages\n", 0, [], None),
    ],
)  # fmt: skip
def test_explain(output, rc, kinds, fragment):
    problems = explain("", output, rc)
    assert [p.kind for p in problems] == kinds
    if fragment:
        assert any(fragment in p.message for p in problems)


def test_the_unable_to_select_block_is_read_across_the_two_streams():
    # apk 2.12: the block's first line on stderr, its entries on stdout.
    stdout = "  nosuchpkg (no such package):\n    required by: world[nosuchpkg]\n"
    problems = explain(stdout, "ERROR: unable to select packages:\n", 1)
    assert [(p.kind, p.message) for p in problems] == [
        ("no-such-package", "No repository has a package named nosuchpkg.")
    ]
    # Entry-like lines on stdout mean nothing without the block's first line somewhere.
    assert [p.kind for p in explain(stdout, "", 1)] == ["failed"]


@pytest.mark.parametrize(
    ("stdout", "summary"),
    [
        ("(1/1) Installing a (1.0-r0)\nOK: 0 MiB in 2 packages\n", (0, 2)),
        ("1 error; 0 MiB in 3 packages\n", (1, 3)),
        ("OK: 38 B in 2 packages\n", (0, 2)),  # apk 3.0 sizes
        ("2 errors; 1920 KiB in 5 packages\n", (2, 5)),
        ("ERROR: unable to select packages:\n", None),
        ("", None),
    ],
)
def test_parse_summary(stdout, summary):
    parsed = parse_summary(stdout)
    assert (parsed and (parsed.errors, parsed.packages)) == summary
