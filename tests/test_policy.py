"""The administrator's policy: trait validation and what users may choose."""

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyterlab_apk.policy import ApkManager, PolicyError, read_repositories_file

ADMIN = ["https://mirror.example/alpine/v3.22/main", "https://mirror.example/alpine/v3.22/community"]


def manager(**traits) -> ApkManager:
    return ApkManager(config=Config({"ApkManager": {"repositories": ADMIN, **traits}}))


@pytest.mark.parametrize(
    ("traits", "urls", "outcome"),
    [
        ({}, ADMIN, ADMIN),
        ({}, ADMIN[::-1], ADMIN[::-1]),  # reordering is the user's choice
        ({}, ADMIN[:1], ADMIN[:1]),  # so is leaving one out
        ({}, [ADMIN[0] + "/"], ADMIN[:1]),  # normalised
        ({}, [ADMIN[0], ADMIN[0]], ADMIN[:1]),  # duplicates dropped
        ({}, ["https://evil.example/alpine"], "users may not add"),
        ({"allow_user_repositories": True}, ["https://evil.example/alpine"], "outside"),
        ({"allow_user_repositories": True, "allowed_repositories": ["https://mirror.example/"]},
         ["https://mirror.example/private"], ["https://mirror.example/private"]),
        ({"allow_user_repositories": True, "allowed_repositories": ["https://mirror.example/alpine"]},
         ["https://mirror.example/alpine-evil"], "outside"),  # no slash: exact URL only
        ({"allow_user_repositories": True, "allowed_repositories": ["https://mirror.example/alpine"]},
         ["https://mirror.example/alpine"], ["https://mirror.example/alpine"]),
        ({"allow_user_repositories": True, "allowed_repositories": ["https://mirror.example/"]},
         ["https://mirror.example.evil/x"], "outside"),
        ({"allow_user_repositories": True, "allowed_repositories": ["/srv/repos/"]},
         ["/srv/repos/team"], ["/srv/repos/team"]),
        ({}, ["-X http://evil"], ValueError),
        ({}, ["http://mirror/a b"], ValueError),
        ({}, ["relative/path"], ValueError),
        ({}, ["ftp://mirror/alpine"], ValueError),
        ({"allow_user_repositories": True, "allowed_repositories": ["/srv/repos/"]},
         ["/srv/repos/../etc"], ValueError),  # dot segments would leave the prefix
        ({"allow_user_repositories": True, "allowed_repositories": ["/srv/repos/"]},
         ["/srv/repos/%2e%2e/etc"], ValueError),
        ({"allow_user_repositories": True, "allowed_repositories": ["/srv/repos/"]},
         ["/srv/repos/a%2F..%2Fb"], ValueError),
    ],
)  # fmt: skip
def test_user_repositories(traits, urls, outcome):
    policy = manager(**traits)
    if outcome is ValueError:
        with pytest.raises(ValueError):
            policy.check_user_repositories(urls)
    elif isinstance(outcome, str):
        with pytest.raises(PolicyError, match=outcome):
            policy.check_user_repositories(urls)
    else:
        assert policy.check_user_repositories(urls) == outcome


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"repositories": ["-Xhttp://evil"]}, "starts with '-'"),
        ({"repositories": ["http://a b"]}, "whitespace"),
        ({"allowed_repositories": ["not a url"]}, "whitespace"),
        ({"apk_command": []}, "apk_command"),
        ({"job_timeout": 0}, "job_timeout must be positive"),
        ({"fetch_timeout": -1}, "fetch_timeout must be positive"),
        ({"pip_overrides": {"x": "--allow-untrusted"}}, "not an apk name"),
    ],
)
def test_invalid_configuration_is_refused(traits, message):
    with pytest.raises(TraitError, match=message):
        manager(**traits)


def test_defaults_come_from_the_root(tmp_path):
    (tmp_path / "etc/apk").mkdir(parents=True)
    (tmp_path / "etc/apk/arch").write_text("aarch64\n")
    (tmp_path / "etc/apk/repositories").write_text(
        "# comment\nhttps://mirror/alpine/v3.22/main\n\n@testing https://mirror/edge/testing\n"
        "/srv/local\n"
    )
    policy = ApkManager(config=Config({"ApkManager": {"root": str(tmp_path)}}))
    assert policy.repositories == ["https://mirror/alpine/v3.22/main", "/srv/local"]
    assert policy.arch == "aarch64"
    assert policy.keys_dir == str(tmp_path / "etc/apk/keys")
    assert policy.sandboxed is True
    assert ApkManager(config=Config({"ApkManager": {"root": "/"}})).sandboxed is False


def test_missing_repositories_file_means_none(tmp_path):
    assert read_repositories_file(str(tmp_path)) == []
