"""The verdict on one apk run (pure), on outputs as apk 2.x/3.0 write them."""

import pytest

from jupyterlab_apk.apkcli import parse_kept
from jupyterlab_apk.verdict import judge

SCRIPT = {"py3-script": "its install script failed"}
INSTALL_OTHER = "(1/1) Installing py3-other (1.0-r0)\n"
KEPT = "World updated, but the following packages are not removed due to:\n  py3-lib: py3-app\n\n"


@pytest.mark.parametrize(
    ("action", "packages", "stdout", "stderr", "rc", "before", "after", "simulated", "verdict"),
    [
        ("install", ["py3-other"], INSTALL_OTHER + "OK: 0 MiB in 1 packages\n", "", 0, {}, {},
         False, (True, [], [])),
        # The error count is the package already in error: done, with a warning.
        ("install", ["py3-other"], INSTALL_OTHER + "1 error; 38 B in 2 packages\n", "", 1,
         SCRIPT, SCRIPT, False, (True, [], ["py3-script"])),
        # A second package in error, new in this run: failed.
        ("install", ["py3-new"], "2 errors; 0 MiB in 3 packages\n",
         "ERROR: py3-new-1.0-r0.post-install: script exited with error 127\n", 2, SCRIPT,
         {**SCRIPT, "py3-new": "its install script failed"}, False,
         (False, ["script-failed"], [])),
        # Another problem besides the old error (a damaged package): failed.
        ("install", ["py3-other"], "2 errors; 0 MiB in 2 packages\n",
         "ERROR: py3-other-1.0-r0: BAD archive\n", 2, SCRIPT, SCRIPT, False,
         (False, ["broken-package"], [])),
        # The job asked for the package in error itself: its error is this job's.
        ("install", ["py3-script"], "1 error; 0 MiB in 1 packages\n", "", 1, SCRIPT, SCRIPT,
         False, (False, ["failed"], [])),
        # No closing line: nothing tells what the errors were.
        ("install", ["py3-other"], "", "", 1, SCRIPT, SCRIPT, False, (False, ["failed"], [])),
        # A repair's dry run still sees its targets in error; the repair itself must clear them.
        ("repair", [], "(1/1) Reinstalling py3-script (1.0-r0)\n1 error; 0 MiB in 1 packages\n",
         "", 1, SCRIPT, SCRIPT, True, (True, [], [])),
        ("repair", [], "(1/1) Reinstalling py3-script (1.0-r0)\n1 error; 0 MiB in 1 packages\n",
         "", 1, SCRIPT, SCRIPT, False, (False, ["failed"], [])),
        ("remove", ["py3-lib"], KEPT + "OK: 0 MiB in 2 packages\n", "", 0, {}, {}, True,
         (False, ["still-required"], [])),
        ("remove", ["py3-lib", "py3-x"], KEPT + "(1/1) Purging py3-x (1.0-r0)\nOK: 0 MiB in 2 "
         "packages\n", "", 0, {}, {}, False, (True, [], ["py3-lib was not removed"])),
        # Kept in the error state: the old error is forgiven, the removal of nothing is not.
        ("remove", ["py3-lib"], KEPT + "1 error; 0 MiB in 3 packages\n", "", 1, SCRIPT, SCRIPT,
         True, (False, ["still-required"], [])),
    ],
)  # fmt: skip
def test_judge(action, packages, stdout, stderr, rc, before, after, simulated, verdict):
    result = judge(action, packages, stdout, stderr, rc, in_error_before=before,
                   in_error_after=after, simulated=simulated)  # fmt: skip
    ok, kinds, fragments = verdict
    assert (result.ok, [p.kind for p in result.problems]) == (ok, kinds)
    assert len(result.warnings) == len(fragments)
    pairs = zip(fragments, result.warnings, strict=True)
    assert all(fragment in warning for fragment, warning in pairs)
    assert (result.error is None) == ok


def test_removal_messages_name_every_package_that_needs_it():
    stdout = ("World updated, but the following packages are not removed due to:\n"
              "  py3-wcwidth: py3-prettytable py3-a py3-b py3-c py3-d\n"
              "               py3-e\n\nOK: 0 MiB in 8 packages\n")  # fmt: skip
    [kept] = parse_kept(stdout)
    assert kept.required_by == ("py3-prettytable", "py3-a", "py3-b", "py3-c", "py3-d", "py3-e")
    result = judge("remove", ["py3-wcwidth"], stdout, "", 0, in_error_before={},
                   in_error_after={}, simulated=True)  # fmt: skip
    assert result.error == (
        "Nothing will be removed: py3-wcwidth is needed by py3-prettytable, py3-a, py3-b, "
        "py3-c, py3-d and py3-e."
    )


@pytest.mark.parametrize(
    ("packages", "installed_after", "verdict"),
    [
        (["py3-a"], set(), (True, [])),
        (["py3-a"], {"py3-a", "py3-b"}, (False, [])),  # apk said nothing, removed nothing
        (["py3-a", "py3-b"], {"py3-a"}, (True, ["py3-a is still installed after this job."])),
    ],
)
def test_a_removal_that_left_a_package_installed_says_so(packages, installed_after, verdict):
    purged = "".join(f"(1/1) Purging {name} (1.0-r0)\n" for name in packages)
    result = judge("remove", packages, purged + "OK: 0 MiB in 1 packages\n", "", 0,
                   in_error_before={}, in_error_after={},
                   installed_after=installed_after)  # fmt: skip
    assert (result.ok, result.warnings) == verdict
    if not result.ok:
        assert result.error == "Nothing was removed: apk left py3-a installed."


@pytest.mark.parametrize(
    ("packages", "stdout", "installed_after", "verdict"),
    [
        # Needed by an installed package: it only leaves the world, as before it was asked for.
        (["py3-lib"], KEPT + "OK: 0 MiB in 2 packages\n", {"py3-lib", "py3-app"}, (True, [])),
        (["py3-lib", "py3-x"], KEPT + "(1/1) Purging py3-x (1.0-r0)\nOK: 0 MiB in 2 packages\n",
         {"py3-lib", "py3-app"}, (True, [])),
        # What nothing needs must still go.
        (["py3-lib", "py3-x"], KEPT + "OK: 0 MiB in 3 packages\n",
         {"py3-lib", "py3-app", "py3-x"}, (False, [])),
    ],
)  # fmt: skip
def test_an_undo_lets_what_installed_packages_need_stay(packages, stdout, installed_after, verdict):
    result = judge("remove", packages, stdout, "", 0, in_error_before={}, in_error_after={},
                   installed_after=installed_after, required_may_stay=True)  # fmt: skip
    assert (result.ok, result.warnings) == verdict
