#!/usr/bin/env bash
# Set everything up (idempotent), then start JupyterLab with jupyterlab-apk on the demo repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec .venv/bin/jupyter lab --config demo/jupyter_server_config.py --ServerApp.ip=127.0.0.1 "${extra[@]}" "$@"
