// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * A cell that fails with `ModuleNotFoundError` offers the prebuilt package, in notebooks and
 * consoles, against a real server and real kernels.
 *
 * apk is demo/bin/apk-test-double on the demo sandbox root (.demo/root), whose site-packages
 * the kernels have on PYTHONPATH (demo/jupyter_server_config.py). The demo repository has
 * py3-tabulate and py3-termcolor, which every test removes before and after it runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator, Page, Request } from '@playwright/test';

import { api, removeInstalled, runJob } from './apk-api';
import {
  apkSitePackages,
  ISettings,
  openNotebook,
  removeCreatedDirs,
  waitForKernel
} from './kernels';

const OFFER = '.jp-ApkImportOffer';
const SCREENSHOT = path.resolve(
  __dirname,
  '..',
  'screenshots',
  'import-offer.png'
);
const NOTEBOOK_CELLS = '.jp-NotebookPanel:visible .jp-Notebook .jp-Cell';
const CONSOLE_CELLS =
  '.jp-ConsolePanel:visible .jp-CodeConsole-content .jp-Cell';
/** The accept button of the dialog that says `text` (the file browser may show others). */
function acceptDialog(page: Page, text: string | RegExp): Promise<void> {
  return page
    .locator('.jp-Dialog')
    .filter({ hasText: text })
    .locator('.jp-mod-accept')
    .click();
}
const MODULES = /\/jupyterlab-apk\/modules\//;
const TOUCHED = ['py3-tabulate', 'py3-termcolor'];
const IMPORT_TABULATE =
  'import tabulate\nprint("imported", tabulate.tabulate([[1, 2]]))';
const IMPORTED = /imported\s+-\s+-\s+1\s+2/;

type Kind = 'notebook' | 'console';

/** Record the requests to `…/jupyterlab-apk/modules/…` the page makes from now on. */
function watchModuleRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', request => {
    if (MODULES.test(new URL(request.url()).pathname)) {
      seen.push(request);
    }
  });
  return seen;
}

/**
 * Open a notebook (`name`) or a console with a python3 kernel, run `code` in it, and return
 * the cell that ran it.
 */
async function start(
  page: IJupyterLabPageFixture,
  kind: Kind,
  tmpPath: string,
  name: string,
  code: string
): Promise<Locator> {
  if (kind === 'notebook') {
    await openNotebook(page, tmpPath, `${name}.ipynb`, [code]);
    await page.notebook.runCell(0);
    return page.locator(`${NOTEBOOK_CELLS}`).first();
  }
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('console:create', {
      activate: true,
      kernelPreference: { name: 'python3' }
    });
  });
  await page.waitForFunction(
    () => (window as any).jupyterapp.shell.currentWidget?.console !== undefined
  );
  await waitForKernel(page);
  return run(page, kind, code);
}

/** Run `code` in a new cell of the current notebook or console; returns that cell. */
async function run(
  page: IJupyterLabPageFixture,
  kind: Kind,
  code: string
): Promise<Locator> {
  if (kind === 'notebook') {
    const index = await page.evaluate(code => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const index = panel.content.model.cells.length;
      panel.content.model.sharedModel.insertCell(index, {
        cell_type: 'code',
        source: code
      });
      return index;
    }, code);
    await page.notebook.runCell(index);
    return page.locator(NOTEBOOK_CELLS).nth(index);
  }
  await page.evaluate(async code => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    panel.console.promptCell.model.sharedModel.setSource(code);
    await panel.console.execute(true);
  }, code);
  // By position: a restart appends a banner after it.
  return page
    .locator(CONSOLE_CELLS)
    .nth((await page.locator(CONSOLE_CELLS).count()) - 1);
}

/**
 * The cell that shows the run again of `cell`: the cell itself in a notebook, a new cell at
 * the end of a console (its history is append-only).
 */
function rerunOf(page: Page, kind: Kind, cell: Locator): Locator {
  return kind === 'notebook' ? cell : page.locator(CONSOLE_CELLS).last();
}

/**
 * All of a cell's outputs as one element: a run may show several (stdout and stderr apart),
 * and an assertion on their text must not depend on how many.
 */
function outputs(cell: Locator): Locator {
  return cell.locator('.jp-Cell-outputArea');
}

test.describe.serial('missing modules', () => {
  // Galata's kernel tracking answers POST /api/kernels/<id>/restart with 201, which JupyterLab
  // refuses ("Invalid response: 201 Created"): the kernels API is left unmocked, and the
  // sessions' tracking still shuts the kernels down after each test.
  test.use({ kernels: null });

  let sitePackages = '';
  // The outermost directory of sitePackages that the tests created, if any.
  let createdDir: string | undefined;

  test.beforeAll(async ({ request }) => {
    sitePackages = apkSitePackages(
      (await api<ISettings>(request, 'settings')).root
    );
  });

  test.beforeEach(async ({ request }) => {
    await removeInstalled(request, TOUCHED);
    // As on Alpine, where the python3 package owns it: it exists before any kernel starts.
    createdDir ??= fs.mkdirSync(sitePackages, { recursive: true });
    fs.mkdirSync(sitePackages, { recursive: true });
  });

  test.afterEach(async ({ request }) => {
    await removeInstalled(request, TOUCHED);
  });

  test.afterAll(() => removeCreatedDirs(sitePackages, createdDir));

  for (const kind of ['notebook', 'console'] as Kind[]) {
    test(`${kind}: import tabulate fails, "Install and Run Again" installs py3-tabulate and the import works`, async ({
      page,
      request,
      tmpPath
    }) => {
      const tabulate = await api<{ version: string }>(
        request,
        'packages/py3-tabulate'
      );
      const cell = await start(page, kind, tmpPath, 'install', IMPORT_TABULATE);
      await expect(outputs(cell)).toContainText('ModuleNotFoundError');
      const offer = cell.locator(OFFER);
      await expect(offer).toContainText(
        `No module named tabulate: the prebuilt package py3-tabulate ${tabulate.version} ships it`
      );
      if (kind === 'notebook') {
        await cell.screenshot({ path: SCREENSHOT });
      }
      await offer
        .getByRole('button', { name: 'Install and Run Again' })
        .click();
      // The plan (confirmSingleInstall is on by default), then the job.
      await acceptDialog(page, 'py3-tabulate');
      const rerun = rerunOf(page, kind, cell);
      await expect(outputs(rerun)).toContainText(IMPORTED, { timeout: 60000 });
      await expect(outputs(rerun)).not.toContainText('ModuleNotFoundError');
      await expect(page.locator(OFFER)).toHaveCount(0);
      const installed = await api<{ installed_version: string | null }>(
        request,
        'packages/py3-tabulate'
      );
      expect(installed.installed_version).toBe(tabulate.version);
    });

    test(`${kind}: installed after the kernel started, the offer is a restart`, async ({
      page,
      request,
      tmpPath
    }) => {
      // The kernel starts while the apk site-packages directory does not exist: its import
      // system remembers that, and the package installed next is invisible to it.
      fs.rmdirSync(sitePackages);
      const cell = await start(
        page,
        kind,
        tmpPath,
        'stale',
        'print("started")'
      );
      await expect(outputs(cell)).toContainText('started');
      const job = await runJob(request, 'install', ['py3-tabulate']);
      expect(job.state, job.error ?? '').toBe('done');

      const failed = await run(page, kind, IMPORT_TABULATE);
      await expect(outputs(failed)).toContainText('ModuleNotFoundError');
      const offer = failed.locator(OFFER);
      await expect(offer).toContainText('this kernel started before it was');
      await expect(
        offer.getByRole('button', { name: 'Install', exact: true })
      ).toHaveCount(0);
      await offer
        .getByRole('button', { name: 'Restart and Run Again' })
        .click();
      await acceptDialog(page, 'Restart Kernel?');
      await expect(outputs(rerunOf(page, kind, failed))).toContainText(
        IMPORTED,
        { timeout: 60000 }
      );
      await expect(page.locator(OFFER)).toHaveCount(0);
    });

    test(`${kind}: other errors and cells that succeed show no offer and ask the server nothing`, async ({
      page,
      tmpPath
    }) => {
      const requests = watchModuleRequests(page);
      const cell = await start(page, kind, tmpPath, 'other', '1 / 0');
      await expect(outputs(cell)).toContainText('ZeroDivisionError');
      const ok = await run(page, kind, 'import json; print("fine")');
      await expect(outputs(ok)).toContainText('fine');
      // An import error afterwards does get an offer: the hook was listening all along.
      const missing = await run(page, kind, 'import termcolor');
      await expect(missing.locator(OFFER)).toContainText('py3-termcolor');
      await expect(cell.locator(OFFER)).toHaveCount(0);
      await expect(ok.locator(OFFER)).toHaveCount(0);
      expect(
        requests.map(r => new URL(r.url()).pathname.split('/').pop())
      ).toEqual(['termcolor']);
    });
  }

  test('notebook: the offer goes away when the cell is edited', async ({
    page,
    tmpPath
  }) => {
    const cell = await start(
      page,
      'notebook',
      tmpPath,
      'edit',
      'import termcolor'
    );
    await expect(cell.locator(OFFER)).toContainText('py3-termcolor');
    await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      panel.content.model.sharedModel
        .getCell(0)
        .setSource('import termcolor  # edited');
    });
    await expect(cell.locator(OFFER)).toHaveCount(0);
    await expect(outputs(cell)).toContainText('ModuleNotFoundError');
  });
});
