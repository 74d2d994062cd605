// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The Prebuilt Packages sidebar as the UI tests drive it: its selectors, opening it,
 * finding a package's row, and taking the README's screenshots of it.
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
