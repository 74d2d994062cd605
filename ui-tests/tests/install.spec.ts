/**
 * Installing and removing packages from the "Prebuilt Packages" sidebar against a real server:
 * the demo repository and sandbox root of ../jupyter_server_test_config.py, with apk played by
 * demo/bin/apk-test-double (it follows apk-tools' behaviour, lock included).
 *
 * The tests share the sandbox root, so each one starts and ends with the packages it touches
 * removed (through the REST API, which runs remove jobs). To see a job while it runs, and to
 * make one fail, a test holds apk's database lock (<root>/lib/apk/db/lock) from a small Python
 * process: apk waits for it up to 10 seconds (`--wait 10`), then gives up.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';

import { api, IJob, removeInstalled, runJob } from './apk-api';
import {
  DIALOG,
  ENTRY,
  JOB,
  openSidebar,
  PANEL,
  packageRow,
  shootSidebar,
  TAB,
  toast
} from './sidebar-ui';

const PYTHON = process.env.JUPYTERLAB_APK_UI_PYTHON ?? 'python3';

// The packages these tests install; removed before and after each test.
const TOUCHED = ['py3-tabulate', 'py3-termcolor'];

interface IPackage {
  name: string;
  version: string;
  installed_version: string | null;
}

interface ISettings {
  root: string;
  allow_remove: boolean;
}

/**
 * Hold apk's database lock until `release()`: apk jobs wait for it (up to 10 s), then fail.
 */
async function holdLock(
  request: APIRequestContext
): Promise<{ release: () => Promise<void> }> {
  const { root } = await api<ISettings>(request, 'settings');
  const lockFile = path.join(root, 'lib', 'apk', 'db', 'lock');
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const script =
    'import fcntl, os, sys\n' +
    'fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)\n' +
    'fcntl.flock(fd, fcntl.LOCK_EX)\n' +
    "print('locked', flush=True)\n" +
    'sys.stdin.read()\n';
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [
    '-c',
    script,
    lockFile
  ]);
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve())
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', code =>
      reject(new Error(`the lock holder exited (${code})`))
    );
  });
  return {
    release: async () => {
      if (child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
    }
  };
}

test.describe.serial('Installing from the Prebuilt Packages sidebar', () => {
  test.use({ autoGoto: true });

  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, TOUCHED);
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, TOUCHED);
  });

  test('installs a package from its row after showing the plan, with progress and a success notification', async ({
    page,
    request
  }) => {
    const target = await api<IPackage>(request, 'packages/py3-tabulate');
    expect(target.installed_version).toBeNull();

    const panel = await openSidebar(page);
    await page.sidebar.setWidth(440);
    const row = await packageRow(panel, target.name);
    await expect(row.locator('.jp-ApkPanel-installedBadge')).toHaveCount(0);
    await expect(row.locator('.jp-ApkPanel-remove')).toHaveCount(0);

    // Hold the lock so that the job is seen running; apk simulates (for the plan) without it.
    const lock = await holdLock(request);
    try {
      await row.locator('.jp-ApkPanel-install').click();

      // The confirmation shows apk's plan: the package, its version and the sizes.
      const dialog = page.locator(DIALOG);
      const plan = dialog.locator('.jp-ApkPlan');
      await expect(plan).toBeVisible({ timeout: 30000 });
      const step = plan.locator(
        `.jp-ApkPlan-step[data-package="${target.name}"]`
      );
      await expect(step).toHaveCount(1);
      await expect(step).toHaveAttribute('data-action', 'install');
      await expect(step).toContainText(target.version);
      await expect(plan.locator('.jp-ApkPlan-sizes')).toContainText('Download');
      await dialog.locator('button.jp-mod-accept').click();
      await expect(dialog).toHaveCount(0);

      // Progress: in the row, in the jobs view, in the status bar and in a notification.
      await expect(row).toHaveClass(/jp-mod-installing/);
      await expect(row.locator('.jp-ApkPanel-progress')).toBeVisible();
      const job = panel.locator(JOB).first();
      await expect(job).toHaveAttribute('data-state', 'running');
      await expect(job).toContainText(target.name);
      await expect(job.locator('.jp-ApkJobs-progress')).toBeVisible();
      await expect(page.locator('.jp-ApkJobs-status')).toBeVisible();
      await expect(page.locator('.jp-ApkJobs-status')).toContainText(
        target.name
      );
      await expect(
        toast(page, 'in-progress', `Installing ${target.name}`)
      ).toBeVisible();

      // The screenshot for the README: the sidebar while the job runs.
      await shootSidebar(page, panel, 'install.png');
    } finally {
      await lock.release();
    }

    // The job ends: the row shows the installed version, and nothing spins anymore.
    const installed = panel.locator(JOB).first();
    await expect(installed).toHaveAttribute('data-state', 'done', {
      timeout: 30000
    });
    await expect(installed).toContainText(target.name);
    await expect(installed.locator('.jp-ApkJobs-state')).toHaveText(/done/i);
    await expect(installed.locator('.jp-ApkJobs-progress')).toHaveCount(0);
    await expect(row.locator('.jp-ApkPanel-installedBadge')).toBeVisible();
    await expect(row).toHaveAttribute('data-installed-version', target.version);
    await expect(row).not.toHaveClass(/jp-mod-installing/);
    await expect(row.locator('.jp-ApkPanel-progress')).toHaveCount(0);
    await expect(row.locator('.jp-ApkPanel-install')).toHaveCount(0);
    await expect(row.locator('.jp-ApkPanel-remove')).toBeVisible();
    await expect(
      toast(page, 'success', `Installed ${target.name}`)
    ).toBeVisible();
    await expect(page.locator('.jp-ApkJobs-status')).toBeHidden();
    expect(
      (await api<IPackage>(request, `packages/${target.name}`))
        .installed_version
    ).toBe(target.version);

    // The log of the job, in the jobs view.
    await installed.locator('.jp-ApkJobs-toggleLog').click();
    await expect(installed.locator('.jp-ApkJobs-log')).toContainText(
      `Installing ${target.name} (${target.version})`
    );
  });

  test('installs several selected packages in one job', async ({
    page,
    request
  }) => {
    const names = ['py3-tabulate', 'py3-termcolor'];
    const panel = await openSidebar(page);
    for (const name of names) {
      const row = await packageRow(panel, name);
      await row.locator('.jp-ApkPanel-select').click();
      await expect(row).toHaveAttribute('aria-checked', 'true');
    }
    await panel.locator('.jp-ApkPanel-search input').fill('');
    await panel.locator('button.jp-ApkPanel-installSelected').click();

    const dialog = page.locator(DIALOG);
    await expect(dialog.locator('.jp-ApkPlan')).toBeVisible({ timeout: 30000 });
    for (const name of names) {
      await expect(
        dialog.locator(`.jp-ApkPlan-step[data-package="${name}"]`)
      ).toHaveCount(1);
    }
    await dialog.locator('button.jp-mod-accept').click();

    const job = panel.locator(JOB).first();
    await expect(job).toHaveAttribute('data-state', 'done', { timeout: 30000 });
    for (const name of names) {
      await expect(job).toContainText(name);
      const row = panel.locator(`${ENTRY}[data-package="${name}"]`);
      await expect(row.locator('.jp-ApkPanel-installedBadge')).toBeVisible();
      await expect(row).toHaveAttribute('aria-checked', 'false');
    }
    await expect(
      panel.locator('button.jp-ApkPanel-installSelected')
    ).toHaveCount(0);
  });

  test('a failing install shows its error, and "Show log" shows what apk printed', async ({
    page,
    request
  }) => {
    const name = 'py3-termcolor';
    const panel = await openSidebar(page);
    const row = await packageRow(panel, name);

    // Held for longer than apk waits (10 s): apk gives up with "Unable to lock database".
    const lock = await holdLock(request);
    try {
      await row.locator('.jp-ApkPanel-install').click();
      const dialog = page.locator(DIALOG);
      await expect(dialog.locator('.jp-ApkPlan')).toBeVisible({
        timeout: 30000
      });
      await dialog.locator('button.jp-mod-accept').click();

      const job = panel.locator(JOB).first();
      await expect(job).toHaveAttribute('data-state', 'running');
      await expect(job).toHaveAttribute('data-state', 'failed', {
        timeout: 40000
      });
    } finally {
      await lock.release();
    }
    const reason =
      'Another apk process kept the package database locked for the whole wait.';
    const job = panel.locator(JOB).first();
    await expect(job).toHaveAttribute('data-state', 'failed');
    await expect(job.locator('.jp-ApkJobs-error')).toContainText(reason);
    await expect(job.locator('.jp-ApkJobs-progress')).toHaveCount(0);
    await expect(row).not.toHaveClass(/jp-mod-installing/);
    await expect(row.locator('.jp-ApkPanel-installedBadge')).toHaveCount(0);
    await expect(row.locator('.jp-ApkPanel-install')).toBeVisible();
    await expect(page.locator('.jp-ApkJobs-status')).toBeHidden();

    // The notification ends as an error, with a "Show log" action that shows apk's output.
    const error = toast(page, 'error', `Installing ${name} failed`);
    await expect(error).toBeVisible();
    await expect(error).toContainText('locked');
    await error.locator('.jp-toast-button', { hasText: 'Show log' }).click();
    const logDialog = page.locator(`${DIALOG} .jp-ApkJobs-logDialog`);
    await expect(logDialog).toBeVisible();
    await expect(logDialog).toContainText(reason);
    const log = logDialog.locator('.jp-ApkJobs-log');
    await expect(log).toContainText(`add --root`);
    await expect(log).toContainText('Waiting for repository lock');
    await expect(log).toContainText('ERROR: Unable to lock database');
    await page.locator(`${DIALOG} button.jp-mod-accept`).click();
    await expect(page.locator(DIALOG)).toHaveCount(0);
  });

  test('a notebook imports the installed package from the sandbox root, and is told to restart after its removal', async ({
    page,
    request
  }) => {
    const name = 'py3-tabulate';
    const job = await runJob(request, 'install', [name]);
    expect(job.state, job.error ?? '').toBe('done');
    const { root } = await api<ISettings>(request, 'settings');

    await page.notebook.createNew('apk-import.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      'import tabulate\nprint(tabulate.__file__)'
    );
    await page.notebook.runCell(0);
    const output = (await page.notebook.getCellTextOutput(0)) ?? [];
    const printed = output.join('').trim();
    expect(printed).toMatch(/tabulate/);
    expect(
      fs.realpathSync(printed).startsWith(fs.realpathSync(root) + path.sep)
    ).toBe(true);

    // Removing it from the sidebar: the kernel imported it, so it is told to restart.
    const panel = await openSidebar(page);
    const row = await packageRow(panel, name);
    await row.locator('.jp-ApkPanel-remove').click();
    const dialog = page.locator(DIALOG);
    await expect(
      dialog.locator(`.jp-ApkPlan-step[data-package="${name}"]`)
    ).toHaveAttribute('data-action', 'remove');
    // A removal is confirmed with a warning button.
    await dialog.locator('button.jp-mod-warn').click();
    const removal = panel.locator(JOB).first();
    await expect(removal).toHaveAttribute('data-state', 'done', {
      timeout: 30000
    });
    await expect(removal).toContainText(name);
    await expect(row.locator('.jp-ApkPanel-installedBadge')).toHaveCount(0);
    // The notice names the session (the notebook's name when its kernel started).
    const notice = toast(page, 'warning', /Restart the kernel of .*\.ipynb/);
    await expect(notice).toBeVisible({ timeout: 20000 });
    await expect(notice).toContainText('it imported tabulate');

    await page.notebook.close(true);
  });
});
