"""The real-apk fixtures themselves: each named binary runs and reports its version."""

import re


def test_each_real_binary_reports_the_version_in_its_file_name(real_apk):
    result = real_apk.run("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"apk-tools \d+\.\d+\.\d+, compiled for x86_64\.\n", result.stdout)
    # The CI names them apk-<version>.static: the fixture must read the binary, not the name.
    assert real_apk.version in real_apk.path.name


def test_the_alpine_root_is_a_fresh_alpine_system(alpine_root):
    assert (alpine_root / "etc/alpine-release").read_text().startswith("3.")
    assert (alpine_root / "sbin/apk").exists()
    assert list((alpine_root / "etc/apk/keys").glob("*.rsa.pub"))
