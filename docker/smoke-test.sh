#!/usr/bin/env bash
# Smoke test of the jupyterlab-apk image, for a machine WITH a Docker engine (BuildKit) and
# network access to the Alpine mirror (and PyPI for the pip check). The project's development
# machines and CI have no Docker engine: this script was written against Docker's and Alpine's
# documentation and has not been run there. See docker/README.md.
#
#   bash docker/smoke-test.sh [extra `docker build` arguments, e.g. --build-arg PRECOMPILE=1]
#
# Builds the image from the repository root, prints its size and layers (and fails over the
# budget), starts it, waits for the health check, then checks from inside the container:
# PID 1 is tini, the user is not root, no compiler or Node, token auth is on, sudo allows only the
# helper, the repositories agree everywhere (/etc/apk/repositories, policy.json, overrides.json,
# the server), every repository index is "ok", POST resolve routes the test package to apk,
# an install job of a small apk (through the REST API, so through sudo and the helper) ends
# "done", a kernel started by the server imports it from Alpine's site-packages, pip in that
# kernel installs into the kernel's venv, and the system pip is refused by PEP 668.
#
# Environment: IMAGE (jupyterlab-apk:smoke), SMOKE_APK (py3-tabulate) and SMOKE_MODULE
# (tabulate): a small apk that is not in the image and the module it provides; SMOKE_PIP
# (tomli-w, empty to skip): a small PyPI package without an apk; SIZE_BUDGET_MB (300);
# KEEP=1 leaves the container running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-jupyterlab-apk:smoke}
NAME=jupyterlab-apk-smoke-$$
SMOKE_APK=${SMOKE_APK:-py3-tabulate}
SMOKE_MODULE=${SMOKE_MODULE:-tabulate}
SMOKE_PIP=${SMOKE_PIP-tomli-w}
BUDGET_MB=${SIZE_BUDGET_MB:-300}
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
HELPER=/usr/local/libexec/jupyterlab-apk/apk-helper

step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "smoke-test: FAILED: $*" >&2
  exit 1
}

started=0
cleanup() {
  local status=$?
  if [ "$started" = 1 ]; then
    if [ "$status" -ne 0 ]; then
      echo "---- container log (last 80 lines)" >&2
      docker logs --tail 80 "$NAME" >&2 || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
      echo "KEEP=1: container $NAME left running (docker rm -f $NAME)"
    else
      docker rm -f "$NAME" >/dev/null 2>&1 || true
    fi
  fi
  exit "$status"
}
trap cleanup EXIT

command -v docker >/dev/null 2>&1 || fail "no docker command: this test needs a Docker engine"

step "build $IMAGE"
DOCKER_BUILDKIT=1 docker build -f docker/Dockerfile -t "$IMAGE" "$@" .

step "size"
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
size_mb=$((size / 1000000))
docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | cut -c1-160
echo "image size: $size bytes = $size_mb MB (budget $BUDGET_MB MB, uncompressed)"
[ "$size_mb" -le "$BUDGET_MB" ] || fail "the image is $size_mb MB, over the budget of $BUDGET_MB MB"

step "start"
docker run -d --name "$NAME" -p 127.0.0.1::8888 -e JUPYTER_TOKEN="$TOKEN" \
  --health-interval=2s --health-start-period=120s "$IMAGE" >/dev/null
started=1
health=starting
for _ in $(seq 1 90); do
  health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$NAME")
  running=$(docker inspect -f '{{.State.Running}}' "$NAME")
  [ "$running" = true ] || fail "the container stopped"
  [ "$health" = healthy ] && break
  sleep 2
done
[ "$health" = healthy ] || fail "not healthy after 180 s (status: $health)"
echo "healthy"
hostport=$(docker port "$NAME" 8888/tcp | head -n1)
if command -v curl >/dev/null 2>&1; then
  curl -fsS "http://$hostport/api" >/dev/null || fail "http://$hostport/api does not answer from the host"
  echo "published on $hostport"
fi

step "process, user, contents"
pid1=$(docker exec "$NAME" cat /proc/1/comm)
[ "$pid1" = tini ] || fail "PID 1 is $pid1, not tini"
uid=$(docker exec "$NAME" id -u)
[ "$uid" != 0 ] || fail "the server runs as root"
tools=$(docker exec "$NAME" sh -c 'for t in gcc cc c++ ld node npm yarn; do command -v "$t"; done; true')
[ -z "$tools" ] || fail "build tools in the image: $tools"
docker exec "$NAME" sh -c 'test ! -w /opt/jupyter/lib && test -w /opt/kernel/lib' ||
  fail "/opt/jupyter must be read-only and /opt/kernel writable for the user"
clutter=$(docker exec "$NAME" sh -c 'find /opt/jupyter /opt/kernel -type d \( -name tests -o -name node_modules \) | head -n 5')
[ -z "$clutter" ] || fail "left in the venvs: $clutter"
sudo_rules=$(docker exec "$NAME" sudo -n -l 2>&1) || fail "sudo -n -l failed: $sudo_rules"
echo "$sudo_rules"
case $sudo_rules in
  *"NOPASSWD: $HELPER"*) ;;
  *) fail "sudo does not allow $HELPER" ;;
esac
case $sudo_rules in
  *": ALL"* | *"(ALL"*) fail "sudo allows more than the helper" ;;
esac
pep668=$(docker exec "$NAME" /usr/bin/python3 -m pip install --dry-run --no-index six 2>&1) &&
  fail "the system pip was not refused: $pep668"
case $pep668 in
  *externally-managed-environment*) echo "system pip refused by EXTERNALLY-MANAGED, as intended" ;;
  *) fail "the system pip failed, but not for PEP 668: $pep668" ;;
esac

step "REST API, install job, kernel"
docker exec -i -e SMOKE_TOKEN="$TOKEN" -e SMOKE_APK="$SMOKE_APK" -e SMOKE_MODULE="$SMOKE_MODULE" \
  -e SMOKE_PIP="$SMOKE_PIP" "$NAME" /opt/jupyter/bin/python - <<'PY'
import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE = "http://127.0.0.1:%s%s" % (
    os.environ.get("JUPYTER_PORT") or "8888", os.environ.get("JUPYTER_BASE_URL") or "/"
)
TOKEN = os.environ["SMOKE_TOKEN"]
PKG = os.environ["SMOKE_APK"]
MODULE = os.environ["SMOKE_MODULE"]
PIP_PKG = os.environ.get("SMOKE_PIP", "")


def fail(message):
    print("smoke-test: FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def call(method, path, body=None, token=True, expect=(200,)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        request.add_header("Authorization", "token " + TOKEN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in expect:
        fail(f"{method} {path}: HTTP {status}, expected {expect}: {text[:800]}")
    return json.loads(text) if text else None


call("GET", "api/status", token=False, expect=(403,))
call("GET", "jupyterlab-apk/packages", token=False, expect=(403,))
print("token auth: requests without the token are refused")

with open("/etc/apk/repositories", encoding="utf-8") as f:
    apk_repositories = [
        line.strip().rstrip("/")
        for line in f
        if line.strip() and not line.lstrip().startswith(("#", "@"))
    ]
with open("/etc/jupyterlab-apk/policy.json", encoding="utf-8") as f:
    policy = json.load(f)
with open("/opt/jupyter/share/jupyter/lab/settings/overrides.json", encoding="utf-8") as f:
    overrides = [e["url"] for e in json.load(f)["jupyterlab-apk:catalog"]["repositories"]]
settings = call("GET", "jupyterlab-apk/settings")
lists = {
    "/etc/apk/repositories": apk_repositories,
    "policy.json": policy["repositories"],
    "overrides.json": overrides,
    "server (ApkManager.repositories)": settings["policy"]["repositories"],
}
if any(value != apk_repositories for value in lists.values()):
    fail("the repository lists differ: " + json.dumps(lists, indent=2))
if settings["root"] != "/" or settings["demo_mode"]:
    fail(f"the server does not manage the system root: {settings}")
print("repositories agree everywhere:", apk_repositories)

repositories = call("GET", "jupyterlab-apk/repositories")
bad = [r for r in repositories if r["status"] != "ok"]
if bad:
    fail("repositories not ok: " + json.dumps(bad, indent=2))
print("repository indexes:", ", ".join(f"{r['url']} ({r['packages']})" for r in repositories))

entry = call("GET", "jupyterlab-apk/packages/" + PKG)
if entry.get("installed_version"):
    fail(f"{PKG} is already installed in the image: choose another SMOKE_APK")

pip_name = MODULE.replace("_", "-")
decision = call("POST", "jupyterlab-apk/resolve",
                {"requirements": [pip_name], "kernel": "python3"})["decisions"][0]
print("resolve:", decision)
if decision["route"] != "apk" or decision["package"] != PKG:
    fail(f"{pip_name} should be routed to apk {PKG}: {decision}")

job = call("POST", "jupyterlab-apk/jobs",
           {"action": "install", "packages": [PKG], "preview": False}, expect=(202,))
deadline = time.monotonic() + 600
while job["state"] not in ("done", "failed", "cancelled", "timed-out"):
    if time.monotonic() > deadline:
        fail(f"install job {job['id']} still {job['state']} after 600 s")
    time.sleep(1)
    job = call("GET", f"jupyterlab-apk/jobs/{job['id']}")
print(job["log"])
if job["state"] != "done":
    fail(f"install job ended {job['state']}: {job.get('error')} {job.get('problems')}")
entry = call("GET", "jupyterlab-apk/packages/" + PKG)
if not entry.get("installed_version"):
    fail(f"{PKG} is not installed after a 'done' job")
print(f"installed {PKG} {entry['installed_version']} through the API")

from jupyter_client import BlockingKernelClient  # noqa: E402
from jupyter_core.paths import jupyter_runtime_dir  # noqa: E402

kernel = call("POST", "api/kernels", {"name": "python3"}, expect=(201,))
connection_file = os.path.join(jupyter_runtime_dir(), f"kernel-{kernel['id']}.json")
for _ in range(60):
    if os.path.exists(connection_file):
        break
    time.sleep(1)
else:
    fail(f"no connection file {connection_file}")
client = BlockingKernelClient(connection_file=connection_file)
client.load_connection_file()
client.start_channels()
client.wait_for_ready(timeout=120)

CODE = """
import json, os, subprocess, sys, sysconfig
import %(module)s as module
result = {"module": module.__file__, "prefix": sys.prefix,
          "purelib": sysconfig.get_path("purelib"),
          "writable": os.access(sysconfig.get_path("purelib"), os.W_OK)}
if %(pip)r:
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", %(pip)r],
                         capture_output=True, text=True)
    result["pip_rc"] = pip.returncode
    result["pip_err"] = pip.stderr[-800:]
    if pip.returncode == 0:
        import importlib
        importlib.invalidate_caches()
        result["pip_module"] = importlib.import_module(%(pip)r.replace("-", "_")).__file__
print("RESULT " + json.dumps(result))
""" % {"module": MODULE, "pip": PIP_PKG}

outputs = []


def hook(message):
    content = message["content"]
    if message["msg_type"] == "stream":
        outputs.append(content["text"])
    elif message["msg_type"] == "error":
        outputs.append("\n".join(content["traceback"]))


reply = client.execute_interactive(CODE, timeout=300, output_hook=hook)
client.stop_channels()
call("DELETE", f"api/kernels/{kernel['id']}", expect=(204,))
text = "".join(outputs)
if reply["content"]["status"] != "ok":
    fail("the kernel failed:\n" + text)
result = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
print("kernel:", json.dumps(result, indent=2))
if not (result["module"].startswith("/usr/lib/python3") and "/site-packages/" in result["module"]):
    fail(f"{MODULE} was not imported from Alpine's site-packages: {result['module']}")
if result["prefix"] != "/opt/kernel" or not result["writable"]:
    fail(f"the kernel is not the writable /opt/kernel venv: {result}")
if PIP_PKG:
    if result.get("pip_rc") != 0:
        fail(f"pip install {PIP_PKG} in the kernel failed: {result.get('pip_err')}")
    if not result["pip_module"].startswith(result["purelib"]):
        fail(f"pip installed {PIP_PKG} outside the kernel's venv: {result['pip_module']}")
print("smoke-test: kernel imports the apk; pip installs into the kernel's venv")
PY

step "result"
echo "image $IMAGE: $size bytes ($size_mb MB, budget $BUDGET_MB MB)"
echo "smoke-test: 1 passed, 0 failed"
