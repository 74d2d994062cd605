/**
 * Playwright configuration of the Galata UI tests of jupyterlab-apk.
 *
 * Run from ui-tests/ (scripts/test.sh does exactly this):
 *   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install --immutable
 *   jlpm playwright test
 *
 * The test server (`jlpm start`, see jupyter_server_test_config.py) is started by Playwright on
 * a free 127.0.0.1 port, passed to both through $JUPYTERLAB_APK_UI_PORT. The browser is
 * Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH): never `playwright install`.
 *
 * Projects: `demo` runs every spec but the real-apk ones against a server whose apk is the
 * demo's double; `real-apk <binary>` runs tests/real-apk.spec.ts against a server of its own
 * that runs that real apk binary, one per binary named by $JUPYTERLAB_APK_UI_APK. Without the
 * variable a single `real-apk` project skips that spec (fails it under
 * JUPYTERLAB_APK_TEST_REQUIRE_REAL=1), and no second server starts.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import type { PlaywrightTestConfig } from '@playwright/test';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

/**
 * A free TCP port on 127.0.0.1, chosen once in the main process and kept in `variable`: worker
 * processes load this file again but inherit the environment variable, so they all agree on
 * the port.
 */
export function serverPort(variable = 'JUPYTERLAB_APK_UI_PORT'): string {
  if (!process.env[variable]) {
    process.env[variable] = execFileSync(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer();" +
          "s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"
      ],
      { encoding: 'utf-8' }
    ).trim();
  }
  return process.env[variable]!;
}

export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
};

/**
 * The real apk binaries named by $JUPYTERLAB_APK_UI_APK (paths separated by `:`, as
 * $JUPYTERLAB_APK_TEST_APK names them for pytest): one `real-apk` project and server each.
 */
const realApks = (process.env.JUPYTERLAB_APK_UI_APK ?? '')
  .split(path.delimiter)
  .filter(item => item);
const REAL_APK_SPECS = /real-apk\.spec\.ts$/;

/**
 * A test server on `port`; its log goes to .apk-cache/<log> (UI_TESTS_SERVER_LOG=1: to the
 * console). `apk` is the apk binary it runs; undefined: the demo's double.
 */
function testServer(
  port: string,
  log: string,
  apk: string | undefined
): NonNullable<PlaywrightTestConfig['webServer']> {
  return {
    command: process.env.UI_TESTS_SERVER_LOG
      ? 'jlpm start'
      : `mkdir -p .apk-cache && jlpm start > .apk-cache/${log} 2>&1`,
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false,
    // Playwright starts from its own environment: the list of binaries is replaced, not removed.
    env: {
      ...(process.env as Record<string, string>),
      JUPYTERLAB_APK_UI_PORT: port,
      JUPYTERLAB_APK_UI_APK: apk ?? ''
    }
  };
}

const port = serverPort();
const realServers = realApks.map((apk, index) => ({
  apk,
  name: path.basename(apk),
  port: serverPort(`JUPYTERLAB_APK_UI_REAL_PORT_${index}`)
}));

const config: PlaywrightTestConfig = {
  ...baseConfig,
  testDir: './tests',
  // One worker: the tests of a project share its server's catalog state.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    launchOptions: chromiumLaunchOptions,
    // Video needs Playwright's own ffmpeg and traces are not needed: both off.
    video: 'off',
    trace: 'off'
  },
  projects: [
    {
      name: 'demo',
      testIgnore: REAL_APK_SPECS,
      use: { baseURL: `http://127.0.0.1:${port}` }
    },
    ...realServers.map(server => ({
      name: `real-apk ${server.name}`,
      testMatch: REAL_APK_SPECS,
      use: { baseURL: `http://127.0.0.1:${server.port}` }
    })),
    // Without a binary the spec skips (or fails) before it opens a page.
    ...(realServers.length === 0
      ? [{ name: 'real-apk', testMatch: REAL_APK_SPECS }]
      : [])
  ],
  webServer: [
    testServer(port, 'jupyter-server.log', undefined),
    ...realServers.map(server =>
      testServer(
        server.port,
        `jupyter-server-${server.name}.log`,
        server.apk
      )
    )
  ]
};

export default config;
