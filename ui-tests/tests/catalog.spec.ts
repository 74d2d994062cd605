/**
 * The "Prebuilt Packages" sidebar against a real server: the signed demo repository built by
 * scripts/setup.sh under .demo/ plus a repository nothing listens on
 * (http://127.0.0.1:9/unreachable), see ../jupyter_server_test_config.py.
 *
 * Expectations are computed from the server's REST API (/jupyterlab-apk/...), so the tests do
 * not depend on the exact list of demo packages.
 */
import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';

import { api } from './apk-api';
import { ENTRY, PANEL, shootSidebar, TAB } from './sidebar-ui';

const COMMAND_ID = 'apk:open-catalog';
const COMMAND_LABEL = 'Open Prebuilt Packages';
const UNREACHABLE = 'http://127.0.0.1:9/unreachable';

interface IPackage {
  name: string;
  version: string;
  description: string;
  size: number;
}
interface IPage {
  total: number;
  packages: IPackage[];
}
interface IRepository {
  url: string;
  status: 'ok' | 'stale' | 'untrusted' | 'error';
  message: string | null;
  packages: number;
}

/** All packages matching a query (the API pages by 500 at most). */
function packages(
  request: APIRequestContext,
  params: Record<string, string>
): Promise<IPage> {
  const query = new URLSearchParams({ limit: '500', ...params });
  return api<IPage>(request, `packages?${query}`);
}

function escapeRegExp(text: string): RegExp {
  return new RegExp(
    `(^|\\D)${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\D|$)`
  );
}

/** The package names the sidebar currently lists, in order. */
async function listedNames(panel: Locator): Promise<string[]> {
  return panel
    .locator(ENTRY)
    .evaluateAll(rows =>
      rows.map(row => row.getAttribute('data-package') ?? '')
    );
}

/** Open the sidebar with its tab and wait for the first result to be rendered. */
async function openFromTab(page: Page): Promise<Locator> {
  const tab = page.locator(TAB);
  await expect(tab).toBeVisible();
  await expect(tab).toHaveAttribute(
    'title',
    new RegExp(COMMAND_LABEL.replace('Open ', ''))
  );
  await tab.click();
  await expect(tab).toHaveClass(/lm-mod-current/);
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-ApkPanel-loading')).toHaveCount(0, {
    timeout: 30000
  });
  return panel;
}

function searchInput(panel: Locator): Locator {
  // The contract: the search input lives inside .jp-ApkPanel-search (which may be the input).
  return panel
    .locator('input.jp-ApkPanel-search, .jp-ApkPanel-search input')
    .first();
}

test.describe('Prebuilt Packages sidebar', () => {
  test.use({ autoGoto: true });

  test('opens from its tab and lists the demo repository packages', async ({
    page,
    request
  }) => {
    const expected = await packages(request, { python: 'true' });
    expect(
      expected.total,
      'the demo repository should hold Python packages'
    ).toBeGreaterThan(0);

    // Not visible before the tab is clicked.
    await expect(page.locator(PANEL)).toBeHidden();
    const panel = await openFromTab(page);

    // The default filter is "python" and the list matches the API's answer, one row a package.
    await expect(panel.locator('select.jp-ApkPanel-filter')).toHaveValue(
      'python'
    );
    await expect(panel.locator(ENTRY)).toHaveCount(expected.total);
    expect((await listedNames(panel)).sort()).toEqual(
      expected.packages.map(p => p.name).sort()
    );
    await expect(panel.locator('.jp-ApkPanel-count')).toHaveText(
      escapeRegExp(`${expected.total}`)
    );

    // Each row shows its name, version, size and description.
    const first = expected.packages[0];
    const row = panel.locator(`${ENTRY}[data-package="${first.name}"]`);
    await expect(row.locator('.jp-ApkPanel-entryName')).toHaveText(first.name);
    await expect(row.locator('.jp-ApkPanel-entryVersion')).toContainText(
      first.version
    );
    await expect(row.locator('.jp-ApkPanel-entrySize')).not.toBeEmpty();
    await expect(row.locator('.jp-ApkPanel-entryDescription')).toContainText(
      first.description.slice(0, 30)
    );

    // The root is a sandbox, so the server runs in demo mode and the banner says so.
    const settings = await api<{ demo_mode: boolean }>(request, 'settings');
    expect(settings.demo_mode).toBe(true);
    await expect(panel.locator('.jp-ApkPanel-demo')).toBeVisible();

    // Wait for the repositories too, so that the screenshot shows everything.
    await expect(
      panel.locator('.jp-ApkPanel-repository[data-status="error"]')
    ).toHaveCount(1, {
      timeout: 30000
    });
    // Screenshot for the README: the left side bar (tabs and this panel).
    await page.sidebar.setWidth(420);
    await expect(panel.locator(ENTRY)).toHaveCount(expected.total);
    await shootSidebar(page, panel, 'sidebar.png');
  });

  test('search narrows the list, clearing restores it, an unknown word shows the empty state', async ({
    page,
    request
  }) => {
    const all = await packages(request, { python: 'true' });
    expect(all.total).toBeGreaterThan(1);
    // A distinctive word: the name of one package without its "py3-" prefix.
    const target =
      all.packages.find(p => p.name === 'py3-tabulate') ??
      all.packages.find(p => p.name.startsWith('py3-')) ??
      all.packages[0];
    const word = target.name.replace(/^py3-/, '');
    const matching = await packages(request, { python: 'true', q: word });
    expect(matching.packages.map(p => p.name)).toContain(target.name);
    expect(matching.total).toBeLessThan(all.total);

    const panel = await openFromTab(page);
    await expect(panel.locator(ENTRY)).toHaveCount(all.total);
    const input = searchInput(panel);
    await expect(input).toBeVisible();

    // Typed the way people type, one key at a time (the frontend debounces).
    await input.click();
    await input.pressSequentially(word, { delay: 30 });
    await expect(panel.locator(ENTRY)).toHaveCount(matching.total);
    expect((await listedNames(panel)).sort()).toEqual(
      matching.packages.map(p => p.name).sort()
    );
    await expect(
      panel.locator(`${ENTRY}[data-package="${target.name}"]`)
    ).toBeVisible();
    await expect(panel.locator('.jp-ApkPanel-count')).toHaveText(
      escapeRegExp(`${matching.total}`)
    );

    // Clearing the box restores the whole list.
    await input.fill('');
    await expect(panel.locator(ENTRY)).toHaveCount(all.total);
    await expect(panel.locator('.jp-ApkPanel-empty')).toHaveCount(0);

    // A word that matches nothing: no rows and the empty state.
    const unknown = 'zzqxjvnotapackage';
    expect(
      (await packages(request, { python: 'true', q: unknown })).total
    ).toBe(0);
    await input.pressSequentially(unknown, { delay: 10 });
    await expect(panel.locator('.jp-ApkPanel-empty')).toBeVisible();
    await expect(panel.locator(ENTRY)).toHaveCount(0);

    await input.fill('');
    await expect(panel.locator(ENTRY)).toHaveCount(all.total);
    await expect(panel.locator('.jp-ApkPanel-empty')).toHaveCount(0);
  });

  test('the filter switches between Python packages and all packages', async ({
    page,
    request
  }) => {
    const python = await packages(request, { python: 'true' });
    const all = await packages(request, {});
    const panel = await openFromTab(page);
    const filter = panel.locator('select.jp-ApkPanel-filter');
    await expect(panel.locator(ENTRY)).toHaveCount(python.total);

    await filter.selectOption('all');
    await expect(panel.locator(ENTRY)).toHaveCount(Math.min(all.total, 500));
    await expect(panel.locator('.jp-ApkPanel-count')).toHaveText(
      escapeRegExp(`${all.total}`)
    );

    // Nothing is installed in the demo's sandbox root.
    const installed = await packages(request, { installed: 'true' });
    await filter.selectOption('installed');
    await expect(panel.locator(ENTRY)).toHaveCount(installed.total);
    if (installed.total === 0) {
      await expect(panel.locator('.jp-ApkPanel-empty')).toBeVisible();
    }

    await filter.selectOption('python');
    await expect(panel.locator(ENTRY)).toHaveCount(python.total);
  });

  test('shows the unreachable repository as an error and the demo repository as ok', async ({
    page,
    request
  }) => {
    const repositories = await api<IRepository[]>(request, 'repositories');
    expect(repositories.map(r => r.status)).toEqual(['ok', 'error']);
    const broken = repositories[1];
    expect(broken.url).toBe(UNREACHABLE);
    expect(broken.message).toBeTruthy();

    const panel = await openFromTab(page);
    const ok = panel.locator('.jp-ApkPanel-repository[data-status="ok"]');
    const error = panel.locator('.jp-ApkPanel-repository[data-status="error"]');
    await expect(ok).toHaveCount(1, { timeout: 30000 });
    await expect(error).toHaveCount(1);
    // Every configured repository is listed, none in another state.
    await expect(panel.locator('.jp-ApkPanel-repository')).toHaveCount(2);

    await expect(error).toBeVisible();
    await expect(error).toContainText('127.0.0.1:9');
    const message = error.locator('.jp-ApkPanel-repositoryMessage');
    await expect(message).toBeVisible();
    await expect(message).toContainText(broken.message!);
    // Nothing to explain for the healthy repository.
    await expect(ok).toContainText(repositories[0].url.split('/').pop()!);
    await expect(ok).not.toContainText(broken.message!);

    // A broken repository does not hide the other one's packages.
    await expect(panel.locator(ENTRY).first()).toBeVisible();
    await expect(panel.locator('.jp-ApkPanel-error')).toHaveCount(0);
  });

  test('clicking a package shows its details', async ({ page, request }) => {
    const { packages: list } = await packages(request, { python: 'true' });
    const target = list.find(p => p.description) ?? list[0];

    const panel = await openFromTab(page);
    await expect(panel.locator('.jp-ApkPanel-details')).toHaveCount(0);
    const row = panel.locator(`${ENTRY}[data-package="${target.name}"]`);
    await row.click();

    const details = panel.locator('.jp-ApkPanel-details');
    await expect(details).toBeVisible();
    await expect(details).toContainText(target.name);
    await expect(details).toContainText(target.version);
    await expect(details).toContainText(target.description);

    // The details take the list's place; back to the list, another row shows its own.
    await expect(panel.locator('.jp-ApkPanel-list')).toBeHidden();
    await details.locator('.jp-ApkPanel-detailsBack').click();
    await expect(details).toHaveCount(0);
    await expect(row).toBeVisible();
    const other = list.find(
      p => p.name !== target.name && p.version !== target.version
    );
    if (other) {
      await panel.locator(`${ENTRY}[data-package="${other.name}"]`).click();
      await expect(panel.locator('.jp-ApkPanel-details')).toContainText(
        other.version
      );
      await expect(panel.locator('.jp-ApkPanel-details')).toContainText(
        other.name
      );
    }
  });

  test('the command palette command opens the sidebar', async ({
    page,
    request
  }) => {
    const expected = await packages(request, { python: 'true' });
    await expect(page.locator(PANEL)).toBeHidden();

    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('#modal-command-palette');
    await expect(palette).toBeVisible();
    await palette.locator('.lm-CommandPalette-input').fill(COMMAND_LABEL);
    const item = palette.locator(`li[data-command="${COMMAND_ID}"]`);
    await expect(item).toBeVisible();
    await expect(item).toContainText(COMMAND_LABEL);
    await item.click();

    const panel = page.locator(PANEL);
    await expect(panel).toBeVisible();
    await expect(page.locator(TAB)).toHaveClass(/lm-mod-current/);
    await expect(panel.locator(ENTRY)).toHaveCount(expected.total);
  });
});
