"""The conformance table (tests/conformance.py) in Alpine's real root: each scenario played by
Alpine's own apk (2.14.4, in the minirootfs) through privileged/apk-chroot, the way the server
runs it, against the test double. Root only (chroot), like the `alpine_root` fixture.

The minirootfs already holds Alpine's base packages: they are left out of the comparison (the
installed database, the world and the package count of the closing line), so the table
compares what each scenario itself did. Install scripts run for real here, with the root's own
`/bin/sh` (the failing one exits 127 by itself).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
from pathlib import Path

import pytest

from .conformance import NO_NAMESPACES, SCENARIOS, Outcome, Sandbox, Scenario, Transcript, outcome
from .test_apk_chroot import APK_CHROOT


class ChrootSandbox(Sandbox):
    """A scenario's sandbox in a fresh Alpine root: its repositories copied inside, the test
    key among the root's own keys, apk run through apk-chroot."""

    def __init__(self, root: Path, repos: dict[str, str], key_path: Path):
        os.mknod(root / "dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        shutil.copy(key_path, root / "etc/apk/keys")
        inside = {}
        for name, location in repos.items():
            if location.startswith("/"):
                shutil.copytree(location, root / "srv" / name)
                location = str(root / "srv" / name)
            inside[name] = location
        self.command = (str(APK_CHROOT),)
        self.base = root.parent
        self.root = root
        self.repos = inside
        self.keys_dir = str(root / "etc/apk/keys")


def without_base(result: Outcome, base: Outcome) -> Outcome:
    """*result* without the packages the Alpine root held before the scenario."""
    summary = result.summary and (result.summary[0], result.summary[1] - len(base.installed))
    return dataclasses.replace(
        result,
        installed=tuple(item for item in result.installed if item not in base.installed),
        world=tuple(name for name in result.world if name not in base.world),
        summary=summary,
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_alpines_own_apk_in_its_root_agrees_with_the_double(
    alpine_root, scenario: Scenario, table_repositories, keys, double_outcomes
):
    sandbox = ChrootSandbox(alpine_root, table_repositories, keys.key.public_pem_path)
    base = outcome(Transcript((), "", "", 0), alpine_root)  # the root as unpacked
    transcript, real = sandbox.play(scenario)
    if scenario.read_only and transcript.returncode == NO_NAMESPACES:
        pytest.skip("no mount namespaces here: cannot make a read-only file system")
    # No known difference: unlike 2.14.9, 2.14.4 counts in a simulation's closing line the
    # packages installed now, as the double does.
    assert without_base(real, base) == double_outcomes(scenario), transcript
