/**
 * What the Playwright configurations of the UI benchmarks share: one worker, no retries, the
 * results under bench/results/, Debian's Chromium as the UI tests launch it, and a JupyterLab
 * started from ui-tests/ with `jlpm start` on the UI tests' port.
 */
import * as path from 'path';
import type { PlaywrightTestConfig } from '../../ui-tests/node_modules/@playwright/test';
import { chromiumLaunchOptions, serverPort } from '../../ui-tests/playwright.config';

export const ROOT = path.resolve(__dirname, '..', '..');

export function benchConfig(options: {
  /** The spec file in this directory. */
  spec: string;
  /** The whole run's time limit, in minutes. */
  timeoutMinutes: number;
  /** The server's log, under ui-tests/.apk-cache/. */
  serverLog: string;
  /** The server's start-up time limit, in minutes. */
  serverTimeoutMinutes: number;
  /** A shell command run before the server starts. */
  before?: string;
  /** Environment variables for the server, besides the port. */
  env?: Record<string, string>;
}): PlaywrightTestConfig {
  const port = serverPort();
  const baseURL = `http://127.0.0.1:${port}`;
  const start = `mkdir -p .apk-cache && exec jlpm start > .apk-cache/${options.serverLog} 2>&1`;
  return {
    testDir: __dirname,
    testMatch: options.spec,
    outputDir: path.join(ROOT, 'bench', 'results', 'test-results'),
    workers: 1,
    retries: 0,
    timeout: options.timeoutMinutes * 60 * 1000,
    reporter: [['list']],
    use: {
      baseURL,
      viewport: { width: 1280, height: 900 },
      launchOptions: chromiumLaunchOptions,
      video: 'off',
      trace: 'off'
    },
    webServer: {
      command: `bash -c '${options.before ? `${options.before} && ` : ''}${start}'`,
      cwd: path.join(ROOT, 'ui-tests'),
      url: `${baseURL}/lab`,
      timeout: options.serverTimeoutMinutes * 60 * 1000,
      reuseExistingServer: false,
      env: {
        ...(process.env as Record<string, string>),
        JUPYTERLAB_APK_UI_PORT: port,
        ...options.env
      }
    }
  };
}
