// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The sidebar's Environment section: two packages installed from the sidebar and one with
 * `%pip install` are listed as added since the image, and the exported Dockerfile installs
 * them; one installed from the sidebar is undone from the section. The image's baseline is the sandbox as the test server found it at start-up
 * (jupyter_server_test_config.py runs `jupyter apk baseline`).
 */

import * as fs from 'fs';
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import { removeInstalled } from './apk-api';
import { brokenButtons, openSidebar, packageRow } from './sidebar-ui';

const SECTION = '.jp-ApkEnvironment-section';
const FROM_SIDEBAR = ['py3-termcolor', 'py3-wcwidth'];
const FROM_PIP = 'py3-tabulate';

async function installFromRow(page: Page, panel: Locator, name: string) {
  const row = await packageRow(panel, name);
  await row.locator('.jp-ApkPanel-install').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-ApkPlan')).toBeVisible({ timeout: 30000 });
  await dialog.locator('button.jp-mod-accept').click();
  await expect(row.locator('.jp-ApkPanel-installedBadge')).toBeVisible({
    timeout: 30000
  });
}

test.describe.serial('The Environment section', () => {
  test.use({ autoGoto: true });

  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, [...FROM_SIDEBAR, FROM_PIP]);
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, [...FROM_SIDEBAR, FROM_PIP]);
  });

  test('lists what the sidebar and %pip installed since the image, and exports it as a Dockerfile', async ({
    page
  }) => {
    test.setTimeout(180000);
    await page.notebook.createNew('environment.ipynb');
    await page.notebook.setCell(0, 'code', '%pip install tabulate');
    await page.notebook.runCell(0);
    await expect(
      page.locator('.jp-OutputArea-output').filter({ hasText: FROM_PIP })
    ).toBeVisible({ timeout: 60000 });

    const panel = await openSidebar(page);
    for (const name of FROM_SIDEBAR) {
      await installFromRow(page, panel, name);
    }

    // The section compares again by itself whenever a job ends.
    const section = panel.locator(SECTION);
    const added = section.locator(
      '.jp-ApkEnvironment-group[aria-label="Added (apk)"] li'
    );
    await expect(added).toHaveCount(3, { timeout: 30000 });
    for (const name of [...FROM_SIDEBAR, FROM_PIP]) {
      await expect(added.filter({ hasText: name })).toHaveCount(1);
    }

    await section
      .locator('select[aria-label="Export format"]')
      .selectOption('dockerfile');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.locator('button', { hasText: 'Download' }).click()
    ]);
    expect(download.suggestedFilename()).toBe('Dockerfile');
    const dockerfile = fs.readFileSync((await download.path())!, 'utf-8');
    const apkAdd = dockerfile
      .split('\n')
      .find(line => line.includes('apk add --no-cache'));
    for (const name of [...FROM_SIDEBAR, FROM_PIP]) {
      expect(apkAdd).toMatch(new RegExp(`\\b${name}=\\S+-r\\d+`));
    }
  });

  test('undoes what was installed since the image, after showing the plan', async ({
    page
  }) => {
    test.setTimeout(120000);
    const [name] = FROM_SIDEBAR;
    const panel = await openSidebar(page);
    await installFromRow(page, panel, name);
    const section = panel.locator(SECTION);
    const group = (label: string) =>
      section.locator(`.jp-ApkEnvironment-group[aria-label="${label}"]`);
    await expect(
      group('Added (apk)').locator('li', { hasText: name })
    ).toHaveCount(1, {
      timeout: 30000
    });
    // At the narrowest sidebar, the section's buttons show their whole label.
    await page.sidebar.setWidth(250);
    await section
      .locator('.jp-ApkEnvironment-undo button')
      .scrollIntoViewIfNeeded();
    expect(await brokenButtons(section)).toEqual([]);

    await section.locator('.jp-ApkEnvironment-undo button').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(
      dialog.locator(
        `.jp-ApkPlan-step[data-package="${name}"][data-action="remove"]`
      )
    ).toBeVisible({ timeout: 30000 });
    await expect(dialog.locator('.jp-ApkPlan-note')).toContainText(
      'left to pip'
    );
    await dialog.locator('button.jp-mod-warn').click();

    // The section compares again when the job ends: no apk change is left to undo.
    await expect(group('Added (apk)')).toHaveCount(0, { timeout: 30000 });
    await expect(group('Removed (apk)')).toHaveCount(0);
    await expect(
      section.locator('.jp-ApkEnvironment-undo button:enabled')
    ).toHaveCount(0);
  });
});
