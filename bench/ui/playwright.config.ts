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
import type { PlaywrightTestConfig } from '../../ui-tests/node_modules/@playwright/test';
import { chromiumLaunchOptions, serverPort } from '../../ui-tests/playwright.config';

const ROOT = path.resolve(__dirname, '..', '..');
const UI_TESTS = path.join(ROOT, 'ui-tests');
const COUNT = process.env.BENCH_COUNT ?? '25000';
const CATALOG = path.resolve(
  process.env.BENCH_CATALOG_DIR ?? path.join(ROOT, 'bench', 'results', `catalog-${COUNT}`)
);

const port = serverPort();
const baseURL = `http://127.0.0.1:${port}`;

const makeCatalog =
  `ls ${CATALOG}/repo/*/APKINDEX.tar.gz >/dev/null 2>&1 || ` +
  `(cd ${ROOT} && python -m bench.make_catalog --output ${CATALOG} --count ${COUNT})`;

const config: PlaywrightTestConfig = {
  testDir: __dirname,
  testMatch: 'keystroke.spec.ts',
  outputDir: path.join(ROOT, 'bench', 'results', 'test-results'),
  workers: 1,
  retries: 0,
  timeout: 15 * 60 * 1000,
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 900 },
    launchOptions: chromiumLaunchOptions,
    video: 'off',
    trace: 'off'
  },
  webServer: {
    // The server's log: ui-tests/.apk-cache/bench-server.log.
    command: `bash -c '${makeCatalog} && mkdir -p .apk-cache && exec jlpm start > .apk-cache/bench-server.log 2>&1'`,
    cwd: UI_TESTS,
    url: `${baseURL}/lab`,
    timeout: 10 * 60 * 1000,
    reuseExistingServer: false,
    env: {
      ...(process.env as Record<string, string>),
      JUPYTERLAB_APK_UI_PORT: port,
      JUPYTERLAB_APK_UI_REPOSITORIES: path.join(CATALOG, 'repo'),
      JUPYTERLAB_APK_UI_KEYS_DIR: path.join(CATALOG, 'keys'),
      // make_catalog also writes a sandbox root whose installed database lists some packages.
      JUPYTERLAB_APK_UI_ROOT: path.join(CATALOG, 'root'),
      BENCH_CATALOG_DIR: CATALOG
    }
  }
};

export default config;
