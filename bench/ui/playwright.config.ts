/**
 * Keystroke-to-render benchmark of the "Prebuilt Packages" sidebar on a ~25,000-package catalog.
 *
 * Run it from ui-tests/ (it reuses ui-tests' node_modules, Galata and the test server config):
 *
 *   export PATH=$PWD/.venv/bin:$PATH          # from the repository root: jlpm, jupyter, python
 *   cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install --immutable
 *   jlpm playwright test -c ../bench/ui/playwright.config.ts     # or: jlpm bench
 *
 * Before starting the server, the web-server command generates the catalog once with
 * `python -m bench.make_catalog --output bench/results/catalog-<count> --count <count>`
 * (writes <dir>/repo/<arch>/APKINDEX.tar.gz, <dir>/keys/ and a sandbox root <dir>/root; reused
 * while it exists), then starts `jupyter lab --config jupyter_server_test_config.py` with that
 * repository, keys and root instead of the demo's (JUPYTERLAB_APK_UI_REPOSITORIES,
 * JUPYTERLAB_APK_UI_KEYS_DIR, JUPYTERLAB_APK_UI_ROOT).
 *
 * Environment: BENCH_COUNT (default 25000), BENCH_CATALOG_DIR (an existing or wanted catalog
 * directory instead of bench/results/catalog-<count>), BENCH_KEYSTROKES (measured keys,
 * default 40, at least 30), BENCH_FILTER (python | all, default all), CHROMIUM_PATH.
 * Results: JSON on stdout and in bench/results/keystroke.json (see keystroke.spec.ts).
 */
import * as path from 'path';
import { benchConfig, ROOT } from './config';

const COUNT = process.env.BENCH_COUNT ?? '25000';
const CATALOG = path.resolve(
  process.env.BENCH_CATALOG_DIR ?? path.join(ROOT, 'bench', 'results', `catalog-${COUNT}`)
);

export default benchConfig({
  spec: 'keystroke.spec.ts',
  timeoutMinutes: 15,
  serverLog: 'bench-server.log',
  serverTimeoutMinutes: 10,
  before:
    `ls ${CATALOG}/repo/*/APKINDEX.tar.gz >/dev/null 2>&1 || ` +
    `(cd ${ROOT} && python -m bench.make_catalog --output ${CATALOG} --count ${COUNT})`,
  env: {
    JUPYTERLAB_APK_UI_REPOSITORIES: path.join(CATALOG, 'repo'),
    JUPYTERLAB_APK_UI_KEYS_DIR: path.join(CATALOG, 'keys'),
    // make_catalog also writes a sandbox root whose installed database lists some packages.
    JUPYTERLAB_APK_UI_ROOT: path.join(CATALOG, 'root'),
    BENCH_CATALOG_DIR: CATALOG
  }
});
