// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Notebooks remember their system packages: a `%pip install` that apk serves is recorded in
 * the notebook's metadata (`jupyterlab_apk`), and opening a notebook whose recorded package is
 * missing offers to install it. apk is the demo's test double on the sandbox root; the tests
 * remove what they install.
 */

import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';

import { api, IJob, removeInstalled } from './apk-api';
import { IPackage, openNotebook } from './kernels';
import { openSidebar } from './sidebar-ui';

const PACKAGE = 'py3-termcolor';
const UNKNOWN = 'py3-in-no-repository';

/** The current notebook's `jupyterlab_apk` metadata, as its model holds it now. */
function recordedInPage(page: Page): Promise<unknown> {
  return page.evaluate(() =>
    (window as any).jupyterapp.shell.currentWidget.context.model.getMetadata(
      'jupyterlab_apk'
    )
  );
}

test.describe.serial('Notebooks remember their system packages', () => {
  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, [PACKAGE]);
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, [PACKAGE]);
  });

  test('a %pip install routed to apk is recorded in the notebook and saved with it', async ({
    page,
    request,
    tmpPath
  }) => {
    const termcolor = await notInstalled(request);
    await openNotebook(page, tmpPath, 'record.ipynb', [
      '%pip install termcolor'
    ]);
    expect(await recordedInPage(page)).toBeUndefined();

    await page.notebook.runCell(0);
    await expect(
      page
        .locator('.jp-OutputArea-output')
        .filter({ hasText: `termcolor → apk: ${PACKAGE}` })
    ).toBeVisible({ timeout: 60000 });
    const expected = {
      packages: [
        {
          requirement: 'termcolor',
          package: PACKAGE,
          version: termcolor.version
        }
      ]
    };
    expect(await recordedInPage(page)).toEqual(expected);

    // Saved like any other change: the file on disk has it.
    await page.notebook.save();
    const file = await request.get(
      `/api/contents/${tmpPath}/record.ipynb?content=1`
    );
    expect(file.ok()).toBe(true);
    expect((await file.json()).content.metadata.jupyterlab_apk).toEqual(
      expected
    );
  });

  test('opening a notebook whose recorded package is missing offers it, and Install… installs it after the plan', async ({
    page,
    request,
    tmpPath
  }) => {
    const termcolor = await notInstalled(request);
    await openNotebook(page, tmpPath, 'restore.ipynb', ['import termcolor'], {
      jupyterlab_apk: {
        packages: [
          {
            requirement: 'termcolor',
            package: PACKAGE,
            version: termcolor.version
          },
          { requirement: 'nowhere', package: UNKNOWN, version: '1.0-r0' }
        ]
      }
    });

    const notice = page
      .locator('.Toastify__toast--info')
      .filter({ hasText: 'restore.ipynb uses system packages' });
    await expect(notice).toBeVisible({ timeout: 30000 });
    await expect(notice).toContainText(`not installed: ${PACKAGE}.`);
    await expect(notice).toContainText(
      `Not in the configured repositories: ${UNKNOWN}.`
    );
    const before = new Set(
      (await api<IJob[]>(request, 'jobs')).map(job => job.id)
    );
    await notice.locator('.jp-toast-button', { hasText: 'Install…' }).click();

    // The sidebar's confirmation, with the plan of the dry run.
    const dialog = page.locator('.jp-Dialog');
    await expect(
      dialog.locator(`.jp-ApkPlan-step[data-package="${PACKAGE}"]`)
    ).toBeVisible({ timeout: 30000 });
    await dialog.locator('button.jp-mod-accept').click();
    await expect(notice).toHaveCount(0);

    // One job of the queue (after the dry run's), shown in the Jobs section; the package is
    // installed.
    let installJob: IJob | undefined;
    await expect
      .poll(
        async () => {
          installJob = (
            await api<(IJob & { preview: boolean })[]>(request, 'jobs')
          ).find(job => !before.has(job.id) && !job.preview);
          return installJob && [installJob.action, installJob.packages];
        },
        { timeout: 30000 }
      )
      .toEqual(['install', [PACKAGE]]);
    const panel = await openSidebar(page);
    await expect(
      panel.locator(
        `.jp-ApkJobs-section .jp-ApkJobs-job[data-job="${installJob!.id}"]`
      )
    ).toHaveAttribute('data-state', 'done', { timeout: 60000 });
    expect(
      (await api<IPackage>(request, `packages/${PACKAGE}`)).installed_version
    ).toBe(termcolor.version);
  });
});

/** The package, which `beforeEach` removed: not installed. */
async function notInstalled(request: APIRequestContext): Promise<IPackage> {
  const found = await api<IPackage>(request, `packages/${PACKAGE}`);
  expect(found.installed_version).toBeNull();
  return found;
}
