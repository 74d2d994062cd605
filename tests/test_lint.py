"""The image's checks that run without a Docker engine (there is none on these machines).

`scripts/lint.sh` lints the Dockerfile (hadolint), every shell script (shellcheck) and the sudoers
file (visudo); it installs what it needs and exits 77 when it cannot, the one case skipped here.
The other tests run the build-time pieces of docker/ on this machine: the repositories script,
the policy and overrides writer (checked against the privileged helper's own policy loader) and
the image's server configuration (loaded into a real ApkManager).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyterlab_apk.policy import ApkManager

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
HELPER = ROOT / "privileged" / "apk-helper"
DEFAULT_REPOSITORIES = [
    "https://dl-cdn.alpinelinux.org/alpine/v3.22/main",
    "https://dl-cdn.alpinelinux.org/alpine/v3.22/community",
]


def test_lint():
    result = subprocess.run(
        ["bash", "scripts/lint.sh"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    output = result.stdout + result.stderr
    if result.returncode == 77:
        reason = [line for line in output.splitlines() if "could not be installed" in line]
        pytest.skip("; ".join(reason) or "a linter could not be installed")
    assert result.returncode == 0, output


def run_repositories_script(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(DOCKER / "apk-repositories.sh"), *args],
        env={**os.environ, "APK_CONFIG_ROOT": str(root)},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def alpine_root(tmp_path) -> Path:
    (tmp_path / "etc/apk/keys").mkdir(parents=True)
    (tmp_path / "etc/alpine-release").write_text("3.22.2\n")
    return tmp_path


def test_repositories_script_writes_main_community_and_extras(alpine_root):
    result = run_repositories_script(
        alpine_root,
        "https://mirror.example/alpine/",
        "https://packages.example/alpine/v3.22/main/  /srv/local-repo",
        str(alpine_root / "no-keys"),
    )
    assert result.returncode == 0, result.stderr
    assert (alpine_root / "etc/apk/repositories").read_text().splitlines() == [
        "https://mirror.example/alpine/v3.22/main",
        "https://mirror.example/alpine/v3.22/community",
        "https://packages.example/alpine/v3.22/main",
        "/srv/local-repo",
    ]


def test_repositories_script_default_matches_the_overrides_template(alpine_root):
    result = run_repositories_script(alpine_root, "https://dl-cdn.alpinelinux.org/alpine")
    assert result.returncode == 0, result.stderr
    written = (alpine_root / "etc/apk/repositories").read_text().splitlines()
    template = json.loads((DOCKER / "overrides.json").read_text())
    entries = template["jupyterlab-apk:catalog"]["repositories"]
    assert written == DEFAULT_REPOSITORIES == [entry["url"] for entry in entries]
    assert all(entry["enabled"] for entry in entries)


@pytest.mark.parametrize("bad", ["-X", "ftp://host/repo", "relative/repo", "*", "http://"])
def test_repositories_script_refuses_what_apk_could_misread(alpine_root, bad):
    result = run_repositories_script(alpine_root, "https://dl-cdn.alpinelinux.org/alpine", bad)
    assert result.returncode == 1
    assert "apk-repositories.sh:" in result.stderr
    assert not (alpine_root / "etc/apk/repositories").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="installs keys as root:root, as in the image")
def test_repositories_script_trusts_only_rsa_pub_files(alpine_root):
    keys = alpine_root / "keys"
    keys.mkdir()
    (keys / "me-61a1b2c3.rsa.pub").write_text("-----BEGIN PUBLIC KEY-----\n")
    (keys / "README.md").write_text("not a key\n")
    result = run_repositories_script(
        alpine_root, "https://dl-cdn.alpinelinux.org/alpine", "", str(keys)
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (alpine_root / "etc/apk/keys").iterdir()) == [
        "me-61a1b2c3.rsa.pub"
    ]


def load_helper():
    loader = importlib.machinery.SourceFileLoader("apk_helper_for_docker_tests", str(HELPER))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def write_config(tmp_path: Path, repositories: list[str], *extra: str) -> tuple[Path, Path]:
    repositories_file = tmp_path / "repositories"
    repositories_file.write_text("".join(line + "\n" for line in repositories))
    policy = tmp_path / "etc-jupyterlab-apk" / "policy.json"
    overrides = tmp_path / "settings" / "overrides.json"
    subprocess.run(
        [sys.executable, "-I", "-B", str(DOCKER / "write-config.py"),
         "--repositories-file", str(repositories_file), "--policy", str(policy),
         "--overrides-template", str(DOCKER / "overrides.json"), "--overrides", str(overrides),
         *extra],
        check=True, capture_output=True,
    )  # fmt: skip
    return policy, overrides


@pytest.mark.skipif(not HELPER.exists(), reason="privileged/apk-helper is not in this tree")
def test_written_policy_is_accepted_by_the_helper(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    repositories = [*DEFAULT_REPOSITORIES, "@testing https://x.example/edge/testing",
                    "https://packages.example/alpine"]  # fmt: skip
    policy, overrides = write_config(
        tmp_path, repositories, "--apk", "/bin/sh", "--keys-dir", str(keys)
    )
    expected = [*DEFAULT_REPOSITORIES, "https://packages.example/alpine"]
    loaded = load_helper().load_policy(str(policy))
    assert loaded["repositories"] == expected
    assert (loaded["root"], loaded["allow_untrusted"], loaded["allow_remove"]) == ("/", False, True)
    assert loaded["audit_log"] == "/var/log/jupyterlab-apk/audit.jsonl"
    assert policy.stat().st_mode & 0o777 == 0o644
    assert json.loads(overrides.read_text()) == {
        "jupyterlab-apk:catalog": {
            "repositories": [{"url": url, "enabled": True} for url in expected]
        }
    }


def test_write_config_refuses_an_option_like_repository(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failure:
        write_config(tmp_path, ["--allow-untrusted"])
    assert b"refusing repository" in failure.value.stderr


def test_server_config_follows_the_policy(tmp_path):
    policy, _ = write_config(
        tmp_path, [*DEFAULT_REPOSITORIES, "https://packages.example/alpine"],
        "--allow-remove", "false",
    )  # fmt: skip
    source = (DOCKER / "jupyter_server_config.py").read_text()
    assert 'POLICY_FILE = "/etc/jupyterlab-apk/policy.json"' in source
    source = source.replace('"/etc/jupyterlab-apk/policy.json"', repr(str(policy)))
    config = Config()
    exec(compile(source, "jupyter_server_config.py", "exec"), {"get_config": lambda: config})

    manager = ApkManager(config=config)
    assert manager.repositories == [*DEFAULT_REPOSITORIES, "https://packages.example/alpine"]
    assert manager.apk_command == ["sudo", "-n", "/usr/local/libexec/jupyterlab-apk/apk-helper"]
    assert (manager.root, manager.keys_dir) == ("/", "/etc/apk/keys")
    assert (manager.allow_untrusted, manager.allow_remove) == (False, False)
    assert manager.cache_dir.endswith("/jupyterlab-apk")
    assert config.ServerApp.ip == "0.0.0.0"
    assert config.KernelSpecManager.ensure_native_kernel is False
    assert "token" not in config.IdentityProvider and "token" not in config.ServerApp


def test_kernelspec_runs_the_kernel_venv():
    spec = json.loads((DOCKER / "kernel.json").read_text())
    assert spec["argv"][0] == "/opt/kernel/bin/python"
    assert spec["argv"][-4:] == ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "--system-site-packages --without-pip /opt/kernel" in dockerfile
