/**
 * The "Prebuilt Packages" settings against a real server: the `repositories` setting in the
 * settings editor, with the administrator's policy of ../jupyter_server_test_config.py (the demo
 * repository and http://127.0.0.1:9/unreachable, users may not add repositories).
 *
 * Galata keeps the settings in the page's memory, but the server's repository list is the
 * server's: every test puts the administrator's list back (PUT repositories) when it ends, so
 * that the other specs find the repositories they expect.
 */
import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';

const PLUGIN_ID = 'jupyterlab-apk:catalog';
const PANEL_ID = 'jp-apk-panel';
const TAB = `.lm-TabBar-tab[data-id="${PANEL_ID}"]`;
const PANEL = '.jp-ApkPanel';
const REPOSITORY = '.jp-ApkPanel-repository';
const SIDEBAR_STATUS = '.jp-ApkPanel-repositorySettings';
const FIELD = '.jp-ApkRepositoriesField';
const ENTRY = '.jp-ApkRepositoriesField-entry';
const UNREACHABLE = 'http://127.0.0.1:9/unreachable';
// Well-formed, but not one of the administrator's repositories.
const OUTSIDE = 'https://mirror.example/alpine/v3.22/main';

interface IServerSettings {
  repositories: string[];
  policy: {
    repositories: string[];
    allowed_repositories: string[];
    allow_user_repositories: boolean;
  };
}

async function serverSettings(
  request: APIRequestContext
): Promise<IServerSettings> {
  const response = await request.get('/jupyterlab-apk/settings');
  expect(response.ok(), `GET settings: ${response.status()}`).toBeTruthy();
  return (await response.json()) as IServerSettings;
}

/** Make the server use the administrator's repositories again. */
async function restoreRepositories(request: APIRequestContext): Promise<void> {
  const { repositories, policy } = await serverSettings(request);
  if (JSON.stringify(repositories) !== JSON.stringify(policy.repositories)) {
    const response = await request.put('/jupyterlab-apk/repositories', {
      data: { repositories: policy.repositories }
    });
    expect(
      response.ok(),
      `PUT repositories: ${response.status()}`
    ).toBeTruthy();
  }
}

/** Open the sidebar and wait for its repositories: the demo one ok, the unreachable one not. */
async function openSidebar(page: Page): Promise<Locator> {
  await page.locator(TAB).click();
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator(`${REPOSITORY}[data-status="error"]`)).toHaveCount(
    1,
    {
      timeout: 30000
    }
  );
  return panel;
}

/** Open the settings editor at the catalog's settings; returns the repositories field. */
async function openSettings(page: Page): Promise<Locator> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('settingeditor:open', {
      query: 'Prebuilt Packages'
    });
  });
  await page.locator(`.jp-PluginList-entry[data-id="${PLUGIN_ID}"]`).click();
  const field = page.locator(FIELD);
  await expect(field).toBeVisible();
  return field;
}

function entry(field: Locator, url: string): Locator {
  return field.locator(`${ENTRY}[data-url="${url}"]`);
}

test.describe.serial('Prebuilt Packages settings: repositories', () => {
  test.use({ autoGoto: true });

  test.beforeEach(async ({ request }) => {
    await restoreRepositories(request);
  });

  test.afterEach(async ({ request }) => {
    await restoreRepositories(request);
  });

  test('shows the administrator’s repositories read-only and refuses others with the reason', async ({
    page,
    request
  }) => {
    const settings = await serverSettings(request);
    expect(settings.policy.allow_user_repositories).toBe(false);
    expect(settings.policy.repositories).toHaveLength(2);
    expect(settings.policy.repositories[1]).toBe(UNREACHABLE);
    const [demo] = settings.policy.repositories;
    expect(demo).toMatch(/\.demo\/repo$/);

    const panel = await openSidebar(page);
    const field = await openSettings(page);

    // The default is the administrator's list, each entry managed: read-only, with the reason.
    await expect(field.locator(ENTRY)).toHaveCount(2);
    for (const url of settings.policy.repositories) {
      const row = entry(field, url);
      await expect(row).toHaveAttribute('data-status', 'managed');
      await expect(
        row.locator('.jp-ApkRepositoriesField-url input')
      ).toHaveAttribute('readonly', '');
      await expect(
        row.locator('.jp-ApkRepositoriesField-url input')
      ).toHaveValue(url);
      await expect(row.locator('.jp-ApkRepositoriesField-status')).toHaveText(
        /^Managed by the administrator/
      );
      await expect(
        row.getByRole('button', { name: /administrator manages/ })
      ).toBeDisabled();
    }

    // A malformed URL is refused with a message and never saved.
    const add = field.locator('.jp-ApkRepositoriesField-add input');
    await add.fill('ftp://mirror.example/alpine');
    await add.press('Enter');
    await expect(
      field.locator('.jp-ApkRepositoriesField-add [role="alert"]')
    ).toHaveText(
      /http:\/\/, https:\/\/ or file:\/\/\/ URL, or an absolute path/
    );
    await expect(field.locator(ENTRY)).toHaveCount(2);

    // A URL outside the policy is saved, marked with the reason, and refused by the server,
    // which keeps its list; the sidebar and a notification say why.
    await add.fill(OUTSIDE);
    await add.press('Enter');
    const outside = entry(field, OUTSIDE);
    await expect(outside).toHaveAttribute('data-status', 'forbidden');
    await expect(outside.locator('.jp-ApkRepositoriesField-status')).toHaveText(
      /^Not allowed: .*users may not add repositories/
    );
    const refusal =
      /is not one of the administrator's repositories, and users may not add/;
    await expect(field.locator('.jp-ApkRepositoriesField-server')).toHaveText(
      refusal,
      {
        timeout: 15000
      }
    );
    await expect(panel.locator(`${SIDEBAR_STATUS} [role="alert"]`)).toHaveText(
      refusal
    );
    // The notification: the start of the server's message, and a way to the settings.
    const toast = page.locator('.Toastify__toast--error').filter({
      hasText: `Repositories not applied: ${OUTSIDE} is not one of`
    });
    await expect(toast).toBeVisible();
    await expect(
      toast.locator('.jp-toast-button', { hasText: 'Edit Settings' })
    ).toBeVisible();
    await toast
      .locator('.jp-toast-button', { hasText: 'Edit Settings' })
      .click();
    await expect(toast).toBeHidden();
    expect((await serverSettings(request)).repositories).toEqual(
      settings.policy.repositories
    );

    // Removing it brings the list back to the default: nothing is refused anymore.
    await outside.getByRole('button', { name: 'Remove' }).click();
    await expect(field.locator(ENTRY)).toHaveCount(2);
    await expect(panel.locator(`${SIDEBAR_STATUS} [role="alert"]`)).toHaveCount(
      0
    );
    await expect(field.locator('.jp-ApkRepositoriesField-server')).toHaveCount(
      0
    );
    expect((await serverSettings(request)).repositories).toEqual(
      settings.policy.repositories
    );
  });

  test('a change of the repositories refreshes the catalog without reloading the page', async ({
    page,
    request
  }) => {
    const settings = await serverSettings(request);
    const [demo] = settings.policy.repositories;
    const panel = await openSidebar(page);
    await expect(panel.locator(REPOSITORY)).toHaveCount(2);
    // Set in this page: gone if the page reloads.
    await page.evaluate(() => {
      (window as any).apkSettingsSpec = true;
    });

    const field = await openSettings(page);
    await entry(field, UNREACHABLE)
      .locator('.jp-ApkRepositoriesField-enabled')
      .uncheck();
    await expect(entry(field, UNREACHABLE)).toHaveClass(/jp-mod-disabled/);

    // The server switches to the demo repository alone and the sidebar follows.
    await expect(
      panel.locator(`${REPOSITORY}[data-status="error"]`)
    ).toHaveCount(0, {
      timeout: 30000
    });
    await expect(panel.locator(REPOSITORY)).toHaveCount(1);
    await expect(
      panel.locator(`${REPOSITORY}[data-url="${demo}"]`)
    ).toHaveAttribute('data-status', 'ok');
    expect((await serverSettings(request)).repositories).toEqual([demo]);
    // The packages are still listed (the demo repository provides them all).
    await expect(panel.locator('li.jp-ApkPanel-entry').first()).toBeVisible();

    // Restoring the defaults brings the administrator's list back, error row included.
    await page.locator('.jp-SettingsForm .jp-RestoreButton').click();
    await expect(
      panel.locator(`${REPOSITORY}[data-status="error"]`)
    ).toHaveCount(1, {
      timeout: 30000
    });
    await expect(entry(field, UNREACHABLE)).not.toHaveClass(/jp-mod-disabled/);
    expect((await serverSettings(request)).repositories).toEqual(
      settings.policy.repositories
    );

    expect(await page.evaluate(() => (window as any).apkSettingsSpec)).toBe(
      true
    );
  });
});
