/**
 * The sidebar against a server that runs a REAL apk binary ($JUPYTERLAB_APK_UI_APK: the
 * `real-apk` project of ../playwright.config.ts starts that server, with a sandbox root of its
 * own that holds only Python's stand-in): apk's own dry run and its own result decide what the
 * dialog, the job and the toast say, for a removal a dependency keeps and for one that succeeds.
 *
 * Without the variable these tests skip; with JUPYTERLAB_APK_TEST_REQUIRE_REAL=1 (CI) they fail
 * instead, as the pytest suite's real-apk tests do.
 */
import { expect, test } from '@jupyterlab/galata';

import { api, removeInstalled, runJob } from './apk-api';
import {
  askToRemoveNeeded,
  DIALOG,
  installWithDependency,
  JOB,
  openSidebar,
  packageRow,
  toast
} from './sidebar-ui';

const NEEDED = 'py3-wcwidth';
const NEEDS = 'py3-prettytable';
const UNSET = 'set JUPYTERLAB_APK_UI_APK to a real apk binary';
const realApk = process.env.JUPYTERLAB_APK_UI_APK;
const required = process.env.JUPYTERLAB_APK_TEST_REQUIRE_REAL === '1';

interface IPackage {
  installed_version: string | null;
}

test.describe.serial('The sidebar with a real apk binary', () => {
  test.skip(!realApk && !required, UNSET);
  test.use({ autoGoto: true });

  test.beforeAll(() => {
    if (!realApk) {
      throw new Error(
        `${UNSET} (JUPYTERLAB_APK_TEST_REQUIRE_REAL=1: the real-apk UI tests must run here)`
      );
    }
  });

  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, [NEEDS, NEEDED]);
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, [NEEDS, NEEDED]);
  });

  test('a removal a dependency keeps says why and fails; removing what needs it removes both', async ({
    page,
    request
  }) => {
    // This server's own root, where apk installed Python's stand-in before it started.
    const python = await api<IPackage>(request, 'packages/python3');
    expect(python.installed_version).not.toBeNull();

    const panel = await openSidebar(page);
    await page.sidebar.setWidth(440);
    await installWithDependency(page, panel, NEEDS, NEEDED);
    // apk's dry run removes nothing: the dialog says so and offers no removal.
    const needed = await askToRemoveNeeded(page, panel, NEEDED, NEEDS);

    // Run anyway (the REST API allows it): apk keeps the package, and the job failed, saying why.
    const job = await runJob(request, 'remove', [NEEDED]);
    expect(job.state, job.log).toBe('failed');
    expect(job.error).toBe(
      `Nothing will be removed: ${NEEDED} is needed by ${NEEDS}.`
    );
    const shown = panel.locator(`${JOB}[data-job="${job.id}"]`);
    await expect(shown).toHaveAttribute('data-state', 'failed', {
      timeout: 20000
    });
    await expect(shown.locator('.jp-ApkJobs-error')).toContainText(
      `Nothing will be removed: ${NEEDED} is needed by ${NEEDS}`
    );
    await expect(needed).toHaveAttribute('data-installed-version', /\S/);
    const kept = await api<IPackage>(request, `packages/${NEEDED}`);
    expect(kept.installed_version).not.toBeNull();

    // Removing what needs it: apk removes both, and the toast names the dependency.
    const needs = await packageRow(panel, NEEDS);
    await needs.locator('.jp-ApkPanel-remove').click();
    const dialog = page.locator(DIALOG);
    await expect(
      dialog.locator(`.jp-ApkPlan-step[data-package="${NEEDED}"]`)
    ).toBeVisible({ timeout: 30000 });
    await dialog.locator('button.jp-mod-warn').click();
    await expect(
      toast(
        page,
        'success',
        `Removed ${NEEDS} (and 1 package no longer needed: ${NEEDED}).`
      )
    ).toBeVisible({ timeout: 30000 });
    await expect(needs).not.toHaveAttribute('data-installed-version');
    for (const name of [NEEDS, NEEDED]) {
      const removed = await api<IPackage>(request, `packages/${name}`);
      expect(removed.installed_version, name).toBeNull();
    }
  });
});
