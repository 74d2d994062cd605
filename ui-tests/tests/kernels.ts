// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Kernels, notebooks and the sandbox root, as the UI tests that run code use them.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

const REPO = path.resolve(__dirname, '..', '..');

/**
 * The kernels' interpreter: the server's (kernelspec `python3` runs the server's
 * sys.executable), i.e. the venv `jupyter lab` runs from.
 */
export const KERNEL_PYTHON =
  process.env.JUPYTERLAB_APK_UI_KERNEL_PYTHON ??
  (fs.existsSync(path.join(REPO, '.venv', 'bin', 'python'))
    ? path.join(REPO, '.venv', 'bin', 'python')
    : 'python3');

export interface IPackage {
  name: string;
  version: string;
  installed_version: string | null;
}

export interface ISettings {
  root: string;
}

/**
 * A notebook of code cells in the test's directory, with `metadata` added to its own, opened,
 * its kernel (python3) ready.
 */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  sources: string[],
  metadata: Record<string, unknown> = {}
) {
  const notebook = {
    cells: sources.map(source => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source
    })),
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' },
      ...metadata
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  const file = `${tmpPath}/${name}`;
  expect(
    await page.contents.uploadContent(JSON.stringify(notebook), 'text', file)
  ).toBe(true);
  // Opened by command rather than through the file browser, which need not show that folder.
  await page.evaluate(async file => {
    const app = (window as any).jupyterapp;
    await app.commands.execute('docmanager:open', {
      path: file,
      factory: 'Notebook'
    });
  }, file);
  await page.waitForFunction(
    file =>
      (window as any).jupyterapp.shell.currentWidget?.context?.path === file,
    file
  );
  await waitForKernel(page);
}

/** Wait until the current widget's kernel is connected and idle. */
export async function waitForKernel(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      const kernel = widget?.sessionContext?.session?.kernel;
      return (
        kernel?.connectionStatus === 'connected' && kernel?.status === 'idle'
      );
    },
    undefined,
    { timeout: 60000 }
  );
}

/**
 * The directory apk installs the kernel's Python packages into, in the sandbox root.
 */
export function apkSitePackages(root: string): string {
  const version = execFileSync(
    KERNEL_PYTHON,
    ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
    { encoding: 'utf-8' }
  ).trim();
  return path.join(root, 'usr', 'lib', `python${version}`, 'site-packages');
}

/**
 * Remove `dir` and its parents up to `createdDir` (the outermost one a test created, if any),
 * stopping at one that is not empty: something else lives there.
 */
export function removeCreatedDirs(
  dir: string,
  createdDir: string | undefined
): void {
  for (
    ;
    createdDir !== undefined && dir.startsWith(createdDir);
    dir = path.dirname(dir)
  ) {
    try {
      fs.rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        break;
      }
    }
  }
}
