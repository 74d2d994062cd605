"""Jobs through the installer with each real apk binary, and with the double: a failed script,
the error state it leaves, a removal that removes nothing, and the repair."""

from __future__ import annotations

from jupyterlab_apk.apkcli import ApkOptions
from jupyterlab_apk.installer import Installer

from .conformance import ARCH, DOUBLE
from .conftest import make_root
from .test_installer import finished, installed_versions, packages_in_error


async def test_error_state_warning_kept_removal_and_repair(
    real_apk, tmp_path, table_repositories, keys
):
    await error_state_warning_kept_removal_and_repair(
        (str(real_apk.path),), tmp_path, table_repositories, keys
    )


async def test_the_double_goes_the_same_way(tmp_path, table_repositories, keys):
    await error_state_warning_kept_removal_and_repair(DOUBLE, tmp_path, table_repositories, keys)


async def error_state_warning_kept_removal_and_repair(command, tmp_path, repositories, keys):
    root = make_root(tmp_path / "root", ARCH)
    options = ApkOptions(tuple(command), str(root), (repositories["main"],), str(keys.dir))
    installer = Installer(
        lambda: options,
        history_path=tmp_path / "jobs.jsonl",
        timeout=60,
        max_queued=10,
        installed_versions=lambda: installed_versions(root),
        packages_in_error=lambda: packages_in_error(root),
    )

    async def job(action, packages, preview=False):
        return await finished(installer, installer.submit(action, packages, preview=preview,
                                                          user="test"))  # fmt: skip

    try:
        failed = await job("install", ["py3-script"])  # no /bin/sh in the sandbox: exit 127
        assert failed.state == "failed"
        assert [p["kind"] for p in failed.problems] == ["script-failed"]
        assert packages_in_error(root) == {"py3-script": "in error"}

        for preview in (True, False):
            later = await job("install", ["py3-demo"], preview=preview)
            assert (later.state, later.exit_code) == ("done", 1), later.log
            [warning] = later.warnings
            assert "py3-script" in warning
        assert installed_versions(root)["py3-demo"] == "1.0-r0"

        kept = await job("remove", ["py3-demolib"])
        assert kept.state == "failed"
        assert kept.error == "Nothing will be removed: py3-demolib is needed by py3-demo."
        assert kept.plan["kept"] == [{"package": "py3-demolib", "required_by": ["py3-demo"]}]

        repair = await job("repair", [])
        assert (repair.state, repair.exit_code, repair.progress) == ("done", 0, 1.0), repair.log
        assert [s["name"] for s in repair.plan["steps"]] == ["py3-script"]
        assert packages_in_error(root) == {}

        clean = await job("remove", ["py3-demo"])
        assert (clean.state, clean.exit_code, clean.warnings) == ("done", 0, [])
        assert sorted(clean.installed) == ["py3-demo (removed)", "py3-demolib (removed)"]
    finally:
        await installer.close()
