#!/bin/sh
# HEALTHCHECK of the image (/usr/local/bin/jupyterlab-apk-healthcheck): healthy while the Jupyter
# server answers GET <base_url>api. That endpoint needs no token and is not counted as activity,
# so health checks never keep an idle server (or its kernels) from being culled.
# Follows the same variables as /etc/jupyter/jupyter_server_config.py: JUPYTER_PORT (8888) and
# JUPYTER_BASE_URL (/, with its trailing slash). busybox wget: no curl in the image.
port=${JUPYTER_PORT:-8888}
base=${JUPYTER_BASE_URL:-/}
case $base in
  */) ;;
  *) base=$base/ ;;
esac
exec wget -q -T 4 -O /dev/null "http://127.0.0.1:${port}${base}api"
