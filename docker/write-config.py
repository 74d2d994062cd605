"""Build-time, as root, in the final stage: one list of repositories, written where it is used.

Reads the untagged lines of /etc/apk/repositories (written by apk-repositories.sh) and writes

* the privileged helper's root-owned policy, /etc/jupyterlab-apk/policy.json (the contract with
  privileged/apk-helper: "apk", "root", "repositories", "keys_dir", "allow_untrusted",
  "allow_remove", "audit_log"), which docker/jupyter_server_config.py also reads, so the server,
  the helper and apk itself use the same repositories;
* JupyterLab's overrides.json from the template docker/overrides.json, with its
  `jupyterlab-apk:catalog` `repositories` setting replaced by the same list (as the schema's
  `{"url", "enabled"}` entries), so the settings editor shows what the server uses.

Standard library only: it runs on the image's own python3 before anything else is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile

PLUGIN = "jupyterlab-apk:catalog"
# As jupyterlab_apk.policy.check_repository_url (this script cannot import the package).
_REPOSITORY_RE = re.compile(r"^(?:https?://[^\s/]+(?:/\S*)?|file:///\S*|/\S*)$")
_CONTROL_RE = re.compile(r"[\x00-\x20\x7f]")


def read_repositories(path: str) -> list[str]:
    repositories = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            # "@tag URL" lines serve only packages pinned to the tag: apk never picks them by
            # default, and neither does the server (policy.read_repositories_file).
            if not line or line.startswith(("#", "@")):
                continue
            if line.startswith("-") or _CONTROL_RE.search(line) or not _REPOSITORY_RE.match(line):
                raise SystemExit(f"write-config.py: {path}: refusing repository {line!r}")
            url = line.rstrip("/") or "/"
            if url not in repositories:
                repositories.append(url)
    if not repositories:
        raise SystemExit(f"write-config.py: {path} lists no repository")
    return repositories


def write_json(path: str, data: dict, mode: int) -> None:
    """Write atomically, root-owned when run as root, with *mode*."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".write-config.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repositories-file", default="/etc/apk/repositories")
    parser.add_argument("--policy", default="/etc/jupyterlab-apk/policy.json")
    parser.add_argument("--overrides-template", required=True)
    parser.add_argument("--overrides", required=True)
    parser.add_argument("--apk", default="/sbin/apk")
    parser.add_argument("--keys-dir", default="/etc/apk/keys")
    parser.add_argument("--allow-remove", choices=("true", "false"), default="true")
    parser.add_argument("--audit-log", default="/var/log/jupyterlab-apk/audit.jsonl")
    args = parser.parse_args(argv)

    repositories = read_repositories(args.repositories_file)
    policy = {
        "apk": args.apk,
        "root": "/",
        "repositories": repositories,
        "keys_dir": args.keys_dir,
        "allow_untrusted": False,
        "allow_remove": args.allow_remove == "true",
        "audit_log": args.audit_log,
    }
    write_json(args.policy, policy, 0o644)

    with open(args.overrides_template, encoding="utf-8") as f:
        overrides = json.load(f)
    if not isinstance(overrides.get(PLUGIN), dict):
        raise SystemExit(f"write-config.py: {args.overrides_template} has no {PLUGIN!r} object")
    # The setting's entries (schema/catalog.json): every repository the server uses is enabled.
    overrides[PLUGIN]["repositories"] = [{"url": url, "enabled": True} for url in repositories]
    write_json(args.overrides, overrides, 0o644)

    print(f"write-config.py: {args.policy}:")
    print(json.dumps(policy, indent=2))
    print(f"write-config.py: {args.overrides}: {PLUGIN} repositories = {repositories}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
