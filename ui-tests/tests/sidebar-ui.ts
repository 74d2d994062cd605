// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The Prebuilt Packages sidebar as the UI tests drive it: its selectors, opening it,
 * finding a package's row, the toasts of its notifications, and taking the README's
 * screenshots of it.
 */

import * as path from 'path';
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

export const PANEL_ID = 'jp-apk-panel';
export const TAB = `.lm-TabBar-tab[data-id="${PANEL_ID}"]`;
export const PANEL = '.jp-ApkPanel';
export const ENTRY = 'li.jp-ApkPanel-entry';
/** Where the README's screenshots go. */
export const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
export const JOB = '.jp-ApkJobs-job';
export const DIALOG = '.jp-Dialog';

/** Open the sidebar with its tab and wait for the list. */
export async function openSidebar(page: Page): Promise<Locator> {
  await page.locator(TAB).click();
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-ApkPanel-loading')).toHaveCount(0, {
    timeout: 30000
  });
  await expect(panel.locator(ENTRY).first()).toBeVisible();
  return panel;
}

/** The row of a package, found by searching for it. */
export async function packageRow(
  panel: Locator,
  name: string
): Promise<Locator> {
  await panel.locator('.jp-ApkPanel-search input').fill(name);
  const row = panel.locator(`${ENTRY}[data-package="${name}"]`);
  // Wait for the search's own result (each demo name matches only itself), not a row of the
  // list still shown from before: clicking that one races the re-render.
  await expect(panel.locator(ENTRY)).toHaveCount(1);
  await expect(row).toBeVisible();
  return row;
}

/** Screenshot the left tab bar and the panel beside it, as `SCREENSHOTS/name`. */
export async function shootSidebar(
  page: IJupyterLabPageFixture,
  panel: Locator,
  name: string
): Promise<void> {
  const bar = (await page.sidebar.getTabBarLocator('left').boundingBox())!;
  const area = (await panel.boundingBox())!;
  await page.screenshot({
    path: path.join(SCREENSHOTS, name),
    clip: {
      x: bar.x,
      y: Math.min(bar.y, area.y),
      width: area.x + area.width - bar.x,
      height:
        Math.max(bar.y + bar.height, area.y + area.height) -
        Math.min(bar.y, area.y)
    }
  });
}

/**
 * The toast of the notification of a type whose message contains `text`.
 *
 * A toast keeps the `jp-Notification-Toast-<type>` class it was created with when its
 * notification is updated; react-toastify's `Toastify__toast--<type>` follows the type.
 */
export function toast(
  page: Page,
  type: 'in-progress' | 'success' | 'warning' | 'error',
  text: string | RegExp
): Locator {
  const selector =
    type === 'in-progress'
      ? '.jp-Notification-Toast-in-progress'
      : `.Toastify__toast--${type}`;
  return page.locator(selector).filter({ hasText: text });
}

/**
 * Install `name` from its row, accepting the plan (which lists `dependency`) once `whileOpen`
 * is done with the dialog; the success toast names the dependency.
 */
export async function installWithDependency(
  page: Page,
  panel: Locator,
  name: string,
  dependency: string,
  whileOpen: () => Promise<void> = async () => undefined
): Promise<void> {
  const row = await packageRow(panel, name);
  await row.locator('.jp-ApkPanel-install').click();
  const dialog = page.locator(DIALOG);
  await expect(
    dialog.locator(`.jp-ApkPlan-step[data-package="${dependency}"]`)
  ).toBeVisible({ timeout: 30000 });
  await whileOpen();
  await dialog.locator('button.jp-mod-accept').click();
  await expect(
    toast(
      page,
      'success',
      `Installed ${name} (and 1 dependency: ${dependency}).`
    )
  ).toBeVisible({ timeout: 30000 });
}

/**
 * Ask to remove `needed` from its row while `needs` needs it: from apk's dry run, the dialog
 * says that nothing will be removed and why, and offers no removal; it is closed once
 * `whileOpen` is done with it. Returns the row.
 */
export async function askToRemoveNeeded(
  page: Page,
  panel: Locator,
  needed: string,
  needs: string,
  whileOpen: () => Promise<void> = async () => undefined
): Promise<Locator> {
  const row = await packageRow(panel, needed);
  await row.locator('.jp-ApkPanel-remove').click();
  const dialog = page.locator(DIALOG);
  const message = dialog.getByRole('alert');
  await expect(message).toBeVisible({ timeout: 30000 });
  await expect(message).toHaveText(
    new RegExp(`^Nothing will be removed: ${needed} is needed by ${needs}`)
  );
  await expect(dialog.locator('button.jp-mod-warn')).toHaveCount(0);
  await whileOpen();
  await dialog.locator('button.jp-mod-accept').click();
  await expect(dialog).toHaveCount(0);
  return row;
}

/**
 * The visible buttons under `root` whose label wraps onto a second line or is cut.
 */
export async function brokenButtons(root: Locator): Promise<string[]> {
  return root.locator('button:visible').evaluateAll(buttons =>
    buttons
      .filter(button => {
        const text = (button.textContent ?? '').trim();
        if (!text) {
          return false;
        }
        const range = document.createRange();
        range.selectNodeContents(button);
        const lines = new Set(
          Array.from(range.getClientRects()).map(rect => Math.round(rect.top))
        );
        return lines.size > 1 || button.scrollWidth > button.clientWidth + 1;
      })
      .map(button => (button.textContent ?? '').trim())
  );
}
