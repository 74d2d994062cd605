#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: system packages, the Python environment in .venv/,
# the JavaScript dependencies, the built extension and the signed demo repository.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '\n== %s\n' "$*"; }

# Debian's Chromium for the UI tests and the keystroke benchmark (no browser downloads work here).
if [ "${APK_SETUP_BROWSER:-1}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing; install Debian's 'chromium' package" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
PY=$ROOT/.venv/bin/python
if ! cmp -s requirements-dev.txt .venv/.requirements-dev.txt; then
  log "installing Python dependencies"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -r requirements-dev.txt
  cp requirements-dev.txt .venv/.requirements-dev.txt
fi
export PATH=$ROOT/.venv/bin:$PATH

log "installing JavaScript dependencies"
jlpm install --immutable >/dev/null
# The UI tests' own (Galata, Playwright; its browser is Debian's Chromium): `jlpm lint:types`
# type-checks them too.
(cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install --immutable >/dev/null)

# configurable-http-proxy, from npm, for the JupyterHub test (tests/test_jupyterhub.py).
if [ ! -x .hub-proxy/node_modules/.bin/configurable-http-proxy ]; then
  log "installing configurable-http-proxy"
  npm install --no-audit --no-fund --loglevel=error --prefix .hub-proxy configurable-http-proxy@5.3.0
fi

log "building the extension"
jlpm build

log "installing jupyterlab_apk (editable) into .venv"
# On a re-run, pip would write the wheel's shared data (install.json) through the symlink that
# `labextension develop` made into jupyterlab_apk/labextension/, and a wheel built from the
# tree would then hold that file twice.
labextension_link=.venv/share/jupyter/labextensions/jupyterlab-apk
if [ -L "$labextension_link" ]; then rm "$labextension_link"; fi
SKIP_JUPYTER_BUILDER=1 "$PY" -m pip install -q --no-build-isolation --no-deps -e .
jupyter labextension develop --overwrite . >/dev/null
jupyter server extension enable jupyterlab_apk --sys-prefix >/dev/null

log "building the signed demo repository"
"$PY" -m demo.build --output "$ROOT/.demo"
# A sandbox root for apk: the demo and the UI tests never touch the system's packages.
mkdir -p .demo/root/etc/apk .demo/root/lib/apk/db
[ -f .demo/root/etc/apk/arch ] || uname -m > .demo/root/etc/apk/arch
touch .demo/root/lib/apk/db/installed
