#!/usr/bin/env bash
# Set everything up (idempotent), then run the linters and every suite: pytest, jest and the
# Galata UI tests. Ends with one line "N passed, N failed" that adds up all suites; a linter's
# finding fails the run (exit status 1).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bash scripts/setup.sh || exit 1
export PATH=$PWD/.venv/bin:$PATH
# The real apk-tools and Alpine root, where this clone sits next to shared/ (CI names them itself);
# without them their tests are skipped, saying which variable to set.
if [ -z "${JUPYTERLAB_APK_TEST_APK:-}" ] && compgen -G "../shared/apk-tools/apk-*.static" >/dev/null; then
  JUPYTERLAB_APK_TEST_APK=$(printf '%s:' "$(cd ../shared/apk-tools && pwd)"/apk-*.static)
  export JUPYTERLAB_APK_TEST_APK=${JUPYTERLAB_APK_TEST_APK%:}
fi
# The Galata real-apk spec (ui-tests/tests/real-apk.spec.ts) runs once per binary, each against
# a server of its own.
if [ -z "${JUPYTERLAB_APK_UI_APK:-}" ] && [ -n "${JUPYTERLAB_APK_TEST_APK:-}" ]; then
  export JUPYTERLAB_APK_UI_APK=$JUPYTERLAB_APK_TEST_APK
fi
if [ -z "${JUPYTERLAB_APK_TEST_ALPINE_ROOTFS:-}" ] && compgen -G "../shared/alpine/alpine-minirootfs-*.tar.gz" >/dev/null; then
  JUPYTERLAB_APK_TEST_ALPINE_ROOTFS=$(echo "$(cd ../shared/alpine && pwd)"/alpine-minirootfs-*.tar.gz)
  export JUPYTERLAB_APK_TEST_ALPINE_ROOTFS
fi
reports=$PWD/build/reports
rm -rf "$reports" && mkdir -p "$reports"
status=0

echo; echo "== jlpm lint:check (stylelint, Prettier, ESLint, tsc on the tests)"
jlpm lint:check || { echo "lint: jlpm lint:check found problems"; status=1; }

echo; echo "== ruff (all the Python: pyproject.toml names the extensionless scripts) and mypy"
ruff check . || { echo "lint: ruff found problems"; status=1; }
mypy || { echo "lint: mypy found problems"; status=1; }

echo; echo "== pytest"
python -m pytest -q -p no:cacheprovider --junitxml="$reports/pytest.xml" || status=1

echo; echo "== jest"
jlpm jest --ci --json --outputFile="$reports/jest.json" || status=1

echo; echo "== Galata (ui-tests)"
(
  cd ui-tests &&
  PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/galata.json" jlpm playwright test --reporter=list,json
) || status=1

echo
python scripts/summarize.py "$reports" || status=1
exit $status
