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
 */
import { execFileSync } from 'child_process';
import type { PlaywrightTestConfig } from '@playwright/test';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

/**
 * A free TCP port on 127.0.0.1, chosen once in the main process: worker processes load this
 * file again but inherit the environment variable, so they all agree on the port.
 */
export function serverPort(): string {
  if (!process.env.JUPYTERLAB_APK_UI_PORT) {
    process.env.JUPYTERLAB_APK_UI_PORT = execFileSync(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer();" +
          "s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"
      ],
      { encoding: 'utf-8' }
    ).trim();
  }
  return process.env.JUPYTERLAB_APK_UI_PORT;
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

const port = serverPort();
const baseURL = `http://127.0.0.1:${port}`;

const config: PlaywrightTestConfig = {
  ...baseConfig,
  testDir: './tests',
  // One server, one worker: the tests share the server's catalog state.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL,
    launchOptions: chromiumLaunchOptions,
    // Video needs Playwright's own ffmpeg and traces are not needed: both off.
    video: 'off',
    trace: 'off'
  },
  webServer: {
    // The server's log goes to .apk-cache/jupyter-server.log (UI_TESTS_SERVER_LOG=1: to the console).
    command: process.env.UI_TESTS_SERVER_LOG
      ? 'jlpm start'
      : 'mkdir -p .apk-cache && jlpm start > .apk-cache/jupyter-server.log 2>&1',
    url: `${baseURL}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false,
    env: { ...(process.env as Record<string, string>), JUPYTERLAB_APK_UI_PORT: port }
  }
};

export default config;
