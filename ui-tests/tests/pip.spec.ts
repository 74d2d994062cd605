/**
 * `%pip install` in notebook and console cells, against a real server and real kernels.
 *
 * The extension's cell executors (src/pip/) resolve the requirements of a `%pip install` with
 * `POST /jupyterlab-apk/resolve`, install those a prebuilt apk satisfies in an install job, and
 * send the kernel the cell without them, preceded by a summary line per requirement. Here:
 *
 * - apk is demo/bin/apk-test-double on the demo sandbox root (.demo/root), whose site-packages
 *   the kernels have on PYTHONPATH (demo/jupyter_server_config.py);
 * - the kernels' pip never touches the network: ../jupyter_server_test_config.py sets
 *   PIP_NO_INDEX=1 and PIP_FIND_LINKS to a directory holding `pipdemo` (a tiny wheel that no apk
 *   provides, built by demo/pip_wheels.py) and to .demo/wheels (the demo's real wheels).
 *
 * pip installs into the kernel's own interpreter, i.e. the development venv: every test
 * uninstalls what pip installed (in the kernel, and again from afterEach as a safety net), and
 * removes what apk installed through the REST API, so the tests leave nothing behind.
 *
 * The sandbox root's site-packages directory is created before each test, as the python3
 * package provides it on Alpine; the last test shows what happens without it (a known bug,
 * kept as an expected failure).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type {
  APIRequestContext,
  Page,
  Request,
  WebSocket
} from '@playwright/test';

import { api, IJob, removeInstalled, runJob, TERMINAL } from './apk-api';
import {
  apkSitePackages,
  IPackage,
  ISettings,
  KERNEL_PYTHON,
  openNotebook,
  removeCreatedDirs,
  waitForKernel
} from './kernels';

const RESOLVE = /\/jupyterlab-apk\/resolve(\?.*)?$/;
const JOBS = /\/jupyterlab-apk\/jobs(\?.*)?$/;
const PANEL = '.jp-ApkPanel';
const ENTRY = 'li.jp-ApkPanel-entry';
// apk packages the tests install; removed (through the API) before and after each test.
const APK_TOUCHED = ['py3-tabulate', 'py3-termcolor'];
// Distributions pip may install into the kernel's venv here; uninstalled after each test,
// unless they were there before the tests.
const PIP_TOUCHED = ['pipdemo', 'tabulate', 'termcolor'];
// Those the tests expect pip to install (and uninstall) there.
const MUST_BE_ABSENT = ['pipdemo', 'tabulate'];

interface IExecuteRequest {
  code: string;
  time: number;
}

/** The ids of the jobs the server knows now. */
async function jobIds(request: APIRequestContext): Promise<Set<string>> {
  return new Set((await api<IJob[]>(request, 'jobs')).map(job => job.id));
}

/** The jobs started since `before` was taken. */
async function newJobs(
  request: APIRequestContext,
  before: Set<string>
): Promise<IJob[]> {
  return (await api<IJob[]>(request, 'jobs')).filter(
    job => !before.has(job.id)
  );
}

/**
 * The environment in which pip looks at the kernel's venv only: without the sandbox root on
 * PYTHONPATH, `pip uninstall` can never touch what apk installed there.
 */
function venvOnlyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  return env;
}

/** Which of `names` are installed in the kernel's venv. */
function venvDistributions(names: string[]): string[] {
  const script =
    'import importlib.metadata as m, json, sys\n' +
    'found = []\n' +
    'for name in sys.argv[1:]:\n' +
    '    try:\n' +
    '        m.distribution(name)\n' +
    '        found.append(name)\n' +
    '    except m.PackageNotFoundError:\n' +
    '        pass\n' +
    'print(json.dumps(found))\n';
  const out = execFileSync(KERNEL_PYTHON, ['-c', script, ...names], {
    env: venvOnlyEnv(),
    encoding: 'utf-8'
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]');
}

/** Uninstall from the kernel's venv whichever of `names` pip left there. */
function pipUninstall(names: string[]): void {
  const installed = venvDistributions(names);
  if (installed.length > 0) {
    execFileSync(
      KERNEL_PYTHON,
      ['-m', 'pip', 'uninstall', '-y', ...installed],
      {
        env: venvOnlyEnv(),
        stdio: 'ignore'
      }
    );
  }
}

/** Record the POST requests to a path matching `pattern` the page makes from now on. */
function watchPosts(page: Page, pattern: RegExp): Request[] {
  const seen: Request[] = [];
  page.on('request', request => {
    if (
      request.method() === 'POST' &&
      pattern.test(new URL(request.url()).pathname)
    ) {
      seen.push(request);
    }
  });
  return seen;
}

/** Record the POST requests to `…/jupyterlab-apk/resolve` the page makes from now on. */
function watchResolve(page: Page): Request[] {
  return watchPosts(page, RESOLVE);
}

/**
 * A kernel message sent over a kernel websocket, in either of JupyterLab's framings: JSON text
 * (the default protocol) or `v1.kernel.websocket.jupyter.org` (binary, with offsets).
 */
function parseFrame(
  payload: string | Buffer
): { header: any; content: any } | null {
  try {
    if (typeof payload === 'string') {
      return JSON.parse(payload);
    }
    const count = Number(payload.readBigUInt64LE(0));
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) {
      offsets.push(Number(payload.readBigUInt64LE(8 * (i + 1))));
    }
    const part = (i: number) =>
      payload.subarray(offsets[i], offsets[i + 1]).toString('utf-8');
    return { header: JSON.parse(part(1)), content: JSON.parse(part(4)) };
  } catch {
    return null;
  }
}

/** Record the code of every execute_request the page sends to a kernel from now on. */
function watchExecuteRequests(page: Page): IExecuteRequest[] {
  const sent: IExecuteRequest[] = [];
  page.on('websocket', (ws: WebSocket) => {
    if (!/\/api\/kernels\//.test(ws.url())) {
      return;
    }
    ws.on('framesent', frame => {
      const message = parseFrame(frame.payload);
      if (message?.header?.msg_type === 'execute_request') {
        sent.push({ code: message.content.code, time: Date.now() });
      }
    });
  });
  return sent;
}

/** The text of all outputs of notebook cell `index`, joined. */
async function cellText(
  page: IJupyterLabPageFixture,
  index: number
): Promise<string> {
  return ((await page.notebook.getCellTextOutput(index)) ?? []).join('');
}

/** Wait until notebook cell `index`'s output matches `pattern`; returns the output text. */
async function waitForCellText(
  page: IJupyterLabPageFixture,
  index: number,
  pattern: RegExp
): Promise<string> {
  await expect
    .poll(() => cellText(page, index), {
      timeout: 60000,
      intervals: [100, 250, 500]
    })
    .toMatch(pattern);
  return cellText(page, index);
}

/** Run `source` in a new cell at the end of the notebook; returns that cell's output text. */
async function runExtraCell(
  page: IJupyterLabPageFixture,
  source: string,
  pattern: RegExp
): Promise<string> {
  const index = await page.notebook.getCellCount();
  await page.evaluate(
    ({ source }) => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      panel.content.model.sharedModel.insertCell(
        panel.content.model.cells.length,
        {
          cell_type: 'code',
          source
        }
      );
    },
    { source }
  );
  await expect.poll(() => page.notebook.getCellCount()).toBe(index + 1);
  await page.notebook.runCell(index);
  return waitForCellText(page, index, pattern);
}

/** Whether `file` is inside the directory `root` (symlinks resolved). */
function isInside(file: string, root: string): boolean {
  return fs.realpathSync(file).startsWith(fs.realpathSync(root) + path.sep);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PIP_OUTPUT = {
  installed: (name: string, version: string) =>
    new RegExp(`Successfully installed ${escape(name)}-${escape(version)}`),
  uninstalled: (name: string, version: string) =>
    new RegExp(`Successfully uninstalled ${escape(name)}-${escape(version)}`)
};

test.describe.serial('%pip install routed to apk', () => {
  let preinstalled: string[] = [];
  let root = '';
  let sitePackages = '';
  // The outermost directory of sitePackages that the tests created, if any.
  let createdDir: string | undefined;

  test.beforeAll(async ({ request }) => {
    preinstalled = venvDistributions(PIP_TOUCHED);
    root = (await api<ISettings>(request, 'settings')).root;
    sitePackages = apkSitePackages(root);
  });

  test.beforeEach(async ({ request }) => {
    expect(
      preinstalled.filter(name => MUST_BE_ABSENT.includes(name)),
      `the kernel's venv (${KERNEL_PYTHON}) must not have these already: the tests install them`
    ).toEqual([]);
    await removeInstalled(request, APK_TOUCHED);
    // On Alpine, the python3 package owns <root>/usr/lib/python3.X/site-packages: it exists
    // before any kernel starts. The demo root has no python3 package, and apk removes the
    // directory with the last package in it, so it is created here, as on a real system.
    // (Without it, see the last test of this file.)
    const made = fs.mkdirSync(sitePackages, { recursive: true });
    if (
      made !== undefined &&
      (createdDir === undefined || createdDir.startsWith(made))
    ) {
      createdDir = made;
    }
  });

  test.afterEach(async ({ request }) => {
    pipUninstall(PIP_TOUCHED.filter(name => !preinstalled.includes(name)));
    await removeInstalled(request, APK_TOUCHED);
  });

  // Leave the sandbox root as found: remove the empty directories created above.
  test.afterAll(() => removeCreatedDirs(sitePackages, createdDir));

  test('Run All in a notebook: apk installs tabulate, pip installs pipdemo, the next cell imports both', async ({
    page,
    request,
    tmpPath
  }) => {
    const tabulate = await api<IPackage>(request, 'packages/py3-tabulate');
    expect(tabulate.installed_version).toBeNull();
    const resolves = watchResolve(page);
    const jobPosts = watchPosts(page, JOBS);
    const executed = watchExecuteRequests(page);

    await openNotebook(page, tmpPath, 'pip-run-all.ipynb', [
      '%pip install tabulate pipdemo',
      'import tabulate, pipdemo; print(tabulate.__file__, pipdemo.VALUE)'
    ]);
    // Galata's run(): the "Run All Cells" menu item (notebook:run-all-cells), then it waits
    // until every cell has an execution count.
    expect(await page.notebook.run()).toBe(true);

    // Cell 1: the summary first, one line per requirement, then pip's own output.
    const summary = new RegExp(
      '^tabulate → apk: py3-tabulate ' +
        escape(tabulate.version) +
        ' \\(\\d+\\.\\d s\\)\\n' +
        'pipdemo → pip: no prebuilt package\\n'
    );
    const first = await waitForCellText(
      page,
      0,
      PIP_OUTPUT.installed('pipdemo', '1.0')
    );
    expect(first).toMatch(summary);
    const pipPart = first.replace(summary, '');
    expect(pipPart).toMatch(/pipdemo-1\.0-py3-none-any\.whl/);
    // pip was not asked for tabulate: apk took it off the command line.
    expect(pipPart).not.toMatch(/tabulate/i);

    // One request for the two requirements, which queued the install job too; the kernel
    // got the cell without tabulate.
    expect(resolves).toHaveLength(1);
    expect(resolves[0].postDataJSON()).toMatchObject({
      requirements: ['tabulate', 'pipdemo'],
      kernel: 'python3',
      install: true
    });
    expect(jobPosts).toHaveLength(0);
    const pipCell = executed.find(message => message.code.includes('pipdemo'));
    expect(pipCell?.code).toMatch(/^print\(".*"\)\n?%pip install pipdemo$/s);

    // Cell 2, sent only once cell 1 was: tabulate from the sandbox root, pipdemo from pip.
    const second = (await waitForCellText(page, 1, /\S+ 42\s*$/)).trim();
    const [file, value] = second.split(' ');
    expect(value).toBe('42');
    expect(file).toMatch(/tabulate/);
    expect(isInside(file, root)).toBe(true);

    // apk really installed it: the API and the sidebar say so.
    const installed = await api<IPackage>(request, 'packages/py3-tabulate');
    expect(installed.installed_version).toBe(tabulate.version);
    const jobs = await api<IJob[]>(request, 'jobs');
    expect(
      jobs.find(job => job.packages.includes('py3-tabulate'))
    ).toMatchObject({
      action: 'install',
      state: 'done'
    });
    await page.locator('.lm-TabBar-tab[data-id="jp-apk-panel"]').click();
    const panel = page.locator(PANEL);
    await expect(panel.locator('.jp-ApkPanel-loading')).toHaveCount(0, {
      timeout: 30000
    });
    await panel.locator('.jp-ApkPanel-search input').fill('py3-tabulate');
    const row = panel.locator(`${ENTRY}[data-package="py3-tabulate"]`);
    await expect(row.locator('.jp-ApkPanel-installedBadge')).toBeVisible();

    // Clean up: pip uninstalls pipdemo in the kernel (apk's package goes in afterEach).
    const uninstall = await runExtraCell(
      page,
      '%pip uninstall -y pipdemo',
      PIP_OUTPUT.uninstalled('pipdemo', '1.0')
    );
    expect(uninstall).not.toMatch(/→/); // not intercepted: only install is routed
    expect(resolves).toHaveLength(1);
    await removeInstalled(request, ['py3-tabulate']);
    expect(
      (await api<IPackage>(request, 'packages/py3-tabulate')).installed_version
    ).toBeNull();
  });

  test('a console: %pip install termcolor goes to apk, then termcolor imports from the sandbox root', async ({
    page,
    request
  }) => {
    const termcolor = await api<IPackage>(request, 'packages/py3-termcolor');
    expect(termcolor.installed_version).toBeNull();
    const resolves = watchResolve(page);
    const executed = watchExecuteRequests(page);

    await page.evaluate(async () => {
      // Not returned: the console widget cannot be serialized.
      await (window as any).jupyterapp.commands.execute('console:create', {
        kernelPreference: { name: 'python3' },
        activate: true
      });
    });
    await expect(page.locator('.jp-CodeConsole')).toBeVisible();
    await waitForKernel(page);

    const cells = page.locator('.jp-CodeConsole-content .jp-CodeCell');
    const outputOf = async (index: number) =>
      (
        await cells
          .nth(index)
          .locator('.jp-OutputArea-output')
          .allTextContents()
      ).join('');
    const run = async (code: string) => {
      await page.evaluate(code => {
        const widget = (window as any).jupyterapp.shell.currentWidget;
        widget.console.promptCell.model.sharedModel.setSource(code);
      }, code);
      await page.locator('.jp-CodeConsole-input .cm-content').click();
      await page.keyboard.press('Shift+Enter');
    };

    await run('%pip install termcolor');
    await expect(cells).toHaveCount(1, { timeout: 60000 });
    await expect
      .poll(() => outputOf(0), { timeout: 60000 })
      .toMatch(/^termcolor → apk: /);
    // Everything went to apk: the kernel only printed the summary, pip did not run.
    const output = await outputOf(0);
    expect(output).toMatch(
      new RegExp(
        `^termcolor → apk: py3-termcolor ${escape(termcolor.version)} \\(\\d+\\.\\d s\\)\\n$`
      )
    );
    expect(resolves).toHaveLength(1);
    expect(resolves[0].postDataJSON()).toMatchObject({
      requirements: ['termcolor']
    });
    expect(
      executed.find(message => message.code.includes('termcolor'))?.code
    ).not.toMatch(/%pip/);
    expect(
      (await api<IPackage>(request, 'packages/py3-termcolor')).installed_version
    ).toBe(termcolor.version);

    await run('import termcolor; print(termcolor.__file__)');
    await expect(cells).toHaveCount(2, { timeout: 30000 });
    await expect
      .poll(() => outputOf(1), { timeout: 30000 })
      .toMatch(/termcolor/);
    const file = (await outputOf(1)).trim();
    expect(isInside(file, root)).toBe(true);
    expect(resolves).toHaveLength(1); // a cell without pip is not resolved

    // Again: apk has nothing to do, and the summary says so.
    await run('%pip install termcolor');
    await expect(cells).toHaveCount(3, { timeout: 30000 });
    await expect
      .poll(() => outputOf(2), { timeout: 60000 })
      .toBe(
        `termcolor → apk: py3-termcolor ${termcolor.version} (already installed)\n`
      );

    // Nothing went through pip here; apk's package is removed through the API.
    await removeInstalled(request, ['py3-termcolor']);
    expect(
      (await api<IPackage>(request, 'packages/py3-termcolor')).installed_version
    ).toBeNull();
  });

  test('a cell without a pip command is sent untouched, with no resolve request', async ({
    page,
    tmpPath
  }) => {
    const resolves = watchResolve(page);
    const executed = watchExecuteRequests(page);
    const source = 'print("hello")';
    await openNotebook(page, tmpPath, 'pip-untouched.ipynb', [source]);
    await page.notebook.runCell(0);
    await expect
      .poll(() => page.notebook.getCellTextOutput(0))
      .toEqual(['hello\n']);
    // The kernel received the source byte for byte, and the server was never asked.
    expect(executed.map(message => message.code)).toEqual([source]);
    expect(resolves).toHaveLength(0);
  });

  test('without the server extension, %pip install goes to pip as written', async ({
    page,
    request,
    tmpPath
  }) => {
    // The server extension cannot be stopped without restarting the server, so its absence is
    // simulated in the page: every resolve request fails at the network level, as it does when
    // the server has no jupyterlab-apk (or cannot be reached).
    let aborted = 0;
    await page.route(RESOLVE, route => {
      aborted++;
      return route.abort();
    });
    const jobsBefore = await jobIds(request);
    const executed = watchExecuteRequests(page);

    await openNotebook(page, tmpPath, 'pip-no-server.ipynb', [
      '%pip install pipdemo'
    ]);
    await page.notebook.runCell(0);
    const output = await waitForCellText(
      page,
      0,
      PIP_OUTPUT.installed('pipdemo', '1.0')
    );
    expect(aborted).toBe(1);
    // One summary line: everything goes to pip; then pip installs the requirement.
    expect(output).toMatch(
      /^jupyterlab-apk: [^\n]+; everything goes to pip\.\n/
    );
    expect(output).toMatch(/pipdemo-1\.0-py3-none-any\.whl/);
    expect(
      executed.find(message => message.code.includes('pipdemo'))?.code
    ).toMatch(/%pip install pipdemo$/);
    // No apk job was started.
    expect(await newJobs(request, jobsBefore)).toEqual([]);

    const uninstall = await runExtraCell(
      page,
      '%pip uninstall -y pipdemo',
      PIP_OUTPUT.uninstalled('pipdemo', '1.0')
    );
    expect(uninstall).toMatch(/pipdemo/);
  });

  test('the opt-out marker "# apk: off" leaves the cell to pip, with no resolve request', async ({
    page,
    request,
    tmpPath
  }) => {
    // py3-tabulate is not installed (beforeEach), so the kernel's pip installs tabulate from
    // .demo/wheels into the venv, and uninstalls it from there.
    expect(
      (await api<IPackage>(request, 'packages/py3-tabulate')).installed_version
    ).toBeNull();
    const resolves = watchResolve(page);
    const executed = watchExecuteRequests(page);
    const jobsBefore = await jobIds(request);
    const source = '%pip install tabulate  # apk: off';

    await openNotebook(page, tmpPath, 'pip-opt-out.ipynb', [source]);
    await page.notebook.runCell(0);
    const output = await waitForCellText(
      page,
      0,
      PIP_OUTPUT.installed('tabulate', '0.10.0')
    );
    expect(output).not.toMatch(/→/); // no summary: the extension stayed out of it
    expect(output).toMatch(/tabulate-0\.10\.0-py3-none-any\.whl/);
    expect(executed.map(message => message.code)).toEqual([source]);
    expect(resolves).toHaveLength(0);
    expect(await newJobs(request, jobsBefore)).toEqual([]);
    expect(
      (await api<IPackage>(request, 'packages/py3-tabulate')).installed_version
    ).toBeNull();
    // pip put it into the venv, not the sandbox root.
    expect(venvDistributions(['tabulate'])).toEqual(['tabulate']);

    await runExtraCell(
      page,
      '%pip uninstall -y tabulate',
      PIP_OUTPUT.uninstalled('tabulate', '0.10.0')
    );
    expect(venvDistributions(['tabulate'])).toEqual([]);
  });

  // The kernel caches a missing PYTHONPATH entry (sys.path_importer_cache[dir] is None): after
  // apk installed, the executor has the kernel call importlib.invalidate_caches() first.
  test('a kernel started before the apk site-packages directory exists imports what %pip install put there', async ({
    page,
    request,
    tmpPath
  }) => {
    // As in a fresh demo root (scripts/demo.sh): the directory appears with the first package.
    try {
      fs.rmdirSync(sitePackages);
    } catch {
      // Already gone.
    }
    test.skip(fs.existsSync(sitePackages), `${sitePackages} is not empty`);
    const tabulate = await api<IPackage>(request, 'packages/py3-tabulate');

    await openNotebook(page, tmpPath, 'pip-fresh-root.ipynb', [
      '%pip install tabulate',
      'import tabulate; print(tabulate.__file__)'
    ]);
    expect(await page.notebook.run()).toBe(true);
    await waitForCellText(page, 0, /^tabulate → apk: py3-tabulate /);
    expect(
      (await api<IPackage>(request, 'packages/py3-tabulate')).installed_version
    ).toBe(tabulate.version);
    expect(fs.existsSync(sitePackages)).toBe(true);
    // Whatever cell 2 printed (a path, or the traceback), it must be the module's file.
    const printed = (await waitForCellText(page, 1, /\S/)).trim();
    expect(printed).not.toMatch(/ModuleNotFoundError/);
    expect(isInside(printed, root)).toBe(true);
  });
});
