/**
 * The sidebar as a user meets it, against a real server (the demo repository, its sandbox root
 * and a repository nothing listens on, see ../jupyter_server_test_config.py): room for the list,
 * honest results, notifications that act, keyboard and screen-reader use (axe-core), at 250 px
 * and wide, in the light and the dark theme.
 *
 * apk is demo/bin/apk-test-double; real-apk.spec.ts runs the removal a dependency keeps, and a
 * removal that succeeds, against a real apk binary.
 *
 * The tests share the sandbox root: each starts and ends with py3-prettytable and py3-wcwidth
 * removed (through the REST API).
 */
import * as path from 'path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';

import { api, removeInstalled, runJob } from './apk-api';
import {
  askToRemoveNeeded,
  DIALOG,
  ENTRY,
  installWithDependency,
  JOB,
  openSidebar,
  PANEL,
  PANEL_ID,
  packageRow,
  SCREENSHOTS,
  shootSidebar,
  brokenButtons,
  TAB,
  toast
} from './sidebar-ui';

const NEEDED = 'py3-wcwidth';
const NEEDS = 'py3-prettytable';

interface IPackage {
  name: string;
  installed_version: string | null;
}

/** Open the sidebar, once the repositories are read: the unreachable one is reported. */
async function openSidebarRead(page: Page): Promise<Locator> {
  const panel = await openSidebar(page);
  await expect(
    panel.locator('.jp-ApkPanel-repository[data-status="error"]')
  ).toHaveCount(1, { timeout: 30000 });
  return panel;
}

/**
 * The axe-core violations of serious or critical impact under `selector`.
 */
async function seriousViolations(page: Page, selector: string) {
  const result = await new AxeBuilder({ page })
    .include(selector)
    // JupyterLab's own toolbar buttons (every sidebar's) put aria-pressed on a role-less
    // element: not ours to fix.
    .exclude('.jp-ToolbarButtonComponent')
    .analyze();
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map(node => node.target.join(' ')).slice(0, 5)
    }));
}

test.describe.serial('The sidebar as a user meets it', () => {
  test.use({ autoGoto: true });

  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, [NEEDS, NEEDED]);
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, [NEEDS, NEEDED]);
  });

  test('the list gets the room, problems come first, and no button wraps, at 250 px and wide, light and dark', async ({
    page
  }) => {
    const panel = await openSidebarRead(page);
    for (const theme of ['light', 'dark'] as const) {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      } else {
        await page.theme.setLightTheme();
      }
      for (const width of [250, 440]) {
        await page.sidebar.setWidth(width);
        // Two rows checked: the bulk buttons show in the toolbar.
        await panel.locator('.jp-ApkPanel-search input').fill('');
        await expect(panel.locator(ENTRY).nth(1)).toBeVisible();
        for (const index of [0, 1]) {
          const row = panel.locator(ENTRY).nth(index);
          if ((await row.getAttribute('aria-checked')) !== 'true') {
            await row.locator('.jp-ApkPanel-select').click();
          }
        }
        await expect(
          panel.locator('button.jp-ApkPanel-installSelected')
        ).toHaveText('Install (2)');

        const packages = (await panel
          .locator('.jp-ApkPanel-packagesSection')
          .boundingBox())!;
        const repositories = (await panel
          .locator('.jp-ApkPanel-repositoriesSection')
          .boundingBox())!;
        const jobs = (await panel
          .locator('.jp-ApkJobs-section')
          .boundingBox())!;
        expect(packages.height).toBeGreaterThan(2 * repositories.height);
        expect(packages.height).toBeGreaterThan(2 * jobs.height);
        // The repository with a problem is listed first.
        await expect(
          panel.locator('.jp-ApkPanel-repository').first()
        ).toHaveAttribute('data-status', 'error');
        expect(await brokenButtons(panel)).toEqual([]);
        await shootSidebar(page, panel, `sidebar-${width}-${theme}.png`);
        if (theme === 'light' && width === 440) {
          // The README's screenshot.
          await shootSidebar(page, panel, 'sidebar.png');
        }
      }
      expect(await seriousViolations(page, `#${PANEL_ID}`)).toEqual([]);
    }
    await panel.locator('.jp-ApkPanel-clearSelection').click();
    await page.theme.setLightTheme();
  });

  test('the count is never "0 packages" while loading or after an error', async ({
    page
  }) => {
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    let fail = false;
    await page.route('**/jupyterlab-apk/packages?**', async route => {
      if (fail) {
        await route.fulfill({
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({ message: 'the catalog could not be read' })
        });
        return;
      }
      await held;
      await route.continue();
    });
    await page.locator(TAB).click();
    const panel = page.locator(PANEL);
    const count = panel.locator('.jp-ApkPanel-count');
    // The list's own loading state (the repositories section may be loading too).
    await expect(
      panel.locator('.jp-ApkPanel-packagesSection .jp-ApkPanel-loading')
    ).toBeVisible();
    await expect(count).toHaveText('');
    release();
    await expect(count).toHaveText(/^\d+ packages?$/);

    fail = true;
    await panel.locator('.jp-ApkPanel-search input').fill('zzz');
    await expect(panel.locator('.jp-ApkPanel-error')).toContainText(
      'the catalog could not be read'
    );
    await expect(count).toHaveText('');
    expect(await brokenButtons(panel)).toEqual([]);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  test('details fill the section, with a back button and the actions in the header', async ({
    page
  }) => {
    const panel = await openSidebarRead(page);
    await page.sidebar.setWidth(250);
    const row = await packageRow(panel, NEEDS);
    const section = (await panel
      .locator('.jp-ApkPanel-packagesSection')
      .boundingBox())!;
    // Keyboard: into the list, Enter opens the details, Escape goes back.
    await panel.locator('.jp-ApkPanel-search input').press('ArrowDown');
    await page.keyboard.press('Enter');
    const details = panel.locator('.jp-ApkPanel-details');
    await expect(details).toBeVisible();
    const box = (await details.boundingBox())!;
    expect(box.height).toBeGreaterThan(0.7 * section.height);
    await expect(details.locator('.jp-ApkPanel-detailsBack')).toBeFocused();
    await expect(details.locator('button.jp-ApkPanel-install')).toBeVisible();
    expect(await brokenButtons(details)).toEqual([]);
    await shootSidebar(page, panel, 'details-250-light.png');
    await page.keyboard.press('Escape');
    await expect(details).toHaveCount(0);
    await expect(row).toBeVisible();
  });

  test('an install names its dependency; a removal that removes nothing says why and is no success; jobs from elsewhere appear live', async ({
    page,
    request
  }) => {
    const panel = await openSidebarRead(page);
    await page.sidebar.setWidth(440);
    const axe = async () => {
      expect(await seriousViolations(page, DIALOG)).toEqual([]);
    };
    await installWithDependency(page, panel, NEEDS, NEEDED, axe);

    // Removing the dependency: the dry run says nothing would be removed, and why.
    await askToRemoveNeeded(page, panel, NEEDED, NEEDS, axe);

    // Run anyway, from elsewhere (the REST API): the job shows up without a refresh, and it
    // failed, saying why, never a green success.
    const job = await runJob(request, 'remove', [NEEDED]);
    expect(job.state).toBe('failed');
    const shown = panel.locator(`${JOB}[data-job="${job.id}"]`);
    await expect(shown).toBeVisible({ timeout: 20000 });
    await expect(shown).toHaveAttribute('data-state', 'failed');
    await expect(shown.locator('.jp-ApkJobs-error')).toContainText(
      `Nothing will be removed: ${NEEDED}`
    );
    const installed = await api<IPackage>(request, `packages/${NEEDED}`);
    expect(installed.installed_version).not.toBeNull();
    await shootSidebar(page, panel, 'removal-warning-440-light.png');

    // "Clear finished" empties the list, and it stays cleared after a reload.
    // The section's toolbar sits in its accordion title.
    const saved = page.waitForRequest(
      request =>
        request.url().includes('/api/workspaces') && request.method() === 'PUT'
    );
    await panel
      .locator('.jp-ToolbarButtonComponent[aria-label="Clear finished"]')
      .click();
    await expect(panel.locator(JOB)).toHaveCount(0);
    await saved;
    await page.reload();
    // Restored open by the layout restorer.
    const again = page.locator(PANEL);
    await expect(again).toBeVisible({ timeout: 30000 });
    await expect(again.locator('.jp-ApkJobs-empty')).toBeVisible({
      timeout: 20000
    });
    await expect(again.locator(JOB)).toHaveCount(0);
  });

  test('checked installed rows are upgraded or removed together', async ({
    page,
    request
  }) => {
    const done = await runJob(request, 'install', [NEEDS]);
    expect(done.state, done.error ?? '').toBe('done');
    const panel = await openSidebarRead(page);
    await page.sidebar.setWidth(250);
    await panel.locator('select.jp-ApkPanel-filter').selectOption('installed');
    const row = panel.locator(`${ENTRY}[data-package="${NEEDS}"]`);
    await expect(row).toBeVisible();
    // One Tab stop: the list; Space checks the row the keyboard is on.
    await panel.locator('.jp-ApkPanel-list').focus();
    const names = await panel
      .locator(ENTRY)
      .evaluateAll(rows => rows.map(r => r.getAttribute('data-package')));
    for (let i = 0; i < names.indexOf(NEEDS); i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press(' ');
    await expect(row).toHaveAttribute('aria-checked', 'true');
    const remove = panel.locator('button.jp-ApkPanel-removeSelected');
    await expect(remove).toHaveText('Remove (1)');
    await expect(
      panel.locator('button.jp-ApkPanel-installSelected')
    ).toHaveCount(0);
    expect(await brokenButtons(panel)).toEqual([]);
    await remove.click();
    const dialog = page.locator(DIALOG);
    await expect(
      dialog.locator(`.jp-ApkPlan-step[data-package="${NEEDS}"]`)
    ).toBeVisible({ timeout: 30000 });
    await dialog.locator('button.jp-mod-warn').click();
    await expect(
      toast(page, 'success', new RegExp(`^Removed ${NEEDS}`))
    ).toBeVisible({ timeout: 30000 });
  });

  test('the restart notice restarts the kernel that imported a removed package', async ({
    page,
    request
  }) => {
    const done = await runJob(request, 'install', [NEEDS]);
    expect(done.state, done.error ?? '').toBe('done');
    await page.notebook.createNew('restart.ipynb');
    await page.notebook.setCell(0, 'code', 'import prettytable');
    await page.notebook.runCell(0, true);
    const kernelId = await page.evaluate(
      () =>
        (window.jupyterapp.shell.currentWidget as any).sessionContext.session
          .kernel.id as string
    );
    const panel = await openSidebarRead(page);
    const row = await packageRow(panel, NEEDS);
    await row.locator('.jp-ApkPanel-remove').click();
    const dialog = page.locator(DIALOG);
    await expect(dialog.locator('button.jp-mod-warn')).toBeVisible({
      timeout: 30000
    });
    await dialog.locator('button.jp-mod-warn').click();
    const notice = toast(page, 'warning', /Restart the kernel of .*\.ipynb/);
    await expect(notice).toBeVisible({ timeout: 30000 });
    const restarts = page.waitForRequest(
      r =>
        r.method() === 'POST' &&
        r.url().includes(`/api/kernels/${kernelId}/restart`)
    );
    await notice.getByRole('button', { name: 'Restart kernel' }).click();
    await restarts;
    await expect(notice).toHaveCount(0);
  });

  test('the sort menu orders by size', async ({ page, request }) => {
    const panel = await openSidebarRead(page);
    await panel.locator('select.jp-ApkPanel-filter').selectOption('all');
    await panel.locator('select.jp-ApkPanel-sort').selectOption('-size');
    const expected = await api<{ packages: { name: string }[] }>(
      request,
      'packages?sort=-size&limit=50'
    );
    await expect(panel.locator(ENTRY).first()).toHaveAttribute(
      'data-package',
      expected.packages[0].name
    );
    await expect(panel.locator('select.jp-ApkPanel-filter')).toHaveAttribute(
      'aria-label',
      'Which packages to list'
    );
  });

  test('the settings show labels, the repositories description once, and pass axe', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('settingeditor:open', {
        query: 'Prebuilt Packages'
      });
    });
    await page
      .locator('.jp-PluginList-entry[data-id="jupyterlab-apk:catalog"]')
      .click();
    const field = page.locator('.jp-ApkRepositoriesField');
    await expect(field).toBeVisible();
    const form = page.locator('.jp-SettingsForm');
    const filter = form.locator('select').first();
    await expect(filter.locator('option')).toHaveText([
      'Python packages',
      'All packages',
      'Installed packages',
      'Upgradable packages'
    ]);
    await expect(
      form.getByText(/whose packages the sidebar lists/)
    ).toHaveCount(1);
    await expect(form).not.toContainText('c.ApkManager');
    await expect(form).not.toContainText('overrides.json');
    expect(await seriousViolations(page, '.jp-ApkRepositoriesField')).toEqual(
      []
    );
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'settings-light.png')
    });
  });
});
