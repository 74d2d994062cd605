#!/usr/bin/env bash
# Set everything up (idempotent), then start JupyterLab with jupyterlab-apk on the demo repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
# A demo configuration that fails to load stops the server: without it, apk would act on /.
export TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR=1
exec .venv/bin/jupyter lab --config demo/jupyter_server_config.py --ServerApp.ip=127.0.0.1 "${extra[@]}" "$@"
