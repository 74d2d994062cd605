/**
 * Playwright configuration of the `%pip install` interception benchmark (pip.spec.ts).
 *
 * Run from ui-tests/ (it reuses ui-tests' node_modules, Galata and the test server config):
 *
 *   export PATH=$PWD/.venv/bin:$PATH          # from the repository root: jlpm, jupyter, python
 *   cd ui-tests && jlpm playwright test -c ../bench/ui/pip.config.ts
 *
 * Unlike the keystroke benchmark (playwright.config.ts next to this file, a generated
 * 25,000-package catalog), this one needs the demo repository and sandbox root that the
 * kernels import from, exactly as the UI tests have them: the server is
 * `jlpm start` = `jupyter lab --config jupyter_server_test_config.py`, unchanged (its log:
 * ui-tests/.apk-cache/bench-pip-server.log). Results: JSON on stdout and in
 * bench/results/pip.json (see pip.spec.ts).
 */
import * as path from 'path';
import type { PlaywrightTestConfig } from '../../ui-tests/node_modules/@playwright/test';
import { chromiumLaunchOptions, serverPort } from '../../ui-tests/playwright.config';

const ROOT = path.resolve(__dirname, '..', '..');
const UI_TESTS = path.join(ROOT, 'ui-tests');

const port = serverPort();
const baseURL = `http://127.0.0.1:${port}`;

const config: PlaywrightTestConfig = {
  testDir: __dirname,
  testMatch: 'pip.spec.ts',
  outputDir: path.join(ROOT, 'bench', 'results', 'test-results'),
  workers: 1,
  retries: 0,
  timeout: 10 * 60 * 1000,
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 900 },
    launchOptions: chromiumLaunchOptions,
    video: 'off',
    trace: 'off'
  },
  webServer: {
    command: `bash -c 'mkdir -p .apk-cache && exec jlpm start > .apk-cache/bench-pip-server.log 2>&1'`,
    cwd: UI_TESTS,
    url: `${baseURL}/lab`,
    timeout: 2 * 60 * 1000,
    reuseExistingServer: false,
    env: { ...(process.env as Record<string, string>), JUPYTERLAB_APK_UI_PORT: port }
  }
};

export default config;
